"""The SQL of the public commons' pages, API and sitemap: counts and lists over the public REX
(:func:`.public.public_clause`), never anything an anonymous visitor may not read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from .. import db
from ..collectivites.models import Collectivite
from ..groups.models import Group
from ..wiki.models import Revision, Rex, rex_collectivite, rex_theme
from . import public


def head_source(rex: Rex) -> str | None:
    """The Markdown of the REX's current version."""
    return db.session.scalar(
        select(Revision.source).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )


def theme_counts() -> dict[str, int]:
    """How many public REX carry each theme code (codes without any are left out)."""
    theme: ColumnElement[str] = rex_theme.c.theme
    rows = db.session.execute(
        select(theme, func.count(Rex.id))
        .join(Rex, Rex.id == rex_theme.c.rex_id)
        .where(public.public_clause())
        .group_by(theme)
    )
    return {code: int(count) for code, count in rows}


def collectivite_counts() -> list[tuple[Collectivite, int]]:
    """Every validated collectivité concerned by a public REX, with how many, by name."""
    rows = db.session.execute(
        select(Collectivite, func.count(Rex.id))
        .join(rex_collectivite, rex_collectivite.c.collectivite_id == Collectivite.id)
        .join(Rex, Rex.id == rex_collectivite.c.rex_id)
        .where(public.public_clause(), Collectivite.validated.is_(True))
        .group_by(Collectivite.id)
        .order_by(Collectivite.name, Collectivite.id)
    )
    return [(collectivite, int(count)) for collectivite, count in rows]


def public_count() -> int:
    """How many public REX there are."""
    return int(db.session.scalar(select(func.count(Rex.id)).where(public.public_clause())) or 0)


def listed_group_slugs() -> list[str]:
    """The slugs of the groups listed in the directory, oldest first."""
    return list(
        db.session.scalars(select(Group.slug).where(Group.listed.is_(True)).order_by(Group.id))
    )


def public_rex_stamps(offset: int, limit: int) -> list[tuple[str, datetime]]:
    """Slug and last update of one block of public REX, in id order (the sitemap)."""
    rows = db.session.execute(
        select(Rex.slug, Rex.updated_at)
        .where(public.public_clause())
        .order_by(Rex.id)
        .offset(offset)
        .limit(limit)
    )
    return [(slug, updated) for slug, updated in rows]
