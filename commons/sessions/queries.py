"""Read queries of the sessions pages: a group by its slug, its sessions, its members, the
names of authors and owners, one's groups and the network calendar."""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..groups.models import Group, Membership
from . import policy
from .models import GroupSession, SessionSeries


def group_id(slug: str) -> int | None:
    """The id of the group with this slug, if any (the caller checks who may see it)."""
    return db.session.scalar(select(Group.id).where(Group.slug == slug))


def upcoming_and_past(actor: Actor, group: Group) -> tuple[list[GroupSession], list[GroupSession]]:
    """The group's sessions the actor may see, not yet over and over, in time order."""
    sessions = list(
        db.session.scalars(
            select(GroupSession)
            .where(GroupSession.group_id == group.id, policy.visible_sessions(actor))
            .order_by(GroupSession.starts_at)
        )
    )
    now = db.utcnow()
    return [s for s in sessions if s.ends_at >= now], [s for s in sessions if s.ends_at < now]


def members(group: Group) -> list[User]:
    """The group's members, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id)
            .order_by(User.display_name)
        )
    )


def names(ids: set[int | None]) -> dict[int, str]:
    """Display names of the given accounts, by id (one query)."""
    found = db.session.execute(
        select(User.id, User.display_name).where(User.id.in_({i for i in ids if i} or {0}))
    )
    return dict(found.all())


def users(ids: set[int | None]) -> dict[int, User]:
    """The given accounts, by id (one query)."""
    wanted = {i for i in ids if i} or {0}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def series_of(session: GroupSession) -> SessionSeries | None:
    """The series a session belongs to, if any."""
    return db.session.get(SessionSeries, session.series_id) if session.series_id else None


def groups_of(actor: Actor) -> list[Group]:
    """The groups the actor belongs to, by name."""
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == actor.id)
            .order_by(Group.name)
        )
    )


def coming(actor: Actor, limit: int = 100) -> list[GroupSession]:
    """The next sessions of the network the actor may see, in time order."""
    return list(
        db.session.scalars(
            select(GroupSession)
            .where(policy.visible_sessions(actor), GroupSession.starts_at >= db.utcnow())
            .order_by(GroupSession.starts_at)
            .limit(limit)
        )
    )
