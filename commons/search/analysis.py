"""French text analysis for the Whoosh backend.

One chain for documents and queries (DESIGN, "Lessons already measured"):

    tokenise (keeping ``l'eau`` together) -> lower case -> drop the elision (``l'eau`` -> ``eau``)
    -> fold accents (``œ`` -> ``oe``, ``é`` -> ``e``) -> our stop words -> French Snowball stem

Folding happens *before* stemming so that ``collectivite`` and ``collectivités`` share a stem.
The stop list lives in ``content/vocabulaires/stopwords_fr.txt`` (the stock French lists lack
"les").

Whoosh pickles analysers into the index: changing the stop list or this chain requires a
``commons search reindex``.

The second half gives the tokens of user input (:mod:`commons.search.query` splits queries) and
builds safe HTML snippets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
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

from commons.text import fold

__all__ = [
    "STOPWORDS_PATH",
    "ElisionFilter",
    "FoldFilter",
    "analysed_tokens",
    "exact_analyzer",
    "exact_tokens",
    "fold",
    "french_analyzer",
    "load_stopwords",
    "snippet",
]

STOPWORDS_PATH = (
    Path(__file__).resolve().parents[2] / "content" / "vocabulaires" / "stopwords_fr.txt"
)

#: A word, possibly with inner apostrophes (``l'eau``, ``aujourd’hui``), so elisions can be
#: removed as a whole by :class:`ElisionFilter` while character offsets stay right.
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"

_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)")


@lru_cache(maxsize=200_000)
def _unelide(word: str) -> str:
    return _ELISION.sub("", word)


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    return fold(word)


class ElisionFilter(Filter):
    """Drops a French elided article or pronoun: ``l'eau`` -> ``eau``, ``qu’il`` -> ``il``.

    Expects lower-case tokens; ``aujourd'hui`` and ``presqu'île`` are left alone. Words are
    memoised: a corpus has far fewer distinct words than tokens.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if "'" in t.text or "’" in t.text:
                t.text = _unelide(t.text)
            yield t


class FoldFilter(Filter):
    """Folds accents and ligatures (NFKD, combining marks dropped, œ/æ/ß expanded), memoised."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = _fold(t.text)
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


# -- tokens for queries and snippets ---------------------------------------------------------

_FR = french_analyzer()
_EXACT = exact_analyzer()


def exact_tokens(text: str) -> list[str]:
    """Folded, unstemmed words of ``text`` (``L'Été`` -> ``["ete"]``)."""
    return [t.text for t in _EXACT(text)]


def analysed_tokens(text: str) -> list[str]:
    """Folded, stop-word-free, stemmed words of ``text`` (``budgets`` -> ``["budget"]``)."""
    return [t.text for t in _FR(text)]


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
