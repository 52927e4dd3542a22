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

from whoosh.query import Or
from whoosh.searching import Searcher

from .whoosh_bonus import heading_scores, proximity_scores
from .whoosh_docsets import BitsFilter, DocSets, bits_of, ids_of
from .whoosh_hits import positive_terms
from .whoosh_query import ParsedQuery
from .whoosh_scoring import PICK_ABOVE, coverage_levels, grouped_scores, pick

#: Documents scored one by one (the first page of results comes from these).
CANDIDATES = 60
#: Exponent of the coordination factor (shared with the PostgreSQL backend).
COORD_POWER = 2


def relaxed_top(
    searcher: Searcher, docsets: DocSets, parsed: ParsedQuery, matched: int, limit: int
) -> list[dict[str, Any]]:
    """Stored fields of the ``limit`` best of ``matched`` (documents matching at least one of
    ``parsed.concepts`` that the caller may see), by coordination times BM25F (each concept
    scored as its best alternative, exact forms, proximity and title/summary bonus included)."""
    concepts, bonus, groups = parsed.concepts, parsed.exact_terms, parsed.groups
    per_concept = [docsets.evaluate(q) & matched for q in concepts]
    terms = [t for q in concepts for t in positive_terms(q)]
    wanted = max(limit, CANDIDATES)
    candidates, taken = 0, 0
    for _, level in sorted(coverage_levels(per_concept).items(), reverse=True):
        size = level.bit_count()
        if taken + size <= wanted:
            candidates |= level
            taken += size
        elif size > PICK_ABOVE:
            candidates |= pick(groups, level, wanted - taken, docsets)
            taken = wanted
        else:
            best = searcher.search(Or(terms), limit=wanted - taken, filter=BitsFilter(level))
            candidates |= bits_of(sorted(hit.docnum for hit in best))
            taken = wanted
        if taken >= wanted:
            break
    docs = list(ids_of(candidates))
    scores = grouped_scores(searcher, groups, list(bonus), docs)
    for doc, extra in proximity_scores(searcher, parsed.proximity, docs).items():
        scores[doc] += extra
    for doc, extra in heading_scores(searcher, parsed.stem_pairs, docs).items():  # few docs
        scores[doc] += extra
    n = len(concepts)

    def final(doc: int) -> float:
        covered = sum((bits >> doc) & 1 for bits in per_concept)
        return scores[doc] * (covered / n) ** COORD_POWER

    def complete(doc: int) -> bool:
        return all((bits >> doc) & 1 for bits in per_concept)

    ranked = sorted(docs, key=lambda d: (not complete(d), -final(d), d))[:limit]
    return [searcher.stored_fields(d) for d in ranked]
