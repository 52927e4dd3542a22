"""Account pages: registration, confirmation, login/logout, profile, passwords."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, mail, params
from ..collectivites import services as collectivites
from ..collectivites import vocab
from ..forms import choices as as_choices
from ..security import client_address, login_manager, safe_next
from . import enrolment, policy, services, sessions, signin
from .forms import (
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .models import User

bp = Blueprint("accounts", __name__, template_folder="templates")
NEW_COLLECTIVITE = "nouvelle"


def _collectivite_choices(
    form: RegistrationForm | ProfileForm, *, allow_new: bool, current: Any = None
) -> None:
    """Validated collectivités, the one the user proposed (while it waits for review, so that
    saving the profile keeps it), and the « proposer » option."""
    choices = [("", "— Choisissez votre collectivité —")]
    choices += [(str(i), label) for i, label in collectivites.choices()]
    if current is not None and not current.validated and current.refused_at is None:
        choices.append((str(current.id), f"{current.name} (proposée, en attente de validation)"))
    if allow_new:
        choices.append((NEW_COLLECTIVITE, "Ma collectivité n'est pas dans la liste : la proposer"))
    form.collectivite.choices = as_choices(choices)
    form.new_collectivite_kind.choices = as_choices([("", "—"), *vocab.kinds().items()])
    form.new_collectivite_departement.choices = as_choices(
        [("", "—")] + [(code, f"{code} — {d.name}") for code, d in vocab.departements().items()]
    )


def _registration_form() -> RegistrationForm:
    form = RegistrationForm()
    _collectivite_choices(form, allow_new=True)
    return form


def _record_proposal(user: User, form: RegistrationForm | ProfileForm, chosen: int) -> None:
    """When the form proposed a collectivité, record its proposer (admins are told)."""
    from ..collectivites import review
    from ..collectivites.models import Collectivite

    proposed = db.session.get(Collectivite, chosen)
    if form.collectivite.data == NEW_COLLECTIVITE and proposed is not None:
        review.proposed_by(user, proposed)


def _chosen_collectivite(form: RegistrationForm | ProfileForm) -> int | None:
    """The collectivité id chosen or proposed in the form; adds errors to the form."""
    choice = form.collectivite.data
    if choice == NEW_COLLECTIVITE:
        name = form.new_collectivite_name.data or ""
        kind = form.new_collectivite_kind.data or ""
        if not name or kind not in vocab.kinds():
            form.new_collectivite_name.errors = [
                "Indiquez le nom et le type de la collectivité à ajouter."
            ]
            return None
        try:
            return collectivites.propose(
                name=name,
                kind=kind,
                departement_code=form.new_collectivite_departement.data or None,
            ).id
        except collectivites.CollectiviteError as exc:
            form.new_collectivite_name.errors = [str(exc)]
            return None
    if not choice:
        form.collectivite.errors = ["Choisissez votre collectivité ou proposez-en une."]
        return None
    chosen = params.optional_number(choice, minimum=1)
    if chosen is None:
        form.collectivite.errors = ["Choisissez votre collectivité ou proposez-en une."]
    return chosen


@bp.route("/inscription", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = _registration_form()
    if form.validate_on_submit():
        try:  # the password first, for every address: no account oracle
            enrolment.check_password(
                form.password.data, email=form.email.data, name=form.display_name.data
            )
        except services.AccountError as exc:
            form.password.errors = [str(exc)]
            return render_template("accounts/register.html", form=form)
        if not enrolment.mail_allowed(form.email.data, client_address()):
            db.session.rollback()
            form.form_errors.append(enrolment.THROTTLED)
            return render_template("accounts/register.html", form=form), 429
        collectivite_id = _chosen_collectivite(form)
        if collectivite_id is not None:
            outcome = enrolment.register(
                email=form.email.data,
                display_name=form.display_name.data,
                job_title=form.job_title.data,
                password=form.password.data,
                collectivite_id=collectivite_id,
            )
            if outcome.user is not None and collectivite_id is not None:
                _record_proposal(outcome.user, form, collectivite_id)
            db.session.commit()
            mail.deliver_after_response(outcome.message)
            return render_template("accounts/registered.html", email=form.email.data)
        db.session.rollback()
    return render_template("accounts/register.html", form=form)


@bp.route("/inscription/confirmer/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for("accounts.login"))
        db.session.commit()
        flash("Votre adresse est confirmée : vous pouvez vous connecter.", "success")
        return redirect(url_for("accounts.login", email=user.email))
    return render_template("accounts/confirm.html", form=form)


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
            step = signin.begin(
                result.user, remember=form.remember.data, method="password", target=target
            )
            if step is not None:  # a second factor is asked before the session opens
                return step
            db.session.commit()
            flash(f"Bienvenue, {result.user.display_name}.", "success")
            return redirect(target)
        if result.unconfirmed is not None and enrolment.mail_allowed(
            result.unconfirmed.email, client_address()
        ):
            mail.deliver_after_response(enrolment.confirmation_message(result.unconfirmed))
        db.session.commit()  # failures are recorded even when the login is refused
        form.form_errors.append(result.error or services.GENERIC_LOGIN_ERROR)
    return render_template("accounts/login.html", form=form, next=request.args.get("next"))


@bp.route("/deconnexion", methods=["POST"])
def logout() -> Response:
    ConfirmForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    if current_user.is_authenticated:
        sessions.end(current_user.session_token)
        db.session.commit()
    logout_user()
    flash("Vous êtes déconnecté·e.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/compte/deconnecter-partout", methods=["POST"])
@login_required
def logout_everywhere() -> Response:
    services.revoke_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("Toutes vos sessions ont été fermées, sur tous vos appareils.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/agents/<handle>")
@login_required
def profile(handle: str) -> str:
    user = db.session.scalar(select(User).where(User.handle == handle)) or abort(404)
    if not policy.can_view_profile(current_user, user):
        abort(403)
    return render_template(
        "accounts/profile.html",
        user=user,
        vocab=vocab,
        can_edit=policy.can_edit_profile(current_user, user),
    )


def _deliver_notices() -> None:
    from ..notifications import emails

    emails.deliver_pending()


@bp.route("/compte/profil", methods=["GET", "POST"])
@login_required
def edit_profile() -> str | Response:
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    _collectivite_choices(form, allow_new=True, current=user.collectivite)
    if request.method == "GET":
        form.collectivite.data = str(user.collectivite_id or "")
    if form.validate_on_submit():
        choice = form.collectivite.data or ""
        chosen = _chosen_collectivite(form) if choice == NEW_COLLECTIVITE else None
        if choice == NEW_COLLECTIVITE and chosen is None:
            db.session.rollback()
            return render_template("accounts/edit_profile.html", form=form)
        services.update_profile(
            user,
            display_name=form.display_name.data,
            job_title=form.job_title.data,
            collectivite_id=chosen or params.optional_number(choice, minimum=1),
            bio=form.bio.data or "",
        )
        if chosen is not None:
            _record_proposal(user, form, chosen)
        db.session.commit()
        _deliver_notices()
        flash("Votre profil est enregistré.", "success")
        return redirect(url_for("accounts.profile", handle=user.handle))
    return render_template("accounts/edit_profile.html", form=form)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            field = form.current if "actuel" in str(exc) else form.password
            field.errors = [str(exc)]
        else:
            sessions.sign_in(user)  # every session was closed: this browser gets a new one
            db.session.commit()
            flash("Votre mot de passe est modifié ; vos autres sessions sont fermées.", "success")
            return redirect(url_for("accounts.profile", handle=user.handle))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def reset_request() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        if not enrolment.mail_allowed(form.email.data, client_address()):
            db.session.rollback()
            form.form_errors.append(enrolment.THROTTLED)
            return render_template("accounts/reset_request.html", form=form), 429
        message = enrolment.request_reset(form.email.data)
        db.session.commit()
        mail.deliver_after_response(message)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/inscription/renvoyer", methods=["GET", "POST"])
def resend_confirmation() -> str | tuple[str, int]:
    form = ResetRequestForm()
    if form.validate_on_submit():
        if not enrolment.mail_allowed(form.email.data, client_address()):
            db.session.rollback()
            form.form_errors.append(enrolment.THROTTLED)
            return render_template("accounts/resend.html", form=form), 429
        message = enrolment.request_confirmation(form.email.data)
        db.session.commit()
        mail.deliver_after_response(message)
        return render_template("accounts/registered.html", email=form.email.data)
    return render_template("accounts/resend.html", form=form)


@bp.route("/mot-de-passe-oublie/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    try:
        user = services.user_from_reset_token(token)
    except services.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Votre mot de passe est réinitialisé : connectez-vous.", "success")
            return redirect(url_for("accounts.login", email=user.email))
    return render_template("accounts/reset_password.html", form=form)


def init_app(app: Flask) -> None:
    """Register the blueprint and the Flask-Login user loader."""
    from . import session_views

    login_manager.user_loader(services.load_user)
    app.register_blueprint(bp)
    session_views.init_app(app)
