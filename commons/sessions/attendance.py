"""Attendance: the facilitator records who was present once the session has started, and
the group's view of attendance over time. Flush only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from .. import dates, db, errors
from ..actor import Actor
from ..groups.models import Membership
from ..notifications.services import path_for
from . import policy
from .models import GroupSession, Reply, SessionAnswer
from .services import SessionError, answers_of


def record_attendance(actor: Actor, session: GroupSession, present_ids: set[int]) -> int:
    """The facilitator records who attended (members only); returns how many attended."""
    if not policy.can_manage_session(actor, session):
        raise errors.Forbidden("Seule l'animation du groupe note les présences.")
    if session.cancelled or session.starts_at > db.utcnow():
        raise SessionError("Les présences se notent une fois la séance commencée.")
    members = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.group_id == session.group_id)
        )
    )
    if present_ids - members:
        raise SessionError("Seuls des membres du groupe peuvent être notés présents.")
    rows = {a.user_id: a for a in answers_of(session)}
    for user_id in members:
        row = rows.get(user_id)
        if row is None:
            if user_id not in present_ids:
                continue
            row = SessionAnswer(session_id=session.id, user_id=user_id)
            db.session.add(row)
        row.attended = user_id in present_ids
    db.session.flush()
    return len(present_ids)


def attendees(session: GroupSession) -> list[int]:
    """Ids of the members recorded present."""
    return list(
        db.session.scalars(
            select(SessionAnswer.user_id).where(
                SessionAnswer.session_id == session.id, SessionAnswer.attended.is_(True)
            )
        )
    )


def attendance_over_time(session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each session: how many answered « je viens » and how many were recorded present
    (one query; the facilitators' view of attendance over time)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(
            SessionAnswer.session_id,
            func.count().filter(SessionAnswer.reply == Reply.YES.value),
            func.count().filter(SessionAnswer.attended.is_(True)),
        )
        .where(SessionAnswer.session_id.in_(session_ids))
        .group_by(SessionAnswer.session_id)
    )
    return {sid: (int(yes), int(present)) for sid, yes, present in rows}


def dashboard_panel(user: Actor, group: Any) -> dict[str, Any] | None:
    """The group dashboard panel « Présences aux séances » (the group's own facilitators only:
    an administrator's dashboard shows nothing of a group's private sessions)."""
    if group is None or not policy.can_schedule(user, group):
        return None
    sessions = list(
        db.session.scalars(
            select(GroupSession)
            .where(
                GroupSession.group_id == group.id,
                GroupSession.starts_at <= db.utcnow(),
                GroupSession.status != "cancelled",
            )
            .order_by(GroupSession.starts_at.desc())
            .limit(12)
        )
    )
    counts = attendance_over_time([s.id for s in sessions])
    items = []
    for s in sessions:
        yes, present = counts.get(s.id, (0, 0))
        present_label = dates.ngettext("%(num)d présent·e", "%(num)d présent·es", present)
        label = f"{s.title} ({dates.short_day(s.starts_at)}) : {present_label}, {yes} « je viens »"
        items.append((label, path_for("sessions.show", slug=group.slug, session_id=s.id)))
    return {
        "title": "Présences aux séances",
        "items": items,
        "empty": "Aucune séance passée.",
    }
