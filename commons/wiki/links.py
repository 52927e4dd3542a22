"""The wikilink table: which REX wrote which ``[[labels]]``, by the keys a label resolves
through, so that a change to a REX (title, audience, moderation state, creation) re-renders
exactly the pages whose links may now point elsewhere (:func:`.rendering.refresh_referrers`).

Without it a page kept a live link to a REX that had become private (an oracle for its title
and existence), or a dead link to one that had become visible.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from .. import db
from ..text import fold, slugify
from .models import Rex, RexLink

MAX_KEY = 200


def keys_of(label: str) -> set[str]:
    """The keys a wikilink label resolves through: its slug and its folded title."""
    return {k[:MAX_KEY] for k in (slugify(label), fold(label).strip()) if k}


def keys_of_rex(rex: Rex) -> set[str]:
    """The keys under which links can reach ``rex`` now (slug, title)."""
    return {rex.slug[:MAX_KEY], *keys_of(rex.title)}


def record(rex: Rex, labels: Iterable[str]) -> None:
    """Remember the keys of labels written in one of ``rex``'s revisions (never forgotten:
    old revisions are rendered with the same links). Flush only."""
    wanted = set().union(*(keys_of(label) for label in labels)) if labels else set()
    if not wanted or rex.id is None:
        return
    known = set(
        db.session.scalars(
            select(RexLink.key).where(RexLink.rex_id == rex.id, RexLink.key.in_(wanted))
        )
    )
    for key in sorted(wanted - known):
        db.session.add(RexLink(rex_id=rex.id, key=key))
    db.session.flush()


def referrers(keys: Iterable[str], exclude_id: int | None = None) -> list[Rex]:
    """The REX that wrote a link under one of ``keys``."""
    keys = set(keys)
    if not keys:
        return []
    stmt = select(Rex).where(Rex.id.in_(select(RexLink.rex_id).where(RexLink.key.in_(keys))))
    if exclude_id is not None:
        stmt = stmt.where(Rex.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Rex.id)))
