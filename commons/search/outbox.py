"""The durable search outbox: queue rows written with every change, drained into the index.

* :func:`register_listener` subscribes to SQLAlchemy ``after_flush`` on every ``Session``:
  for new, modified and deleted REX, revisions, threads, posts, groups and collectivités it
  inserts :class:`~commons.search.models.IndexQueue` rows on the flushing connection, so they
  commit or roll back with the change. Features never import ``search``.
* :func:`drain` takes the index writer lock (with a timeout), reads the queue, rebuilds each
  document from the database, writes, commits the index, and only then deletes the rows. On
  :class:`IndexBusy` (or any error) the rows stay for the next drain.
* :func:`reindex` rebuilds everything into a new directory and swaps a symlink atomically;
  ``SEARCH_INDEX_DIR`` is that symlink, each process follows it in :func:`get_index`.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from .. import db
from ..collectivites.models import Collectivite
from ..forum.models import Post, Thread
from ..groups.models import Group
from ..wiki.models import Revision, Rex
from . import documents
from .models import IndexQueue
from .whoosh_backend import IndexBusy, WhooshIndex, prepare_document

log = logging.getLogger(__name__)

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
            moved = any(state.attrs[a].history.has_changes() for a in ("space", "group_id"))
            if moved and obj.id is not None:  # its talk thread follows the REX's space
                tid = session.connection().scalar(select(Thread.id).where(Thread.rex_id == obj.id))
                if tid is not None:
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


# -- index location --------------------------------------------------------------------------


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: WhooshIndex | None = None


def _state(app: Flask) -> _State:
    return app.extensions.setdefault(EXTENSION, _State())


def _link(app: Flask) -> Path:
    return Path(app.config["SEARCH_INDEX_DIR"])


def _new_version_dir(link: Path) -> Path:
    path = link.parent / f"{link.name}.{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def _point(link: Path, target: Path) -> None:
    """Atomically make ``link`` a relative symlink to ``target`` (a sibling directory)."""
    tmp = link.parent / f".{link.name}.{uuid.uuid4().hex[:8]}.tmp"
    os.symlink(target.name, tmp)
    os.replace(tmp, link)


def current_dir(app: Flask) -> Path:
    """The real directory of the live index, creating an empty one on first use."""
    link = _link(app)
    if not link.exists() and not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        target = _new_version_dir(link)
        WhooshIndex(target).create()
        _point(link, target)
    return Path(os.path.realpath(link))


def get_index(app: Flask) -> WhooshIndex:
    """This process's index for searching; follows a swap made by :func:`reindex`."""
    real = current_dir(app)
    state = _state(app)
    with state.lock:
        index = state.index
        if index is None or index.path != real:
            # The old one is not closed: a search in another thread may still be using it.
            index = state.index = WhooshIndex(real, timeout=_timeout(app)).open()
        return index


def _timeout(app: Flask) -> float:
    return float(app.config.get("SEARCH_WRITE_TIMEOUT", 5.0))


@contextmanager
def _writer(index: WhooshIndex, timeout: float) -> Iterator[Any]:
    """The timed writer of :class:`WhooshIndex`, held across reading the queue and writing."""
    from whoosh.index import LockError

    try:
        writer = index.ix.writer(timeout=timeout)
    except LockError as exc:
        raise IndexBusy(f"index {index.path} is locked by another writer") from exc
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


@contextmanager
def _session(app: Flask, *, write: bool) -> Iterator[Session]:
    """A session of its own (never the request's), with the SQLite write intent set."""
    previous = db._write_intent.get()
    db.set_write_intent(write)
    session = Session(bind=app.extensions["commons.engine"], expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        db.set_write_intent(previous)


# -- drain -----------------------------------------------------------------------------------


@dataclass
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    remaining: int = 0
    busy: bool = False

    def __str__(self) -> str:
        if self.busy:
            return f"Index occupé : {self.remaining} modification(s) restent en file d'attente."
        return (
            f"{self.indexed} document(s) indexé(s), {self.deleted} retiré(s), "
            f"{self.failed} en erreur ; {self.remaining} en file d'attente."
        )


def pending(app: Flask) -> int:
    """How many queue rows wait."""
    from sqlalchemy import func

    with _session(app, write=False) as session:
        return session.scalar(select(func.count()).select_from(IndexQueue)) or 0


def drain(app: Flask, limit: int = 500, *, timeout: float | None = None) -> DrainReport:
    """Apply up to ``limit`` queued changes; rows are deleted only after the index commit.

    The writer lock is taken *before* the queue is read, so two draining processes apply
    changes in order (the later drain always reads the later database state).
    """
    report = DrainReport()
    index = WhooshIndex(current_dir(app))
    done: list[int] = []
    try:
        wait = _timeout(app) if timeout is None else timeout
        with _writer(index, wait) as writer, _session(app, write=False) as session:
            rows = session.execute(
                select(IndexQueue.id, IndexQueue.doc_id).order_by(IndexQueue.id).limit(limit)
            ).all()
            by_doc: dict[str, list[int]] = {}
            for row_id, doc_id in rows:
                by_doc.setdefault(doc_id, []).append(row_id)
            for doc_id, ids in by_doc.items():
                try:
                    doc = documents.build(session, doc_id)
                    prepared = prepare_document(doc) if doc is not None else None
                except Exception:  # a bad document must not block the others
                    log.exception("search: cannot build %s; kept in the queue", doc_id)
                    report.failed += 1
                    continue
                if prepared is None:
                    writer.delete_by_term("id", doc_id)
                    report.deleted += 1
                else:
                    writer.update_document(**prepared)
                    report.indexed += 1
                done.extend(ids)
    except IndexBusy:
        report.busy = True
        report.indexed = report.deleted = 0
        report.remaining = pending(app)
        return report
    if os.path.realpath(_link(app)) != str(index.path):
        # A reindex swapped directories meanwhile: apply these rows again to the new index.
        log.info("search: index swapped during drain; rows kept for the next drain")
        done = []
    if done:
        with _session(app, write=True) as session:
            for start in range(0, len(done), 500):
                chunk = done[start : start + 500]
                session.execute(delete(IndexQueue).where(IndexQueue.id.in_(chunk)))
            session.commit()
    report.remaining = pending(app)
    return report


# -- full rebuild ----------------------------------------------------------------------------


def reindex(app: Flask, *, timeout: float | None = None) -> int:
    """Rebuild the whole index from the database into a new directory, then swap.

    Searches keep using the old directory until the swap (an atomic ``os.replace`` of the
    ``SEARCH_INDEX_DIR`` symlink). The old index's writer lock is held from before the database
    is read until after the swap, so no drain can write a change that the new index misses;
    queue rows are left alone and drained afterwards (applying them twice is harmless).
    """
    from whoosh.index import LockError

    link = _link(app)
    old = current_dir(app)
    try:
        hold = WhooshIndex(old).ix.writer(timeout=_timeout(app) if timeout is None else timeout)
    except LockError as exc:
        raise IndexBusy(f"index {old} is locked by another writer") from exc
    target = _new_version_dir(link)
    count = 0
    try:
        fresh = WhooshIndex(target).create()
        with _session(app, write=False) as session:
            writer = fresh.ix.writer()
            try:
                for doc in documents.all_documents(session):
                    writer.add_document(**prepare_document(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        if link.is_symlink():
            _point(link, target)
        else:  # a plain directory from an older layout: one brief non-atomic move
            aside = link.parent / f"{link.name}.{uuid.uuid4().hex[:12]}"
            os.rename(link, aside)
            _point(link, target)
            old = aside
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        hold.cancel()  # nothing was written to the old index: this only releases its lock
    shutil.rmtree(old, ignore_errors=True)
    drain(app)
    return count
