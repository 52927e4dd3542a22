"""The lists of files shown on other rooms' pages: the « Fichiers joints » section of a REX page
and the files under each post of a thread (registered in :func:`.views.init_app`)."""

from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_login import current_user
from markupsafe import Markup

from ..forum import policy as forum
from ..forum.models import Post, Thread
from ..licensing import registry
from ..wiki.models import Rex
from . import policy, queries, services
from .intake import BY_MEDIA_TYPE, human_size
from .models import Attachment


def rex_section(rex: Rex) -> Markup | None:
    """The "Fichiers joints" section of a REX page (nothing when hidden to this reader)."""
    if not policy.can_view_file(current_user, rex):
        return None
    files = services.files_of(rex)
    can_attach = policy.can_attach(current_user, rex)
    if not files and not can_attach:
        return None
    return Markup(
        render_template(
            "files/_section.html",
            rex=rex,
            files=files,
            can_attach=can_attach,
            labels=BY_MEDIA_TYPE,
            human_size=human_size,
            licence=registry.get(rex.licence_id),
        )
    )


def thread_files(thread: Thread) -> dict[str, Any]:
    """What every post of a thread page needs, computed once per thread and request (a
    constant number of queries, however many posts the page shows)."""
    cache = g.setdefault("thread_files", {})
    if thread.id not in cache:
        viewer = forum.can_view_thread(current_user, thread)
        by_post: dict[int, list[Attachment]] = {}
        for att in queries.files_of_thread(thread) if viewer else []:
            by_post.setdefault(att.post_id or 0, []).append(att)
        cache[thread.id] = {
            "viewer": viewer,
            "moderator": viewer and forum.can_moderate_thread(current_user, thread),
            "poster": viewer and forum.can_post(current_user, thread),
            "files": by_post,
        }
    return dict(cache[thread.id])


def post_section(post: Post, thread: Thread) -> Markup:
    """The files under a post in its thread, and for its author the link to attach one
    (nothing for a reader who may not see them). Same rules as :mod:`.posts`, evaluated from
    the per-thread facts of :func:`thread_files`."""
    facts = thread_files(thread)
    if not facts["viewer"] or post.deleted_at is not None:
        return Markup("")
    if (post.hidden or thread.hidden) and not facts["moderator"]:
        return Markup("")
    files = facts["files"].get(post.id, [])
    can_attach = bool(
        facts["poster"]
        and current_user.is_authenticated
        and post.author_id == current_user.id
        and not post.hidden
    )
    if not files and not can_attach:
        return Markup("")
    return Markup(
        render_template(
            "files/_post_section.html",
            post=post,
            files=files,
            can_attach=can_attach,
            labels=BY_MEDIA_TYPE,
            human_size=human_size,
        )
    )
