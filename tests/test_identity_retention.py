"""``commons privacy purge``: retention of unconfirmed accounts, throttle events, kept mail."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from commons import db
from commons.accounts import sessions
from commons.accounts.models import User, UserSession
from commons.accounts.sessions import RequestInfo
from commons.security import RateEvent, record_event


def test_purge_removes_only_what_is_past_retention(app: Any, make_user) -> None:
    old_unconfirmed = make_user(confirmed=False)
    new_unconfirmed = make_user(confirmed=False)
    old_confirmed = make_user()
    long_ago = db.utcnow() - timedelta(days=31)
    old_unconfirmed.created_at = long_ago
    old_confirmed.created_at = long_ago
    record_event("login-address", "10.0.0.1")
    record_event("login-address", "10.0.0.2")
    db.session.flush()
    stale = db.session.scalar(select(RateEvent).where(RateEvent.key == "10.0.0.1"))
    stale.at = db.utcnow() - timedelta(days=8)
    for _ in range(2):
        sessions.start(old_confirmed, RequestInfo(user_agent="Firefox", ip="192.0.2.1"))
    db.session.flush()
    idle = db.session.scalars(select(UserSession).order_by(UserSession.id)).first()
    idle.last_seen_at = db.utcnow() - timedelta(days=15)  # past SESSION_IDLE_DAYS (14)
    db.session.commit()
    ids = (old_unconfirmed.id, new_unconfirmed.id, old_confirmed.id)
    mail_dir = Path(app.config["MAIL_FILE_DIR"])
    mail_dir.mkdir(parents=True, exist_ok=True)
    old_mail, new_mail = mail_dir / "ancien.eml", mail_dir / "recent.eml"
    old_mail.write_text("x")
    new_mail.write_text("y")
    ninety_one_days = time.time() - 91 * 86400
    os.utime(old_mail, (ninety_one_days, ninety_one_days))

    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Comptes jamais confirmés supprimés : 1" in result.output
    assert "Événements de limitation supprimés : 1" in result.output
    assert "Sessions expirées supprimées : 1" in result.output
    assert "Courriels archivés supprimés : 1" in result.output
    db.session.expire_all()
    remaining = set(db.session.scalars(select(User.id).where(User.id.in_(ids))))
    assert remaining == {new_unconfirmed.id, old_confirmed.id}
    assert [e.key for e in db.session.scalars(select(RateEvent))] == ["10.0.0.2"]
    assert not old_mail.exists() and new_mail.exists()
    assert db.session.scalar(select(func.count(UserSession.id))) == 1
