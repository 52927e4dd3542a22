"""How moderation reaches people: notification entries (statements of reasons to authors,
reports and contested decisions to facilitators) and the statement e-mail, queued in the mail
outbox whatever the person's notification preferences (it is a decision about them, not a
digestible event)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from .. import db, mail
from ..accounts.models import User
from ..actor import Actor
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for, register_target
from . import policy, queries
from .decisions import ACTIONS
from .models import REPORT_REASONS, Report, Statement

PENDING_WINDOW = timedelta(days=7)


def _by_id(model: Any, notes: list[Notification]) -> dict[int, Any]:
    ids = {n.target_id for n in notes if n.target_id is not None}
    if not ids:
        return {}
    rows: list[Any] = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    return {row.id: row for row in rows}


def _entries(
    notes: list[Notification],
    found: dict[int, Any],
    visible: Callable[[Any], bool],
    make: Callable[[Notification, Any], Entry],
) -> list[Entry]:
    """One entry per notification, invisible when its object is gone or out of reach."""
    out = []
    for note in notes:
        obj = found.get(note.target_id) if note.target_id is not None else None
        out.append(make(note, obj) if obj is not None and visible(obj) else Entry(note, False))
    return out


def _decisions(user: Actor, notes: list[Notification]) -> list[Entry]:
    def make(note: Notification, st: Statement) -> Entry:
        label = ACTIONS.get(st.action, st.action).lower()
        return Entry(
            note=note,
            visible=True,
            sentence=f"Décision de l'animation ({label}) :",
            title=st.target_label,
            path=path_for("moderation.statement", statement_id=st.id),
            reason="Ce message vous informe d'une décision de modération qui vous concerne.",
        )

    found = _by_id(Statement, notes)
    return _entries(notes, found, lambda st: policy.can_view_statement(user, st), make)


def _reports(user: Actor, notes: list[Notification]) -> list[Entry]:
    found = _by_id(Report, notes)
    labels = queries.labels({(r.target_type, r.target_id) for r in found.values()})

    def make(note: Notification, report: Report) -> Entry:
        return Entry(
            note=note,
            visible=True,
            sentence=f"Nouveau signalement ({REPORT_REASONS[report.reason].lower()}) :",
            title=labels.get((report.target_type, report.target_id), ("contenu", ""))[0],
            path=path_for(
                "moderation.content", kind=report.target_type, target_id=report.target_id
            ),
            reason="Vous recevez ce courriel parce que vous animez l'espace de ce contenu.",
        )

    return _entries(notes, found, lambda r: policy.can_act_in_scope(user, r.group_id), make)


def _handled(user: Actor, notes: list[Notification]) -> list[Entry]:
    found = _by_id(Report, notes)
    labels = queries.labels({(r.target_type, r.target_id) for r in found.values()})

    def make(note: Notification, report: Report) -> Entry:
        done = "classé sans suite" if report.status == "dismissed" else "traité"
        key = (report.target_type, report.target_id)
        return Entry(
            note=note,
            visible=True,
            sentence=f"Votre signalement a été {done} par l'animation",
            title=labels.get(key, ("contenu", ""))[0],
            path=labels.get(key, ("", path_for("notifications.index")))[1],
            reason="Vous recevez ce courriel parce que vous avez signalé ce contenu.",
        )

    return _entries(notes, found, lambda r: r.reporter_id == user.id, make)


def _contests(user: Actor, notes: list[Notification]) -> list[Entry]:
    def make(note: Notification, st: Statement) -> Entry:
        return Entry(
            note=note,
            visible=True,
            sentence="Une décision de l'animation est contestée :",
            title=st.target_label,
            path=path_for("moderation.statement", statement_id=st.id),
            reason="Vous recevez ce courriel parce que vous animez l'espace concerné.",
        )

    found = _by_id(Statement, notes)
    return _entries(notes, found, lambda st: policy.can_act_in_scope(user, st.group_id), make)


def register() -> None:
    """Describe the moderation notifications in the notification centre (idempotent)."""
    register_target("moderation.decision", _decisions)
    register_target("moderation.report", _reports)
    register_target("moderation.contest", _contests)
    register_target("moderation.handled", _handled)


def queue_statements() -> int:
    """Queue the e-mails of the statements of reasons not yet sent (each at most once) in the
    mail outbox, in the current transaction: they leave after its commit, and not at all if
    it rolls back. Returns how many were queued."""
    recent = db.utcnow() - PENDING_WINDOW
    ids = list(
        db.session.scalars(
            select(Statement.id).where(
                Statement.emailed_at.is_(None), Statement.created_at >= recent
            )
        )
    )
    queued = 0
    for statement_id in ids:
        claimed = db.session.execute(
            update(Statement)
            .where(Statement.id == statement_id, Statement.emailed_at.is_(None))
            .values(emailed_at=db.utcnow())
        ).rowcount  # type: ignore[attr-defined]
        statement = db.session.get(Statement, statement_id)
        user = db.session.get(User, statement.user_id) if statement else None
        if not claimed or statement is None or user is None or user.email_confirmed_at is None:
            continue
        action = ACTIONS.get(statement.action, statement.action)
        mail.send_template(
            user.email,
            f"Décision de l'animation : {action}",
            "moderation/mail/statement",
            user=user,
            statement=statement,
            action=action,
            url=mail.absolute_url("moderation.statement", statement_id=statement.id),
            content_url=(current_base() + statement.target_path if statement.target_path else ""),
        )
        queued += 1
    return queued


def current_base() -> str:
    """The site's address, without a trailing slash."""
    return str(current_app.config["BASE_URL"]).rstrip("/")
