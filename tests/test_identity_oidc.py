"""ProConnect / OpenID Connect sign-in against a real provider running on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
from joserfc.errors import JoseError
from sqlalchemy import select

from commons import db
from commons.accounts.models import User
from commons.audit.models import AuditEntry
from commons.collectivites.models import Collectivite
from commons.identity.models import ExternalIdentity
from tests.conftest import PASSWORD, base_config, login
from tests.oidc_provider import Provider, running_provider, sign_in_at

# The provider under test (oidc-provider-mock 0.3) is built on Authlib's legacy server API; its
# deprecation warnings are raised in the provider's threads, not by Commons.
pytestmark = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated:DeprecationWarning"),
]
PORT_PROCONNECT, PORT_GENERIC, PORT_EXPIRED = 5150, 5151, 5152
BORDEAUX_SIREN = "213300635"


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[int, Provider]]:
    with (
        running_provider(PORT_PROCONNECT) as main,
        running_provider(PORT_GENERIC) as generic,
        running_provider(PORT_EXPIRED, max_age=timedelta(minutes=-10)) as expired,
    ):
        yield {PORT_PROCONNECT: main, PORT_GENERIC: generic, PORT_EXPIRED: expired}


@pytest.fixture
def proconnect_port() -> int | None:
    return PORT_PROCONNECT


@pytest.fixture
def app_config(
    tmp_path: Path, backend: str, providers: dict[int, Provider], proconnect_port: int | None
) -> dict[str, Any]:
    config = base_config(tmp_path, backend)
    if proconnect_port:
        down = f"http://localhost:{proconnect_port}/.well-known/openid-configuration"
        config.update(
            PROCONNECT_DISCOVERY_URL=providers[proconnect_port].discovery
            if proconnect_port in providers
            else down,
            PROCONNECT_CLIENT_ID="commons-test",
            PROCONNECT_CLIENT_SECRET="secret-de-test",
            # ProConnect names its scopes after its claims; the test provider releases the
            # standard ``given_name`` only with the standard ``profile`` scope.
            PROCONNECT_SCOPES="openid email profile given_name usual_name uid siret phone",
            OIDC_DISCOVERY_URL=providers[PORT_GENERIC].discovery,
            OIDC_CLIENT_ID="commons-region",
            OIDC_CLIENT_SECRET="autre-secret",
            OIDC_LABEL="Se connecter avec Région Connect",
        )
    return config


@pytest.fixture
def provider(providers: dict[int, Provider]) -> Iterator[Provider]:
    main = providers[PORT_PROCONNECT]
    main.tamper = None
    yield main
    main.tamper = None


def agent_claims(email: str, siret: str = BORDEAUX_SIREN + "00013", **extra: Any) -> dict[str, Any]:
    return {
        "email": email,
        "given_name": "Camille",
        "usual_name": "Durand",
        "uid": "42",
        "siret": siret,
        "organizational_unit": "Direction du numérique",
        "belonging_population": "agent-public",
        "phone": "0556000000",
        **extra,
    }


def signed_in(client: Any) -> bool:
    return client.get("/compte/securite").status_code == 200


def flashed(client: Any) -> str:
    return client.get("/connexion").get_data(as_text=True)


def test_button_shown_when_configured(client: Any) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    assert "S&#39;identifier avec ProConnect" in page or "S'identifier avec ProConnect" in page
    assert "Région Connect" in page


@pytest.mark.parametrize("proconnect_port", [None])
def test_no_button_and_no_route_when_not_configured(client: Any) -> None:
    assert "ProConnect" not in client.get("/connexion").get_data(as_text=True)
    assert client.get("/connexion/externe/proconnect").status_code == 404


def test_first_sign_in_with_known_siret(client: Any, provider: Provider, make_collectivite) -> None:
    bordeaux = make_collectivite("Bordeaux", siren=BORDEAUX_SIREN)
    provider.set_user("agent-known", agent_claims("camille.durand@bordeaux.fr"))
    response = sign_in_at(client, provider, "agent-known")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion/externe/bienvenue")
    assert not signed_in(client)  # no session before the job title is confirmed
    page = client.get("/connexion/externe/bienvenue").get_data(as_text=True)
    assert "Camille Durand" in page, page
    assert "Bordeaux" in page
    response = client.post(
        "/connexion/externe/bienvenue",
        data={"display_name": "Camille Durand", "job_title": "Cheffe de projet numérique"},
    )
    assert response.status_code == 302
    assert signed_in(client)
    user = db.session.scalar(select(User).where(User.email_key == "camille.durand@bordeaux.fr"))
    assert user is not None
    assert user.collectivite_id == bordeaux.id
    assert user.job_title == "Cheffe de projet numérique"
    assert user.password_hash == ""  # ProConnect only: no password
    assert user.email_confirmed_at is not None
    identity = db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
    )
    assert identity.provider == "proconnect" and identity.subject == "agent-known"
    assert identity.siret == BORDEAUX_SIREN + "00013"
    assert identity.claims["organizational_unit"] == "Direction du numérique"
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id))
    )
    assert {"identity.signup", "identity.link"} <= actions
    # The next sign-in goes straight in.
    client.post("/deconnexion")
    assert not signed_in(client)
    response = sign_in_at(client, provider, "agent-known")
    assert response.status_code == 302 and "bienvenue" not in response.headers["Location"]
    assert signed_in(client)


def test_first_sign_in_with_unknown_siret_proposes_the_collectivite(
    client: Any, provider: Provider
) -> None:
    provider.set_user("agent-new", agent_claims("lea@cenon.fr", siret="21330119900015"))
    sign_in_at(client, provider, "agent-new")
    page = client.get("/connexion/externe/bienvenue").get_data(as_text=True)
    assert "21330119900015" in page and "ne correspond à aucune collectivité" in page
    response = client.post(
        "/connexion/externe/bienvenue",
        data={
            "display_name": "Léa Martin",
            "job_title": "DGS",
            "collectivite_name": "Cenon",
            "collectivite_kind": "commune",
            "collectivite_departement": "33",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email_key == "lea@cenon.fr"))
    proposal = db.session.get(Collectivite, user.collectivite_id)
    assert proposal.name == "Cenon" and proposal.validated is False
    assert proposal.proposed_by_id == user.id
    identity = db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
    )
    assert identity.siret == "21330119900015"


def test_first_sign_in_refuses_an_unknown_kind(client: Any, provider: Provider) -> None:
    provider.set_user("agent-bad", agent_claims("bad@exemple.fr", siret="12345678900011"))
    sign_in_at(client, provider, "agent-bad")
    response = client.post(
        "/connexion/externe/bienvenue",
        data={
            "display_name": "Agent",
            "job_title": "DGS",
            "collectivite_name": "Ailleurs",
            "collectivite_kind": "royaume",
        },
    )
    assert response.status_code == 200
    assert "Type de collectivité inconnu" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email_key == "bad@exemple.fr")) is None


def test_existing_account_is_linked_only_after_its_password(
    client: Any, provider: Provider, make_user
) -> None:
    user = make_user(email="paul@exemple.fr")
    provider.set_user("paul-pc", agent_claims("Paul@exemple.fr"))
    response = sign_in_at(client, provider, "paul-pc")
    assert response.headers["Location"].endswith("/connexion/externe/lier")
    assert not signed_in(client)  # never linked silently
    assert db.session.scalar(select(ExternalIdentity)) is None
    wrong = client.post("/connexion/externe/lier", data={"password": "pas-le-bon-mot"})
    assert wrong.status_code == 200 and "incorrect" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(ExternalIdentity)) is None
    right = client.post("/connexion/externe/lier", data={"password": PASSWORD})
    assert right.status_code == 302
    assert signed_in(client)
    link = db.session.scalar(select(ExternalIdentity))
    assert link.user_id == user.id and link.subject == "paul-pc"


def test_link_and_unlink_from_the_security_page(client: Any, provider: Provider, make_user) -> None:
    user = make_user(email="nina@exemple.fr")
    login(client, user)
    provider.set_user("nina-pc", agent_claims("nina.autre@exemple.fr"))
    response = sign_in_at(client, provider, "nina-pc", start="/compte/securite/lier/proconnect")
    assert response.headers["Location"].endswith("/compte/securite")
    link = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert link is not None and link.subject == "nina-pc"
    page = client.get("/compte/securite").get_data(as_text=True)
    assert "nina.autre@exemple.fr" in page
    client.post(f"/compte/securite/delier/{link.id}")
    assert db.session.scalar(select(ExternalIdentity)) is None
    # The provider identity now opens no session by itself (the address is someone else's).
    client.post("/deconnexion")
    response = sign_in_at(client, provider, "nina-pc")
    assert response.headers["Location"].endswith("/connexion/externe/bienvenue")


def test_last_identity_of_a_passwordless_account_cannot_be_unlinked(
    client: Any, provider: Provider
) -> None:
    provider.set_user("solo", agent_claims("solo@exemple.fr"))
    sign_in_at(client, provider, "solo")
    client.post("/connexion/externe/bienvenue", data={"display_name": "Solo", "job_title": "DGA"})
    link = db.session.scalar(select(ExternalIdentity))
    page = client.post(f"/compte/securite/delier/{link.id}", follow_redirects=True)
    assert "définissez-en un" in page.get_data(as_text=True)
    assert db.session.scalar(select(ExternalIdentity)) is not None


def test_someone_elses_link_cannot_be_removed(client: Any, provider: Provider, make_user) -> None:
    provider.set_user("owner", agent_claims("owner@exemple.fr"))
    sign_in_at(client, provider, "owner")
    client.post("/connexion/externe/bienvenue", data={"display_name": "Owner", "job_title": "DGA"})
    client.post("/deconnexion")
    link = db.session.scalar(select(ExternalIdentity))
    login(client, make_user())
    assert client.post(f"/compte/securite/delier/{link.id}").status_code == 404
    assert db.session.scalar(select(ExternalIdentity)) is not None


def test_tampered_id_token_is_refused(client: Any, provider: Provider) -> None:
    provider.set_user("victim", agent_claims("victim@exemple.fr"))
    provider.tamper = "payload"
    response = sign_in_at(client, provider, "victim")
    assert response.headers["Location"].endswith("/connexion")
    assert "La connexion par le fournisseur d&#39;identité a échoué" in flashed(client)
    assert not signed_in(client)
    assert db.session.scalar(select(ExternalIdentity)) is None


def test_wrong_state_is_refused(client: Any, provider: Provider) -> None:
    provider.set_user("state", agent_claims("state@exemple.fr"))
    start = client.get("/connexion/externe/proconnect").headers["Location"]
    consent = requests.post(start, data={"sub": "state"}, allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    response = client.get(f"{back.path}?code={code}&state=forged-state")
    assert response.headers["Location"].endswith("/connexion")
    assert not signed_in(client)


def test_wrong_nonce_is_refused(client: Any, provider: Provider) -> None:
    provider.set_user("nonce", agent_claims("nonce@exemple.fr"))
    start = client.get("/connexion/externe/proconnect").headers["Location"]
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_proconnect_"):
                value["data"]["nonce"] = "another-nonce"
                session[key] = value
    consent = requests.post(start, data={"sub": "nonce"}, allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.headers["Location"].endswith("/connexion")
    assert not signed_in(client)


@pytest.mark.parametrize("proconnect_port", [PORT_EXPIRED])
def test_expired_id_token_is_refused(client: Any, providers: dict[int, Provider]) -> None:
    expired = providers[PORT_EXPIRED]
    expired.set_user("late", agent_claims("late@exemple.fr"))
    response = sign_in_at(client, expired, "late")
    assert response.headers["Location"].endswith("/connexion")
    assert not signed_in(client)


def test_suspended_account_is_refused(client: Any, provider: Provider, make_user) -> None:
    user = make_user(email="suspendu@exemple.fr")
    db.session.add(ExternalIdentity(user_id=user.id, provider="proconnect", subject="susp"))
    user.suspended_at = db.utcnow()
    db.session.commit()
    provider.set_user("susp", agent_claims("suspendu@exemple.fr"))
    response = sign_in_at(client, provider, "susp")
    assert response.headers["Location"].endswith("/connexion")
    assert not signed_in(client)


def test_logout_ends_the_session_at_the_provider(client: Any, provider: Provider) -> None:
    provider.set_user("bye", agent_claims("bye@exemple.fr"))
    sign_in_at(client, provider, "bye")
    client.post("/connexion/externe/bienvenue", data={"display_name": "Bye", "job_title": "DGS"})
    assert signed_in(client)
    response = client.post("/deconnexion")
    assert response.status_code == 302
    end = response.headers["Location"]
    assert end.startswith(f"{provider.base}/oauth2/end_session?")
    query = parse_qs(urlsplit(end).query)
    assert query["id_token_hint"][0].count(".") == 2
    assert query["post_logout_redirect_uri"][0].endswith("/connexion/externe/proconnect/deconnecte")
    assert not signed_in(client)
    # The provider shows its confirmation page, then sends the browser back.
    confirm = requests.get(end, timeout=10)
    assert confirm.status_code == 200
    done = requests.post(
        f"{provider.base}/oauth2/end_session/confirm",
        data={"redirect_uri": query["post_logout_redirect_uri"][0]},
        allow_redirects=False,
        timeout=10,
    )
    back = urlsplit(done.headers["Location"])
    assert client.get(back.path).status_code == 302


def test_generic_provider_works_the_same_way(client: Any, providers: dict[int, Provider]) -> None:
    generic = providers[PORT_GENERIC]
    generic.set_user(
        "region-1",
        {"email": "agent@region.fr", "given_name": "Alix", "family_name": "Roy"},
    )
    response = sign_in_at(client, generic, "region-1", name="oidc")
    assert response.headers["Location"].endswith("/connexion/externe/bienvenue")
    page = client.get("/connexion/externe/bienvenue").get_data(as_text=True)
    assert "Alix Roy" in page
    client.post(
        "/connexion/externe/bienvenue",
        data={
            "display_name": "Alix Roy",
            "job_title": "Chargée de mission",
            "collectivite_name": "Région Test",
            "collectivite_kind": "region",
        },
    )
    assert signed_in(client)
    link = db.session.scalar(select(ExternalIdentity))
    assert link.provider == "oidc" and link.siret is None


def _with_second_factor(user: User) -> pyotp.TOTP:
    from commons.identity import twofactor

    device = twofactor.begin_setup(user)
    twofactor.confirm_setup(user, pyotp.TOTP(device.secret).now())
    db.session.commit()
    return pyotp.TOTP(device.secret)


def test_strong_acr_skips_the_second_factor(client: Any, provider: Provider, make_user) -> None:
    user = make_user(email="fort@exemple.fr")
    _with_second_factor(user)
    db.session.add(ExternalIdentity(user_id=user.id, provider="proconnect", subject="fort"))
    db.session.commit()
    strong = "https://proconnect.gouv.fr/assurance/consistency-checked-2fa"
    provider.set_user("fort", agent_claims("fort@exemple.fr", acr=strong))
    response = sign_in_at(client, provider, "fort")
    assert "second-facteur" not in response.headers["Location"]
    assert signed_in(client)


def test_weak_acr_asks_the_second_factor(client: Any, provider: Provider, make_user) -> None:
    user = make_user(email="faible@exemple.fr")
    totp = _with_second_factor(user)
    db.session.add(ExternalIdentity(user_id=user.id, provider="proconnect", subject="faible"))
    db.session.commit()
    provider.set_user("faible", agent_claims("faible@exemple.fr", acr="eidas1"))
    response = sign_in_at(client, provider, "faible")
    assert response.headers["Location"].endswith("/connexion/second-facteur")
    assert not signed_in(client)
    client.post("/connexion/second-facteur", data={"code": totp.at(time.time() + 30)})
    assert signed_in(client)


def test_signed_userinfo_is_verified() -> None:
    """ProConnect answers userinfo with a JWT: its signature, issuer and audience are checked."""
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet, RSAKey

    from commons.identity.oidc import SignInError, decode_signed_userinfo

    key, other = RSAKey.generate_key(2048), RSAKey.generate_key(2048)
    keys = KeySet([key]).as_dict(private=False)
    claims = {"sub": "x", "siret": "21330063500013", "iss": "https://idp", "aud": "commons"}
    token = jose_jwt.encode({"alg": "RS256"}, claims, key)
    info = decode_signed_userinfo(token, keys, issuer="https://idp", client_id="commons")
    assert info["siret"] == "21330063500013"
    with pytest.raises(SignInError):
        decode_signed_userinfo(token, keys, issuer="https://idp", client_id="autre-service")
    with pytest.raises(SignInError):
        decode_signed_userinfo(token, keys, issuer="https://ailleurs", client_id="commons")
    forged = jose_jwt.encode({"alg": "RS256"}, claims, other)
    with pytest.raises(JoseError):
        decode_signed_userinfo(forged, keys, issuer="https://idp", client_id="commons")


def test_provider_only_account_deletes_after_a_provider_sign_in(
    client: Any, provider: Provider
) -> None:
    from commons.identity.models import AccountDeletion

    provider.set_user("partant", agent_claims("partant@exemple.fr"))
    sign_in_at(client, provider, "partant")
    client.post(
        "/connexion/externe/bienvenue", data={"display_name": "Partant", "job_title": "DGS"}
    )
    user = db.session.scalar(select(User).where(User.email_key == "partant@exemple.fr"))
    page = client.get("/compte/mes-donnees").get_data(as_text=True)
    assert "pas de mot de passe" in page
    client.post("/compte/supprimer", data={"confirm": "y"})
    assert db.session.get(AccountDeletion, user.id) is not None
    # Signing in again through the provider cancels it.
    sign_in_at(client, provider, "partant")
    assert signed_in(client)
    assert db.session.get(AccountDeletion, user.id) is None


def test_refusal_at_the_provider_is_explained(client: Any, provider: Provider) -> None:
    start = client.get("/connexion/externe/proconnect").headers["Location"]
    denied = requests.post(start, data={"action": "deny"}, allow_redirects=False, timeout=10)
    back = urlsplit(denied.headers["Location"])
    assert "error=access_denied" in back.query
    response = client.get(f"{back.path}?{back.query}")
    assert response.headers["Location"].endswith("/connexion")
    assert "a échoué" in flashed(client)
    assert not signed_in(client)


def test_callback_without_parameters_is_not_an_error_page(client: Any) -> None:
    response = client.get("/connexion/externe/proconnect/retour")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion")


@pytest.mark.parametrize("proconnect_port", [5159])
def test_provider_down_is_explained(client: Any) -> None:
    response = client.get("/connexion/externe/proconnect")
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "ne répond pas" in flashed(client)


def test_generic_provider_unverified_address_is_refused(
    client: Any, providers: dict[int, Provider]
) -> None:
    generic = providers[PORT_GENERIC]
    generic.set_user("unverified", {"email": "victime@exemple.fr", "email_verified": False})
    response = sign_in_at(client, generic, "unverified", name="oidc")
    assert response.headers["Location"].endswith("/connexion")
    assert "pas vérifiée" in flashed(client)
    assert db.session.scalar(select(User).where(User.email_key == "victime@exemple.fr")) is None
