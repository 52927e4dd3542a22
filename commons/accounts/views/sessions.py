"""« Mes sessions »: the browsers signed in to one's account, each revocable."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from .. import sessions
from ..forms import ConfirmForm

bp = Blueprint("account_sessions", __name__, url_prefix="/compte/sessions")


@bp.route("/")
@login_required
def index() -> str:
    user = current_user._get_current_object()
    return render_template(
        "accounts/sessions.html",
        sessions=sessions.of_user(user),
        current=sessions.current_id(user),
        form=ConfirmForm(),
    )


@bp.route("/<int:session_id>/fermer", methods=["POST"])
@login_required
def end(session_id: int) -> Response:
    ConfirmForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    user = current_user._get_current_object()
    was_current = sessions.current_id(user) == session_id
    if not sessions.end_one(user, session_id):
        abort(404)
    if was_current:
        logout_user()
        flash("Cette session est fermée : vous êtes déconnecté·e.", "success")
        return redirect(url_for("accounts.login"))
    flash("La session est fermée : cet appareil devra se reconnecter.", "success")
    return redirect(url_for("account_sessions.index"))
