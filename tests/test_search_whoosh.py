"""Whoosh backend: French analysis, query syntax, confidentiality, paging, writer lock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from commons.search.analysis import exact_analyzer, fold, french_analyzer
from commons.search.results import IndexBusy, SearchResults
from commons.search.whoosh_backend import WhooshIndex

# No warning filter needed: whoosh-reloaded 2.7.5 imports cleanly with warnings as errors (its
# vendored whoosh.support.pyparsing, which would warn, is not imported by these modules).
ROOT = Path(__file__).resolve().parents[1]
ANON = (False, set())
MEMBER_SIGNED_IN = (True, set())
GROUP_MEMBER = (True, {42})
T0 = datetime(2024, 1, 1)


def _angers_rex() -> dict:
    """A real REX from content/ (front matter + Markdown body)."""
    path = ROOT / "content/rex/angers-budget-participatif.md"
    _, front, body = path.read_text().split("---", 2)
    meta = yaml.safe_load(front)
    kind_coll = [c["type"] for c in meta["collectivites"]]
    extra = {"themes": meta["themes"], "kind_coll": kind_coll, "licence": meta["licence"]}
    return doc("rex:100", meta["title"], body, -400, extra | {"summary": meta["summary"]})


def doc(doc_id: str, title: str, body: str, days: int, extra: dict) -> dict:
    """A public document unless ``extra`` says otherwise."""
    base = {"id": doc_id, "kind": doc_id.split(":")[0], "title": title, "body": body}
    return base | {"visibility": "public", "updated": T0 + timedelta(days)} | extra


DOCS = [
    doc(
        "rex:1",
        "Les budgets participatifs à Angers",
        "Le budget participatif d'Angers finance des projets proposés par les habitants.",
        10,
        {"themes": ["participation-citoyenne", "finances"], "kind_coll": ["commune"]}
        | {"collectivite": "Ville d'Angers", "licence": "etalab-2.0", "year": 2021},
    ),
    doc(
        "rex:2",
        "Publier des données ouvertes en Gironde",
        "L'ouverture des données publiques aide les petites collectivités <b>rurales</b>.",
        20,
        {"themes": ["donnees"], "kind_coll": ["departement"], "licence": "CC-BY-4.0"},
    ),
    doc(
        "rex:3",
        "Plan vélo de la métropole",
        "Des pistes cyclables et un service de location. Le réseau a doublé en cinq ans.",
        30,
        {"themes": ["mobilite"], "kind_coll": ["metropole"], "licence": "etalab-2.0"},
    ),
    doc(
        "rex:4",
        "Rénovation énergétique des logements",
        "Les conseillers visitent les logements, montent les dossiers d'aides, suivent "
        "les chantiers et mesurent les économies. Un agent s'y rend parfois à vélo.",
        40,
        {"themes": ["energie", "social"], "licence": "etalab-2.0", "year": 2023},
    ),
    doc(
        "thread:5",
        "Consultation sur le budget annuel",
        "Le budget annuel a été voté après une consultation participative des habitants.",
        50,
        {"themes": ["finances"], "kind_coll": ["commune"], "year": 2024},
    ),
    doc(  # Confidential: a group document with canary values in every facet.
        "post:6",
        "Compte rendu interne zorglub",
        "Le projet zorglub prépare un budget participatif confidentiel.",
        60,
        {"themes": ["zorglubisme"], "kind_coll": ["syndicat"], "licence": "CC0-1.0"}
        | {"visibility": "group", "group_id": 42, "year": 1999},
    ),
    doc(  # Network-only document.
        "rex:7",
        "Note réservée au réseau quidnunc",
        "Budget participatif : retours internes réservés aux membres connectés.",
        70,
        {"themes": ["finances"], "visibility": "network", "year": 2020},
    ),
]


@pytest.fixture()
def index(tmp_path: Path) -> WhooshIndex:
    ix = WhooshIndex(tmp_path / "ix", timeout=0.2).create()
    ix.add([*DOCS, _angers_rex()])
    return ix


def ids(results: SearchResults) -> list[str]:
    return [h.id for h in results.hits]


def test_analysis_chain() -> None:
    assert fold("Œuvre Collectivités ÆSTHÈTE Straße") == "oeuvre collectivites aesthete strasse"
    assert [t.text for t in exact_analyzer()("L'eau d'une qu’il")] == ["eau", "une", "il"]
    french = french_analyzer()
    assert [t.text for t in french("Les budgets à Angers")] == ["budget", "anger"]
    assert [t.text for t in french("collectivite")] == [t.text for t in french("collectivités")]


@pytest.mark.parametrize(
    "q", ["budget participatif", "Budget Participatif", "budgets participatif"]
)
def test_inflections_and_case(index: WhooshIndex, q: str) -> None:
    assert "rex:1" in ids(index.search(q, visibility_filter=ANON))


def test_accent_folding(index: WhooshIndex) -> None:
    assert "rex:2" in ids(index.search("donnees", visibility_filter=ANON))
    assert "rex:2" in ids(index.search("collectivite", visibility_filter=ANON))
    assert "rex:3" in ids(index.search("MÉTROPOLE", visibility_filter=ANON))


def test_title_ranks_above_body_mention(index: WhooshIndex) -> None:
    found = ids(index.search("vélo", visibility_filter=ANON))
    assert found[:2] == ["rex:3", "rex:4"]


def test_phrase_matches_exact_words_only(index: WhooshIndex) -> None:
    loose = ids(index.search("budget participatif", visibility_filter=ANON))
    assert "thread:5" in loose  # words apart still match a plain search
    phrase = ids(index.search('"budget participatif"', visibility_filter=ANON))
    assert "rex:1" in phrase and "rex:100" in phrase
    assert "thread:5" not in phrase


def test_exclusion_and_field_filters(index: WhooshIndex) -> None:
    assert ids(index.search("budget -angers", visibility_filter=ANON)) == ["thread:5"]
    assert ids(index.search("theme:mobilite", visibility_filter=ANON)) == ["rex:3"]
    assert ids(index.search("vélo theme:mobilité", visibility_filter=ANON)) == ["rex:3"]
    assert ids(index.search("vélo -theme:mobilite", visibility_filter=ANON)) == ["rex:4"]
    assert ids(index.search("type:metropole", visibility_filter=ANON)) == ["rex:3"]
    assert set(ids(index.search("licence:cc-by-4.0", visibility_filter=ANON))) == {"rex:2"}
    filtered = index.search("budget", visibility_filter=ANON, filters={"kind": "thread"})
    assert ids(filtered) == ["thread:5"]
    assert index.search("budget", visibility_filter=ANON, filters={"year": "x"}).total == 0


def test_facets_and_snippets(index: WhooshIndex) -> None:
    res = index.search("budget", visibility_filter=ANON)
    assert res.facets["kind"] == {"rex": 2, "thread": 1}
    assert res.facets["themes"]["finances"] == 3
    assert res.facets["licence"] == {"etalab-2.0": 2}
    assert res.facets["year"] == {2021: 1, 2024: 1}  # no sentinel for the undated REX
    snippet = index.search("rurales", visibility_filter=ANON).hits[0].snippet
    assert "<mark>rurales</mark>" in snippet and "&lt;b&gt;" in snippet and "<b>" not in snippet


def _no_canary(res: SearchResults, *canaries: str) -> None:
    text = repr((res.total, ids(res), res.facets, [h.snippet for h in res.hits], res.suggestion))
    for canary in canaries:
        assert canary not in text.lower()


CANARIES = ("zorglub", "post:6", "syndicat", "cc0", "1999")


@pytest.mark.parametrize("viewer", [ANON, MEMBER_SIGNED_IN, (True, {7, 8})])
def test_group_document_invisible_to_outsiders(index: WhooshIndex, viewer: tuple) -> None:
    for q in ("zorglub", "zorglu", "prépare", "confidentiel", '"projet zorglub"'):
        res = index.search(q, visibility_filter=viewer)
        assert res.total == 0 and res.hits == []
        _no_canary(res, *CANARIES)
    broad = index.search("budget participatif", visibility_filter=viewer)
    _no_canary(broad, *CANARIES)
    assert broad.total == (3 if viewer == ANON else 4)
    assert sum(broad.facets["kind"].values()) == broad.total


def test_group_document_visible_to_member(index: WhooshIndex) -> None:
    assert ids(index.search("zorglub", visibility_filter=GROUP_MEMBER)) == ["post:6"]
    res = index.search("zorglu", visibility_filter=GROUP_MEMBER)
    assert res.total == 0 and res.suggestion == "zorglub"
    assert res.suggestion_text == "Vouliez-vous dire « zorglub » ?"
    broad = index.search("budget participatif", visibility_filter=GROUP_MEMBER)
    assert broad.facets["kind_coll"]["syndicat"] == 1 and broad.facets["year"][1999] == 1


def test_network_documents(index: WhooshIndex) -> None:
    assert index.search("quidnunc", visibility_filter=ANON).total == 0
    assert index.search("quidnunk", visibility_filter=ANON).suggestion is None
    assert ids(index.search("quidnunc", visibility_filter=MEMBER_SIGNED_IN)) == ["rex:7"]
    assert index.search("quidnunk", visibility_filter=MEMBER_SIGNED_IN).suggestion == "quidnunc"


def test_suggestion_for_public_typo(index: WhooshIndex) -> None:
    res = index.search("renovaton", visibility_filter=ANON)
    assert res.total == 0 and res.suggestion == "renovation"


def test_pagination_and_date_sort(tmp_path: Path) -> None:
    ix = WhooshIndex(tmp_path / "ix").create()
    ix.add(
        [
            {
                "id": f"rex:{i}",
                "kind": "rex",
                "title": f"Éclairage public, fiche {i}",
                "body": "Extinction nocturne de l'éclairage public.",
                "visibility": "public",
                "updated": T0 + timedelta(days=i),
            }
            for i in range(25)
        ]
    )
    pages = [
        ix.search("éclairage", visibility_filter=ANON, page=p, per_page=10, sort="date")
        for p in (1, 2, 3)
    ]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 and p.pages == 3 for p in pages)
    seen = [h.id for p in pages for h in p.hits]
    assert seen == [f"rex:{i}" for i in range(24, -1, -1)]
    assert ix.search("éclairage", visibility_filter=ANON, page=9, per_page=10).hits == []


def test_delete(index: WhooshIndex) -> None:
    index.delete(["rex:3"])
    assert index.search("vélo", visibility_filter=ANON).total == 1


def test_locked_writer_raises_busy_then_retry_succeeds(index: WhooshIndex) -> None:
    doc = {"id": "rex:50", "kind": "rex", "title": "Cantines bio", "visibility": "public"}
    other_process = WhooshIndex(index.path).open()
    held = other_process.ix.writer()
    try:
        with pytest.raises(IndexBusy):
            index.add([doc])
        assert index.search("cantines", visibility_filter=ANON).total == 0
    finally:
        held.cancel()
    index.add([doc])  # the caller (outbox drain) retries with the same documents
    assert ids(index.search("cantines", visibility_filter=ANON)) == ["rex:50"]


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
    ],
)
def test_absurd_queries_never_raise(index: WhooshIndex, q: str) -> None:
    res = index.search(q, visibility_filter=ANON)
    assert isinstance(res, SearchResults)
    if res.total == 0 and q not in ("AND OR NOT", "é" * 999, "theme:", "title:[a TO"):
        assert res.message, q
    assert res.hits == [] or res.message is None


def test_filters_dict_and_bad_filter(index: WhooshIndex) -> None:
    res = index.search("budget", visibility_filter=ANON, filters={"themes": ["finances"]})
    assert res.total == 3 and res.facets["themes"]["finances"] == 3
    with pytest.raises(ValueError):
        index.search("budget", visibility_filter=ANON, filters={"visibility": "group"})


@pytest.mark.parametrize(
    ("q", "words"),
    [("x" * 10_000, "trop longue"), ("les de la", "trop courants"), ("((((", "Saisis")],
)
def test_message_wording(index: WhooshIndex, q: str, words: str) -> None:
    assert words in (index.search(q, visibility_filter=ANON).message or "")
