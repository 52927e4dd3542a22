"""Moderation data: reports on content, statements of reasons sent to authors, and the
facilitators' private notes on members. Hidden/locked flags live on the moderated models."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


REPORT_REASONS = {
    "hors-charte": "Hors charte",
    "propos-inappropries": "Propos inappropriés",
    "donnees-personnelles": "Données personnelles",
    "information-confidentielle": "Information confidentielle",
    "obsolete": "Obsolète",
    "doublon": "Doublon",
    "autre": "Autre",
}

#: Content that can be reported and moderated.
TARGET_LABELS = {"post": "Message", "thread": "Discussion", "rex": "REX", "user": "Compte"}


class Report(Base):
    """A member's report of a post, thread or REX. ``group_id`` is the space of the content
    (``None``: network or public, handled by the global facilitators)."""

    __tablename__ = "moderation_report"
    __table_args__ = (
        # One open report per user per item; closed ones may pile up.
        Index(
            "uq_moderation_report_open",
            "target_type",
            "target_id",
            "reporter_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_moderation_report_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column()
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), nullable=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The action that closed the report (``hide``, ``dismiss``…).
    outcome: Mapped[str] = mapped_column(String(30), default="")


class Statement(Base):
    """A statement of reasons: what the facilitators did to a person's content or account,
    why, and how to contest it. Sent to the person (notification centre and e-mail)."""

    __tablename__ = "moderation_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column()
    target_label: Mapped[str] = mapped_column(String(300), default="")
    #: Path of the content (empty for an account).
    target_path: Mapped[str] = mapped_column(String(300), default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    contested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contest_text: Mapped[str] = mapped_column(Text, default="")


class MemberNote(Base):
    """A facilitator's private note on a member. Never shown to the member, never exported
    or indexed. ``group_id``: written as facilitator of that group (``None``: network)."""

    __tablename__ = "moderation_member_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
