"""Registration, the confirmation of one's address, and a new confirmation link."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

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
    return by_mail(
        "accounts/resend.html", enrolment.request_confirmation, "accounts/registered.html"
    )


def by_mail(template: str, message_for: Callable[[str], EmailMessage | None], sent: str) -> Page:
    """A form asking for a mail to an address (a new link): throttled per address and client
    (429), then the same ``sent`` page whether or not the address has an account."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template(template, form=form)
    if not enrolment.mail_allowed(form.email.data, client_address()):
        form.form_errors.append(enrolment.THROTTLED)
        return render_template(template, form=form), 429
    mail.deliver_after_response(message_for(form.email.data))
    return render_template(sent, email=form.email.data)
