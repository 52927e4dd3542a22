"""Small peer groups: memberships, join requests and invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow


class GroupRole(enum.StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    RequestStatus.PENDING: "en attente",
    RequestStatus.APPROVED: "acceptée",
    RequestStatus.DECLINED: "refusée",
    RequestStatus.WITHDRAWN: "retirée",
}


class Group(Base):
    """A small peer group with a charter, run by one or more facilitators."""

    __tablename__ = "peer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Plain-text one-liner for cards and search.
    summary: Mapped[str] = mapped_column(String(300), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    charter_md: Mapped[str] = mapped_column(Text, default="")
    charter_html: Mapped[str] = mapped_column(Text, default="")
    #: Theme codes of the controlled vocabulary.
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    member_cap: Mapped[int] = mapped_column(default=12)
    #: Listed groups appear in the directory; unlisted ones only to members and invitees.
    listed: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(Base):
    """A user's membership of a group, with a group role."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default=GroupRole.MEMBER.value)
    charter_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class JoinRequest(Base):
    """An agent's request to join a group, decided by a facilitator of the group."""

    __tablename__ = "join_request"
    __table_args__ = (
        Index("ix_join_request_group_status", "group_id", "status"),
        # One pending request per person and group, whatever the race (partial index: SQLite
        # and PostgreSQL both have them; decided requests are history and may repeat).
        Index(
            "uq_join_request_pending",
            "group_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(1000), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    group: Mapped[Group] = relationship(lazy="raise")


class Invitation(Base):
    """A facilitator's invitation of an agent into a group; the agent accepts or declines."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    message: Mapped[str] = mapped_column(String(2000), default="")
    #: The group role the invitee gets on accepting (``facilitator``: an appointment).
    role: Mapped[str] = mapped_column(
        String(20), default=GroupRole.MEMBER.value, server_default=GroupRole.MEMBER.value
    )
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    group: Mapped[Group] = relationship(lazy="raise")
