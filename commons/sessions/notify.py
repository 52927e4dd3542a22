"""Notifications about sessions (target type ``group_session``) and the reminders of the day
before. Nothing is copied into a notification: the describer reloads the session and asks
:func:`policy.can_view_session` again, so a former member or an outsider learns nothing, even
from an old notification. E-mails carry the ``.ics`` of the session (see :mod:`.calendar`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from .. import dates, db
from ..accounts.models import User
from ..actor import Actor
from ..groups.models import Group, Membership
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from . import calendar, policy, timing
from .models import GroupSession, Reply, SessionAnswer, SessionSeries, SessionStatus

TARGET = "group_session"

SENTENCES = {
    "session.scheduled": "Nouvelle séance du groupe {group} :",
    "session.series": "Nouvelles séances du groupe {group} ({rule}) :",
    "session.changed": "Séance modifiée du groupe {group} :",
    "session.cancelled": "Séance annulée du groupe {group} :",
    "session.reminder": "Rappel : demain, séance du groupe {group} :",
}
REASON = "Vous recevez ce courriel parce que vous êtes membre de ce groupe."


def _members(group_id: int) -> list[int]:
    return list(
        db.session.scalars(select(Membership.user_id).where(Membership.group_id == group_id))
    )


def _add(user_ids: list[int], kind: str, session: GroupSession, actor: Actor | None) -> int:
    actor_id = getattr(actor, "id", None)
    count = 0
    for user_id in sorted(set(user_ids)):
        if user_id == actor_id:
            continue
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                actor_id=actor_id,
                target_type=TARGET,
                target_id=session.id,
            )
        )
        count += 1
    db.session.flush()
    return count


def notify_members(group: Group, session: GroupSession, kind: str, actor: Actor) -> int:
    """One notification per member of the group (never the actor). Flush only."""
    return _add(_members(group.id), kind, session, actor)


def describe(user: Actor, notes: list[Notification]) -> list[Entry]:
    """Entries for session notifications, re-checking that the reader is still a member."""
    ids = {n.target_id for n in notes if n.target_id is not None}
    sessions = {
        s.id: s for s in db.session.scalars(select(GroupSession).where(GroupSession.id.in_(ids)))
    }
    entries = []
    for note in notes:
        session = sessions.get(note.target_id or 0)
        if session is None or not policy.can_view_session(user, session):
            entries.append(Entry(note=note, visible=False))
            continue
        group = db.session.get(Group, session.group_id)
        assert group is not None
        rule = ""
        attachment = calendar.invitation(session, group, getattr(user, "email", ""))
        if note.kind == "session.series" and session.series_id is not None:
            series = db.session.get(SessionSeries, session.series_id)
            rule = series.label if series else ""
            members = list(
                db.session.scalars(
                    select(GroupSession)
                    .where(GroupSession.series_id == session.series_id)
                    .order_by(GroupSession.starts_at)
                )
            )
            data = calendar.calendar(
                members, {group.id: group}, method="REQUEST", attendee=getattr(user, "email", "")
            )
            attachment = ("seances.ics", "text/calendar; method=REQUEST; charset=utf-8", data)
        where = " et ".join(
            part
            for part in (session.address, "en visioconférence" if session.video_url else "")
            if part
        )
        body = f"Le {dates.long_when(session.starts_at)}, {where}."
        entries.append(
            Entry(
                note=note,
                visible=True,
                sentence=SENTENCES.get(note.kind, "Séance :").format(group=group.name, rule=rule),
                title=session.title,
                path=path_for("sessions.show", slug=group.slug, session_id=session.id),
                body=body,
                reason=REASON,
                attachments=(attachment,),
            )
        )
    return entries


def due_reminders(now: datetime) -> list[GroupSession]:
    """Scheduled sessions taking place tomorrow (Paris) not yet reminded."""
    tomorrow = timing.local(now).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), timing.PARIS)
    end = datetime.combine(tomorrow + timedelta(days=1), datetime.min.time(), timing.PARIS)
    return list(
        db.session.scalars(
            select(GroupSession).where(
                GroupSession.status == SessionStatus.SCHEDULED.value,
                GroupSession.reminded_at.is_(None),
                GroupSession.starts_at >= start,
                GroupSession.starts_at < end,
            )
        )
    )


def send_reminders(now: datetime | None = None) -> int:
    """Remind the members who did not decline the sessions of tomorrow (current members only,
    once per session). Flush only; returns the notifications created."""
    now = now or db.utcnow()
    created = 0
    for session in due_reminders(now):
        declined = set(
            db.session.scalars(
                select(SessionAnswer.user_id).where(
                    SessionAnswer.session_id == session.id, SessionAnswer.reply == Reply.NO.value
                )
            )
        )
        users = [
            uid
            for uid in _members(session.group_id)
            if uid not in declined and (u := db.session.get(User, uid)) is not None and u.is_active
        ]
        created += _add(users, "session.reminder", session, None)
        session.reminded_at = now
    db.session.flush()
    return created
