"""Login manager, CSRF, security headers, safe redirects and database-backed rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .actor import AnonymousActor

login_manager = LoginManager()
csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RateEvent(db.Base):
    """One counted event (a failed login, a post…) for a bucket and key, shared by all workers."""

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(db.UTCDateTime(), default=db.utcnow)


def count_events(bucket: str, key: str, window: timedelta) -> int:
    """How many events of ``bucket`` for ``key`` happened within ``window``."""
    since = db.utcnow() - window
    stmt = select(func.count(RateEvent.id)).where(
        RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since
    )
    return int(db.session.scalar(stmt) or 0)


def record_event(bucket: str, key: str) -> None:
    """Record one event (flush only); events older than a day for that key are purged."""
    now = db.utcnow()
    db.session.execute(
        delete(RateEvent).where(
            RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at < now - timedelta(days=1)
        )
    )
    db.session.add(RateEvent(bucket=bucket, key=key, at=now))
    db.session.flush()


def clear_events(bucket: str, key: str) -> None:
    """Forget the events of ``bucket`` for ``key`` (after a successful login, say)."""
    db.session.execute(delete(RateEvent).where(RateEvent.bucket == bucket, RateEvent.key == key))


def oldest_event_age(bucket: str, key: str, window: timedelta) -> timedelta | None:
    """Age of the oldest event still inside ``window``, to tell users how long to wait."""
    since = db.utcnow() - window
    first = db.session.scalar(
        select(func.min(RateEvent.at)).where(
            RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since
        )
    )
    if first is None:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return db.utcnow() - first


def hit(bucket: str, key: str, limit: int, window: timedelta) -> bool:
    """View side: count one more event of ``bucket`` for ``key`` and commit it, unless ``limit``
    events already happened within ``window`` (then ``False``, and nothing is written). Runs in
    its own write transaction, so a GET page (search) can be throttled too."""
    with db.writing():
        if count_events(bucket, key, window) >= limit:
            db.session.rollback()
            return False
        record_event(bucket, key)
        db.session.commit()
    return True


def is_safe_next(target: str | None) -> bool:
    """Whether ``target`` is a local path (no scheme, no host, no protocol-relative trick)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a local path, else ``default``."""
    return target if target is not None and is_safe_next(target) else default


def client_address() -> str:
    """The client address as seen by the app (configure ProxyFix behind a proxy)."""
    return request.remote_addr or "unknown"


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    )
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    hsts = int(current_app.config.get("HSTS_SECONDS") or 0)
    if hsts > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def init_app(app: Flask) -> None:
    """Install the login manager, CSRF protection and security headers."""
    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousActor
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = "Reconnectez-vous pour confirmer votre identité."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.after_request(_security_headers)
