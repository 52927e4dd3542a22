"""Changing one's password, and resetting a forgotten one by e-mail."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...lifecycle import REFUSED
from .. import enrolment, services, sessions
from ..forms import PasswordChangeForm, ResetPasswordForm
from . import bp
from .signup import by_mail


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return render_template("accounts/change_password.html", form=form)
    new = form.password.data
    if (
        lifecycle.attempt(form.password, services.change_password, user, form.current.data, new)
        is REFUSED
    ):
        wrong_field_to_current(form)
        return render_template("accounts/change_password.html", form=form)
    sessions.sign_in(user)  # every session was closed: this browser gets a new one
    flash("Votre mot de passe est modifié ; vos autres sessions sont fermées.", "success")
    return redirect(url_for("accounts.profile", handle=user.handle))


def wrong_field_to_current(form: PasswordChangeForm) -> None:
    """A refusal about the current password belongs on that field, not the new one."""
    if any("actuel" in message for message in form.password.errors):
        form.current.errors = list(form.password.errors)
        form.password.errors = []


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def reset_request() -> str | tuple[str, int]:
    return by_mail(
        "accounts/reset_request.html", enrolment.request_reset, "accounts/reset_sent.html"
    )


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    user = lifecycle.attempt(None, services.user_from_reset_token, token)
    if user is REFUSED:
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_password.html", form=form)
    if lifecycle.attempt(form.password, services.set_password, user, form.password.data) is REFUSED:
        return render_template("accounts/reset_password.html", form=form)
    flash("Votre mot de passe est réinitialisé : connectez-vous.", "success")
    return redirect(url_for("accounts.login", email=user.email))
