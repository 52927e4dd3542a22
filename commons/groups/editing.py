"""Editing a group's texts and settings from the values the editor saw: each field is merged
three-way with changes made meanwhile (:func:`commons.integrity.merge.merge_fields`), the
description and the charter line by line. Flush only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import db
from ..accounts.models import User
from ..integrity.merge import FieldConflict, merge_fields
from ..text import single_line
from . import policy
from .models import Group
from .rules import GroupError, check_cap, lock, member_count, require, set_texts

TEXTS = ("description", "charter")
EDITABLE = ("name", "summary", "description", "charter", "themes", "member_cap", "listed")


def editable_values(group: Group) -> dict[str, Any]:
    """The values of the group's edit form (the base of an edit, and what it is merged with)."""
    return {
        "name": group.name,
        "summary": group.summary,
        "description": group.description_md,
        "charter": group.charter_md,
        "themes": list(group.themes),
        "member_cap": group.member_cap,
        "listed": group.listed,
    }


@dataclass
class GroupConflict(GroupError):
    """Fields changed by someone else since the form was shown, differently: nothing saved."""

    fields: list[FieldConflict]
    conflicts: int = 0

    def __str__(self) -> str:
        return (
            "Quelqu'un a modifié ce groupe pendant que vous écriviez, sur les mêmes champs que "
            "vous. Vos valeurs sont conservées ci-dessous : reportez vos changements puis "
            "enregistrez."
        )


def update_group(
    actor: User,
    group: Group,
    *,
    base: dict[str, Any] | None = None,
    name: str,
    summary: str,
    description: str,
    charter: str,
    themes: list[str],
    member_cap: int,
    listed: bool,
) -> bool:
    """Edit a group's texts and settings from the values ``base`` the editor saw (``None``:
    the current ones). A field changed meanwhile only by someone else keeps their value, texts
    changed by both are merged line by line; other double changes raise
    :class:`GroupConflict`. The cap cannot go below the current member count. Returns whether
    a concurrent change was merged."""
    require(policy.can_edit_group(actor, group))
    group = lock(group)
    mine = {
        "name": single_line(name),
        "summary": single_line(summary)[:300],
        "description": description,
        "charter": charter,
        "themes": list(themes),
        "member_cap": member_cap,
        "listed": listed,
    }
    current = editable_values(group)
    result = merge_fields(current if base is None else base, current, mine, texts=TEXTS)
    if result.conflicts:
        raise GroupConflict(result.conflicts, len(result.conflicts))
    values = result.values
    name, summary, description, charter = (values[k] for k in EDITABLE[:4])
    themes, member_cap, listed = values["themes"], values["member_cap"], values["listed"]
    members = member_count(group.id)
    if check_cap(member_cap) < members:
        raise GroupError(
            f"Le groupe compte déjà {members} membres : "
            "la taille maximale ne peut pas être inférieure."
        )
    set_texts(group, name=name, summary=summary, description=description, charter=charter)
    group.themes = list(themes)
    group.member_cap = member_cap
    group.listed = listed
    db.session.flush()
    return result.merged


def save_edit(
    actor: User, group: Group, base: dict[str, Any] | None, **values: Any
) -> bool | GroupConflict:
    """The edit form's save: :func:`update_group` from the ``base`` the form carried, in a
    savepoint; a conflict is returned (nothing saved, the form shows it), other refusals raise.
    Returns whether a concurrent change was merged, or the conflict."""
    if base is None:
        raise GroupError(
            "La version de départ de cette modification est inconnue : vérifiez les "
            "valeurs actuelles puis enregistrez à nouveau."
        )
    try:
        with db.session.begin_nested():
            return update_group(actor, group, base=base, **values)
    except GroupConflict as conflict:
        return conflict
