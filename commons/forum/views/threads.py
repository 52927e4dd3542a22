"""Thread pages (paginated by post numbers), new threads, replies, pin/lock and REX talk pages.
Every thread is loaded through :func:`load_thread`: a thread one may not see is a 404, never a
403 (its existence does not leak)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle, params
from ...groups import policy as group_policy
from ...groups.models import Group
from ...integrity.bookkeeping import best_effort
from ...notifications import reading
from ...wiki import policy as wiki_policy
from ...wiki import services as wiki_services
from ...wiki.models import Rex
from .. import compose, policy, queries, services
from ..forms import BODY_HINT, FlagsForm, PostForm, ThreadForm
from ..models import Thread, ThreadSpace
from . import bp, created_once


def load_thread(thread_id: int) -> Thread:
    """The thread if the current user may see it, else 404."""
    return lifecycle.load(Thread, thread_id, can=policy.can_view_thread)


def load_rex(slug: str) -> Rex:
    """The REX if the current user may see it, else 404."""
    rex, _old = wiki_services.by_slug(slug)
    return lifecycle.load(Rex, rex.id if rex else None, can=wiki_policy.can_view_rex)


def _new_thread_group() -> Group | None:
    """The group of ``?groupe=`` (404 when the reader may not see it), or ``None``."""
    group_id = request.args.get("groupe", type=params.number)
    return lifecycle.load(Group, group_id, can=group_policy.can_view_group) if group_id else None


def _thread_form() -> ThreadForm:
    form = ThreadForm()
    form.category.choices = queries.category_choices()
    if request.method == "GET":
        form.category.data = request.args.get("categorie", "")
    return form


def _posted(done: tuple[str, bool], message: str) -> Response:
    """Go to what was posted; when it is new (not a form sent again), say so."""
    url, new = done
    if new:
        flash(message, "success")
    return redirect(url)


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    group = _new_thread_group()
    space = ThreadSpace.GROUP.value if group else ThreadSpace.NETWORK.value
    lifecycle.require(policy.can_create_thread(current_user, space, group.id if group else None))
    form = _thread_form()
    if form.validate_on_submit():
        done = created_once(form.body, form, lambda: _open(form, space, group))
        if done is not lifecycle.REFUSED:
            return _posted(done, "Votre discussion est ouverte.")
    parts = {"hint": BODY_HINT, "compose_parts": compose.compose_parts()}
    return render_template("forum/new.html", form=form, group=group, **parts)


def _open(form: ThreadForm, space: str, group: Group | None) -> str:
    category = form.category.data or ""
    thread = compose.open_thread(
        current_user,
        title=form.title.data,
        body=form.body.data or "",
        space=space,
        group_id=group.id if group else None,
        category_id=params.optional_number(category) if not group else None,
    )
    return url_for("forum.thread", thread_id=thread.id)


def render_thread(thread: Thread, page: int, form: PostForm | None = None) -> str:
    """The thread page ``page``, with the reply form (``form``: one sent back with errors)."""
    moderator = policy.can_moderate_thread(current_user, thread)
    can_post = policy.can_post(current_user, thread)
    if form is None:
        form = PostForm(formdata=None)
        quoted = request.args.get("citer", type=params.number)
        if quoted and can_post:
            form.body.data = queries.quote(queries.post_by_number(thread, quoted), moderator)
    return render_template(
        "forum/thread.html",
        thread=thread,
        posts=queries.posts_page(thread, page),
        page=page,
        pages=queries.page_count(thread),
        moderator=moderator,
        can_post=can_post,
        form=form,
        group=queries.group_of(thread),
        rex=queries.rex_of(thread),
        hint=BODY_HINT,
        compose_parts=compose.compose_parts() if can_post else [],
    )


@bp.route("/sujet/<int:thread_id>")
@login_required
def thread(thread_id: int) -> str:
    thread = load_thread(thread_id)
    page = params.page(request.args)
    if not 1 <= page <= queries.page_count(thread):
        abort(404)
    html = render_thread(thread, page)
    last_shown = min(page * queries.PER_PAGE, thread.last_post_number)
    if last_shown and reading.has_unread(current_user, thread, last_shown):
        user = current_user._get_current_object()
        best_effort("marque de lecture", lambda: reading.mark_read(user, thread, last_shown))
    return html


@bp.route("/sujet/<int:thread_id>/message/<int:number>")
@login_required
def permalink(thread_id: int, number: int) -> Response:
    thread = load_thread(thread_id)
    if not 1 <= number <= thread.last_post_number:
        abort(404)
    page = queries.page_of(number)
    return redirect(url_for("forum.thread", thread_id=thread.id, page=page, _anchor=f"m{number}"))


@bp.route("/sujet/<int:thread_id>/repondre", methods=["POST"])
@login_required
def reply(thread_id: int) -> str | Response:
    thread = load_thread(thread_id)
    form = PostForm()
    if form.validate_on_submit():
        done = created_once(form.body, form, lambda: _reply(form, thread))
        if done is not lifecycle.REFUSED:
            return _posted(done, "Votre réponse est publiée.")
    return render_thread(thread, queries.page_count(thread), form)


def _reply(form: PostForm, thread: Thread) -> str:
    post = compose.reply(current_user, thread, form.body.data or "")
    return url_for("forum.permalink", thread_id=thread.id, number=post.number)


@bp.route("/sujet/<int:thread_id>/drapeaux", methods=["POST"])
@login_required
def flags(thread_id: int) -> Response:
    thread = load_thread(thread_id)
    lifecycle.require(policy.can_moderate_thread(current_user, thread))
    form = FlagsForm()
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in ("pinned", "locked")}
        wanted = {k: v == "1" for k, v in values.items() if v in ("0", "1")}
        services.set_flags(current_user, thread, **wanted)
        flash("La discussion est mise à jour.", "success")
    return redirect(url_for("forum.thread", thread_id=thread.id))


@bp.route("/rex/<slug>", methods=["GET", "POST"])
@login_required
def rex_talk(slug: str) -> str | Response:
    rex = load_rex(slug)
    thread = services.talk_thread(rex)
    if thread is not None:
        if request.method == "POST":
            return reply(thread.id)
        return redirect(url_for("forum.thread", thread_id=thread.id))
    form = PostForm()
    if form.validate_on_submit():
        done = created_once(form.body, form, lambda: _first_talk(form, rex))
        if done is not lifecycle.REFUSED:
            return _posted(done, "Votre message ouvre la discussion.")
    return render_template("forum/rex_talk.html", rex=rex, form=form, hint=BODY_HINT)


def _first_talk(form: PostForm, rex: Rex) -> str:
    thread = services.talk_thread(rex, create_for=current_user)
    assert thread is not None
    services.reply(current_user, thread, form.body.data or "")
    return url_for("forum.thread", thread_id=thread.id)
