"""Server-side sessions: one row per signed-in browser, so a logout really logs out.

The session cookie (and the "remember me" cookie) carry a random token; the database keeps its
SHA-256, the user, the browser and system, the address and the last activity. A cookie whose row
is gone (logout, « déconnecter partout », suspension, password change, inactivity longer than
``SESSION_IDLE_DAYS``) loads nobody. :func:`start` is the one way to open a session (password
login here, ProConnect or two-factor sign-in elsewhere); :func:`sign_in` is its view-side wrapper.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..security import client_address
from .models import User, UserSession

#: Last activity is written at most this often (a write per request would serialise readers).
TOUCH_EVERY = timedelta(minutes=1)

_BROWSERS = [
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chromium", "Chromium"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


@dataclass(frozen=True)
class RequestInfo:
    """What a session records of the request that opened it."""

    user_agent: str = ""
    ip: str = ""

    @classmethod
    def from_request(cls) -> RequestInfo:
        """The current request's browser and address (view side)."""
        return cls(user_agent=request.headers.get("User-Agent", "")[:500], ip=client_address())


def describe_agent(user_agent: str) -> str:
    """« Firefox sous Linux » from a User-Agent header; « Navigateur inconnu » otherwise."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if not browser and not system:
        cleaned = re.sub(r"[^\w./ -]", "", user_agent)[:40].strip()
        return cleaned or "Navigateur inconnu"
    return f"{browser or 'Navigateur'} sous {system}" if system else browser


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(days=float(current_app.config["SESSION_IDLE_DAYS"]))


def purge_expired() -> int:
    """Delete every session idle past ``SESSION_IDLE_DAYS`` (the retention command; flush
    only). Returns how many were removed."""
    stmt = delete(UserSession).where(UserSession.last_seen_at < db.utcnow() - _idle_limit())
    result = db.session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def start(user: User, info: RequestInfo) -> str:
    """Open a session for ``user`` (flush only) and return its token, which the caller puts in
    the cookie (``user.session_token`` is set, so ``login_user(user)`` does it). Expired
    sessions of the user are purged on the way."""
    now = db.utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < now - _idle_limit()
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=describe_agent(info.user_agent)[:120],
            ip=info.ip[:64],
        )
    )
    db.session.flush()
    user.session_token = token
    return token


def sign_in(user: User, *, remember: bool = False) -> str:
    """View side: open a session for the current request and set the cookies."""
    from flask_login import login_user

    token = start(user, RequestInfo.from_request())
    login_user(user, remember=remember)
    return token


def load(token: str) -> User | None:
    """The active user of a live session, or ``None`` (unknown, expired, suspended)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    if row is None:
        return None
    now = db.utcnow()
    if row.last_seen_at < now - _idle_limit() or not row.user.is_active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        _touch(row.id, now)
    row.user.session_token = token
    return row.user


def _touch(session_id: int, now: object) -> None:
    """Record activity (best effort). A writing request (POST…) already holds the write lock on
    SQLite: the update joins its transaction. A reading one writes in its own short transaction
    rather than turn its read into a write (the "database is locked" trap)."""
    stmt = update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
    if db._write_intent.get():
        db.session.execute(stmt)
        return
    engine = current_app.extensions["commons.engine"]
    previous = db._write_intent.get()
    db.set_write_intent(True)
    try:
        with engine.begin() as conn:
            conn.execute(stmt)
    except SQLAlchemyError:  # a busy database: the activity is recorded next time
        current_app.logger.warning("Dernière activité de session non enregistrée")
    finally:
        db.set_write_intent(previous)


def current_id(user: User) -> int | None:
    """The id of the session ``user`` was loaded through."""
    if not user.session_token:
        return None
    return db.session.scalar(
        select(UserSession.id).where(UserSession.token_hash == _digest(user.session_token))
    )


def of_user(user: User) -> list[UserSession]:
    """The user's live sessions, most recently active first."""
    since = db.utcnow() - _idle_limit()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.last_seen_at >= since)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end(token: str | None) -> None:
    """Close the session of this token (logout); flush only."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))
        db.session.flush()


def end_one(user: User, session_id: int) -> bool:
    """Close one of ``user``'s sessions (« Mes sessions »); ``False`` if it is not theirs."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    db.session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_all(user: User, *, keep: str | None = None) -> int:
    """Close every session of ``user`` (but the one of token ``keep``); flush only."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        stmt = stmt.where(UserSession.token_hash != _digest(keep))
    result = db.session.execute(stmt)
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
