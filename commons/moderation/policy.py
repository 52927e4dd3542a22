"""Moderation permissions: one predicate per action, and the SQL filters that agree with them.

Power follows the space of the content: a group's facilitators moderate their group's
content (and nothing in other groups); the network's facilitators and administrators
(``User.role``) moderate the network and the public commons. Administrators do not read
private spaces they are not members of, so they have no power there either. Suspending an
account is for network facilitators and administrators.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from .. import db
from ..accounts.models import User
from ..accounts.policy import is_member_user
from ..actor import Actor
from ..audit.models import AuditEntry
from ..forum import policy as forum
from ..groups.models import Membership
from ..groups.policy import facilitated_group_ids
from ..wiki import policy as wiki
from .models import MemberNote, Report, Statement
from .targets import Target


def is_global(actor: Actor) -> bool:
    """Network facilitator or administrator."""
    return is_member_user(actor) and bool(actor.is_facilitator)


def member_group_ids(user: User) -> frozenset[int]:
    """Groups ``user`` belongs to (any role)."""
    return frozenset(
        db.session.scalars(select(Membership.group_id).where(Membership.user_id == user.id))
    )


def can_act_in_scope(actor: Actor, group_id: int | None) -> bool:
    """Facilitator of ``group_id``, or a network facilitator for the network (``None``)."""
    if group_id is None:
        return is_global(actor)
    return group_id in facilitated_group_ids(actor)


def can_view_target(actor: Actor, target: Target) -> bool:
    """Whoever can see the content (the feature's own predicate)."""
    if target.kind == "rex":
        return wiki.can_view_rex(actor, target.obj)  # type: ignore[arg-type]
    assert target.thread is not None
    return forum.can_view_thread(actor, target.thread)


def can_report(actor: Actor, target: Target) -> bool:
    """Any signed-in member who can see a post, thread or REX may report it."""
    return is_member_user(actor) and can_view_target(actor, target)


def can_moderate(actor: Actor, target: Target) -> bool:
    """Hide, restore, edit with a reason, dismiss reports: the facilitators of the space."""
    if not is_member_user(actor):
        return False
    if target.kind == "rex":
        return wiki.can_moderate_rex(actor, target.obj)  # type: ignore[arg-type]
    assert target.thread is not None
    return forum.can_moderate_thread(actor, target.thread)


def can_edit(actor: Actor, target: Target) -> bool:
    """Edit a post or a REX with a reason (a thread is edited through its posts)."""
    return target.kind in ("post", "rex") and can_moderate(actor, target)


def can_lock(actor: Actor, target: Target) -> bool:
    """Lock or unlock a thread."""
    return target.kind == "thread" and can_moderate(actor, target)


def can_move_thread(actor: Actor, target: Target, group_id: int | None) -> bool:
    """Move a thread to another Agora category (``group_id`` ``None``) or into a group the
    actor facilitates. A REX talk thread follows its REX and is not moved."""
    if target.kind != "thread" or target.thread is None or target.thread.rex_id is not None:
        return False
    return can_moderate(actor, target) and can_act_in_scope(actor, group_id)


def can_dismiss(actor: Actor, target: Target) -> bool:
    """Close the open reports on an item without acting on it."""
    return can_moderate(actor, target)


def shares_facilitated_group(actor: Actor, user: User) -> bool:
    """The actor facilitates a group ``user`` belongs to."""
    return bool(facilitated_group_ids(actor) & member_group_ids(user))


def can_warn(actor: Actor, user: User, group_id: int | None) -> bool:
    """Warn a member: in a group the actor facilitates and the member belongs to, or as a
    network facilitator (``group_id`` ``None``). Never oneself."""
    if not is_member_user(actor) or actor.id == user.id:
        return False
    if group_id is None:
        return is_global(actor)
    return group_id in facilitated_group_ids(actor) and group_id in member_group_ids(user)


def can_suspend(actor: Actor, user: User) -> bool:
    """Suspend an account: network facilitators and administrators; only an administrator
    suspends a facilitator or an administrator; never oneself."""
    if not is_global(actor) or actor.id == user.id:
        return False
    return not user.is_facilitator or actor.is_admin


def can_lift_suspension(actor: Actor, user: User) -> bool:
    """Lift a suspension: the same people as :func:`can_suspend`."""
    return can_suspend(actor, user) and user.suspended_at is not None


def can_view_member(actor: Actor, user: User) -> bool:
    """The facilitator's page on a member (notes, warnings, suspension)."""
    if not is_member_user(actor) or actor.id == user.id:
        return False
    return is_global(actor) or shares_facilitated_group(actor, user)


def can_write_note(actor: Actor, user: User, group_id: int | None) -> bool:
    """A private note, as facilitator of a shared group or of the network."""
    return can_warn(actor, user, group_id)


def visible_notes(actor: Actor) -> ColumnElement[bool]:
    """SQL filter of the notes the actor may read: network facilitators read every note,
    group facilitators the notes written in the groups they facilitate. Never the subject."""
    if not is_member_user(actor):
        return false()
    not_mine = MemberNote.subject_id != actor.id
    if is_global(actor):
        return not_mine
    ids = facilitated_group_ids(actor)
    return (MemberNote.group_id.in_(ids) & not_mine) if ids else false()


def visible_reports(actor: Actor) -> ColumnElement[bool]:
    """SQL filter of the reports the actor handles (the spaces they moderate)."""
    clauses = []
    if is_global(actor):
        clauses.append(Report.group_id.is_(None))
    ids = facilitated_group_ids(actor)
    if ids:
        clauses.append(Report.group_id.in_(ids))
    return or_(*clauses) if clauses else false()


def can_view_queue(actor: Actor) -> bool:
    """The report queue, dashboard and audit page: any facilitator (network or group)."""
    return is_global(actor) or bool(facilitated_group_ids(actor))


def can_view_group_dashboard(actor: Actor, group_id: int) -> bool:
    """A group's dashboard: its facilitators only."""
    return group_id in facilitated_group_ids(actor)


def can_view_audit(actor: Actor) -> bool:
    """The audit page: facilitators (their groups' entries) and network facilitators (all)."""
    return can_view_queue(actor)


def visible_audit(actor: Actor) -> ColumnElement[bool]:
    """SQL filter of the audit entries the actor may read."""
    if is_global(actor):
        return true()
    ids = facilitated_group_ids(actor)
    return AuditEntry.group_id.in_(ids) if ids else false()


def can_view_statement(actor: Actor, statement: Statement) -> bool:
    """The person it is addressed to, and the facilitators of its scope."""
    if not is_member_user(actor):
        return False
    return actor.id == statement.user_id or can_act_in_scope(actor, statement.group_id)


def can_contest(actor: Actor, statement: Statement) -> bool:
    """The addressee may contest a decision once."""
    return is_member_user(actor) and actor.id == statement.user_id and not statement.contested_at
