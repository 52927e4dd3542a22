"""Identity models: links to an external OpenID Connect identity, TOTP secrets, recovery codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class ExternalIdentity(Base):
    """An account's identity at an OpenID Connect provider (``sub`` is stable per provider).

    ``siret`` is kept as the provider gave it (the collectivité is found from its SIREN);
    ``claims`` keeps the other professional claims received at the last sign-in.
    """

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: ``proconnect`` or ``oidc`` (the generic provider).
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    siret: Mapped[str | None] = mapped_column(String(14))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TotpDevice(Base):
    """A TOTP authenticator of one account; ``confirmed_at`` is set once a code was proven."""

    __tablename__ = "totp_device"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last time step accepted: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(default=0)


class RecoveryCode(Base):
    """A single-use recovery code, stored hashed (SHA-256 of a random 50-bit code)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountDeletion(Base):
    """A requested account deletion, carried out by ``commons privacy delete-due`` once
    ``due_at`` has passed; signing in before then cancels it (the row is removed)."""

    __tablename__ = "account_deletion"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
