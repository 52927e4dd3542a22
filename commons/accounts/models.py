"""Accounts: users with a professional identity, roles and suspensions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..collectivites.models import Collectivite


class Role(enum.StrEnum):
    """Network-wide roles. Group roles live on memberships."""

    AGENT = "agent"
    FACILITATOR = "facilitator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.AGENT: "Agent",
    Role.FACILITATOR: "Animateur·rice",
    Role.ADMIN: "Administrateur·rice",
}


class User(Base):
    """An agent of a collectivité (or a facilitator, or an administrator)."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored as typed (trimmed); uniqueness and look-ups are case-insensitive.
    email: Mapped[str] = mapped_column(String(254))
    #: ``email`` lower-cased: the unique key for case-insensitive look-ups on every database.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    #: Unique, lower-case, used for @mentions and profile URLs.
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    job_title: Mapped[str] = mapped_column(String(120))
    collectivite_id: Mapped[int | None] = mapped_column(
        ForeignKey("collectivite.id", ondelete="SET NULL"), index=True
    )
    bio: Mapped[str] = mapped_column(String(2000), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.AGENT.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``None`` with ``suspended_at`` set means suspended indefinitely.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspension_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    collectivite: Mapped[Collectivite | None] = relationship(
        lazy="joined", foreign_keys="User.collectivite_id"
    )

    # Flask-Login protocol -------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.email_confirmed_at is not None and not self.is_suspended

    #: The token of the server-side session this object was signed in or loaded through (not a
    #: column: set by :mod:`commons.accounts.sessions`).
    session_token = cast("str | None", None)

    def get_id(self) -> str:
        """The session token: the cookie names a server-side session, not the user, so deleting
        that session (logout, suspension, password change) kills the cookie."""
        if not self.session_token:
            raise RuntimeError("sign in through accounts.sessions.sign_in()")
        return str(self.session_token)

    # Domain -------------------------------------------------------------------------------------
    @property
    def is_suspended(self) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > utcnow()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_facilitator(self) -> bool:
        """Network facilitator (may create groups) or administrator."""
        return self.role in (Role.FACILITATOR.value, Role.ADMIN.value)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)

    def __repr__(self) -> str:
        return f"<User {self.handle}>"


class UserSession(Base):
    """One signed-in browser: created at login, deleted at logout, expired after inactivity.
    The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_seen", "user_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: « Firefox sous Linux »: browser and system, read from the User-Agent at sign-in.
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="joined")
