"""What happened to REX, read in a bounded number of queries: the history of one REX (its
revisions and the events of the same period) and « Dernières modifications » (the recent
revisions and events of every REX the reader may see, MediaWiki's recent changes).

Visibility is the policy's SQL filter (:func:`.policy.visible_rex`) inside the queries, so a
group REX's edits never appear, nor count, for anyone outside the group; hidden REX are left
out of the recent changes for everyone (their history is for moderators, on the REX's page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, literal, select, union_all

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..licensing import registry
from . import policy, queries
from .models import SPACE_LABELS, Event, Revision, Rex, Space

HISTORY_PER_PAGE = 50
MAX_EVENTS = 500
RECENT_PER_PAGE = 50


@dataclass
class Entry:
    """One line of the history: a revision, or an event (rename, move, licence…); an event
    may link to another REX (``link_slug``, ``link_label``)."""

    when: datetime
    who: str
    text: str
    number: int | None = None
    link_slug: str = ""
    link_label: str = ""


@dataclass
class HistoryPage:
    """A page of a REX's history, newest first."""

    entries: list[Entry] = field(default_factory=list)
    page: int = 1
    pages: int = 1


@dataclass
class Change:
    """One line of the recent changes: a revision (``number``) or an event of a visible REX."""

    when: datetime
    who: str
    rex: Rex
    text: str
    number: int | None = None


def space_label(value: str) -> str:
    """A space's French name (the value itself when unknown)."""
    return SPACE_LABELS.get(Space(value), value) if value in set(Space) else value


def licence_label(value: str) -> str:
    """A licence's short name (``CC BY-SA 4.0``, not ``CC-BY-SA-4.0``; the value when unknown)."""
    licence = registry.licences().get(value)
    return licence.short_name if licence is not None else value


def event_entry(event: Event, actor: str, sources: dict[str, tuple[str, str]]) -> Entry:
    """An event in French words (``sources``: uuid -> (slug, title) of the visible sources)."""
    d = event.detail or {}
    entry = Entry(when=event.created_at, who=actor, text="")
    if event.kind == "rename":
        entry.text = f"Titre changé de « {d.get('before', '')} » en « {d.get('after', '')} »"
    elif event.kind == "licence":
        before, after = licence_label(d.get("before", "")), licence_label(d.get("after", ""))
        entry.text = f"Licence changée : {before} → {after}"
    elif event.kind == "move":
        before, after = space_label(d.get("before", "")), space_label(d.get("after", ""))
        entry.text = f"Déplacé : {before} → {after}"
    elif event.kind == "description":
        entry.text = f"Description du projet modifiée : {d.get('fields', '')}"
    elif event.kind == "derivation":
        source = sources.get(d.get("source", ""))
        if source:
            entry.text, entry.link_slug, entry.link_label = "Dérivé de", source[0], source[1]
        else:
            entry.text = "Dérivé d'un autre REX (non visible avec votre compte)"
    else:
        entry.text = f"Modification : {event.kind}"
    return entry


def _events(actor: Actor, rex: Rex, after: datetime | None, before: datetime | None) -> list[Entry]:
    """Events of the period covered by a page of revisions (two queries at most)."""
    stmt = (
        select(Event, User.display_name)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.rex_id == rex.id)
    )
    if after is not None:
        stmt = stmt.where(Event.created_at >= after)
    if before is not None:
        stmt = stmt.where(Event.created_at < before)
    rows = db.session.execute(stmt.order_by(Event.created_at.desc()).limit(MAX_EVENTS)).all()
    uuids = {e.detail.get("source", "") for e, _ in rows if e.kind == "derivation" and e.detail}
    sources: dict[str, tuple[str, str]] = {}
    if uuids:
        visible = select(Rex.uuid, Rex.slug, Rex.title).where(
            Rex.uuid.in_(uuids), policy.visible_rex(actor)
        )
        sources = {u: (s, t) for u, s, t in db.session.execute(visible)}
    return [event_entry(e, name or "Anonyme", sources) for e, name in rows]


def history(actor: Actor, rex: Rex, page: int) -> HistoryPage:
    """Revisions (newest first, 50 a page) and the events of the same period, in time order:
    a fixed number of queries whatever the number of revisions."""
    pages = max(1, math.ceil(rex.head / HISTORY_PER_PAGE))
    page = min(page, pages)
    high = rex.head - (page - 1) * HISTORY_PER_PAGE
    low = max(1, high - HISTORY_PER_PAGE + 1)
    rows = db.session.execute(
        select(
            Revision.number,
            Revision.created_at,
            Revision.comment,
            Revision.author_name,
            User.display_name,
        )
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number.between(low, high + 1))
        .order_by(Revision.number.desc())
    ).all()
    newer = rows[0].created_at if rows and rows[0].number == high + 1 else None
    revisions = [r for r in rows if r.number <= high]
    oldest = revisions[-1].created_at if revisions and low > 1 else None
    entries = [
        Entry(
            when=r.created_at,
            who=r.display_name or r.author_name or "Anonyme",
            text=r.comment,
            number=r.number,
        )
        for r in revisions
    ]
    entries += _events(actor, rex, oldest, newer)
    entries.sort(key=lambda e: (e.when, e.number is not None), reverse=True)
    return HistoryPage(entries=entries, page=page, pages=pages)


def revisions_with_authors(rex: Rex, numbers: set[int]) -> dict[int, tuple[Revision, str]]:
    """Some revisions of a REX with their authors' names (number -> (revision, name)), in one
    query; a number the REX does not have is left out."""
    rows = db.session.execute(
        select(Revision, User.display_name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number.in_(numbers))
    ).all()
    return {rev.number: (rev, name or rev.author_name or "Anonyme") for rev, name in rows}


def _scope(
    actor: Actor, stmt: Select[str, int, datetime], args: dict[str, Any]
) -> Select[str, int, datetime]:
    stmt = stmt.where(policy.visible_rex(actor), Rex.hidden.is_(False))
    if args["espace"]:
        stmt = stmt.where(Rex.space == args["espace"])
    if args["groupe"]:
        stmt = stmt.where(Rex.group_id == args["groupe"])
    if args["theme"]:
        stmt = queries.with_theme(stmt, args["theme"])
    return stmt


def _found(rev_ids: list[int], ev_ids: list[int]) -> dict[tuple[str, int], Change]:
    """The lines of a page of changes, by (kind, id) (two queries)."""
    found: dict[tuple[str, int], Change] = {}
    for rev, rex, name in db.session.execute(
        select(Revision, Rex, User.display_name)
        .join(Rex, Rex.id == Revision.rex_id)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.id.in_(rev_ids))
    ):
        text = rev.comment or ("Création" if rev.number == 1 else "Modification du texte")
        who = name or rev.author_name or "Anonyme"
        found["r", rev.id] = Change(rev.created_at, who, rex, text, rev.number)
    for ev, rex, name in db.session.execute(
        select(Event, Rex, User.display_name)
        .join(Rex, Rex.id == Event.rex_id)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.id.in_(ev_ids))
    ):
        text = event_entry(ev, name or "Anonyme", {}).text
        if ev.kind == "derivation":
            text = "Source indiquée (« dérivé de »)"
        found["e", ev.id] = Change(ev.created_at, name or "Anonyme", rex, text)
    return found


def recent(actor: Actor, args: dict[str, Any], page: int) -> tuple[list[Change], int]:
    """One page of changes (filters ``espace``, ``groupe``, ``theme``), newest first, and the
    number of pages (four queries)."""
    revs = _scope(
        actor,
        select(
            literal("r").label("kind"), Revision.id.label("id"), Revision.created_at.label("at")
        ).join(Rex, Rex.id == Revision.rex_id),
        args,
    )
    events = _scope(
        actor,
        select(literal("e").label("kind"), Event.id.label("id"), Event.created_at.label("at")).join(
            Rex, Rex.id == Event.rex_id
        ),
        args,
    )
    both = union_all(revs, events).subquery()
    total = int(db.session.scalar(select(func.count()).select_from(both)) or 0)
    pages = max(1, math.ceil(total / RECENT_PER_PAGE))
    rows: list[tuple[str, int]] = [
        (str(kind), cast(int, ident))
        for kind, ident in db.session.execute(
            select(both.c.kind, both.c.id)
            .order_by(both.c.at.desc(), both.c.id.desc())
            .limit(RECENT_PER_PAGE)
            .offset((min(page, pages) - 1) * RECENT_PER_PAGE)
        )
    ]
    found = _found([i for k, i in rows if k == "r"], [i for k, i in rows if k == "e"])
    return [found[key] for key in rows if key in found], pages
