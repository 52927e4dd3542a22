"""One-time submission tokens: what a form that creates something has already created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class SubmissionToken(Base):
    """A form's one-time token, claimed in the transaction that creates what the form asks
    for; ``url`` is where that creation lives (the answer to a replay)."""

    __tablename__ = "submission_token"
    __table_args__ = (
        UniqueConstraint("user_id", "token"),
        Index("ix_submission_token_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
