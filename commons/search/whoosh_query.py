"""User queries, visibility and facet filters as Whoosh query objects.

The parsing itself is :func:`commons.search.query.split_query`, shared with the PostgreSQL
backend; this module only builds Whoosh objects from its parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from commons.text import fold

from .analysis import analysed_tokens, exact_tokens
from .query import split_query
from .results import check_filters

#: Prose fields a plain word is looked up in (boosts come from the schema, BM25F).
TEXT_FIELDS = ("title", "summary", "body", "collectivite", "author")


@dataclass
class ParsedQuery:
    """A user query turned into Whoosh queries (``query`` is None when ``message`` explains)."""

    query: Query | None = None
    filters: list[Query] = field(default_factory=list)
    words: list[tuple[str, str]] = field(default_factory=list)  # (raw part, folded exact form)
    raw_parts: list[str] = field(default_factory=list)
    highlight_terms: set[str] = field(default_factory=set)
    message: str | None = None
    #: One query per concept (any of its alternatives), and the query matching any concept
    #: (with the phrases and exclusions), used when no document matches them all.
    concepts: list[Query] = field(default_factory=list)
    relaxed: Query | None = None
    #: The scoring terms of each alternative of each concept (a concept scores as its best
    #: alternative, :mod:`.whoosh_scoring`).
    groups: list[list[list[Term]]] = field(default_factory=list)
    expansions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: Exact forms of the typed words (``exact`` field): a bonus in ranking.
    exact_terms: list[Term] = field(default_factory=list)
    #: Pairs of typed words that follow each other: a bonus for documents where they are close
    #: (``exact`` field), when few documents are scored (:func:`.whoosh_hits.proximity_scores`).
    proximity: list[tuple[str, str]] = field(default_factory=list)
    #: The same pairs as stems, for a bonus when they follow each other in a title or summary.
    stem_pairs: list[tuple[str, str]] = field(default_factory=list)


def _words_query(stems: list[str]) -> Query:
    """Every stem, each in any prose field."""
    ands = [Or([Term(f, stem) for f in TEXT_FIELDS]) for stem in stems]
    return ands[0] if len(ands) == 1 else And(ands)


def _alternative_stems(alternatives: tuple[str, ...]) -> list[tuple[str, ...]]:
    seen: list[tuple[str, ...]] = []
    for text in alternatives:
        stems = tuple(analysed_tokens(text))
        if stems and stems not in seen:
            seen.append(stems)
    return seen


def alternative_queries(alternatives: tuple[str, ...]) -> list[Query]:
    """One query per distinct alternative of a concept: all its analysed words, anywhere (an
    expression would cost a scan of positions over the whole index)."""
    return [_words_query(list(stems)) for stems in _alternative_stems(alternatives)]


def alternative_terms(alternatives: tuple[str, ...]) -> list[list[Term]]:
    """The terms that score each alternative of a concept (every prose field of every word)."""
    return [
        [Term(f, stem) for stem in stems for f in TEXT_FIELDS]
        for stems in _alternative_stems(alternatives)
    ]


def concept_query(alternatives: tuple[str, ...]) -> Query | None:
    """Any alternative of a concept (:func:`alternative_queries`)."""
    queries = alternative_queries(alternatives)
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else Or(queries)


def _default_resolve(index_field: str, value: str) -> str | None:
    return fold(value).strip() or None


def parse_query(
    text: str,
    resolve: Callable[[str, str], str | None] = _default_resolve,
    *,
    synonyms: bool = True,
) -> ParsedQuery:
    """Whoosh queries for ``text``: words stemmed in :data:`TEXT_FIELDS` (all required),
    phrases on ``exact``, ``field:value`` parts as filters (``resolve`` normalises values)."""
    split = split_query(text, synonyms=synonyms)
    parsed = ParsedQuery(
        words=split.words,
        raw_parts=split.raw_parts,
        highlight_terms=split.highlight_terms,
        expansions=split.expansions,
    )
    if split.message:
        parsed.message = split.message
        return parsed
    for part in split.fields:
        assert part.field is not None
        if value := resolve(part.field, part.value):
            q: Query = Term(part.field, value)
            parsed.filters.append(AndNot(Every(), q) if part.negated else q)
    phrases: list[Query] = []
    negative: list[Query] = []
    for part in split.texts:
        if part.kind == "phrase":
            tokens = part.tokens
            q = Term("exact", tokens[0]) if len(tokens) == 1 else Phrase("exact", list(tokens))
        elif part.negated:
            q = And([Or([Term(f, tok) for f in TEXT_FIELDS]) for tok in part.stems])
        else:
            continue  # positive words: as concepts below
        (negative if part.negated else phrases).append(q)
    parsed.concepts = [q for c in split.concepts if (q := concept_query(c.alternatives))]
    parsed.groups = [g for c in split.concepts if (g := alternative_terms(c.alternatives))]
    parsed.exact_terms = [Term("exact", tok) for c in split.concepts for tok in exact_tokens(c.raw)]
    parsed.proximity = split.proximity
    parsed.stem_pairs = split.stem_pairs
    positive = parsed.concepts + phrases
    query: Query = And(positive) if positive else Every()
    parsed.query = AndNot(query, Or(negative)) if negative else query
    if len(parsed.concepts) >= 2:
        relaxed: Query = And([Or(parsed.concepts), *phrases]) if phrases else Or(parsed.concepts)
        parsed.relaxed = AndNot(relaxed, Or(negative)) if negative else relaxed
    return parsed


def visibility_query(signed_in: bool, group_ids: Iterable[int]) -> Query:
    """Public, plus network when signed in, plus group documents of ``group_ids``."""
    parts: list[Query] = [Term("visibility", "public")]
    if signed_in:
        parts.append(Term("visibility", "network"))
    gids = sorted({int(g) for g in group_ids})
    if gids:
        parts.append(And([Term("visibility", "group"), Or([Term("group_id", g) for g in gids])]))
    return Or(parts)


def filter_queries(
    filters: Mapping[str, Any] | None,
    resolve: Callable[[str, str], str | None] = _default_resolve,
) -> list[Query]:
    """``{facet: value or values}`` -> one OR query per facet (invalid values match nothing)."""
    out: list[Query] = []
    for name, values in check_filters(filters).items():
        terms: list[Query] = []
        for value in values:
            if name == "year":
                if str(value).strip().isdigit():
                    terms.append(Term("year", int(value)))
            elif normalised := resolve(name, str(value)):
                terms.append(Term(name, normalised))
        out.append(Or(terms) if terms else NullQuery)
    return out


def resolver(searcher: Searcher) -> Callable[[str, str], str | None]:
    """Normalise filter values; licences match their indexed case (``cc-by-4.0``)."""

    def resolve(index_field: str, value: str) -> str | None:
        if index_field != "licence":
            return fold(value).strip() or None
        for term in searcher.reader().lexicon("licence"):
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if text.lower() == value.lower():
                return text
        return value or None

    return resolve
