"""Search outbox: queue rows in the change's transaction, drains, visibility, deletions (ORM,
database cascades, bulk), on every backend (see ``search_support``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from commons import db
from commons.collectivites.models import Collectivite
from commons.forum import services as forum
from commons.forum.models import Thread
from commons.groups.models import Group
from commons.search import outbox
from commons.search.backends import get_backend
from commons.search.models import IndexQueue
from commons.wiki import audience
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .conftest import login
from .search_support import (  # noqa: F401  (fixtures)
    AGENT,
    ANON,
    BODY,
    app_config,
    backend,
    combo,
    empty_backend,
    found,
    queued,
)


@pytest.fixture(autouse=True)
def _empty_index(app: Flask) -> None:
    """The PostgreSQL search tables outlive a test: start each one empty."""
    empty_backend(app)


def test_rex_changes_are_queued_in_the_same_transaction(app: Flask, make_user: Any) -> None:
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
    app: Flask, make_user: Any, make_group: Any
) -> None:
    author = make_user(role="facilitator")
    group = make_group(facilitator=author)
    network = wiki.create_rex(author, title="Composteurs du réseau", body=BODY)
    private = wiki.create_rex(
        author, title="Composteurs du groupe", body=BODY, space="group", group_id=group.id
    )
    public = wiki.create_rex(author, title="Composteurs publics", body=BODY, space="public")
    db.session.commit()

    report = outbox.drain(app)
    assert not report.busy and report.remaining == 0 and report.indexed >= 3
    db.session.commit()
    assert queued() == []
    ids = {n: f"rex:{r.id}" for n, r in [("net", network), ("grp", private), ("pub", public)]}
    assert found(app, "composteurs", ANON) == {ids["pub"]}
    assert found(app, "composteurs", AGENT) == {ids["pub"], ids["net"]}
    assert found(app, "composteurs", (True, {group.id})) == set(ids.values())
    assert found(app, "composteurs", (True, {group.id + 1000})) == {ids["pub"], ids["net"]}
    hit = get_backend(app).search("composteurs", visibility_filter=ANON).hits[0]
    assert hit.url == f"/rex/{public.slug}"

    audience.move(author, private, "network")  # moved out of the group: now found by agents
    db.session.commit()
    outbox.drain(app)
    assert ids["grp"] in found(app, "composteurs", AGENT)


def test_hidden_or_deleted_threads_leave_the_index(app: Flask, make_user: Any) -> None:
    author = make_user()
    kept = forum.create_thread(author, title="Compostage collectif", body=BODY, space="network")
    gone = forum.create_thread(
        author, title="Compostage en pied d'immeuble", body=BODY, space="network"
    )
    db.session.commit()
    outbox.drain(app)
    assert found(app, "composteurs", AGENT) == {f"thread:{kept.id}", f"thread:{gone.id}"}
    assert found(app, "composteurs", ANON) == set()  # threads are never public

    reply = forum.reply(author, kept, "Et les lombricomposteurs en bibliothèque ?")
    db.session.commit()
    outbox.drain(app)
    assert found(app, "lombricomposteurs", AGENT) == {f"thread:{kept.id}"}
    forum.delete_post(author, reply, kept)
    db.session.commit()
    outbox.drain(app)
    assert found(app, "lombricomposteurs", AGENT) == set()

    kept.hidden = True  # moderation hides
    db.session.delete(gone)
    db.session.commit()
    report = outbox.drain(app)
    assert report.deleted == 2 and report.remaining == 0
    assert found(app, "composteurs", AGENT) == set()


def test_group_rex_talk_thread_follows_the_rex(app: Flask, make_user: Any, make_group: Any) -> None:
    author = make_user(role="facilitator")
    group = make_group(facilitator=author)
    rex = wiki.create_rex(
        author, title="Composteurs du groupe", body=BODY, space="group", group_id=group.id
    )
    thread = forum.talk_thread(rex, create_for=author)
    db.session.commit()
    outbox.drain(app)
    assert f"thread:{thread.id}" not in found(app, "composteurs", AGENT)
    assert f"thread:{thread.id}" in found(app, "composteurs", (True, {group.id}))


def test_write_request_drains_after_the_response_is_sent(app: Flask, make_user: Any) -> None:
    """The drain runs once the response is closed (sent), not before the acknowledgement."""
    author = make_user()
    client = app.test_client()
    login(client, author)
    data = {"title": "Composteurs partagés", "body": BODY, "space": "public", "status": "en-cours"}
    unsent = client.post("/rex/nouveau", data=data, buffered=False)
    assert unsent.status_code == 302 and outbox.pending(app) >= 1  # committed, not yet indexed
    unsent.close()  # what the server does after writing the body
    rex = db.session.scalar(select(Rex).where(Rex.title == "Composteurs partagés"))
    assert rex is not None and found(app, "composteurs", ANON) == {f"rex:{rex.id}"}
    assert outbox.pending(app) == 0


def test_deletions_by_database_cascade_or_bulk_reach_the_index(
    app: Flask, make_user: Any, make_group: Any, make_collectivite: Any
) -> None:
    """Rows removed by ON DELETE CASCADE or a bulk delete() never pass through the ORM
    listener: the database triggers queue them (same transaction), the drain removes them."""
    member = make_user(role="facilitator")
    group = make_group(facilitator=member)
    inside = forum.create_thread(
        member, title="Composteurs du groupe", body=BODY, space="group", group_id=group.id
    )
    agora = [
        forum.create_thread(member, title=f"Composteurs {n}", body=BODY, space="network")
        for n in range(2)
    ]
    coll = make_collectivite(name="Commune de Zorglubville", kind="commune")
    coll.validated = True
    rex = wiki.create_rex(member, title="Composteurs", body=BODY, space="public")
    rex.collectivites.append(coll)
    db.session.commit()
    outbox.drain(app)
    ids = {f"thread:{t.id}" for t in (inside, *agora)}
    assert found(app, "composteurs", (True, {group.id})) == ids | {f"rex:{rex.id}"}
    assert found(app, "zorglubville", ANON) == {f"rex:{rex.id}", f"collectivite:{coll.id}"}
    db.session.execute(IndexQueue.__table__.delete())
    db.session.commit()

    db.session.delete(db.session.get(Group, group.id))  # its threads go by ON DELETE CASCADE
    db.session.execute(delete(Thread).where(Thread.id == agora[0].id))  # bulk delete
    db.session.execute(delete(Collectivite).where(Collectivite.id == coll.id))
    db.session.commit()
    assert {("thread:" + str(inside.id), "delete"), (f"thread:{agora[0].id}", "delete")} <= set(
        queued()
    )
    assert (f"rex:{rex.id}", "upsert") in queued()  # its link to the collectivité went too
    db.session.commit()
    report = outbox.drain(app)
    assert report.remaining == 0 and not report.busy
    assert found(app, "composteurs", (True, {group.id})) == {
        f"thread:{agora[1].id}",
        f"rex:{rex.id}",
    }
    assert found(app, "zorglubville", ANON) == set()


def test_bulk_updates_that_hide_or_move_reach_the_index(
    app: Flask, make_user: Any, make_group: Any
) -> None:
    """A bulk ``update()`` of a visibility column bypasses the ORM listener: a trigger queues it."""
    author = make_user(role="facilitator")
    group = make_group(facilitator=author)
    thread = forum.create_thread(author, title="Composteurs", body=BODY, space="network")
    rex = wiki.create_rex(author, title="Composteurs publics", body=BODY, space="public")
    db.session.commit()
    outbox.drain(app)
    assert found(app, "composteurs", AGENT) == {f"thread:{thread.id}", f"rex:{rex.id}"}
    db.session.execute(IndexQueue.__table__.delete())
    db.session.commit()

    db.session.execute(update(Thread).where(Thread.id == thread.id).values(hidden=True))
    moved = {"space": "group", "group_id": group.id}
    db.session.execute(update(Rex).where(Rex.id == rex.id).values(**moved))
    db.session.commit()
    assert set(queued()) == {(f"thread:{thread.id}", "upsert"), (f"rex:{rex.id}", "upsert")}
    db.session.commit()
    outbox.drain(app)
    assert found(app, "composteurs", AGENT) == set()
    assert found(app, "composteurs", (True, {group.id})) == {f"rex:{rex.id}"}


def test_postgres_backend_is_refused_on_sqlite(tmp_path: Any) -> None:
    from commons import create_app

    config = {"TESTING": True, "SECRET_KEY": "x", "SEARCH_INDEX_DIR": str(tmp_path / "ix")}
    config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(RuntimeError, match="demande une base PostgreSQL"):
        create_app({**config, "SEARCH_BACKEND": "postgres"})
    with pytest.raises(RuntimeError, match="est inconnu"):
        create_app({**config, "SEARCH_BACKEND": "elastic"})
    assert create_app({**config, "SEARCH_BACKEND": "Whoosh"}).config["SEARCH_BACKEND"] == "whoosh"


def test_migrations_install_the_deletion_triggers(tmp_path: Any) -> None:
    """A database built by the migrations (not create_all) queues cascaded deletions too."""
    from sqlalchemy import text

    from commons import create_app, migrate
    from commons.search.triggers import DELETIONS, VISIBILITY_UPDATES

    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    with app.app_context():
        migrate.upgrade()
        engine = app.extensions["commons.engine"]
        with engine.connect() as conn:
            names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type='trigger'")))
        assert {f"search_queue_{table}_delete" for table, *_ in DELETIONS} <= names
        assert {f"search_queue_{table}_update" for table, *_ in VISIBILITY_UPDATES} <= names
    engine.dispose()


def test_a_late_drain_never_deletes_a_newer_change_that_reused_a_row_id(
    app: Flask,
    make_user: Any,
    backend: str,  # noqa: F811 (fixture)
) -> None:
    """Two drains read the same rows; one deletes them, a new change takes a freed id (SQLite
    gives ``max + 1`` again), then the late drain deletes "its" rows: the new one must stay."""
    from commons.search.backends import own_session

    author = make_user()
    db.session.commit()
    db.session.execute(IndexQueue.__table__.delete())
    db.session.commit()
    rex = wiki.create_rex(author, title="Composteurs de quartier", body=BODY)
    db.session.commit()
    with own_session(app, write=False) as session:  # the late drain reads the queue
        batch, newest = outbox.queued_batch(session, 100)
    late_ids = [i for ids in batch.values() for i in ids]
    with own_session(app, write=True) as session:  # another drain applies and deletes them
        outbox.delete_drained(session, late_ids, newest)
        session.commit()
    wiki.rename(author, rex, "Lombricomposteurs de quartier")  # a newer change, queued
    db.session.commit()
    with own_session(app, write=False) as session:
        fresh_ids = [i for ids in outbox.queued(session, 100).values() for i in ids]
    if backend == "sqlite":
        assert set(fresh_ids) & set(late_ids), "SQLite reuses freed row ids"
    with own_session(app, write=True) as session:  # the late drain finishes
        outbox.delete_drained(session, late_ids, newest)
        session.commit()
    assert outbox.pending(app) == len(fresh_ids)
    assert not outbox.drain(app).busy
    db.session.commit()
    assert found(app, "lombricomposteurs", AGENT) == {f"rex:{rex.id}"}
