"""Changing one's e-mail address (see :mod:`commons.accounts.addresses`): the request from the
account, and the confirmation link followed from the new address."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle, mail
from ...lifecycle import REFUSED
from ...security import client_address
from .. import addresses, services
from ..forms import ConfirmForm, EmailChangeForm
from ..models import User
from . import bp


@bp.route("/compte/adresse", methods=["GET", "POST"])
@login_required
def change_email() -> str | tuple[str, int]:
    user = current_user._get_current_object()
    form = EmailChangeForm()
    if not user.password_hash or not form.validate_on_submit():
        return render_template("accounts/change_email.html", form=form, user=user)
    data = form.new_email.data, form.password.data, client_address()
    asked = lifecycle.attempt(form.new_email, addresses.request_change, user, *data)
    if asked is REFUSED:
        return refused(form, user)
    mail.deliver_after_response(asked.to_new)
    mail.deliver_after_response(asked.to_old)
    new_email = addresses.normalise(form.new_email.data)
    return render_template("accounts/change_email_sent.html", new_email=new_email)


def refused(form: EmailChangeForm, user: User) -> str | tuple[str, int]:
    """The form again: a wrong password on its field, a throttle above the form (429)."""
    message = next(iter(form.new_email.errors), "")
    if message == addresses.WRONG_PASSWORD:
        form.new_email.errors, form.password.errors = [], [message]
        services.password_failed(user, client_address())  # counted like a failed sign-in
    throttled = addresses.is_throttle(message)
    if throttled:
        form.new_email.errors = []
        form.form_errors.append(message)
    page = render_template("accounts/change_email.html", form=form, user=user)
    return (page, 429) if throttled else page


@bp.route("/compte/adresse/confirmer/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> str | Response:
    found = lifecycle.attempt(None, addresses.user_from_token, token)
    if found is REFUSED:
        return redirect(url_for("accounts.profile_or_login"))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email_change.html", form=form, new=found[1])
    done = lifecycle.attempt(None, addresses.confirm_change, token)
    if done is REFUSED:
        return redirect(url_for("accounts.profile_or_login"))
    user, notice = done
    mail.deliver_after_response(notice)
    flash(f"Votre adresse électronique est désormais {user.email}.", "success")
    return redirect(url_for("accounts.profile_or_login"))


@bp.route("/compte")
def profile_or_login() -> Response:
    """One's profile when signed in, else the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile", handle=current_user.handle))
    return redirect(url_for("accounts.login"))
