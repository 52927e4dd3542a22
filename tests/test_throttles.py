"""Throttles held in the database (issue 15): anonymous requests that send mail (per address and
per client address), previews per person, searches per client address. Each refusal is a French
429 page that keeps what was typed, and the limit holds across workers (two apps, one database).
Also the secure defaults of an https deployment (Secure cookies, HSTS)."""

from __future__ import annotations

from typing import Any

import pytest

from commons import create_app

from .conftest import IsolatedClient, base_config, login, outbox

STRONG = "une phrase de passe solide"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "MAIL_ACTIONS_PER_ADDRESS": 2,
        "MAIL_ACTIONS_PER_CLIENT": 4,
        "PREVIEWS_PER_MINUTE": 3,
        "SEARCHES_PER_MINUTE": 5,
    }


def _registration(coll_id: int, email: str) -> dict[str, Any]:
    return {
        "email": email,
        "display_name": "Nom Très Reconnaissable",
        "job_title": "Cheffe de projet",
        "collectivite": str(coll_id),
        "password": STRONG,
        "password_confirm": STRONG,
        "accept_charter": "y",
    }


def test_registration_is_throttled_per_address_and_keeps_the_form(  # type: ignore[no-untyped-def]
    app, client, make_collectivite
) -> None:
    coll = make_collectivite()
    for _ in range(2):
        assert (
            client.post("/inscription", data=_registration(coll.id, "a@exemple.fr")).status_code
            == 200
        )
    refused = client.post("/inscription", data=_registration(coll.id, "A@exemple.fr"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Trop de demandes de courriel" in page and "Nom Très Reconnaissable" in page
    assert len(outbox(app)) == 2


def test_reset_is_throttled_per_client_address(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    statuses = [
        client.post("/mot-de-passe-oublie", data={"email": f"x{i}@exemple.fr"}).status_code
        for i in range(4)
    ]
    assert statuses == [200] * 4
    refused = client.post("/mot-de-passe-oublie", data={"email": user.email})
    assert refused.status_code == 429 and user.email in refused.get_data(as_text=True)
    assert outbox(app) == []  # the real account got nothing: the client was throttled
    other = app.test_client()  # another client address
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.post("/mot-de-passe-oublie", data={"email": user.email}).status_code == 200
    assert [m["To"] for m in outbox(app)] == [user.email]


def test_the_limit_holds_across_workers(app, tmp_path, backend) -> None:  # type: ignore[no-untyped-def]
    """A second app on the same database (another worker) sees the first one's count."""
    other = create_app({**base_config(tmp_path, backend), **{"MAIL_ACTIONS_PER_ADDRESS": 2}})
    other.test_client_class = IsolatedClient
    try:
        assert (
            app.test_client().post("/inscription/renvoyer", data={"email": "z@e.fr"}).status_code
            == 200
        )
        with other.app_context():
            worker = other.test_client()
            assert worker.post("/inscription/renvoyer", data={"email": "z@e.fr"}).status_code == 200
            assert worker.post("/inscription/renvoyer", data={"email": "z@e.fr"}).status_code == 429
    finally:
        other.extensions["commons.engine"].dispose()


def test_previews_are_throttled_per_person_and_keep_the_text(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    data = {"title": "Titre", "body": "Un **texte** à prévisualiser", "apercu": "1"}
    for _ in range(3):
        response = client.post("/rex/nouveau", data=data)
        assert response.status_code == 200
        assert "<strong>texte</strong>" in response.get_data(as_text=True)
    refused = client.post("/rex/nouveau", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "beaucoup d&#39;aperçus" in page
    assert "Un **texte** à prévisualiser" in page and "<strong>texte</strong>" not in page


def test_a_preview_enforces_the_size_limit_of_saving(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    big = "mot " * 60_000  # 240 KB
    refused = client.post("/rex/nouveau", data={"title": "T", "body": big, "apercu": "1"})
    assert refused.status_code == 413
    assert "Le texte dépasse la taille maximale (200 Ko)" in refused.get_data(as_text=True)


def test_searches_are_throttled_per_client_address(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/recherche").status_code == 200  # an empty form costs nothing
    for i in range(5):
        assert client.get(f"/recherche?q=eau{i}").status_code == 200
    refused = client.get("/recherche?q=assainissement+collectif")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Trop de recherches" in page
    assert 'value="assainissement collectif"' in page


@pytest.mark.parametrize("base_url", ["https://commons.exemple.fr", "http://127.0.0.1:5000"])
def test_https_base_url_means_secure_cookies_and_hsts(
    tmp_path, backend, make_user, base_url
) -> None:  # type: ignore[no-untyped-def]
    app = create_app({**base_config(tmp_path, backend), "BASE_URL": base_url})
    app.test_client_class = IsolatedClient
    https = base_url.startswith("https")
    try:
        with app.app_context():
            assert app.config["SESSION_COOKIE_SECURE"] is https
            assert app.config["REMEMBER_COOKIE_SECURE"] is https
            client = app.test_client()
            home = client.get("/")
            assert ("Strict-Transport-Security" in home.headers) is https
            if https:
                assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        app.extensions["commons.engine"].dispose()
    forced = create_app({**base_config(tmp_path, backend), "BASE_URL": base_url,
                         "SESSION_COOKIE_SECURE": False, "HSTS_SECONDS": 0})  # fmt: skip
    assert forced.config["SESSION_COOKIE_SECURE"] is False and forced.config["HSTS_SECONDS"] == 0
    forced.extensions["commons.engine"].dispose()


def test_secure_cookies_are_set_on_login(app, make_user) -> None:  # type: ignore[no-untyped-def]
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    user = make_user()
    client = app.test_client()
    response = client.post(
        "/connexion",
        data={"email": user.email, "password": "mot-de-passe-de-test", "remember": "y"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies if c.startswith(("session=", "remember_token=")))
