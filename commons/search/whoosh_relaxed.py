"""Ranking when few or no documents match every word (Whoosh): coordination, then BM25F.

A question typed as a sentence rarely has all its words in one REX. When fewer than
:data:`~.results.FEW_MATCHES` documents match every concept, the documents that match *any*
concept follow them, ranked by how many of the concepts they match (coordination, as Lucene's
classic ``coord``) times their BM25F score: ``score × (matched / concepts) ** 2``.
The PostgreSQL backend uses the same formula (:mod:`.pg_query`).

Cost stays bounded on a large index: documents are grouped by how many concepts they match
(bitsets counted with a bit-sliced adder, C-speed integer operations), the candidates are taken
from the best groups down (at most :data:`CANDIDATES`, the best by BM25F from the last group
when it overflows), and only those are scored one by one.
"""

from __future__ import annotations

from typing import Any

from whoosh.query import Or, Query
from whoosh.searching import Searcher

from .whoosh_bonus import proximity_scores
from .whoosh_docsets import BitsFilter, DocSets, bits_of, ids_of
from .whoosh_hits import _positive_terms
from .whoosh_scoring import Group, grouped_scores

#: Documents scored one by one (the first page of results comes from these).
CANDIDATES = 60
#: Exponent of the coordination factor (shared with the PostgreSQL backend).
COORD_POWER = 2


def coverage_levels(bitsets: list[int]) -> dict[int, int]:
    """``{k: documents set in exactly k of bitsets}`` for k >= 1 (a bit-sliced counter)."""
    planes: list[int] = []
    for bits in bitsets:
        carry = bits
        for j, plane in enumerate(planes):
            planes[j], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    union = 0
    for bits in bitsets:
        union |= bits
    levels: dict[int, int] = {}
    for k in range(1, len(bitsets) + 1):
        mask = union
        for j, plane in enumerate(planes):
            mask &= plane if (k >> j) & 1 else ~plane
        if mask:
            levels[k] = mask
    return levels


def relaxed_top(
    searcher: Searcher,
    docsets: DocSets,
    concepts: list[Query],
    bonus: list[Query],
    matched: int,
    limit: int,
    near: list[tuple[str, str]] = (),  # type: ignore[assignment]
    heads: list[tuple[str, str]] = (),  # type: ignore[assignment]
    groups: list[Group] = (),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """Stored fields of the ``limit`` best of ``matched`` (documents matching at least one of
    ``concepts`` that the caller may see), by coordination times BM25F (``bonus`` included)."""
    per_concept = [docsets.evaluate(q) & matched for q in concepts]
    terms = [t for q in concepts for t in _positive_terms(q)]
    wanted = max(limit, CANDIDATES)
    candidates, taken = 0, 0
    for _, level in sorted(coverage_levels(per_concept).items(), reverse=True):
        size = level.bit_count()
        if taken + size <= wanted:
            candidates |= level
            taken += size
        else:
            best = searcher.search(Or(terms), limit=wanted - taken, filter=BitsFilter(level))
            candidates |= bits_of(sorted(hit.docnum for hit in best))
            taken = wanted
        if taken >= wanted:
            break
    docs = list(ids_of(candidates))
    if groups:
        scores = grouped_scores(searcher, groups, bonus, docs)
    else:
        scores = grouped_scores(searcher, [], terms + bonus, docs)
    for doc, extra in proximity_scores(searcher, near, docs, heads).items():
        scores[doc] += extra
    n = len(concepts)

    def final(doc: int) -> float:
        covered = sum((bits >> doc) & 1 for bits in per_concept)
        return scores[doc] * (covered / n) ** COORD_POWER

    def complete(doc: int) -> bool:
        return all((bits >> doc) & 1 for bits in per_concept)

    ranked = sorted(docs, key=lambda d: (not complete(d), -final(d), d))[:limit]
    return [searcher.stored_fields(d) for d in ranked]
