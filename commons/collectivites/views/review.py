"""The administrators' review of proposed collectivités: validate (with the SIREN) or refuse
with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ... import lifecycle, params
from ...lifecycle import REFUSED
from .. import policy, vocab
from .. import review as proposals
from ..models import Collectivite
from . import bp

#: The service's arguments and the form fields they come from.
FIELDS = {"decision": "decision", "reason": "motif", "siren": "siren"}


@bp.route("/a-valider", methods=["GET", "POST"])
@login_required
def review() -> str | Response:
    """Proposals with their proposer and SIREN: validate, or refuse with a reason."""
    lifecycle.require(policy.can_review(current_user))
    if request.method == "GET":
        return render_template(
            "collectivites/review.html", pending=proposals.pending(), vocab=vocab
        )
    FlaskForm().validate()  # CSRF is enforced globally
    target_id = params.optional_number(request.form.get("id"), minimum=1)
    target = lifecycle.load(Collectivite, target_id, can=lambda _u, c: proposals.is_pending(c))
    choice = {k: request.form.get(f, "") for k, f in FIELDS.items()}
    description = request.form.get("description")  # absent from the refusal form
    message = lifecycle.attempt(
        None, proposals.decide, current_user, target, **choice, description=description
    )
    if message is not REFUSED:
        flash(message, "success")
    return redirect(url_for("collectivites.review"))
