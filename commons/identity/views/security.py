"""The security page: external identities linked to one's account (link, unlink) and the
state of the second factor."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...accounts.forms import ConfirmForm
from ...accounts.models import User
from ...lifecycle import REFUSED
from .. import oidc, policy, services, twofactor
from ..models import ExternalIdentity
from . import bp
from .external import known, to_provider


@bp.route("/compte/securite")
@login_required
def security() -> str:
    user = current_user._get_current_object()
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
    known(provider)
    ConfirmForm().validate_on_submit()
    session["oidc_link_user"] = current_user.id
    session["oidc_next"] = url_for("identity.security")
    return to_provider(provider, url_for("identity.security"))


def own_identity(user: User, identity: ExternalIdentity) -> bool:
    """One's own external identity, that one may manage."""
    return identity.user_id == user.id and policy.can_manage_identities(user, user)


@bp.route("/compte/securite/delier/<int:identity_id>", methods=["POST"])
@login_required
def unlink(identity_id: int) -> Response:
    identity = lifecycle.load(ExternalIdentity, identity_id, can=own_identity)
    user = current_user._get_current_object()
    if lifecycle.attempt(None, services.unlink, user, identity) is not REFUSED:
        flash("L'identité externe est déliée de votre compte.", "success")
    return redirect(url_for("identity.security"))
