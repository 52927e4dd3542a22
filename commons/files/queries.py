"""The SQL of the files pages that is not a service's: a post and its thread, and every file of
a thread's posts at once (the thread page shows them under each post)."""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from ..forum.models import Post, Thread
from ..wiki.models import Rex
from .models import Attachment


def post_and_thread(post_id: int | None) -> tuple[Post, Thread] | None:
    """A post and its thread, or ``None`` when either is missing."""
    post = db.session.get(Post, post_id) if post_id is not None else None
    thread = db.session.get(Thread, post.thread_id) if post is not None else None
    return (post, thread) if post is not None and thread is not None else None


def rex_of(att: Attachment) -> Rex | None:
    """The REX a file is attached to (``None`` for a post's file)."""
    return db.session.get(Rex, att.rex_id) if att.rex_id is not None else None


def files_of_thread(thread: Thread) -> list[Attachment]:
    """Every file of the posts of ``thread``, by name (the caller checked who reads them)."""
    return list(
        db.session.scalars(
            select(Attachment)
            .join(Post, Post.id == Attachment.post_id)
            .where(Post.thread_id == thread.id)
            .order_by(Attachment.name)
        )
    )
