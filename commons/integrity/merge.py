"""Three-way merges, the one piece of code every edit path goes through.

:func:`merge` merges two texts line by line (like diff3); :func:`merge_fields` merges a whole
form: for each field, a value changed only by the other person keeps their value, a value
changed only by me takes mine, and a value changed by both differently is a
:class:`FieldConflict` shown to the user (long texts are first merged line by line, and are a
conflict only when their changes overlap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from merge3 import Merge3


@dataclass(frozen=True)
class MergeResult:
    """The merged text, and whether some region changed on both sides differently."""

    text: str
    conflicts: int


def lines_of(text: str) -> list[str]:
    """The lines of ``text``, each ending with a newline (the last one too)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def merge(base: str, theirs: str, mine: str) -> MergeResult:
    """Merge ``mine`` (based on ``base``) with ``theirs`` (saved meanwhile on top of ``base``).

    Non-overlapping changes are combined; overlapping ones are counted as conflicts and the
    returned text then contains ``<<<<<<<``/``=======``/``>>>>>>>`` markers (never saved as is).
    """
    if theirs == base or mine == theirs:
        return MergeResult(mine, 0)
    if mine == base:
        return MergeResult(theirs, 0)
    m3 = Merge3(lines_of(base), lines_of(theirs), lines_of(mine))
    conflicts = sum(1 for region in m3.merge_regions() if region[0] == "conflict")
    text = "".join(
        m3.merge_lines(
            name_a="version enregistrée entre-temps",
            name_b="votre version",
            start_marker="<<<<<<<",
            mid_marker="=======",
            end_marker=">>>>>>>",
        )
    )
    return MergeResult(text.rstrip("\n") + "\n" if text else text, conflicts)


@dataclass(frozen=True)
class Meanwhile:
    """A change saved while someone was writing, as the conflict page names it: its version
    number (0 when the item shows none), author (as the reader may see them), time and edit
    summary."""

    number: int
    author: str
    when: datetime
    comment: str = ""


@dataclass(frozen=True)
class FieldConflict:
    """One field changed by both sides differently: both values, and for a text the merge
    with conflict markers."""

    name: str
    theirs: Any
    mine: Any
    merged: str = ""


@dataclass
class FieldsMerge:
    """The values to save, the conflicts (nothing may be saved while there are some) and the
    fields whose value came from the other person's change."""

    values: dict[str, Any]
    conflicts: list[FieldConflict] = field(default_factory=list)
    theirs_kept: list[str] = field(default_factory=list)

    @property
    def merged(self) -> bool:
        """Whether a concurrent change was combined with mine."""
        return bool(self.theirs_kept)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple, set)) and isinstance(b, (list, tuple, set)):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def merge_fields(
    base: Mapping[str, Any],
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    *,
    texts: Iterable[str] = (),
) -> FieldsMerge:
    """Merge the fields of ``mine`` (edited from ``base``) with ``theirs`` (the current values).

    A field missing from ``base`` is taken to be unchanged by the other side (its base is the
    current value): callers always pass the base of every field they let the user edit.
    ``texts`` names the multi-line fields merged line by line.
    """
    texts = set(texts)
    result = FieldsMerge(values={})
    for name, my_value in mine.items():
        current = theirs[name]
        original = base.get(name, current)
        if _same(current, original) or _same(my_value, current):
            result.values[name] = my_value
        elif _same(my_value, original):
            result.values[name] = current
            result.theirs_kept.append(name)
        elif name in texts:
            merged = merge(str(original), str(current), str(my_value))
            if merged.conflicts:
                result.conflicts.append(FieldConflict(name, current, my_value, merged.text))
            else:
                text = merged.text if str(my_value).endswith("\n") else merged.text.rstrip("\n")
                result.values[name] = text
                result.theirs_kept.append(name)
        else:
            result.conflicts.append(FieldConflict(name, current, my_value))
    return result
