"""Identity pages: sign-in through ProConnect or another OpenID Connect provider
(:mod:`.external`), the security page and its links (:mod:`.security`), the second factor
(:mod:`.twofactor`) and « Mes données » (:mod:`.gdpr`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from .. import cli, oidc

bp = Blueprint("identity", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Clients from settings, the blueprints, the provider logout, the second step and its
    guard, deletions cancelled at sign-in, the commands and the login buttons."""
    from . import external, gdpr, security, twofactor  # noqa: F401  (their routes)

    oidc.init_app(app)
    app.register_blueprint(bp)
    app.before_request(external.provider_logout)
    twofactor.init_app(app)
    gdpr.init_app(app)
    app.cli.add_command(cli.privacy_group)

    @app.context_processor
    def _identity_providers() -> dict[str, Any]:
        return {"identity_providers": [(n, oidc.label(n)) for n in oidc.enabled()]}
