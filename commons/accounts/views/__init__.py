"""Account pages: registration and confirmation (:mod:`.signup`), signing in and out
(:mod:`.signin`), profiles (:mod:`.profile`), passwords (:mod:`.passwords`), the change of
one's e-mail address (:mod:`.addresses`) and « Mes sessions » (:mod:`.sessions`)."""

from __future__ import annotations

from flask import Blueprint, Flask

from ...security import login_manager
from .. import services

bp = Blueprint("accounts", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Register the blueprints and the Flask-Login user loader."""
    from . import addresses, passwords, profile, sessions, signin, signup  # noqa: F401

    login_manager.user_loader(services.load_user)
    app.register_blueprint(bp)
    app.register_blueprint(sessions.bp)
