"""PostgreSQL full-text backend: documents in ``search_document`` (see :mod:`.pg_schema`),
French stemming with ``unaccent``, ranking with field weights (``ts_rank_cd``), snippets with
``ts_headline``, facets with one SQL statement, suggestions from a trigram word list.

Writing: the drain reads queue rows ``FOR UPDATE SKIP LOCKED``, rebuilds their documents,
upserts or deletes them and deletes the rows in **one transaction**, so several workers drain
safely and a crash loses nothing. Each document is rebuilt under a transaction-level advisory
lock of its own id (taken in a fixed order: no deadlock), so two drains never write an older
state over a newer one. A reindex rewrites every row in one transaction under an exclusive
advisory lock that drains share: searches keep reading the old rows (MVCC) until it commits.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

from flask import Flask
from sqlalchemy import Text, cast, delete, func, insert, literal, literal_column, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from commons.text import fold

from . import documents, outbox
from . import pg_query as pq
from .backends import own_session
from .models import IndexQueue
from .pg_schema import HEADLINE_CONFIG, search_document, search_word
from .query import SplitQuery, split_query
from .results import (
    FACETS,
    SUGGEST_BELOW,
    DrainReport,
    IndexBusy,
    SearchHit,
    SearchResults,
    clamp_paging,
    sort_facet,
    validate_document,
)

log = logging.getLogger(__name__)
d = search_document.c
#: Key of the advisory lock that drains share and a reindex takes alone.
REINDEX_LOCK = (0x636F6D6D, 0x73656172)
#: Bodies are capped (UTF-8 bytes): a ``tsvector`` is limited to 1 MB.
MAX_BODY_BYTES = documents.MAX_BODY_BYTES
#: Private-use characters marking matches in ``ts_headline`` output (removed from the input),
#: so the whole excerpt can be escaped and only these become ``<mark>``.
_START, _STOP = "\ue000", "\ue001"
_HEADLINE_OPTIONS = (
    f'StartSel="{_START}", StopSel="{_STOP}", MaxWords=30, MinWords=12, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
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


class PostgresBackend:
    """:class:`~.backends.SearchBackend` on PostgreSQL full-text search."""

    name = "postgres"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.engine = app.extensions["commons.engine"]

    # -- writing ------------------------------------------------------------------------------

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
        self.drain()
        return count

    def _insert(self, session: Session, rows: list[dict[str, Any]], words: set[str]) -> int:
        if rows:
            session.execute(insert(search_document), rows)
            for row in rows:
                words.update(words_of(row))
        return len(rows)

    # -- searching ----------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        visibility_filter: tuple[bool, Iterable[int]],
        filters: Mapping[str, Any] | None = None,
        sort: Literal["relevance", "date"] = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        page, per_page = clamp_paging(page, per_page)
        out = SearchResults(query=text, page=page, per_page=per_page)
        split = split_query(text)
        if split.message:
            out.message = split.message
            return out
        scope = [pq.visibility(*visibility_filter), *pq.filter_conditions(filters)]
        matches, positive = pq.text_conditions(split)
        where = [*scope, *pq.field_conditions(split), *matches]
        with self.engine.connect() as conn:
            out.facets = self._facets(conn, where)
            out.total = sum(out.facets["kind"].values())
            if out.total > (page - 1) * per_page:
                out.hits = self._hits(conn, where, positive, sort, page, per_page)
            if out.total < SUGGEST_BELOW:
                out.suggestion = self._suggest(conn, split, scope, out.total)
        return out

    def _facets(self, conn: Any, where: list[Any]) -> dict[str, dict[Any, int]]:
        m = select(d.kind, d.themes, d.kind_coll, d.licence, d.year).where(*where).cte("m")
        parts = [
            select(literal(name).label("f"), cast(m.c[name], Text).label("v"))
            for name in ("kind", "licence", "year")
        ]
        for name in ("themes", "kind_coll"):
            values = func.unnest(m.c[name]).table_valued("v").render_derived(name=f"u_{name}")
            parts.append(
                select(literal(name).label("f"), values.c.v)
                .select_from(m)
                .join(values, literal(True))
            )
        rows = union_all(*parts).subquery()
        counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
        stmt = select(rows.c.f, rows.c.v, func.count()).group_by(rows.c.f, rows.c.v)
        for facet, value, n in conn.execute(stmt):
            if value is not None:
                counts[facet][int(value) if facet == "year" else value] = n
        return {name: sort_facet(counts[name]) for name in FACETS}

    def _hits(
        self, conn: Any, where: list[Any], positive: Any, sort: str, page: int, per_page: int
    ) -> list[SearchHit]:
        by_date = [d.updated.desc().nulls_last(), d.id]
        order = (
            by_date if sort == "date" or positive is None else [pq.rank(positive).desc(), *by_date]
        )
        stmt = select(d.id).where(*where).order_by(*order)
        ids = list(conn.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
        if not ids:
            return []
        columns = [d.id, d.kind, d.title, d.url, d.updated, d.summary, d.body]
        if positive is not None:
            columns += [self._headline(d.body, positive), self._headline(d.summary, positive)]
        rows = {r.id: r for r in conn.execute(select(*columns).where(d.id.in_(ids)))}
        return [self._to_hit(rows[i], positive is not None) for i in ids]

    @staticmethod
    def _headline(column: Any, query: Any) -> Any:
        text = func.translate(column, _START + _STOP, "")
        return func.ts_headline(
            literal_column(f"'{HEADLINE_CONFIG}'::regconfig"), text, query, _HEADLINE_OPTIONS
        )

    @staticmethod
    def _to_hit(row: Any, highlighted: bool) -> SearchHit:
        excerpt = ""
        for fragment in (row[7], row[8]) if highlighted else ():
            if fragment and _START in fragment:
                escaped = html.escape(fragment)
                excerpt = escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
                break
        if not excerpt:
            excerpt = html.escape((row.summary or row.body or "")[:240])
        return SearchHit(row.id, row.kind, row.title, row.url, excerpt, row.updated)

    def _count(self, conn: Any, where: list[Any]) -> int:
        return int(conn.scalar(select(func.count()).select_from(search_document).where(*where)))

    def _suggest(self, conn: Any, split: SplitQuery, scope: list[Any], total: int) -> str | None:
        """Correct unknown words from the word list, keeping only visible corrections.

        The word list may hold words of documents the caller cannot see: each candidate is
        counted among the *visible* documents (visibility + caller filters) and ranked by that
        count only; the corrected query must itself find more visible documents.
        """
        replaced: dict[str, str] = {}
        for raw, word in split.words:
            if self._count(conn, [*scope, d.vector.bool_op("@@")(self._word_query(word))]):
                continue
            similar = (
                select(search_word.c.word)
                .where(search_word.c.word.bool_op("%")(word), search_word.c.word != word)
                .order_by(func.similarity(search_word.c.word, word).desc(), search_word.c.word)
                .limit(20)
            )
            counts = [
                (self._count(conn, [*scope, d.vector.bool_op("@@")(self._word_query(c))]), c)
                for c in conn.scalars(similar)
            ]
            if visible := [sc for sc in counts if sc[0] > 0]:
                replaced[raw] = max(visible)[1]
        if not replaced:
            return None
        suggestion = " ".join(replaced.get(p, p) for p in split.raw_parts)
        corrected = split_query(suggestion)
        if corrected.message:
            return None
        matches, _ = pq.text_conditions(corrected)
        found = self._count(conn, [*scope, *pq.field_conditions(corrected), *matches])
        return suggestion if found > total else None

    @staticmethod
    def _word_query(word: str) -> Any:
        return func.plainto_tsquery(pq.FRENCH, literal(word))
