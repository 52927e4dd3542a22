"""Search results re-checked against the database before they are shown.

The index is a copy: when it cannot be written (disk full, read-only directory, writer lock
held by a stuck process) it keeps documents that have since become private or hidden. So the
page never trusts it for visibility: the hits of the displayed page are looked up in the
database with the features' own SQL filters (``visible_*`` of each ``policy`` module), and any
hit the reader may not see *now* is dropped; the title and link shown are the database's
current ones, never the index's stored copy. Totals and facets still come from the index and
may be approximate while it is stale; titles and snippets of private content never show.

A kind without a checker here is dropped (fail closed): a new document kind must add one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor import Actor
from ..collectivites.models import Collectivite
from ..forum import policy as forum_policy
from ..forum.models import Thread
from ..groups import policy as groups_policy
from ..groups.models import Group
from ..wiki import policy as wiki_policy
from ..wiki.models import Rex
from .results import SearchHit, SearchResults

#: ``{id: (title, url)}`` of the visible objects among ``ids``.
Checker = Callable[[Session, Any, list[int]], dict[int, tuple[str, str]]]


def _rex(session: Session, actor: Actor, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(
        select(Rex.id, Rex.title, Rex.slug).where(
            Rex.id.in_(ids), wiki_policy.visible_rex(actor), Rex.hidden.is_(False)
        )
    )
    return {i: (title, f"/rex/{slug}") for i, title, slug in rows}


def _thread(session: Session, actor: Actor, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(
        select(Thread.id, Thread.title).where(
            Thread.id.in_(ids), forum_policy.visible_threads(actor), Thread.hidden.is_(False)
        )
    )
    return {i: (title, f"/forum/sujet/{i}") for i, title in rows}


def _group(session: Session, actor: Actor, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(
        select(Group.id, Group.name, Group.slug).where(
            Group.id.in_(ids), groups_policy.visible_groups(actor)
        )
    )
    return {i: (name, f"/groupes/{slug}") for i, name, slug in rows}


def _collectivite(session: Session, actor: Actor, ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = session.execute(
        select(Collectivite.id, Collectivite.name, Collectivite.slug).where(
            Collectivite.id.in_(ids), Collectivite.validated.is_(True)
        )
    )
    return {i: (name, f"/collectivites/{slug}") for i, name, slug in rows}


CHECKERS: dict[str, Checker] = {
    "rex": _rex,
    "thread": _thread,
    "group": _group,
    "collectivite": _collectivite,
}


def visible_hits(session: Session, actor: Actor, hits: Iterable[SearchHit]) -> list[SearchHit]:
    """The hits ``actor`` may see now, in their order, with the database's title and link."""
    hits = list(hits)
    wanted: dict[str, list[int]] = {}
    for hit in hits:
        kind, _, raw = hit.id.partition(":")
        if raw.isdigit():
            wanted.setdefault(kind, []).append(int(raw))
    allowed: dict[str, dict[int, tuple[str, str]]] = {}
    for kind, ids in wanted.items():
        checker = CHECKERS.get(kind)
        allowed[kind] = checker(session, actor, ids) if checker else {}
    out: list[SearchHit] = []
    for hit in hits:
        kind, _, raw = hit.id.partition(":")
        found = allowed.get(kind, {}).get(int(raw)) if raw.isdigit() else None
        if found is not None:
            out.append(replace(hit, title=found[0], url=found[1]))
    return out


def recheck(session: Session, actor: Actor, results: SearchResults) -> SearchResults:
    """``results`` with only the hits ``actor`` may see now (see the module docstring)."""
    kept = visible_hits(session, actor, results.hits)
    dropped = len(results.hits) - len(kept)
    results.hits = kept
    if dropped:
        results.total = max(len(kept), results.total - dropped)
    return results
