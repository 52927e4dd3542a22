"""Signing in with a password, signing out here or everywhere."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from ... import mail
from ...security import client_address, safe_next
from .. import enrolment, services, sessions, signin
from ..forms import ConfirmForm, LoginForm
from ..models import User
from . import bp


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> str | Response:
    target = safe_next(request.args.get("next"), url_for("pages.home"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, client_address())
        if result.user is not None:
            return signed_in(result.user, form, target)
        remind(result.unconfirmed)
        form.form_errors.append(result.error or services.GENERIC_LOGIN_ERROR)
    return render_template("accounts/login.html", form=form, next=request.args.get("next"))


def signed_in(user: User, form: LoginForm, target: str) -> Response:
    """A second step when one is asked, else the open session and a welcome."""
    method = "password"
    step = signin.begin(user, remember=form.remember.data, method=method, target=target)
    if step is not None:  # a second factor is asked before the session opens
        return step
    flash(f"Bienvenue, {user.display_name}.", "success")
    return redirect(target)


def remind(unconfirmed: User | None) -> None:
    """A new confirmation link to an unconfirmed account that tried to sign in (throttled)."""
    if unconfirmed is not None and enrolment.mail_allowed(unconfirmed.email, client_address()):
        mail.deliver_after_response(enrolment.confirmation_message(unconfirmed))


@bp.route("/deconnexion", methods=["POST"])
def logout() -> Response:
    ConfirmForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    if current_user.is_authenticated:
        sessions.end(current_user.session_token)
    logout_user()
    flash("Vous êtes déconnecté·e.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/compte/deconnecter-partout", methods=["POST"])
@login_required
def logout_everywhere() -> Response:
    services.revoke_sessions(current_user._get_current_object())
    logout_user()
    flash("Toutes vos sessions ont été fermées, sur tous vos appareils.", "success")
    return redirect(url_for("accounts.login"))
