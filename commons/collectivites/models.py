"""The directory of collectivités (local authorities and other public bodies)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Collectivite(Base):
    """A collectivité. Agents may propose new ones at registration; an admin then validates."""

    __tablename__ = "collectivite"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    #: A code of ``content/vocabulaires/types_collectivite.csv``.
    kind: Mapped[str] = mapped_column(String(40))
    #: Official INSEE codes (``content/vocabulaires``); the région follows the département.
    departement_code: Mapped[str | None] = mapped_column(String(3), index=True)
    region_code: Mapped[str | None] = mapped_column(String(2), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    population_band: Mapped[str | None] = mapped_column(String(20))
    #: False while proposed by an agent and not yet reviewed.
    validated: Mapped[bool] = mapped_column(default=True)
    #: The agent who proposed it (a plain id: collectivités come before accounts, no cycle).
    proposed_by_id: Mapped[int | None] = mapped_column()
    #: Set when an administrator refused the proposal (with the reason told to the proposer).
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Editorial notes (former names, acronym, what the directory should know): never in the
    #: official name. Plain text, shown on the collectivité's page; edited by administrators.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Collectivite {self.slug}>"
