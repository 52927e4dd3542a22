"""REX talk pages: the "Discussion" threads of a REX, one per audience it had.

Flush only. A discussion stays with the audience it was written for (a group's discussion stays
with the group when its REX widens); a new audience starts a new thread.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..wiki.models import Rex, Space
from . import policy
from .models import Thread, ThreadSpace


def talk_audience(rex: Rex) -> tuple[str, int | None]:
    """The audience a talk thread written now about ``rex`` is for: its group, or the network
    (talk is never public: only signed-in agents discuss)."""
    if rex.space == Space.GROUP.value:
        return ThreadSpace.GROUP.value, rex.group_id
    return ThreadSpace.NETWORK.value, None


def talk_thread(rex: Rex, *, create_for: User | None = None) -> Thread | None:
    """The current "Discussion" thread of a REX, for its present audience; created on demand
    for ``create_for``. Earlier discussions (written for another audience) stay where they
    were said: see :func:`talk_threads`."""
    space, group_id = talk_audience(rex)
    stmt = select(Thread).where(Thread.rex_id == rex.id, Thread.space == space)
    stmt = stmt.where(Thread.group_id == group_id if group_id else Thread.group_id.is_(None))
    thread = db.session.scalar(stmt.order_by(Thread.id.desc()).limit(1))
    if thread is not None or create_for is None:
        return thread
    thread = Thread(
        title=f"Discussion : {rex.title}"[:200],
        space=space,
        group_id=group_id,
        rex_id=rex.id,
        author_id=create_for.id,
    )
    try:
        with db.session.begin_nested():  # two first messages at once: one thread (unique rex_id)
            db.session.add(thread)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(Thread).where(Thread.rex_id == rex.id))
    return thread


def talk_threads(actor: Actor, rex: Rex) -> list[Thread]:
    """Every discussion of a REX the actor may read, newest first."""
    return list(
        db.session.scalars(
            select(Thread)
            .where(Thread.rex_id == rex.id, policy.visible_threads(actor))
            .order_by(Thread.id.desc())
        )
    )
