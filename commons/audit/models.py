"""The audit entry table and its append-only guards (ORM and database triggers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..db import Base, UTCDateTime, utcnow


class AuditTampering(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntry(Base):
    """Who did what to which target, why, and when. Never updated, never deleted.

    ``actor_name`` and ``target_label`` are snapshots taken when the entry is written, so the
    log stays readable after a rename; ``group_id`` is the scope used to show an entry to the
    facilitators of that group (``None``: network-wide, global facilitators and admins).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_group_created", "group_id", "created_at"),
        Index("ix_audit_entry_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column()
    target_label: Mapped[str] = mapped_column(String(300), default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("peer_group.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# The database refuses changes too. ``ON DELETE SET NULL`` foreign keys would otherwise be
# an UPDATE; the triggers let exactly those through (only actor_id / group_id becoming NULL),
# and the erasure of a deleted account (a name snapshot replaced by its ``ancien-membre-…``
# pseudonym, see ``commons/identity/deletion.py``).
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
       WHEN NOT (NEW.id = OLD.id AND NEW.created_at = OLD.created_at
                 AND NEW.action = OLD.action AND NEW.reason = OLD.reason
                 AND NEW.target_type = OLD.target_type AND NEW.target_id IS OLD.target_id
                 AND (NEW.target_label = OLD.target_label
                      OR substr(NEW.target_label, 1, 14) = 'ancien-membre-')
                 AND (NEW.actor_name = OLD.actor_name
                      OR substr(NEW.actor_name, 1, 14) = 'ancien-membre-')
                 AND NEW.detail IS OLD.detail
                 AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
                 AND (NEW.group_id IS OLD.group_id OR NEW.group_id IS NULL))
       BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE'
            AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
            AND NEW.action = OLD.action AND NEW.reason = OLD.reason
            AND NEW.target_type = OLD.target_type
            AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id
            AND (NEW.target_label = OLD.target_label
                 OR substr(NEW.target_label, 1, 14) = 'ancien-membre-')
            AND (NEW.actor_name = OLD.actor_name
                 OR substr(NEW.actor_name, 1, 14) = 'ancien-membre-')
            AND NEW.detail::text IS NOT DISTINCT FROM OLD.detail::text
            AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
            AND (NEW.group_id IS NOT DISTINCT FROM OLD.group_id OR NEW.group_id IS NULL)
         THEN RETURN NEW; END IF;
         RAISE EXCEPTION 'audit_entry is append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
]


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that makes ``audit_entry`` append-only in the database (used by migrations)."""
    return _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS


for _stmt in _SQLITE_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect="sqlite"))
for _stmt in _PG_TRIGGERS:
    event.listen(AuditEntry.__table__, "after_create", DDL(_stmt).execute_if(dialect="postgresql"))


def _refuse(*_args: Any) -> None:
    raise AuditTampering("Le journal d'audit ne peut pas être modifié ni supprimé.")


def _refuse_bulk(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        _refuse()


def install_guards() -> None:
    """Refuse ORM updates and deletes of audit entries (idempotent)."""
    for name in ("before_update", "before_delete"):
        if not event.contains(AuditEntry, name, _refuse):
            event.listen(AuditEntry, name, _refuse)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk):
        event.listen(Session, "do_orm_execute", _refuse_bulk)
