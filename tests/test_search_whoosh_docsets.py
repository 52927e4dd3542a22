"""Whoosh totals, facets and top hits from bitsets equal a brute-force evaluation.

The index has several segments and deletions (as after drains), documents of every
visibility and of several groups; totals and facet counts are compared with a count made in
Python from the documents themselves, and the ranked page with Whoosh's own full ranking
(every match scored, no block skipping).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from whoosh.query import AndMaybe, Or

from commons.search import whoosh_bonus, whoosh_hits
from commons.search import whoosh_query as wq
from commons.search.analysis import analysed_tokens
from commons.search.results import FACETS
from commons.search.whoosh_backend import WhooshIndex
from commons.search.whoosh_docsets import BitsFilter, bits_of, ids_of

from .search_support import T0

WORDS = [
    "projet",
    "habitants",
    "commune",
    "budget",
    "participatif",
    "cantine",
    "mobilite",
    "jardin",
    "velo",
    "ecole",
]
THEMES = ["mobilite", "alimentation", "democratie", "energie"]
WHO: list[tuple[bool, set[int]]] = [(False, set()), (True, set()), (True, {1}), (True, {1, 3})]
QUERIES = ["projet", "habitants commune", "budget -cantine", "velo theme:mobilite", "jardin"]


def _doc(rng: random.Random, n: int) -> dict[str, Any]:
    visibility = rng.choice(["public", "network", "group"])
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 12))]
    if n % 3 == 0:
        words[rng.randrange(len(words)) :] = ["budget", "participatif"]
    return {
        "id": f"rex:{n}",
        "kind": rng.choice(["rex", "thread", "group"]),
        "title": " ".join(words[:2]).capitalize(),
        "body": " ".join(words) + ".",
        "themes": rng.sample(THEMES, rng.randint(0, 2)),
        "kind_coll": [rng.choice(["commune", "metropole"])],
        "licence": rng.choice(["etalab-2.0", "cc-by-4.0"]),
        "year": rng.choice([2022, 2023, 2024]),
        "visibility": visibility,
        "group_id": rng.choice([1, 2, 3]) if visibility == "group" else None,
        "updated": T0.replace(day=1 + n % 28, hour=n % 24),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[WhooshIndex, dict[str, Any]]:
    rng = random.Random(7)
    docs = {d["id"]: d for d in (_doc(rng, n) for n in range(240))}
    index = WhooshIndex(Path(tmp_path_factory.mktemp("docsets")) / "ix").create()
    batch = list(docs.values())
    for start in range(0, len(batch), 80):  # three segments
        index.add(batch[start : start + 80])
    gone = [f"rex:{n}" for n in range(0, 240, 9)]
    index.delete(gone)  # deletions inside existing segments
    for doc_id in gone:
        del docs[doc_id]
    changed = _doc(rng, 5) | {
        "title": "Projet",
        "summary": "Projets",
        "body": "Projet projet.",
    }  # a replacement: a new segment
    index.add([changed])
    docs["rex:5"] = changed
    return index, docs


def _visible(doc: dict[str, Any], who: tuple[bool, set[int]]) -> bool:
    signed_in, groups = who
    if doc["visibility"] == "group":
        return doc["group_id"] in groups
    return doc["visibility"] == "public" or signed_in


def _matches(doc: dict[str, Any], query: str) -> bool:
    stems = set(analysed_tokens(f"{doc['title']} {doc['body']}"))
    for part in query.split():
        if part.startswith("theme:"):
            if part[6:] not in doc["themes"]:
                return False
        elif part.startswith("-"):
            if set(analysed_tokens(part[1:])) <= stems:
                return False
        elif not set(analysed_tokens(part)) <= stems:
            return False
    return True


def _facet_values(doc: dict[str, Any], name: str) -> list[Any]:
    value = doc[name]
    return list(value) if isinstance(value, list) else [value]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("who", WHO, ids=["anonyme", "agent", "groupe-1", "groupes-1-3"])
def test_totals_and_facets_equal_a_brute_force_count(
    corpus: tuple[WhooshIndex, dict[str, Any]], query: str, who: tuple[bool, set[int]]
) -> None:
    index, docs = corpus
    expected = [d for d in docs.values() if _visible(d, who) and _matches(d, query)]
    results = index.search(query, visibility_filter=who, per_page=100)
    assert results.total == len(expected)
    assert sorted(h.id for h in results.hits) == sorted(d["id"] for d in expected)
    for name in FACETS:
        counts = Counter(v for d in expected for v in _facet_values(d, name))
        assert results.facets[name] == {k: n for k, n in counts.items() if n}, name


def test_filters_narrow_totals_and_facets(corpus: tuple[WhooshIndex, dict[str, Any]]) -> None:
    index, docs = corpus
    who = (True, {1})
    expected = [
        d
        for d in docs.values()
        if _visible(d, who) and _matches(d, "projet") and d["year"] == 2023 and d["kind"] == "rex"
    ]
    results = index.search(
        "projet", visibility_filter=who, filters={"year": [2023], "kind": "rex"}, per_page=100
    )
    assert results.total == len(expected) > 0
    assert results.facets["year"] == {2023: len(expected)}


#: The three ranking paths of ``whoosh_hits.top_hits``: (DIRECT_WORK, UNION_FACTOR).
PATHS = {"direct": (10**9, 0), "or-des-termes": (0, 10**9), "requete-entiere": (0, 0)}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("text", ["projet", "habitants commune", '"budget participatif" -velo'])
@pytest.mark.parametrize("who", WHO[::3], ids=["anonyme", "groupes-1-3"])
def test_top_hits_equal_whoosh_full_ranking(
    corpus: tuple[WhooshIndex, dict[str, Any]],
    who: tuple[bool, set[int]],
    text: str,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page is Whoosh's best-scored visible documents, as if every match were scored."""
    direct, union = PATHS[path]
    monkeypatch.setattr(whoosh_hits, "DIRECT_WORK", direct)
    monkeypatch.setattr(whoosh_hits, "UNION_FACTOR", union)
    monkeypatch.setattr(whoosh_bonus, "PROXIMITY_BONUS", 0)
    index, docs = corpus
    visible_ids = {d["id"] for d in docs.values() if _visible(d, who)}
    searcher = index.ix.searcher()
    try:
        parsed = wq.parse_query(text)
        # Exact forms of the typed words add to the score when few documents are scored one by
        # one (the direct path); proximity too, but it is no Whoosh query (off here, tested in
        # test_search_answers.py).
        bonus = parsed.exact_terms if path == "direct" else []
        query = AndMaybe(parsed.query, Or(bonus)) if bonus else parsed.query
        allowed = {searcher.document_number(id=i) for i in visible_ids}
        full = searcher.search(query, limit=None, filter=allowed)  # scores every match
        ranked = sorted((-round(hit.score, 9), hit.docnum, hit["id"]) for hit in full)
    finally:
        searcher.close()
    expected = [doc_id for _, _, doc_id in ranked]
    assert len(expected) > 12 and ranked[0][0] < ranked[-1][0]  # scores differ
    for page in (1, 2):
        results = index.search(text, visibility_filter=who, per_page=6, page=page)
        assert [h.id for h in results.hits] == expected[(page - 1) * 6 : page * 6]
    if text == "projet" and _visible(docs["rex:5"], who):  # short title and summary: first
        assert expected[0] == "rex:5"


@pytest.mark.parametrize("walk", [True, False], ids=["parcours-par-date", "dates-des-resultats"])
def test_date_sort_is_newest_first_as_whoosh_sorts(
    corpus: tuple[WhooshIndex, dict[str, Any]], walk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both date-sort paths give Whoosh's order (ties included: the corpus repeats dates)."""
    monkeypatch.setattr(whoosh_hits, "MIN_WALK", 10**9 if walk else 0)
    monkeypatch.setattr(whoosh_hits, "WALK_FACTOR", 0)
    index, docs = corpus
    who = (True, {1, 3})
    visible = [d for d in docs.values() if _visible(d, who) and _matches(d, "budget")]
    searcher = index.ix.searcher()
    try:
        query = wq.parse_query("budget").query
        allowed = {searcher.document_number(id=d["id"]) for d in visible}
        full = searcher.search(query, limit=None, filter=allowed, sortedby="updated", reverse=True)
        expected = [hit["id"] for hit in full]
    finally:
        searcher.close()
    assert len(expected) == len(visible) > 30
    assert len({d["updated"] for d in visible}) < len(visible)  # ties exist
    got: list[str] = []
    for page in (1, 2, 3):
        results = index.search("budget", visibility_filter=who, sort="date", per_page=15, page=page)
        got += [h.id for h in results.hits]
    assert got == expected[:45]
    dates = [h.updated for h in index.search("budget", visibility_filter=who, sort="date").hits]
    assert dates == sorted(dates, reverse=True)


def test_bitset_helpers() -> None:
    ids = [0, 3, 7, 8, 9, 1000, 4097]
    bits = bits_of(ids)
    assert list(ids_of(bits)) == ids and bits.bit_count() == len(ids)
    membership = BitsFilter(bits)
    assert all(n in membership for n in ids)
    assert not any(n in membership for n in (1, 2, 10, 999, 4096, 5000, -1))
    assert bits_of([]) == 0 and list(ids_of(0)) == [] and bool(BitsFilter(0))


def test_counts_stay_exact_after_writes_to_a_cached_segment(tmp_path: Path) -> None:
    """Bitsets cached before a deletion in the same segment never count the deleted document;
    a replaced document is counted once, with its new facet values."""
    rng = random.Random(11)
    docs = {d["id"]: d for d in (_doc(rng, n) for n in range(60))}
    index = WhooshIndex(tmp_path / "ix").create()
    index.add(list(docs.values()))  # one segment
    who = (True, {1, 2, 3})

    def check() -> None:
        for query in ("projet", "budget -cantine"):
            expected = [d for d in docs.values() if _visible(d, who) and _matches(d, query)]
            results = index.search(query, visibility_filter=who, per_page=100)
            assert results.total == len(expected)
            assert sorted(h.id for h in results.hits) == sorted(d["id"] for d in expected)
            kinds = Counter(d["kind"] for d in expected)
            assert results.facets["kind"] == dict(kinds)

    check()  # caches the segment's bitsets
    projet = [i for i, d in docs.items() if _matches(d, "projet")]
    index.delete(projet[:3])
    for doc_id in projet[:3]:
        del docs[doc_id]
    check()
    replaced = docs[projet[3]] | {"kind": "group", "visibility": "public", "group_id": None}
    index.add([replaced])
    docs[projet[3]] = replaced
    check()
