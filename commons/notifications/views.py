"""Routes of the notifications blueprint (being built)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
