"""Collectivité pages: the directory and one collectivité (:mod:`.directory`), the review of
proposals (:mod:`.review`), the administrators' edit of a collectivité's description
(:mod:`.editing`) and the administrators' entry page (:mod:`.admin`)."""

from __future__ import annotations

from flask import Blueprint, Flask

from ...navigation import add_nav
from .. import cli
from .. import review as proposals

bp = Blueprint(
    "collectivites", __name__, url_prefix="/collectivites", template_folder="../templates"
)


def init_app(app: Flask) -> None:
    """Register the blueprints, the navigation entry, the notices and the commands."""
    from . import admin, directory, editing, review  # noqa: F401  (their routes join the blueprints)

    app.register_blueprint(bp)
    add_nav(app, "collectivites.index", "Collectivités")
    proposals.init_app()
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.collectivites_group)
