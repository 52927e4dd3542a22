"""Issue 18: changing one's e-mail address. The request needs the current password and sends a
link to the new address (and a notice to the old one); the address changes only when the link
is followed, once; the old address is told. No account oracle: an address that already has an
account gets the same page, and a notice instead of a link."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from commons import db
from commons.accounts import addresses, services
from commons.audit.models import AuditEntry

from .conftest import PASSWORD, link_in, login, outbox

NEW = "Nouvelle.Adresse@Mairie-Exemple.fr"


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _ask(client: Any, new: str = NEW, password: str = PASSWORD) -> Any:
    return client.post("/compte/adresse", data={"new_email": new, "password": password})


def _to(app: Any, address: str) -> list[Any]:
    return [m for m in outbox(app) if m["To"].lower() == address.lower()]


def _body(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _main(page: str) -> str:
    """The page's main content without the per-request tokens."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r'value="[^"]*"', "", main)


def test_the_address_changes_only_when_the_link_is_followed(
    app: Any, client: Any, make_user: Any
) -> None:
    user = make_user(email="claire@ville-exemple.fr")
    login(client, user)
    profile = _page(client.get(f"/agents/{user.handle}"))
    assert 'href="/compte/adresse"' in profile and "Changer d'adresse électronique" in profile
    assert 'href="/compte/adresse"' in _page(client.get("/compte/profil"))
    response = _ask(client, f"  {NEW}  ")
    page = _page(response)
    assert (
        response.status_code == 200 and NEW in page and "Vérifiez votre nouvelle messagerie" in page
    )
    (to_new,) = _to(app, NEW)
    assert to_new["Subject"] == "Confirmez votre nouvelle adresse"
    (to_old,) = _to(app, user.email)
    assert NEW in _body(to_old) and "changez-le tout de suite" in _body(to_old)
    db.session.refresh(user)
    assert user.email == "claire@ville-exemple.fr"  # nothing changes before the link
    path = link_in(to_new, "/compte/adresse/confirmer/")
    confirm = _page(client.get(path))
    assert NEW in confirm and "Confirmer ma nouvelle adresse" in confirm
    db.session.refresh(user)
    assert user.email == "claire@ville-exemple.fr"  # a GET (a mail scanner) changes nothing
    done = client.post(path, follow_redirects=True)
    assert f"Votre adresse électronique est désormais {NEW}." in _page(done)
    db.session.refresh(user)
    assert (user.email, user.email_key) == (NEW, NEW.lower())
    assert user.email_confirmed_at is not None
    changed = [m for m in _to(app, "claire@ville-exemple.fr") if "a changé" in m["Subject"]]
    assert len(changed) == 1 and NEW in _body(changed[0])
    assert "administration" in _body(changed[0])
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "account.email_changed")
    )
    assert entry is not None and entry.actor_id == user.id and entry.target_id == user.id
    assert "claire@" not in str(entry.detail) and entry.detail["domaine"] == "mairie-exemple.fr"
    # sessions kept: this browser is still signed in; the new address signs in, the old not
    assert client.get("/compte/profil").status_code == 200
    client.post("/deconnexion")
    assert login(client, "claire@ville-exemple.fr").status_code == 200
    assert login(client, NEW.lower()).status_code == 302


def test_a_link_works_once_and_not_after_a_password_change(
    app: Any, client: Any, make_user: Any
) -> None:
    user = make_user()
    login(client, user)
    _ask(client)
    path = link_in(_to(app, NEW)[0], "/compte/adresse/confirmer/")
    client.post(path)
    reused = client.post(path, follow_redirects=True)
    assert "a déjà servi ou n'est plus valide" in _page(reused)
    assert "a déjà servi" in _page(client.get(path, follow_redirects=True))
    # a second request, then the password changes: the link dies
    _ask(client, "troisieme@exemple.fr")
    third = link_in(_to(app, "troisieme@exemple.fr")[0], "/compte/adresse/confirmer/")
    db.session.refresh(user)
    services.set_password(user, "un tout autre mot de passe 2026")
    db.session.commit()
    assert "a déjà servi" in _page(client.post(third, follow_redirects=True))
    db.session.refresh(user)
    assert user.email == NEW


def test_forged_and_expired_links_are_refused(app: Any, client: Any, make_user: Any) -> None:
    user = make_user()
    forged = URLSafeTimedSerializer("pas-la-cle", salt=addresses.SALT).dumps([user.id, NEW, "x"])
    for token, message in (
        (forged, "n'est pas valide"),
        ("n-importe-quoi", "n'est pas valide"),
        (
            URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=addresses.SALT).dumps("x"),
            "n'est pas valide",
        ),
    ):
        page = _page(client.post(f"/compte/adresse/confirmer/{token}", follow_redirects=True))
        assert message in page and "Confirmer ma nouvelle adresse" not in page
    with app.test_request_context():
        token = addresses.change_token(user, NEW)
    app.config["EMAIL_CHANGE_MAX_AGE"] = -1
    assert "a expiré" in _page(
        client.post(f"/compte/adresse/confirmer/{token}", follow_redirects=True)
    )
    db.session.refresh(user)
    assert user.email != NEW


def test_an_address_with_an_account_gets_the_same_page_and_a_notice(
    app: Any, client: Any, make_user: Any
) -> None:
    owner = make_user(email="deja.pris@exemple.fr")
    user = make_user()
    login(client, user)
    client.get("/compte/adresse")  # the welcome message is shown once
    free = _page(_ask(client, "libre@exemple.fr"))
    taken = _page(_ask(client, "  DEJA.pris@exemple.fr "))
    assert _main(free).replace("libre@exemple.fr", "X") == _main(taken).replace(
        "DEJA.pris@exemple.fr", "X"
    )
    told = _to(app, user.email)  # the old address hears of both requests alike
    assert len(told) == 2 and {_body(m).count("@exemple.fr") for m in told} == {1}
    (notice,) = _to(app, "deja.pris@exemple.fr")
    assert notice["Subject"] == "Vous avez déjà un compte"
    assert "/compte/adresse/confirmer/" not in _body(notice) and owner.display_name in _body(notice)
    db.session.refresh(user)
    db.session.refresh(owner)
    assert owner.email == "deja.pris@exemple.fr" and user.email != owner.email


def test_another_account_taking_the_address_meanwhile(
    app: Any, client: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    login(client, user)
    _ask(client)
    path = link_in(_to(app, NEW)[0], "/compte/adresse/confirmer/")
    rival = make_user(email=NEW.upper())
    page = _page(client.post(path, follow_redirects=True))
    assert "Cette adresse est désormais utilisée par un autre compte" in page
    db.session.refresh(user)
    assert user.email != NEW
    # the same race when the other account commits between the check and the write: the
    # unique key refuses it, with the same message (and no 500)
    rival.email = rival.email_key = "ailleurs@exemple.fr"
    db.session.commit()
    _ask(client, "course@exemple.fr")
    path = link_in(_to(app, "course@exemple.fr")[0], "/compte/adresse/confirmer/")
    rival.email, rival.email_key = "course@exemple.fr", "course@exemple.fr"
    db.session.commit()
    monkeypatch.setattr(services, "find_by_email", lambda email: None)
    response = client.post(path, follow_redirects=True)
    assert response.status_code == 200 and "désormais utilisée par un autre compte" in _page(
        response
    )
    db.session.refresh(user)
    assert user.email_key != "course@exemple.fr"


def test_bad_input_and_wrong_password(app: Any, client: Any, make_user: Any) -> None:
    user = make_user()
    login(client, user)
    cases = {
        "Adresse électronique invalide (exemple": {
            "new_email": "pas-une-adresse",
            "password": PASSWORD,
        },
        "Nouvelle adresse électronique : Ce champ est obligatoire.": {
            "new_email": "",
            "password": PASSWORD,
        },
        "Mot de passe actuel : Ce champ est obligatoire.": {"new_email": NEW, "password": ""},
        "C'est déjà l'adresse de votre compte.": {
            "new_email": f" {user.email.upper()} ",
            "password": PASSWORD,
        },
        "254 caractères au plus": {"new_email": "a" * 250 + "@exemple.fr", "password": PASSWORD},
    }
    for message, data in cases.items():
        page = _page(client.post("/compte/adresse", data=data))
        assert message in page, message
    wrong = _page(_ask(client, password="pas le bon mot de passe"))
    assert 'id="password-erreur">Le mot de passe actuel est incorrect.' in wrong
    assert NEW in wrong  # what was typed is kept
    assert outbox(app) == []


def test_wrong_passwords_and_mail_requests_are_throttled(
    app: Any, client: Any, make_user: Any
) -> None:
    user = make_user()
    login(client, user)
    for _ in range(int(app.config["LOGIN_MAX_FAILURES_ACCOUNT"])):
        _ask(client, password="pas le bon mot de passe")
    blocked = _ask(client)  # even the right password, for now
    assert blocked.status_code == 429 and "Trop de tentatives" in _page(blocked)
    assert NEW in _page(blocked) and outbox(app) == []
    other = make_user()
    client.post("/deconnexion")
    login(client, other)
    for n in range(int(app.config["MAIL_ACTIONS_PER_ADDRESS"])):
        assert _ask(client, "cible@exemple.fr").status_code == 200, n
    refused = _ask(client, "cible@exemple.fr")
    assert refused.status_code == 429 and "Trop de demandes de courriel" in _page(refused)
    assert len(_to(app, "cible@exemple.fr")) == int(app.config["MAIL_ACTIONS_PER_ADDRESS"])


def test_proconnect_only_accounts_and_visitors(app: Any, client: Any, make_user: Any) -> None:
    anonymous = client.get("/compte/adresse")
    assert anonymous.status_code == 302 and "/connexion" in anonymous.location
    assert client.post("/compte/adresse", data={"new_email": NEW}).status_code == 302
    user = make_user()
    login(client, user)
    user.password_hash = ""  # as created by a first ProConnect sign-in
    db.session.commit()
    page = _page(client.get("/compte/adresse"))
    assert "ProConnect" in page and 'name="new_email"' not in page
    assert "Mot de passe oublié" in page
    assert (
        client.post("/compte/adresse", data={"new_email": NEW, "password": ""}).status_code == 200
    )
    with app.test_request_context(), pytest.raises(services.AccountError, match="ProConnect"):
        addresses.request_change(user, NEW, "", "127.0.0.1")
    assert outbox(app) == []
    db.session.refresh(user)
    assert user.email != NEW
