"""The Agora's front page and its categories (network facilitators manage them)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from .. import policy, queries, services
from ..forms import CategoryForm, FlagsForm
from ..models import Category
from . import bp


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
    lifecycle.require(policy.can_manage_categories(current_user))
    form = CategoryForm()
    if not form.validate_on_submit():
        flash("Catégorie non créée : " + " ".join(sum(form.errors.values(), [])), "error")
        return redirect(url_for("forum.index"))
    name, description = form.name.data, form.description.data or ""
    category = lifecycle.attempt(
        None, services.create_category, current_user, name=name, description=description
    )
    if category is not lifecycle.REFUSED:
        flash(f"Catégorie « {category.name} » créée.", "success")
    return redirect(url_for("forum.index"))


@bp.route(
    "/categories/<int:category_id>/<any(monter, descendre, supprimer):action>", methods=["POST"]
)
@login_required
def manage_category(category_id: int, action: str) -> Response:
    lifecycle.require(policy.can_manage_categories(current_user))
    category = lifecycle.load(Category, category_id)
    if not FlagsForm().validate_on_submit():
        abort(400)
    if action == "supprimer":
        services.delete_category(current_user, category)
        message = f"Catégorie « {category.name} » supprimée ; ses discussions sont conservées."
        flash(message, "success")
    else:
        services.move_category(current_user, category, -1 if action == "monter" else 1)
    return redirect(url_for("forum.index"))
