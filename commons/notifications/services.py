"""Notification services: watches, @mentions, notifications for new posts, read markers.

Flush only. A notification is created only for users who can see the post at that moment;
when it is shown or e-mailed later the permission is checked again.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from .models import Notification, ThreadRead, Watch, WatchLevel

MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]{0,39})", re.IGNORECASE)


def mentioned_handles(source: str) -> set[str]:
    """``@handle`` mentions in a text (outside code spans is not distinguished)."""
    return {m.group(1).lower() for m in MENTION.finditer(source)}


def watch(user: User, target_type: str, target_id: int, level: str = WatchLevel.ALL.value) -> Watch:
    """Set the user's watch level on a thread, REX or group (creating it if needed)."""
    if level not in {w.value for w in WatchLevel}:
        raise ValueError("Niveau de suivi inconnu.")
    existing = db.session.scalar(
        select(Watch).where(
            Watch.user_id == user.id, Watch.target_type == target_type, Watch.target_id == target_id
        )
    )
    if existing is None:
        existing = Watch(user_id=user.id, target_type=target_type, target_id=target_id, level=level)
        db.session.add(existing)
    else:
        existing.level = level
    db.session.flush()
    return existing


def watch_level(user: Any, target_type: str, target_id: int) -> str | None:
    """The user's explicit watch level on a target, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Watch.level).where(
            Watch.user_id == user.id, Watch.target_type == target_type, Watch.target_id == target_id
        )
    )


def _auto_watch(user: User, thread_id: int) -> None:
    """Starting or answering a thread subscribes one to it (unless one chose a level)."""
    if watch_level(user, "thread", thread_id) is None:
        watch(user, "thread", thread_id, WatchLevel.ALL.value)


def _levels(thread: Any) -> dict[int, str]:
    """Effective watch level per user: the thread's own watch wins over the REX's or group's."""
    targets = [("group", thread.group_id), ("rex", thread.rex_id), ("thread", thread.id)]
    levels: dict[int, str] = {}
    for target_type, target_id in targets:  # later (more specific) targets override
        if target_id is None:
            continue
        rows = db.session.execute(
            select(Watch.user_id, Watch.level).where(
                Watch.target_type == target_type, Watch.target_id == target_id
            )
        )
        levels.update(dict(rows.tuples().all()))
    return levels


def post_created(post: Any, thread: Any, author: User) -> list[Notification]:
    """Notify watchers (level ``all``) and mentioned users (levels ``all``/``mentions``) who can
    see the thread; never the author, never an outsider (mentions of outsiders are ignored)."""
    from ..forum import policy as forum_policy

    _auto_watch(author, thread.id)
    levels = _levels(thread)
    handles = mentioned_handles(post.source)
    mentioned = (
        {u.id: u for u in db.session.scalars(select(User).where(User.handle.in_(handles)))}
        if handles
        else {}
    )
    candidates = set(levels) | set(mentioned)
    candidates.discard(author.id)
    created = []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(candidates)))}
    for user_id in sorted(candidates):
        user = users.get(user_id)
        if user is None or not user.is_active or not forum_policy.can_view_thread(user, thread):
            continue
        level = levels.get(user_id)
        if user_id in mentioned and level != WatchLevel.MUTED.value:
            kind = "mention"
        elif level == WatchLevel.ALL.value:
            kind = "reply" if post.number > 1 else "new_thread"
        else:
            continue
        note = Notification(
            user_id=user_id, kind=kind, actor_id=author.id, thread_id=thread.id, post_id=post.id
        )
        db.session.add(note)
        created.append(note)
    db.session.flush()
    return created


def mark_read(user: User, thread: Any, number: int) -> None:
    """Remember the last post read in a thread and mark its notifications read."""
    marker = db.session.get(ThreadRead, (user.id, thread.id))
    if marker is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, last_read_number=number))
    elif number > marker.last_read_number:
        marker.last_read_number = number
    for note in db.session.scalars(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.thread_id == thread.id,
            Notification.read_at.is_(None),
        )
    ):
        note.read_at = db.utcnow()
    db.session.flush()


def last_read(user: Any, thread_ids: list[int]) -> dict[int, int]:
    """Last read post number per thread for the user (one query)."""
    if not getattr(user, "is_authenticated", False) or not thread_ids:
        return {}
    rows = db.session.execute(
        select(ThreadRead.thread_id, ThreadRead.last_read_number).where(
            ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(thread_ids)
        )
    )
    return dict(rows.tuples().all())
