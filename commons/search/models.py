"""The search outbox: one row per change of a searchable object, written in the same
transaction as the change and removed once the index has been updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class IndexQueue(Base):
    """A pending index update: ``doc_id`` is ``"<kind>:<id>"`` (``"rex:12"``).

    ``action`` records what happened (``upsert`` or ``delete``); the drain always rebuilds the
    document from the database, so the latest committed state wins.
    """

    __tablename__ = "search_index_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<IndexQueue {self.action} {self.doc_id}>"


# The PostgreSQL search tables and the deletion triggers are created with the others by
# ``Base.metadata.create_all`` (tests); migrations create them explicitly.
from . import pg_schema as _pg_schema  # noqa: E402, F401
from . import triggers as _triggers  # noqa: E402, F401
