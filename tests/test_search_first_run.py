"""Issue 17, « searchable from the start »: `content load` leaves an index that answers, a
server that starts with a non-empty queue applies it without waiting for a write, and the
queue is reported by /healthz and `commons search status`."""

from __future__ import annotations

import time
from typing import Any

from commons import content, db
from commons.search import outbox, startup

from .search_support import app_config, backend, combo, empty_backend  # noqa: F401


def test_cli_content_load_leaves_a_searchable_index(app, client) -> None:  # type: ignore[no-untyped-def]
    empty_backend(app)
    result = app.test_cli_runner().invoke(args=["content", "load", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Recherche :" in result.output and "0 en file d'attente" in result.output
    assert outbox.status(app)[0] == 0
    page = client.get("/recherche", query_string={"q": "budget participatif"})
    assert "Angers" in page.get_data(as_text=True)
    status = app.test_cli_runner().invoke(args=["search", "status"])
    assert "File d'attente : 0 modification(s)" in status.output


def test_first_request_drains_a_waiting_queue_in_the_background(app, client) -> None:  # type: ignore[no-untyped-def]
    empty_backend(app)
    content.load()
    db.session.commit()
    count, oldest = outbox.status(app)
    assert count >= 20 and oldest is not None
    health: dict[str, Any] = client.get("/healthz").get_json()
    assert health["search"]["queue"] == count and health["search"]["oldest_change_age_s"] >= 0
    assert health["search"]["backend"] == app.config["SEARCH_BACKEND"]
    # The queue waits: nothing is found before a drain (tests turn the start-up drain off).
    assert "0 résultat" in client.get("/recherche?q=budget").get_data(as_text=True)

    app.config["SEARCH_DRAIN_ON_START"] = True
    app.extensions.pop(startup._STARTED, None)
    thread = startup.drain_on_start(app)
    assert thread is not None
    thread.join(30)
    assert startup.drain_on_start(app) is None  # once per process
    assert outbox.status(app) == (0, None)
    page = client.get("/recherche", query_string={"q": "budget participatif"})
    assert "Angers" in page.get_data(as_text=True)
    health = client.get("/healthz").get_json()
    assert health["search"]["queue"] == 0 and health["search"]["oldest_change_age_s"] is None


def test_first_get_request_starts_the_drain(app, client) -> None:  # type: ignore[no-untyped-def]
    empty_backend(app)
    content.load()
    db.session.commit()
    app.config["SEARCH_DRAIN_ON_START"] = True
    client.get("/healthz")  # any first request, even a GET
    for _ in range(300):
        if outbox.status(app)[0] == 0:
            break
        time.sleep(0.1)
    assert outbox.status(app)[0] == 0
    assert "Angers" in client.get("/recherche?q=budget").get_data(as_text=True)
