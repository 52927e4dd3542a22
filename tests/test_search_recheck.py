"""Issue 13, case 10: a stale index never shows what is private or hidden now.

The index writer is blocked (Whoosh: its writer lock is held, so every drain reports « busy »;
PostgreSQL backend: the queue is simply not drained), then a public REX is moved into a group,
another is hidden, a thread is hidden: anonymous visitors and outsiders search over HTTP and
never see their titles, snippets or links, while the index still holds the old documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from commons import db
from commons.forum import services as forum
from commons.search import outbox, whoosh_store
from commons.search.backends import get_backend
from commons.wiki import services as wiki

from .conftest import login
from .search_support import app_config, backend, combo, empty_backend  # noqa: F401


@contextmanager
def writer_blocked(app: Flask) -> Iterator[None]:
    """Hold the Whoosh writer lock (another process stuck writing); no-op for PostgreSQL."""
    if app.config["SEARCH_BACKEND"] != "whoosh":
        yield
        return
    writer = whoosh_store.get_index(app).ix.writer()
    try:
        yield
    finally:
        writer.cancel()


def _page(client: Any, q: str) -> str:
    return client.get("/recherche", query_string={"q": q}).get_data(as_text=True)


def test_stale_index_never_shows_private_or_hidden_titles(  # type: ignore[no-untyped-def]
    app, client, make_user, make_group
) -> None:
    app.config["SEARCH_WRITE_TIMEOUT"] = 0.2
    empty_backend(app)
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    moved = wiki.create_rex(
        member, title="Zorglub des canaris", body="Le canari zorglub chante.\n", space="public"
    )
    hidden = wiki.create_rex(
        member, title="Zorglub des mésanges", body="La mésange zorglub siffle.\n", space="public"
    )
    wiki.create_rex(
        member,
        title="Zorglub des pinsons",
        body="Le pinson zorglub reste public.\n",
        space="public",
    )
    thread = forum.create_thread(
        member, title="Zorglub au forum", body="Le zorglub discute.", space="network"
    )
    db.session.commit()
    outbox.drain(app)
    login(client, outsider)
    assert "Zorglub au forum" in _page(client, "zorglub")
    client.post("/deconnexion")
    assert "Zorglub des canaris" in _page(client, "zorglub")

    with writer_blocked(app):
        moved.space, moved.group_id = "group", group.id
        hidden.hidden = True
        thread.hidden = True
        db.session.commit()
        if app.config["SEARCH_BACKEND"] == "whoosh":
            assert outbox.drain(app, timeout=0.1).busy  # the index cannot be written
        stale = get_backend(app).search("zorglub", visibility_filter=(False, set()))
        assert {f"rex:{moved.id}", f"rex:{hidden.id}"} <= {h.id for h in stale.hits}

        for who in (None, outsider):
            if who is not None:
                login(client, who)
            for q in ("zorglub", "canari", "mésange", "canaris zorglub", "forum"):
                page = _page(client, q)
                assert "Zorglub des canaris" not in page, (who, q)
                assert "Zorglub des mésanges" not in page, (who, q)
                assert "chante" not in page and "siffle" not in page, (who, q)  # snippets
                assert f"/rex/{moved.slug}" not in page and f"/rex/{hidden.slug}" not in page
                assert "Zorglub au forum" not in page, (who, q)
            assert "Zorglub des pinsons" in _page(client, "zorglub")
            client.post("/deconnexion")

        login(client, member)  # the group member still finds the moved REX (from the index)
        page = _page(client, "canari")
        assert "Zorglub des canaris" in page and f"/rex/{moved.slug}" in page
        assert "Zorglub des mésanges" not in _page(client, "zorglub")
        client.post("/deconnexion")


def test_stale_title_is_replaced_by_the_current_one(  # type: ignore[no-untyped-def]
    app, client, make_user
) -> None:
    empty_backend(app)
    author = make_user()
    rex = wiki.create_rex(author, title="Ancien titre", body="Le compostage.\n", space="public")
    db.session.commit()
    outbox.drain(app)
    with writer_blocked(app):
        rex.title = "Nouveau titre"
        db.session.commit()
        page = _page(client, "compostage")
        assert "Nouveau titre" in page and "Ancien titre" not in page


def test_no_suggestion_from_a_stale_private_word(  # type: ignore[no-untyped-def]
    app, client, make_user, make_group
) -> None:
    app.config["SEARCH_WRITE_TIMEOUT"] = 0.2
    empty_backend(app)
    member = make_user()
    group = make_group(members=(member,))
    rex = wiki.create_rex(
        member, title="Quidnuncplop", body="Le quidnuncplop est secret.\n", space="public"
    )
    db.session.commit()
    outbox.drain(app)
    with writer_blocked(app):
        rex.space, rex.group_id = "group", group.id
        db.session.commit()
        page = _page(client, "quidnuncplip")
        assert "Vouliez-vous dire" not in page and "quidnuncplop" not in page.lower()
