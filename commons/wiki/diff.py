"""Readable diffs between two REX sources: lines with :mod:`difflib`, then words inside the
lines that changed.

Pure functions returning plain data (rows of segments); the template escapes and renders them.
A changed line is shown once, with the removed words in ``<del>`` and the added ones in
``<ins>``; lines too different to be paired are shown as one removed line and one added line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

SegmentKind = Literal["equal", "delete", "insert"]
RowKind = Literal["context", "delete", "insert", "change", "skip"]

#: Unchanged lines kept around each change.
CONTEXT = 3
#: Below this similarity two lines are shown as a removal and an addition, not as one change.
PAIR_RATIO = 0.4
#: Above this many tokens in a pair of lines, word-level comparison is skipped (cost bound).
MAX_WORD_TOKENS = 4000

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    """A run of text in a line: unchanged, removed or added."""

    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class Row:
    """One row of the diff.

    ``context``: unchanged line; ``delete`` / ``insert``: whole line removed / added;
    ``change``: a line edited in place (its segments mix equal, removed and added words);
    ``skip``: ``skipped`` unchanged lines not shown. Line numbers are 1-based, ``None`` when the
    line does not exist on that side.
    """

    kind: RowKind
    old_number: int | None = None
    new_number: int | None = None
    segments: tuple[Segment, ...] = ()
    skipped: int = 0


@dataclass
class Diff:
    """The rows of a diff and how many lines were removed, added and changed."""

    rows: list[Row] = field(default_factory=list)
    removed: int = 0
    added: int = 0
    changed: int = 0

    @property
    def identical(self) -> bool:
        """Whether both texts are the same."""
        return not (self.removed or self.added or self.changed)


def tokenize(text: str) -> list[str]:
    """Split a line into words, runs of whitespace and single punctuation marks.

    >>> tokenize("Le chat, noir.")
    ['Le', ' ', 'chat', ',', ' ', 'noir', '.']
    """
    return _TOKEN.findall(text)


def _merge(segments: list[Segment]) -> tuple[Segment, ...]:
    """Join neighbouring segments of the same kind and drop empty ones."""
    out: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if out and out[-1].kind == seg.kind:
            out[-1] = Segment(seg.kind, out[-1].text + seg.text)
        else:
            out.append(seg)
    return tuple(out)


def _word_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Token opcodes where a lone run of spaces between two changes joins the change, so that
    "chat noir" -> "chien blanc" reads as one removal and one addition."""
    codes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    out: list[tuple[str, int, int, int, int]] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        lone_space = (
            tag == "equal" and 0 < n < len(codes) - 1 and all(tok.isspace() for tok in old[i1:i2])
        )
        if (tag != "equal" or lone_space) and out and out[-1][0] != "equal":
            _, a1, _, b1, _ = out[-1]
            out[-1] = ("replace", a1, i2, b1, j2)
        else:
            out.append((tag, i1, i2, j1, j2))
    return out


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Segments turning line ``old`` into line ``new``: equal text, removed words, added words.

    >>> [(s.kind, s.text) for s in word_diff("Le chat dort", "Le chien dort")]
    [('equal', 'Le '), ('delete', 'chat'), ('insert', 'chien'), ('equal', ' dort')]
    """
    a, b = tokenize(old), tokenize(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in _word_opcodes(a, b):
        if tag == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
        else:
            segments.append(Segment("delete", "".join(a[i1:i2])))
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(segments)


def similarity(old: str, new: str) -> float:
    """How alike two lines are, from 0 to 1, compared word by word."""
    if not old and not new:
        return 1.0
    return SequenceMatcher(None, tokenize(old), tokenize(new), autojunk=False).ratio()


def _pairable(old: str, new: str) -> bool:
    if len(tokenize(old)) + len(tokenize(new)) > MAX_WORD_TOKENS:
        return False
    return bool(old.strip() and new.strip()) and similarity(old, new) >= PAIR_RATIO


def _replace_rows(diff: Diff, old: list[str], new: list[str], i: int, j: int) -> None:
    """Rows for a block of old lines replaced by new ones: similar lines paired in order."""
    pairs = min(len(old), len(new))
    pending_new: list[Row] = []
    for k in range(max(len(old), len(new))):
        if k < pairs and _pairable(old[k], new[k]):
            diff.rows.extend(pending_new)
            pending_new = []
            diff.rows.append(Row("change", i + k + 1, j + k + 1, word_diff(old[k], new[k])))
            diff.changed += 1
            continue
        if k < len(old):
            diff.rows.append(Row("delete", i + k + 1, None, (Segment("delete", old[k]),)))
            diff.removed += 1
        if k < len(new):
            pending_new.append(Row("insert", None, j + k + 1, (Segment("insert", new[k]),)))
            diff.added += 1
    diff.rows.extend(pending_new)


def line_diff(old: str, new: str, context: int = CONTEXT) -> Diff:
    """Compare two texts line by line, keeping ``context`` unchanged lines around each change
    and summarising the others as ``skip`` rows."""
    a, b = old.splitlines(), new.splitlines()
    diff = Diff()
    if a == b:
        return diff
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    last_old = 0
    for group in matcher.get_grouped_opcodes(context):
        first = group[0]
        if first[1] > last_old:
            diff.rows.append(Row("skip", skipped=first[1] - last_old))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    line = (Segment("equal", a[i1 + k]),)
                    diff.rows.append(Row("context", i1 + k + 1, j1 + k + 1, line))
            elif tag == "replace":
                _replace_rows(diff, a[i1:i2], b[j1:j2], i1, j1)
            elif tag == "delete":
                for k in range(i1, i2):
                    diff.rows.append(Row("delete", k + 1, None, (Segment("delete", a[k]),)))
                    diff.removed += 1
            else:
                for k in range(j1, j2):
                    diff.rows.append(Row("insert", None, k + 1, (Segment("insert", b[k]),)))
                    diff.added += 1
        last_old = group[-1][2]
    if diff.rows and last_old < len(a):
        diff.rows.append(Row("skip", skipped=len(a) - last_old))
    return diff
