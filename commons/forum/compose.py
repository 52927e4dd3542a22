"""Compose parts: fields other features add to the forum's new-thread and reply forms.

A feature (files…) registers a part with :func:`add_compose_part` without the forum importing
it; :func:`open_thread` and :func:`reply` write the post, then run every part's ``after_post``
in the same transaction (a part raises :class:`services.ForumError` to refuse it all).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from ..accounts.models import User
from . import queries, services
from .models import Post, Thread

COMPOSE_PARTS = "commons.forum_compose_parts"


def add_compose_part(
    app: Flask, render: Callable[[], Markup | None], after_post: Callable[[Post, Thread], None]
) -> None:
    """Let a feature (files…) add fields to the new-thread and reply forms without the forum
    importing it: ``after_post`` runs in the same transaction once the post is written and
    raises :class:`services.ForumError` to refuse it all (rolled back, the text kept)."""
    app.extensions.setdefault(COMPOSE_PARTS, []).append((render, after_post))


def compose_parts() -> list[Markup]:
    """The HTML of every registered part, for the form being shown."""
    parts = current_app.extensions.get(COMPOSE_PARTS, [])
    return [part for render, _after in parts if (part := render())]


def after_post(post: Post, thread: Thread) -> None:
    """Run every part's ``after_post`` on a post just written."""
    for _render, after in current_app.extensions.get(COMPOSE_PARTS, []):
        after(post, thread)


def open_thread(
    actor: User,
    *,
    title: str,
    body: str,
    space: str,
    group_id: int | None = None,
    category_id: int | None = None,
) -> Thread:
    """:func:`services.create_thread`, then the parts' ``after_post`` on its first message."""
    thread = services.create_thread(
        actor, title=title, body=body, space=space, group_id=group_id, category_id=category_id
    )
    first_post = queries.post_by_number(thread, 1)
    if first_post is not None:
        after_post(first_post, thread)
    return thread


def reply(actor: User, thread: Thread, body: str) -> Post:
    """:func:`services.reply`, then the parts' ``after_post``."""
    post = services.reply(actor, thread, body)
    after_post(post, thread)
    return post
