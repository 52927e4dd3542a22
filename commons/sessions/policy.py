"""Session permissions: per-object predicates (``can_*``) and their SQL twins (``visible_*``).

A group's sessions, their video links, answers, minutes and « à faire » items belong to the
group's private space: members and the group's own facilitators only. Network administrators
and facilitators of other groups see nothing unless they are members (nobody enters a private
space by their own hand). Scheduling, agenda, attendance and cancellation are the group's
facilitators' work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select

from .. import db
from ..accounts.policy import is_member_user
from ..actor import Actor
from ..db import utcnow
from ..groups import policy as groups
from ..groups.models import Group, Membership
from .models import ActionItem, GroupSession, Minutes


def _group(obj: GroupSession) -> Group:
    group = db.session.get(Group, obj.group_id)
    assert group is not None  # the foreign key forbids a missing group
    return group


def can_view_sessions(actor: Actor, group: Group) -> bool:
    """The group's sessions page: members of the group only."""
    return groups.can_view_private(actor, group)


def can_view_session(actor: Actor, session: GroupSession) -> bool:
    """A session (title, time, place, video link, answers): members of its group only."""
    return is_member_user(actor) and session.group_id in groups.group_ids_of(actor)


def can_schedule(actor: Actor, group: Group) -> bool:
    """Schedule, change, cancel sessions and build their agenda: the group's facilitators."""
    return groups.is_group_facilitator(actor, group)


def can_manage_session(actor: Actor, session: GroupSession) -> bool:
    """Change, cancel, build the agenda, record attendance: the group's facilitators."""
    return can_view_session(actor, session) and can_schedule(actor, _group(session))


def can_answer(actor: Actor, session: GroupSession) -> bool:
    """Answer the invitation: a member, while the session is scheduled and not started."""
    return (
        can_view_session(actor, session) and not session.cancelled and session.starts_at > utcnow()
    )


def can_view_minutes(actor: Actor, minutes: Minutes | None, session: GroupSession) -> bool:
    """The minutes: private to the group, like the session."""
    return can_view_session(actor, session)


def can_edit_minutes(actor: Actor, session: GroupSession) -> bool:
    """Any member writes the minutes, once the session has started (not a cancelled one)."""
    return (
        can_view_session(actor, session)
        and not session.cancelled
        and (session.starts_at <= utcnow())
    )


def can_view_action(actor: Actor, item: ActionItem) -> bool:
    """Decisions and « à faire » items: members of the group."""
    return is_member_user(actor) and item.group_id in groups.group_ids_of(actor)


def can_manage_actions(actor: Actor, session: GroupSession) -> bool:
    """Add decisions and « à faire » items, and tick them: members of the group."""
    return can_edit_minutes(actor, session)


def _my_groups(actor: Actor) -> Any:
    return select(Membership.group_id).where(Membership.user_id == actor.id)


def visible_sessions(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view_session`."""
    if not is_member_user(actor):
        return false()
    return GroupSession.group_id.in_(_my_groups(actor))


def visible_actions(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view_action`."""
    if not is_member_user(actor):
        return false()
    return ActionItem.group_id.in_(_my_groups(actor))


def visible_minutes(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view_minutes` (to be joined with :class:`GroupSession`)."""
    if not is_member_user(actor):
        return false()
    return Minutes.session_id.in_(
        select(GroupSession.id).where(GroupSession.group_id.in_(_my_groups(actor)))
    )
