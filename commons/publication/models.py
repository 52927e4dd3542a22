"""Publication of a group's REX to the public commons by consent: proposals, consent receipts
(immutable), and the private mapping from published credits to accounts (for name removal)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Status(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    Status.PENDING: "En cours (consentements et relecture)",
    Status.PUBLISHED: "Publiée dans les communs",
    Status.CANCELLED: "Annulée",
}


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    WITHDRAWN = "withdrawn"


#: The facilitator's review checklist (every item must be ticked to attest).
CHECKLIST: dict[str, str] = {
    "no_personal_data": "Le texte ne contient aucune donnée personnelle.",
    "no_confidential": "Le texte ne contient aucune information confidentielle.",
    "no_third_party_names": "Le texte ne cite le nom d'aucun tiers (personne extérieure).",
}


class Proposal(Base):
    """A proposal to publish a group REX (or synthesis) in the public commons, with a licence
    and an attribution mode; published once every contributor consented to the exact text and
    a facilitator of the group attested it."""

    __tablename__ = "publication_proposal"
    __table_args__ = (
        # One open or published proposal per REX: no double publication, even under a race.
        Index(
            "uq_publication_proposal_live",
            "rex_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rex_id: Mapped[int] = mapped_column(ForeignKey("rex.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_group.id", ondelete="RESTRICT"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    licence_id: Mapped[str] = mapped_column(String(40))
    attribution_mode: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Digest of the text the facilitator attested (publication needs it to be current).
    attested_digest: Mapped[str] = mapped_column(String(64), default="")
    checklist: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    public_rex_id: Mapped[int | None] = mapped_column(
        ForeignKey("rex.id", ondelete="SET NULL"), unique=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(String(1000), default="")


class ConsentReceipt(Base):
    """One contributor's answer (yes, no, withdrawn) about the exact text shown to them:
    ``digest`` is the SHA-256 of the previewed title, text, licence and credits. Immutable;
    the latest receipt of a contributor is their current answer."""

    __tablename__ = "publication_consent"
    __table_args__ = (Index("ix_publication_consent_proposal_user", "proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("publication_proposal.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column()
    licence_id: Mapped[str] = mapped_column(String(40))
    attribution_mode: Mapped[str] = mapped_column(String(20))
    #: How this person was to be credited, as previewed.
    credit: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublishedCredit(Base):
    """Private: which account a published credit line stands for (never shown publicly), so
    that person can later have their name removed."""

    __tablename__ = "publication_credit"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("publication_proposal.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    name_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReceiptTampering(Exception):
    """Raised when code tries to change or delete a consent receipt."""


def _refuse(*_args: Any) -> None:
    raise ReceiptTampering("Un reçu de consentement ne peut être ni modifié ni supprimé.")


def _refuse_bulk(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (
        (state.is_update or state.is_delete)
        and mapper is not None
        and mapper.class_ is ConsentReceipt
    ):
        _refuse()


def install_guards() -> None:
    """Refuse ORM updates and deletes of consent receipts (idempotent)."""
    for name in ("before_update", "before_delete"):
        if not event.contains(ConsentReceipt, name, _refuse):
            event.listen(ConsentReceipt, name, _refuse)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk):
        event.listen(Session, "do_orm_execute", _refuse_bulk)
