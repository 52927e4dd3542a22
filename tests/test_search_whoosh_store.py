"""Whoosh backend storage: the writer lock keeps queue rows, and a reindex swaps directories
while searches keep working (SQLite and PostgreSQL apps, the default ``whoosh`` backend)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from commons import db
from commons.search import outbox, whoosh_store
from commons.search.models import IndexQueue
from commons.search.whoosh_store import WhooshIndex
from commons.wiki import services as wiki

from .search_support import ANON, BODY, found, queued


def test_held_writer_lock_keeps_rows_queued(app: Flask, make_user: Any) -> None:
    author = make_user()
    rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    other = WhooshIndex(whoosh_store.current_dir(app))
    held = other.ix.writer()  # another process is writing
    try:
        report = outbox.drain(app, timeout=0.1)
        assert report.busy and report.remaining >= 1
        assert "occupé" in str(report)
        assert f"rex:{rex.id}" in {d for d, _ in queued()}
        db.session.commit()
    finally:
        held.cancel()
    assert found(app, "composteurs", ANON) == set()
    report = outbox.drain(app)
    assert not report.busy and report.remaining == 0
    assert found(app, "composteurs", ANON) == {f"rex:{rex.id}"}


def test_reindex_rebuilds_and_searches_keep_working(app: Flask, make_user: Any) -> None:
    author = make_user()
    first = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    outbox.drain(app)
    old_dir = whoosh_store.current_dir(app)
    second = wiki.create_rex(author, title="Composteurs de quartier", body=BODY, space="public")
    db.session.commit()
    db.session.execute(IndexQueue.__table__.delete())  # as if this change never reached the index
    db.session.commit()
    assert found(app, "composteurs", ANON) == {f"rex:{first.id}"}

    seen_during: list[set[str]] = []
    real_point = whoosh_store._point

    def point(link: Any, target: Any) -> None:  # a search right before and after the swap
        seen_during.append(found(app, "composteurs", ANON))
        real_point(link, target)
        seen_during.append(found(app, "composteurs", ANON))

    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                assert f"rex:{first.id}" in found(app, "composteurs", ANON)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        whoosh_store._point = point  # type: ignore[assignment]
        count = outbox.reindex(app)
    finally:
        whoosh_store._point = real_point  # type: ignore[assignment]
        stop.set()
        searcher.join()
    assert errors == []
    assert count >= 2  # both REX, plus the collectivité and any group
    both = {f"rex:{first.id}", f"rex:{second.id}"}
    assert seen_during == [{f"rex:{first.id}"}, both]
    assert found(app, "composteurs", ANON) == both
    assert whoosh_store.current_dir(app) != old_dir and not old_dir.exists()
