"""The durable search outbox: queue rows written with every change, drained into the index.

* :func:`register_listener` subscribes to SQLAlchemy ``after_flush`` on every ``Session``:
  for new, modified and deleted REX, revisions, threads, posts, groups and collectivités it
  inserts :class:`~commons.search.models.IndexQueue` rows on the flushing connection, so they
  commit or roll back with the change. Features never import ``search``.
* :func:`drain` hands the queue to the configured backend (:func:`.backends.get_backend`),
  which rebuilds each queued document from the database, writes it, and only then deletes the
  rows. When the index is busy (or on any error) the rows stay for the next drain.
* :func:`reindex` rebuilds the backend from the database while searches keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from .. import db
from ..collectivites.models import Collectivite
from ..forum.models import Post, Thread
from ..groups.models import Group
from ..wiki.models import Revision, Rex
from .backends import get_backend, own_session
from .models import IndexQueue
from .results import DrainReport, IndexBusy

__all__ = [
    "DrainReport",
    "IndexBusy",
    "drain",
    "drain_all",
    "pending",
    "reindex",
    "register_listener",
    "status",
]

EXTENSION = "commons.search"
UPSERT, DELETE = "upsert", "delete"


# -- capture ---------------------------------------------------------------------------------


def _enabled() -> bool:
    """Only sessions of an app that called ``search.init_app`` write queue rows."""
    return has_app_context() and EXTENSION in current_app.extensions


def _changes(session: Session) -> dict[str, str]:
    """``{doc_id: action}`` for the objects of the flush in progress."""
    out: dict[str, str] = {}

    def upsert(doc_id: str) -> None:
        out.setdefault(doc_id, UPSERT)

    for obj in list(session.new) + [o for o in session.dirty if session.is_modified(o)]:
        if isinstance(obj, Rex):
            upsert(f"rex:{obj.id}")
            state = inspect(obj)
            moved = any(
                state.attrs[a].history.has_changes() for a in ("space", "group_id", "hidden")
            )
            if moved and obj.id is not None:  # its talk threads depend on the REX's audience
                talk = select(Thread.id).where(Thread.rex_id == obj.id)
                for tid in session.connection().scalars(talk):
                    upsert(f"thread:{tid}")
        elif isinstance(obj, Revision):
            upsert(f"rex:{obj.rex_id}")
        elif isinstance(obj, Thread):
            upsert(f"thread:{obj.id}")
        elif isinstance(obj, Post):
            upsert(f"thread:{obj.thread_id}")
        elif isinstance(obj, Group):
            upsert(f"group:{obj.id}")
        elif isinstance(obj, Collectivite):
            upsert(f"collectivite:{obj.id}")
    for obj in session.deleted:
        if isinstance(obj, Rex | Thread | Group | Collectivite):
            kind = {Rex: "rex", Thread: "thread", Group: "group", Collectivite: "collectivite"}
            out[f"{kind[type(obj)]}:{obj.id}"] = DELETE
        elif isinstance(obj, Revision):
            upsert(f"rex:{obj.rex_id}")
        elif isinstance(obj, Post):
            upsert(f"thread:{obj.thread_id}")
    return {k: v for k, v in out.items() if not k.endswith(":None")}


def _after_flush(session: Session, _flush_context: Any) -> None:
    if not _enabled():
        return
    changes = _changes(session)
    if changes:
        now = db.utcnow()
        rows = [{"doc_id": d, "action": a, "created_at": now} for d, a in changes.items()]
        session.connection().execute(insert(IndexQueue), rows)


def register_listener() -> None:
    """Subscribe the outbox to every ORM flush (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# -- queue and backend ------------------------------------------------------------------------


def enable(app: Flask) -> None:
    """Mark ``app`` as search-enabled: its sessions write queue rows."""
    app.extensions.setdefault(EXTENSION, True)


def pending(app: Flask) -> int:
    """How many queue rows wait."""
    with own_session(app, write=False) as session:
        return session.scalar(select(func.count()).select_from(IndexQueue)) or 0


def status(app: Flask) -> tuple[int, datetime | None]:
    """The queue length and the creation time of its oldest row (``None`` when empty)."""
    with own_session(app, write=False) as session:
        count, oldest = session.execute(
            select(func.count(), func.min(IndexQueue.created_at)).select_from(IndexQueue)
        ).one()
    return int(count or 0), oldest


def drain_all(app: Flask, *, timeout: float | None = None, limit: int = 500) -> DrainReport:
    """Drain until the queue is empty, the index is busy, or a pass applies nothing; the
    totals of every pass (``remaining`` and ``busy`` from the last one)."""
    total = DrainReport()
    while True:
        report = drain(app, limit, timeout=timeout)
        total.indexed += report.indexed
        total.deleted += report.deleted
        total.failed += report.failed
        total.remaining, total.busy = report.remaining, report.busy
        if report.busy or not report.remaining or not (report.indexed + report.deleted):
            return total


def queued(session: Session, limit: int, *, lock: bool = False) -> dict[str, list[int]]:
    """The oldest ``limit`` queue rows as ``{doc_id: [row ids]}`` (oldest document first).

    ``lock``: ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so concurrent drains share the queue.
    """
    return queued_batch(session, limit, lock=lock)[0]


def queued_batch(
    session: Session, limit: int, *, lock: bool = False
) -> tuple[dict[str, list[int]], datetime | None]:
    """:func:`queued`, plus the creation time of the newest row read.

    A drain that deletes its rows in a later transaction must not delete by id alone: on
    SQLite a row id freed by another drain is given again to the next change (``max + 1``), and
    that newer row, created after this read, would vanish unindexed. Deleting only rows created
    no later than this time keeps it (see :func:`delete_drained`).
    """
    stmt = select(IndexQueue.id, IndexQueue.doc_id, IndexQueue.created_at)
    stmt = stmt.order_by(IndexQueue.id).limit(limit)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    by_doc: dict[str, list[int]] = {}
    newest: datetime | None = None
    for row_id, doc_id, created_at in session.execute(stmt):
        by_doc.setdefault(doc_id, []).append(row_id)
        newest = created_at if newest is None or created_at > newest else newest
    return by_doc, newest


def delete_drained(session: Session, ids: list[int], newest: datetime | None) -> None:
    """Delete the rows a drain applied: these ids, created no later than ``newest``."""
    for start in range(0, len(ids), 500):
        stmt = delete(IndexQueue).where(IndexQueue.id.in_(ids[start : start + 500]))
        if newest is not None:
            stmt = stmt.where(IndexQueue.created_at <= newest)
        session.execute(stmt)


def drain(app: Flask, limit: int = 500, *, timeout: float | None = None) -> DrainReport:
    """Apply up to ``limit`` queued changes to the configured backend (see its ``drain``)."""
    return get_backend(app).drain(limit, timeout=timeout)


def reindex(app: Flask, *, timeout: float | None = None) -> int:
    """Rebuild the configured backend from the database; searches keep working meanwhile."""
    return get_backend(app).reindex(timeout=timeout)
