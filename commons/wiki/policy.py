"""REX permissions: one predicate per decision, and the SQL filter that agrees with them.

A REX in a group is seen by the group's members (and its facilitators) only; a network REX by
every signed-in agent; a public REX by anyone. Whoever sees a REX may improve it (it is a wiki),
except suspended or anonymous users. Widening the audience of a REX (group -> network -> public)
is allowed here only to its sole contributor; otherwise it goes through the consent workflow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from .. import db
from ..accounts.policy import is_member_user
from ..groups import policy as groups
from ..groups.models import Group
from .models import Rex, Space

AUDIENCE = {Space.GROUP.value: 0, Space.NETWORK.value: 1, Space.PUBLIC.value: 2}


def can_view_rex(actor: Any, rex: Rex) -> bool:
    """Public to all, network to signed-in agents, group to its members."""
    if rex.space == Space.PUBLIC.value:
        return True
    if rex.space == Space.NETWORK.value:
        return is_member_user(actor)
    return rex.group_id is not None and rex.group_id in groups.group_ids_of(actor)


def visible_rex(actor: Any) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_rex`."""
    clauses = [Rex.space == Space.PUBLIC.value]
    if is_member_user(actor):
        clauses.append(Rex.space == Space.NETWORK.value)
        ids = groups.group_ids_of(actor)
        if ids:
            clauses.append(and_(Rex.space == Space.GROUP.value, Rex.group_id.in_(ids)))
    return or_(*clauses) if clauses else false()


def can_moderate_rex(actor: Any, rex: Rex) -> bool:
    """Hide, restore, read when hidden: the group's facilitators for a group REX, the network
    facilitators and administrators for a network or public REX."""
    if not is_member_user(actor):
        return False
    if rex.space == Space.GROUP.value:
        group = db.session.get(Group, rex.group_id) if rex.group_id is not None else None
        return group is not None and groups.is_group_facilitator(actor, group)
    return bool(actor.is_facilitator)


def can_create_rex(actor: Any, space: str, group_id: int | None) -> bool:
    """Signed-in agents write in the network, the commons, or a group they belong to."""
    if not is_member_user(actor):
        return False
    if space == Space.GROUP.value:
        return group_id is not None and group_id in groups.group_ids_of(actor)
    return space in (Space.NETWORK.value, Space.PUBLIC.value)


def can_edit_rex(actor: Any, rex: Rex) -> bool:
    """Anyone signed in who can see the REX may improve it, except a copy published by
    consent (frozen: its contributors consented to that exact text; derive a new REX) and,
    for a REX hidden by the facilitators, anyone but them."""
    if rex.hidden and not can_moderate_rex(actor, rex):
        return False
    return is_member_user(actor) and can_view_rex(actor, rex) and not rex.frozen


def widens_audience(rex: Rex, space: str) -> bool:
    """Whether moving ``rex`` to ``space`` shows it to more people."""
    return AUDIENCE[space] > AUDIENCE[rex.space]


def can_move_rex(actor: Any, rex: Rex, space: str, group_id: int | None, *, sole: bool) -> bool:
    """Move between spaces: the target must be writable by the actor, and widening the audience
    needs the actor to be the sole contributor (others must consent: facilitator workflow)."""
    if not can_edit_rex(actor, rex) or not can_create_rex(actor, space, group_id):
        return False
    return not widens_audience(rex, space) or sole


def can_change_licence(actor: Any, rex: Rex) -> bool:
    """Who may propose a licence change (the licensing rules then decide if it is allowed);
    nobody for a copy published by consent (its licence is locked)."""
    return can_edit_rex(actor, rex) and not rex.frozen
