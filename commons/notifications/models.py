"""Knowing what happened: watches, notifications, read markers and e-mail preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class WatchLevel(enum.StrEnum):
    ALL = "all"
    MENTIONS = "mentions"
    MUTED = "muted"


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"


class Watch(Base):
    """A user's watch of a thread, a REX or a group, at a level."""

    __tablename__ = "watch"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: ``thread``, ``rex`` or ``group``.
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column()
    level: Mapped[str] = mapped_column(String(20), default=WatchLevel.ALL.value)


class Notification(Base):
    """Something a user should know about (a reply, a mention…). Content is never copied here:
    it is read through the permission checks when shown or e-mailed, so a notification about
    content the user can no longer see shows nothing."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: ``reply``, ``mention``, ``new_thread``, ``moderation``…
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"))
    #: A notification about something else than a thread (``publication``…): its type and id,
    #: described by the feature that registered the type (``services.register_target``).
    target_type: Mapped[str] = mapped_column(String(30), default="", server_default="")
    target_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class ThreadRead(Base):
    """The last post a user has read in a thread (unread markers)."""

    __tablename__ = "thread_read"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("forum_thread.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_number: Mapped[int] = mapped_column(default=0)


class Preference(Base):
    """A user's e-mail preference (immediate, daily digest, none)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    email_mode: Mapped[str] = mapped_column(String(20), default=EmailMode.IMMEDIATE.value)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
