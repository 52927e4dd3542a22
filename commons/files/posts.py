"""Files on forum posts: same intake, store and serving view as a REX's files; the audience is
the post's thread (:func:`commons.forum.policy.can_view_thread`), decided at every request.

A post's files are seen by whoever reads the post's text: its thread's audience, and when the
post or its thread is hidden by the facilitators, only those who moderate the thread; a deleted
post shows no file. Only the post's author attaches and removes, while they may still post in
the thread. Services flush only.
"""

from __future__ import annotations

from typing import IO

from flask import current_app
from sqlalchemy import func, select

from .. import db, errors
from ..accounts.models import User
from ..actor import Actor
from ..forum import policy as forum
from ..forum.models import Post, Thread
from . import services
from .intake import FileRefused, human_size
from .models import Attachment


def can_view_post_file(actor: Actor, post: Post, thread: Thread) -> bool:
    """Read the files of ``post``: who reads its text (thread audience; moderators only when
    the post or the thread is hidden; nobody once it is deleted)."""
    if post.deleted_at is not None or not forum.can_view_thread(actor, thread):
        return False
    if post.hidden or getattr(thread, "hidden", False):
        return forum.can_moderate_thread(actor, thread)
    return True


def can_attach_to_post(actor: Actor, post: Post, thread: Thread) -> bool:
    """Attach to or remove from ``post``: its author, while they may post in the thread."""
    return (
        getattr(actor, "is_authenticated", False)
        and post.author_id == actor.id
        and post.deleted_at is None
        and not post.hidden
        and forum.can_post(actor, thread)
    )


def files_of_post(post: Post) -> list[Attachment]:
    """The files of a post, by name (the caller has checked :func:`can_view_post_file`)."""
    stmt = select(Attachment).where(Attachment.post_id == post.id).order_by(Attachment.name)
    return list(db.session.scalars(stmt))


def _check_quotas(post: Post, actor: User, size: int) -> None:
    cfg = current_app.config
    count, used = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.post_id == post.id
        )
    ).one()
    if count >= cfg["FILES_MAX_PER_REX"]:
        raise FileRefused(f"Ce message a déjà {count} fichiers joints : c'est le maximum.")
    if used + size > cfg["FILES_MAX_PER_REX_BYTES"]:
        raise FileRefused(
            "Les fichiers de ce message dépasseraient "
            f"{human_size(cfg['FILES_MAX_PER_REX_BYTES'])}."
        )
    services.check_person_quota(actor, size)


def attach_to_post(
    actor: User, post: Post, thread: Thread, source: IO[bytes], filename: str, *, alt: str = ""
) -> Attachment:
    """Attach an uploaded file to ``post`` (``FileRefused`` with the reason, in French)."""
    if not can_attach_to_post(actor, post, thread):
        raise errors.Forbidden("Vous ne pouvez pas joindre de fichier à ce message.")
    att = services.build(
        source,
        filename,
        alt=alt,
        actor=actor,
        taken=[a.name for a in files_of_post(post)],
        check_quotas=lambda size: _check_quotas(post, actor, size),
    )
    att.post_id = post.id
    db.session.add(att)
    db.session.flush()
    return att


def remove_from_post(actor: User, att: Attachment, post: Post, thread: Thread) -> None:
    """Remove a file from its post (the blob is collected by ``commons files gc``)."""
    if att.post_id != post.id or not can_attach_to_post(actor, post, thread):
        raise errors.Forbidden("Vous ne pouvez pas retirer ce fichier.")
    db.session.delete(att)
    db.session.flush()
