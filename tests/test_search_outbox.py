"""Search outbox: queue rows in the change's transaction, timed drains, visibility, reindex."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

import commons.search.models  # noqa: F401  (registers the queue table before create_all)
from commons import db, search
from commons.forum import services as forum
from commons.search import outbox, whoosh_store
from commons.search.models import IndexQueue
from commons.search.whoosh_store import WhooshIndex
from commons.wiki import services as wiki

ANON = (False, set())
AGENT = (True, set())

BODY = "Nous avons installé des composteurs partagés dans chaque quartier de la ville.\n"


@pytest.fixture
def sapp(app: Flask) -> Flask:
    """The test app with search wired in (until ``create_app`` does it)."""
    if outbox.EXTENSION not in app.extensions:
        search.init_app(app)
    return app


def queued() -> list[tuple[str, str]]:
    rows = db.session.execute(select(IndexQueue.doc_id, IndexQueue.action).order_by(IndexQueue.id))
    return [tuple(r) for r in rows]


def found(app: Flask, text: str, who: tuple[bool, set[int]]) -> set[str]:
    results = outbox.get_index(app).search(text, visibility_filter=who)
    return {hit.id for hit in results.hits}


def test_rex_changes_are_queued_in_the_same_transaction(sapp: Flask, make_user: Any) -> None:
    author = make_user()
    db.session.commit()  # the author's collectivité was queued too: start from an empty queue
    db.session.execute(IndexQueue.__table__.delete())
    db.session.commit()
    rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY)
    assert (f"rex:{rex.id}", "upsert") in queued()  # flushed with the REX, not yet committed
    db.session.rollback()
    assert queued() == []
    assert db.session.scalar(select(func.count()).select_from(IndexQueue)) == 0

    rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY)
    db.session.commit()
    assert {d for d, _ in queued()} == {f"rex:{rex.id}"}  # one row per document and flush
    wiki.save(author, rex, base=rex.head, body=BODY + "\nDeuxième version.\n")
    db.session.commit()
    assert [d for d, _ in queued()].count(f"rex:{rex.id}") >= 2


def test_drain_indexes_with_the_right_visibility(
    sapp: Flask, make_user: Any, make_group: Any
) -> None:
    author = make_user(role="facilitator")
    group = make_group(facilitator=author)
    network = wiki.create_rex(author, title="Composteurs du réseau", body=BODY)
    private = wiki.create_rex(
        author, title="Composteurs du groupe", body=BODY, space="group", group_id=group.id
    )
    public = wiki.create_rex(author, title="Composteurs publics", body=BODY, space="public")
    db.session.commit()

    report = outbox.drain(sapp)
    assert not report.busy and report.remaining == 0 and report.indexed >= 3
    db.session.commit()
    assert queued() == []
    ids = {n: f"rex:{r.id}" for n, r in [("net", network), ("grp", private), ("pub", public)]}
    assert found(sapp, "composteurs", ANON) == {ids["pub"]}
    assert found(sapp, "composteurs", AGENT) == {ids["pub"], ids["net"]}
    assert found(sapp, "composteurs", (True, {group.id})) == set(ids.values())
    assert found(sapp, "composteurs", (True, {group.id + 1000})) == {ids["pub"], ids["net"]}
    hit = outbox.get_index(sapp).search("composteurs", visibility_filter=ANON).hits[0]
    assert hit.url == f"/rex/{public.slug}"

    wiki.move(author, private, "network")  # moved out of the group: now found by agents
    db.session.commit()
    outbox.drain(sapp)
    assert ids["grp"] in found(sapp, "composteurs", AGENT)


def test_held_writer_lock_keeps_rows_queued(sapp: Flask, make_user: Any) -> None:
    author = make_user()
    rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    other = WhooshIndex(outbox.current_dir(sapp))
    held = other.ix.writer()  # another process is writing
    try:
        report = outbox.drain(sapp, timeout=0.1)
        assert report.busy and report.remaining >= 1
        assert "occupé" in str(report)
        assert f"rex:{rex.id}" in {d for d, _ in queued()}
        db.session.commit()
    finally:
        held.cancel()
    assert found(sapp, "composteurs", ANON) == set()
    report = outbox.drain(sapp)
    assert not report.busy and report.remaining == 0
    assert found(sapp, "composteurs", ANON) == {f"rex:{rex.id}"}


def test_hidden_or_deleted_threads_leave_the_index(sapp: Flask, make_user: Any) -> None:
    author = make_user()
    kept = forum.create_thread(author, title="Compostage collectif", body=BODY, space="network")
    gone = forum.create_thread(
        author, title="Compostage en pied d'immeuble", body=BODY, space="network"
    )
    db.session.commit()
    outbox.drain(sapp)
    assert found(sapp, "composteurs", AGENT) == {f"thread:{kept.id}", f"thread:{gone.id}"}
    assert found(sapp, "composteurs", ANON) == set()  # threads are never public

    reply = forum.reply(author, kept, "Et les lombricomposteurs en bibliothèque ?")
    db.session.commit()
    outbox.drain(sapp)
    assert found(sapp, "lombricomposteurs", AGENT) == {f"thread:{kept.id}"}
    forum.delete_post(author, reply, kept)
    db.session.commit()
    outbox.drain(sapp)
    assert found(sapp, "lombricomposteurs", AGENT) == set()

    kept.hidden = True  # moderation hides
    db.session.delete(gone)
    db.session.commit()
    report = outbox.drain(sapp)
    assert report.deleted == 2 and report.remaining == 0
    assert found(sapp, "composteurs", AGENT) == set()


def test_group_rex_talk_thread_follows_the_rex(
    sapp: Flask, make_user: Any, make_group: Any
) -> None:
    author = make_user(role="facilitator")
    group = make_group(facilitator=author)
    rex = wiki.create_rex(
        author, title="Composteurs du groupe", body=BODY, space="group", group_id=group.id
    )
    thread = forum.talk_thread(rex, create_for=author)
    db.session.commit()
    outbox.drain(sapp)
    assert f"thread:{thread.id}" not in found(sapp, "composteurs", AGENT)
    assert f"thread:{thread.id}" in found(sapp, "composteurs", (True, {group.id}))


def test_write_request_drains_after_commit(sapp: Flask, make_user: Any) -> None:
    author = make_user()
    db.session.commit()
    with sapp.test_request_context("/rex/nouveau", method="POST"):
        rex = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
        db.session.commit()
    assert found(sapp, "composteurs", ANON) == {f"rex:{rex.id}"}
    assert outbox.pending(sapp) == 0


def test_reindex_rebuilds_and_searches_keep_working(sapp: Flask, make_user: Any) -> None:
    author = make_user()
    first = wiki.create_rex(author, title="Composteurs partagés", body=BODY, space="public")
    db.session.commit()
    outbox.drain(sapp)
    old_dir = outbox.current_dir(sapp)
    second = wiki.create_rex(author, title="Composteurs de quartier", body=BODY, space="public")
    db.session.commit()
    db.session.execute(IndexQueue.__table__.delete())  # as if this change never reached the index
    db.session.commit()
    assert found(sapp, "composteurs", ANON) == {f"rex:{first.id}"}

    seen_during: list[set[str]] = []
    real_point = whoosh_store._point

    def point(link: Any, target: Any) -> None:  # a search right before and after the swap
        seen_during.append(found(sapp, "composteurs", ANON))
        real_point(link, target)
        seen_during.append(found(sapp, "composteurs", ANON))

    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                assert f"rex:{first.id}" in found(sapp, "composteurs", ANON)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        whoosh_store._point = point  # type: ignore[assignment]
        count = outbox.reindex(sapp)
    finally:
        whoosh_store._point = real_point  # type: ignore[assignment]
        stop.set()
        searcher.join()
    assert errors == []
    assert count >= 2  # both REX, plus the collectivité and any group
    both = {f"rex:{first.id}", f"rex:{second.id}"}
    assert seen_during == [{f"rex:{first.id}"}, both]
    assert found(sapp, "composteurs", ANON) == both
    assert outbox.current_dir(sapp) != old_dir and not old_dir.exists()
