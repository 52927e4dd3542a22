"""Moderation pages, in three blueprints: content (report, moderate, edit with a reason,
statements of reasons) in :mod:`.content`, the facilitators' dashboards, report queue and
audit log in :mod:`.board`, the facilitator's page on a member in :mod:`.members`."""

from __future__ import annotations

from flask import Blueprint, Flask

from ...groups.views import add_private_section
from .. import links, notices

bp = Blueprint("moderation", __name__, url_prefix="/animation", template_folder="../templates")
board_bp = Blueprint("moderation_board", __name__, template_folder="../templates")
members_bp = Blueprint(
    "moderation_members", __name__, url_prefix="/animation/membres", template_folder="../templates"
)


def init_app(app: Flask) -> None:
    """Register the blueprints, template helpers, group section and notification kinds."""
    from . import board, content, members  # noqa: F401 - their routes join the blueprints

    notices.register()
    for blueprint in (bp, board_bp, members_bp):
        app.register_blueprint(blueprint)
    add_private_section(app, links.group_section)
    app.jinja_env.globals.update(links.GLOBALS)
