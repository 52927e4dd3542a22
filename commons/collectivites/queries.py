"""Collectivité read queries for pages: the directory, one collectivité's agents, the
administrators' count of proposals."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import db
from ..accounts.models import User
from ..text import fold
from . import vocab
from .models import Collectivite


def directory(q: str, kind: str, region: str) -> list[Collectivite]:
    """Validated collectivités by name, of ``kind`` and in ``region`` when these are known
    codes, whose name contains ``q`` (accent- and case-insensitive on every database)."""
    stmt = select(Collectivite).where(Collectivite.validated.is_(True))
    if kind in vocab.kinds():
        stmt = stmt.where(Collectivite.kind == kind)
    if region in vocab.regions():
        stmt = stmt.where(Collectivite.region_code == region)
    rows = list(db.session.scalars(stmt.order_by(Collectivite.name)))
    if q:
        needle = fold(q)
        rows = [c for c in rows if needle in fold(c.name)]
    return rows


def by_slug(slug: str) -> Collectivite | None:
    """The collectivité at ``slug`` (check :func:`policy.can_view_collectivite`)."""
    return db.session.scalar(select(Collectivite).where(Collectivite.slug == slug))


def confirmed_agents(collectivite: Collectivite) -> list[User]:
    """The agents of the collectivité whose address is confirmed, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.collectivite_id == collectivite.id, User.email_confirmed_at.is_not(None))
            .order_by(User.display_name)
        )
    )


def agent_count(collectivite: Collectivite) -> int:
    """Every account attached to the collectivité."""
    count = db.session.scalar(
        select(func.count(User.id)).where(User.collectivite_id == collectivite.id)
    )
    return int(count or 0)


def waiting_count() -> int:
    """Proposals waiting for review."""
    count = db.session.scalar(
        select(func.count(Collectivite.id)).where(
            Collectivite.validated.is_(False), Collectivite.refused_at.is_(None)
        )
    )
    return int(count or 0)
