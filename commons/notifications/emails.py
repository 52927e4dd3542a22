"""Notification e-mails: one message per notification (immediate mode) or a daily digest.

Immediate messages are queued in the mail outbox *in the transaction that created the
notification* (a ``before_commit`` hook: :func:`queue_immediate`), so they leave after the
commit, never inside the request, and never for a change that rolled back. Notifications
written with the ORM are noticed at flush; code inserting them in bulk calls
:func:`note_created`. Visibility is checked when the message is written: a notification about
something the recipient can no longer see is marked handled and never mailed. Each message
carries an unsubscribe link that works without signing in. Digests (``commons notify digests``)
run from the command line and commit their own bookkeeping.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from .. import db, mail
from ..accounts.models import User
from ..dates import ngettext
from . import services
from .models import EmailMode, Notification, Preference

UNSUBSCRIBE_SALT = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 3 * 365 * 24 * 3600  # links in old messages keep working for years
PENDING_WINDOW = timedelta(days=7)  # a user switching to e-mail later gets no backlog flood
DIGEST_INTERVAL = timedelta(hours=24)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    """A signed token naming the user, for the unsubscribe link."""
    return _serializer().dumps(user_id)


def user_from_unsubscribe_token(token: str) -> User | None:
    """The user named by a valid unsubscribe token, else ``None``."""
    try:
        user_id = _serializer().loads(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _links(user: User) -> dict[str, str]:
    token = unsubscribe_token(user.id)
    return {
        "unsubscribe_url": _absolute(services.path_for("notifications.unsubscribe", token=token)),
        "preferences_url": _absolute(services.path_for("notifications.preferences")),
    }


def _claim(note_ids: list[int], now: datetime) -> list[int]:
    """Mark notifications e-mailed (only those nobody else took) and commit: at most once."""
    claimed = []
    for note_id in note_ids:
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == note_id, Notification.emailed_at.is_(None))
            .values(emailed_at=now)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(note_id)
    db.session.commit()
    return claimed


def send_immediate(notifications: list[Notification]) -> int:
    """Send one message per notification still visible to its recipient; return how many."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in notifications:
        by_user[note.user_id].append(note)
    sent = 0
    now = db.utcnow()
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        claimed = set(_claim([n.id for n in notes], now))
        if user is None or not user.is_active:
            continue
        for entry in services.describe(user, [n for n in notes if n.id in claimed]):
            if entry.visible:
                _send_entry(user, entry)
                sent += 1
    db.session.commit()  # the queued messages leave with this commit
    return sent


def deliver_pending() -> int:
    """Send what is waiting for users in immediate mode (the default); return messages sent.

    Call it after ``db.session.commit()`` (e.g. after a new post); it commits its own changes.
    """
    mode = func.coalesce(Preference.email_mode, EmailMode.IMMEDIATE.value)
    query = (
        select(Notification)
        .outerjoin(Preference, Preference.user_id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= db.utcnow() - PENDING_WINDOW,
            mode == EmailMode.IMMEDIATE.value,
        )
        .order_by(Notification.id)
    )
    return send_immediate(list(db.session.scalars(query)))


def send_digests(now: datetime) -> int:
    """One digest per user in digest mode whose last digest is at least 24 h old, listing
    their un-mailed notifications still visible to them; return how many were sent."""
    due = db.session.scalars(
        select(Preference).where(
            Preference.email_mode == EmailMode.DIGEST.value,
            or_(
                Preference.last_digest_at.is_(None),
                Preference.last_digest_at <= now - DIGEST_INTERVAL,
            ),
        )
    ).all()
    sent = 0
    for pref in due:
        notes = list(
            db.session.scalars(
                select(Notification)
                .where(
                    Notification.user_id == pref.user_id,
                    Notification.emailed_at.is_(None),
                    Notification.created_at >= now - PENDING_WINDOW,
                )
                .order_by(Notification.id)
            )
        )
        user = db.session.get(User, pref.user_id)
        claimed = set(_claim([n.id for n in notes], now))
        if user is None or not user.is_active or not claimed:
            continue
        entries = [
            e for e in services.describe(user, [n for n in notes if n.id in claimed]) if e.visible
        ]
        if not entries:
            continue
        pref.last_digest_at = now
        mail.send_template(
            user.email,
            "Votre résumé : "
            + ngettext("%(num)d notification", "%(num)d notifications", len(entries)),
            "notifications/mail/digest",
            (),
            user=user,
            entries=[(e, _absolute(e.path)) for e in entries],
            **_links(user),
        )
        db.session.commit()  # the digest is marked sent and queued in one transaction
        sent += 1
    return sent


NEW_NOTES = "commons.new_notifications"


def note_created(session: Session, ids: list[int]) -> None:
    """Tell the mailer that notifications ``ids`` were inserted in this transaction."""
    session.info.setdefault(NEW_NOTES, []).extend(ids)


def _after_flush(session: Session, _context: Any) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, Notification)]
    if ids:
        note_created(session, ids)


def _forget(session: Session, *_args: Any) -> None:
    if not session.in_transaction():
        session.info.pop(NEW_NOTES, None)


def queue_immediate(session: Session) -> None:
    """Before commit: queue one message per notification of this transaction whose recipient
    is in immediate mode (the default) and can still see its subject; mark them e-mailed."""
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the messages are written at the real commit
    ids = session.info.pop(NEW_NOTES, None)
    if not ids:
        return
    mode = func.coalesce(Preference.email_mode, EmailMode.IMMEDIATE.value)
    notes = session.scalars(
        select(Notification)
        .outerjoin(Preference, Preference.user_id == Notification.user_id)
        .where(
            Notification.id.in_(ids),
            Notification.emailed_at.is_(None),
            mode == EmailMode.IMMEDIATE.value,
        )
        .order_by(Notification.id)
    ).all()
    now = db.utcnow()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        note.emailed_at = now
        by_user[note.user_id].append(note)
    for user_id, user_notes in by_user.items():
        user = session.get(User, user_id)
        if user is not None and user.is_active:
            for entry in services.describe(user, user_notes):
                if entry.visible:
                    _send_entry(user, entry)


def _send_entry(user: User, entry: services.Entry) -> None:
    mail.send_template(
        user.email,
        f"{entry.sentence} « {entry.title} »"[:180],
        "notifications/mail/immediate",
        attachments=entry.attachments,
        user=user,
        entry=entry,
        url=_absolute(entry.path),
        **_links(user),
    )


def init_app(app: Flask) -> None:
    """Queue immediate e-mails with the transaction that notifies (once per process)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", queue_immediate),
        ("after_rollback", _forget),
    ):
        if not event.contains(db.AppSession, name, listener):
            event.listen(db.AppSession, name, listener)
