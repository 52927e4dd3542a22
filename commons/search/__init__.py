"""Full-text search: French analysis, two backends behind one interface (Whoosh embedded,
PostgreSQL full-text) and the durable outbox."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the backend setting, register the outbox listener (once per process), the CLI,
    and the after-request drain.

    ``SEARCH_BACKEND=postgres`` on a SQLite database is refused here, with a French message.

    After a write request (POST…) that did not fail, pending queue rows are drained with a short
    writer timeout (``SEARCH_REQUEST_DRAIN_TIMEOUT``, default 0.5 s). A failure is logged and
    the rows stay for the next drain (next request, ``commons search drain``, a worker).

    At its first request a process drains a non-empty queue in the background
    (``SEARCH_DRAIN_ON_START``, on except in tests, see :mod:`.startup`); ``/healthz`` reports
    the queue length and the age of its oldest change.
    """
    from flask import request
    from sqlalchemy import select

    from .. import db
    from . import outbox, views
    from .backends import check_config, own_session

    app.config["SEARCH_BACKEND"] = check_config(app.config)
    views.init_app(app)
    from .cli import search_group
    from .models import IndexQueue

    app.config.setdefault("SEARCH_WRITE_TIMEOUT", 5.0)
    app.config.setdefault("SEARCH_REQUEST_DRAIN_TIMEOUT", 0.5)
    app.config.setdefault("SEARCH_DRAIN_ON_START", not app.testing)
    outbox.register_listener()
    outbox.enable(app)
    app.cli.add_command(search_group)

    from . import startup

    app.extensions.setdefault("commons.health", {})["search"] = lambda: startup.health(app)

    @app.before_request
    def _drain_on_start() -> None:
        if app.config["SEARCH_DRAIN_ON_START"] and not app.extensions.get(startup._STARTED):
            startup.drain_on_start(app)

    @app.teardown_request
    def _drain_after_write(exc: BaseException | None) -> None:
        if exc is not None or request.method in {"GET", "HEAD", "OPTIONS"}:
            return
        try:
            db.session.remove()  # the request is over: end its transaction, free SQLite's lock
            with own_session(app, write=False) as session:
                if session.scalar(select(IndexQueue.id).limit(1)) is None:
                    return
            outbox.drain(app, timeout=float(app.config["SEARCH_REQUEST_DRAIN_TIMEOUT"]))
        except Exception:  # never fail a user's request because of the index
            app.logger.exception("search: drain after request failed; rows kept for later")


__all__: list[Any] = ["init_app"]
