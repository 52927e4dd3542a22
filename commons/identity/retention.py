"""Retention: what is kept only for a while is purged by ``commons privacy purge`` (cron).

Durations are settings (``RETENTION_*``, in days) and are stated on the legal page. Flush only;
the command commits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from .. import db
from ..accounts import sessions
from ..accounts.models import User
from ..security import RateEvent


@dataclass
class Purged:
    """How much each purge removed."""

    unconfirmed_accounts: int = 0
    rate_events: int = 0
    sessions: int = 0
    mail_files: int = 0


def _days(setting: str) -> timedelta:
    return timedelta(days=int(current_app.config[setting]))


def purge_unconfirmed_accounts() -> int:
    """Accounts whose address was never confirmed, created longer ago than the retention."""
    cutoff = db.utcnow() - _days("RETENTION_UNCONFIRMED_DAYS")
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email_confirmed_at.is_(None), User.created_at < cutoff)
        )
    )
    if ids:
        db.session.execute(delete(User).where(User.id.in_(ids)))
    return len(ids)


def purge_rate_events() -> int:
    """Throttle events (failed sign-ins, codes, posts) older than the retention."""
    cutoff = db.utcnow() - _days("RETENTION_RATE_EVENTS_DAYS")
    result = db.session.execute(delete(RateEvent).where(RateEvent.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_mail_files() -> int:
    """Messages kept by the ``file`` mail backend, older than the retention."""
    if current_app.config["MAIL_BACKEND"] != "file":
        return 0
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    if not folder.is_dir():
        return 0
    cutoff = time.time() - _days("RETENTION_MAIL_DAYS").total_seconds()
    count = 0
    for path in folder.glob("*.eml"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            count += 1
    return count


def purge() -> Purged:
    """Run every purge (flush only; mail files are removed at once)."""
    result = Purged(
        unconfirmed_accounts=purge_unconfirmed_accounts(),
        rate_events=purge_rate_events(),
        sessions=sessions.purge_expired(),
    )
    db.session.flush()
    result.mail_files = purge_mail_files()
    return result
