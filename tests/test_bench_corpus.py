"""The benchmark corpus generator (``tests/benchmarks/corpus.py``) on a tiny size: consistent
rows, deterministic for a seed, appendable (ids and PostgreSQL sequences follow), and indexed
with the right visibility — an outsider finds none of the group or network content."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from commons import db
from commons.forum.models import Post, Thread
from commons.groups.models import Group, Membership
from commons.search import outbox, whoosh_store
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex
from tests.benchmarks.corpus import Size, documents, generate

TINY = Size(rex=30, threads=12, posts=70, groups=3, users=20, collectivites=8, long_thread=25)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_generate_writes_consistent_rows_and_appends(app: Flask, make_user: Any) -> None:
    first = generate(app, TINY, seed=7)
    assert count(Rex) == count(Revision) == 30
    assert count(Thread) == 12 and count(Post) == 70 and count(Group) == 3
    assert count(Membership) == 3 * 9  # a facilitator and eight members each
    for thread in db.session.scalars(select(Thread)):
        numbers = db.session.scalars(select(Post.number).where(Post.thread_id == thread.id))
        assert sorted(numbers) == list(range(1, thread.post_count + 1))
        assert thread.last_post_number == thread.post_count
    assert db.session.get(Thread, first["long_thread_id"]).post_count >= 25  # type: ignore[union-attr]
    for rex in db.session.scalars(select(Rex)):
        assert (rex.space == "group") == (rex.group_id is not None)
        assert rex.html.startswith("<h2") and "## " in wiki.revision(rex, 1).source
    member = first["member"]
    assert member and member["group_ids"]

    titles = list(db.session.scalars(select(Rex.title).order_by(Rex.id)))
    db.session.commit()
    second = generate(app, TINY, seed=7)  # same seed, same text, new ids after the old ones
    assert list(db.session.scalars(select(Rex.title).order_by(Rex.id)))[30:] == titles
    assert second["long_thread_id"] == first["long_thread_id"] + 12
    author = make_user()  # the ORM still inserts after bulk rows (PostgreSQL sequences moved)
    wiki.create_rex(author, title="Un REX écrit après le corpus", body="Texte.\n")
    db.session.commit()


def test_generated_corpus_is_indexed_with_its_visibility(app: Flask) -> None:
    generate(app, TINY, seed=3)
    db.session.commit()
    assert outbox.reindex(app) == 30 + 12 + 3 + 8
    public = {f"rex:{i}" for i in db.session.scalars(select(Rex.id).where(Rex.space == "public"))}
    public |= {f"group:{i}" for i in db.session.scalars(select(Group.id).where(Group.listed))}
    index = whoosh_store.get_index(app)
    seen: set[str] = set()
    for word in ("projet", "collectivité", "habitants", "agents", "commune"):
        hits = index.search(word, visibility_filter=(False, ()), per_page=100).hits
        seen |= {h.id for h in hits}
    assert seen and seen <= public | {h for h in seen if h.startswith("collectivite:")}
    agent_hits = index.search("projet", visibility_filter=(True, ()), per_page=100).hits
    assert any(h.id.startswith("thread:") for h in agent_hits)


def test_documents_are_deterministic_and_well_formed() -> None:
    docs = list(documents(50, seed=11))
    assert docs == list(documents(50, seed=11)) and docs != list(documents(50, seed=12))
    assert {d["visibility"] for d in docs} == {"public", "network", "group"}
    assert all(d["group_id"] for d in docs if d["visibility"] == "group")
    assert all(d["kind"] == "rex" for d in docs if d["visibility"] == "public")
