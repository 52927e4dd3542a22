"""Group sessions (« séances »): scheduled meetings of a peer group, their agenda, answers and
attendance, calendar feeds, minutes with revisions, and the decisions and « à faire » items.

Named ``GroupSession`` (never ``Session``) so it is not mistaken for Flask's ``session`` or a
SQLAlchemy session. Times are stored in UTC; they are entered and shown in Europe/Paris.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Reply(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


REPLY_LABELS = {
    Reply.YES: "Je viens",
    Reply.MAYBE: "Peut-être",
    Reply.NO: "Je ne viens pas",
}


class Recurrence(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY_WEEKDAY = "monthly-weekday"


class ActionKind(enum.StrEnum):
    DECISION = "decision"
    TODO = "todo"


class SessionSeries(Base):
    """A recurring series (« le premier jeudi du mois »): its sessions are ordinary sessions,
    each changeable or cancellable on its own."""

    __tablename__ = "group_session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(20))
    #: The French description of the rule, e.g. « le premier jeudi du mois ».
    label: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GroupSession(Base):
    """One session of a group, in person (address), online (video link) or both."""

    __tablename__ = "group_session"
    __table_args__ = (Index("ix_group_session_group_starts", "group_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_session_series.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=120)
    address: Mapped[str] = mapped_column(String(300), default="")
    #: Shown to members only; in calendar feeds only if the feed owner chose it.
    video_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column()
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED.value)
    #: iCalendar SEQUENCE: incremented at each change so calendars replace the event.
    sequence: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value


class SessionAnswer(Base):
    """A member's answer to a session (« je viens / peut-être / je ne viens pas ») and, after
    the session, whether the facilitator recorded them as present."""

    __tablename__ = "group_session_answer"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reply: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None] = mapped_column()


class AgendaItem(Base):
    """A point of a session's agenda, usually one of the group's supported topics, with a
    time box."""

    __tablename__ = "group_session_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_topic.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=20)
    discussed: Mapped[bool] = mapped_column(default=False)


class CalendarFeed(Base):
    """A secret, revocable iCalendar feed URL of a person (all their groups) or of one group.
    Only the SHA-256 of the random token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    include_video: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Minutes(Base):
    """The minutes (compte rendu) of a session: an identity and immutable revisions."""

    __tablename__ = "session_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), unique=True
    )
    current_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MinutesRevision(Base):
    """One immutable version of the minutes (source and stored HTML)."""

    __tablename__ = "session_minutes_revision"
    __table_args__ = (UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("session_minutes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActionItem(Base):
    """A decision or an « à faire » item of a session, tracked on the group's space."""

    __tablename__ = "session_action"
    __table_args__ = (Index("ix_session_action_group_done", "group_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default=ActionKind.TODO.value)
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SynthesisSource(Base):
    """A synthesis REX drafted from a session's minutes: the session's attendees and minutes
    writers are asked for consent when the synthesis is proposed for publication."""

    __tablename__ = "session_synthesis_source"

    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), primary_key=True
    )
