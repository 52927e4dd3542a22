"""Scheduling sessions, recurring series, changes, cancellation and answers. Flush only.

Times arrive as Paris wall-clock dates and times (see :mod:`.timing`) and are stored in UTC.
Members are notified through the notifications package (target ``group_session``); the
e-mails, with their ``.ics`` attachment, are queued with the notifications and leave after
the commit (the mail outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from .. import dates, db, errors
from ..actor import Actor
from ..groups.models import Group
from ..markup import clean_text
from . import notify, policy, timing
from .models import GroupSession, Reply, SessionAnswer, SessionSeries, SessionStatus

TITLE_MIN, TITLE_MAX = 3, 200
MAX_DURATION = 12 * 60
MAX_OCCURRENCES = 24


class SessionError(errors.Refused):
    """A refused session operation, with a French message."""


@dataclass
class Plan:
    """What a facilitator enters for a session (Paris wall-clock times)."""

    title: str
    day: date
    start: time
    end: time
    address: str = ""
    video_url: str = ""
    description: str = ""
    capacity: int | None = None
    deadline: date | None = None


def _text(value: str, maximum: int) -> str:
    return clean_text(value or "").strip()[:maximum]


def _check(plan: Plan, now: datetime) -> tuple[datetime, int, datetime | None]:
    """Validate a plan; return the UTC start, the duration and the registration deadline."""
    title = " ".join(_text(plan.title, 1000).split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise SessionError(f"Le titre doit compter entre {TITLE_MIN} et {TITLE_MAX} caractères.")
    if plan.end <= plan.start:
        raise SessionError("L'heure de fin doit être postérieure à l'heure de début.")
    try:
        starts = timing.to_utc(plan.day, plan.start)
        ends = timing.to_utc(plan.day, plan.end)
    except timing.TimeError as exc:
        raise SessionError(str(exc)) from None
    if starts <= now:
        raise SessionError("Cette date est passée : une séance se prévoit dans le futur.")
    minutes = int((ends - starts).total_seconds() // 60)
    if minutes > MAX_DURATION:
        raise SessionError("Une séance dure douze heures au plus.")
    address, video = _text(plan.address, 300), _text(plan.video_url, 500)
    if not address and not video:
        raise SessionError("Indiquez une adresse, un lien de visioconférence, ou les deux.")
    if video and not video.lower().startswith(("https://", "http://")):
        raise SessionError("Le lien de visioconférence doit commencer par https://.")
    if plan.capacity is not None and not 1 <= plan.capacity <= 500:
        raise SessionError("La jauge doit être comprise entre 1 et 500 personnes.")
    deadline = None
    if plan.deadline is not None:
        if plan.deadline > plan.day:
            raise SessionError("La date limite d'inscription doit précéder la séance.")
        end_of_day = datetime.combine(plan.deadline + timedelta(days=1), time(), timing.PARIS)
        deadline = min(end_of_day.astimezone(starts.tzinfo), starts)
        if deadline <= now:
            raise SessionError("La date limite d'inscription est déjà passée.")
    return starts, minutes, deadline


def _apply(session: GroupSession, plan: Plan, now: datetime) -> None:
    starts, minutes, deadline = _check(plan, now)
    session.title = " ".join(_text(plan.title, 1000).split())
    session.description = _text(plan.description, 2000)
    session.starts_at, session.duration_minutes = starts, minutes
    session.address, session.video_url = _text(plan.address, 300), _text(plan.video_url, 500)
    session.capacity, session.registration_deadline = plan.capacity, deadline


def schedule(
    actor: Actor, group: Group, plan: Plan, *, now: datetime | None = None
) -> GroupSession:
    """Schedule one session of the group and notify its members."""
    if not policy.can_schedule(actor, group):
        raise errors.Forbidden("Seule l'animation du groupe prévoit ses séances.")
    session = GroupSession(group_id=group.id, created_by_id=actor.id)
    _apply(session, plan, now or db.utcnow())
    db.session.add(session)
    db.session.flush()
    notify.notify_members(group, session, "session.scheduled", actor)
    return session


def schedule_series(
    actor: Actor, group: Group, plan: Plan, rule: str, count: int, *, now: datetime | None = None
) -> list[GroupSession]:
    """Schedule ``count`` sessions following ``rule`` (weekly, or the same nth weekday of the
    month) as individual sessions, and notify the members once for the series."""
    if not policy.can_schedule(actor, group):
        raise errors.Forbidden("Seule l'animation du groupe prévoit ses séances.")
    if not 2 <= count <= MAX_OCCURRENCES:
        raise SessionError(f"Une série compte entre 2 et {MAX_OCCURRENCES} séances.")
    try:
        days = timing.recurring_days(plan.day, rule, count)
    except timing.TimeError as exc:
        raise SessionError(str(exc)) from None
    if plan.deadline is not None:
        raise SessionError("Une série n'a pas de date limite d'inscription commune.")
    series = SessionSeries(
        group_id=group.id,
        rule=rule,
        label=timing.rule_label(plan.day, rule),
        created_by_id=actor.id,
    )
    db.session.add(series)
    db.session.flush()
    sessions = []
    for day in days:
        session = GroupSession(group_id=group.id, series_id=series.id, created_by_id=actor.id)
        plan.day = day
        _apply(session, plan, now or db.utcnow())
        sessions.append(session)
    db.session.add_all(sessions)
    db.session.flush()
    notify.notify_members(group, sessions[0], "session.series", actor)
    return sessions


def registered_count(session: GroupSession) -> int:
    """How many members answered « je viens »."""
    return (
        db.session.scalar(
            select(func.count()).where(
                SessionAnswer.session_id == session.id, SessionAnswer.reply == Reply.YES.value
            )
        )
        or 0
    )


def update(actor: Actor, session: GroupSession, plan: Plan, *, now: datetime | None = None) -> bool:
    """Change one session (of a series or not); members are notified when the time or the
    place changed. Returns whether anything changed."""
    if not policy.can_manage_session(actor, session):
        raise errors.Forbidden("Seule l'animation du groupe modifie ses séances.")
    if session.cancelled:
        raise SessionError("Cette séance est annulée : elle ne se modifie plus.")
    before = (session.starts_at, session.duration_minutes, session.address, session.video_url)
    snapshot = (session.title, session.description, session.capacity)
    registered = registered_count(session)
    if plan.capacity is not None and plan.capacity < registered:
        raise SessionError(
            f"{registered} personnes ont déjà annoncé venir : la jauge ne peut pas être "
            "inférieure à ce nombre."
        )
    _apply(session, plan, now or db.utcnow())
    after = (session.starts_at, session.duration_minutes, session.address, session.video_url)
    changed = before != after or snapshot != (session.title, session.description, session.capacity)
    if changed:
        session.sequence += 1
        session.updated_at = db.utcnow()
        if before != after:
            session.reminded_at = None
            notify.notify_members(_group(session), session, "session.changed", actor)
    db.session.flush()
    return changed


def cancel(actor: Actor, session: GroupSession, *, confirmed: bool = False) -> int:
    """Cancel a session; with registrations the facilitator must confirm, then every member
    is notified (the e-mail carries an iCalendar cancellation). Returns the registrations."""
    if not policy.can_manage_session(actor, session):
        raise errors.Forbidden("Seule l'animation du groupe annule ses séances.")
    if session.cancelled:
        raise SessionError("Cette séance est déjà annulée.")
    registered = len(answers_of(session, (Reply.YES.value, Reply.MAYBE.value)))
    if registered and not confirmed:
        answered = dates.ngettext(
            "%(num)d membre a répondu", "%(num)d membres ont répondu", registered
        )
        raise SessionError(
            f"{answered} « je viens » ou « peut-être » : confirmez l'annulation, ils seront "
            "prévenus."
        )
    session.status = SessionStatus.CANCELLED.value
    session.sequence += 1
    session.updated_at = db.utcnow()
    db.session.flush()
    notify.notify_members(_group(session), session, "session.cancelled", actor)
    return registered


def _group(session: GroupSession) -> Group:
    group = db.session.get(Group, session.group_id)
    assert group is not None
    return group


def answers_of(
    session: GroupSession, replies: tuple[str, ...] | None = None
) -> list[SessionAnswer]:
    """The session's answers (optionally only some replies)."""
    query = select(SessionAnswer).where(SessionAnswer.session_id == session.id)
    if replies is not None:
        query = query.where(SessionAnswer.reply.in_(replies))
    return list(db.session.scalars(query))


def answer_of(actor: Actor, session: GroupSession) -> SessionAnswer | None:
    """The actor's answer row, if any."""
    if getattr(actor, "id", None) is None:
        return None
    return db.session.get(SessionAnswer, (session.id, actor.id))


def answer(actor: Actor, session: GroupSession, reply: str, *, now: datetime | None = None) -> None:
    """Record a member's answer; « je viens » is refused when the session is full or the
    registrations are closed."""
    now = now or db.utcnow()
    if not policy.can_view_session(actor, session):
        raise errors.Forbidden("Seuls les membres du groupe répondent à l'invitation.")
    if reply not in {r.value for r in Reply}:
        raise SessionError("Réponse inconnue : je viens, peut-être ou je ne viens pas.")
    if session.cancelled:
        raise SessionError("Cette séance est annulée.")
    if session.starts_at <= now:
        raise SessionError("Cette séance a déjà commencé : il n'est plus temps de répondre.")
    if session.registration_deadline is not None and session.registration_deadline <= now:
        closed = dates.long_when(session.registration_deadline)
        raise SessionError(f"Les inscriptions sont closes depuis le {closed}.")
    db.session.execute(  # one answer at a time per session: the capacity holds
        select(GroupSession.id).where(GroupSession.id == session.id).with_for_update()
    )
    row = answer_of(actor, session)
    joining = reply == Reply.YES.value and (row is None or row.reply != Reply.YES.value)
    if joining and session.capacity is not None and registered_count(session) >= session.capacity:
        raise SessionError("La séance est complète : vous pouvez répondre « peut-être ».")
    if row is None:
        row = SessionAnswer(session_id=session.id, user_id=actor.id)
        db.session.add(row)
    row.reply, row.answered_at = reply, now
    db.session.flush()
