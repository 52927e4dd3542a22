"""Query-time vocabulary shared by both backends: public-sector synonyms and acronyms, plural
and feminine forms the French stemmer leaves apart, and the words of a question that say
nothing about its subject.

Each positive word of a query becomes a :class:`Concept`: the words as typed plus their
*alternatives* (other forms, synonyms, expansions of an acronym), as plain texts. A backend
matches a concept when any alternative matches (every word of a multi-word alternative), with
its own French analysis (Whoosh's analyser, PostgreSQL's ``plainto_tsquery``), so nothing here
depends on a backend and no reindex is needed when the list changes.

The list is ``content/vocabulaires/synonymes.yml`` (read once per process): ``equivalents``
are groups of interchangeable expressions, ``elargit`` maps a general expression to more
precise ones (one way). Expressions are compared by their analysed words (accents, case, stop
words and inflections folded), and the longest run of query words found in the list wins
(« communauté de communes » before « communes »).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from commons.text import fold

from .analysis import analysed_tokens

SYNONYMS_PATH = Path(__file__).resolve().parents[2] / "content" / "vocabulaires" / "synonymes.yml"
#: The longest expression (in words) looked up in the list.
MAX_SPAN = 5
#: At most this many alternatives per concept (the typed words first).
MAX_ALTERNATIVES = 12

#: Words of a question that do not say what it is about (query side only: documents keep
#: them). Dropped unless nothing else is left.
QUESTION_WORDS = frozenset(
    fold(w)
    for w in [
        "comment",
        "pourquoi",
        "quand",
        "quoi",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "lequel",
        "laquelle",
        "lesquels",
        "lesquelles",
        "combien",
        "faire",
        "fait",
        "faits",
        "font",
        "faut",
        "peut",
        "peuvent",
        "pouvoir",
        "doit",
        "doivent",
        "devoir",
        "veut",
        "veulent",
        "vouloir",
        "cherche",
        "cherchons",
        "chercher",
        "trouver",
        "exemple",
        "exemples",
        "idee",
        "idees",
        "possible",
        "moyen",
        "moyens",
        "manière",
        "façon",
        "est-ce",
        "quelqu",
        "quelque",
        "quelques",
        "chose",
        "choses",
        # adverbs and quantifiers of a question (prepositions stay: « entre collectivités »)
        "tres",
        "plus",
        "moins",
        "trop",
        "tout",
        "tous",
        "toute",
        "toutes",
        "autre",
        "autres",
        "comme",
        "aussi",
        "bien",
        "deja",
        "encore",
        "ainsi",
        "alors",
        "dont",
        "existe",
        "existent",
        "connait",
        "connaissez",
        "connaitre",
        "savoir",
        # how agents ask: « svp », « qqn », « merci »
        "svp",
        "stp",
        "qqn",
        "qq",
        "merci",
        "bonjour",
    ]
)

_VOWEL_S = re.compile(r"[aiou]s$")
_VOWEL_END = re.compile(r"[aiou]$")
#: ``-ue(s)`` after a letter other than ``q``/``g`` (*élue*, not *publique* or *catalogue*).
_FEMININE_UE = re.compile(r"^\w+[^qg]ues?$")


@dataclass(frozen=True)
class Concept:
    """One thing the user asked for: ``raw`` as typed, and the texts that match it
    (``alternatives``, the typed text first); ``expansions`` are the synonyms applied."""

    raw: str
    alternatives: tuple[str, ...]
    expansions: tuple[str, ...] = ()


def inflections(word: str) -> list[str]:
    """Other forms of a folded ``word`` that the French stemmer keeps apart: a final ``s``
    after a vowel (*élu* / *élus*, *vélo* / *vélos*), ``x`` plurals (*lieu* / *lieux*) and
    feminine ``-ue`` (*élue* -> *élu*, *élus*)."""
    if len(word) < 3 or not word.isalpha():
        return []
    out: list[str] = []
    if len(word) >= 4 and (_VOWEL_S.search(word) or word.endswith("x")):
        out.append(word[:-1])
    elif _VOWEL_END.search(word):
        out.append(word + "s")
        if word.endswith(("eu", "au")):
            out.append(word + "x")
    if _FEMININE_UE.search(word):
        stem = word[:-2] if word.endswith("s") else word[:-1]
        out += [stem, stem + "s"]
    return out


def key(text: str) -> tuple[str, ...]:
    """How an expression is compared: its analysed words."""
    return tuple(analysed_tokens(text))


@lru_cache(maxsize=4)
def load(path: Path = SYNONYMS_PATH) -> dict[tuple[str, ...], tuple[str, ...]]:
    """``{analysed expression: other expressions}`` from the YAML list (empty when absent)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[tuple[str, ...], list[str]] = {}

    def add(source: str, targets: Iterable[str]) -> None:
        k = key(source)
        if not k:
            return
        known = table.setdefault(k, [])
        for target in targets:
            if key(target) and key(target) != k and target not in known:
                known.append(target)

    for group in data.get("equivalents") or []:
        words = [str(w) for w in group]
        for word in words:
            add(word, words)
    for source, targets in (data.get("elargit") or {}).items():
        add(str(source), [str(t) for t in targets])
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=4)
def load_ignored(path: Path = SYNONYMS_PATH) -> frozenset[tuple[str, ...]]:
    """The analysed expressions of the list's ``ignorer`` section (« retour d'expérience »,
    « rex »: every REX is one), left out of queries unless nothing else is typed."""
    if not path.is_file():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(k for text in data.get("ignorer") or [] if (k := key(str(text))))


def _without_ignored(words: list[str]) -> list[str]:
    """``words`` without the runs of :func:`load_ignored` (the longest run first)."""
    ignored = load_ignored()
    if not ignored:
        return words
    kept: list[str] = []
    i = 0
    while i < len(words):
        for span in range(min(MAX_SPAN, len(words) - i), 0, -1):
            if key(" ".join(words[i : i + span])) in ignored:
                i += span
                break
        else:
            kept.append(words[i])
            i += 1
    return kept


def _single(text: str) -> Concept:
    alternatives = [text]
    words = text.split()
    if len(words) == 1:
        alternatives += inflections(fold(words[0].lower()))
    return Concept(text, tuple(alternatives))


def concepts(words: list[str], *, synonyms: bool = True) -> list[Concept]:
    """The concepts of the positive words of a query, in order (see the module docstring);
    ``synonyms=False``: other forms only."""
    kept = [w for w in words if fold(w.lower()) not in QUESTION_WORDS] or list(words)
    kept = _without_ignored(kept) or kept
    table = load() if synonyms else {}
    out: list[Concept] = []
    i = 0
    while i < len(kept):
        for span in range(min(MAX_SPAN, len(kept) - i), 0, -1):
            text = " ".join(kept[i : i + span])
            found = table.get(key(text))
            if found:
                alternatives = [text, *found]
                if span == 1:
                    alternatives[1:1] = inflections(fold(text.lower()))
                unique = list(dict.fromkeys(alternatives))[:MAX_ALTERNATIVES]
                out.append(Concept(text, tuple(unique), tuple(found)))
                i += span
                break
        else:
            out.append(_single(kept[i]))
            i += 1
    return out
