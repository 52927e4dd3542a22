"""SQL conditions for the PostgreSQL backend, built from :func:`commons.search.query.split_query`.

* words: ``plainto_tsquery('french', unaccent(mot))`` (stemmed, accents and case folded);
* phrases: ``phraseto_tsquery`` (uses the GIN index), then a regular expression on the text
  for the words in a row, unstemmed, any accents or case (``"budget participatif"`` does not
  match *budgets participatifs*, as with Whoosh); the expression lists accented letters itself,
  so it costs no per-row ``unaccent`` and does not depend on the database locale;
* ``-`` excludes; ``champ:valeur`` and ``filters=`` become column conditions;
* visibility is always one of the conditions, so counts, facets, pages and suggestions only
  ever see what the caller may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    any_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement as Column

from commons.text import fold

from .analysis import exact_tokens
from .pg_schema import UNACCENT, search_document
from .query import Part, SplitQuery, accent_pattern
from .results import check_filters

d = search_document.c
FRENCH: Column[Any] = literal_column("'french'::regconfig")
#: Exponent of the coordination factor of the any-word fallback (as :mod:`.whoosh_relaxed`).
COORD_POWER = 2
#: Added to the rank of documents matching every concept, so they come first.
COMPLETE_FIRST = 1e6
#: Rank weights for D, C, B, A (others, body, summary, title).
WEIGHTS: Column[Any] = literal_column("'{0.1, 0.2, 0.5, 1.0}'::float4[]")


def unaccent(expr: Any) -> Column[str]:
    """``commons_unaccent(expr)``."""
    return getattr(func, UNACCENT)(expr)


def visibility(signed_in: bool, group_ids: Iterable[int]) -> ColumnElement[bool]:
    """Public, plus network when signed in, plus group documents of ``group_ids``."""
    allowed: list[ColumnElement[bool]] = [d.visibility == "public"]
    if signed_in:
        allowed.append(d.visibility == "network")
    gids = sorted({int(g) for g in group_ids})
    if gids:
        allowed.append(and_(d.visibility == "group", d.group_id.in_(gids)))
    return or_(*allowed)


def tsquery(part: Part) -> Column[Any]:
    """The ``tsquery`` of a word or phrase part."""
    make = func.phraseto_tsquery if part.kind == "phrase" else func.plainto_tsquery
    return make(FRENCH, unaccent(literal(" ".join(part.tokens))))


#: Word characters for phrase boundaries, by code point (independent of the database locale).
_WORD_CHARS = "0-9A-Za-z_\u00c0-\u024f"
_GAP = f"[^{_WORD_CHARS}]+"


def phrase_pattern(tokens: Iterable[str]) -> str:
    """The words in a row, whole (PostgreSQL ARE syntax), for :func:`text_conditions`."""
    body = _GAP.join(accent_pattern(t) for t in tokens)
    return f"(?<![{_WORD_CHARS}]){body}(?![{_WORD_CHARS}])"


def alternatives_tsquery(alternatives: tuple[str, ...]) -> Column[Any]:
    """Any alternative of a concept (each: all its words, stemmed by PostgreSQL)."""
    queries = [func.plainto_tsquery(FRENCH, unaccent(literal(text))) for text in alternatives]
    return reduce(func.tsquery_or, queries)


def text_conditions(split: SplitQuery) -> tuple[list[ColumnElement[bool]], Column[Any] | None]:
    """Match conditions of the concepts (every one), phrases and exclusions, and the positive
    ``tsquery`` (for ranking and snippets; ``None`` when only exclusions were typed)."""
    conditions = _phrases_and_exclusions(split)
    positive: Column[Any] | None = None
    for q in [alternatives_tsquery(c.alternatives) for c in split.concepts] + [
        tsquery(p) for p in split.phrases
    ]:
        positive = q if positive is None else func.tsquery_and(positive, q)
    for concept in split.concepts:
        conditions.append(d.vector.bool_op("@@")(alternatives_tsquery(concept.alternatives)))
    return conditions, positive


def relaxed_conditions(
    split: SplitQuery,
) -> tuple[list[ColumnElement[bool]], Column[Any], Column[float]] | None:
    """When few or no documents match every concept: match any concept (phrases and exclusions
    still apply), the ``tsquery`` of any concept, and the rank ``ts_rank_cd × (matched
    concepts / concepts) ** 2`` (coordination, as the Whoosh backend); ``None`` for fewer
    than two concepts."""
    if len(split.concepts) < 2:
        return None
    each = [alternatives_tsquery(c.alternatives) for c in split.concepts]
    anyone = reduce(func.tsquery_or, each)
    conditions = _phrases_and_exclusions(split)
    conditions.append(d.vector.bool_op("@@")(anyone))
    covered = sum((case((d.vector.bool_op("@@")(q), 1), else_=0) for q in each), literal(0))
    coord = func.power(cast(covered, Float) / len(each), COORD_POWER)
    complete = case((covered == len(each), COMPLETE_FIRST), else_=0.0)  # every word: first
    every = reduce(func.tsquery_and, each)  # cover density (proximity) of complete matches
    score = (
        func.ts_rank_cd(WEIGHTS, d.vector, anyone)
        + func.ts_rank_cd(WEIGHTS, d.vector, every)
        + exact_bonus(split)
    ) * heading_factor(split)
    return conditions, anyone, complete + score * coord


def _phrases_and_exclusions(split: SplitQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for part in split.texts:
        if part.kind == "word" and not part.negated:
            continue  # positive words are concepts
        q = tsquery(part)
        match: ColumnElement[bool] = d.vector.bool_op("@@")(q)
        if part.kind == "phrase":
            text = func.concat_ws("\n", d.title, d.summary, d.body)
            match = and_(match, text.bool_op("~")(phrase_pattern(part.tokens)))
        conditions.append(not_(match) if part.negated else match)
    return conditions


def field_condition(index_field: str, value: str) -> ColumnElement[bool]:
    """``theme:…``, ``type:…`` and ``licence:…`` (values folded; licences any case)."""
    if index_field == "licence":
        return func.lower(d.licence) == value.strip().lower()
    folded = fold(value).strip()
    if not folded:
        return false()
    return literal(folded) == any_(d[index_field])


def field_conditions(split: SplitQuery) -> list[ColumnElement[bool]]:
    """Conditions of the ``champ:valeur`` parts (``-`` excludes)."""
    out: list[ColumnElement[bool]] = []
    for part in split.fields:
        assert part.field is not None
        cond = field_condition(part.field, part.value)
        out.append(not_(func.coalesce(cond, False)) if part.negated else cond)
    return out


def filter_conditions(filters: Any) -> list[ColumnElement[bool]]:
    """``{facet: value or values}`` -> one OR condition per facet (invalid values: nothing)."""
    out: list[ColumnElement[bool]] = []
    for name, values in check_filters(filters).items():
        terms: list[ColumnElement[bool]] = []
        for value in values:
            if name == "year":
                if str(value).strip().isdigit():
                    terms.append(d.year == int(value))
            elif name == "kind":
                terms.append(d.kind == str(value))
            else:
                terms.append(field_condition(name, str(value)))
        out.append(or_(*terms) if terms else false())
    return out


def rank(query: Column[Any] | None, split: SplitQuery | None = None) -> Column[float]:
    """``ts_rank_cd`` with the field weights (0 when nothing positive was typed), plus
    :func:`exact_bonus` of ``split``."""
    if query is None:
        return literal(0.0)
    score = func.ts_rank_cd(WEIGHTS, d.vector, query)
    if split is None:
        return score
    return (score + exact_bonus(split)) * heading_factor(split)


#: Added to the rank for each typed word found as typed (accents and case aside) in the title.
EXACT_TITLE_BONUS = 0.05


def exact_bonus(split: SplitQuery) -> Column[float]:
    """Exact forms rank above stem-only matches: a bonus for each typed word whose exact form
    is in the title (the ``tsvector`` keeps only stems; the short title is cheap to scan)."""
    words = list(dict.fromkeys(t for c in split.concepts for t in exact_tokens(c.raw)))
    if not words:
        return literal(0.0)
    return sum(
        (
            case((d.title.bool_op("~")(phrase_pattern([w])), EXACT_TITLE_BONUS), else_=0.0)
            for w in words
        ),
        literal(0.0),
    )


#: Each pair of typed words found next to each other (as stems, at most :data:`HEAD_DISTANCE`
#: positions apart: one stop word and one other word between) in the title multiplies the rank
#: by ``1 +`` :data:`TITLE_PAIR_BONUS`, in the summary by ``1 +`` :data:`SUMMARY_PAIR_BONUS`
#: (a factor: ``ts_rank_cd`` of the any-word fallback is on another scale than the strict one;
#: Whoosh: :mod:`.whoosh_bonus`). Title and summary are the ``A`` and ``B`` parts of the
#: ``tsvector`` (positions kept), so nothing is parsed again.
TITLE_PAIR_BONUS = 0.15
SUMMARY_PAIR_BONUS = 0.075
HEAD_DISTANCE = 3


def heading_factor(split: SplitQuery) -> Column[float]:
    """The factor of the typed words that follow each other in a title or a summary."""
    pairs = split.proximity
    if not pairs:
        return literal(1.0)
    title = func.ts_filter(d.vector, literal_column("'{a}'::\"char\"[]"))
    summary = func.ts_filter(d.vector, literal_column("'{b}'::\"char\"[]"))
    total: Column[float] = literal(1.0)
    for a, b in pairs:
        qa = func.plainto_tsquery(FRENCH, unaccent(literal(a)))
        qb = func.plainto_tsquery(FRENCH, unaccent(literal(b)))
        near = reduce(
            func.tsquery_or,
            [func.tsquery_phrase(qa, qb, n) for n in range(1, HEAD_DISTANCE + 1)],
        )
        total = total + case((title.bool_op("@@")(near), TITLE_PAIR_BONUS), else_=0.0)
        total = total + case((summary.bool_op("@@")(near), SUMMARY_PAIR_BONUS), else_=0.0)
    return total
