"""Atom feeds of the public commons: valid Atom (parsed by feedparser), required elements,
public REX only, one feed per theme, conditional GET."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import feedparser

from commons import db

from .public_commons import CANARY, QueryCounter, make_rex, private_world

ATOM = "{http://www.w3.org/2005/Atom}"


def _parse(client, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return response, feed


def test_feed_is_valid_atom_with_required_elements(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Alice Martin")
    rex = make_rex(
        author,
        "Cantine bio",
        summary="Du bio à la cantine.",
        themes=["alimentation"],
        licence_id="CC-BY-SA-4.0",
    )
    response, parsed = _parse(client, "/communs/flux.atom")
    feed = parsed.feed
    assert feed.id.startswith("urn:uuid:")
    assert feed.title == "Communs de Commons"
    assert feed.updated_parsed is not None
    links = {link.rel: link.href for link in feed.links}
    assert links["self"] == "http://commons.test/communs/flux.atom"
    assert links["alternate"] == "http://commons.test/communs/"
    [entry] = parsed.entries
    assert entry.id == f"urn:uuid:{rex.uuid}"
    assert entry.title == "Cantine bio"
    assert entry.updated_parsed is not None and entry.published_parsed is not None
    assert [a.name for a in entry.authors] == ["Alice Martin"]
    assert "Partage dans les mêmes conditions 4.0" in entry.rights
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in entry.rights
    entry_links = {link.rel: link.href for link in entry.links}
    assert entry_links["alternate"] == f"http://commons.test/rex/{rex.slug}"
    assert entry_links["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert entry.summary == "Du bio à la cantine."
    assert '<h2 id="contexte">Contexte</h2>' in entry.content[0].value
    assert [t.term for t in entry.tags] == ["alimentation"]
    # Same document and ids again: feed readers must not see duplicates.
    again = feedparser.parse(client.get("/communs/flux.atom").get_data())
    assert again.feed.id == feed.id and again.entries[0].id == entry.id
    # The document is namespace-correct XML (no stray prefixes).
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}entry/{ATOM}id") is not None


def test_feed_is_newest_first_and_bounded(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rows = [make_rex(author, f"REX {n:02d}") for n in range(55)]
    base = rows[0].updated_at
    for n, rex in enumerate(rows):
        rex.updated_at = base + timedelta(minutes=n)
    db.session.commit()
    with QueryCounter(app) as counter:
        _response, parsed = _parse(client, "/communs/flux.atom")
    assert len(parsed.entries) == 50
    assert parsed.entries[0].title == "REX 54" and parsed.entries[-1].title == "REX 05"
    # One credits query per entry at most, plus a constant: bounded by the feed size.
    assert counter.count <= 50 + 6, counter.statements


def test_feeds_never_show_private_network_or_hidden_rex(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    for path in ("/communs/flux.atom", "/communs/themes/culture/flux.atom"):
        response, parsed = _parse(client, path)
        body = response.get_data(as_text=True)
        assert CANARY not in body and CANARY.lower() not in body
        assert [e.title for e in parsed.entries] == [world["public"].title]


def test_theme_feed_has_only_that_theme(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    make_rex(author, "Cantine", themes=["alimentation"])
    make_rex(author, "Musée", themes=["culture"])
    make_rex(author, "Les deux", themes=["culture", "alimentation"])
    _response, parsed = _parse(client, "/communs/themes/culture/flux.atom")
    assert {e.title for e in parsed.entries} == {"Musée", "Les deux"}
    assert parsed.feed.title == "Communs de Commons – Culture"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == "http://commons.test/communs/themes/culture/flux.atom"
    assert client.get("/communs/themes/inconnu/flux.atom").status_code == 404


def test_empty_feed_is_still_valid(client) -> None:  # type: ignore[no-untyped-def]
    _response, parsed = _parse(client, "/communs/flux.atom")
    assert parsed.entries == [] and parsed.feed.updated_parsed is not None


def test_feed_drops_characters_xml_cannot_carry(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine")
    rex.title = "Cantine\x0b bio\x01"
    rex.summary = "résumé\x1f"
    db.session.commit()
    _response, parsed = _parse(client, "/communs/flux.atom")
    assert parsed.entries[0].title == "Cantine bio"


def test_feed_conditional_get(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_rex(make_user(), "Cantine")
    first = client.get("/communs/flux.atom")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert client.get("/communs/flux.atom", headers={"If-None-Match": etag}).status_code == 304
    make_rex(make_user(), "Nouveau REX")
    changed = client.get("/communs/flux.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_feed_queries_do_not_grow_with_entries(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    from commons import db
    from commons.wiki import services as wiki

    author, other = make_user(name="Alice Autrice"), make_user(name="Bruno Second")

    def count() -> tuple[int, str]:
        seen = []
        engine = app.extensions["commons.engine"]
        listener = lambda *a: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            body = client.get("/communs/flux.atom").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen), body

    def add(n: int) -> None:
        for i in range(n):
            title = f"Fiche ouverte {i} {n}"
            rex = wiki.create_rex(author, title=title, body="Texte.", space="public")
            wiki.save(other, rex, base=rex.head, body="Texte complété.")
        db.session.commit()

    add(2)
    few, _ = count()
    add(10)
    many, body = count()
    assert many == few
    assert body.count("<name>Alice Autrice</name>") == 12 and "Bruno Second" in body
