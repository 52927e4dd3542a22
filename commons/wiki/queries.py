"""REX read queries: the filtered list and the data of a REX page, in a bounded number of
queries whatever the number of revisions and contributors."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, and_, any_, func, select

from .. import db, params
from ..accounts.models import User
from ..actor import Actor
from ..collectivites import vocab as coll_vocab
from ..collectivites.models import Collectivite
from ..groups.models import Group
from ..licensing import registry
from . import policy
from .models import Derivation, Event, Rex, Status, rex_collectivite, rex_theme
from .revisions import contributors
from .vocab import themes as theme_vocab

S = TypeVar("S", bound=Select[*tuple[Any, ...]])

PER_PAGE = 20
SAVE_MESSAGES = {
    "saved": "Modification enregistrée.",
    "merged": "Modification enregistrée et fusionnée avec une modification faite entre-temps.",
    "noop": "Aucun changement : le texte est identique à la version actuelle.",
    "renamed": "Le titre est modifié.",
    "described": "La description du projet est modifiée.",
}


@dataclass
class Filters:
    """List filters from the query string (unknown values are ignored, never an error)."""

    theme: str = ""
    kind: str = ""
    status: str = ""
    licence: str = ""
    space: str = ""
    sort: str = "recent"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """The filters of a query string (``request.args``)."""

        def pick(name: str, allowed: Any) -> str:
            value = str(args.get(name, ""))[:60]
            return value if value in allowed else ""

        page = params.page(args)
        return cls(
            theme=pick("theme", theme_vocab()),
            kind=pick("type", coll_vocab.kinds()),
            status=pick("statut", {s.value for s in Status}),
            licence=pick("licence", registry.licences()),
            space=pick("espace", {"group", "network", "public"}),
            sort="titre" if args.get("tri") == "titre" else "recent",
            page=max(1, min(page, 10_000)),
        )

    def args(self, **override: Any) -> dict[str, Any]:
        """Query-string arguments for links (pagination, sort)."""
        values = {
            "theme": self.theme,
            "type": self.kind,
            "statut": self.status,
            "licence": self.licence,
            "espace": self.space,
            "tri": self.sort,
            "page": self.page,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None, 1, "recent")}


@dataclass
class Page:
    """One page of the REX list."""

    items: list[Rex]
    total: int
    page: int
    pages: int


def with_theme(stmt: S, code: str) -> S:
    """``stmt`` narrowed to the REX tagged ``code``, looked up through the ``rex_theme`` index.

    Written so that each database's planner starts from the ``(theme, rex_id)`` key, fetches
    the matching REX by id and sorts only those (plans checked on 20,000 REX). SQLite: a join
    (one ``rex_theme`` row per theme and REX, so no duplicates); as ``IN``/``EXISTS`` it scanned
    every visible REX through the ``space`` index instead (100 ms against 4). PostgreSQL:
    ``id = ANY(ARRAY(…))``; as a join or ``IN`` it hashed a sequential scan of ``rex`` (19 ms
    against 9 for the count).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        ids = select(rex_theme.c.rex_id).where(rex_theme.c.theme == code).scalar_subquery()
        return stmt.where(Rex.id == any_(func.array(ids)))
    return stmt.join(rex_theme, and_(rex_theme.c.rex_id == Rex.id, rex_theme.c.theme == code))


def _filtered(actor: Actor, f: Filters) -> Select[Rex]:
    stmt = select(Rex).where(policy.visible_rex(actor), Rex.hidden.is_(False))
    if f.status:
        stmt = stmt.where(Rex.status == f.status)
    if f.licence:
        stmt = stmt.where(Rex.licence_id == f.licence)
    if f.space:
        stmt = stmt.where(Rex.space == f.space)
    if f.kind:
        stmt = stmt.where(
            Rex.id.in_(
                select(rex_collectivite.c.rex_id)
                .join(Collectivite, Collectivite.id == rex_collectivite.c.collectivite_id)
                .where(Collectivite.kind == f.kind)
            )
        )
    if f.theme:
        stmt = with_theme(stmt, f.theme)
    return stmt


def listing(actor: Actor, f: Filters) -> Page:
    """One page of the REX the actor may see, filtered and sorted (3 queries)."""
    stmt = _filtered(actor, f)
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    order = (Rex.title.asc(),) if f.sort == "titre" else (Rex.updated_at.desc(), Rex.id.desc())
    items = list(
        db.session.scalars(stmt.order_by(*order).limit(PER_PAGE).offset((f.page - 1) * PER_PAGE))
    )
    return Page(items=items, total=total, page=f.page, pages=max(1, math.ceil(total / PER_PAGE)))


@dataclass
class RexView:
    """What a REX page shows besides the REX row."""

    contributors: list[tuple[str, int]]
    sources: list[Rex] = field(default_factory=list)
    derived: list[Rex] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def page(rex: Rex, actor: Actor) -> RexView:
    """What a REX page shows besides the REX row: contributors and "dérivé de" links that the
    reader may see. Bounded queries."""
    visible = policy.visible_rex(actor)
    sources = list(
        db.session.scalars(
            select(Rex)
            .join(Derivation, Derivation.source_id == Rex.id)
            .where(Derivation.rex_id == rex.id, visible)
            .order_by(Rex.title, Rex.id)
        )
    )
    derived = list(
        db.session.scalars(
            select(Rex)
            .join(Derivation, Derivation.rex_id == Rex.id)
            .where(Derivation.source_id == rex.id, visible)
        )
    )
    return RexView(contributors=contributors(rex), sources=sources, derived=derived)


def find_visible(actor: Actor, wanted: str) -> Rex | None:
    """A REX the actor may see, by slug, URL ending in its slug, or exact title."""
    slug = wanted.rstrip("/").rsplit("/", 1)[-1]
    rex = db.session.scalar(
        select(Rex).where(policy.visible_rex(actor), (Rex.slug == slug) | (Rex.title == wanted))
    )
    return rex


def of_group(group_id: int, limit: int = 50) -> list[Rex]:
    """The REX of a group's private space, most recently updated first (callers check access)."""
    return list(
        db.session.scalars(
            select(Rex)
            .where(Rex.space == "group", Rex.group_id == group_id, Rex.hidden.is_(False))
            .order_by(Rex.updated_at.desc())
            .limit(limit)
        )
    )


def display_names(ids: Collection[int]) -> dict[int, str]:
    """The display names of some accounts (id -> name), in one query."""
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: row.display_name for row in rows}


def groups_by_ids(ids: Collection[int]) -> list[Group]:
    """Some groups, by name (the recent changes' group filter)."""
    if not ids:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name)))
