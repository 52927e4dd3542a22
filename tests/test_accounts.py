"""Accounts: registration with confirmation, login and throttling, sessions, passwords, profile."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import func, select

from commons import db
from commons.accounts import services
from commons.accounts.models import User
from commons.collectivites.models import Collectivite

from .conftest import PASSWORD, link_in, login, outbox


def _registration(collectivite_id: int | str, **overrides: Any) -> dict[str, Any]:
    data = {
        "email": "Claire.Dubois@Mairie-Exemple.fr",
        "display_name": "Claire Dubois",
        "job_title": "Chargée de mission transition",
        "collectivite": str(collectivite_id),
        "password": "une phrase de passe solide",
        "password_confirm": "une phrase de passe solide",
        "accept_charter": "y",
    }
    data.update(overrides)
    return data


def test_registration_confirmation_and_login(app, client, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Ville de Bègles")
    response = client.post("/inscription", data=_registration(coll.id))
    assert response.status_code == 200 and "Vérifiez votre messagerie" in response.get_data(
        as_text=True
    )
    user = db.session.scalar(
        select(User).where(User.email_key == "claire.dubois@mairie-exemple.fr")
    )
    assert user is not None and user.email_confirmed_at is None and user.handle == "claire-dubois"
    assert user.password_hash.startswith("$argon2id$")
    # Not confirmed yet: login refused, and the link is sent again.
    response = login(client, "claire.dubois@mairie-exemple.fr", "une phrase de passe solide")
    assert "pas encore confirmée" in response.get_data(as_text=True)
    mails = outbox(app)
    assert len(mails) == 2 and mails[0]["To"] == "Claire.Dubois@Mairie-Exemple.fr"
    assert mails[0]["Subject"] == "Confirmez votre adresse électronique"
    assert mails[0].get_body(preferencelist=("html",)) is not None
    path = link_in(mails[0], "/inscription/confirmer/")
    assert client.post(path).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    response = login(client, "CLAIRE.dubois@mairie-exemple.fr", "une phrase de passe solide")
    assert response.status_code == 302
    assert client.get("/compte/profil").status_code == 200


def test_duplicate_email_in_other_case_reveals_nothing(
    app, client, make_user, make_collectivite
) -> None:  # type: ignore[no-untyped-def]
    existing = make_user(email="paul.martin@exemple.fr")
    coll = make_collectivite()
    fresh = client.post("/inscription", data=_registration(coll.id, email="nouvelle@exemple.fr"))
    dup = client.post("/inscription", data=_registration(coll.id, email="PAUL.Martin@exemple.fr"))
    assert dup.status_code == fresh.status_code == 200
    assert dup.get_data(as_text=True).replace("PAUL.Martin@exemple.fr", "X") == fresh.get_data(
        as_text=True
    ).replace("nouvelle@exemple.fr", "X")
    assert (
        db.session.scalar(
            select(func.count(User.id)).where(User.email_key == "paul.martin@exemple.fr")
        )
        == 1
    )
    notice = outbox(app)[-1]
    assert notice["To"] == existing.email and notice["Subject"] == "Vous avez déjà un compte"


def test_registration_bad_input_keeps_data_and_says_why(client, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite()
    cases = {
        "Adresse électronique invalide": {"email": "pas-une-adresse"},
        "Les deux mots de passe ne correspondent pas": {
            "password_confirm": "autre phrase de passe"
        },
        "Entre 10 et 256 caractères": {"password": "court", "password_confirm": "court"},
        "Entre 2 et 80 caractères": {"display_name": "x" * 81},
        "Vous devez accepter la charte": {"accept_charter": ""},
        "Choisissez votre collectivité": {"collectivite": ""},
        "Not a valid choice": {"collectivite": "999999"},
    }
    for message, override in cases.items():
        response = client.post("/inscription", data=_registration(coll.id, **override))
        body = response.get_data(as_text=True)
        if message == "Not a valid choice":
            assert 'class="error-summary"' in body
        else:
            assert message in body, message
        assert 'class="error-summary"' in body and 'role="alert"' in body
        assert "Chargée de mission transition" in body  # typed values are kept
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_control_characters_are_stripped(client, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite()
    client.post("/inscription", data=_registration(coll.id, display_name="Claire\x00 Dubois\x07"))
    user = db.session.scalar(select(User))
    assert user is not None and user.display_name == "Claire Dubois"


def test_invalid_utf8_form_does_not_crash(client, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite()
    body = b"email=a%40b.fr&display_name=%FF%FE&job_title=x&collectivite=" + str(coll.id).encode()
    response = client.post(
        "/inscription", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and "error-summary" in response.get_data(as_text=True)


def test_proposing_a_new_collectivite(client) -> None:  # type: ignore[no-untyped-def]
    data = _registration(
        "nouvelle",
        new_collectivite_name="Commune de Saint-Émilion",
        new_collectivite_kind="commune",
        new_collectivite_departement="33",
    )
    assert "Vérifiez votre messagerie" in client.post("/inscription", data=data).get_data(
        as_text=True
    )
    coll = db.session.scalar(select(Collectivite))
    assert coll is not None and coll.validated is False and coll.region_code == "75"
    user = db.session.scalar(select(User))
    assert user is not None and user.collectivite_id == coll.id
    response = client.post("/inscription", data=_registration("nouvelle", email="b@exemple.fr"))
    page = html.unescape(response.get_data(as_text=True))
    assert "Indiquez le nom de la collectivité à proposer." in page
    assert "Choisissez le type de la collectivité à proposer." in page
    # each message once next to its field, once in the summary, with no label before it
    assert page.count("Indiquez le nom de la collectivité à proposer.") == 2
    assert "ajouter : Indiquez" not in page
    odd = _registration(
        "nouvelle",
        email="c@exemple.fr",
        new_collectivite_name="Commune de Nulle-Part",
        new_collectivite_kind="commune",
        new_collectivite_departement="999",
    )
    page = html.unescape(client.post("/inscription", data=odd).get_data(as_text=True))
    assert 'href="#new_collectivite_departement">Choisissez un département de la liste.' in page
    assert db.session.scalar(select(func.count(Collectivite.id))) == 1


def test_wrong_password_and_unknown_account_give_the_same_answer(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    wrong = login(client, user, "mauvais mot de passe").get_data(as_text=True)
    unknown = login(client, "inconnu@exemple.fr", "mauvais mot de passe").get_data(as_text=True)
    assert services.GENERIC_LOGIN_ERROR in wrong and services.GENERIC_LOGIN_ERROR in unknown
    assert client.get("/compte/profil").status_code == 302


def test_login_throttling_per_account(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        login(client, user, "mauvais mot de passe")
    body = login(client, user).get_data(as_text=True)  # even the right password is refused now
    assert "Trop de tentatives" in body and "minute" in body
    assert client.get("/compte/profil").status_code == 302
    # An unknown account is throttled the same way: no enumeration.
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        login(client, "fantome@exemple.fr", "x" * 12)
    assert "Trop de tentatives" in login(client, "fantome@exemple.fr", "x" * 12).get_data(
        as_text=True
    )


def test_login_throttling_per_address(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 3
    victim = make_user()
    for n in range(3):
        login(client, f"essai{n}@exemple.fr", "mauvais mot de passe")
    assert "Trop de tentatives" in login(client, victim).get_data(as_text=True)


def test_suspended_account_cannot_log_in(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    user.suspended_at = db.utcnow()
    user.suspension_reason = "Non-respect de la charte"
    db.session.commit()
    body = login(client, user).get_data(as_text=True)
    assert "suspendu pour une durée indéterminée" in body and "Non-respect de la charte" in body
    assert client.get("/compte/profil").status_code == 302


def test_suspension_revokes_open_sessions(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    login(client, user)
    assert client.get("/compte/profil").status_code == 200
    user.suspended_at = db.utcnow()
    db.session.commit()
    assert client.get("/compte/profil").status_code == 302


def test_next_redirects_only_to_local_paths(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ]:
        response = client.post(
            f"/connexion?next={evil}", data={"email": user.email, "password": PASSWORD}
        )
        assert response.headers["Location"] == "/", evil
        client.post("/deconnexion")
    response = client.post(
        "/connexion?next=/groupes/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/groupes/"


def test_remember_me_and_logout(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    response = client.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)
    assert any(
        c.startswith("session=") and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies
    )
    client.post("/deconnexion")
    assert client.get("/compte/profil").status_code == 302


def test_password_change_revokes_other_sessions(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post(
        "/compte/mot-de-passe",
        data={
            "current": "faux mot de passe",
            "password": "nouvelle phrase secrète",
            "password_confirm": "nouvelle phrase secrète",
        },
    )
    assert "Le mot de passe actuel est incorrect" in response.get_data(as_text=True)
    response = laptop.post(
        "/compte/mot-de-passe",
        data={
            "current": PASSWORD,
            "password": "nouvelle phrase secrète",
            "password_confirm": "nouvelle phrase secrète",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/compte/profil").status_code == 200  # this session survives
    assert phone.get("/compte/profil").status_code == 302  # the other is revoked
    assert login(app.test_client(), user, "nouvelle phrase secrète").status_code == 302


def test_logout_everywhere(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    a, b = app.test_client(), app.test_client()
    login(a, user)
    login(b, user)
    a.post("/compte/deconnecter-partout")
    assert a.get("/compte/profil").status_code == 302 and b.get("/compte/profil").status_code == 302


def test_password_reset_is_single_use(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    known = client.post("/mot-de-passe-oublie", data={"email": user.email.upper()}).get_data(
        as_text=True
    )
    unknown = client.post("/mot-de-passe-oublie", data={"email": "inconnu@exemple.fr"}).get_data(
        as_text=True
    )
    assert known.replace(user.email.upper(), "X") == unknown.replace("inconnu@exemple.fr", "X")
    mails = outbox(app)
    assert len(mails) == 1 and mails[0]["To"] == user.email
    path = link_in(mails[0], "/mot-de-passe-oublie/")
    weak = client.post(path, data={"password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"})
    assert "trop simple" in weak.get_data(as_text=True)
    ok = client.post(
        path,
        data={"password": "phrase de passe neuve", "password_confirm": "phrase de passe neuve"},
    )
    assert ok.status_code == 302
    again = client.post(
        path,
        data={"password": "encore une autre phrase", "password_confirm": "encore une autre phrase"},
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/mot-de-passe-oublie")
    assert login(client, user, "phrase de passe neuve").status_code == 302
    assert client.get("/mot-de-passe-oublie/forged-token").status_code == 302


def test_profile_visible_to_members_and_editable_by_owner(client, make_user) -> None:  # type: ignore[no-untyped-def]
    owner, other = make_user(name="Inès Roussel"), make_user()
    assert client.get(f"/agents/{owner.handle}").status_code == 302  # anonymous: login first
    login(client, other)
    body = client.get(f"/agents/{owner.handle}").get_data(as_text=True)
    assert "Inès Roussel" in body and owner.email not in body and "Modifier mon profil" not in body
    client.post("/deconnexion")
    login(client, owner)
    response = client.post(
        "/compte/profil",
        data={
            "display_name": "Inès Roussel-Hamon",
            "job_title": "DGA",
            "collectivite": str(owner.collectivite_id),
            "bio": "x" * 2001,
        },
    )
    assert "2000 caractères au plus" in response.get_data(as_text=True)
    response = client.post(
        "/compte/profil",
        data={
            "display_name": "Inès Roussel-Hamon",
            "job_title": "DGA",
            "collectivite": str(owner.collectivite_id),
            "bio": "Bonjour",
        },
    )
    assert response.status_code == 302
    db.session.refresh(owner)
    assert owner.display_name == "Inès Roussel-Hamon" and owner.job_title == "DGA"


def test_handles_are_unique(app, make_user) -> None:  # type: ignore[no-untyped-def]
    first, second = make_user(name="Léa Petit"), make_user(name="Lea Petit")
    assert (first.handle, second.handle) == ("lea-petit", "lea-petit-2")


def test_old_rate_events_are_purged(app, make_user) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from commons.security import RateEvent, record_event

    db.session.add(
        RateEvent(bucket="login-account", key="x@exemple.fr", at=db.utcnow() - timedelta(days=2))
    )
    db.session.commit()
    record_event("login-account", "x@exemple.fr")
    db.session.commit()
    ages = list(db.session.scalars(select(RateEvent.at).where(RateEvent.key == "x@exemple.fr")))
    assert len(ages) == 1 and ages[0] > db.utcnow() - timedelta(minutes=1)
