"""Forum permissions, and the SQL filter that agrees with them.

A group thread is seen by the group's members and facilitators only; an Agora thread by every
signed-in agent; a talk thread of a REX by those who can see the REX *and* belong to the audience
the thread was written for (a group's discussion stays with the group when its REX widens; a
hidden REX hides its discussions).
Moderation belongs to the group's facilitators (group threads) or to the network's
facilitators and administrators (Agora and talk threads of network/public REX).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from .. import db
from ..accounts.policy import is_member_user
from ..actor import Actor
from ..groups import policy as groups
from ..groups.models import Group
from ..wiki import policy as wiki
from ..wiki.models import Rex
from .models import Post, Thread, ThreadSpace


def _rex(thread: Thread) -> Rex | None:
    return db.session.get(Rex, thread.rex_id) if thread.rex_id else None


def _in_thread_audience(actor: Actor, thread: Thread) -> bool:
    if thread.space == ThreadSpace.GROUP.value:
        return thread.group_id in groups.group_ids_of(actor)
    return True


def can_view_thread(actor: Actor, thread: Thread) -> bool:
    """Members for group threads, signed-in agents for the Agora; a REX talk thread needs both
    its own audience and the REX's visibility (moderation included)."""
    if not is_member_user(actor) or not _in_thread_audience(actor, thread):
        return False
    if thread.rex_id is not None:
        rex = _rex(thread)
        return rex is not None and wiki.can_view_rex(actor, rex)
    return True


def visible_threads(actor: Actor) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_thread`."""
    if not is_member_user(actor):
        return false()
    talk_ok = or_(
        Thread.rex_id.is_(None), Thread.rex_id.in_(select(Rex.id).where(wiki.visible_rex(actor)))
    )
    ids = groups.group_ids_of(actor)
    space_ok = or_(
        Thread.space == ThreadSpace.NETWORK.value,
        and_(Thread.space == ThreadSpace.GROUP.value, Thread.group_id.in_(ids) if ids else false()),
    )
    return and_(talk_ok, space_ok)


def can_moderate_thread(actor: Actor, thread: Thread) -> bool:
    """Pin, lock, hide, see edit history: the group's facilitators, or network facilitators."""
    if not is_member_user(actor):
        return False
    group_id = thread.group_id if thread.space == ThreadSpace.GROUP.value else None
    if thread.rex_id is not None and group_id is None:  # a network talk of a REX now in a group
        rex = _rex(thread)
        group_id = rex.group_id if rex is not None and rex.space == "group" else None
    if group_id is not None:
        group = db.session.get(Group, group_id)
        return group is not None and groups.is_group_facilitator(actor, group)
    return bool(actor.is_facilitator)


def can_post(actor: Actor, thread: Thread) -> bool:
    """Reply: whoever sees the thread, unless it is locked or hidden (moderators still may)."""
    if not can_view_thread(actor, thread):
        return False
    if thread.hidden or thread.locked:
        return can_moderate_thread(actor, thread)
    return True


def can_create_thread(actor: Actor, space: str, group_id: int | None) -> bool:
    """Open a thread in a group one belongs to, or in the Agora."""
    if not is_member_user(actor):
        return False
    if space == ThreadSpace.GROUP.value:
        return group_id is not None and group_id in groups.group_ids_of(actor)
    return space == ThreadSpace.NETWORK.value


def can_edit_post(actor: Actor, post: Post, thread: Thread) -> bool:
    """One's own live post (or a moderator's edit, kept in the history)."""
    if not can_view_thread(actor, thread) or post.deleted_at is not None:
        return False
    return post.author_id == actor.id or can_moderate_thread(actor, thread)


def can_delete_post(actor: Actor, post: Post, thread: Thread) -> bool:
    """One's own post (soft deletion)."""
    return can_view_thread(actor, thread) and post.author_id == actor.id and post.deleted_at is None


def can_view_edit_history(actor: Actor, thread: Thread) -> bool:
    """Edit histories are for moderators."""
    return can_moderate_thread(actor, thread)


def can_manage_categories(actor: Actor) -> bool:
    """Agora categories: network facilitators and administrators."""
    return is_member_user(actor) and bool(actor.is_facilitator)
