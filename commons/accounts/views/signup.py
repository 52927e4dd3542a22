"""Registration, the confirmation of one's address, and a new confirmation link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ... import lifecycle, mail
from ...lifecycle import REFUSED
from ...security import client_address
from .. import affiliation, enrolment, services
from ..forms import ConfirmForm, RegistrationForm, ResetRequestForm
from . import bp

Page = str | tuple[str, int]


@bp.route("/inscription", methods=["GET", "POST"])
def register() -> Page | Response:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = RegistrationForm()
    affiliation.offer(form, allow_new=True)
    if not form.validate_on_submit() or not checked(form):
        return render_template("accounts/register.html", form=form)
    if not enrolment.mail_allowed(form.email.data, client_address()):
        form.form_errors.append(enrolment.THROTTLED)
        return render_template("accounts/register.html", form=form), 429
    outcome = lifecycle.attempt(form.new_collectivite_name, affiliation.enrol, form)
    if outcome is REFUSED:
        return render_template("accounts/register.html", form=form)
    mail.deliver_after_response(outcome.message)
    return render_template("accounts/registered.html", email=form.email.data)


def checked(form: RegistrationForm) -> bool:
    """The password first, for every address (no account oracle), then the collectivité."""
    data = form.password.data, form.email.data, form.display_name.data
    password = lifecycle.attempt(
        form.password, enrolment.check_password, data[0], email=data[1], name=data[2]
    )
    return password is not REFUSED and affiliation.check(form)


@bp.route("/inscription/confirmer/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm.html", form=form)
    user = lifecycle.attempt(None, services.confirm_email, token)
    if user is REFUSED:
        return redirect(url_for("accounts.login"))
    flash("Votre adresse est confirmée : vous pouvez vous connecter.", "success")
    return redirect(url_for("accounts.login", email=user.email))


@bp.route("/inscription/renvoyer", methods=["GET", "POST"])
def resend_confirmation() -> Page:
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/resend.html", form=form)
    if not enrolment.mail_allowed(form.email.data, client_address()):
        form.form_errors.append(enrolment.THROTTLED)
        return render_template("accounts/resend.html", form=form), 429
    mail.deliver_after_response(enrolment.request_confirmation(form.email.data))
    return render_template("accounts/registered.html", email=form.email.data)
