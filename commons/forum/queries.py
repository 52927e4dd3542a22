"""Read queries of the forum: the Agora, recent threads, thread pages, group threads.

Every query filters with :func:`policy.visible_threads` or works on a thread already checked
with :func:`policy.can_view_thread`; each runs a fixed number of SQL statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..forms import SelectChoice, choices
from ..groups.models import Group
from ..integrity.merge import Meanwhile
from ..notifications import reading as notifications
from ..wiki.models import Rex
from . import policy
from .models import Category, Post, PostEdit, Thread, ThreadSpace

PER_PAGE = 20
PER_CATEGORY = 5
RECENT = 20


@dataclass
class ThreadRow:
    thread: Thread
    group_name: str | None = None
    category_name: str | None = None
    unread: bool = False


@dataclass
class CategoryBlock:
    category: Category
    threads: list[ThreadRow] = field(default_factory=list)


def page_of(number: int) -> int:
    """The page showing post ``number``."""
    return (max(number, 1) - 1) // PER_PAGE + 1


def page_count(thread: Thread) -> int:
    return max(1, page_of(thread.last_post_number))


def _mark_unread(user: Actor, rows: list[ThreadRow]) -> list[ThreadRow]:
    read = notifications.last_read(user, list({r.thread.id for r in rows}))
    for row in rows:
        row.unread = row.thread.last_post_number > read.get(row.thread.id, 0)
    return rows


def _ordered(stmt: Any) -> Any:
    return stmt.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())


def agora(user: Actor) -> list[CategoryBlock]:
    """Categories (by position) with their latest visible threads: two queries plus one for
    the read markers."""
    categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    rank = (
        func.row_number()
        .over(
            partition_by=Thread.category_id,
            order_by=(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc()),
        )
        .label("rank")
    )
    inner = (
        select(Thread.id, rank)
        .where(
            Thread.category_id.is_not(None),
            Thread.space == ThreadSpace.NETWORK.value,
            policy.visible_threads(user),
            Thread.hidden.is_(False),
        )
        .subquery()
    )
    threads = db.session.scalars(
        _ordered(
            select(Thread).join(inner, inner.c.id == Thread.id).where(inner.c.rank <= PER_CATEGORY)
        )
    ).all()
    blocks = {c.id: CategoryBlock(c) for c in categories}
    rows = []
    for thread in threads:
        if thread.category_id in blocks:
            row = ThreadRow(thread, category_name=blocks[thread.category_id].category.name)
            blocks[thread.category_id].threads.append(row)
            rows.append(row)
    _mark_unread(user, rows)
    return list(blocks.values())


def _rows(stmt: Any, user: Actor) -> list[ThreadRow]:
    found: list[tuple[Thread, str | None, str | None]] = list(db.session.execute(stmt).all())
    rows = [
        ThreadRow(thread, group_name, category_name) for thread, group_name, category_name in found
    ]
    return _mark_unread(user, rows)


def recent(user: Actor, limit: int = RECENT) -> list[ThreadRow]:
    """The latest visible threads across the network (one query plus read markers)."""
    stmt = (
        select(Thread, Group.name, Category.name)
        .outerjoin(Group, Group.id == Thread.group_id)
        .outerjoin(Category, Category.id == Thread.category_id)
        .where(policy.visible_threads(user), Thread.hidden.is_(False))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(limit)
    )
    return _rows(stmt, user)


def of_group(user: Actor, group_id: int, limit: int = 30) -> list[ThreadRow]:
    """A group's threads (pinned first, then latest), for its private space."""
    stmt = _ordered(
        select(Thread, Group.name, Category.name)
        .outerjoin(Group, Group.id == Thread.group_id)
        .outerjoin(Category, Category.id == Thread.category_id)
        .where(Thread.group_id == group_id, policy.visible_threads(user), Thread.hidden.is_(False))
    ).limit(limit)
    return _rows(stmt, user)


def posts_page(thread: Thread, page: int) -> list[Post]:
    """Posts numbered (page-1)*20+1 .. page*20, with their authors (one query)."""
    first = (page - 1) * PER_PAGE + 1
    return list(
        db.session.scalars(
            select(Post)
            .outerjoin(Post.author)
            .options(contains_eager(Post.author))
            .where(Post.thread_id == thread.id, Post.number.between(first, page * PER_PAGE))
            .order_by(Post.number)
        )
    )


def post_by_number(thread: Thread, number: int) -> Post | None:
    return db.session.scalar(
        select(Post)
        .outerjoin(Post.author)
        .options(contains_eager(Post.author))
        .where(Post.thread_id == thread.id, Post.number == number)
    )


def quote(post: Post | None, moderator: bool) -> str:
    """Markdown quote of a post, or "" when it cannot be quoted (deleted or hidden)."""
    if post is None or post.deleted_at is not None or (post.hidden and not moderator):
        return ""
    name = post.author.display_name if post.author else "Un ancien membre"
    lines = [f"> {line}" if line.strip() else ">" for line in post.source.splitlines()]
    return f"> **{name}** a écrit :\n" + "\n".join(lines) + "\n\n"


def history(post: Post) -> list[tuple[PostEdit, str | None]]:
    """Previous versions of a post, newest first, with the editor's name."""
    stmt = (
        select(PostEdit, User.display_name)
        .outerjoin(User, User.id == PostEdit.editor_id)
        .where(PostEdit.post_id == post.id)
        .order_by(PostEdit.id.desc())
    )
    return list(db.session.execute(stmt))


def edits_since(post: Post, base: int) -> list[Meanwhile]:
    """The edits of a post after its version ``base``, oldest first, for a conflict page: an
    edit by someone else than the author is the facilitators' (« l'équipe d'animation »: the
    edit history is theirs to read)."""
    rows = db.session.execute(
        select(PostEdit, User.display_name)
        .outerjoin(User, User.id == PostEdit.editor_id)
        .where(PostEdit.post_id == post.id)
        .order_by(PostEdit.id)
    ).all()
    return [
        Meanwhile(
            0,
            (name or "Un ancien membre")
            if edit.editor_id == post.author_id
            else "l'équipe d'animation",
            edit.created_at,
        )
        for edit, name in rows[base:]
    ]


def categories() -> list[Category]:
    """The Agora's categories, in their order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def category_choices() -> list[SelectChoice]:
    """The category field of a new Agora thread: none, then every category in order."""
    return choices([("", "Sans catégorie")] + [(c.id, c.name) for c in categories()])


def group_of(thread: Thread) -> Group | None:
    """The group of a group thread, else ``None``."""
    return db.session.get(Group, thread.group_id) if thread.group_id else None


def rex_of(thread: Thread) -> Rex | None:
    """The REX a talk thread is about, else ``None``."""
    return db.session.get(Rex, thread.rex_id) if thread.rex_id else None


def group_id(slug: str) -> int | None:
    """The id of the group with this slug, if any (the caller checks who may see it)."""
    return db.session.scalar(select(Group.id).where(Group.slug == slug))
