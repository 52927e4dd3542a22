"""Public licence pages: the registry's French summaries, linked from every REX."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template

from . import registry

bp = Blueprint("licensing", __name__, url_prefix="/licences", template_folder="templates")


@bp.route("/")
def index() -> str:
    return render_template("licensing/index.html", licences=registry.licences().values())


@bp.route("/<licence_id>")
def show(licence_id: str) -> str:
    try:
        licence = registry.get(licence_id)
    except registry.UnknownLicence:
        abort(404)
    return render_template("licensing/show.html", licence=licence)


def init_app(app: Flask) -> None:
    """Register the licence pages."""
    app.register_blueprint(bp)
