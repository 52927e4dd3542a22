"""Ranking mechanisms of issue 17's second tuning, on every (database, backend): typed words
next to each other in a title or summary (as stems), a concept scored as its best alternative
(Whoosh), and the query-side vocabulary (words and expressions that say nothing of the
subject, agents' abbreviations)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from whoosh.query import Term

from commons.search import pg_query, whoosh_bonus
from commons.search.query import split_query
from commons.search.whoosh_backend import WhooshIndex
from commons.search.whoosh_scoring import direct_scores, grouped_scores

from .search_support import app_config, backend, combo, doc, empty_backend  # noqa: F401

ANON: tuple[bool, set[int]] = (False, set())
FILLER = " ".join(["Une réunion mensuelle ouverte à tous dans la salle des fêtes."] * 4)


def test_typed_words_next_to_each_other_in_a_title_rank_first(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = empty_backend(app)
    engine.add(
        [
            doc("rex:1", "Innovation, laboratoire, action publique", FILLER, 0, {}),
            doc("rex:2", "Laboratoires d'innovations publiques", FILLER, 0, {}),
        ]
    )

    def first() -> str:
        hits = engine.search("laboratoire innovation publique", visibility_filter=ANON).hits
        return hits[0].id

    assert first() == "rex:2"  # the typed words in a row, plural forms
    for module in (whoosh_bonus, pg_query):
        monkeypatch.setattr(module, "TITLE_PAIR_BONUS", 0.0)
        monkeypatch.setattr(module, "SUMMARY_PAIR_BONUS", 0.0)
    assert first() == "rex:1"  # without the bonus: exact forms, scattered


def test_stem_pairs_follow_the_typed_words() -> None:
    split = split_query("comment faire des laboratoires d'innovation publique")
    assert split.stem_pairs == [("laboratoir", "innov"), ("innov", "publiqu")]
    assert whoosh_bonus._pairs_close("Laboratoire d'innovation", split.stem_pairs) == 1
    assert whoosh_bonus._pairs_close("Innovation et laboratoire", split.stem_pairs) == 0


def test_a_concept_scores_as_its_best_alternative(tmp_path: Path) -> None:
    index = WhooshIndex(tmp_path / "ix").create()
    index.add(
        [
            doc("rex:1", "Un lab", "Le labo du lab, un laboratoire.", 0, {}),
            doc("rex:2", "Un laboratoire", "Le laboratoire de la ville.", 0, {}),
        ]
    )
    searcher = index.ix.searcher()
    try:
        alternatives = [[Term("body", "lab")], [Term("body", "labo")], [Term("body", "laboratoir")]]
        docs = list(range(searcher.doc_count_all()))
        grouped = grouped_scores(searcher, [alternatives], [], docs)
        each = [direct_scores(searcher, terms, docs) for terms in alternatives]
        for d in docs:
            assert grouped[d] == max(scores[d] for scores in each)
            if searcher.stored_fields(d)["id"] == "rex:1":  # three alternatives: not the sum
                assert grouped[d] < sum(scores[d] for scores in each)
    finally:
        searcher.close()


def test_words_that_say_nothing_of_the_subject_leave_the_query() -> None:
    raw = [c.raw for c in split_query("retour d'expérience budget participatif").concepts]
    assert raw == ["budget participatif"]
    raw = [
        c.raw for c in split_query("qqn a deja mis en place un budget participatif svp").concepts
    ]
    assert raw == ["budget participatif"]
    assert [c.raw for c in split_query("rex").concepts] == ["rex"]  # nothing else: kept
    assert [c.raw for c in split_query("retour des agents").concepts] == ["retour", "agents"]


def test_agents_abbreviations_expand() -> None:
    def alternatives(text: str) -> tuple[str, ...]:
        return split_query(text).concepts[0].alternatives

    assert "communauté de communes" in alternatives("com com")
    assert "communauté urbaine" in alternatives("CU")
    assert "jeunes" in alternatives("ados")
    assert "risques psychosociaux" in alternatives("RPS")
    assert "association" in alternatives("assos")


def test_pick_prefers_the_words_in_titles_and_summaries(tmp_path: Path) -> None:
    from commons.search.results import FACETS
    from commons.search.whoosh_cache import SearcherCache
    from commons.search.whoosh_docsets import ids_of
    from commons.search.whoosh_query import alternative_terms
    from commons.search.whoosh_scoring import pick

    index = WhooshIndex(tmp_path / "ix").create()
    index.add(
        [
            doc("rex:1", "Une école", "Le budget participatif de la ville.", 0, {}),
            doc("rex:2", "Le budget participatif", "Une école.", 0, {}),
            doc("rex:3", "Une cantine", "Un budget.", 0, {"summary": "Un budget participatif."}),
            doc("rex:4", "Un budget", "Une cantine participative.", 0, {}),
        ]
    )
    searcher = index.ix.searcher()
    try:
        docsets = SearcherCache(searcher, FACETS).docsets
        groups = [alternative_terms(("budget",)), alternative_terms(("participatif",))]
        everything = docsets.live()

        def picked(need: int) -> list[str]:
            chosen = pick(groups, everything, need, docsets)
            return sorted(searcher.stored_fields(d)["id"] for d in ids_of(chosen))

        assert picked(2) == ["rex:2", "rex:3"]  # both words in the title or the summary
        assert picked(3) == ["rex:2", "rex:3", "rex:4"]  # then one word there
        assert len(picked(10)) == 4
    finally:
        searcher.close()
