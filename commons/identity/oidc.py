"""OpenID Connect clients (Authlib): ProConnect and one generic provider, set up from settings.

A provider is on when its discovery URL and client id are set. The authorization code flow uses
PKCE (S256), ``state`` and ``nonce`` (kept in the session by Authlib); the ID token's signature
(the provider's JWKS), issuer, audience, expiry and nonce are checked by :func:`fetch_claims`.
ProConnect answers the userinfo endpoint with a signed JWT: it is checked with the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from werkzeug.wrappers import Response

from .. import errors

#: Provider name -> settings prefix and the label of its button.
PROVIDERS = {"proconnect": "PROCONNECT", "oidc": "OIDC"}
DEFAULT_AUTH_METHOD = {"proconnect": "client_secret_post", "oidc": "client_secret_basic"}


class SignInError(errors.Refused):
    """The provider's answer was refused; the message is French and safe to show."""


@dataclass
class ProviderAnswer:
    """What a successful callback gives: the merged claims and the raw ID token (for logout)."""

    claims: dict[str, Any]
    id_token: str


def _settings(app: Flask, name: str) -> dict[str, str] | None:
    prefix = PROVIDERS[name]
    cfg = app.config
    url, client_id = cfg.get(f"{prefix}_DISCOVERY_URL"), cfg.get(f"{prefix}_CLIENT_ID")
    if not url or not client_id:
        return None
    return {
        "discovery": str(url),
        "client_id": str(client_id),
        "secret": str(cfg.get(f"{prefix}_CLIENT_SECRET") or ""),
        "scopes": str(cfg.get(f"{prefix}_SCOPES") or "openid email"),
        "acr": str(cfg.get(f"{prefix}_ACR_VALUES") or ""),
        "auth": str(cfg.get(f"{prefix}_TOKEN_AUTH_METHOD") or DEFAULT_AUTH_METHOD[name]),
    }


def init_app(app: Flask) -> None:
    """Register a client for each configured provider (none: the buttons are not shown)."""
    oauth = OAuth(app)
    enabled = []
    for name in PROVIDERS:
        conf = _settings(app, name)
        if conf is None:
            continue
        oauth.register(
            name,
            client_id=conf["client_id"],
            client_secret=conf["secret"],
            server_metadata_url=conf["discovery"],
            client_kwargs={
                "scope": conf["scopes"],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": conf["auth"],
                "timeout": 10,
            },
        )
        enabled.append(name)
    app.extensions["commons.oidc"] = oauth
    app.extensions["commons.oidc.enabled"] = enabled


def enabled() -> list[str]:
    """Names of the configured providers, ProConnect first."""
    return list(current_app.extensions.get("commons.oidc.enabled", []))


def label(name: str) -> str:
    """The button label of a provider."""
    if name == "proconnect":
        return "S'identifier avec ProConnect"
    return str(current_app.config.get("OIDC_LABEL") or "Fournisseur d'identité")


def _client(name: str) -> Any:
    if name not in enabled():
        raise SignInError("Ce fournisseur d'identité n'est pas configuré.")
    return current_app.extensions["commons.oidc"].create_client(name)


def authorize_redirect(name: str, redirect_uri: str) -> Response:
    """Send the browser to the provider (state, nonce and PKCE verifier go in the session)."""
    extra = {}
    acr = _settings(current_app, name) or {}
    if acr.get("acr"):
        extra["acr_values"] = acr["acr"]
    try:
        return _client(name).authorize_redirect(redirect_uri, **extra)
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise SignInError(
            "Le fournisseur d'identité ne répond pas : réessayez dans quelques minutes."
        ) from exc


def fetch_claims(name: str) -> ProviderAnswer:
    """On the callback: exchange the code, check the ID token, merge the userinfo claims."""
    client = _client(name)
    leeway = int(current_app.config["OIDC_LEEWAY_SECONDS"])
    try:
        token = client.authorize_access_token(leeway=leeway)
        id_claims = token.get("userinfo")
        if not id_claims or not token.get("id_token"):
            raise SignInError("Le fournisseur d'identité n'a pas transmis de jeton d'identité.")
        claims = dict(id_claims)
        claims.update(_userinfo(client, token, claims))
    except SignInError:
        raise
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        current_app.logger.warning("OpenID Connect (%s) refusé : %r", name, exc)
        raise SignInError(
            "La connexion par le fournisseur d'identité a échoué (réponse invalide, expirée ou "
            "interrompue). Recommencez depuis la page de connexion."
        ) from exc
    return ProviderAnswer(claims=claims, id_token=token["id_token"])


def _userinfo(client: Any, token: dict[str, Any], id_claims: dict[str, Any]) -> dict[str, Any]:
    """The userinfo claims (JSON, or a JWT signed by the provider); ``sub`` must match."""
    metadata = client.load_server_metadata()
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    response = client.get(endpoint, token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        info = decode_signed_userinfo(
            response.text,
            client.fetch_jwk_set(),
            issuer=metadata.get("issuer"),
            client_id=client.client_id,
            algorithms=metadata.get("userinfo_signing_alg_values_supported"),
        )
    else:
        info = response.json()
    if not isinstance(info, dict) or info.get("sub") != id_claims.get("sub"):
        raise SignInError("Les informations du fournisseur ne correspondent pas à l'identité.")
    return {key: value for key, value in info.items() if key not in {"iss", "aud", "exp", "iat"}}


def decode_signed_userinfo(
    text: str,
    jwks: dict[str, Any],
    *,
    issuer: str | None,
    client_id: str,
    algorithms: list[str] | None = None,
) -> dict[str, Any]:
    """Verify a signed userinfo answer (signature, and ``iss``/``aud`` when present)."""
    token = jwt.decode(
        text,
        KeySet.import_key_set(cast(Any, jwks)),
        registry=JWSRegistry(algorithms=algorithms or ["RS256", "ES256"]),
    )
    claims = dict(token.claims)
    if issuer and claims.get("iss", issuer) != issuer:
        raise SignInError("Réponse du fournisseur d'identité émise par un autre émetteur.")
    audience = claims.get("aud", client_id)
    if client_id not in (audience if isinstance(audience, list) else [audience]):
        raise SignInError("Réponse du fournisseur d'identité destinée à un autre service.")
    return claims


def logout_url(name: str, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's ``end_session_endpoint`` with the ID token hint, or ``None``."""
    try:
        client = _client(name)
        metadata = client.load_server_metadata()
    except (SignInError, requests.RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
    )
    return str(result["url"])
