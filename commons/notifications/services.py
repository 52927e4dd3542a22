"""Notification services: watches, @mentions, notifications for new posts (read state: see
:mod:`.reading`).

Flush only. A notification is created only for users who can see the post at that moment;
when it is shown or e-mailed later the permission is checked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..forum import policy as forum_policy
from ..forum.models import Post, Thread
from . import reading
from .models import EmailMode, Notification, Preference, Watch, WatchLevel

EXCERPT = 2000  # characters of a message copied into its notification e-mail
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


def watch_level(user: Actor, target_type: str, target_id: int) -> str | None:
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
        levels.update(dict(rows.all()))
    return levels


def post_created(post: Any, thread: Any, author: User) -> list[Notification]:
    """Notify watchers (level ``all``) and mentioned users (levels ``all``/``mentions``) who can
    see the thread; never the author, never an outsider (mentions of outsiders are ignored)."""
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


def email_mode(user_id: int) -> str:
    """The user's e-mail mode (immediate when no preference was recorded)."""
    mode = db.session.scalar(select(Preference.email_mode).where(Preference.user_id == user_id))
    return mode or EmailMode.IMMEDIATE.value


def set_email_mode(user_id: int, mode: str) -> Preference:
    """Record the user's e-mail mode (immediate, digest, none)."""
    if mode not in {m.value for m in EmailMode}:
        raise ValueError("Mode d'envoi inconnu.")
    pref = db.session.get(Preference, user_id)
    if pref is None:
        pref = Preference(user_id=user_id, email_mode=mode)
        db.session.add(pref)
    else:
        pref.email_mode = mode
    db.session.flush()
    return pref


def path_for(endpoint: str, **values: Any) -> str:
    """``url_for`` that also works outside a request (CLI, digests), as a path."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def post_path(thread_id: int, number: int) -> str:
    """Path of a post: its forum permalink."""
    return path_for("forum.permalink", thread_id=thread_id, number=number)


@dataclass
class Entry:
    """A notification ready to show: nothing but ``visible`` when the thread is out of reach.

    ``body`` (plain text, e.g. a preview) and ``reason`` (why the user receives it) are
    optional; e-mails include them when given."""

    note: Notification
    visible: bool
    sentence: str = ""
    title: str = ""
    path: str = ""
    body: str = ""
    reason: str = ""
    #: Files joined to the e-mail (``mail.Attachment``: name, MIME type, bytes), e.g. an .ics.
    attachments: tuple[tuple[str, str, bytes], ...] = ()


#: Describers of notifications about other targets than threads, by ``target_type``.
Describer = Callable[[Any, list[Notification]], list[Entry]]
_TARGETS: dict[str, Describer] = {}


def register_target(target_type: str, describer: Describer) -> None:
    """Let a feature describe its notifications (``Notification.target_type``): ``describer``
    returns one :class:`Entry` per notification, in order, re-checking that the user may still
    see the target (``visible=False`` otherwise)."""
    _TARGETS[target_type] = describer


def _sentence(kind: str, actor: str) -> str:
    if kind == "mention":
        return f"{actor} vous a mentionné·e dans"
    if kind == "reply":
        return f"Nouvelle réponse de {actor} dans"
    if kind == "new_thread":
        return f"Nouvelle discussion ouverte par {actor} :"
    return "Nouvelle activité dans"


def describe(user: Actor, notes: list[Notification]) -> list[Entry]:
    """Entries for notifications, loading threads, posts and actors in bulk (four queries)
    and re-checking that the user can still see each thread."""
    thread_ids = {n.thread_id for n in notes if n.thread_id is not None}
    visible = reading.visible_thread_ids(user, thread_ids)
    threads = (
        {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(visible)))}
        if visible
        else {}
    )
    post_ids = {n.post_id for n in notes if n.post_id is not None and n.thread_id in visible}
    posts = (
        {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
        if post_ids
        else {}
    )
    actor_ids = {n.actor_id for n in notes if n.actor_id is not None and n.thread_id in visible}
    actors = (
        dict(
            db.session.execute(
                select(User.id, User.display_name).where(User.id.in_(actor_ids))
            ).all()
        )
        if actor_ids
        else {}
    )
    others = _describe_targets(user, [n for n in notes if n.target_type])
    entries = []
    for note in notes:
        if note.target_type:
            entries.append(others[note.id])
            continue
        thread = threads.get(note.thread_id) if note.thread_id is not None else None
        if thread is None:
            entries.append(Entry(note=note, visible=False))
            continue
        post = posts.get(note.post_id or 0)
        actor = actors.get(note.actor_id or 0, "Quelqu'un")
        entries.append(
            Entry(
                note=note,
                visible=True,
                sentence=_sentence(note.kind, actor),
                title=thread.title,
                path=post_path(thread.id, post.number if post else 1),
                body=_excerpt(post, thread),
            )
        )
    return entries


def _excerpt(post: Any, thread: Any) -> str:
    """The message's text for the e-mail (the reader may see the thread: checked by the
    caller), unless the message was deleted or hidden, or the thread hidden."""
    if post is None or post.deleted_at is not None or post.hidden or thread.hidden:
        return ""
    text = post.source.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + " […]"


def _describe_targets(user: Actor, notes: list[Notification]) -> dict[int, Entry]:
    """Entries of notifications about registered target types (unknown types: invisible)."""
    found: dict[int, Entry] = {}
    for target_type in {n.target_type for n in notes}:
        group = [n for n in notes if n.target_type == target_type]
        describer = _TARGETS.get(target_type)
        described = describer(user, group) if describer else []
        for note, entry in zip(group, described or [], strict=False):
            found[note.id] = entry
    for note in notes:
        found.setdefault(note.id, Entry(note=note, visible=False))
    return found
