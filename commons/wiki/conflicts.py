"""The REX conflict page's resolution, passage by passage (MediaWiki's edit conflict, and
better): the page shows the diff between the version saved meanwhile and the person's text,
who saved it and when, and for each conflicting passage offers « Ma version », « La version
enregistrée » or « Les deux » (or « Garder les deux versions partout »).

« Composer » (:func:`compose`) writes the text from those choices and puts it back in the
editor for checking: nothing is saved yet, so a passage kept twice or a Markdown heading cut
in two can be fixed before « Enregistrer », and the text the person had typed stays on the page
(read-only) in case they want any of it back. The page's hidden fields carry the revision the
edit first started from (:data:`ORIGIN`, kept across several conflict pages; the passages are
cut from :data:`BASE`), so that the save can tell the people whose change it removes
(:mod:`.superseded`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..actor import Actor
from ..integrity import hunks
from ..params import optional_number
from . import policy
from .models import Rex
from .revisions import EditConflict, RexError, check_body, meanwhile, require, revision

#: The form fields of the conflict panel (outside the editor's <form>, tied to it by ``form=``).
COMPOSE = "conflit_composer"
ORIGIN, BASE, VERSION = "conflit_depart", "conflit_base", "conflit_version"
COUNT = "conflit_passages"
CHOICE = "conflit_choix_"
#: The value of the « Garder les deux versions partout » button.
KEEP_BOTH = "les-deux"


def origin(posted: Mapping[str, str]) -> int | None:
    """The revision an edit first started from, carried by the conflict page (or ``None``)."""
    return optional_number(posted.get(ORIGIN), minimum=1)


def _choices(posted: Mapping[str, str]) -> dict[int, str]:
    """The posted choice of each passage (numbers and values checked by the composition)."""
    found: dict[int, str] = {}
    for key, value in posted.items():
        if not key.startswith(CHOICE):
            continue
        number = optional_number(key[len(CHOICE) :], minimum=1)
        if number is None:
            raise hunks.ChoiceError("Un des passages choisis n'existe pas : choisissez de nouveau.")
        found[number] = value
    return found


def _compose(conflict: EditConflict, posted: Mapping[str, str]) -> str:
    """The text from the posted choices, or :class:`~commons.integrity.hunks.ChoiceError`."""
    expected = optional_number(posted.get(COUNT))
    if expected is not None and expected != len(conflict.passages):
        raise hunks.ChoiceError(
            "Le texte a changé depuis l'affichage des passages en conflit : voici les passages "
            "à nouveau, choisissez pour chacun."
        )
    if posted.get(COMPOSE) == KEEP_BOTH:
        return hunks.compose_all(conflict.blocks, hunks.BOTH)
    return hunks.compose(conflict.blocks, _choices(posted))


def compose(actor: Actor, rex: Rex, mine: str, posted: Mapping[str, str]) -> EditConflict:
    """The conflict between ``mine`` and the version the conflict page showed (``posted``:
    its hidden fields and the choices), with the text ``composed`` from the choices or the
    French reason it could not be (``error``). Nothing is saved; :class:`RexError` when the
    versions named by the page do not exist."""
    require(policy.can_edit_rex(actor, rex))
    first = origin(posted)
    start = optional_number(posted.get(BASE), minimum=1) or first
    version = optional_number(posted.get(VERSION), minimum=1)
    if start is None or version is None or not start <= version <= rex.head:
        raise RexError(
            "Les versions à comparer sont inconnues : votre texte est conservé ci-dessous, "
            "enregistrez-le pour retrouver les passages en conflit."
        )
    mine = check_body(mine)
    base, theirs = revision(rex, start).source, revision(rex, version).source
    conflict = EditConflict(
        mine=mine,
        theirs=theirs,
        merged="",
        head=version,
        base=start,
        origin=min(first or start, start),
        meanwhile=meanwhile(rex, start, version),
        blocks=hunks.blocks(base, theirs, mine),
    )
    conflict.conflicts = len(conflict.passages)
    try:
        conflict.composed = _compose(conflict, posted)
    except hunks.ChoiceError as exc:
        conflict.error = str(exc)
    return conflict
