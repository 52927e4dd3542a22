"""Group read queries for pages: directory, members, pending requests and invitations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import db
from ..accounts.models import User
from ..actor import Actor
from . import policy
from .models import Group, GroupRole, Invitation, JoinRequest, Membership, RequestStatus


def listed_groups(limit: int | None = None) -> list[Group]:
    """Listed groups, most recent first."""
    stmt = select(Group).where(Group.listed.is_(True)).order_by(Group.created_at.desc())
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def directory(actor: Actor) -> list[tuple[Group, int]]:
    """Groups the actor can see, with their member counts, in one query."""
    seats = (
        select(func.count(Membership.id))
        .where(Membership.group_id == Group.id, Membership.role == GroupRole.MEMBER.value)
        .correlate(Group)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Group, seats).where(policy.visible_groups(actor)).order_by(Group.name)
    ).all()
    return [(row[0], int(row[1])) for row in rows]


def members_of(group: Group) -> list[Membership]:
    """Memberships with their users and collectivités, facilitators first, in one query."""
    stmt = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group.id)
        .options(joinedload(Membership.user).joinedload(User.collectivite))
        .order_by(Membership.role.desc(), User.display_name)
    )
    return list(db.session.scalars(stmt))


def pending_requests(group: Group) -> list[JoinRequest]:
    """Pending join requests with their users, oldest first."""
    stmt = (
        select(JoinRequest)
        .where(JoinRequest.group_id == group.id, JoinRequest.status == RequestStatus.PENDING.value)
        .options(joinedload(JoinRequest.user).joinedload(User.collectivite))
        .order_by(JoinRequest.created_at)
    )
    return list(db.session.scalars(stmt))


def pending_invitations_for(user: User) -> list[Invitation]:
    """The user's pending invitations, with their groups."""
    stmt = (
        select(Invitation)
        .where(Invitation.user_id == user.id, Invitation.status == RequestStatus.PENDING.value)
        .options(joinedload(Invitation.group))
        .order_by(Invitation.created_at)
    )
    return list(db.session.scalars(stmt))


def groups_of(user: Any) -> list[Group]:
    """The groups the user belongs to, by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = (
        select(Group)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id)
        .order_by(Group.name)
    )
    return list(db.session.scalars(stmt))


def group_by_slug(slug: str) -> Group | None:
    """The group at ``slug`` (whoever asks: check :func:`policy.can_view_group`)."""
    return db.session.scalar(select(Group).where(Group.slug == slug))


def active_account(raw: str) -> User | None:
    """The active account named by an e-mail address or an ``@identifiant``."""
    who = raw.strip()
    if "@" in who.lstrip("@"):
        user = db.session.scalar(select(User).where(User.email_key == who.lower()))
    else:
        user = db.session.scalar(select(User).where(User.handle == who.lstrip("@").lower()))
    return user if user is not None and user.is_active else None


def invitation_to(group: Group, user: User) -> Invitation | None:
    """The user's pending invitation into the group, if any."""
    return next((i for i in pending_invitations_for(user) if i.group_id == group.id), None)


def declined_request(group: Group, user: User) -> JoinRequest | None:
    """The user's latest request to the group if it was declined (its reason is shown to
    them on the group's page until they ask again), else ``None``."""
    latest = db.session.scalar(
        select(JoinRequest)
        .where(JoinRequest.group_id == group.id, JoinRequest.user_id == user.id)
        .order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc())
        .limit(1)
    )
    return latest if latest is not None and latest.status == RequestStatus.DECLINED.value else None
