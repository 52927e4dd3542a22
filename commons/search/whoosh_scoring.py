"""Scores of the few documents ranked one by one (Whoosh): one score per concept.

A concept (a typed word and its alternatives: other forms, synonyms, an acronym's expansion,
see :mod:`.vocabulary`) scores as its *best* alternative in each document, not as the sum of
all of them: a document naming both « lab » and « laboratoire » is not twice about it, and a
concept with many synonyms does not outweigh the other words of the question (as Lucene's
synonym queries score one term). The PostgreSQL backend ranks each concept's alternatives as
one ``tsquery`` (:mod:`.pg_query`).

Only the few documents scored one by one are scored so (the first page of a selective query,
the candidates of the any-word fallback); many matches are ranked by Whoosh's collector on the
sum of the terms, as before. Synonyms are only added to queries whose typed words find few
documents, so that path mostly sees concepts without synonyms.
"""

from __future__ import annotations

from whoosh.query import Query, Term
from whoosh.searching import Searcher

from .whoosh_docsets import DocSets, ids_of, matched

#: One concept: for each alternative, the terms that score it (every field of every word).
Group = list[list[Term]]


def direct_scores(searcher: Searcher, terms: list[Query], docs: list[int]) -> dict[int, float]:
    """The summed BM25F score of ``terms`` for each of ``docs`` (ascending document numbers),
    each term's matcher moved to each document in turn."""
    scores = dict.fromkeys(docs, 0.0)
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        if not local:
            continue
        for term in terms:
            matcher = term.matcher(leaf, context)
            for docnum in matched(matcher, local):
                scores[docnum + offset] += matcher.score()
    return scores


def grouped_scores(
    searcher: Searcher, groups: list[Group], others: list[Query], docs: list[int]
) -> dict[int, float]:
    """For each of ``docs``: the sum over ``groups`` of the best alternative's BM25F score,
    plus the summed score of ``others`` (phrases, exact forms) — each term scored once."""
    unique: dict[tuple[str, str], Term] = {}
    for group in groups:
        for terms in group:
            for t in terms:
                unique.setdefault((t.fieldname, t.text), t)
    keys = list(unique)
    per_term = {k: direct_scores(searcher, [unique[k]], docs) for k in keys}
    scores = direct_scores(searcher, others, docs) if others else dict.fromkeys(docs, 0.0)
    for doc in docs:
        total = 0.0
        for group in groups:
            total += max(
                (sum(per_term[(t.fieldname, t.text)][doc] for t in terms) for terms in group),
                default=0.0,
            )
        scores[doc] += total
    return scores


def split_terms(query_terms: list[Term], groups: list[Group]) -> list[Term]:
    """The terms of ``query_terms`` that belong to no concept (phrases)."""
    inside = {(t.fieldname, t.text) for g in groups for terms in g for t in terms}
    return [t for t in query_terms if (t.fieldname, t.text) not in inside]


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


#: A set of matches larger than this is not scored whole when it only needs a few candidates
#: (the last group of the any-word fallback, the matches of a wide query): they are picked
#: without scoring by :func:`pick`. Whoosh's collector walks every posting of every term, whatever
#: the filter: a question of common words on the ``large`` corpus (16,000 documents with some of
#: the words) cost 750 ms of CPU, a question widened by a synonym of common words (« com com » ->
#: *communauté de communes*, 10,000 matches) 990 ms.
PICK_ABOVE = 2000
_HEAD_FIELDS = ("title", "summary")


def pick(groups: list[Group], level: int, need: int, docsets: DocSets) -> int:
    """``need`` documents of a large bitset ``level`` (bitsets only, nothing scored): those with
    the most concepts of ``groups`` in their title or summary first, then by document number."""
    heads = []
    for group in groups:
        bits = 0
        for terms in group:
            for t in terms:
                if t.fieldname in _HEAD_FIELDS:
                    bits |= docsets.term(t.fieldname, t.text)
        heads.append(bits & level)
    tiers = [tier for _, tier in sorted(coverage_levels(heads).items(), reverse=True)]
    picked, count = 0, 0
    for tier in [*tiers, level]:
        for doc in ids_of(tier & ~picked):
            if count >= need:
                return picked
            picked |= 1 << doc
            count += 1
    return picked
