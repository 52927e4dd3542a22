"""Searchable from the start: the queue is applied when a server starts, and its state is
reported (``/healthz``, ``commons search status``).

A server process that receives its first request with rows waiting in the queue (a fresh
``content load``, changes committed while the index was locked or the server was down) drains
them in a background thread, with the usual writer lock timeout, instead of waiting for the
next write request. Several workers may do it at once: the Whoosh writer lock and PostgreSQL's
``SKIP LOCKED`` share the queue between them. Tests turn it off (``SEARCH_DRAIN_ON_START``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from . import outbox

log = logging.getLogger(__name__)
_STARTED = "commons.search.start_drain"


def health(app: Flask) -> dict[str, Any]:
    """The backend, the queue length and the age (seconds) of its oldest change."""
    count, oldest = outbox.status(app)
    age = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        age = max(0, round((datetime.now(UTC) - oldest).total_seconds()))
    return {"backend": app.config["SEARCH_BACKEND"], "queue": count, "oldest_change_age_s": age}


def _drain_in_background(app: Flask) -> None:
    try:
        with app.app_context():
            report = outbox.drain_all(app, timeout=float(app.config["SEARCH_WRITE_TIMEOUT"]))
        log.info("search: start-up drain: %s", report)
    except Exception:  # the next write request or `commons search drain` will retry
        log.exception("search: start-up drain failed; rows kept for later")


def drain_on_start(app: Flask) -> threading.Thread | None:
    """Once per process: start the background drain when rows wait (the thread, or None)."""
    if app.extensions.get(_STARTED):
        return None
    app.extensions[_STARTED] = True
    try:
        if not outbox.status(app)[0]:
            return None
    except Exception:  # no queue table yet (database not migrated): nothing to drain
        log.warning("search: queue unreadable at start-up", exc_info=True)
        return None
    thread = threading.Thread(
        target=_drain_in_background, args=(app,), name="commons-search-drain", daemon=True
    )
    thread.start()
    return thread
