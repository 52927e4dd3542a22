"""Group permissions: every view and template asks these predicates.

The group's private space (later: its REX, forum, agenda) is visible to its members and its own
facilitators only. Network administrators manage the directory but do not read private spaces
unless they are members: confidentiality by construction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from .. import db
from ..accounts.policy import is_member_user
from .models import Group, GroupRole, Membership


def membership_of(actor: Any, group: Group) -> Membership | None:
    """The actor's membership of the group, memoised per request on the user object."""
    if not is_member_user(actor):
        return None
    cache: dict[int, Membership | None] = actor.__dict__.setdefault("_memberships", {})
    if group.id not in cache:
        cache[group.id] = db.session.scalar(
            select(Membership).where(
                Membership.group_id == group.id, Membership.user_id == actor.id
            )
        )
    return cache[group.id]


def forget_memberships(actor: Any) -> None:
    """Drop the memoised memberships (after joining or leaving)."""
    if is_member_user(actor):
        actor.__dict__.pop("_memberships", None)
        actor.__dict__.pop("_group_ids", None)
        actor.__dict__.pop("_facilitated_ids", None)


def group_ids_of(actor: Any) -> frozenset[int]:
    """Ids of the groups whose private space the actor sees (one query, memoised)."""
    if not is_member_user(actor):
        return frozenset()
    if "_group_ids" not in actor.__dict__:
        actor.__dict__["_group_ids"] = frozenset(
            db.session.scalars(select(Membership.group_id).where(Membership.user_id == actor.id))
        )
    return actor.__dict__["_group_ids"]


def is_member(actor: Any, group: Group) -> bool:
    """Member of the group, in any group role."""
    return membership_of(actor, group) is not None


def is_group_facilitator(actor: Any, group: Group) -> bool:
    """Facilitator of this group."""
    membership = membership_of(actor, group)
    return membership is not None and membership.role == GroupRole.FACILITATOR.value


def can_create_group(actor: Any) -> bool:
    """Network facilitators and administrators create groups."""
    return is_member_user(actor) and actor.is_facilitator


def can_view_group(actor: Any, group: Group) -> bool:
    """The public card (name, description, charter, members): listed groups to everyone,
    unlisted ones to members and to agents with a pending invitation."""
    if group.listed:
        return True
    if is_member(actor, group):
        return True
    return is_member_user(actor) and has_pending_invitation(actor, group)


def can_view_members(actor: Any, group: Group) -> bool:
    """Members' names are shown to signed-in users who can see the group."""
    return is_member_user(actor) and can_view_group(actor, group)


def can_view_private(actor: Any, group: Group) -> bool:
    """The private space: members and the group's facilitators only."""
    return is_member(actor, group)


def can_request_join(actor: Any, group: Group) -> bool:
    """A signed-in agent outside the group may ask to join a group they can see."""
    return is_member_user(actor) and not is_member(actor, group) and can_view_group(actor, group)


def can_manage_members(actor: Any, group: Group) -> bool:
    """Approve, decline, invite, remove, change roles: the group's facilitators and admins."""
    return is_group_facilitator(actor, group) or (is_member_user(actor) and actor.is_admin)


def can_edit_group(actor: Any, group: Group) -> bool:
    """Edit name, description, charter, cap: the group's facilitators and admins."""
    return can_manage_members(actor, group)


def can_leave(actor: Any, group: Group) -> bool:
    """Any member may leave (the last facilitator is refused by the service)."""
    return is_member(actor, group)


def has_pending_invitation(actor: Any, group: Group) -> bool:
    """Whether the actor has a pending invitation into the group."""
    from .models import Invitation, RequestStatus

    return (
        db.session.scalar(
            select(Invitation.id).where(
                Invitation.group_id == group.id,
                Invitation.user_id == actor.id,
                Invitation.status == RequestStatus.PENDING.value,
            )
        )
        is not None
    )


def visible_groups(actor: Any) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_group` for the group directory."""
    if not is_member_user(actor):
        return Group.listed.is_(true())
    from .models import Invitation, RequestStatus

    mine = select(Membership.group_id).where(Membership.user_id == actor.id)
    invited = select(Invitation.group_id).where(
        Invitation.user_id == actor.id, Invitation.status == RequestStatus.PENDING.value
    )
    return or_(Group.listed.is_(true()), Group.id.in_(mine), Group.id.in_(invited))


def private_groups_of(actor: Any) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_private`: groups whose private space the actor sees."""
    if not is_member_user(actor):
        return false()
    return Group.id.in_(select(Membership.group_id).where(Membership.user_id == actor.id))


def facilitated_group_ids(actor: Any) -> frozenset[int]:
    """Ids of the groups the actor facilitates (one query, memoised like :func:`group_ids_of`)."""
    if not is_member_user(actor):
        return frozenset()
    if "_facilitated_ids" not in actor.__dict__:
        actor.__dict__["_facilitated_ids"] = frozenset(
            db.session.scalars(
                select(Membership.group_id).where(
                    Membership.user_id == actor.id,
                    Membership.role == GroupRole.FACILITATOR.value,
                )
            )
        )
    return actor.__dict__["_facilitated_ids"]
