"""The mail outbox: queued in the change's transaction, delivered after commit, retried.

:func:`queue` adds an :class:`OutgoingMail` row to the current session, so a message exists
exactly when the change it reports was committed: a rolled-back transaction sends nothing.
After the commit:

- in a request, the lifecycle's after-commit hook hands *this request's* rows to
  :func:`deliver`, which runs once the response has been sent (``call_on_close``): the person
  never waits for the SMTP server, and a server that is down never fails their action;
- outside a request (command line, scripts, tests), the rows are delivered right after the
  commit that wrote them;
- ``commons mail send`` (cron) or ``commons mail send --watch`` delivers whatever is due:
  messages whose delivery failed are retried with an exponential backoff
  (``MAIL_RETRY_SECONDS`` doubled after each failure, at most six hours) until
  ``MAIL_MAX_ATTEMPTS``.

A row is *claimed* before it is sent (one ``UPDATE`` that also schedules the next attempt), so
two workers never send the same message twice; a worker killed mid-send leaves a claimed row
that the next ``commons mail send`` retries once its attempt is due (at least once delivery).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, select, update
from werkzeug.wrappers import Response

from .. import db
from ..dates import ngettext
from .models import OutgoingMail
from .transport import transmit

MAX_DELAY = timedelta(hours=6)
_ROWS = "commons.mail_rows"


def queue(message: EmailMessage) -> OutgoingMail:
    """Put a built message in the outbox, in the current transaction."""
    now = db.utcnow()
    row = OutgoingMail(
        recipient=str(message["To"]),
        subject=str(message["Subject"] or "")[:300],
        message=bytes(message),
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    db.session.add(row)
    db.session().info.setdefault(_ROWS, []).append(row)
    return row


def queue_decoy() -> OutgoingMail:
    """A row that is processed like a message but sends nothing: a request that mails only
    when an account exists queues this otherwise, so its work does not tell (no oracle)."""
    now = db.utcnow()
    row = OutgoingMail(
        recipient="", subject="", message=b"", created_at=now, next_attempt_at=now, attempts=0
    )
    db.session.add(row)
    db.session().info.setdefault(_ROWS, []).append(row)
    return row


def retry_delay(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures (exponential, capped)."""
    base = timedelta(seconds=int(current_app.config["MAIL_RETRY_SECONDS"]))
    return min(base * (2 ** max(attempts - 1, 0)), MAX_DELAY)


@dataclass
class Report:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        sent = ngettext("%(num)d courriel envoyé", "%(num)d courriels envoyés", self.sent)
        if not self.failed:
            return sent + "."
        failed = ngettext("%(num)d en échec", "%(num)d en échec", self.failed)
        return f"{sent}, {failed} (nouvel essai prévu)."


def _claim(row_id: int, now: datetime) -> OutgoingMail | None:
    row = db.session.get(OutgoingMail, row_id)
    if row is None:
        return None
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == row_id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.next_attempt_at <= now,
            OutgoingMail.attempts < int(current_app.config["MAIL_MAX_ATTEMPTS"]),
        )
        .values(
            attempts=OutgoingMail.attempts + 1,
            next_attempt_at=now + retry_delay(row.attempts + 1),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    db.session.refresh(row)
    return row


def _send_one(row_id: int, report: Report) -> None:
    row = _claim(row_id, db.utcnow())
    if row is None:
        return
    parsed = BytesParser(policy=default_policy).parsebytes(row.message)
    try:
        if row.recipient:  # a decoy is parsed and marked sent, never transmitted
            transmit(parsed)
    except Exception as exc:  # noqa: BLE001 - any transport failure: keep the row, retry later
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        report.failed += 1
        current_app.logger.warning("Courriel %s non remis (%s) : nouvel essai prévu", row.id, exc)
    else:
        row.sent_at = db.utcnow()
        row.last_error = None
        report.sent += 1
    db.session.commit()


def deliver(app: Flask, ids: Iterable[int] | None = None, limit: int = 500) -> Report:
    """Deliver the given rows (or every due row) in a context of their own; never raises."""
    report = Report()
    with app.app_context():
        try:
            if ids is None:
                ids = db.session.scalars(
                    select(OutgoingMail.id)
                    .where(
                        OutgoingMail.sent_at.is_(None),
                        OutgoingMail.next_attempt_at <= db.utcnow(),
                        OutgoingMail.attempts < int(app.config["MAIL_MAX_ATTEMPTS"]),
                    )
                    .order_by(OutgoingMail.id)
                    .limit(limit)
                ).all()
                db.session.commit()
            for row_id in ids:
                _send_one(row_id, report)
        except Exception:  # noqa: BLE001 - the outbox keeps the rows for the next run
            db.session.rollback()
            app.logger.exception("Outbox : remise interrompue, les messages restent en file")
    return report


def _after_commit(session: Any) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the transaction, and its write lock, go on
    rows = session.info.pop(_ROWS, None)
    if not rows:
        return
    ids = [row.id for row in rows if row.id is not None]
    if has_request_context():
        g.setdefault("commons_mail_ids", []).extend(ids)
    else:
        deliver(current_app._get_current_object(), ids)  # type: ignore[attr-defined]


def _after_rollback(session: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_ROWS, None)


def after_request_commit(response: Response) -> None:
    """Lifecycle hook: deliver this request's messages once the response is sent."""
    ids = g.pop("commons_mail_ids", None)
    if ids and current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: deliver(app, ids))


def listen() -> None:
    """Subscribe to the session's commits and rollbacks (once per process)."""
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(db.AppSession, name, listener):
            event.listen(db.AppSession, name, listener)
