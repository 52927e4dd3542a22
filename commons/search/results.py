"""What every search backend shares: documents' rules, results, drain reports, errors.

Backend-neutral: nothing here knows Whoosh or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Every field a document may carry (``exact`` is derived by the Whoosh backend).
FIELDS = frozenset(
    {
        "id",
        "kind",
        "title",
        "summary",
        "body",
        "themes",
        "kind_coll",
        "collectivite",
        "author",
        "visibility",
        "group_id",
        "licence",
        "year",
        "updated",
        "url",
    }
)
KINDS = frozenset({"rex", "thread", "post", "group", "collectivite"})
VISIBILITIES = frozenset({"public", "network", "group"})
#: Facets computed for every search (and the names ``filters=`` accepts).
FACETS = ("kind", "themes", "kind_coll", "licence", "year")
MAX_PAGE = 1000
MAX_PER_PAGE = 100
#: Below this many documents with the words as typed (and their other forms), the synonyms of
#: the vocabulary are searched too (a rare word or an acronym); common words are not widened,
#: which would slow their ranking for little gain.
EXPAND_BELOW = 20
#: Below this many documents with every word, those with some of them follow (the most first).
FEW_MATCHES = 5
#: Below this many results, a "Vouliez-vous dire … ?" suggestion is looked for.
SUGGEST_BELOW = 3


class IndexBusy(Exception):
    """The index is being written by another process; retry later (the outbox keeps rows)."""


def validate_document(doc: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless ``doc`` has known fields, an id, a kind and a visibility."""
    unknown = set(doc) - FIELDS - {"exact"}
    if unknown:
        raise ValueError(f"unknown search fields: {sorted(unknown)}")
    if not doc.get("id") or doc.get("kind") not in KINDS:
        raise ValueError(f"document needs an id and a kind in {sorted(KINDS)}: {doc.get('id')!r}")
    if doc.get("visibility") not in VISIBILITIES:
        raise ValueError(f"{doc['id']}: visibility must be one of {sorted(VISIBILITIES)}")
    if doc["visibility"] == "group" and doc.get("group_id") is None:
        raise ValueError(f"{doc['id']}: a group document needs a group_id")


def clamp_paging(page: Any, per_page: Any) -> tuple[int, int]:
    """``page`` in 1..MAX_PAGE and ``per_page`` in 1..MAX_PER_PAGE."""
    return min(max(1, int(page)), MAX_PAGE), min(max(1, int(per_page)), MAX_PER_PAGE)


def check_filters(filters: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """``{facet: value or values}`` -> ``{facet: [values]}``; unknown facets raise ValueError."""
    out: dict[str, list[Any]] = {}
    for name, values in (filters or {}).items():
        if name not in FACETS:
            raise ValueError(f"unknown search filter {name!r}")
        out[name] = [values] if isinstance(values, (str, int)) else list(values)
    return out


def sort_facet(counts: Mapping[Any, int]) -> dict[Any, int]:
    """Most frequent first, then by value; empty values dropped."""
    kept = {k: n for k, n in counts.items() if k not in (None, "")}
    return dict(sorted(kept.items(), key=lambda kv: (-kv[1], str(kv[0]))))


@dataclass
class SearchHit:
    """One visible result; ``snippet`` is safe HTML (escaped text, ``<mark>`` around matches)."""

    id: str
    kind: str
    title: str
    url: str | None
    snippet: str
    updated: datetime | None = None


@dataclass
class SearchResults:
    """A page of results; ``facets`` maps a facet to ``{value: count}`` (most frequent first)."""

    query: str
    total: int = 0
    page: int = 1
    per_page: int = 20
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, dict[Any, int]] = field(default_factory=dict)
    suggestion: str | None = None
    message: str | None = None
    #: No document matched every word: these match some, the most first.
    relaxed: bool = False
    #: ``(word as typed, synonyms searched too)`` for the page (« BP » -> budget participatif…).
    expansions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: The query as typed when the results are those of :attr:`query` corrected.
    corrected_from: str | None = None

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def suggestion_text(self) -> str | None:
        """French prompt for :attr:`suggestion`."""
        return f"Vouliez-vous dire « {self.suggestion} » ?" if self.suggestion else None


@dataclass
class DrainReport:
    """What one drain did; ``busy``: the index was locked, nothing was applied."""

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
