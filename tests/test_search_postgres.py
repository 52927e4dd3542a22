"""PostgreSQL backend only: the drain waits (bounded) for a reindex, several drains share the
queue (SKIP LOCKED) without losing or repeating work, a reindex is one transaction that
searches do not notice until it commits. Runs when ``TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from commons import db
from commons.search import documents, outbox
from commons.search.backends import get_backend
from commons.search.pg_writer import REINDEX_LOCK
from commons.search.results import IndexBusy
from commons.wiki import services as wiki

from .conftest import PG_URL, base_config
from .search_support import ANON, BODY, empty_backend, found, queued

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {**base_config(tmp_path, "postgresql"), "SEARCH_BACKEND": "postgres"}


@pytest.fixture(autouse=True)
def _empty_index(app: Flask) -> None:
    empty_backend(app)


def _hold_reindex_lock(app: Flask) -> Any:
    """Another connection holding the reindex lock (as a reindex in progress does)."""
    conn = app.extensions["commons.engine"].connect()
    conn.execute(select(func.pg_advisory_lock(*REINDEX_LOCK)))
    return conn


def test_drain_during_a_reindex_is_busy_and_keeps_rows(app: Flask, make_user: Any) -> None:
    author = make_user()
    rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    held = _hold_reindex_lock(app)
    try:
        report = outbox.drain(app, timeout=0.1)
        assert report.busy and "occupé" in str(report) and report.remaining >= 1
        with pytest.raises(IndexBusy):
            outbox.reindex(app, timeout=0.1)
        assert (f"rex:{rex.id}", "upsert") in queued()
        db.session.commit()
    finally:
        held.execute(select(func.pg_advisory_unlock(*REINDEX_LOCK)))
        held.close()
    assert found(app, "composteurs", ANON) == set()
    report = outbox.drain(app)
    assert not report.busy and report.remaining == 0
    assert found(app, "composteurs", ANON) == {f"rex:{rex.id}"}


def test_concurrent_drains_share_the_queue(app: Flask, make_user: Any) -> None:
    author = make_user()
    made = [
        wiki.create_rex(author, title=f"Composteurs {n}", body=BODY, space="public")
        for n in range(24)
    ]
    db.session.commit()
    for rex in made[:6]:  # several queue rows for the same documents
        wiki.save(author, rex, base=rex.head, body=BODY + "\nSuite.\n")
    db.session.commit()
    reports, errors = [], []

    def worker() -> None:
        try:
            with app.app_context():
                for _ in range(20):
                    report = outbox.drain(app, limit=4)
                    reports.append(report)
                    if report.remaining == 0:
                        return
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not any(r.busy or r.failed for r in reports)
    assert outbox.pending(app) == 0
    res = get_backend(app).search("composteurs", visibility_filter=ANON, per_page=100)
    assert res.total == 24 and {h.id for h in res.hits} == {f"rex:{r.id}" for r in made}


def test_reindex_is_invisible_until_it_commits(
    app: Flask, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = make_user()
    first = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    outbox.drain(app)
    second = wiki.create_rex(author, title="Composteurs de quartier", body=BODY, space="public")
    db.session.commit()
    db.session.execute(text("DELETE FROM search_index_queue"))  # as if never drained
    db.session.commit()
    seen_during: list[set[str]] = []
    real = documents.all_documents

    def spying(session: Any) -> Iterator[dict[str, Any]]:
        for n, doc in enumerate(real(session)):
            if n == 1:  # the old rows are deleted, new ones being written: search meanwhile
                seen_during.append(found(app, "composteurs", ANON))
            yield doc

    monkeypatch.setattr(documents, "all_documents", spying)
    count = outbox.reindex(app)
    assert count >= 2  # the two REX (and any validated collectivité)
    assert seen_during == [{f"rex:{first.id}"}]
    assert found(app, "composteurs", ANON) == {f"rex:{first.id}", f"rex:{second.id}"}
    assert get_backend(app).search("composteur", visibility_filter=ANON).total == 2
