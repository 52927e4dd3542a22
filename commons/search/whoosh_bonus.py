"""Ranking bonus of the Whoosh backend: typed words found close together in a document.

Whoosh's ``Phrase`` matcher walks the positions of every document holding both words, over the
whole index (175 ms of CPU for a question on 10,000 documents); here only the term matchers of
the words move to the few documents being scored (block skipping), and positions are read for
those documents only.
"""

from __future__ import annotations

from whoosh.query import Term
from whoosh.searching import Searcher

#: Two typed words are close when at most this many words separate them in a document; each
#: close pair adds :data:`PROXIMITY_BONUS` to the score (BM25F scores are a few units).
PROXIMITY_SLOP = 3
PROXIMITY_BONUS = 3.0


def proximity_scores(
    searcher: Searcher, pairs: list[tuple[str, str]], docs: list[int]
) -> dict[int, float]:
    """:data:`PROXIMITY_BONUS` for each pair of folded words found close together (in this
    order, field ``exact``) in each of ``docs``; only their term matchers move (block skipping),
    positions are read for these documents only."""
    out: dict[int, float] = {}
    if not pairs or not docs or PROXIMITY_BONUS == 0:
        return out
    words = sorted({w for pair in pairs for w in pair})
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        if not local:
            continue
        positions: dict[str, dict[int, list[int]]] = {w: {} for w in words}
        for word in words:
            matcher = Term("exact", word).matcher(leaf, context)
            for docnum in local:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() == docnum:
                    positions[word][docnum] = matcher.value_as("positions")
        for docnum in local:
            for a, b in pairs:
                pa, pb = positions[a].get(docnum), positions[b].get(docnum)
                if pa and pb and _close(pa, pb):
                    out[docnum + offset] = out.get(docnum + offset, 0.0) + PROXIMITY_BONUS
    return out


def _close(first: list[int], second: list[int]) -> bool:
    """Whether a position of ``second`` follows one of ``first`` within the slop."""
    following = set(second)
    return any(p + gap in following for p in first for gap in range(1, PROXIMITY_SLOP + 2))
