"""Sign-in through ProConnect or another OpenID Connect provider; links on the security page."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from .. import db
from ..accounts import services as accounts
from ..accounts import signin
from ..accounts.forms import ConfirmForm
from ..collectivites import vocab
from ..forms import choices as as_choices
from ..security import client_address, safe_next
from . import oidc, policy, services
from .forms import FirstSignInForm, LinkForm
from .models import ExternalIdentity

bp = Blueprint("identity", __name__, template_folder="templates")
PENDING = "oidc_pending"


def _callback_uri(provider: str) -> str:
    from ..mail import absolute_url

    return absolute_url("identity.callback", provider=provider)


def _fail(message: str) -> Response:
    flash(message, "error")
    return redirect(url_for("accounts.login"))


@bp.route("/connexion/externe/<provider>")
def start(provider: str) -> Response:
    if provider not in oidc.enabled():
        abort(404)
    session["oidc_next"] = safe_next(request.args.get("next"), url_for("pages.home"))
    try:
        return oidc.authorize_redirect(provider, _callback_uri(provider))
    except oidc.SignInError as exc:
        return _fail(str(exc))


@bp.route("/connexion/externe/<provider>/retour")
def callback(provider: str) -> Response:
    if provider not in oidc.enabled():
        abort(404)
    try:
        answer = oidc.fetch_claims(provider)
        services.email_of(answer.claims)
    except (oidc.SignInError, services.IdentityError) as exc:
        return _fail(str(exc))
    claims, target = answer.claims, session.pop("oidc_next", url_for("pages.home"))
    linking = session.pop("oidc_link_user", None)
    if linking and current_user.is_authenticated and current_user.id == linking:
        return _link_signed_in(provider, claims)
    identity = services.find_link(provider, str(claims["sub"]))
    if identity is None:
        session[PENDING] = {
            "provider": provider,
            "claims": {"sub": claims["sub"], **services.kept_claims(claims)},
            "id_token": answer.id_token,
            "target": target,
        }
        existing = accounts.find_by_email(services.email_of(claims))
        return redirect(url_for("identity.link_existing" if existing else "identity.welcome"))
    user = db.session.get(accounts.User, identity.user_id)
    if user is None or not user.is_active:
        return _fail("Ce compte est suspendu ou n'est pas encore actif.")
    services.record_sign_in(identity, claims)
    db.session.commit()
    return _open_session(user, provider, answer.id_token, claims.get("acr"), target)


def _open_session(
    user: accounts.User, provider: str, id_token: str, acr: Any, target: str
) -> Response:
    session["oidc_provider"], session["oidc_id_token"] = provider, id_token
    step = signin.begin(
        user, remember=False, method=f"oidc:{provider}", acr=str(acr or ""), target=target
    )
    if step is not None:
        return step
    db.session.commit()
    flash(f"Bienvenue, {user.display_name}.", "success")
    return redirect(target)


def _link_signed_in(provider: str, claims: dict[str, Any]) -> Response:
    try:
        services.link(current_user._get_current_object(), provider, claims)
    except services.IdentityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Votre compte est lié à {services.PROVIDER_NAMES[provider]}.", "success")
    return redirect(url_for("identity.security"))


def _pending() -> dict[str, Any]:
    pending = session.get(PENDING)
    if not pending or pending.get("provider") not in oidc.enabled():
        abort(404)
    return pending


@bp.route("/connexion/externe/bienvenue", methods=["GET", "POST"])
def welcome() -> str | Response:
    pending = _pending()
    claims = pending["claims"]
    collectivite = services.collectivite_for(claims)
    form = FirstSignInForm()
    form.collectivite_kind.choices = as_choices([("", "—"), *vocab.kinds().items()])
    form.collectivite_departement.choices = as_choices(
        [("", "—")] + [(code, f"{code} — {d.name}") for code, d in vocab.departements().items()]
    )
    if request.method == "GET":
        form.display_name.data = services.display_name_of(claims)
    if form.validate_on_submit():
        new = None
        if collectivite is None and form.collectivite_name.data:
            new = {
                "name": form.collectivite_name.data,
                "kind": form.collectivite_kind.data or "",
                "departement": form.collectivite_departement.data or "",
            }
        try:
            user = services.create_account(
                pending["provider"],
                claims,
                display_name=form.display_name.data,
                job_title=form.job_title.data,
                new_collectivite=new,
            )
        except services.IdentityError as exc:
            db.session.rollback()
            form.collectivite_name.errors = [str(exc)]
        else:
            db.session.commit()
            session.pop(PENDING, None)
            return _open_session(
                user, pending["provider"], pending["id_token"], claims.get("acr"), pending["target"]
            )
    return render_template(
        "identity/welcome.html", form=form, claims=claims, collectivite=collectivite
    )


@bp.route("/connexion/externe/lier", methods=["GET", "POST"])
def link_existing() -> str | Response:
    pending = _pending()
    claims = pending["claims"]
    form = LinkForm()
    if form.validate_on_submit():
        result = accounts.authenticate(claims["email"], form.password.data, client_address())
        if result.user is None:
            db.session.commit()  # the failure is recorded for the throttle
            form.password.errors = [result.error or accounts.GENERIC_LOGIN_ERROR]
        else:
            try:
                services.link(result.user, pending["provider"], claims)
            except services.IdentityError as exc:
                db.session.rollback()
                return _fail(str(exc))
            db.session.commit()
            session.pop(PENDING, None)
            flash(
                f"Votre compte est désormais lié à {services.PROVIDER_NAMES[pending['provider']]}."
            )
            return _open_session(
                result.user,
                pending["provider"],
                pending["id_token"],
                claims.get("acr"),
                pending["target"],
            )
    return render_template("identity/link.html", form=form, claims=claims, pending=pending)


@bp.route("/compte/securite")
@login_required
def security() -> str:
    user = current_user._get_current_object()
    from . import twofactor

    return render_template(
        "identity/security.html",
        links=services.links_of(user),
        providers=oidc.enabled(),
        has_password=services.has_password(user),
        totp=twofactor.device_of(user),
        codes_left=twofactor.codes_left(user),
        form=ConfirmForm(),
    )


@bp.route("/compte/securite/lier/<provider>", methods=["POST"])
@login_required
def link_start(provider: str) -> Response:
    if provider not in oidc.enabled():
        abort(404)
    ConfirmForm().validate_on_submit()
    session["oidc_link_user"] = current_user.id
    session["oidc_next"] = url_for("identity.security")
    try:
        return oidc.authorize_redirect(provider, _callback_uri(provider))
    except oidc.SignInError as exc:
        flash(str(exc), "error")
        return redirect(url_for("identity.security"))


@bp.route("/compte/securite/delier/<int:identity_id>", methods=["POST"])
@login_required
def unlink(identity_id: int) -> Response:
    identity = db.session.get(ExternalIdentity, identity_id) or abort(404)
    user = current_user._get_current_object()
    if identity.user_id != user.id or not policy.can_manage_identities(user, user):
        abort(404)
    try:
        services.unlink(user, identity)
    except services.IdentityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("L'identité externe est déliée de votre compte.", "success")
    return redirect(url_for("identity.security"))


def _provider_logout() -> Response | None:
    """Before ``accounts.logout``: after a provider sign-in, end the session there too."""
    if request.endpoint != "accounts.logout" or request.method != "POST":
        return None
    provider, id_token = session.pop("oidc_provider", None), session.pop("oidc_id_token", None)
    if not provider or not id_token or provider not in oidc.enabled():
        return None
    logout_user()
    from ..mail import absolute_url

    back = absolute_url("identity.logged_out", provider=provider)
    url = oidc.logout_url(provider, id_token, back)
    if url is None:
        flash("Vous êtes déconnecté·e.", "success")
        return redirect(url_for("pages.home"))
    return redirect(url)


@bp.route("/connexion/externe/<provider>/deconnecte")
def logged_out(provider: str) -> Response:
    flash("Vous êtes déconnecté·e, ici et chez votre fournisseur d'identité.", "success")
    return redirect(url_for("pages.home"))


def init_app(app: Flask) -> None:
    """Clients from settings, the blueprint, the provider logout and the login buttons."""
    from . import gdpr_views, twofactor_views

    oidc.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_provider_logout)
    twofactor_views.init_app(app)
    gdpr_views.init_app(app)
    from .cli import privacy_group

    app.cli.add_command(privacy_group)

    @app.context_processor
    def _identity_providers() -> dict[str, Any]:
        return {"identity_providers": [(n, oidc.label(n)) for n in oidc.enabled()]}
