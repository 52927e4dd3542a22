"""Embedded Whoosh search backend: schema, timed writes, visibility-filtered French search.

Visibility is always part of the query (a bitset of allowed documents, :mod:`.whoosh_docsets`,
intersected with the matches and used as Whoosh's ``filter=``), so totals, facets, snippets and
suggestions are computed only from documents the caller may see. Keep one :class:`WhooshIndex`
per worker process: it holds one searcher and refreshes it at the start of every search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Query, Term
from whoosh.reading import EmptyReader
from whoosh.searching import Searcher

from . import analysis as an
from . import whoosh_query as wq
from .results import (
    EXPAND_BELOW,
    FACETS,
    FEW_MATCHES,
    KINDS,
    SUGGEST_BELOW,
    VISIBILITIES,
    IndexBusy,
    SearchHit,
    SearchResults,
    clamp_paging,
    sort_facet,
    validate_document,
)
from .whoosh_cache import SearcherCache
from .whoosh_hits import to_hit as _to_hit
from .whoosh_hits import top_hits as _top_hits
from .whoosh_relaxed import relaxed_top

__all__ = [
    "KINDS",
    "SCHEMA",
    "VISIBILITIES",
    "IndexBusy",
    "SearchHit",
    "SearchResults",
    "WhooshIndex",
    "prepare_document",
]

_T = TypeVar("_T")
_FR = an.french_analyzer()
_EXACT = an.exact_analyzer()

SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    kind=ID(stored=True),
    # Stemmed fields keep no positions (phrase=False): phrases are matched on ``exact`` only,
    # and positions cost a third of the indexing time.
    title=TEXT(analyzer=_FR, stored=True, field_boost=3.0, phrase=False),
    summary=TEXT(analyzer=_FR, stored=True, field_boost=2.0, phrase=False),
    body=TEXT(analyzer=_FR, stored=True, phrase=False),
    exact=TEXT(analyzer=_EXACT, stored=False),
    themes=KEYWORD(commas=True, stored=True, lowercase=True),
    kind_coll=KEYWORD(commas=True, lowercase=True),
    collectivite=TEXT(analyzer=_FR, phrase=False),
    author=TEXT(analyzer=_FR, phrase=False),
    visibility=ID(),
    group_id=NUMERIC(stored=True),
    licence=ID(stored=True),
    year=NUMERIC(stored=True),
    updated=DATETIME(stored=True, sortable=True),
    url=STORED(),
)


def _retry_vanished(read: Callable[[], _T], attempts: int = 8) -> _T:
    """Run ``read`` again when a table of contents vanished under it.

    Opening an index or a searcher reads the newest ``_MAIN_<n>.toc`` without the writer lock;
    another process's commit can write ``n + 1`` and delete ``n`` in between (seen under
    gunicorn: ``FileNotFoundError`` for ``_MAIN_8.toc``). The next attempt reads ``n + 1``.
    """
    for attempt in range(attempts):
        try:
            return read()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


class WhooshIndex:
    """A Whoosh index directory with a timed writer and one refreshed searcher."""

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ix: whoosh_index.Index | None = None
        self._searcher: Searcher | None = None
        self._cache: SearcherCache | None = None
        self._lock = threading.Lock()

    def create(self) -> WhooshIndex:
        """Create an empty index at ``path`` (replacing any existing one: full reindex)."""
        self.close()
        self.path.mkdir(parents=True, exist_ok=True)
        self._ix = whoosh_index.create_in(str(self.path), SCHEMA)
        return self

    def open(self) -> WhooshIndex:
        """Open the index at ``path``, creating it when missing."""
        if self._ix is None:
            if _retry_vanished(lambda: whoosh_index.exists_in(str(self.path))):
                self._ix = _retry_vanished(lambda: whoosh_index.open_dir(str(self.path)))
            else:
                self.create()
        return self

    @property
    def ix(self) -> whoosh_index.Index:
        """The underlying Whoosh index (opened on first use)."""
        self.open()
        assert self._ix is not None
        return self._ix

    def close(self) -> None:
        """Close the searcher (the index files stay)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Any]:
        """A writer that waits ``timeout`` seconds for the lock; commits or cancels."""
        try:
            writer = self.ix.writer(timeout=self.timeout)
        except whoosh_index.LockError as exc:
            raise IndexBusy(f"index {self.path} is locked by another writer") from exc
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def add(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents (by ``id``), all or none; raises :class:`IndexBusy`."""
        prepared = [prepare_document(d) for d in docs]
        with self._writing() as writer:
            for doc in prepared:
                writer.update_document(**doc)

    def delete(self, ids: list[str]) -> None:
        """Remove documents by ``id`` (missing ids are ignored); raises :class:`IndexBusy`."""
        with self._writing() as writer:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)

    # -- searching ---------------------------------------------------------------------------

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
        """Search ``text`` among documents visible to ``(signed_in, group_ids)``.

        ``filters`` narrows by facet values (``{"kind": "rex", "themes": ["mobilite"]}``).
        Empty or unusable queries return no hits and a French ``message``; never raises on
        user input.
        """
        page, per_page = clamp_paging(page, per_page)
        out = SearchResults(query=text, page=page, per_page=per_page)
        vis = wq.visibility_query(*visibility_filter)
        with self._lock:
            searcher = self._fresh_searcher()
            cache = self._cache
            assert cache is not None
            parsed = wq.parse_query(text, wq.resolver(searcher), synonyms=False)
            if parsed.query is None:
                out.message = parsed.message
                return out
            extra = wq.filter_queries(filters, wq.resolver(searcher))
            allowed = cache.allowed([vis, *parsed.filters, *extra])
            matched = cache.matched(parsed.query, allowed)
            if matched.bit_count() < EXPAND_BELOW:  # few: the vocabulary's synonyms too
                wide = wq.parse_query(text, wq.resolver(searcher))
                if wide.expansions and wide.query is not None:
                    parsed, matched = wide, cache.matched(wide.query, allowed)
            out.expansions = parsed.expansions
            widened = False
            if parsed.relaxed is not None and matched.bit_count() < FEW_MATCHES:
                wider = cache.matched(parsed.relaxed, allowed)
                widened, out.relaxed = wider != matched, bool(wider and not matched)
                matched = wider
            out.total = matched.bit_count()
            counts = cache.facet_counts(matched)
            for name in FACETS:
                out.facets[name] = sort_facet(counts[name])
            if matched:
                limit = page * per_page
                docsets = cache.docsets
                if widened and sort != "date":
                    hits = relaxed_top(searcher, docsets, parsed, matched, limit)
                else:
                    query = parsed.relaxed if widened else parsed.query
                    assert query is not None
                    extras = (parsed.exact_terms, parsed.proximity, parsed.stem_pairs)
                    hits = _top_hits(
                        searcher, docsets, query, matched, sort, limit, *extras, parsed.groups
                    )
                for stored in hits[(page - 1) * per_page : page * per_page]:
                    out.hits.append(_to_hit(stored, parsed.highlight_terms))
            if out.total < SUGGEST_BELOW or out.relaxed:
                strict_total = 0 if out.relaxed else out.total
                out.suggestion = self._suggest(searcher, parsed, [vis, *extra], strict_total)
        return out

    def _fresh_searcher(self) -> Searcher:
        """The reused searcher, reopened when the index changed. Not ``Searcher.refresh()``:
        in whoosh-reloaded it fails on an empty index and keeps old segments after a write."""
        current = self._searcher
        if current is not None:
            reader = current.reader()
            if not isinstance(reader, EmptyReader) and current.up_to_date():
                return current
            current.close()
        self._searcher = _retry_vanished(self.ix.searcher)
        self._cache = SearcherCache(self._searcher, FACETS)
        return self._searcher

    def _visible_count(self, searcher: Searcher, query: Query, allowed: list[Query]) -> int:
        assert self._cache is not None
        return self._cache.matched(query, self._cache.allowed(allowed)).bit_count()

    def _suggest(
        self, searcher: Searcher, parsed: wq.ParsedQuery, vis: list[Query], total: int
    ) -> str | None:
        """Correct unknown words from the ``exact`` lexicon, keeping only visible corrections.

        Candidates come from the whole lexicon (it may contain words of hidden documents), so
        each one is re-queried with ``vis`` (visibility + caller filters) and ranked by its
        *visible* count only; the corrected query must itself find more visible documents.
        """
        if not parsed.words:
            return None
        reader = searcher.reader()
        replaced: dict[str, str] = {}
        for raw, word in parsed.words:
            if self._visible_count(searcher, Term("exact", word), vis):
                continue
            for dist in (1, 2):
                candidates = sorted(set(reader.terms_within("exact", word, dist, prefix=1)))[:20]
                counts = [
                    (self._visible_count(searcher, Term("exact", c), vis), c) for c in candidates
                ]
                if visible := [sc for sc in counts if sc[0] > 0 and sc[1] != word]:
                    replaced[raw] = max(visible)[1]
                    break
        if not replaced:
            return None
        suggestion = " ".join(replaced.get(p, p) for p in parsed.raw_parts)
        corrected = wq.parse_query(suggestion, wq.resolver(searcher))
        if corrected.query is None:
            return None
        found = self._visible_count(searcher, corrected.query, [*vis, *corrected.filters])
        return suggestion if found > total else None


def prepare_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a document dict and convert it to Whoosh field values (``exact`` is derived)."""
    validate_document(doc)
    out = {k: v for k, v in doc.items() if v is not None and k != "exact"}
    for name in ("themes", "kind_coll"):
        if name in out and not isinstance(out[name], str):
            out[name] = ",".join(an.fold(str(v)) for v in out[name])
    prose = (out.get(k, "") for k in ("title", "summary", "body"))
    out["exact"] = "\n".join(p for p in prose if p)
    return out
