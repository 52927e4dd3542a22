"""Files of a forum post: the page where the post's author attaches and removes them, and the
list under the post in its thread. Files are read through :func:`.views.serve` like a REX's,
after :func:`.posts.can_view_post_file`."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db
from ..forum import policy as forum
from ..forum.models import Post, Thread
from . import posts
from .forms import UploadForm
from .intake import BY_MEDIA_TYPE, FileRefused, human_size
from .models import Attachment


def _load_post(post_id: int) -> tuple[Post, Thread]:
    post = db.session.get(Post, post_id)
    thread = db.session.get(Thread, post.thread_id) if post is not None else None
    if thread is None or not posts.can_view_post_file(current_user, post, thread):
        abort(404)
    return post, thread


def _back(post: Post) -> str:
    return url_for("forum.permalink", thread_id=post.thread_id, number=post.number)


def manage(post_id: int) -> str | Response:
    """List a post's files; its author attaches one (a plain file input, no JavaScript)."""
    post, thread = _load_post(post_id)
    can_attach = posts.can_attach_to_post(current_user, post, thread)
    form = UploadForm() if can_attach else None
    if request.method == "POST" and form is None:
        abort(403)
    if form is not None and form.validate_on_submit():
        upload = form.file.data
        try:
            att = posts.attach_to_post(
                current_user,
                post,
                thread,
                upload.stream,
                upload.filename or "",
                alt=form.alt.data or "",
            )
        except FileRefused as exc:
            db.session.rollback()
            form.file.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Fichier « {att.name} » joint au message.", "success")
            return redirect(url_for("files.post_manage", post_id=post.id))
    status = 400 if form is not None and form.errors else 200
    return render_template(
        "files/post_manage.html",
        post=post,
        thread=thread,
        back=_back(post),
        form=form,
        files=posts.files_of_post(post),
        labels=BY_MEDIA_TYPE,
        human_size=human_size,
        limit=human_size(current_app.config["FILES_MAX_BYTES"]),
    ), status


def remove(att: Attachment) -> Response:
    """Remove a post's file (its author only; the caller checked the reader sees it)."""
    post = db.session.get(Post, att.post_id)
    thread = db.session.get(Thread, post.thread_id) if post is not None else None
    if post is None or thread is None or not posts.can_attach_to_post(current_user, post, thread):
        abort(403)
    name = att.name
    posts.remove_from_post(current_user, att, post, thread)
    db.session.commit()
    flash(f"Fichier « {name} » retiré du message.", "success")
    return redirect(url_for("files.post_manage", post_id=post.id))


def _thread_files(thread: Thread) -> dict[str, object]:
    """What every post of a thread page needs, computed once per thread and request (a
    constant number of queries, however many posts the page shows)."""
    cache = g.setdefault("thread_files", {})
    if thread.id not in cache:
        viewer = forum.can_view_thread(current_user, thread)
        rows = (
            db.session.scalars(
                select(Attachment)
                .join(Post, Post.id == Attachment.post_id)
                .where(Post.thread_id == thread.id)
                .order_by(Attachment.name)
            )
            if viewer
            else []
        )
        by_post: dict[int, list[Attachment]] = {}
        for att in rows:
            by_post.setdefault(att.post_id or 0, []).append(att)
        cache[thread.id] = {
            "viewer": viewer,
            "moderator": viewer and forum.can_moderate_thread(current_user, thread),
            "poster": viewer and forum.can_post(current_user, thread),
            "files": by_post,
        }
    return cache[thread.id]


def post_section(post: Post, thread: Thread) -> Markup:
    """The files under a post in its thread, and for its author the link to attach one
    (nothing for a reader who may not see them). Same rules as :mod:`.posts`, evaluated from
    the per-thread facts of :func:`_thread_files`."""
    facts = _thread_files(thread)
    if not facts["viewer"] or post.deleted_at is not None:
        return Markup("")
    if (post.hidden or thread.hidden) and not facts["moderator"]:
        return Markup("")
    files = facts["files"].get(post.id, [])  # type: ignore[attr-defined]
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
