"""Structural limits, counted in linear time before any parser runs.

Python-Markdown, ``html.parser`` and html5lib have super-linear paths (``[[[[…``, thousands of
nested tags, headings cut one by one from a long block...), and their linear cost is paid per
element they build (tens of microseconds each in Python-Markdown, and again in bleach). The
limits below close the super-linear paths one by one, and ``elements`` caps the elements a
document can build in all: each construct counts for the elements it produces (a block, each
level a list line opens, a table row and its cells, a tag, a heading and its contents entries,
a fence, a footnote, half of its inline markers), so no mixture of allowed constructs costs
more than the worst single one (``tests/benchmarks/bench_markup.py``)."""

from __future__ import annotations

import re
from collections import Counter

#: The size limit of what people write (REX, previews); checked by the callers.
MAX_SOURCE_BYTES = 200 * 1024
#: The largest source rendered with its layout (imported files may be a little larger).
MAX_RENDER_BYTES = 256 * 1024
#: Structural limits, counted before any parser runs (see :func:`structure_problem`).
LIMITS = {
    "line": 10_000,  # characters in one line
    "block": 20_000,  # characters in one block (between blank lines)
    "nesting": 16,  # levels of lists and quotes on a line, and of open HTML tags
    "list_items": 5_000,  # list items and quoted lines
    "tags": 2_000,  # HTML tags and comments
    "markup": 2_000,  # characters that start inline markup (* _ ` [ ] ( ) \\ !) in a block
    "angles": 500,  # "<", ">" and "&" in a block (html5lib rebuilds a text run at each)
    "links": 2_500,  # links, images, wikilinks and link references
    "brackets": 200,  # "[" or "](" left open in a block (each is scanned to the block's end)
    "footnotes": 1_000,  # footnote references and definitions
    "footnote_uses": 20,  # references to one same footnote (numbering is quadratic in them)
    "table_cells": 5_000,  # cells of all tables ("|a|b|" is two)
    "headings": 1_000,  # headings (each enters the table of contents)
    "tocs": 1,  # [TOC] markers
    "fences": 1_000,  # code fences (each rebuilds the document)
    "elements": 6_000,  # elements built in all (see the module's docstring and measure())
}
_MESSAGES = {
    "size": "le texte dépasse {limit} octets",
    "line": "une ligne dépasse {limit} caractères",
    "block": "un paragraphe dépasse {limit} caractères",
    "nesting": "l'imbrication (listes, citations ou balises) dépasse {limit} niveaux",
    "list_items": "le texte contient plus de {limit} éléments de liste ou lignes citées",
    "tags": "le texte contient plus de {limit} balises HTML",
    "markup": "un paragraphe contient plus de {limit} caractères de mise en forme",
    "angles": "un paragraphe contient plus de {limit} caractères <, > ou &",
    "links": "le texte contient plus de {limit} liens",
    "brackets": "un paragraphe laisse plus de {limit} crochets ouverts",
    "footnotes": "le texte contient plus de {limit} appels ou définitions de notes",
    "footnote_uses": "une même note est appelée plus de {limit} fois",
    "table_cells": "les tableaux comptent plus de {limit} cellules",
    "headings": "le texte contient plus de {limit} titres",
    "tocs": "le texte contient plus de {limit} sommaire [TOC]",
    "fences": "le texte contient plus de {limit} blocs de code",
    "elements": (
        "le texte compte plus de {limit} éléments de mise en page (paragraphes, éléments de "
        "liste, titres, cellules de tableau, notes, liens, emphases)"
    ),
}
_BLANK = re.compile(r"\n[ \t]*\n")
_QUOTES_AND_LISTS = re.compile(r"^(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])))+", re.M)
_LEVEL = re.compile(r">|[*+-]|\d{1,9}[.)]")
_TAGS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>|<([A-Za-z][A-Za-z0-9-]*)|<!--")
_VOID = re.compile(r"area|base|br|col|embed|hr|img|input|link|meta|source|wbr", re.I)
_LINKS = re.compile(r"\]\(|\]\[|\[\[|<https?:|^ {0,3}\[[^\]\n]{1,200}\]:", re.M)
_FOOTNOTES = re.compile(r"\[\^")
_NOTE_CALLS = re.compile(r"\[\^([^\]\n]{0,100})\](?!:)")
_HEADINGS_RE = re.compile(r"^ {0,3}(?:#|[=-]+[ \t]*$)", re.M)
_FENCES = re.compile(r"^ {0,3}(?:```|~~~)", re.M)
_MARKUP = re.compile(r"[*_`\[\]()\\!]")
_ANGLES = re.compile(r"[<>&]")
_OPENERS = re.compile(r"\]\(|[\[\])]")
_ITEMS = re.compile(r"^[ \t]*(?:>|[*+-][ \t]|\d{1,9}[.)][ \t])", re.M)


def _levels(line_start: str) -> int:
    """Nesting levels given by indentation and markers at the start of a line."""
    indent = len(line_start) - len(line_start.lstrip(" \t"))
    return len(_LEVEL.findall(line_start)) + line_start[:indent].expandtabs(4).count("    ")


def _tag_depth(text: str) -> tuple[int, int]:
    """(tags, deepest nesting of open non-void HTML tags)."""
    depth = deepest = tags = 0
    for m in _TAGS.finditer(text):
        tags += 1
        closing, name, self_closing, bare = m.groups()
        name = name or bare
        if name is None or _VOID.fullmatch(name) or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return tags, deepest


def _open_brackets(block: str) -> int:
    """ "[" and "](" never closed in a block (Python-Markdown rescans from each to its end)."""
    brackets = groups = 0
    for m in _OPENERS.finditer(block):
        token = m.group()
        if token == "[":
            brackets += 1
        elif token == "](":
            brackets, groups = max(brackets - 1, 0), groups + 1
        elif token == "]":
            brackets = max(brackets - 1, 0)
        elif token == ")":
            groups = max(groups - 1, 0)
    return brackets + groups


def measure(text: str) -> dict[str, int]:
    """The structure of ``text``, counted in linear time, keyed like :data:`LIMITS`."""
    blocks, lines = _BLANK.split(text), text.split("\n")
    tags, tag_depth = _tag_depth(text)
    levels = [_levels(m.group()) for m in _QUOTES_AND_LISTS.finditer(text)]
    markup = [len(_MARKUP.findall(b)) for b in blocks]
    rows = [line.count("|") for line in lines if "|" in line]
    counted = {
        "size": len(text.encode("utf-8", "replace")),
        "line": max((len(line) for line in lines), default=0),
        "block": max((len(b) for b in blocks), default=0),
        "nesting": max(max(levels, default=0), tag_depth),
        "list_items": len(_ITEMS.findall(text)),
        "tags": tags,
        "markup": max(markup, default=0),
        "angles": max((len(_ANGLES.findall(b)) for b in blocks), default=0),
        "links": len(_LINKS.findall(text)),
        "brackets": max((_open_brackets(b) for b in blocks), default=0),
        "footnotes": len(_FOOTNOTES.findall(text)),
        "footnote_uses": max(Counter(_NOTE_CALLS.findall(text)).values(), default=0),
        "table_cells": sum(max(bars - 1, 1) for bars in rows),
        "headings": len(_HEADINGS_RE.findall(text)),
        "tocs": text.count("[TOC]"),
        "fences": len(_FENCES.findall(text)),
    }
    # Elements built: a block, each level a list or quote line opens, a table row and its
    # cells, a tag, a heading and its two in the table of contents (built even without [TOC]),
    # a fence, a footnote, and a pair of inline markers each.
    built = ("tags", "footnotes", "table_cells", "headings", "fences")
    counted["elements"] = (
        sum(1 for b in blocks if b.strip())
        + sum(levels)
        + 2 * counted["headings"]
        + len(rows)
        + sum(counted[k] for k in built)
        + sum(markup) // 2
    )
    return counted


def problem(text: str) -> str | None:
    """The first limit ``text`` (already cleaned) passes, as a French clause, or ``None``."""
    counted = measure(text)
    for name, limit in {"size": MAX_RENDER_BYTES, **LIMITS}.items():
        if counted[name] > limit:
            return _MESSAGES[name].format(limit=f"{limit:,}".replace(",", "\u202f"))
    return None
