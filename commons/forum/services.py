"""Forum services: threads, replies, edits with history, soft deletion, pin/lock, REX talk.

Flush only. Each new post is announced to the notifications package (watchers, mentions),
which only ever notifies people who can see the post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import audit, db, errors
from ..accounts.models import User
from ..integrity.merge import FieldConflict, Meanwhile, merge
from ..markup import clean_text, render_markdown
from ..notifications import services as notifications
from ..security import count_events, record_event
from ..text import single_line, slugify
from ..wiki.models import Rex, Space
from . import policy
from .models import Category, Post, PostEdit, Thread, ThreadSpace
from .queries import edits_since
from .talk import talk_audience as talk_audience  # the talk pages, re-exported
from .talk import talk_thread as talk_thread
from .talk import talk_threads as talk_threads

MAX_POST_BYTES = 50 * 1024
audit.register_action("moderation.lock", "Discussion verrouillée")
audit.register_action("moderation.unlock", "Discussion déverrouillée")
POST_BUCKET = "forum-post"


class ForumError(errors.Refused):
    """A refused forum operation, with a French message."""


@dataclass
class PostConflict(ForumError):
    """The message was edited by someone else since the form was shown, at the same place:
    nothing is saved; both texts are kept for the user (``head``: the current version)."""

    mine: str
    theirs: str
    merged: str
    head: int
    conflicts: int = 1
    fields: list[FieldConflict] = field(default_factory=list)
    #: The edits saved since the form was shown (who, when).
    meanwhile: list[Meanwhile] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            "Quelqu'un a modifié ce message pendant que vous écriviez, au même endroit que vous. "
            "Votre texte est conservé ci-dessous : reportez vos changements puis enregistrez."
        )


def _require(allowed: bool) -> None:
    if not allowed:
        raise errors.Forbidden("Vous n'avez pas l'autorisation d'effectuer cette action.")


def check_body(body: str) -> str:
    """A non-empty message under the size limit."""
    body = clean_text(body).strip()
    if not body:
        raise ForumError("Le message est vide.")
    if len(body.encode("utf-8")) > MAX_POST_BYTES:
        raise ForumError(
            f"Le message dépasse {MAX_POST_BYTES // 1024} Ko : raccourcissez-le ou découpez-le."
        )
    return body


def _throttle(actor: User) -> None:
    limit = int(current_app.config["FORUM_POSTS_PER_MINUTE"])
    if count_events(POST_BUCKET, str(actor.id), timedelta(minutes=1)) >= limit:
        raise ForumError(
            "Vous publiez beaucoup de messages en peu de temps : patientez une minute "
            "avant d'envoyer le suivant. Votre texte est conservé ci-dessous."
        )
    record_event(POST_BUCKET, str(actor.id))


def _add_post(actor: User, thread: Thread, body: str) -> Post:
    thread.last_post_number += 1
    post = Post(
        thread_id=thread.id,
        number=thread.last_post_number,
        author_id=actor.id,
        source=body,
        html=str(render_markdown(body)),
    )
    thread.post_count += 1
    thread.last_post_at = db.utcnow()
    db.session.add(post)
    db.session.flush()
    notifications.post_created(post, thread, actor)
    return post


def create_thread(
    actor: User,
    *,
    title: str,
    body: str,
    space: str,
    group_id: int | None = None,
    category_id: int | None = None,
) -> Thread:
    """Open a thread with its first post."""
    _require(policy.can_create_thread(actor, space, group_id))
    title = single_line(title)
    if not 3 <= len(title) <= 200:
        raise ForumError("Le titre doit comporter entre 3 et 200 caractères.")
    body = check_body(body)
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ForumError("Catégorie inconnue.")
    _throttle(actor)
    thread = Thread(
        title=title,
        space=space,
        group_id=group_id if space == ThreadSpace.GROUP.value else None,
        category_id=category_id if space == ThreadSpace.NETWORK.value else None,
        author_id=actor.id,
    )
    db.session.add(thread)
    db.session.flush()
    _add_post(actor, thread, body)
    return thread


def _locked(thread: Thread) -> Thread:
    return db.session.execute(
        select(Thread)
        .where(Thread.id == thread.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reply(actor: User, thread: Thread, body: str) -> Post:
    """Answer in a thread (refused when locked or hidden, or when posting too fast)."""
    thread = _locked(thread)
    if not policy.can_view_thread(actor, thread):
        raise errors.Forbidden("Vous n'avez pas accès à cette discussion.")
    if thread.locked and not policy.can_moderate_thread(actor, thread):
        raise ForumError("Cette discussion est verrouillée : on ne peut plus y répondre.")
    if thread.hidden and not policy.can_moderate_thread(actor, thread):
        raise ForumError("Cette discussion a été masquée par l'animation.")
    body = check_body(body)
    _throttle(actor)
    return _add_post(actor, thread, body)


def version(post: Post) -> int:
    """The version of a message: how many times it was edited (the base an edit form carries)."""
    return int(
        db.session.scalar(select(func.count(PostEdit.id)).where(PostEdit.post_id == post.id)) or 0
    )


def edit_or_conflict(
    actor: User, post: Post, thread: Thread, body: str, *, base: int | None = None
) -> str | PostConflict:
    """:func:`edit_post`, but a conflict is returned (nothing saved) instead of raised, so the
    page can show both texts."""
    try:
        return edit_post(actor, post, thread, body, base=base)
    except PostConflict as exc:
        return exc


def edit_post(
    actor: User, post: Post, thread: Thread, body: str, *, base: int | None = None
) -> str:
    """Edit a post from its version ``base`` (``None``: the current one); the previous text is
    kept in its history. An edit made meanwhile by someone else is merged three-way
    (``merged``), or raises :class:`PostConflict` when both changed the same place. Returns
    ``saved``, ``merged`` or ``noop``."""
    _require(policy.can_edit_post(actor, post, thread))
    post = db.session.execute(
        select(Post)
        .where(Post.id == post.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    body = check_body(body)
    history = list(
        db.session.scalars(
            select(PostEdit.source_before).where(PostEdit.post_id == post.id).order_by(PostEdit.id)
        )
    )
    outcome = "saved"
    if base is not None and base != len(history):
        if not 0 <= base < len(history):
            raise ForumError("La version de départ de cette modification est inconnue.")
        result = merge(history[base], post.source, body)
        if result.conflicts:
            raise PostConflict(
                body,
                post.source,
                result.text,
                len(history),
                result.conflicts,
                meanwhile=edits_since(post, base),
            )
        body, outcome = result.text.strip(), "merged"
    if body == post.source:
        return "noop"
    db.session.add(PostEdit(post_id=post.id, editor_id=actor.id, source_before=post.source))
    post.source, post.html, post.edited_at = body, str(render_markdown(body)), db.utcnow()
    db.session.flush()
    return outcome


def delete_post(actor: User, post: Post, thread: Thread) -> None:
    """Soft-delete one's own post (its place in the thread stays, its text is hidden)."""
    _require(policy.can_delete_post(actor, post, thread))
    post.deleted_at = db.utcnow()
    db.session.flush()


def set_flags(
    actor: User,
    thread: Thread,
    *,
    pinned: bool | None = None,
    locked: bool | None = None,
    reason: str = "",
) -> None:
    """Pin or lock a thread (moderators); a change of lock is in the audit log."""
    _require(policy.can_moderate_thread(actor, thread))
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None and locked != thread.locked:
        thread.locked = locked
        audit.record(
            actor,
            "moderation.lock" if locked else "moderation.unlock",
            target_type="thread",
            target_id=thread.id,
            target_label=thread.title,
            group_id=group_of(thread),
            reason=reason,
        )
    db.session.flush()


def group_of(thread: Thread) -> int | None:
    """The group whose space holds the thread (a network talk thread of a REX now in a group:
    that group)."""
    if thread.space == ThreadSpace.GROUP.value:
        return thread.group_id
    if thread.rex_id is None:
        return None
    rex = db.session.get(Rex, thread.rex_id)
    return rex.group_id if rex is not None and rex.space == Space.GROUP.value else None


def create_category(actor: User, *, name: str, description: str = "") -> Category:
    """Add an Agora category (network facilitators)."""
    _require(policy.can_manage_categories(actor))
    name = single_line(name)
    if not 2 <= len(name) <= 120:
        raise ForumError("Le nom de la catégorie doit comporter entre 2 et 120 caractères.")
    slug = slugify(name, max_length=70) or "categorie"
    if db.session.scalar(select(Category.id).where(Category.slug == slug)):
        raise ForumError("Une catégorie porte déjà ce nom.")
    position = len(list(db.session.scalars(select(Category.id))))
    category = Category(
        slug=slug, name=name, description=single_line(description)[:500], position=position
    )
    db.session.add(category)
    db.session.flush()
    return category


def move_category(actor: User, category: Category, delta: int) -> None:
    """Move a category up (-1) or down (+1) in the Agora (positions renumbered 0..n-1)."""
    _require(policy.can_manage_categories(actor))
    ordered = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    index = ordered.index(category)
    target = max(0, min(len(ordered) - 1, index + delta))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()


def delete_category(actor: User, category: Category) -> None:
    """Remove a category; its threads stay, uncategorised (nothing is lost)."""
    _require(policy.can_manage_categories(actor))
    for thread in db.session.scalars(select(Thread).where(Thread.category_id == category.id)):
        thread.category_id = None
    db.session.delete(category)
    db.session.flush()
