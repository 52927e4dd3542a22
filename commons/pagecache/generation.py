"""The content generation: one counter bumped in the same transaction as any content change
(a ``before_commit`` listener on every session: ORM objects and bulk statements, except the
tables of :data:`IGNORED_TABLES`). The page cache serves a stored page only while it has not
moved (see :mod:`commons.pagecache`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Table, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import db

#: Tables whose changes never show on a public page (per-user state, queues, counters).
IGNORED_TABLES = frozenset(
    {
        "content_generation",
        "rate_event",
        "search_index_queue",
        "watch",
        "notification",
        "thread_read",
        "notification_preference",
        "audit_entry",
        # private to signed-in people: never on a page served to visitors
        "submission_token",
        "rex_agreement",
        "rex_agreement_answer",
        "group_session_series",
        "group_session",
        "group_session_answer",
        "group_session_item",
        "calendar_feed",
        "session_minutes",
        "session_minutes_revision",
        "session_action",
        "session_synthesis_source",
        "user_session",
    }
)
#: Columns whose change alone is not a content change.
IGNORED_COLUMNS = frozenset({("user_account", "last_login_at")})


class ContentGeneration(db.Base):
    """One row: a counter bumped by every transaction that changes content."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def _changes_content(session: Session) -> bool:
    for obj in session.new | session.deleted:
        if getattr(obj, "__tablename__", "") not in IGNORED_TABLES:
            return True
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", "")
        if table in IGNORED_TABLES:
            continue
        state = inspect(obj)
        changed = [a.key for a in state.attrs if a.history.has_changes()]
        if any((table, key) not in IGNORED_COLUMNS for key in changed):
            return True
    return False


@event.listens_for(db.AppSession, "before_flush")
def _note_orm_changes(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get("content_changed") and _changes_content(session):
        session.info["content_changed"] = True


@event.listens_for(db.AppSession, "do_orm_execute")
def _note_statements(state: Any) -> None:
    if state.is_select or state.session.info.get("content_changed"):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in IGNORED_TABLES:
        state.session.info["content_changed"] = True


@event.listens_for(db.AppSession, "before_commit")
def _bump(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released (unique names, submission tokens): the outer commit bumps
    session.flush()  # row locks of the content first, the counter's last: no lock-order cycle
    if not session.info.pop("content_changed", False):
        return
    table = ContentGeneration.__table__
    assert isinstance(table, Table)
    done = session.execute(update(table).where(table.c.id == 1).values(value=table.c.value + 1))
    if not done.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(table).values(id=1, value=1))


@event.listens_for(db.AppSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("content_changed", None)


GENERATION = select(ContentGeneration.value).where(ContentGeneration.id == 1)


def generation() -> int:
    """The current content generation (0 before the first change)."""
    return int(db.session.scalar(GENERATION) or 0)
