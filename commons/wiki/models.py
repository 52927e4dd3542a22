"""Retours d'expérience (REX): identity, immutable revisions, history events, slug redirects,
and the ``rex_theme`` index of their themes."""

from __future__ import annotations

import enum
import uuid as uuidlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..db import Base, UTCDateTime, utcnow


class Space(enum.StrEnum):
    """Where a REX lives: a group's private space, the network, or the public commons."""

    GROUP = "group"
    NETWORK = "network"
    PUBLIC = "public"


SPACE_LABELS = {
    Space.GROUP: "Groupe (privé)",
    Space.NETWORK: "Réseau (agents connectés)",
    Space.PUBLIC: "Communs (public)",
}


class Status(enum.StrEnum):
    IDEA = "idee"
    ONGOING = "en-cours"
    DONE = "termine"
    ABANDONED = "abandonne"
    TO_COMPLETE = "a-completer"


STATUS_LABELS = {
    Status.IDEA: "Idée",
    Status.ONGOING: "En cours",
    Status.DONE: "Terminé",
    Status.ABANDONED: "Abandonné",
    Status.TO_COMPLETE: "À compléter",
}

rex_collectivite = Table(
    "rex_collectivite",
    Base.metadata,
    Column("rex_id", ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True),
    Column("collectivite_id", ForeignKey("collectivite.id", ondelete="CASCADE"), primary_key=True),
)

#: One row per (theme, REX): the indexed copy of ``Rex.themes`` that lists filter and count on
#: (a JSON list cannot be indexed the same way on SQLite and PostgreSQL). ``Rex.themes`` stays
#: the source of truth; the mapper events below keep this table in step with it.
rex_theme = Table(
    "rex_theme",
    Base.metadata,
    Column("theme", String(60), primary_key=True),
    Column("rex_id", ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Rex(Base):
    """A retour d'expérience. Its text lives in immutable :class:`Revision` rows; the head
    revision's stored HTML is copied here so a page never runs Markdown."""

    __tablename__ = "rex"
    __table_args__ = (
        Index("ix_rex_space_updated", "space", "updated_at"),
        # Covering indexes for list filters and counts: on SQLite ``hidden`` and ``status`` sit
        # after the stored HTML in the row, so filtering on them read every REX's overflow
        # pages (counts of 11 to 32 ms on 20,000 REX; about 1 ms with these).
        Index("ix_rex_listing_space", "space", "hidden", "status", "updated_at", "id"),
        Index("ix_rex_listing_hidden", "hidden", "space", "group_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuidlib.uuid4()))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    space: Mapped[str] = mapped_column(String(20), default=Space.NETWORK.value)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="RESTRICT"), index=True
    )
    licence_id: Mapped[str] = mapped_column(String(40), default="etalab-2.0")
    kind: Mapped[str] = mapped_column(String(20), default="rex")
    status: Mapped[str] = mapped_column(String(20), default=Status.ONGOING.value)
    period: Mapped[str] = mapped_column(String(100), default="")
    budget: Mapped[str] = mapped_column(String(100), default="")
    team_size: Mapped[int | None] = mapped_column()
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Number of the head revision; the text is in ``Revision``.
    head: Mapped[int] = mapped_column(default=0)
    html: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Imported from another instance: its name or URL ("importé de …").
    provenance: Mapped[str] = mapped_column(String(300), default="")
    #: How contributors are credited: ``named`` (default), ``chatham`` or ``group``
    #: (see :mod:`commons.wiki.attribution`).
    attribution_mode: Mapped[str] = mapped_column(String(20), default="named")
    #: Credits frozen at publication or import (``[{"name": …, "role": …}]``); ``None``:
    #: derived live from the revisions' authors.
    credits: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    #: A copy published by consent: text, licence and space are frozen (the contributors
    #: consented to exactly this text under this licence); improve it by deriving a new REX.
    frozen: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: What an import brought that this instance cannot recompute (``None`` for local REX):
    #: ``chain`` (``[{"instance", "url"}]``, origin first), ``canonical_url``, ``receipts``
    #: (consent receipt digests recorded by the origin).
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Hidden by the facilitators: members see "masqué par l'animation", facilitators the
    #: text; out of listings and search (see :mod:`commons.moderation`).
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false())

    collectivites: Mapped[list[Collectivite]] = relationship(
        secondary=rex_collectivite, lazy="selectin", order_by=Collectivite.name
    )

    def __repr__(self) -> str:
        return f"<Rex {self.slug}>"


class Revision(Base):
    """One immutable state of a REX's text (Markdown source and the HTML rendered from it)."""

    __tablename__ = "rex_revision"
    __table_args__ = (UniqueConstraint("rex_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: Credited name for imported revisions with no local account.
    author_name: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class Event(Base):
    """A non-text change in a REX's history: rename, move between spaces, licence change…"""

    __tablename__ = "rex_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise")


class SlugRedirect(Base):
    """An old slug that keeps working after a rename."""

    __tablename__ = "rex_slug_redirect"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), index=True)


class Derivation(Base):
    """``rex`` adapts ``source`` ("dérivé de"); licences are checked when the link is made."""

    __tablename__ = "rex_derivation"

    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True
    )


def theme_rows(rex_id: int, themes: list[str] | None) -> list[dict[str, Any]]:
    """The ``rex_theme`` rows of a REX (duplicates and non-strings left out): for the mapper
    events below and for bulk writers that bypass them (benchmark corpus)."""
    codes = dict.fromkeys(code for code in themes or [] if isinstance(code, str))
    return [{"theme": code, "rex_id": rex_id} for code in codes]


@event.listens_for(Rex, "after_insert")
def _index_new_themes(_mapper: Mapper[Rex], connection: Connection, rex: Rex) -> None:
    if rows := theme_rows(rex.id, rex.themes):
        connection.execute(rex_theme.insert(), rows)


@event.listens_for(Rex, "after_update")
def _reindex_themes(_mapper: Mapper[Rex], connection: Connection, rex: Rex) -> None:
    """Whatever code path assigned ``Rex.themes`` (services, importer, content loading), its
    flush rewrites the REX's rows. Bulk ``update(Rex)`` statements bypass mapper events."""
    if not inspect(rex).attrs.themes.history.has_changes():
        return
    connection.execute(delete(rex_theme).where(rex_theme.c.rex_id == rex.id))
    if rows := theme_rows(rex.id, rex.themes):
        connection.execute(rex_theme.insert(), rows)


class AgreementStatus(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class Agreement(Base):
    """A request for every contributor's consent to change a REX's audience (``move``) or its
    licence (``licence``). Applied when the last person whose words are in the REX agrees;
    refused as soon as one says no. Answers are kept (:class:`AgreementAnswer`)."""

    __tablename__ = "rex_agreement"
    __table_args__ = (
        # One open request per REX: answers always refer to one clear question.
        Index(
            "uq_rex_agreement_pending",
            "rex_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target_space: Mapped[str] = mapped_column(String(20), default="")
    target_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="CASCADE")
    )
    target_licence: Mapped[str] = mapped_column(String(40), default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    message: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default=AgreementStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AgreementAnswer(Base):
    """One contributor's answer to an :class:`Agreement` (the latest one counts)."""

    __tablename__ = "rex_agreement_answer"
    __table_args__ = (UniqueConstraint("agreement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("rex_agreement.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    agreed: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RexLink(Base):
    """A ``[[wikilink]]`` written in some revision of ``rex_id``, by the keys it can resolve
    through (the label's slug and its folded form). When a REX's title, audience or state
    changes, the REX whose links could point to it are re-rendered (:mod:`.links`)."""

    __tablename__ = "rex_link"

    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
