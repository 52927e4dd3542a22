"""Page cache for visitors: public pages rendered once, served from memory until content changes.

Most readers of the commons are anonymous visitors reading public pages (REX, lists, feeds, the
API). Rendering such a page costs several queries and a Jinja layout; serving the stored bytes
costs one indexed query. The rules, strict on purpose:

* **Which requests.** ``GET``/``HEAD`` without any ``Cookie`` or ``Authorization`` header: nobody
  signed in, no flash message, no CSRF token; anything else goes through Flask unchanged, so
  signed-in members never see a cached page. Only views marked :func:`for_visitors` are stored,
  only ``200`` responses, never one that sets a cookie or that Flask streams.
* **Freshness.** A single counter, ``content_generation.value``, is bumped *in the same
  transaction* as any content change (a ``before_commit`` listener on every session: ORM
  objects and bulk statements, except tables listed in :data:`IGNORED_TABLES` such as read
  markers and rate limits). A page is stored with the generation read *before* its content and
  served only while the counter has not moved, so a REX made private disappears from the cache
  at the commit that moves it, on every worker and every server sharing the database. Entries
  also expire after ``PAGE_CACHE_SECONDS`` (relative dates, changes made outside the ORM).
* **Memory.** A per-process LRU bounded by ``PAGE_CACHE_MB`` (``0`` disables the cache).

The stored response keeps its headers: ``If-None-Match`` and ``If-Modified-Since`` get a ``304``
by the same rules as Werkzeug's ``make_conditional``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request

from .generation import IGNORED_COLUMNS, IGNORED_TABLES, ContentGeneration, generation
from .store import ENVIRON_KEY, Entry, Middleware, Store, eligible

__all__ = [
    "IGNORED_COLUMNS",
    "IGNORED_TABLES",
    "ContentGeneration",
    "Entry",
    "Store",
    "for_visitors",
    "generation",
    "init_app",
]

F = TypeVar("F", bound=Callable[..., Any])


def for_visitors(view: F) -> F:
    """Mark a view whose anonymous ``200`` responses may be stored (see the module docstring)."""
    view._for_visitors = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Install the middleware and the hook that records the generation for marked views."""
    megabytes = float(app.config.get("PAGE_CACHE_MB", 32) or 0)
    if megabytes <= 0:
        return
    store = Store(int(megabytes * 1024 * 1024), float(app.config.get("PAGE_CACHE_SECONDS", 300)))
    app.extensions["commons.pagecache"] = store
    app.wsgi_app = Middleware(app, app.wsgi_app, store)  # type: ignore[method-assign]

    @app.before_request
    def _record_generation() -> None:
        view = app.view_functions.get(request.endpoint or "")
        marked = getattr(view, "_for_visitors", False)
        if marked and eligible(request.environ) and ENVIRON_KEY not in request.environ:
            # Read before any content: a page stored under this number is never older than it.
            request.environ[ENVIRON_KEY] = generation()
