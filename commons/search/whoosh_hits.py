"""The displayed page of Whoosh results: ranking the top ``limit`` documents and their excerpts.

Only the documents of the requested page are loaded and highlighted (stored fields, French
analysis of a window of the text); totals and facets never come from here
(:mod:`.whoosh_docsets`).
"""

from __future__ import annotations

import heapq
import html
import re
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal

from whoosh.query import And, AndNot, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from . import analysis as an
from .query import accent_pattern
from .results import SearchHit
from .whoosh_bonus import add_heading_bonus, proximity_scores
from .whoosh_docsets import BitsFilter, DocSets, ids_of
from .whoosh_scoring import PICK_ABOVE, Group, grouped_scores, pick, split_terms

#: Long texts are highlighted in a window around the first likely match: analysing a whole
#: 5,000-character REX cost ~19 ms a hit (measured), most of a results page.
WINDOW_CHARS = 1500


def top_hits(
    searcher: Searcher,
    docsets: DocSets,
    query: Query,
    matched: int,
    sort: Literal["relevance", "date"],
    limit: int,
    bonus: list[Term] | None = None,
    near: list[tuple[str, str]] = (),  # type: ignore[assignment]
    heads: list[tuple[str, str]] = (),  # type: ignore[assignment]
    groups: list[Group] | None = None,
) -> list[dict[str, Any]]:
    """Stored fields of the first ``limit`` documents of ``matched`` (a non-empty bitset of
    documents matching ``query`` that the caller may see), by score or by date (newest first).

    ``bonus`` terms (exact forms of the typed words) and ``near`` queries (typed words close to
    each other) add to the score of the documents that have them, without matching anything
    themselves, when few documents are scored one by one (:data:`DIRECT_WORK`): on many matches
    they would walk more postings (or positions) than the ranking itself.

    By score: few matches are scored one by one (:func:`_score_directly`); many are ranked by
    Whoosh's top-N collector (``limit`` set, so it skips blocks that cannot enter the page) on
    :func:`ranking_query`. By date: a walk from the newest document when matches are dense,
    else the dates of every match. Each path gives the order of a full Whoosh ranking (tests).
    """
    count = matched.bit_count()
    if sort == "date":
        live = searcher.doc_count() or 1
        if limit * live // count <= max(WALK_FACTOR * count, MIN_WALK):
            best = _newest(searcher, matched, limit)
        else:
            best = _newest_of_matches(searcher, matched, limit)
        return [searcher.stored_fields(n) for n in best]
    terms = positive_terms(query)
    bonus = bonus or []
    if terms and count * (len(terms) + len(bonus) + 2 * len(near)) <= DIRECT_WORK:
        others = split_terms(terms, groups) + bonus if groups else terms + bonus
        best = _score_directly(searcher, others, matched, limit, near, heads, groups or [])
        return [searcher.stored_fields(n) for n in best]
    flat = ranking_query(query, docsets)
    wide = flat is None or len(terms) > PICK_TERMS
    if groups and count > PICK_ABOVE and wide:  # score picked candidates only
        few = pick(groups, matched, max(PICKED, limit), docsets)
        others = split_terms(terms, groups) + bonus
        best = _score_directly(searcher, others, few, limit, near, heads, groups)
        return [searcher.stored_fields(n) for n in best]
    ranking, top = (_positive(query), None) if flat is None else (flat, limit)
    results = searcher.search(ranking, limit=top, filter=BitsFilter(matched))
    return [hit.fields() for hit in (results if top is not None else results[:limit])]


def positive_terms(query: Query) -> list[Term]:
    """The terms that score a matching document, as a flat list (repeats kept)."""
    if isinstance(query, Term):
        return [query]
    if isinstance(query, Phrase):
        return [Term(query.fieldname, word) for word in query.words]
    if isinstance(query, (And, Or)):
        return [t for sub in query.subqueries for t in positive_terms(sub)]
    if isinstance(query, AndNot):
        return positive_terms(query.a)
    return []


#: Few matches (matches x terms at most this): each match is scored by moving every term's
#: matcher to it, instead of walking the terms' postings (``"conseil citoyen" habitants``, 206
#: visible matches among 5,856 documents with the three words: 70 ms of CPU -> 25 ms).
DIRECT_WORK = 12_000


def _score_directly(
    searcher: Searcher,
    terms: list[Query],
    matched: int,
    limit: int,
    near: list[tuple[str, str]] = (),  # type: ignore[assignment]
    heads: list[tuple[str, str]] = (),  # type: ignore[assignment]
    groups: list[Group] = (),  # type: ignore[assignment]
) -> list[int]:
    """The ``limit`` best documents of ``matched`` by the summed BM25F score of ``terms`` (the
    score Whoosh gives them for the ``Or`` of ``terms``), plus each concept of ``groups`` scored
    as its best alternative (:mod:`.whoosh_scoring`), :func:`proximity_scores` of ``near`` and
    the title/summary bonus of ``heads``; best first, ties by document number."""
    docs = list(ids_of(matched))
    scores = grouped_scores(searcher, groups, terms, docs)
    for doc, bonus in proximity_scores(searcher, near, docs).items():
        scores[doc] += bonus
    add_heading_bonus(searcher, scores, heads, limit)
    return heapq.nsmallest(limit, docs, key=lambda d: (-scores[d], d))


def _positive(query: Query) -> Query:
    """``query`` without exclusions and with phrases as the ``And`` of their words: the same
    scores for documents matching ``query`` (the filter keeps only those), no positions read."""
    if isinstance(query, Phrase):
        return And([Term(query.fieldname, word) for word in query.words])
    if isinstance(query, (And, Or)):
        return query.__class__([_positive(sub) for sub in query.subqueries])
    if isinstance(query, AndNot):
        return _positive(query.a)
    return query


def ranking_query(query: Query, docsets: DocSets) -> Query | None:
    """A query giving every document that matches ``query`` the same score, cheaper to rank;
    ``None`` when ``query`` should rather score all its matches (selective queries).

    ``query`` (stemmed words as ``And`` of per-field ``Or``, phrases, exclusions) is only used
    through a filter of its matches, so it can be scored as the ``Or`` of its positive terms:
    a matching document's BM25F score is the sum of its matching terms' scores either way (a
    phrase scores as the ``And`` of its words, Whoosh's ``SpanNear2`` wraps that intersection).
    Measured on the ``large`` corpus: ``les habitants de la commune`` ranked in 73 ms instead of
    202 ms, ``"budget participatif"`` in 53 ms instead of 133 ms (no positions decoded), and the
    top 60 equal a full scoring of every match, which Whoosh's block skipping over ``And`` of
    ``Or`` does not always give (with ``limit=20`` it ranked some documents with part of their
    score). The ``Or`` walks every document having any of the terms: when that union is much
    larger than the matches (``tiers-lieu Alpes-de-Haute-Provence``: 23 matches), every match
    of :func:`_positive` ``(query)`` is scored instead (``limit=None``), exact and cheap for
    few matches.
    """
    terms = positive_terms(query)
    if not terms:
        return query
    union = 0
    for term in terms:
        union |= docsets.term(term.fieldname, term.text)
    if union.bit_count() > UNION_FACTOR * docsets.evaluate(query).bit_count():
        return None
    return terms[0] if len(terms) == 1 else Or(terms)


#: Rank with the ``Or`` of the terms while their union is at most this many times the matches.
UNION_FACTOR = 8
#: Many matches of a query of more terms than this (synonyms of several words, each in every
#: prose field), or whose terms' union is too wide for the ``Or``, are not ranked whole: the best
#: :data:`PICKED` by :func:`.whoosh_scoring.pick` are scored (Whoosh's collector on 60 terms walks
#: their every posting: 990 ms of CPU for « consultation … com com » on the ``large`` corpus).
PICK_TERMS = 30
PICKED = 100

#: Date sort walks the index from the newest document while the walk is expected to be short
#: (``limit * documents / matches`` steps) compared with sorting every match (``matches``).
WALK_FACTOR = 4
MIN_WALK = 5000
_DATE_ORDERS: OrderedDict[tuple[Any, ...], list[tuple[int, int]]] = OrderedDict()
_MAX_DATE_ORDERS = 64


def _segment_date_order(leaf: Searcher) -> list[tuple[int, int]]:
    """``(updated column value, document)`` pairs of a segment, newest first (then by higher
    document number, as Whoosh orders ties with ``reverse=True``); cached per segment."""
    reader = leaf.reader()
    segment = reader.segment()
    key = (segment.segment_id(), "updated") if segment is not None else (id(reader), "updated")
    found = _DATE_ORDERS.get(key)
    if found is None:
        column = reader.column_reader("updated", translate=False)
        found = sorted(((column[n], n) for n in range(reader.doc_count_all())), reverse=True)
        _DATE_ORDERS[key] = found
        while len(_DATE_ORDERS) > _MAX_DATE_ORDERS:
            _DATE_ORDERS.popitem(last=False)
    else:
        _DATE_ORDERS.move_to_end(key)
    return found


def _shifted(order: list[tuple[int, int]], offset: int) -> Iterator[tuple[int, int]]:
    for value, docnum in order:
        yield value, docnum + offset


def _newest(searcher: Searcher, matched: int, limit: int) -> list[int]:
    """The ``limit`` newest documents of ``matched``, as ``sortedby="updated", reverse=True``."""
    member = BitsFilter(matched)
    orders = [
        _shifted(_segment_date_order(leaf), offset) for leaf, offset in searcher.leaf_searchers()
    ]
    out: list[int] = []
    for _, docnum in heapq.merge(*orders, reverse=True):
        if docnum in member:
            out.append(docnum)
            if len(out) == limit:
                break
    return out


def _newest_of_matches(searcher: Searcher, matched: int, limit: int) -> list[int]:
    """The ``limit`` newest documents of ``matched`` from their dates (few matches)."""
    keyed: list[tuple[int, int]] = []
    docs = list(ids_of(matched))
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        column = leaf.reader().column_reader("updated", translate=False)
        keyed += [(column[d - offset], d) for d in docs if offset <= d < end]
    return [d for _, d in heapq.nlargest(limit, keyed)]


@lru_cache(maxsize=256)
def _terms_regex(terms: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(accent_pattern(t) for t in sorted(terms)) + ")")


def window(text: str, terms: set[str]) -> str:
    """``text``, or for a long one the part from a little before the first word starting like
    one of the analysed ``terms`` (a stem is nearly always a prefix of its words)."""
    if len(text) <= WINDOW_CHARS or not terms:
        return text
    found = _terms_regex(frozenset(terms)).search(text)
    start = 0 if found is None else max(0, found.start() - 200)
    return text[start : start + WINDOW_CHARS]


def to_hit(stored: dict[str, Any], terms: set[str]) -> SearchHit:
    """A displayed result: an excerpt of the body (or summary) around ``terms``, safe HTML."""
    get = stored.get
    body, summary = get("body", ""), get("summary", "")
    excerpt = an.snippet(window(body, terms), terms) or an.snippet(summary, terms)
    if not excerpt:
        excerpt = html.escape((get("summary") or get("body") or "")[:240])
    return SearchHit(
        stored["id"], get("kind", ""), get("title", ""), get("url"), excerpt, get("updated")
    )
