"""The query syntax users type, split into backend-neutral parts.

``mots "une phrase" -exclu theme:mobilite type:metropole licence:etalab-2.0``: words (all
required, stemmed, with their other forms and synonyms, see :mod:`.vocabulary`; when few or no
documents have them all, the backends add those that have the most), phrases (exact words in a
row), ``-`` to exclude a word, a phrase or a field value, and ``champ:valeur`` filters. Each
backend turns a :class:`SplitQuery` into its own query (Whoosh objects, or a PostgreSQL
``tsquery``). Never raises on user input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commons.text import fold

from .analysis import analysed_tokens, exact_tokens
from .vocabulary import Concept, concepts

#: Query prefixes users may type (``theme:mobilite``) -> index field.
FIELD_ALIASES = {"theme": "themes", "thème": "themes", "type": "kind_coll", "licence": "licence"}
MAX_QUERY_CHARS = 1000
MAX_PARTS = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: One query part: optional ``-``, then a "phrase", a field:value or a bare word.
_PART = re.compile(r'(-?)(?:"([^"]*)"?|([^\W\d_]+):("[^"]*"?|[^\s"]+)|([^\s"]+))')


def _letter_classes() -> dict[str, str]:
    """``e`` -> ``[eEèÈéÉ…]``: every Latin letter that folds to it, in both cases."""
    variants: dict[str, set[str]] = {c: {c, c.upper()} for c in "abcdefghijklmnopqrstuvwxyz"}
    for code in range(0xC0, 0x250):
        folded = fold(chr(code))
        if folded in variants:
            variants[folded].add(chr(code))
    return {k: "[" + "".join(sorted(v)) + "]" for k, v in variants.items()}


_LETTERS = _letter_classes()
_LIGATURES = {"oe": "[œŒ]", "ae": "[æÆ]", "ss": "ß"}


def accent_pattern(token: str) -> str:
    """A regular expression (Python and PostgreSQL syntax) for a folded token in the original
    text, with any accents or case: ``ete`` matches *Été*, ``oeuvre`` matches *œuvre*."""
    out, i = [], 0
    while i < len(token):
        pair = token[i : i + 2]
        if pair in _LIGATURES:
            out.append(f"(?:{_LETTERS[pair[0]]}{_LETTERS[pair[1]]}|{_LIGATURES[pair]})")
            i += 2
            continue
        out.append(_LETTERS.get(token[i], re.escape(token[i])))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Part:
    """One usable part: a ``word``, a ``phrase`` or a ``field`` filter.

    ``tokens`` are the folded, unstemmed words (for words and phrases); ``stems`` the French
    analysed ones (words only); ``field``/``value`` the index field and the value as typed.
    """

    kind: str
    negated: bool
    raw: str
    tokens: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()
    field: str | None = None
    value: str = ""


@dataclass
class SplitQuery:
    """A user query in parts; ``message`` (French) explains why there is nothing to search."""

    parts: list[Part] = field(default_factory=list)
    raw_parts: list[str] = field(default_factory=list)
    #: Single positive words as (raw part, folded exact form): candidates for suggestions.
    words: list[tuple[str, str]] = field(default_factory=list)
    message: str | None = None
    #: The positive words as concepts (forms, synonyms; see :mod:`.vocabulary`): each must
    #: match, or, when no document matches them all, as many as possible.
    concepts: list[Concept] = field(default_factory=list)

    @property
    def texts(self) -> list[Part]:
        """Word and phrase parts."""
        return [p for p in self.parts if p.kind != "field"]

    @property
    def fields(self) -> list[Part]:
        """Field filter parts."""
        return [p for p in self.parts if p.kind == "field"]

    @property
    def highlight_terms(self) -> set[str]:
        """Analysed forms of the positive words, their alternatives and the phrases (for
        Whoosh snippets)."""
        terms = {s for p in self.texts if not p.negated for s in p.stems}
        for concept in self.concepts:
            for alternative in concept.alternatives:
                terms.update(analysed_tokens(alternative))
        return terms

    @property
    def phrases(self) -> list[Part]:
        """Positive phrase parts (always required)."""
        return [p for p in self.texts if p.kind == "phrase" and not p.negated]

    @property
    def exclusions(self) -> list[Part]:
        """Negated word and phrase parts."""
        return [p for p in self.texts if p.negated]

    @property
    def proximity(self) -> list[tuple[str, str]]:
        """Pairs of folded typed words that follow each other in the query (across and inside
        concepts): documents where they are close rank higher."""
        words = [exact_tokens(c.raw) for c in self.concepts]
        pairs: list[tuple[str, str]] = []
        for i, tokens in enumerate(words):
            pairs += list(zip(tokens, tokens[1:], strict=False))
            if i + 1 < len(words) and tokens and words[i + 1]:
                pairs.append((tokens[-1], words[i + 1][0]))
        return list(dict.fromkeys(pairs))

    @property
    def stem_pairs(self) -> list[tuple[str, str]]:
        """:attr:`proximity` as French analysed stems (``laboratoires`` -> ``laboratoir``),
        for the bonus of typed words found next to each other in a title or a summary."""
        pairs: list[tuple[str, str]] = []
        for a, b in self.proximity:
            sa, sb = analysed_tokens(a), analysed_tokens(b)
            if sa and sb and sa[0] != sb[0]:
                pairs.append((sa[0], sb[0]))
        return list(dict.fromkeys(pairs))

    @property
    def expansions(self) -> list[tuple[str, tuple[str, ...]]]:
        """``(word as typed, synonyms)`` applied, for the results page."""
        return [(c.raw, c.expansions) for c in self.concepts if c.expansions]


def split_query(text: str, *, synonyms: bool = True) -> SplitQuery:
    """Split ``text`` into parts; words that are only stop words and empty filters are dropped.
    ``synonyms=False``: concepts get their other forms but not the vocabulary's synonyms."""
    out = SplitQuery()
    if len(text) > MAX_QUERY_CHARS:
        out.message = "La recherche est trop longue : 1 000 caractères au plus."
        return out
    text = _CONTROL.sub(" ", text)
    saw_stop_word = False
    for match in list(_PART.finditer(text))[:MAX_PARTS]:
        neg, phrase, fname, fvalue, word = match.groups()
        raw = match.group(0)
        out.raw_parts.append(raw)
        negated = bool(neg)
        if fname is not None and fname.lower() not in FIELD_ALIASES:
            word, fname = raw[len(neg) :], None
        if fname is not None:
            value = fvalue.strip('"').strip()
            if value:
                index_field = FIELD_ALIASES[fname.lower()]
                out.parts.append(Part("field", negated, raw, field=index_field, value=value))
            continue
        source = phrase if phrase is not None else word
        exact = tuple(exact_tokens(source))
        stems = tuple(analysed_tokens(source))
        if not (exact if phrase is not None else stems):
            saw_stop_word = saw_stop_word or bool(exact)
            continue
        kind = "phrase" if phrase is not None else "word"
        out.parts.append(Part(kind, negated, raw, tokens=exact, stems=stems))
        if kind == "word" and not negated and len(exact) == 1:
            out.words.append((raw, exact[0]))
    positive = [p for p in out.texts if p.kind == "word" and not p.negated]
    out.concepts = concepts([" ".join(p.tokens) for p in positive], synonyms=synonyms)
    if not any(not p.negated for p in out.texts) and not out.fields:
        out.message = (
            "Les mots saisis sont trop courants pour être recherchés : précisez."
            if saw_stop_word
            else "Saisissez un ou plusieurs mots à rechercher."
        )
    return out
