"""Group syntheses: a facilitator links the recurring issues across the group's threads and
REX in a REX of kind ``synthese`` (private to the group; it may then be proposed for
publication like any group REX)."""

from __future__ import annotations

from sqlalchemy import select

from .. import db, errors
from ..accounts.models import User
from ..forum.models import Thread
from ..groups.models import Group
from ..notifications.services import path_for
from ..wiki import services as wiki
from ..wiki.models import Rex, Space
from . import policy
from .services import PublicationError


def create(
    actor: User,
    group: Group,
    *,
    title: str,
    body: str,
    thread_ids: list[int],
    rex_ids: list[int],
) -> Rex:
    """Create a synthesis in the group's space, its text followed by links to the chosen
    threads and REX (which must belong to the group and not be hidden: the synthesis has the
    group's audience, so every member may see what it names). Its public copy, if it is ever
    published, carries none of these references (:mod:`.references`)."""
    if not policy.can_write_synthesis(actor, group):
        raise errors.Forbidden("Seule l'animation du groupe rédige les synthèses du groupe.")
    threads = list(
        db.session.scalars(
            select(Thread).where(
                Thread.id.in_(thread_ids), Thread.group_id == group.id, Thread.hidden.is_(False)
            )
        )
    )
    rexes = list(
        db.session.scalars(
            select(Rex).where(
                Rex.id.in_(rex_ids),
                Rex.space == Space.GROUP.value,
                Rex.group_id == group.id,
                Rex.hidden.is_(False),
            )
        )
    )
    if len(threads) != len(set(thread_ids)) or len(rexes) != len(set(rex_ids)):
        raise PublicationError(
            "Une synthèse ne peut relier que des discussions et des REX de ce groupe."
        )
    if not body.strip():
        raise PublicationError("Rédigez le texte de la synthèse.")
    parts = [body.strip()]
    if threads:
        lines = [f"- [{t.title}]({path_for('forum.thread', thread_id=t.id)})" for t in threads]
        parts.append("## Discussions reliées\n\n" + "\n".join(lines))
    if rexes:
        parts.append("## REX reliés\n\n" + "\n".join(f"- [[{r.title}]]" for r in rexes))
    rex = wiki.create_rex(
        actor,
        title=title,
        body="\n\n".join(parts),
        space=Space.GROUP.value,
        group_id=group.id,
        comment="Synthèse du groupe",
    )
    rex.kind = policy.SYNTHESIS
    db.session.flush()
    return rex
