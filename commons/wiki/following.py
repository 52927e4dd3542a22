"""Following a REX: whoever follows it at « Tout » is told of every edit (a new revision, a
rename, a move…) made by someone else, and creating a REX makes one follow it at « Tout ».

Subscribed to ORM flushes (like the search outbox), so every edit path (editor, restore,
rename, move, licence, moderation edit) notifies without calling anything: when a
:class:`~.models.Revision` or an :class:`~.models.Event` with an actor is flushed, the
watchers who can see the REX at that moment get a notification (``rex.revision`` or
``rex.event``, pointing at the revision or event). Nothing of the text is copied: when shown or
e-mailed, :func:`describe` reloads it and re-checks :func:`.policy.can_view_rex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from flask import Flask
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..notifications.emails import note_created
from ..notifications.models import Notification, Watch, WatchLevel
from ..notifications.services import Entry, path_for, register_target
from . import policy
from .models import Event, Revision, Rex

REVISION, EVENT = "rex.revision", "rex.event"
EVENT_SENTENCES = {
    "rename": "{actor} a renommé",
    "move": "{actor} a changé l'espace de",
    "licence": "{actor} a changé la licence de",
    "derivation": "{actor} a indiqué une source pour",
}


def _ensure_watch(conn: Any, user_id: int, rex_id: int) -> None:
    """Creating a REX makes one follow it at « Tout », unless one already chose a level."""
    found = conn.execute(
        select(Watch.id).where(
            Watch.user_id == user_id, Watch.target_type == "rex", Watch.target_id == rex_id
        )
    ).first()
    if found is None:
        conn.execute(
            insert(Watch).values(
                user_id=user_id, target_type="rex", target_id=rex_id, level=WatchLevel.ALL.value
            )
        )


def _watchers(session: Session, rex_id: int, actor_id: int) -> list[int]:
    """Active users following the REX at « Tout » who can see it now (never the actor)."""
    rex = session.get(Rex, rex_id)
    if rex is None:
        return []
    users = session.scalars(
        select(User)
        .join(Watch, Watch.user_id == User.id)
        .where(
            Watch.target_type == "rex",
            Watch.target_id == rex_id,
            Watch.level == WatchLevel.ALL.value,
            User.id != actor_id,
        )
    ).all()
    return [u.id for u in users if u.is_active and policy.can_view_rex(u, rex)]


def _after_flush(session: Session, _context: Any) -> None:
    """Notify the watchers of the REX edited in this flush (Core inserts: no new flush)."""
    items: list[tuple[str, int, int, int, bool]] = []  # type, id, rex id, actor id, creation
    for obj in session.new:
        if isinstance(obj, Revision) and obj.author_id is not None:
            items.append((REVISION, obj.id, obj.rex_id, obj.author_id, obj.number == 1))
        elif isinstance(obj, Event) and obj.actor_id is not None:
            items.append((EVENT, obj.id, obj.rex_id, obj.actor_id, False))
    if not items:
        return
    conn, now = session.connection(), db.utcnow()
    for target_type, target_id, rex_id, actor_id, first in items:
        if first:  # the author of a new REX follows it
            _ensure_watch(conn, actor_id, rex_id)
        rows = [
            {
                "user_id": user_id,
                "kind": target_type,
                "actor_id": actor_id,
                "target_type": target_type,
                "target_id": target_id,
                "created_at": now,
            }
            for user_id in _watchers(session, rex_id, actor_id)
        ]
        if rows:
            inserted = conn.execute(insert(Notification).returning(Notification.id), rows)
            note_created(session, list(inserted.scalars()))  # e-mailed with the commit


def _revision_entry(note: Notification, rev: Revision, rex: Rex, actor: str) -> Entry:
    path = path_for("wiki.show", slug=rex.slug)
    if rev.number > 1:
        path = path_for("wiki.diff", slug=rex.slug, de=rev.number - 1, a=rev.number)
    body = f"Résumé de la modification : {rev.comment}" if rev.comment else ""
    return Entry(
        note=note,
        visible=True,
        sentence=f"{actor} a modifié" if rev.number > 1 else f"{actor} a créé",
        title=rex.title,
        path=path,
        body=body,
        reason="Vous recevez ce courriel parce que vous suivez ce REX (niveau « Tout »).",
    )


def _event_entry(note: Notification, ev: Event, rex: Rex, actor: str) -> Entry:
    sentence = EVENT_SENTENCES.get(ev.kind, "{actor} a modifié").format(actor=actor)
    body = ""
    if ev.kind == "rename":
        body = f"Ancien titre : {ev.detail.get('before', '')}"
    return Entry(
        note=note,
        visible=True,
        sentence=sentence,
        title=rex.title,
        path=path_for("wiki.history", slug=rex.slug),
        body=body,
        reason="Vous recevez ce courriel parce que vous suivez ce REX (niveau « Tout »).",
    )


def described(
    user: Actor,
    notes: list[Notification],
    model: type[Revision] | type[Event],
    entry: Callable[[Notification, Any, Rex, str], Entry],
) -> list[Entry]:
    """Entries for notifications pointing at revisions or events (``model``) of REX: loads
    them, their REX and their actors (three queries), hides those whose REX the reader may no
    longer see, and builds each visible one with ``entry(note, target, rex, actor name)``."""
    ids = {n.target_id for n in notes if n.target_id is not None}
    rows = cast(
        "Iterable[Revision | Event]", db.session.scalars(select(model).where(model.id.in_(ids)))
    )
    objs = {o.id: o for o in rows}
    rex_ids = {o.rex_id for o in objs.values()}
    rexes = {r.id: r for r in db.session.scalars(select(Rex).where(Rex.id.in_(rex_ids)))}
    actor_ids = {n.actor_id for n in notes if n.actor_id is not None}
    actors = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all()
    )
    entries = []
    for note in notes:
        obj = objs.get(note.target_id or 0)
        rex = rexes.get(obj.rex_id) if obj is not None else None
        if obj is None or rex is None or not policy.can_view_rex(user, rex):
            entries.append(Entry(note=note, visible=False))
            continue
        entries.append(entry(note, obj, rex, actors.get(note.actor_id or 0, "Quelqu'un")))
    return entries


def describe(user: Actor, notes: list[Notification]) -> list[Entry]:
    """Entries for REX-edit notifications, re-checking that the reader may still see the REX."""
    if notes and notes[0].target_type == REVISION:
        return described(user, notes, Revision, _revision_entry)
    return described(user, notes, Event, _event_entry)


def init_app(app: Flask) -> None:
    """Subscribe to flushes (once per process) and describe the notifications."""
    if not event.contains(db.AppSession, "after_flush", _after_flush):
        event.listen(db.AppSession, "after_flush", _after_flush)
    register_target(REVISION, describe)
    register_target(EVENT, describe)
