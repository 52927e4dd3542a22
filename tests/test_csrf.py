"""With CSRF protection on (as in production): forged posts are refused and change nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from commons import db
from commons.accounts.models import User
from commons.groups.models import JoinRequest

from .conftest import PASSWORD


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    body = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_forged_login_is_refused_in_french(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "jeton de sécurité" in response.get_data(as_text=True)
    assert (
        "session" not in response.headers.get("Set-Cookie", "")
        or client.get("/compte/profil").status_code == 302
    )


def test_login_with_token_works(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    token = _token(client, "/connexion")
    response = client.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/compte/profil").status_code == 200


def test_forged_join_request_changes_nothing(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    agent = make_user()
    group = make_group()
    client.post(
        "/connexion",
        data={
            "email": agent.email,
            "password": PASSWORD,
            "csrf_token": _token(client, "/connexion"),
        },
    )
    response = client.post(
        f"/groupes/{group.slug}/rejoindre", data={"message": "x", "accept_charter": "y"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(JoinRequest.id))) == 0


def test_forged_registration_creates_no_account(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/inscription", data={"email": "x@exemple.fr", "display_name": "X Y"})
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_forged_forum_reply_changes_nothing(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum
    from commons.forum.models import Post

    member = make_user()
    group = make_group(members=(member,))
    thread = forum.create_thread(
        member, title="Sujet", body="Premier", space="group", group_id=group.id
    )
    db.session.commit()
    client.post(
        "/connexion",
        data={
            "email": member.email,
            "password": PASSWORD,
            "csrf_token": _token(client, "/connexion"),
        },
    )
    response = client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "forgé"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Post.id))) == 1
