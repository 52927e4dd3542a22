"""One interface for the search backends, chosen by ``SEARCH_BACKEND``.

* ``whoosh`` (default): an embedded index in ``SEARCH_INDEX_DIR`` (one machine).
* ``postgres``: PostgreSQL full-text search in the application database (several servers).

Everything outside the backends (the ``/recherche`` page, ``commons search``, the outbox, the
benchmarks) goes through :func:`get_backend`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from .. import db
from .results import DrainReport, SearchResults

NAMES = ("whoosh", "postgres")
_EXTENSION = "commons.search.backend"


class SearchBackend(Protocol):
    """What every backend provides. Writes raise :class:`~.results.IndexBusy` when locked."""

    name: str

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
        """Search ``text`` among documents visible to ``(signed_in, group_ids)``; never
        raises on user input (a French ``message`` explains empty or unusable queries)."""
        ...

    def add(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents (by ``id``), all or none."""
        ...

    def delete(self, ids: list[str]) -> None:
        """Remove documents by ``id`` (missing ids are ignored)."""
        ...

    def drain(self, limit: int = 500, *, timeout: float | None = None) -> DrainReport:
        """Apply up to ``limit`` queued changes; rows are removed only once applied."""
        ...

    def reindex(self, *, timeout: float | None = None) -> int:
        """Rebuild everything from the database while searches keep working; the count."""
        ...


def answer(
    backend: SearchBackend, text: str, visibility_filter: tuple[bool, Iterable[int]], **options: Any
) -> SearchResults:
    """``backend.search``, or the results of its correction of unknown words (``corrected_from``
    set to ``text``) when ``text`` found nothing, or only documents with part of its words,
    while the correction finds documents with all of them (« budjet participatif »)."""
    results = backend.search(text, visibility_filter=visibility_filter, **options)
    if results.suggestion and (results.total == 0 or results.relaxed):
        corrected = backend.search(
            results.suggestion, visibility_filter=visibility_filter, **options
        )
        if corrected.total and (results.total == 0 or not corrected.relaxed):
            corrected.corrected_from = text
            return corrected
    return results


def check_config(config: Mapping[str, Any]) -> str:
    """The backend name, or a French ``RuntimeError`` for an unusable configuration."""
    name = str(config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in NAMES:
        raise RuntimeError(
            f"COMMONS_SEARCH_BACKEND={name!r} est inconnu : choisissez « whoosh » (index "
            "embarqué, par défaut) ou « postgres »."
        )
    url = str(config.get("DATABASE_URL") or "")
    if name == "postgres" and not url.startswith(("postgres://", "postgresql")):
        raise RuntimeError(
            "COMMONS_SEARCH_BACKEND=postgres demande une base PostgreSQL : définissez "
            "COMMONS_DATABASE_URL=postgresql://… ou gardez la recherche « whoosh » avec SQLite."
        )
    return name


#: ``app.extensions[FACTORIES]``: backend name → class, registered by
#: :func:`commons.search.init_app`
#: (so this module imports neither backend: each of them imports it).
FACTORIES = "commons.search.factories"


def get_backend(app: Flask) -> SearchBackend:
    """This app's backend (one per app and process)."""
    backend = app.extensions.get(_EXTENSION)
    if backend is None:
        name = check_config(app.config)
        backend = app.extensions[FACTORIES][name](app)  # filled by search.init_app
        app.extensions[_EXTENSION] = backend
    return backend


@contextmanager
def own_session(app: Flask, *, write: bool) -> Iterator[Session]:
    """A session of its own (never the request's), with the SQLite write intent set."""
    previous = db._write_intent.get()
    db.set_write_intent(write)
    session = Session(bind=app.extensions["commons.engine"], expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        db.set_write_intent(previous)
