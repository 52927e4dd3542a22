"""Moderation of people: warnings, suspensions (for a period or indefinitely) and their
lifting, private facilitator notes, and contesting a decision. Flush only."""

from __future__ import annotations

from datetime import datetime

from .. import audit, dates, db
from ..accounts import services as accounts
from ..accounts.models import User
from ..markup import clean_text
from . import policy
from .decisions import ModerationError, check_reason, notify, require, state_reasons
from .models import MemberNote, Statement
from .queries import facilitators_of

MAX_NOTE = 5000
NOT_CONTESTABLE = "Vous ne pouvez pas contester cette décision."


def _record(
    actor: User, action: str, user: User, group_id: int | None, reason: str, **detail: object
) -> None:
    audit.record(
        actor,
        action,
        target_type="user",
        target_id=user.id,
        target_label=user.display_name,
        group_id=group_id,
        reason=reason,
        detail=dict(detail),
    )


def warn(actor: User, user: User, reason: str, group_id: int | None = None) -> Statement:
    """Warn a member: a statement of reasons with no other effect."""
    require(
        policy.can_warn(actor, user, group_id),
        "Vous ne pouvez avertir que les membres des groupes que vous animez.",
    )
    reason = check_reason(reason)
    _record(actor, "moderation.warn", user, group_id, reason)
    statement = state_reasons(
        actor,
        user.id,
        "moderation.warn",
        target_type="user",
        target_id=user.id,
        label=user.display_name,
        group_id=group_id,
        reason=reason,
    )
    assert statement is not None
    return statement


def suspend(actor: User, user: User, reason: str, until: datetime | None) -> None:
    """Suspend an account until ``until`` (``None``: indefinitely); it is signed out at once."""
    require(
        policy.can_suspend(actor, user),
        "Seul·es les animateur·rices du réseau et les administrateur·rices peuvent suspendre "
        "un compte (et seul·e un·e administrateur·rice celui d'un·e animateur·rice).",
    )
    reason = check_reason(reason)
    now = db.utcnow()
    if until is not None and until <= now:
        raise ModerationError("La fin de la suspension doit être dans le futur.")
    user.suspended_at, user.suspended_until = now, until
    user.suspension_reason = reason[:500]
    accounts.revoke_sessions(user)
    period = f"jusqu'au {dates.short_when(until)}" if until else "sans limite de durée"
    _record(
        actor, "account.suspend", user, None, reason, until=until.isoformat() if until else None
    )
    state_reasons(
        actor,
        user.id,
        "account.suspend",
        target_type="user",
        target_id=user.id,
        label=f"Votre compte, suspendu {period}",
        group_id=None,
        reason=reason,
    )


def lift(actor: User, user: User, reason: str = "") -> None:
    """Lift a suspension."""
    require(policy.can_lift_suspension(actor, user), "Vous ne pouvez pas lever cette suspension.")
    reason = check_reason(reason, required=False)
    user.suspended_at = user.suspended_until = None
    user.suspension_reason = ""
    db.session.flush()
    _record(actor, "account.lift", user, None, reason)
    state_reasons(
        actor,
        user.id,
        "account.lift",
        target_type="user",
        target_id=user.id,
        label="Votre compte",
        group_id=None,
        reason=reason,
    )


def add_note(actor: User, user: User, body: str, group_id: int | None) -> MemberNote:
    """A private note on a member, for the facilitators of ``group_id`` (or of the network)."""
    require(
        policy.can_write_note(actor, user, group_id),
        "Vous ne pouvez écrire une note que sur un membre d'un groupe que vous animez.",
    )
    body = clean_text(body or "").strip()
    if not body:
        raise ModerationError("La note est vide.")
    if len(body) > MAX_NOTE:
        raise ModerationError(f"La note dépasse {MAX_NOTE} caractères.")
    note = MemberNote(subject_id=user.id, author_id=actor.id, group_id=group_id, body=body)
    db.session.add(note)
    db.session.flush()
    _record(actor, "moderation.note", user, group_id, "")  # the text stays in the note only
    return note


def contest(actor: User, statement: Statement, text: str) -> None:
    """The addressee contests a decision: recorded, audited, shown to the facilitators."""
    require(policy.can_contest(actor, statement), NOT_CONTESTABLE)
    text = check_reason(text)
    statement.contested_at, statement.contest_text = db.utcnow(), text
    audit.record(
        actor,
        "moderation.contest",
        target_type=statement.target_type,
        target_id=statement.target_id,
        target_label=statement.target_label,
        group_id=statement.group_id,
        reason=text,
        detail={"statement": statement.id},
    )
    for user_id in facilitators_of(statement.group_id):
        notify(user_id, actor, "contest", statement.id)
    db.session.flush()
