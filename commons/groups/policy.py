"""Group permissions: every view and template asks these predicates.

The group's private space (later: its REX, forum, agenda) is visible to its members and its own
facilitators only. Network administrators manage the directory but do not read private spaces
unless they are members: confidentiality by construction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from .. import db
from ..accounts.models import User
from ..accounts.policy import is_member_user
from ..actor import Actor
from .models import Group, GroupRole, Invitation, Membership, RequestStatus


def membership_of(actor: Actor, group: Group) -> Membership | None:
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


def forget_memberships(actor: Actor) -> None:
    """Drop the memoised memberships (after joining or leaving)."""
    if is_member_user(actor):
        actor.__dict__.pop("_memberships", None)
        actor.__dict__.pop("_group_ids", None)
        actor.__dict__.pop("_facilitated_ids", None)


def group_ids_of(actor: Actor) -> frozenset[int]:
    """Ids of the groups whose private space the actor sees (one query, memoised)."""
    if not is_member_user(actor):
        return frozenset()
    if "_group_ids" not in actor.__dict__:
        actor.__dict__["_group_ids"] = frozenset(
            db.session.scalars(select(Membership.group_id).where(Membership.user_id == actor.id))
        )
    return actor.__dict__["_group_ids"]


def is_member(actor: Actor, group: Group) -> bool:
    """Member of the group, in any group role."""
    return membership_of(actor, group) is not None


def is_group_facilitator(actor: Actor, group: Group) -> bool:
    """Facilitator of this group."""
    membership = membership_of(actor, group)
    return membership is not None and membership.role == GroupRole.FACILITATOR.value


def can_create_group(actor: Actor) -> bool:
    """Network facilitators and administrators create groups."""
    return is_member_user(actor) and actor.is_facilitator


def can_view_group(actor: Actor, group: Group) -> bool:
    """The public card (name, description, charter, members): listed groups to everyone,
    unlisted ones to members, to agents with a pending invitation, and to administrators when
    the group is left without facilitator (so that they can name one; never its private space)."""
    if group.listed:
        return True
    if is_member(actor, group):
        return True
    if not is_member_user(actor):
        return False
    return has_pending_invitation(actor, group) or (bool(actor.is_admin) and is_orphan(group))


def can_view_members(actor: Actor, group: Group) -> bool:
    """Members' names are shown to signed-in users who can see the group."""
    return is_member_user(actor) and can_view_group(actor, group)


def can_view_private(actor: Actor, group: Group) -> bool:
    """The private space: members and the group's facilitators only."""
    return is_member(actor, group)


def can_request_join(actor: Actor, group: Group) -> bool:
    """A signed-in agent outside the group may ask to join a group they can see."""
    return is_member_user(actor) and not is_member(actor, group) and can_view_group(actor, group)


def can_manage_members(actor: Actor, group: Group) -> bool:
    """Approve, decline, invite, remove, change roles: the group's own facilitators only.

    Administrators run the instance, not the groups: they enter no group by their own hand
    and decide nobody else's entry either (see :func:`can_appoint_facilitator` for the one
    thing they may do, in a group left without facilitator)."""
    return is_group_facilitator(actor, group)


def active_facilitator_ids(group: Group) -> list[int]:
    """Ids of the group's facilitators whose account is active (confirmed, not suspended)."""
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role == GroupRole.FACILITATOR.value)
    )
    return [u.id for u in users if u.is_active]


def is_orphan(group: Group) -> bool:
    """The group has no facilitator with an active account (left, deleted or suspended)."""
    return not active_facilitator_ids(group)


def can_appoint_facilitator(actor: Actor, group: Group, user: Any) -> bool:
    """Make ``user`` a facilitator of the group: a facilitator of that group; or, for a group
    left without any active facilitator, an administrator. Never oneself: nobody enters a
    private space, nor takes its animation, by their own hand."""
    if not is_member_user(actor) or getattr(user, "id", None) == actor.id:
        return False
    if is_group_facilitator(actor, group):
        return True
    return bool(actor.is_admin) and is_orphan(group)


def can_edit_group(actor: Actor, group: Group) -> bool:
    """Edit name, description, charter, cap, listing: the group's facilitators and admins
    (the directory card; editing it shows nothing of the private space)."""
    return is_group_facilitator(actor, group) or (is_member_user(actor) and actor.is_admin)


def can_leave(actor: Actor, group: Group) -> bool:
    """Any member may leave (the last facilitator is refused by the service)."""
    return is_member(actor, group)


def has_pending_invitation(actor: Actor, group: Group) -> bool:
    """Whether the actor has a pending invitation into the group."""
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


def visible_groups(actor: Actor) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_group` for the group directory."""
    if not is_member_user(actor):
        return Group.listed.is_(true())
    mine = select(Membership.group_id).where(Membership.user_id == actor.id)
    invited = select(Invitation.group_id).where(
        Invitation.user_id == actor.id, Invitation.status == RequestStatus.PENDING.value
    )
    clauses = [Group.listed.is_(true()), Group.id.in_(mine), Group.id.in_(invited)]
    if actor.is_admin:
        clauses.append(Group.id.not_in(_active_facilitated()))
    return or_(*clauses)


def _active_facilitated() -> Any:
    """Ids of the groups with at least one active facilitator (SQL twin of
    :func:`is_orphan`: confirmed e-mail, not suspended now)."""
    now = db.utcnow()
    return (
        select(Membership.group_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.role == GroupRole.FACILITATOR.value,
            User.email_confirmed_at.is_not(None),
            or_(
                User.suspended_at.is_(None),
                and_(User.suspended_until.is_not(None), User.suspended_until <= now),
            ),
        )
    )


def private_groups_of(actor: Actor) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_private`: groups whose private space the actor sees."""
    if not is_member_user(actor):
        return false()
    return Group.id.in_(select(Membership.group_id).where(Membership.user_id == actor.id))


def facilitated_group_ids(actor: Actor) -> frozenset[int]:
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
