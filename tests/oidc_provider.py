"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` (Flask, Authlib) served on
loopback in a thread, with an optional man-in-the-middle that alters the ID token it issues."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import werkzeug.serving
from flask.testing import FlaskClient


class Provider:
    """A running provider: its base URL, and what the token endpoint should tamper with."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://localhost:{port}"
        self.discovery = f"{self.base}/.well-known/openid-configuration"
        self.tamper: str | None = None

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """Declare the claims the provider gives for ``sub``."""
        response = requests.put(f"{self.base}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text


def _forge_payload(id_token: str) -> str:
    """Change a claim of the ID token and keep the provider's signature (now wrong)."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "intrus@exemple.fr"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _middleware(wsgi: Any, provider: Provider) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if not provider.tamper or environ.get("PATH_INFO") != "/oauth2/token":
            return wsgi(environ, start_response)
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update(status=status, headers=headers)
            return lambda _data: None

        data = json.loads(b"".join(wsgi(environ, capture)))
        if "id_token" in data:
            data["id_token"] = _forge_payload(data["id_token"])
        body = json.dumps(data).encode()
        headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
        start_response(seen["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


@contextmanager
def running_provider(port: int, *, max_age: timedelta = timedelta(hours=1)) -> Iterator[Provider]:
    """Serve a provider on ``localhost:port`` until the block ends."""
    import oidc_provider_mock

    provider = Provider(port)
    mock = oidc_provider_mock.app(require_nonce=True, access_token_max_age=max_age)
    server = werkzeug.serving.make_server(
        "localhost", port, _middleware(mock, provider), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def sign_in_at(
    client: FlaskClient, provider: Provider, sub: str, *, name: str = "proconnect", start: str = ""
) -> Any:
    """Go through the provider like a browser: our redirect, the provider's consent, our
    callback (returned, not followed)."""
    response = client.post(start) if start else client.get(f"/connexion/externe/{name}")
    assert response.status_code == 302, response.data
    authorize = response.headers["Location"]
    assert authorize.startswith(provider.base), authorize
    for parameter in ("state=", "nonce=", "code_challenge=", "code_challenge_method=S256"):
        assert parameter in authorize, authorize
    consent = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
