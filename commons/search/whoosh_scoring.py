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
            for docnum in local:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() == docnum:
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
