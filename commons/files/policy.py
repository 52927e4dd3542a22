"""Who may read, attach and remove files: the REX's own predicates, nothing of the file's own.

A file is seen by whoever sees its REX's text: :func:`commons.wiki.policy.can_view_rex`, and for
a REX hidden by the facilitators only those who moderate it (the others read "masqué par
l'animation", so its files are hidden too). Attaching and removing follow ``can_edit_rex``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select

from ..actor import Actor
from ..wiki import policy as wiki
from ..wiki.models import Rex
from .models import Attachment


def can_view_file(actor: Actor, rex: Rex) -> bool:
    """Read the files of ``rex``: who reads its text (``can_view_rex``: its audience, and only
    its moderators when it is hidden)."""
    return wiki.can_view_rex(actor, rex)


def visible_files(actor: Actor) -> ColumnElement[bool]:
    """SQL filter on :class:`Attachment` matching :func:`can_view_file`, except the moderators'
    view of hidden REX (lists and exports never show those)."""
    return exists(
        select(Rex.id).where(
            Rex.id == Attachment.rex_id, wiki.visible_rex(actor), Rex.hidden.is_(False)
        )
    )


def can_attach(actor: Actor, rex: Rex) -> bool:
    """Attach a file: whoever may edit the REX (not a frozen copy, not a hidden one)."""
    return wiki.can_edit_rex(actor, rex)


def can_remove(actor: Actor, rex: Rex) -> bool:
    """Remove a file: whoever may edit the REX, as for its text (the history keeps the event)."""
    return wiki.can_edit_rex(actor, rex)
