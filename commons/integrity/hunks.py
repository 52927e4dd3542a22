"""Resolving an edit conflict passage by passage (MediaWiki's edit-conflict resolution).

:func:`blocks` cuts the three-way merge of a text into passages: those merged automatically
(changed on one side only, or identically on both) and the conflicting ones, changed on both
sides differently. :func:`compose` writes the text back from the person's choice for each
conflicting passage: their own version (``mine``), the version saved meanwhile (``theirs``) or
both, one after the other (``both``). Pure functions: nothing is saved here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from merge3 import Merge3

from .. import errors
from .merge import lines_of

MINE, THEIRS, BOTH = "mine", "theirs", "both"
#: The choices offered for each conflicting passage, in the order shown, with their labels.
CHOICES = {MINE: "Ma version", THEIRS: "La version enregistrée", BOTH: "Les deux"}


class ChoiceError(errors.Refused):
    """A choice that cannot compose the text (missing, unknown or about a passage that does
    not exist), with a French message; nothing is lost: the text stays in the form."""


@dataclass(frozen=True)
class Block:
    """A passage of the merge: ``merged`` lines (agreed, or changed on one side only), or a
    conflict with the ``base``, ``theirs`` and ``mine`` lines. ``number`` counts the conflicting
    passages from 1 (0 for merged ones); ``line`` is the passage's first line in ``mine``."""

    lines: tuple[str, ...] = ()
    number: int = 0
    base: tuple[str, ...] = ()
    theirs: tuple[str, ...] = ()
    mine: tuple[str, ...] = ()
    line: int = 0

    @property
    def conflict(self) -> bool:
        """Whether both sides changed this passage differently."""
        return self.number > 0

    @property
    def theirs_text(self) -> str:
        """The version saved meanwhile of this passage."""
        return "".join(self.theirs)

    @property
    def mine_text(self) -> str:
        """My version of this passage."""
        return "".join(self.mine)


def blocks(base: str, theirs: str, mine: str) -> list[Block]:
    """The passages of the three-way merge of ``mine`` and ``theirs``, both edited from
    ``base``; consecutive merged lines form one passage."""
    b, t, m = lines_of(base), lines_of(theirs), lines_of(mine)
    out: list[Block] = []
    pending: list[str] = []
    count = 0
    for region in Merge3(b, t, m).merge_regions():
        kind = region[0]
        if kind == "conflict":
            if pending:
                out.append(Block(tuple(pending)))
                pending = []
            count += 1
            z1, z2, a1, a2, b1, b2 = cast(tuple[int, int, int, int, int, int], region[1:7])
            out.append(Block((), count, tuple(b[z1:z2]), tuple(t[a1:a2]), tuple(m[b1:b2]), b1 + 1))
        elif kind == "unchanged":
            pending.extend(b[region[1] : region[2]])
        elif kind in ("a", "same"):
            pending.extend(t[region[1] : region[2]])
        else:  # "b": changed by me only
            pending.extend(m[region[1] : region[2]])
    if pending:
        out.append(Block(tuple(pending)))
    return out


def conflicts(found: list[Block]) -> list[Block]:
    """The conflicting passages only."""
    return [block for block in found if block.conflict]


def _both(block: Block) -> list[str]:
    """The version saved meanwhile, then mine, separated by a blank line when neither side
    ends or starts with one (two paragraphs stay two paragraphs in Markdown)."""
    theirs, mine = list(block.theirs), list(block.mine)
    if theirs and mine and theirs[-1].strip() and mine[0].strip():
        return [*theirs, "\n", *mine]
    return theirs + mine


def compose(found: list[Block], choices: Mapping[int, str]) -> str:
    """The text with, for each conflicting passage ``n``, the version ``choices[n]``
    (:data:`MINE`, :data:`THEIRS` or :data:`BOTH`), or :class:`ChoiceError`."""
    numbers = {block.number for block in found if block.conflict}
    stray = sorted(n for n in choices if n not in numbers)
    if stray:
        raise ChoiceError(
            f"Le passage n° {stray[0]} n'existe pas : le texte a changé depuis l'affichage "
            "des passages en conflit. Choisissez de nouveau ci-dessous."
        )
    lines: list[str] = []
    for block in found:
        if not block.conflict:
            lines.extend(block.lines)
            continue
        choice = choices.get(block.number)
        if choice is None:
            raise ChoiceError(
                f"Choisissez une version pour le passage n° {block.number} (ou « Garder les "
                "deux versions partout »)."
            )
        if choice == MINE:
            lines.extend(block.mine)
        elif choice == THEIRS:
            lines.extend(block.theirs)
        elif choice == BOTH:
            lines.extend(_both(block))
        else:
            raise ChoiceError(
                f"Choix inconnu pour le passage n° {block.number} : choisissez « Ma version », "
                "« La version enregistrée » ou « Les deux »."
            )
    text = "".join(lines)
    return text.rstrip("\n") + "\n" if text.strip() else ""


def compose_all(found: list[Block], choice: str = BOTH) -> str:
    """The text with the same ``choice`` for every conflicting passage (« garder les deux »)."""
    return compose(found, {block.number: choice for block in found if block.conflict})
