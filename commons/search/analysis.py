"""French text analysis for the Whoosh backend.

One chain for documents and queries (DESIGN, "Lessons already measured"):

    tokenise (keeping ``l'eau`` together) -> lower case -> drop the elision (``l'eau`` -> ``eau``)
    -> fold accents (``œ`` -> ``oe``, ``é`` -> ``e``) -> our stop words -> French Snowball stem

Folding happens *before* stemming so that ``collectivite`` and ``collectivités`` share a stem.
The stop list lives in ``content/vocabulaires/stopwords_fr.txt`` (the stock French lists lack
"les").

Whoosh pickles analysers into the index: changing the stop list or this chain requires a
``commons search reindex``.

The second half turns user input into Whoosh queries (:func:`parse_query`, the visibility and
facet filters) and builds safe HTML snippets; it never raises on user input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Term

from commons.text import fold

__all__ = [
    "STOPWORDS_PATH",
    "ElisionFilter",
    "FoldFilter",
    "ParsedQuery",
    "exact_analyzer",
    "filter_queries",
    "fold",
    "french_analyzer",
    "load_stopwords",
    "parse_query",
    "snippet",
    "visibility_query",
]

STOPWORDS_PATH = (
    Path(__file__).resolve().parents[2] / "content" / "vocabulaires" / "stopwords_fr.txt"
)

#: A word, possibly with inner apostrophes (``l'eau``, ``aujourd’hui``), so elisions can be
#: removed as a whole by :class:`ElisionFilter` while character offsets stay right.
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"

_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)")


class ElisionFilter(Filter):
    """Drops a French elided article or pronoun: ``l'eau`` -> ``eau``, ``qu’il`` -> ``il``.

    Expects lower-case tokens; ``aujourd'hui`` and ``presqu'île`` are left alone.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = _ELISION.sub("", t.text)
            yield t


class FoldFilter(Filter):
    """Folds accents and ligatures (NFKD, combining marks dropped, œ/æ/ß expanded)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            yield t


@lru_cache(maxsize=4)
def load_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """The folded stop words of ``path`` (one per line, ``#`` comments)."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold(line))
    return frozenset(words)


def _base_chain() -> Analyzer:
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | ElisionFilter() | FoldFilter()


def french_analyzer() -> Analyzer:
    """Analyser for prose fields: tokenise, lower, elision, fold, stop words, French stem."""
    return (
        _base_chain()
        | StopFilter(stoplist=load_stopwords(), minsize=1)
        | StemFilter(lang="fr", cachesize=50000)
    )


def exact_analyzer() -> Analyzer:
    """Analyser for phrase/exact fields: tokenise, lower, elision, fold; no stop words, no stem."""
    return _base_chain()


# -- user queries ------------------------------------------------------------------------------

#: Prose fields a plain word is looked up in (boosts come from the schema, BM25F).
TEXT_FIELDS = ("title", "summary", "body", "collectivite", "author")
#: Query prefixes users may type (``theme:mobilite``) -> index field.
FIELD_ALIASES = {"theme": "themes", "thème": "themes", "type": "kind_coll", "licence": "licence"}
MAX_QUERY_CHARS = 1000
MAX_PARTS = 32

_FR = french_analyzer()
_EXACT = exact_analyzer()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: One query part: optional ``-``, then a "phrase", a field:value or a bare word.
_PART = re.compile(r'(-?)(?:"([^"]*)"?|([^\W\d_]+):("[^"]*"?|[^\s"]+)|([^\s"]+))')


@dataclass
class ParsedQuery:
    """A user query turned into Whoosh queries (``query`` is None when ``message`` explains)."""

    query: Query | None = None
    filters: list[Query] = field(default_factory=list)
    words: list[tuple[str, str]] = field(default_factory=list)  # (raw part, folded exact form)
    raw_parts: list[str] = field(default_factory=list)
    highlight_terms: set[str] = field(default_factory=set)
    message: str | None = None


def _tokens(analyzer: Any, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


def _default_resolve(index_field: str, value: str) -> str | None:
    return fold(value).strip() or None


def parse_query(
    text: str, resolve: Callable[[str, str], str | None] = _default_resolve
) -> ParsedQuery:
    """Parse ``mots "une phrase" -exclu theme:mobilite type:metropole licence:…``.

    Words are searched (stemmed) in :data:`TEXT_FIELDS`, all required; phrases on ``exact``;
    ``field:value`` parts become filters (``resolve`` normalises the value). Never raises.
    """
    parsed = ParsedQuery()
    if len(text) > MAX_QUERY_CHARS:
        parsed.message = "La recherche est trop longue : 1 000 caractères au plus."
        return parsed
    text = _CONTROL.sub(" ", text)
    positive: list[Query] = []
    negative: list[Query] = []
    saw_stop_word = False
    for match in list(_PART.finditer(text))[:MAX_PARTS]:
        neg, phrase, fname, fvalue, word = match.groups()
        parsed.raw_parts.append(match.group(0))
        if fname is not None and fname.lower() not in FIELD_ALIASES:
            word, fname = match.group(0)[len(neg) :], None
        if fname is not None:
            index_field = FIELD_ALIASES[fname.lower()]
            if value := resolve(index_field, fvalue.strip('"')):
                q: Query = Term(index_field, value)
                parsed.filters.append(AndNot(Every(), q) if neg else q)
            continue
        source = phrase if phrase is not None else word
        tokens = _tokens(_EXACT if phrase is not None else _FR, source)
        if not tokens:
            saw_stop_word = saw_stop_word or bool(_tokens(_EXACT, source))
            continue
        if phrase is not None:
            q = Term("exact", tokens[0]) if len(tokens) == 1 else Phrase("exact", tokens)
        else:
            q = And([Or([Term(f, tok) for f in TEXT_FIELDS]) for tok in tokens])
        (negative if neg else positive).append(q)
        if not neg:
            parsed.highlight_terms.update(_tokens(_FR, source))
            exact = _tokens(_EXACT, source)
            if phrase is None and len(exact) == 1:
                parsed.words.append((match.group(0), exact[0]))
    if not positive and not parsed.filters:
        parsed.message = (
            "Les mots saisis sont trop courants pour être recherchés : précisez."
            if saw_stop_word
            else "Saisissez un ou plusieurs mots à rechercher."
        )
        return parsed
    query: Query = And(positive) if positive else Every()
    parsed.query = AndNot(query, Or(negative)) if negative else query
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
    filters: Mapping[str, Any],
    allowed: Iterable[str],
    resolve: Callable[[str, str], str | None] = _default_resolve,
) -> list[Query]:
    """``{facet: value or values}`` -> one OR query per facet (invalid values match nothing)."""
    out: list[Query] = []
    for name, values in filters.items():
        if name not in allowed:
            raise ValueError(f"unknown search filter {name!r}")
        if isinstance(values, (str, int)):
            values = [values]
        terms: list[Query] = []
        for value in values:
            if name == "year":
                if str(value).strip().isdigit():
                    terms.append(Term("year", int(value)))
            elif normalised := resolve(name, str(value)):
                terms.append(Term(name, normalised))
        out.append(Or(terms) if terms else NullQuery)
    return out


class _MarkFormatter(Formatter):
    """Escapes everything and wraps matches in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


def snippet(text: str, terms: set[str], maxchars: int = 240) -> str:
    """Safe HTML excerpt of ``text`` around analysed ``terms`` ("" when none occurs)."""
    if not text or not terms:
        return ""
    fragmenter = ContextFragmenter(maxchars=maxchars, surround=60)
    return str(highlight(text, terms, _FR, fragmenter, _MarkFormatter(), top=2))
