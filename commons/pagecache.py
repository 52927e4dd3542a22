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

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, request
from sqlalchemy import BigInteger, Table, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.http import is_resource_modified, unquote_etag

from . import db

#: Tables whose changes never show on a public page (per-user state, queues, counters).
IGNORED_TABLES = frozenset(
    {
        "content_generation",
        "rate_event",
        "search_index_queue",
        "watch",
        "notification",
        "thread_read",
        "notification_preference",
        "audit_entry",
        # private to signed-in people: never on a page served to visitors
        "submission_token",
        "rex_agreement",
        "rex_agreement_answer",
        "group_session_series",
        "group_session",
        "group_session_answer",
        "group_session_item",
        "calendar_feed",
        "session_minutes",
        "session_minutes_revision",
        "session_action",
        "session_synthesis_source",
        "user_session",
    }
)
#: Columns whose change alone is not a content change.
IGNORED_COLUMNS = frozenset({("user_account", "last_login_at")})

#: Headers that describe a body, dropped from a ``304 Not Modified``.
BODY_HEADERS = frozenset({"content-length", "content-type", "content-encoding", "content-range"})
ENVIRON_KEY = "commons.pagecache.generation"
F = TypeVar("F", bound=Callable[..., Any])


class ContentGeneration(db.Base):
    """One row: a counter bumped by every transaction that changes content."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def for_visitors(view: F) -> F:
    """Mark a view whose anonymous ``200`` responses may be stored (see the module docstring)."""
    view._for_visitors = True  # type: ignore[attr-defined]
    return view


# -- the counter ---------------------------------------------------------------------------------


def _changes_content(session: Session) -> bool:
    for obj in session.new | session.deleted:
        if getattr(obj, "__tablename__", "") not in IGNORED_TABLES:
            return True
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", "")
        if table in IGNORED_TABLES:
            continue
        state = inspect(obj)
        changed = [a.key for a in state.attrs if a.history.has_changes()]
        if any((table, key) not in IGNORED_COLUMNS for key in changed):
            return True
    return False


@event.listens_for(db.AppSession, "before_flush")
def _note_orm_changes(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get("content_changed") and _changes_content(session):
        session.info["content_changed"] = True


@event.listens_for(db.AppSession, "do_orm_execute")
def _note_statements(state: Any) -> None:
    if state.is_select or state.session.info.get("content_changed"):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in IGNORED_TABLES:
        state.session.info["content_changed"] = True


@event.listens_for(db.AppSession, "before_commit")
def _bump(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released (unique names, submission tokens): the outer commit bumps
    session.flush()  # row locks of the content first, the counter's last: no lock-order cycle
    if not session.info.pop("content_changed", False):
        return
    table = ContentGeneration.__table__
    assert isinstance(table, Table)
    done = session.execute(update(table).where(table.c.id == 1).values(value=table.c.value + 1))
    if not done.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(table).values(id=1, value=1))


@event.listens_for(db.AppSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("content_changed", None)


GENERATION = select(ContentGeneration.value).where(ContentGeneration.id == 1)


def generation() -> int:
    """The current content generation (0 before the first change)."""
    return int(db.session.scalar(GENERATION) or 0)


# -- the store -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    generation: int
    stored_at: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class Store:
    """A thread-safe LRU of entries bounded by total body size."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and time.monotonic() - entry.stored_at > self.ttl:
                self._drop(key)
                entry = None
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return  # one page must not evict most of the others
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def discard(self, key: str) -> None:
        with self._lock:
            if key in self._items:
                self._drop(key)

    def _drop(self, key: str) -> None:
        self._size -= len(self._items.pop(key).body)


def _key(environ: dict[str, Any]) -> str:
    return "|".join(
        (
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
    )


def _eligible(environ: dict[str, Any]) -> bool:
    return (
        environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        and not environ.get("HTTP_COOKIE")
        and not environ.get("HTTP_AUTHORIZATION")
    )


def _not_modified(entry: Entry, environ: dict[str, Any]) -> bool:
    """Whether the client's ``If-None-Match`` / ``If-Modified-Since`` match the stored page."""
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return False
    headers = {k.lower(): v for k, v in entry.headers}
    etag = unquote_etag(headers["etag"])[0] if "etag" in headers else None
    return not is_resource_modified(environ, etag=etag, last_modified=headers.get("last-modified"))


class Middleware:
    """WSGI layer in front of Flask: answers from the store, or stores what Flask rendered."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], store: Store) -> None:
        self.app, self.wsgi_app, self.store = app, wsgi_app, store

    def current_generation(self) -> int:
        """One SELECT outside any transaction (no ``BEGIN``, never SQLite's write lock)."""
        engine = self.app.extensions["commons.engine"]
        with engine.connect().execution_options(single_read=True) as conn:
            return int(conn.scalar(GENERATION) or 0)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not _eligible(environ):
            return self.wsgi_app(environ, start_response)
        key = _key(environ)
        entry = self.store.get(key)
        if entry is not None:
            current = self.current_generation()
            if entry.generation == current:
                self.store.hits += 1
                return self._serve(entry, environ, start_response)
            self.store.discard(key)
            environ[ENVIRON_KEY] = current  # read before the content: the view's page may use it
        self.store.misses += 1
        return self._render(key, environ, start_response)

    def _serve(
        self, entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if _not_modified(entry, environ):  # the same rules as Werkzeug's make_conditional
            kept = [(k, v) for k, v in entry.headers if k.lower() not in BODY_HEADERS]
            start_response("304 NOT MODIFIED", kept)
            return [b""]
        start_response(entry.status, entry.headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]

    def _render(
        self, key: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        body = self.wsgi_app(environ, capture)
        generation_read = environ.get(ENVIRON_KEY)
        status = captured.get("status", "")
        headers: list[tuple[str, str]] = captured.get("headers", [])
        if (
            generation_read is None
            or environ.get("REQUEST_METHOD") != "GET"
            or not status.startswith("200")
            or any(k.lower() == "set-cookie" for k, _ in headers)
        ):
            return body
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
        data = b"".join(chunks)
        self.store.put(key, Entry(generation_read, time.monotonic(), status, list(headers), data))
        return [data]


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
        if marked and _eligible(request.environ) and ENVIRON_KEY not in request.environ:
            # Read before any content: a page stored under this number is never older than it.
            request.environ[ENVIRON_KEY] = generation()
