"""PostgreSQL full-text backend: documents in ``search_document`` (see :mod:`.pg_schema`),
French stemming with ``unaccent``, ranking with field weights (``ts_rank_cd``), snippets with
``ts_headline``, facets with one SQL statement, suggestions from a trigram word list.
Writing (drain, reindex) is in :mod:`.pg_writer`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import Text, cast, func, literal, literal_column, select, union_all

from . import pg_query as pq
from .pg_schema import HEADLINE_CONFIG, search_document, search_word
from .pg_writer import PostgresWriter
from .query import SplitQuery, split_query
from .results import (
    EXPAND_BELOW,
    FACETS,
    FEW_MATCHES,
    SUGGEST_BELOW,
    SearchHit,
    SearchResults,
    clamp_paging,
    sort_facet,
)

d = search_document.c
#: Private-use characters marking matches in ``ts_headline`` output (removed from the input),
#: so the whole excerpt can be escaped and only these become ``<mark>``.
_START, _STOP = "\ue000", "\ue001"
_HIT = "~hit"  # marks the page's rows among the facet rows of one result
_HEADLINE_OPTIONS = (
    f'StartSel="{_START}", StopSel="{_STOP}", MaxWords=30, MinWords=12, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class PostgresBackend(PostgresWriter):
    """:class:`~.backends.SearchBackend` on PostgreSQL full-text search."""

    name = "postgres"

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
        split = split_query(text, synonyms=False)
        if split.message:
            out.message = split.message
            return out
        scope = [pq.visibility(*visibility_filter), *pq.filter_conditions(filters)]
        with self.engine.connect() as conn:
            out.facets, ids, positive = self._strict(conn, split, scope, sort, page, per_page)
            out.total = sum(out.facets["kind"].values())
            if out.total < EXPAND_BELOW:  # few: the vocabulary's synonyms too
                wide = split_query(text)
                if wide.expansions:
                    split = wide
                    out.facets, ids, positive = self._strict(
                        conn, split, scope, sort, page, per_page
                    )
                    out.total = sum(out.facets["kind"].values())
            out.expansions = split.expansions
            relaxed = pq.relaxed_conditions(split) if out.total < FEW_MATCHES else None
            if relaxed is not None:
                strict = out.total
                any_matches, positive, any_rank = relaxed
                where = [*scope, *pq.field_conditions(split), *any_matches]
                rank = any_rank if sort != "date" else pq.rank(None)
                out.facets, ids = self._scan(conn, where, rank, page, per_page)
                out.total = sum(out.facets["kind"].values())
                out.relaxed = strict == 0 and out.total > 0
            out.hits = self._hits(conn, ids, positive)
            if out.total < SUGGEST_BELOW or out.relaxed:
                strict_total = 0 if out.relaxed else out.total
                out.suggestion = self._suggest(conn, split, scope, strict_total)
        return out

    def _strict(
        self, conn: Any, split: SplitQuery, scope: list[Any], sort: str, page: int, per_page: int
    ) -> tuple[dict[str, dict[Any, int]], list[str], Any]:
        """Facets and page of the documents matching every concept, and the positive query."""
        matches, positive = pq.text_conditions(split)
        where = [*scope, *pq.field_conditions(split), *matches]
        rank = pq.rank(positive, split) if sort != "date" else pq.rank(None)
        return (*self._scan(conn, where, rank, page, per_page), positive)

    def _scan(
        self, conn: Any, where: list[Any], rank: Any, page: int, per_page: int
    ) -> tuple[dict[str, dict[Any, int]], list[str]]:
        """Facet counts and the ids of the page, in one statement (the matches are read once)."""
        columns = [
            *(d.id, d.kind, d.themes, d.kind_coll, d.licence, d.year, d.updated),
            rank.label("rank"),
        ]
        m = select(*columns).where(*where).cte("m")
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
        facets = select(rows.c.f, rows.c.v, func.count()).group_by(rows.c.f, rows.c.v)
        order = [m.c.rank.desc(), m.c.updated.desc().nulls_last(), m.c.id]
        on_page = (
            select(m.c.id, func.row_number().over(order_by=order).label("n"))
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .subquery()
        )
        hits = select(literal(_HIT).label("f"), on_page.c.id, on_page.c.n)
        counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
        ids: list[tuple[int, str]] = []
        for facet, value, n in conn.execute(union_all(facets, hits)):
            if facet == _HIT:
                ids.append((n, value))
            elif value is not None:
                counts[facet][int(value) if facet == "year" else value] = n
        return {name: sort_facet(counts[name]) for name in FACETS}, [i for _, i in sorted(ids)]

    def _hits(self, conn: Any, ids: list[str], positive: Any) -> list[SearchHit]:
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

        Candidates: words of the list alike in trigrams (``pg_trgm``), with the same first
        letter, at edit distance 1, else 2 (as the Whoosh backend).

        The word list may hold words of documents the caller cannot see: each candidate is
        counted among the *visible* documents (visibility + caller filters) and ranked by that
        count only; the corrected query must itself find more visible documents.
        """
        replaced: dict[str, str] = {}
        for raw, word in split.words:
            if self._count(conn, [*scope, self._has_word(word)]):
                continue
            similar = (
                select(search_word.c.word)
                .where(search_word.c.word.bool_op("%")(word), search_word.c.word != word)
                .order_by(func.similarity(search_word.c.word, word).desc(), search_word.c.word)
                .limit(40)
            )
            candidates = [c for c in conn.scalars(similar) if c[:1] == word[:1]]
            for distance in (1, 2):  # as the Whoosh backend: the closest words first
                near = [c for c in candidates if edit_distance(word, c) <= distance][:20]
                counts = [(self._count(conn, [*scope, self._has_word(c)]), c) for c in near]
                if visible := [sc for sc in counts if sc[0] > 0]:
                    replaced[raw] = max(visible, key=lambda sc: sc[0])[1]  # ties: most similar
                    break
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
    def _has_word(word: str) -> Any:
        return d.vector.bool_op("@@")(func.plainto_tsquery(pq.FRENCH, literal(word)))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
