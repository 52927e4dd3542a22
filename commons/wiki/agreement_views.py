"""Consent request pages (registered on the wiki blueprint): see a request, answer it, cancel
it. Only people who can see the REX see the request (404 otherwise, as for the REX)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db
from ..accounts.models import User
from ..licensing import registry
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from . import agreements, services
from .models import SPACE_LABELS, Agreement, Rex, Space
from .views import bp

OUTCOMES = {
    "refused": "Votre refus est enregistré : la demande est close et rien ne change.",
    "applied": "Votre accord est enregistré : tout le monde a accepté, le changement est fait.",
    "waiting": "Votre accord est enregistré. Le changement sera fait quand chacun aura accepté.",
}
SENTENCES = {
    "rex_agreement.request": "Votre accord est demandé sur",
    "rex_agreement.applied": "Tout le monde a accepté votre demande sur",
    "rex_agreement.refused": "Votre demande d'accord a été refusée sur",
    "rex_agreement.cancelled": "Demande d'accord annulée sur",
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


def describe_change(agreement: Agreement) -> str:
    """The requested change in French words."""
    if agreement.kind == "licence":
        return f"passer sous licence {registry.get(agreement.target_licence).short_name}"
    label = SPACE_LABELS.get(Space(agreement.target_space), agreement.target_space)
    return f"passer dans l'espace « {label} »"


@bp.route("/<slug>/accords/<int:agreement_id>")
@login_required
def agreement(slug: str, agreement_id: int) -> str:
    rex, agreement = _load(slug, agreement_id)
    given = agreements.answers(agreement)
    ids = agreements.required(agreement, rex)
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    names = {row.id: row.display_name for row in rows}
    answers = [(names.get(i, "Compte supprimé"), given.get(i)) for i in ids]
    requester = db.session.get(User, agreement.requested_by_id or 0)
    return render_template(
        "wiki/agreement.html",
        rex=rex,
        agreement=agreement,
        change=describe_change(agreement),
        rows=sorted(answers, key=lambda r: r[0]),
        requester=requester.display_name if requester else "Compte supprimé",
        asked=current_user.id in ids,
        mine=given.get(current_user.id),
    )


@bp.route("/<slug>/accords/<int:agreement_id>/repondre", methods=["POST"])
@login_required
def answer_agreement(slug: str, agreement_id: int) -> Response:
    rex, agreement = _load(slug, agreement_id)
    choice = request.form.get("reponse", "")
    if choice not in ("oui", "non"):
        flash("Choisissez « J'accepte » ou « Je refuse ».", "error")
    else:
        try:
            outcome = agreements.answer(current_user, agreement, choice == "oui")
        except services.RexError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(OUTCOMES[outcome], "success")
    return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id))


@bp.route("/<slug>/accords/<int:agreement_id>/annuler", methods=["POST"])
@login_required
def cancel_agreement(slug: str, agreement_id: int) -> Response:
    rex, agreement = _load(slug, agreement_id)
    try:
        agreements.cancel(current_user, agreement)
    except services.RexError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("La demande d'accord est annulée.", "success")
    return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id))


def describe(user: Any, notes: list[Notification]) -> list[Entry]:
    """Notification entries about consent requests, re-checking that the reader still sees
    the REX (nothing is copied into the notification)."""
    entries = []
    for note in notes:
        agreement = db.session.get(Agreement, note.target_id or 0)
        rex = db.session.get(Rex, agreement.rex_id) if agreement else None
        if (
            agreement is None
            or rex is None
            or not agreements.can_view_agreement(user, agreement, rex)
        ):
            entries.append(Entry(note=note, visible=False))
            continue
        path = path_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id)
        entries.append(
            Entry(
                note=note,
                visible=True,
                sentence=SENTENCES.get(note.kind, "Demande d'accord sur"),
                title=rex.title,
                path=path,
                body=f"Demande : {describe_change(agreement)}.",
                reason="Vous recevez ce message parce que vous avez écrit dans ce REX : "
                "ce changement demande l'accord de chacun·e.",
            )
        )
    return entries
