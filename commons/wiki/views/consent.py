"""Consent request pages: see a request, answer it, cancel it. Only people who can see the REX
(or whose consent it needs) see the request (404 otherwise, as for the REX)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import db
from ...lifecycle import REFUSED, attempt
from .. import agreements, services
from ..models import Agreement, Rex
from . import bp

OUTCOMES = {
    "refused": "Votre refus est enregistré : la demande est close et rien ne change.",
    "applied": "Votre accord est enregistré : tout le monde a accepté, le changement est fait.",
    "waiting": "Votre accord est enregistré. Le changement sera fait quand chacun aura accepté.",
}


def _load(slug: str, agreement_id: int) -> tuple[Rex, Agreement]:
    """The request and its REX, for those who see the REX or whose consent it needs."""
    rex, _old = services.by_slug(slug)
    agreement = db.session.get(Agreement, agreement_id)
    if rex is None or agreement is None or agreement.rex_id != rex.id:
        abort(404)
    if not agreements.can_view_agreement(current_user, agreement, rex):
        abort(404)
    return rex, agreement


@bp.route("/<slug>/accords/<int:agreement_id>")
@login_required
def agreement(slug: str, agreement_id: int) -> str:
    rex, agreement = _load(slug, agreement_id)
    change, roll = agreements.describe_change(agreement), agreements.roll(agreement, rex)
    return render_template(
        "wiki/agreement.html", rex=rex, agreement=agreement, change=change, roll=roll
    )


@bp.route("/<slug>/accords/<int:agreement_id>/repondre", methods=["POST"])
@login_required
def answer_agreement(slug: str, agreement_id: int) -> Response:
    rex, agreement = _load(slug, agreement_id)
    choice = request.form.get("reponse", "")
    if choice not in ("oui", "non"):
        flash("Choisissez « J'accepte » ou « Je refuse ».", "error")
    elif (
        done := attempt(None, agreements.answer, current_user, agreement, choice == "oui")
    ) is not REFUSED:
        flash(OUTCOMES[done], "success")
    return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id))


@bp.route("/<slug>/accords/<int:agreement_id>/annuler", methods=["POST"])
@login_required
def cancel_agreement(slug: str, agreement_id: int) -> Response:
    rex, agreement = _load(slug, agreement_id)
    if attempt(None, agreements.cancel, current_user, agreement) is not REFUSED:
        flash("La demande d'accord est annulée.", "success")
    return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id))
