"""The administrators' edit of a collectivité's official name and description (editorial notes:
a former name, an acronym, what the directory should know), kept out of its official name."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...lifecycle import REFUSED, FormErrors
from .. import policy, queries, vocab
from .. import review as proposals
from ..forms import DescriptionForm
from . import bp


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response:
    """An administrator edits the official name and the description of a collectivité."""
    lifecycle.require(policy.can_review(current_user))
    collectivite = queries.by_slug(slug) or abort(404)
    form = DescriptionForm(obj=collectivite if request.method == "GET" else None)
    if request.method == "GET":
        form.set_base(proposals.editable_values(collectivite))
    elif form.validate_on_submit():
        text, name, base = form.description.data or "", form.name.data or "", form.base_values()
        call = partial(proposals.describe_collectivite, base=base)
        if lifecycle.attempt(FormErrors(form), call, current_user, collectivite, text, name) is (
            REFUSED
        ):
            if any(m.startswith(proposals.CONFLICT) for m in form.form_errors):
                shown = proposals.refreshed(collectivite, base, {"name": name, "description": text})
                form.name.data, form.description.data = shown["name"], shown["description"]
                form.set_base(proposals.editable_values(collectivite))  # now shown to them
        else:
            flash("Le nom et la description de la collectivité sont enregistrés.", "success")
            return redirect(url_for("collectivites.show", slug=collectivite.slug))
    return render_template("collectivites/edit.html", form=form, c=collectivite, vocab=vocab)
