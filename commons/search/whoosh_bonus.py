"""Ranking bonus of the Whoosh backend: typed words found close together in a document.

Whoosh's ``Phrase`` matcher walks the positions of every document holding both words, over the
whole index (175 ms of CPU for a question on 10,000 documents); here only the term matchers of
the words move to the few documents being scored (block skipping), and positions are read for
those documents only.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.query import Term
from whoosh.searching import Searcher

from .analysis import french_analyzer
from .whoosh_docsets import matched

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
            for docnum in matched(matcher, local):
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


#: Each pair of typed words (as stems: *laboratoire* finds *laboratoires*) found next to each
#: other in a document's title adds :data:`TITLE_PAIR_BONUS`, in its summary
#: :data:`SUMMARY_PAIR_BONUS`: the words of the question describe what the document is about,
#: not only words that its body happens to hold (PostgreSQL: :func:`.pg_query.heading_bonus`).
TITLE_PAIR_BONUS = 3.0
SUMMARY_PAIR_BONUS = 1.5
#: At most this many other words (stop words aside) between the two words of a pair.
HEAD_SLOP = 1
_FR = french_analyzer()


@lru_cache(maxsize=20_000)
def _stem_positions(text: str) -> dict[str, tuple[int, ...]]:
    """``{stem: positions}`` of a short text (titles and summaries repeat across searches)."""
    out: dict[str, list[int]] = {}
    for token in _FR(text, positions=True):
        out.setdefault(token.text, []).append(token.pos)
    return {stem: tuple(found) for stem, found in out.items()}


def _pairs_close(text: str, pairs: list[tuple[str, str]]) -> int:
    """How many of ``pairs`` of stems follow each other in ``text`` (within :data:`HEAD_SLOP`)."""
    if not text:
        return 0
    where = _stem_positions(text)
    found = 0
    for a, b in pairs:
        pa, pb = where.get(a), where.get(b)
        if pa and pb:
            following = set(pb)
            found += any(p + gap in following for p in pa for gap in range(1, HEAD_SLOP + 2))
    return found


def add_heading_bonus(
    searcher: Searcher, scores: dict[int, float], pairs: list[tuple[str, str]], limit: int
) -> None:
    """Add :func:`heading_scores` to ``scores``, reading only the documents that the bonus
    could bring into the first ``limit`` (the ranking is the same as with every document)."""
    if not pairs or not scores:
        return
    most = len(pairs) * (TITLE_PAIR_BONUS + SUMMARY_PAIR_BONUS)
    ranked = sorted(scores.values(), reverse=True)
    bar = ranked[limit - 1] if len(ranked) >= limit else float("-inf")
    docs = sorted(d for d, s in scores.items() if s + most >= bar)
    for doc, bonus in heading_scores(searcher, pairs, docs).items():
        scores[doc] += bonus


def heading_scores(
    searcher: Searcher, pairs: list[tuple[str, str]], docs: list[int]
) -> dict[int, float]:
    """The title and summary bonus of ``pairs`` (stems of typed words that follow each other)
    for each of ``docs`` (stored fields of these documents only; their analysis is cached)."""
    out: dict[int, float] = {}
    if not pairs:
        return out
    for doc in docs:
        stored = searcher.stored_fields(doc)
        bonus = TITLE_PAIR_BONUS * _pairs_close(stored.get("title") or "", pairs)
        bonus += SUMMARY_PAIR_BONUS * _pairs_close(stored.get("summary") or "", pairs)
        if bonus:
            out[doc] = bonus
    return out
