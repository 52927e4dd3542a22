"""Full-text search: French analysis, two backends behind one interface (Whoosh embedded,
PostgreSQL full-text) and the durable outbox."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the backend setting, register the outbox listener (once per process), the CLI,
    and the after-request drain.

    ``SEARCH_BACKEND=postgres`` on a SQLite database is refused here, with a French message.

    After a write request (POST…) that did not fail, once its response is sent
    (``call_on_close``: the request's transaction is over and the acknowledgement does not wait
    for the index), pending queue rows are drained with a short writer timeout
    (``SEARCH_REQUEST_DRAIN_TIMEOUT``, default 0.5 s). A failure is logged and the rows stay
    for the next drain (next request, ``commons search drain``, a worker).

    At its first request a process drains a non-empty queue in the background
    (``SEARCH_DRAIN_ON_START``, on except in tests, see :mod:`.startup`); ``/healthz`` reports
    the queue length and the age of its oldest change.
    """
    from flask import request
    from sqlalchemy import select

    from . import outbox, views
    from .backends import FACTORIES, check_config, own_session
    from .pg_backend import PostgresBackend
    from .whoosh_store import WhooshBackend

    app.extensions[FACTORIES] = {"postgres": PostgresBackend, "whoosh": WhooshBackend}

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

    def _drain() -> None:
        try:
            with app.app_context(), own_session(app, write=False) as session:
                if session.scalar(select(IndexQueue.id).limit(1)) is None:
                    return
            with app.app_context():
                outbox.drain(app, timeout=float(app.config["SEARCH_REQUEST_DRAIN_TIMEOUT"]))
        except Exception:  # never fail a user's request because of the index
            app.logger.exception("search: drain after request failed; rows kept for later")

    @app.after_request
    def _drain_after_write(response: Any) -> Any:
        # After the response is sent (its body written, the request's transaction ended): the
        # acknowledgement never waits for the index.
        if request.method not in {"GET", "HEAD", "OPTIONS"} and response.status_code < 500:
            response.call_on_close(_drain)
        return response


__all__: list[Any] = ["init_app"]
