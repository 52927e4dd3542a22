"""One suite for every search backend: French matching, query syntax, ranking, facets, safe
snippets, suggestions, paging, and confidentiality of results, totals, facets, snippets and
suggestions. Runs on (SQLite, whoosh) and, with ``TEST_DATABASE_URL``, on (PostgreSQL, whoosh)
and (PostgreSQL, postgres), through ``get_backend(app)``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from commons.search.backends import SearchBackend
from commons.search.results import SearchResults

from .search_support import (  # noqa: F401  (fixtures)
    ANON,
    DOCS,
    GROUP_MEMBER,
    SIGNED_IN,
    T0,
    angers_rex,
    app_config,
    backend,
    combo,
    doc,
    empty_backend,
    ids,
)


@pytest.fixture
def engine(app: Flask) -> SearchBackend:
    search = empty_backend(app)
    search.add([*DOCS, angers_rex()])
    return search


@pytest.mark.parametrize(
    "q", ["budget participatif", "Budget Participatif", "budgets participatif"]
)
def test_inflections_and_case(engine: SearchBackend, q: str) -> None:
    found = ids(engine.search(q, visibility_filter=ANON))
    assert "rex:1" in found and "rex:100" in found  # "Les budgets participatifs à Angers"


def test_accents_are_folded(engine: SearchBackend) -> None:
    assert ids(engine.search("donnees", visibility_filter=ANON)) == ["rex:2"]  # données
    assert "rex:2" in ids(engine.search("collectivite", visibility_filter=ANON))  # collectivités
    assert "rex:3" in ids(engine.search("MÉTROPOLE", visibility_filter=ANON))
    assert "rex:4" in ids(engine.search("renovation energetique", visibility_filter=ANON))


def test_ranking_prefers_the_rex_about_the_topic(engine: SearchBackend) -> None:
    assert ids(engine.search("vélo", visibility_filter=ANON)) == ["rex:3", "rex:4"]
    engine.add(
        [
            doc("rex:20", "Compostage partagé", "Un mot du compostage en passant.", 0, {}),
            doc(
                "rex:21",
                "Le compostage collectif en quartier",
                "Le compostage collectif réduit les déchets. Compostage en pied d'immeuble.",
                -100,
                {"summary": "Retour sur trois ans de compostage collectif."},
            ),
            doc("rex:22", "Tri des déchets", "On évoque le compostage une fois.", 5, {}),
        ]
    )
    found = ids(engine.search("compostage", visibility_filter=ANON))
    assert found[0] == "rex:21" and found[-1] == "rex:22"


def test_phrase_matches_exact_words_in_a_row(engine: SearchBackend) -> None:
    loose = ids(engine.search("budget participatif", visibility_filter=ANON))
    assert "thread:5" in loose  # both words, apart ("budget annuel … participative")
    phrase = ids(engine.search('"budget participatif"', visibility_filter=ANON))
    assert "rex:1" in phrase and "rex:100" in phrase
    assert "thread:5" not in phrase
    assert ids(engine.search('"participatif budget"', visibility_filter=ANON)) == []
    assert ids(engine.search('"pistes cyclables"', visibility_filter=ANON)) == ["rex:3"]
    assert ids(engine.search('vélo -"pistes cyclables"', visibility_filter=ANON)) == ["rex:4"]
    assert ids(engine.search('"DONNEES ouvertes"', visibility_filter=ANON)) == ["rex:2"]
    engine.add([doc("rex:40", "Une ŒUVRE collective", "Fresque : l'œuvre des habitants.", 0, {})])
    assert ids(engine.search('"oeuvre collective"', visibility_filter=ANON)) == ["rex:40"]
    assert ids(engine.search('"l\'oeuvre des"', visibility_filter=ANON)) == ["rex:40"]
    assert ids(engine.search('"oeuvres collectives"', visibility_filter=ANON)) == []


def test_exclusion_and_field_filters(engine: SearchBackend) -> None:
    assert ids(engine.search("budget -angers", visibility_filter=ANON)) == ["thread:5"]
    assert ids(engine.search("theme:mobilite", visibility_filter=ANON)) == ["rex:3"]
    assert ids(engine.search("vélo theme:mobilité", visibility_filter=ANON)) == ["rex:3"]
    assert ids(engine.search("vélo -theme:mobilite", visibility_filter=ANON)) == ["rex:4"]
    assert ids(engine.search("type:metropole", visibility_filter=ANON)) == ["rex:3"]
    assert set(ids(engine.search("licence:cc-by-4.0", visibility_filter=ANON))) == {"rex:2"}
    filtered = engine.search("budget", visibility_filter=ANON, filters={"kind": "thread"})
    assert ids(filtered) == ["thread:5"]
    by_year = engine.search("budget", visibility_filter=ANON, filters={"year": 2021})
    assert ids(by_year) == ["rex:1"]
    assert engine.search("budget", visibility_filter=ANON, filters={"year": "x"}).total == 0


def test_facets_count_the_visible_matches(engine: SearchBackend) -> None:
    res = engine.search("budget", visibility_filter=ANON)
    assert res.total == 3
    assert res.facets["kind"] == {"rex": 2, "thread": 1}
    assert res.facets["themes"]["finances"] == 3
    assert res.facets["kind_coll"]["commune"] == 3
    assert res.facets["licence"] == {"etalab-2.0": 2}
    assert res.facets["year"] == {2021: 1, 2024: 1}  # no sentinel for the undated REX


HOSTILE = (
    '<script>alert("rurales")</script><img src=x onerror=alert(1)> rurales '
    '"><iframe src=javascript:alert(2)> &lt;b&gt; <mark>faux</mark> rurales </p'
)


def _only_mark_tags(snippet: str) -> str:
    rest = re.sub(r"</?mark>", "", snippet)
    assert "<" not in rest and ">" not in rest, snippet
    return rest


def test_snippets_are_escaped_with_marks_around_matches(engine: SearchBackend) -> None:
    snippet = engine.search("rurales", visibility_filter=ANON).hits[0].snippet
    assert "<mark>rurales</mark>" in snippet and "<b>" not in snippet
    _only_mark_tags(snippet)
    engine.add([doc("rex:30", "Page piégée", HOSTILE, 0, {"summary": "<b>Résumé</b> rurales"})])
    hit = next(h for h in engine.search("rurales", visibility_filter=ANON).hits if h.id == "rex:30")
    assert "<mark>rurales</mark>" in hit.snippet
    _only_mark_tags(hit.snippet)
    for absent in ("<script", "<img", "<iframe", "<b>", "<mark>faux"):
        assert absent not in hit.snippet
    plain = engine.search("theme:donnees", visibility_filter=ANON).hits[0].snippet
    _only_mark_tags(plain)  # no words typed: the summary or body start, escaped


def test_snippet_of_a_long_text_shows_the_match(engine: SearchBackend) -> None:
    body = "Texte d'introduction sans rapport. " * 300 + "Le tri des Biodéchets à la source."
    engine.add([doc("rex:70", "Une longue fiche", body + " Fin. " * 200, 0, {})])
    hit = engine.search("biodechets", visibility_filter=ANON).hits[0]
    assert hit.id == "rex:70" and "<mark>Biodéchets</mark>" in hit.snippet
    assert len(hit.snippet) < 1000


def _no_canary(res: SearchResults, *canaries: str) -> None:
    text = repr((res.total, ids(res), res.facets, [h.snippet for h in res.hits], res.suggestion))
    for canary in canaries:
        assert canary not in text.lower()


CANARIES = ("zorglub", "post:6", "syndicat", "cc0", "1999")


@pytest.mark.parametrize("viewer", [ANON, SIGNED_IN, (True, {7, 8})])
def test_group_document_invisible_to_outsiders(engine: SearchBackend, viewer: tuple) -> None:
    for q in ("zorglub", "zorglu", "zorglubb", "prépare", "confidentiel", '"projet zorglub"'):
        res = engine.search(q, visibility_filter=viewer)
        assert res.total == 0 and res.hits == [], q
        _no_canary(res, *CANARIES)
    for q in ("theme:zorglubisme", "type:syndicat", "licence:cc0-1.0"):
        res = engine.search(q, visibility_filter=viewer)
        assert res.total == 0 and res.hits == [], q
    broad = engine.search("budget participatif", visibility_filter=viewer)
    _no_canary(broad, *CANARIES)
    assert broad.total == (3 if viewer == ANON else 4)
    assert sum(broad.facets["kind"].values()) == broad.total
    on_year = engine.search("budget", visibility_filter=viewer, filters={"year": 1999})
    assert on_year.total == 0


def test_group_document_visible_to_member(engine: SearchBackend) -> None:
    found = engine.search("zorglub", visibility_filter=GROUP_MEMBER)
    assert ids(found) == ["post:6"] and "<mark>" in found.hits[0].snippet
    res = engine.search("zorglu", visibility_filter=GROUP_MEMBER)
    assert res.total == 0 and res.suggestion == "zorglub"
    assert res.suggestion_text == "Vouliez-vous dire « zorglub » ?"
    broad = engine.search("budget participatif", visibility_filter=GROUP_MEMBER)
    assert broad.facets["kind_coll"]["syndicat"] == 1 and broad.facets["year"][1999] == 1


def test_network_documents_need_signing_in(engine: SearchBackend) -> None:
    assert engine.search("quidnunc", visibility_filter=ANON).total == 0
    assert engine.search("quidnunk", visibility_filter=ANON).suggestion is None
    assert ids(engine.search("quidnunc", visibility_filter=SIGNED_IN)) == ["rex:7"]
    assert engine.search("quidnunk", visibility_filter=SIGNED_IN).suggestion == "quidnunc"


def test_suggestion_for_a_public_typo(engine: SearchBackend) -> None:
    res = engine.search("renovaton", visibility_filter=ANON)
    assert res.total == 0 and res.suggestion == "renovation"
    assert engine.search("renovation", visibility_filter=ANON).suggestion is None
    engine.add(
        [
            doc(f"rex:{50 + n}", "On mobilise les habitants", "Ils se mobilisent.", 0, {})
            for n in range(3)
        ]
        + [doc("rex:60", "Mobilité douce", "Une seule fiche.", 0, {})]
    )
    assert engine.search("mobilte", visibility_filter=ANON).suggestion == "mobilite"  # closest


def test_pagination_and_date_sort(app: Flask) -> None:
    search = empty_backend(app)
    body = "Extinction nocturne de l'éclairage public."
    search.add([doc(f"rex:{i}", f"Éclairage public, fiche {i}", body, i, {}) for i in range(25)])
    pages = [
        search.search("éclairage", visibility_filter=ANON, page=p, per_page=10, sort="date")
        for p in (1, 2, 3)
    ]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 and p.pages == 3 for p in pages)
    seen = [h.id for p in pages for h in p.hits]
    assert seen == [f"rex:{i}" for i in range(24, -1, -1)]
    assert pages[0].hits[0].updated == T0 + timedelta(24)
    assert search.search("éclairage", visibility_filter=ANON, page=9, per_page=10).hits == []
    assert search.search("éclairage", visibility_filter=ANON, page=-3).page == 1


def test_delete_and_replace(engine: SearchBackend) -> None:
    engine.delete(["rex:3", "rex:999"])
    assert ids(engine.search("vélo", visibility_filter=ANON)) == ["rex:4"]
    moved = dict(DOCS[3], visibility="group", group_id=7)
    engine.add([moved])  # same id: replaced, now private
    assert engine.search("vélo", visibility_filter=ANON).total == 0
    assert ids(engine.search("vélo", visibility_filter=(True, {7}))) == ["rex:4"]


def test_invalid_documents_are_refused(engine: SearchBackend) -> None:
    for bad in (
        {"id": "rex:1", "kind": "rex", "visibility": "secret"},
        {"id": "rex:1", "kind": "rex", "visibility": "group"},
        {"id": "rex:1", "kind": "nope", "visibility": "public"},
        {"id": "rex:1", "kind": "rex", "visibility": "public", "colour": "red"},
    ):
        with pytest.raises(ValueError):
            engine.add([bad])


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        '"',
        '""',
        "((((",
        "*",
        "x" * 10_000,
        "\x00\x01\x07",
        "-",
        "-angers",
        "les de la",
        "theme:",
        ":::",
        "AND OR NOT",
        '"\x00"',
        "é" * 999,
        "?~^",
        "title:[a TO",
        "\u202e\u200b",
        "'; DROP TABLE search_document; --",
        "budget & | ! <-> :*",
        "%_\\",
    ],
)
def test_absurd_queries_never_raise(engine: SearchBackend, q: str) -> None:
    res = engine.search(q, visibility_filter=ANON)
    assert isinstance(res, SearchResults)
    if res.total == 0 and q not in ("AND OR NOT", "é" * 999, "theme:", "title:[a TO"):
        assert res.message or q.startswith(("'", "budget", "%")), q
    assert res.hits == [] or res.message is None
    assert engine.search("vélo", visibility_filter=ANON).total == 2  # nothing was dropped


def test_filters_dict_and_bad_filter(engine: SearchBackend) -> None:
    res = engine.search("budget", visibility_filter=ANON, filters={"themes": ["finances"]})
    assert res.total == 3 and res.facets["themes"]["finances"] == 3
    with pytest.raises(ValueError):
        engine.search("budget", visibility_filter=ANON, filters={"visibility": "group"})


@pytest.mark.parametrize(
    ("q", "words"),
    [("x" * 10_000, "trop longue"), ("les de la", "trop courants"), ("((((", "Saisis")],
)
def test_message_wording(engine: SearchBackend, q: str, words: str) -> None:
    assert words in (engine.search(q, visibility_filter=ANON).message or "")
