"""Issue 17 on the search page, over the shipped REX and on every (database, backend):
questions get answers (any-word fallback with its one-line notice), the public-sector
vocabulary is applied and shown, plurals and feminine forms fold, snippets are clean text,
the hint's examples work, an empty page has no empty « Affiner »."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from commons import content, db
from commons.search import outbox
from commons.search.backends import get_backend
from commons.search.query import split_query
from commons.search.vocabulary import concepts, inflections
from commons.wiki import services as wiki

from .search_support import app_config, backend, combo, empty_backend  # noqa: F401

RELAXED = "Aucun résultat ne contient tous les mots ; voici les plus proches."


@pytest.fixture
def shipped(app: Flask) -> Flask:
    empty_backend(app)
    content.load()
    db.session.commit()
    assert not outbox.drain_all(app).remaining
    return app


def _page(client, **args) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/recherche", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _results(page: str) -> str:
    return page.split('role="status"', 1)[1]


def _first(page: str) -> str:
    found = re.search(r'<h2 class="h3"><a href="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_questions_synonyms_and_acronyms(shipped, client) -> None:  # type: ignore[no-untyped-def]
    """Questions get the closest REX (with the notice when no REX has every word); documents
    with every word come first; acronyms and synonyms are applied and shown."""
    q = "comment faire voter les habitants sur les investissements de la commune"
    assert _first(_page(client, q=q)) == "/rex/angers-budget-participatif"
    page = _page(client, q="budget participatif quidnuncplop")
    assert RELAXED in page and _first(page) == "/rex/angers-budget-participatif"
    assert RELAXED not in _page(client, q="budget participatif angers")
    engine = get_backend(shipped)
    every = engine.search("cantines coworking", visibility_filter=(False, set()))
    assert not every.relaxed and every.total > 1
    assert every.hits[0].url == "/rex/grand-gueret-circuits-courts-cantines-innovillage"

    page = _page(client, q="BP")
    assert "/rex/angers-budget-participatif" in page
    assert "Recherché aussi : « bp » → budget participatif" in page
    page = _page(client, q="interco projet de territoire")
    assert "/rex/hauts-tolosans-consultation-projet-de-territoire" in page
    assert "communauté de communes" in page.split("Recherché aussi", 1)[1]
    for q, slug in [
        ("MDPH", "gironde-politiques-sociales-coconstruites"),
        ("DGA angers", "angers-budget-participatif"),
        ("données ouvertes", "gironde-la-base-lab-m21-indicateurs-open-data"),
    ]:
        assert f"/rex/{slug}" in _page(client, q=q), q


def test_forms_typos_snippets_hints(shipped, client) -> None:  # type: ignore[no-untyped-def]
    """Plural and feminine forms fold; typos are corrected when the correction finds every
    word; snippets are clean text; the hint's examples work; no empty « Affiner »."""
    engine = get_backend(shipped)
    found = [
        {h.id for h in engine.search(q, visibility_filter=(False, set()), per_page=50).hits}
        for q in ("élu", "élus", "élue", "élues")
    ]
    assert found[0] and all(f == found[0] for f in found), found

    page = _page(client, q="budjet participatif")
    assert _first(page) == "/rex/angers-budget-participatif"
    assert "aucun pour « budjet participatif »" in page

    for q in ("contexte", "budget participatif", "droit à l'erreur", "voir aussi"):
        snippets = re.findall(r"</p>\s*<p>(.*?)</p>", _results(_page(client, q=q)), re.S)
        assert snippets, q
        for text in snippets:
            assert "##" not in text and "**" not in text and "[[" not in text, (q, text)

    hint = re.search(r'id="q-aide">(.*?)</p>', _page(client), re.S)
    assert hint is not None
    examples = re.findall(r"\b(?:theme|type):[\w-]+", hint.group(1))
    assert len(examples) >= 2
    for example in examples:
        assert "/rex/" in _page(client, q=example), example
    assert "/rex/angers-budget-participatif" in _page(client, q='"budget participatif" -rennes')
    empty = _page(client, q="xqzwv")
    assert "0 résultat" in empty and "Affiner" not in empty
    assert "Affiner" in _page(client, q="budget")


def test_inflections() -> None:
    assert set(inflections("elu")) == {"elus"} and set(inflections("elues")) == {"elu", "elus"}
    assert set(inflections("lieux")) == {"lieu"} and "velos" in inflections("velo")
    assert inflections("publique") == [] and inflections("donnees") == []


def test_question_words_and_vocabulary_are_query_side_only() -> None:
    split = split_query("comment faire un budget participatif")
    assert [c.raw for c in split.concepts] == ["budget participatif"]
    assert "BP" in split.concepts[0].alternatives
    assert [c.raw for c in concepts(["comment"])] == ["comment"]  # nothing else left: kept


def test_a_new_rex_is_found_through_its_synonyms(app, make_user) -> None:  # type: ignore[no-untyped-def]
    empty_backend(app)
    author = make_user()
    wiki.create_rex(
        author,
        title="Réviser le plan local d'urbanisme intercommunal",
        body="La révision a pris trois ans.\n",
        space="public",
    )
    db.session.commit()
    outbox.drain(app)
    engine = get_backend(app)
    results = engine.search("PLUi", visibility_filter=(False, set()))
    assert [h.title for h in results.hits] == ["Réviser le plan local d'urbanisme intercommunal"]
    assert results.expansions and results.expansions[0][0] == "plui"


def test_exact_forms_and_proximity_rank_first(app) -> None:  # type: ignore[no-untyped-def]
    from .search_support import doc

    engine = empty_backend(app)
    filler = " ".join(["Une réunion mensuelle ouverte à tous dans la salle des fêtes."] * 3)
    engine.add(
        [
            doc(
                "rex:1",
                "Un conseil de participation",
                f"Le conseil de participation. {filler}",
                0,
                {},
            ),
            doc("rex:2", "Un conseil participatif", f"Le conseil participatif. {filler}", 0, {}),
            doc(
                "rex:3", "Quartiers", f"Le conseil se réunit. {filler} Chaque citoyen vient.", 0, {}
            ),
            doc(
                "rex:4", "Quartiers", f"Le conseil citoyen se réunit. {filler} Chacun vient.", 0, {}
            ),
        ]
    )
    anon = (False, set())
    assert [h.id for h in engine.search("participatif", visibility_filter=anon).hits][:2] == [
        "rex:2",
        "rex:1",
    ]
    found = [h.id for h in engine.search("conseil citoyen", visibility_filter=anon).hits]
    assert found.index("rex:4") < found.index("rex:3")
