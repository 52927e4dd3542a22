"""« Mes données » : the download of one's data and the deletion of one's account."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user, user_logged_in
from werkzeug.wrappers import Response

from .. import db, mail
from ..accounts.models import User
from . import deletion, personal_data
from .forms import DeletionForm

bp = Blueprint("gdpr", __name__, template_folder="templates")


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
    if form.validate_on_submit():
        try:
            row = deletion.request(
                user,
                password=form.password.data,
                proved_by_provider=str(session.get("signin_method", "")).startswith("oidc:"),
            )
        except deletion.DeletionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("gdpr.my_data"))
        db.session.commit()
        when = f"{row.due_at:%d/%m/%Y}"
        _notice(
            user,
            "Suppression de votre compte programmée",
            f"Votre compte sera supprimé le {when}. Jusque-là, il vous suffit de vous "
            "reconnecter pour annuler la suppression.",
        )
        logout_user()
        flash(
            f"Votre compte sera supprimé le {when}. Reconnectez-vous d'ici là pour annuler.",
            "success",
        )
        return redirect(url_for("pages.home"))
    flash("Cochez la case de confirmation (et saisissez votre mot de passe).", "error")
    return redirect(url_for("gdpr.my_data"))


def _notice(user: User, subject: str, *lines: str) -> None:
    mail.send_template(user.email, subject, "identity/mail/notice", user=user, lines=lines)


def _cancel_on_sign_in(_app: Any, user: User, **_extra: Any) -> None:
    """A sign-in during the grace period cancels the deletion."""
    if deletion.cancel(user):
        db.session.commit()
        flash("Votre demande de suppression de compte est annulée.", "info")
        _notice(
            user,
            "Suppression de votre compte annulée",
            "Vous vous êtes reconnecté·e : la suppression de votre compte est annulée.",
        )


def init_app(app: Flask) -> None:
    """Register the pages and cancel pending deletions at sign-in."""
    app.register_blueprint(bp)
    user_logged_in.connect(_cancel_on_sign_in, app)
