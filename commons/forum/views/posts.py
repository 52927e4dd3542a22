"""One message: edit (merged with a concurrent edit, or shown side by side on a conflict),
deletion by its author (with a confirmation step) and edit history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from .. import policy, queries, services
from ..forms import BODY_HINT, EditPostForm, FlagsForm
from ..models import Post, Thread
from . import bp
from .threads import load_thread

EDITED = {
    "saved": "Votre message est modifié.",
    "merged": "Votre message est modifié et fusionné avec une modification faite entre-temps.",
    "noop": "Aucun changement : le message est identique.",
}


def load_post(post_id: int) -> tuple[Post, Thread]:
    """The post and its thread if the current user may see the thread, else 404."""
    post = lifecycle.load(Post, post_id)
    return post, load_thread(post.thread_id)


def _to_post(post: Post, thread: Thread) -> Response:
    return redirect(url_for("forum.permalink", thread_id=thread.id, number=post.number))


@bp.route("/message/<int:post_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> str | Response:
    post, thread = load_post(post_id)
    lifecycle.require(policy.can_edit_post(current_user, post, thread))
    form, outcome = EditPostForm(), None
    if request.method == "GET":
        form.body.data, form.base.data = post.source, str(services.version(post))
    if form.validate_on_submit():
        outcome = _save(form, post, thread)
        if isinstance(outcome, str):
            flash(EDITED[outcome], "success")
            return _to_post(post, thread)
    conflict = outcome if isinstance(outcome, services.PostConflict) else None
    return render_template(
        "forum/edit.html", form=form, post=post, thread=thread, hint=BODY_HINT, conflict=conflict
    )


def _save(form: EditPostForm, post: Post, thread: Thread) -> str | services.PostConflict | None:
    """Save the edit: its outcome, the conflict (nothing saved; the form's base moves to the
    version shown, where the next save starts) or ``None`` when refused (message on the form)."""
    base = int(form.base.data) if (form.base.data or "").isdigit() else -1
    body = form.body.data or ""
    outcome = lifecycle.attempt(
        form.body, services.edit_or_conflict, current_user, post, thread, body, base=base
    )
    if isinstance(outcome, services.PostConflict):
        form.base.data = str(outcome.head)
    return None if outcome is lifecycle.REFUSED else outcome


@bp.route("/message/<int:post_id>/supprimer", methods=["GET", "POST"], endpoint="delete")
@login_required
def delete_post(post_id: int) -> Response | str:
    post, thread = load_post(post_id)
    lifecycle.require(policy.can_delete_post(current_user, post, thread))
    if request.method == "GET":  # the confirmation step, without JavaScript (RGAA 11.12)
        return _confirm_delete(post, thread)
    if FlagsForm().validate_on_submit():
        services.delete_post(current_user, post, thread)
        flash("Votre message est supprimé.", "success")
    return _to_post(post, thread)


def _confirm_delete(post: Post, thread: Thread) -> str:
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


@bp.route("/message/<int:post_id>/historique")
@login_required
def history(post_id: int) -> str:
    post, thread = load_post(post_id)
    lifecycle.require(policy.can_view_edit_history(current_user, thread))
    edits = queries.history(post)
    return render_template("forum/history.html", post=post, thread=thread, edits=edits)
