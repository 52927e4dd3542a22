"""« Mes données » : the download of one's data and the deletion of one's account."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user, user_logged_in
from werkzeug.wrappers import Response

from ... import dates, lifecycle, mail
from ...accounts.models import User
from ...lifecycle import REFUSED
from .. import deletion, personal_data
from ..forms import DeletionForm

bp = Blueprint("gdpr", __name__, template_folder="../templates")


@bp.route("/compte/mes-donnees")
@login_required
def my_data() -> str:
    user = current_user._get_current_object()
    return render_template(
        "identity/my_data.html",
        kinds=personal_data.DESCRIPTIONS,
        form=DeletionForm(),
        has_password=bool(user.password_hash),
        hand_over=deletion.groups_to_hand_over(user),
        grace_days=current_app.config["ACCOUNT_DELETION_GRACE_DAYS"],
    )


@bp.route("/compte/mes-donnees.zip")
@login_required
def download() -> Response:
    user = current_user._get_current_object()
    payload = personal_data.archive(user, str(current_app.config["SITE_NAME"]))
    return Response(
        payload,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="mes-donnees-{user.handle}.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/compte/supprimer", methods=["POST"])
@login_required
def delete_account() -> str | Response:
    user = current_user._get_current_object()
    form = DeletionForm()
    if not form.validate_on_submit():
        flash("Cochez la case de confirmation (et saisissez votre mot de passe).", "error")
        return redirect(url_for("gdpr.my_data"))
    by_provider = str(session.get("signin_method", "")).startswith("oidc:")
    ask = partial(deletion.request, password=form.password.data, proved_by_provider=by_provider)
    if (row := lifecycle.attempt(None, ask, user)) is REFUSED:
        return redirect(url_for("gdpr.my_data"))
    when = dates.short_day(row.due_at)
    notice(user, "Suppression de votre compte programmée", *SCHEDULED, when=when)
    logout_user()
    flash(f"Votre compte sera supprimé le {when}. {CANCEL}", "success")
    return redirect(url_for("pages.home"))


CANCEL = "Reconnectez-vous d'ici là pour annuler."
SCHEDULED = (
    "Votre compte sera supprimé le {when}. Jusque-là, il vous suffit de vous "
    "reconnecter pour annuler la suppression.",
)


def notice(user: User, subject: str, *lines: str, **values: str) -> None:
    """A mail to the person about their account (``lines`` filled with ``values``)."""
    lines = tuple(line.format(**values) for line in lines)
    mail.send_template(user.email, subject, "identity/mail/notice", user=user, lines=lines)


def _cancel_on_sign_in(_app: Any, user: User, **_extra: Any) -> None:
    """A sign-in during the grace period cancels the deletion."""
    if deletion.cancel(user):  # committed with the sign-in's request
        flash("Votre demande de suppression de compte est annulée.", "info")
        notice(
            user,
            "Suppression de votre compte annulée",
            "Vous vous êtes reconnecté·e : la suppression de votre compte est annulée.",
        )


def init_app(app: Flask) -> None:
    """Register the pages and cancel pending deletions at sign-in."""
    app.register_blueprint(bp)
    user_logged_in.connect(_cancel_on_sign_in, app)
