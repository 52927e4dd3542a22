"""Three-way merge of REX texts (line-based, like diff3), used when two people edit at once."""

from __future__ import annotations

from dataclasses import dataclass

from merge3 import Merge3


@dataclass(frozen=True)
class MergeResult:
    """The merged text, and whether some region changed on both sides differently."""

    text: str
    conflicts: int


def _lines(text: str) -> list[str]:
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
    m3 = Merge3(_lines(base), _lines(theirs), _lines(mine))
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
