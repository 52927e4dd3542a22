"""Sign-in through ProConnect or another OpenID Connect provider: the way out to the
provider, the way back, a first visit (a new account, or a link to an existing one) and the
sign-out at the provider."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ... import lifecycle, mail
from ...accounts import services as accounts
from ...accounts import signin
from ...accounts.models import User
from ...collectivites import vocab
from ...forms import choices as as_choices
from ...lifecycle import REFUSED
from ...security import client_address, safe_next
from .. import oidc, services
from ..forms import FirstSignInForm, LinkForm
from ..models import ExternalIdentity
from . import bp

PENDING = "oidc_pending"


def known(provider: str) -> str:
    """``provider`` when it is enabled, else 404."""
    if provider not in oidc.enabled():
        abort(404)
    return provider


def to_provider(provider: str, fallback: str) -> Response:
    """Off to the provider's sign-in page; back to ``fallback`` with a message if it fails."""
    back = mail.absolute_url("identity.callback", provider=provider)
    response = lifecycle.attempt(None, oidc.authorize_redirect, provider, back)
    return redirect(fallback) if response is REFUSED else response


def to_login(message: str | None = None) -> Response:
    """Back to the sign-in page (with ``message`` as an error, when given)."""
    if message:
        flash(message, "error")
    return redirect(url_for("accounts.login"))


@bp.route("/connexion/externe/<provider>")
def start(provider: str) -> Response:
    session["oidc_next"] = safe_next(request.args.get("next"), url_for("pages.home"))
    return to_provider(known(provider), url_for("accounts.login"))


def checked_answer(provider: str) -> oidc.ProviderAnswer:
    """The provider's answer, with a usable e-mail address (else a refusal)."""
    answer = oidc.fetch_claims(provider)
    services.email_of(answer.claims)
    return answer


@bp.route("/connexion/externe/<provider>/retour")
def callback(provider: str) -> Response:
    answer = lifecycle.attempt(None, checked_answer, known(provider))
    if answer is REFUSED:
        return to_login()
    target = session.pop("oidc_next", url_for("pages.home"))
    came = {"provider": provider, "claims": answer.claims, "id_token": answer.id_token}
    linking = session.pop("oidc_link_user", None)
    if linking and current_user.is_authenticated and current_user.id == linking:
        return link_signed_in(provider, answer.claims)
    identity = services.find_link(provider, str(answer.claims["sub"]))
    if identity is None:
        return first_visit(came, target)
    return returning(identity, {**came, "target": target})


def first_visit(came: dict[str, Any], target: str) -> Response:
    """Keep what the provider said, then a new account or a link to the existing one."""
    claims = came["claims"]
    kept = {"sub": claims["sub"], **services.kept_claims(claims)}
    session[PENDING] = {**came, "claims": kept, "target": target}
    existing = accounts.find_by_email(services.email_of(claims))
    return redirect(url_for("identity.link_existing" if existing else "identity.welcome"))


def returning(identity: ExternalIdentity, came: dict[str, Any]) -> Response:
    """A known identity signs in to its account (unless the account is not active)."""
    user = services.account_of(identity)
    if user is None or not user.is_active:
        return to_login("Ce compte est suspendu ou n'est pas encore actif.")
    services.record_sign_in(identity, came["claims"])
    return open_session(user, came)


def open_session(user: User, came: dict[str, Any]) -> Response:
    """Open the session (after a second step when one is asked) and go to the target."""
    session["oidc_provider"], session["oidc_id_token"] = came["provider"], came["id_token"]
    acr = str(came["claims"].get("acr") or "")
    method = f"oidc:{came['provider']}"
    step = signin.begin(user, remember=False, method=method, acr=acr, target=came["target"])
    if step is not None:
        return step
    flash(f"Bienvenue, {user.display_name}.", "success")
    return redirect(came["target"])


def link_signed_in(provider: str, claims: dict[str, Any]) -> Response:
    """A signed-in person came back from linking their account to ``provider``."""
    user = current_user._get_current_object()
    if lifecycle.attempt(None, services.link, user, provider, claims) is not REFUSED:
        flash(f"Votre compte est lié à {services.PROVIDER_NAMES[provider]}.", "success")
    return redirect(url_for("identity.security"))


def pending_visit() -> dict[str, Any]:
    """What the provider said on a first visit, kept in the session (else 404)."""
    pending = session.get(PENDING)
    if not pending or pending.get("provider") not in oidc.enabled():
        abort(404)
    return dict(pending)


@bp.route("/connexion/externe/bienvenue", methods=["GET", "POST"])
def welcome() -> str | Response:
    pending = pending_visit()
    claims, form = pending["claims"], offer(FirstSignInForm())
    collectivite = services.collectivite_for(claims)
    if request.method == "GET":
        form.display_name.data = services.display_name_of(claims)
    if form.validate_on_submit():
        create = partial(services.create_account, pending["provider"], claims)
        user = lifecycle.attempt(form.collectivite_name, create, **form.account(not collectivite))
        if user is not REFUSED:
            session.pop(PENDING, None)
            return open_session(user, pending)
    context = {"claims": claims, "collectivite": collectivite}
    return render_template("identity/welcome.html", form=form, **context)


def offer(form: FirstSignInForm) -> FirstSignInForm:
    """The kinds and départements a new collectivité may have."""
    form.collectivite_kind.choices = as_choices(vocab.kind_options())
    form.collectivite_departement.choices = as_choices(vocab.departement_options())
    return form


@bp.route("/connexion/externe/lier", methods=["GET", "POST"])
def link_existing() -> str | Response:
    pending = pending_visit()
    claims, form = pending["claims"], LinkForm()
    if not form.validate_on_submit():
        return render_template("identity/link.html", form=form, claims=claims, pending=pending)
    result = accounts.authenticate(claims["email"], form.password.data, client_address())
    if result.user is None:  # the failure is recorded for the throttle
        form.password.errors = [result.error or accounts.GENERIC_LOGIN_ERROR]
        return render_template("identity/link.html", form=form, claims=claims, pending=pending)
    link = partial(services.link, result.user, pending["provider"], claims)
    return to_login() if lifecycle.attempt(None, link) is REFUSED else linked(result.user, pending)


def linked(user: User, pending: dict[str, Any]) -> Response:
    """The first visit linked the provider to an existing account: sign in to it."""
    session.pop(PENDING, None)
    flash(f"Votre compte est désormais lié à {services.PROVIDER_NAMES[pending['provider']]}.")
    return open_session(user, pending)


def provider_logout() -> Response | None:
    """Before ``accounts.logout``: after a provider sign-in, end the session there too."""
    if request.endpoint != "accounts.logout" or request.method != "POST":
        return None
    provider, id_token = session.pop("oidc_provider", None), session.pop("oidc_id_token", None)
    if not provider or not id_token or provider not in oidc.enabled():
        return None
    logout_user()
    back = mail.absolute_url("identity.logged_out", provider=provider)
    url = oidc.logout_url(provider, id_token, back)
    if url is None:
        flash("Vous êtes déconnecté·e.", "success")
        return redirect(url_for("pages.home"))
    return redirect(url)


@bp.route("/connexion/externe/<provider>/deconnecte")
def logged_out(provider: str) -> Response:
    flash("Vous êtes déconnecté·e, ici et chez votre fournisseur d'identité.", "success")
    return redirect(url_for("pages.home"))
