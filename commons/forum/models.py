"""Forum: categories of the network Agora, threads (group, network, REX talk), posts with edit
history, and the group agenda (topics proposed and supported by members)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow


class ThreadSpace(enum.StrEnum):
    GROUP = "group"
    NETWORK = "network"


class Category(Base):
    """A category of the network forum ("Agora"), managed by facilitators."""

    __tablename__ = "forum_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)


class Thread(Base):
    """A discussion: in a group (private), in the Agora (network), or the talk page of a REX
    (same space as the REX). Counters are kept on the row so indexes need no aggregate."""

    __tablename__ = "forum_thread"
    __table_args__ = (
        Index("ix_forum_thread_group_last", "group_id", "pinned", "last_post_at"),
        Index("ix_forum_thread_category_last", "category_id", "pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    space: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("peer_group.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_category.id", ondelete="SET NULL")
    )
    #: Set on a talk thread of a REX ("Discussion"). A talk thread keeps the audience it was
    #: written for (``space``/``group_id``): when the REX changes audience, a new one starts.
    rex_id: Mapped[int | None] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    post_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[author_id])


class Post(Base):
    """A message in a thread. ``number`` is its position (1 = the opening post): pages are
    ranges of numbers, so a 5,000-post thread never loads more than one page."""

    __tablename__ = "forum_post"
    __table_args__ = (UniqueConstraint("thread_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[author_id])


class PostEdit(Base):
    """The text of a post before an edit (history visible to facilitators)."""

    __tablename__ = "forum_post_edit"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    source_before: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TopicStatus(enum.StrEnum):
    PROPOSED = "propose"
    CHOSEN = "retenu"
    IN_PROGRESS = "en-cours"
    DONE = "traite"


TOPIC_STATUS_LABELS = {
    TopicStatus.PROPOSED: "Proposé",
    TopicStatus.CHOSEN: "Retenu",
    TopicStatus.IN_PROGRESS: "En cours",
    TopicStatus.DONE: "Traité",
}


class Topic(Base):
    """A subject proposed by a member for the group's agenda ("Sujets proposés")."""

    __tablename__ = "agenda_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default=TopicStatus.PROPOSED.value)
    votes: Mapped[int] = mapped_column(default=0)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_thread.id", ondelete="SET NULL")
    )
    rex_id: Mapped[int | None] = mapped_column(ForeignKey("rex.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TopicVote(Base):
    """One member's support of a topic (one each, can be withdrawn)."""

    __tablename__ = "agenda_vote"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_topic.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
