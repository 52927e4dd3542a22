"""Two-factor sign-in over HTTP: set-up, the second step, recovery codes, throttling, roles."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from commons import db
from commons.audit.models import AuditEntry
from commons.identity.models import RecoveryCode, TotpDevice
from tests.conftest import base_config, login, outbox


@pytest.fixture
def app_config(tmp_path: Path, backend: str) -> dict[str, Any]:
    config = base_config(tmp_path, backend)
    config["TWO_FACTOR_REQUIRED_ROLES"] = "admin facilitator"
    return config


def signed_in(client: Any) -> bool:
    return client.get("/compte/securite").status_code == 200


def enable(client: Any, user: Any) -> tuple[pyotp.TOTP, list[str]]:
    """Turn the second factor on through the pages; returns the authenticator and the codes."""
    page = client.get("/compte/securite/deux-etapes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html  # the QR code is drawn by the app itself
    device = db.session.get(TotpDevice, user.id)
    assert device.secret in html and device.confirmed_at is None
    totp = pyotp.TOTP(device.secret)
    wrong = client.post("/compte/securite/deux-etapes", data={"code": "000000"})
    assert "pas le bon" in wrong.get_data(as_text=True)
    done = client.post("/compte/securite/deux-etapes", data={"code": totp.now()})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step (the current one was spent at set-up)."""
    return totp.at(time.time() + totp.interval)


def test_set_up_then_password_sign_in_asks_the_second_factor(
    app: Any, client: Any, make_user
) -> None:
    user = make_user()
    login(client, user)
    totp, _codes = enable(client, user)
    assert db.session.get(TotpDevice, user.id).confirmed_at is not None
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(len(h) == 64 for h in stored)  # hashed, not the codes
    assert "twofactor.enable" in db.session.scalars(select(AuditEntry.action)).all()
    assert any("deux étapes activée" in m["Subject"] for m in outbox(app))

    client.post("/deconnexion")
    response = login(client, user)
    assert response.headers["Location"].endswith("/connexion/second-facteur")
    assert not signed_in(client)  # the password alone opens no session
    wrong = client.post("/connexion/second-facteur", data={"code": "123456"})
    assert "Code incorrect" in wrong.get_data(as_text=True)
    assert not signed_in(client)
    ok = client.post("/connexion/second-facteur", data={"code": next_code(totp)})
    assert ok.status_code == 302
    assert signed_in(client)


def test_a_code_is_accepted_once(client: Any, make_user) -> None:
    user = make_user()
    login(client, user)
    totp, _ = enable(client, user)
    client.post("/deconnexion")
    code = next_code(totp)
    login(client, user)
    client.post("/connexion/second-facteur", data={"code": code})
    assert signed_in(client)
    client.post("/deconnexion")
    login(client, user)
    again = client.post("/connexion/second-facteur", data={"code": code})
    assert "Code incorrect" in again.get_data(as_text=True)
    assert not signed_in(client)


def test_recovery_code_works_once_and_is_mailed(app: Any, client: Any, make_user) -> None:
    user = make_user()
    login(client, user)
    _, codes = enable(client, user)
    client.post("/deconnexion")
    login(client, user)
    client.post("/connexion/second-facteur", data={"code": codes[3].upper()})
    assert signed_in(client)
    assert any("Code de secours utilisé" in m["Subject"] for m in outbox(app))
    assert "twofactor.recovery" in db.session.scalars(select(AuditEntry.action)).all()
    client.post("/deconnexion")
    login(client, user)
    reused = client.post("/connexion/second-facteur", data={"code": codes[3]})
    assert "Code incorrect" in reused.get_data(as_text=True)
    assert not signed_in(client)


def test_wrong_codes_are_throttled(client: Any, make_user) -> None:
    user = make_user()
    login(client, user)
    totp, _ = enable(client, user)
    client.post("/deconnexion")
    login(client, user)
    for _ in range(5):
        client.post("/connexion/second-facteur", data={"code": "111111"})
    blocked = client.post("/connexion/second-facteur", data={"code": next_code(totp)})
    assert "Trop de codes erronés" in blocked.get_data(as_text=True)
    assert not signed_in(client)


def test_pending_step_without_password_is_refused(client: Any, make_user) -> None:
    response = client.post("/connexion/second-facteur", data={"code": "123456"})
    assert response.headers["Location"].endswith("/connexion")
    assert not signed_in(client)


def test_required_role_must_set_up_before_anything_else(client: Any, make_user) -> None:
    admin = make_user(role="admin")
    login(client, admin)
    blocked = client.get("/rex/")
    assert blocked.status_code == 302
    assert blocked.headers["Location"].endswith("/compte/securite/deux-etapes")
    enable(client, admin)
    assert client.get("/rex/").status_code == 200
    refused = client.post(
        "/compte/securite/deux-etapes/desactiver", data={"code": "000000"}, follow_redirects=True
    )
    assert "obligatoire pour votre rôle" in refused.get_data(as_text=True)
    assert db.session.get(TotpDevice, admin.id) is not None


def test_agent_is_not_forced(client: Any, make_user) -> None:
    login(client, make_user())
    assert client.get("/rex/").status_code == 200


def test_disable_and_new_codes_need_a_current_code(app: Any, client: Any, make_user) -> None:
    user = make_user()
    login(client, user)
    totp, codes = enable(client, user)
    client.post("/compte/securite/codes-de-secours", data={"code": "999999"})
    assert db.session.get(TotpDevice, user.id) is not None
    fresh = client.post("/compte/securite/codes-de-secours", data={"code": codes[0]})
    new_codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", fresh.get_data(as_text=True))
    assert len(new_codes) == 10 and codes[1] not in new_codes
    client.post("/compte/securite/deux-etapes/desactiver", data={"code": next_code(totp)})
    assert db.session.get(TotpDevice, user.id) is None
    assert db.session.scalar(select(RecoveryCode)) is None
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"twofactor.codes", "twofactor.disable"} <= set(actions)
    subjects = [m["Subject"] for m in outbox(app)]
    assert "Nouveaux codes de secours" in subjects
    assert "Connexion en deux étapes désactivée" in subjects
    client.post("/deconnexion")
    response = login(client, user)
    assert not response.headers["Location"].endswith("/connexion/second-facteur")
    assert signed_in(client)
