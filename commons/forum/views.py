"""Forum pages: the Agora, thread pages (paginated by post numbers), replies, edits, pin/lock,
group forums and REX talk pages. Every thread is loaded through :func:`load_thread`: a thread
one may not see is a 404, never a 403 (its existence does not leak)."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params
from ..forms import choices
from ..groups import policy as group_policy
from ..groups.models import Group
from ..integrity.bookkeeping import best_effort
from ..navigation import add_nav
from ..notifications import emails as notification_emails
from ..notifications import reading
from ..wiki import policy as wiki_policy
from ..wiki import services as wiki_services
from ..wiki.models import Rex
from . import policy, queries, services
from .forms import BODY_HINT, CategoryForm, EditPostForm, FlagsForm, PostForm, ThreadForm
from .models import Category, Post, Thread, ThreadSpace

bp = Blueprint("forum", __name__, url_prefix="/forum", template_folder="templates")


def load_thread(thread_id: int) -> Thread:
    """The thread if the current user may see it, else 404."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not policy.can_view_thread(current_user, thread):
        abort(404)
    return thread


def load_post(post_id: int) -> tuple[Post, Thread]:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post, load_thread(post.thread_id)


def load_rex(slug: str) -> Rex:
    rex, _old = wiki_services.by_slug(slug)
    if rex is None or not wiki_policy.can_view_rex(current_user, rex):
        abort(404)
    return rex


COMPOSE_PARTS = "commons.forum_compose_parts"


def add_compose_part(
    app: Flask, render: Callable[[], Markup | None], after_post: Callable[[Post, Thread], None]
) -> None:
    """Let a feature (files…) add fields to the new-thread and reply forms without the forum
    importing it: ``after_post`` runs in the same transaction once the post is written and
    raises :class:`services.ForumError` to refuse it all (rolled back, the text kept)."""
    app.extensions.setdefault(COMPOSE_PARTS, []).append((render, after_post))


def _compose_parts() -> list[Markup]:
    parts = current_app.extensions.get(COMPOSE_PARTS, [])
    return [part for render, _after in parts if (part := render())]


def _after_post(post: Post, thread: Thread) -> None:
    for _render, after_post in current_app.extensions.get(COMPOSE_PARTS, []):
        after_post(post, thread)


def _error(form: PostForm, exc: Exception) -> None:
    db.session.rollback()
    form.body.errors = [*form.body.errors, str(exc)]


@bp.route("/")
@login_required
def index() -> str:
    manage = policy.can_manage_categories(current_user)
    return render_template(
        "forum/index.html",
        blocks=queries.agora(current_user),
        recent=queries.recent(current_user),
        category_form=CategoryForm() if manage else None,
    )


@bp.route("/categories", methods=["POST"])
@login_required
def add_category() -> Response:
    if not policy.can_manage_categories(current_user):
        abort(403)
    form = CategoryForm()
    if not form.validate_on_submit():
        flash("Catégorie non créée : " + " ".join(sum(form.errors.values(), [])), "error")
        return redirect(url_for("forum.index"))
    try:
        category = services.create_category(
            current_user, name=form.name.data, description=form.description.data or ""
        )
    except services.ForumError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Catégorie « {category.name} » créée.", "success")
    return redirect(url_for("forum.index"))


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    group_id = request.args.get("groupe", type=params.number)
    group = db.session.get(Group, group_id) if group_id else None
    if group_id and (group is None or not group_policy.can_view_group(current_user, group)):
        abort(404)  # an unlisted group does not exist for outsiders
    space = ThreadSpace.GROUP.value if group else ThreadSpace.NETWORK.value
    if not policy.can_create_thread(current_user, space, group_id):
        abort(403)
    form = ThreadForm()
    form.category.choices = choices(
        [("", "Sans catégorie")] + [(c.id, c.name) for c in queries.categories()]
    )
    if request.method == "GET":
        form.category.data = request.args.get("categorie", "")
    if form.validate_on_submit():
        category = form.category.data or ""
        if first := form.replayed():
            return redirect(first)
        try:
            thread = services.create_thread(
                current_user,
                title=form.title.data,
                body=form.body.data or "",
                space=space,
                group_id=group_id,
                category_id=params.optional_number(category) if not group else None,
            )
            first_post = db.session.scalar(
                select(Post).where(Post.thread_id == thread.id, Post.number == 1)
            )
            if first_post is not None:
                _after_post(first_post, thread)
        except services.ForumError as exc:
            _error(form, exc)
        else:
            form.fulfil(url_for("forum.thread", thread_id=thread.id))
            db.session.commit()
            notification_emails.deliver_pending()  # e-mails of immediate-mode recipients
            flash("Votre discussion est ouverte.", "success")
            return redirect(url_for("forum.thread", thread_id=thread.id))
    return render_template(
        "forum/new.html", form=form, group=group, hint=BODY_HINT, compose_parts=_compose_parts()
    )


def _render_thread(thread: Thread, page: int, form: PostForm | None = None) -> str:
    moderator = policy.can_moderate_thread(current_user, thread)
    can_post = policy.can_post(current_user, thread)
    if form is None:
        form = PostForm(formdata=None)
        quoted = request.args.get("citer", type=params.number)
        if quoted and can_post:
            form.body.data = queries.quote(queries.post_by_number(thread, quoted), moderator)
    group = db.session.get(Group, thread.group_id) if thread.group_id else None
    rex = db.session.get(Rex, thread.rex_id) if thread.rex_id else None
    return render_template(
        "forum/thread.html",
        thread=thread,
        posts=queries.posts_page(thread, page),
        page=page,
        pages=queries.page_count(thread),
        moderator=moderator,
        can_post=can_post,
        form=form,
        group=group,
        rex=rex,
        hint=BODY_HINT,
        compose_parts=_compose_parts() if can_post else [],
    )


@bp.route("/sujet/<int:thread_id>")
@login_required
def thread(thread_id: int) -> str:
    thread = load_thread(thread_id)
    page = params.page(request.args)
    if not 1 <= page <= queries.page_count(thread):
        abort(404)
    html = _render_thread(thread, page)
    last_shown = min(page * queries.PER_PAGE, thread.last_post_number)
    if last_shown and reading.has_unread(current_user, thread, last_shown):
        user = current_user._get_current_object()  # type: ignore[attr-defined]
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
        if first := form.replayed():
            return redirect(first)
        try:
            post = services.reply(current_user, thread, form.body.data or "")
            _after_post(post, thread)
        except services.Forbidden:
            db.session.rollback()
            abort(403)
        except services.ForumError as exc:
            _error(form, exc)
        else:
            form.fulfil(url_for("forum.permalink", thread_id=thread.id, number=post.number))
            db.session.commit()
            notification_emails.deliver_pending()  # e-mails of immediate-mode recipients
            flash("Votre réponse est publiée.", "success")
            return redirect(url_for("forum.permalink", thread_id=thread.id, number=post.number))
    return _render_thread(thread, queries.page_count(thread), form)


@bp.route("/sujet/<int:thread_id>/drapeaux", methods=["POST"])
@login_required
def flags(thread_id: int) -> Response:
    thread = load_thread(thread_id)
    if not policy.can_moderate_thread(current_user, thread):
        abort(403)
    form = FlagsForm()
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in ("pinned", "locked")}
        services.set_flags(
            current_user,
            thread,
            **{k: v == "1" for k, v in values.items() if v in ("0", "1")},  # type: ignore[arg-type]
        )
        db.session.commit()
        flash("La discussion est mise à jour.", "success")
    return redirect(url_for("forum.thread", thread_id=thread.id))


@bp.route("/message/<int:post_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> str | Response:
    post, thread = load_post(post_id)
    if not policy.can_edit_post(current_user, post, thread):
        abort(403)
    form, conflict = EditPostForm(), None
    if request.method == "GET":
        form.body.data, form.base.data = post.source, str(services.version(post))
    if form.validate_on_submit():
        base = int(form.base.data) if (form.base.data or "").isdigit() else -1
        try:
            body = form.body.data or ""
            outcome = services.edit_post(current_user, post, thread, body, base=base)
        except services.PostConflict as exc:
            db.session.rollback()
            conflict, form.base.data = exc, str(exc.head)  # the next save starts from what is shown
        except services.ForumError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(EDITED[outcome], "success")
            return redirect(url_for("forum.permalink", thread_id=thread.id, number=post.number))
    return render_template(
        "forum/edit.html", form=form, post=post, thread=thread, hint=BODY_HINT, conflict=conflict
    )


EDITED = {
    "saved": "Votre message est modifié.",
    "merged": "Votre message est modifié et fusionné avec une modification faite entre-temps.",
    "noop": "Aucun changement : le message est identique.",
}


@bp.route("/message/<int:post_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete(post_id: int) -> Response | str:
    post, thread = load_post(post_id)
    if not policy.can_delete_post(current_user, post, thread):
        abort(403)
    if request.method == "GET":  # the confirmation step, without JavaScript (RGAA 11.12)
        return render_template(
            "confirm.html",
            question=f"Supprimer votre message n°{post.number} ?",
            explanation=[
                f"Votre message n°{post.number} de la discussion « {thread.title} » sera "
                "remplacé par « Message supprimé par son auteur. ». Cette action est définitive."
            ],
            excerpt=(post.source or "")[:300],
            action=url_for("forum.delete", post_id=post.id),
            confirm_label="Confirmer la suppression",
            cancel_url=url_for("forum.permalink", thread_id=thread.id, number=post.number),
            cancel_where="à la discussion",
        )
    if FlagsForm().validate_on_submit():
        services.delete_post(current_user, post, thread)
        db.session.commit()
        flash("Votre message est supprimé.", "success")
    return redirect(url_for("forum.permalink", thread_id=thread.id, number=post.number))


@bp.route("/message/<int:post_id>/historique")
@login_required
def history(post_id: int) -> str:
    post, thread = load_post(post_id)
    if not policy.can_view_edit_history(current_user, thread):
        abort(403)
    return render_template(
        "forum/history.html", post=post, thread=thread, edits=queries.history(post)
    )


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
        if first := form.replayed():
            return redirect(first)
        try:
            thread = services.talk_thread(rex, create_for=current_user)
            assert thread is not None
            services.reply(current_user, thread, form.body.data or "")
        except services.ForumError as exc:
            _error(form, exc)
        else:
            form.fulfil(url_for("forum.thread", thread_id=thread.id))
            db.session.commit()
            notification_emails.deliver_pending()  # e-mails of immediate-mode recipients
            flash("Votre message ouvre la discussion.", "success")
            return redirect(url_for("forum.thread", thread_id=thread.id))
    return render_template("forum/rex_talk.html", rex=rex, form=form, hint=BODY_HINT)


def group_section(group: Group) -> Markup:
    """The "Forum du groupe" section of a group's private space."""
    return Markup(
        render_template(
            "forum/_group_section.html",
            group=group,
            rows=queries.of_group(current_user, group.id),
        )
    )


@bp.route(
    "/categories/<int:category_id>/<any(monter, descendre, supprimer):action>", methods=["POST"]
)
@login_required
def manage_category(category_id: int, action: str) -> Response:
    if not policy.can_manage_categories(current_user):
        abort(403)
    category = db.session.get(Category, category_id) or abort(404)
    if not FlagsForm().validate_on_submit():
        abort(400)
    if action == "supprimer":
        services.delete_category(current_user, category)
        flash(
            f"Catégorie « {category.name} » supprimée ; ses discussions sont conservées.", "success"
        )
    else:
        services.move_category(current_user, category, -1 if action == "monter" else 1)
    db.session.commit()
    return redirect(url_for("forum.index"))


def rex_section(rex: Rex) -> Markup | None:
    """The REX page's « Discussions » section: every talk thread of the REX the reader may
    read (a group's discussion stays with the group after the REX widened)."""
    if not current_user.is_authenticated:
        return None
    threads = services.talk_threads(current_user, rex)
    if not threads:
        return None
    return Markup(render_template("forum/_rex_section.html", rex=rex, threads=threads))


def init_app(app: Flask) -> None:
    """Register the blueprint, the group and REX sections and the navigation entry."""
    from ..groups.views import add_private_section
    from ..wiki.views import add_rex_section

    add_private_section(app, group_section)
    add_rex_section(app, rex_section)
    app.register_blueprint(bp)
    add_nav(app, "forum.index", "Forum")
