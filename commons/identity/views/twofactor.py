"""Two-factor pages: the second sign-in step, set-up, recovery codes, switching off."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import db, lifecycle
from ...accounts import signin
from ...accounts.models import User
from ...lifecycle import REFUSED
from ...security import CONTENT_SECURITY_POLICY
from .. import policy, twofactor
from ..forms import CodeForm

bp = Blueprint("twofactor", __name__, template_folder="../templates")
PENDING = "twofactor_pending"
PENDING_SECONDS = 600
#: Pages a person who must set up a second factor may still reach.
OPEN_ENDPOINTS = {
    "accounts.logout",
    "static",
    "identity.security",
    "identity.logged_out",
    "gdpr.my_data",
    "gdpr.download",
    "gdpr.delete_account",
}


def second_step(user: User, *, remember: bool, method: str, acr: str | None, target: str) -> Any:
    """The sign-in step: skipped after a provider that reports a strong ``acr``."""
    strong = set(str(current_app.config["OIDC_STRONG_ACR"]).split())
    session.pop("mfa_by_provider", None)
    if method.startswith("oidc:") and acr and acr in strong:
        session["mfa_by_provider"] = True
        return None
    if not twofactor.is_enabled(user):
        return None
    session[PENDING] = {
        "user": user.id,
        "version": _version(user),
        "remember": remember,
        "method": method,
        "target": target,
        "at": int(db.utcnow().timestamp()),
    }
    return redirect(url_for("twofactor.challenge"))


def _version(user: User) -> str:
    """Changes when the password does (a pending second step then dies): a digest of the
    password hash, never the hash itself (the cookie session is signed, not encrypted)."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def pending_user() -> tuple[User, dict[str, Any]] | None:
    """The person half-way through signing in, and how (``None``: expired or changed)."""
    pending = session.get(PENDING)
    if not pending or db.utcnow().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    user = twofactor.account(pending["user"])
    if user is None or _version(user) != pending["version"] or not user.is_active:
        return None
    return user, pending


@bp.route("/connexion/second-facteur", methods=["GET", "POST"])
def challenge() -> str | Response:
    found = pending_user()
    if found is None:
        session.pop(PENDING, None)
        flash("Votre connexion a expiré : recommencez.", "error")
        return redirect(url_for("accounts.login"))
    user, pending = found
    form = CodeForm()
    if form.validate_on_submit():
        kind = twofactor.try_code(user, form.code.data)  # a failure counts for the throttle
        if not isinstance(kind, twofactor.TwoFactorError):
            return second_step_done(user, pending, kind)
        form.code.errors = [kind.message]
    return render_template("identity/challenge.html", form=form)


def second_step_done(user: User, pending: dict[str, Any], kind: str) -> Response:
    """Open the session after the second factor, and go where the person was going."""
    session.pop(PENDING, None)
    signin.finish(user, remember=pending["remember"], method=pending["method"])
    if kind == "recovery":
        twofactor.send_change_notice(user, "twofactor.recovery")
        left = twofactor.codes_left(user)
        flash(f"Code de secours utilisé : il vous en reste {left}.", "info")
    flash(f"Bienvenue, {user.display_name}.", "success")
    return redirect(pending["target"])


@bp.route("/compte/securite/deux-etapes", methods=["GET", "POST"])
@login_required
def setup() -> str | Response:
    user = current_user._get_current_object()
    if twofactor.is_enabled(user):
        return redirect(url_for("identity.security"))
    device, form = twofactor.begin_setup(user), CodeForm()
    if form.validate_on_submit():
        codes = lifecycle.attempt(form.code, twofactor.confirm_setup, user, form.code.data)
        if codes is not REFUSED:
            session.pop("mfa_by_provider", None)
            twofactor.send_change_notice(user, "twofactor.enable")
            return render_template("identity/codes.html", codes=codes)
    uri = twofactor.provisioning_uri(user, device)
    qr, secret = twofactor.qr_svg(uri), device.secret
    return render_template("identity/setup.html", form=form, qr=qr, secret=secret)


def checked_code(form: CodeForm, user: User) -> bool:
    """A valid code in the form (a wrong one is flashed and counts for the throttle)."""
    if not form.validate_on_submit():
        return False
    kind = twofactor.try_code(user, form.code.data)
    if isinstance(kind, twofactor.TwoFactorError):
        flash(kind.message, "error")
        return False
    return True


@bp.route("/compte/securite/codes-de-secours", methods=["POST"])
@login_required
def new_codes() -> str | Response:
    user = current_user._get_current_object()
    if not checked_code(CodeForm(), user):
        return redirect(url_for("identity.security"))
    codes = twofactor.regenerate_codes(user)
    twofactor.send_change_notice(user, "twofactor.codes")
    return render_template("identity/codes.html", codes=codes)


@bp.route("/compte/securite/deux-etapes/desactiver", methods=["POST"])
@login_required
def disable() -> Response:
    user = current_user._get_current_object()
    if policy.two_factor_required(user, current_app.config["TWO_FACTOR_REQUIRED_ROLES"]):
        flash("La connexion en deux étapes est obligatoire pour votre rôle.", "error")
        return redirect(url_for("identity.security"))
    if checked_code(CodeForm(), user):
        twofactor.disable(user)
        twofactor.send_change_notice(user, "twofactor.disable")
        flash("La connexion en deux étapes est désactivée.", "success")
    return redirect(url_for("identity.security"))


def _require_second_factor() -> Response | None:
    """Roles that must use a second factor reach only the set-up pages until it is on."""
    if not current_user.is_authenticated or session.get("mfa_by_provider"):
        return None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint.startswith("twofactor."):
        return None
    user = current_user._get_current_object()
    if not policy.two_factor_required(user, current_app.config["TWO_FACTOR_REQUIRED_ROLES"]):
        return None
    if twofactor.is_enabled(user):
        return None
    flash("Votre rôle demande la connexion en deux étapes : activez-la pour continuer.", "info")
    return redirect(url_for("twofactor.setup"))


def _provider_origins(app: Flask) -> list[str]:
    origins = []
    for key in ("PROCONNECT_DISCOVERY_URL", "OIDC_DISCOVERY_URL"):
        parts = urlsplit(str(app.config.get(key) or ""))
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def init_app(app: Flask) -> None:
    """The pages, the sign-in step, the guard, and the providers in ``form-action``."""
    app.register_blueprint(bp)
    signin.register_second_step(second_step)
    app.before_request(_require_second_factor)
    origins = _provider_origins(app)
    if origins:  # a POST (logout, linking) redirects to the provider
        policy_header = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins)
        )

        @app.after_request
        def _csp(response: Response) -> Response:
            response.headers.setdefault("Content-Security-Policy", policy_header)
            return response
