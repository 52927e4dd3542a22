"""What can be reported and moderated: a forum post, a thread or a REX, seen through one
small record (its space, its author, a label and a path) so policies and services treat the
three alike."""

from __future__ import annotations

from dataclasses import dataclass

from .. import db
from ..forum.models import Post, Thread
from ..forum.services import group_of
from ..notifications.services import path_for, post_path
from ..wiki.models import Rex, Space

KINDS = ("post", "thread", "rex")


@dataclass
class Target:
    """A moderated item. ``group_id`` is the group whose space holds it (``None``: the
    network or the public commons)."""

    kind: str
    obj: Post | Thread | Rex
    thread: Thread | None
    group_id: int | None
    author_id: int | None
    label: str
    path: str

    @property
    def id(self) -> int:
        return self.obj.id

    @property
    def hidden(self) -> bool:
        return bool(self.obj.hidden)


def load(kind: str, target_id: int) -> Target | None:
    """The target ``kind``/``target_id``, or ``None`` when there is no such item."""
    if kind == "rex":
        rex = db.session.get(Rex, target_id)
        if rex is None:
            return None
        group_id = rex.group_id if rex.space == Space.GROUP.value else None
        return Target(
            "rex",
            rex,
            None,
            group_id,
            rex.created_by_id,
            f"REX « {rex.title} »",
            path_for("wiki.show", slug=rex.slug),
        )
    if kind == "thread":
        thread = db.session.get(Thread, target_id)
        if thread is None:
            return None
        return Target(
            "thread",
            thread,
            thread,
            group_of(thread),
            thread.author_id,
            f"Discussion « {thread.title} »",
            path_for("forum.thread", thread_id=thread.id),
        )
    if kind == "post":
        post = db.session.get(Post, target_id)
        if post is None or post.deleted_at is not None:
            return None
        thread = db.session.get(Thread, post.thread_id)
        assert thread is not None
        return Target(
            "post",
            post,
            thread,
            group_of(thread),
            post.author_id,
            f"Message {post.number} de « {thread.title} »",
            post_path(thread.id, post.number),
        )
    return None


def of(obj: Post | Thread | Rex) -> Target:
    """The target for an already loaded object."""
    kind = {Post: "post", Thread: "thread", Rex: "rex"}[type(obj)]
    target = load(kind, obj.id)
    assert target is not None
    return target
