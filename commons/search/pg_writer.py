"""Writing to the PostgreSQL search tables: rows from documents, the drain, the reindex.

The drain reads queue rows ``FOR UPDATE SKIP LOCKED``, rebuilds their documents, upserts or
deletes them and deletes the rows in **one transaction**, so several workers drain safely and
a crash loses nothing. Each document is rebuilt under a transaction-level advisory lock of its
own id (taken in a fixed order: no deadlock), so two drains never write an older state over a
newer one. A reindex rewrites every row in one transaction under an exclusive advisory lock
that drains share: searches keep reading the old rows (MVCC) until it commits.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from commons.text import fold

from . import documents, outbox
from .backends import own_session
from .models import IndexQueue
from .pg_schema import search_document, search_word
from .results import DrainReport, IndexBusy, validate_document

log = logging.getLogger(__name__)
d = search_document.c
#: Key of the advisory lock that drains share and a reindex takes alone.
REINDEX_LOCK = (0x636F6D6D, 0x73656172)
#: Bodies are capped (UTF-8 bytes): a ``tsvector`` is limited to 1 MB.
MAX_BODY_BYTES = documents.MAX_BODY_BYTES
_WORD = re.compile(r"[^\W\d_]{3,40}")
_fold_word = lru_cache(maxsize=200_000)(fold)


def _doc_key(doc_id: str) -> int:
    """A stable signed 64-bit advisory lock key for ``doc_id``."""
    return int.from_bytes(
        hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "big", signed=True
    )


def _keywords(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [k for k in (fold(str(v)).strip() for v in items) if k]


def _clean(value: Any) -> str:
    return str(value or "").replace("\x00", "")


def to_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A validated document as a ``search_document`` row."""
    validate_document(doc)
    body = _clean(doc.get("body")).encode("utf-8")[:MAX_BODY_BYTES].decode("utf-8", "ignore")
    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "title": _clean(doc.get("title")),
        "summary": _clean(doc.get("summary")),
        "body": body,
        "themes": _keywords(doc.get("themes")),
        "kind_coll": _keywords(doc.get("kind_coll")),
        "collectivite": _clean(doc.get("collectivite")),
        "author": _clean(doc.get("author")),
        "visibility": doc["visibility"],
        "group_id": doc.get("group_id") if doc["visibility"] == "group" else None,
        "licence": doc.get("licence"),
        "year": doc.get("year"),
        "updated": doc.get("updated"),
        "url": doc.get("url"),
    }


def words_of(row: Mapping[str, Any]) -> set[str]:
    """Folded words of a row's prose (the suggestion word list)."""
    text = "\n".join((row["title"], row["summary"], row["body"])).lower()
    return {_fold_word(w) for w in set(_WORD.findall(text))}


class PostgresWriter:
    """The writing half of :class:`~.pg_backend.PostgresBackend`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.engine = app.extensions["commons.engine"]

    @contextmanager
    def _transaction(self, timeout: float | None, *, exclusive: bool) -> Iterator[Session]:
        """A write transaction holding the reindex lock (shared, or exclusive for a reindex);
        waiting longer than ``timeout`` seconds for any lock raises :class:`IndexBusy`."""
        wait = (
            float(self.app.config.get("SEARCH_WRITE_TIMEOUT", 5.0)) if timeout is None else timeout
        )
        with own_session(self.app, write=True) as session:
            try:
                ms = f"{max(1, int(wait * 1000))}ms"
                session.execute(select(func.set_config("lock_timeout", ms, True)))
                lock = (
                    func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
                )
                session.execute(select(lock(*REINDEX_LOCK)))
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                    raise IndexBusy("the search tables are locked by a reindex or a drain") from exc
                raise

    def _upsert(self, session: Session, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = pg_insert(search_document)
        columns = [c.name for c in search_document.columns if c.name not in ("id", "vector")]
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[d.id], set_={c: stmt.excluded[c] for c in columns}
            ),
            rows,
        )
        self._add_words(session, set().union(*(words_of(r) for r in rows)))

    def _add_words(self, session: Session, words: set[str]) -> None:
        ordered = sorted(words)
        for start in range(0, len(ordered), 5000):
            chunk = ordered[start : start + 5000]
            session.execute(
                pg_insert(search_word).on_conflict_do_nothing(),
                [{"word": w} for w in chunk],
            )

    def add(self, docs: list[dict[str, Any]]) -> None:
        rows = [to_row(doc) for doc in docs]
        with self._transaction(None, exclusive=False) as session:
            self._upsert(session, rows)

    def delete(self, ids: list[str]) -> None:
        with self._transaction(None, exclusive=False) as session:
            session.execute(delete(search_document).where(d.id.in_(list(ids))))

    def drain(self, limit: int = 500, *, timeout: float | None = None) -> DrainReport:
        report = DrainReport()
        try:
            with self._transaction(timeout, exclusive=False) as session:
                queued = outbox.queued(session, limit, lock=True)
                done: list[int] = []
                for doc_id in sorted(queued, key=_doc_key):
                    session.execute(select(func.pg_advisory_xact_lock(_doc_key(doc_id))))
                    try:
                        with session.begin_nested():
                            doc = documents.build(session, doc_id)
                            if doc is None:
                                session.execute(delete(search_document).where(d.id == doc_id))
                                report.deleted += 1
                            else:
                                self._upsert(session, [to_row(doc)])
                                report.indexed += 1
                    except OperationalError:
                        raise
                    except Exception:  # a bad document must not block the others
                        log.exception("search: cannot build %s; kept in the queue", doc_id)
                        report.failed += 1
                        continue
                    done.extend(queued[doc_id])
                    session.expunge_all()
                for start in range(0, len(done), 500):
                    chunk = done[start : start + 500]
                    session.execute(delete(IndexQueue).where(IndexQueue.id.in_(chunk)))
        except IndexBusy:
            report = DrainReport(busy=True)
        report.remaining = outbox.pending(self.app)
        return report

    def reindex(self, *, timeout: float | None = None) -> int:
        count = 0
        with self._transaction(timeout, exclusive=True) as session:
            session.execute(select(func.set_config("lock_timeout", "0", True)))
            session.execute(delete(search_document))
            session.execute(delete(search_word))
            batch: list[dict[str, Any]] = []
            words: set[str] = set()
            for doc in documents.all_documents(session):
                batch.append(to_row(doc))
                if len(batch) == 500:
                    count += self._insert(session, batch, words)
                    batch = []
            count += self._insert(session, batch, words)
            self._add_words(session, words)
        with own_session(self.app, write=True) as session:  # fresh statistics for the planner
            session.execute(text("ANALYZE search_document"))
            session.execute(text("ANALYZE search_word"))
            session.commit()
        self.drain()
        return count

    def _insert(self, session: Session, rows: list[dict[str, Any]], words: set[str]) -> int:
        if rows:
            session.execute(insert(search_document), rows)
            for row in rows:
                words.update(words_of(row))
        return len(rows)
