"""« Administration »: the administrators' entry point, linking every admin page (collectivités
to validate, archive import, moderation dashboard and log) with what waits in each."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required

from ... import lifecycle
from .. import policy, queries

bp = Blueprint("admin", __name__, template_folder="../templates")

#: (endpoint, label, description) of the admin pages, shown when the endpoint exists.
PAGES = [
    (
        "collectivites.review",
        "Collectivités à valider",
        "Les collectivités proposées par des agents : valider (avec le SIREN) ou refuser "
        "avec un motif.",
    ),
    ("collectivites.index", "Annuaire des collectivités", "L'annuaire public des collectivités."),
    (
        "export_archive.import_page",
        "Importer des communs",
        "Importer une archive de communs venue d'une autre instance.",
    ),
    ("moderation_board.index", "Tableau de bord de l'animation", "Signalements et demandes."),
    ("moderation_board.audit_log", "Journal de modération", "Toutes les décisions, horodatées."),
]


@bp.route("/administration")
@login_required
def index() -> str:
    lifecycle.require(policy.can_review(current_user))
    pages = [
        (url_for(endpoint), label, text)
        for endpoint, label, text in PAGES
        if endpoint in current_app.view_functions
    ]
    return render_template("collectivites/admin.html", pages=pages, waiting=queries.waiting_count())
