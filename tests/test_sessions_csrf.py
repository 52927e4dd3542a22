"""With CSRF protection on: a forged answer to a session is refused and records nothing; the
forms of the session page carry their token and work."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.sessions.models import SessionAnswer

from .conftest import PASSWORD
from .sessions_world import World, schedule, world_fixture  # noqa: F401


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    body = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_forged_answer_is_refused_and_the_real_form_works(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world)
    token = _token(client, "/connexion")
    client.post(
        "/connexion", data={"email": world.alice.email, "password": PASSWORD, "csrf_token": token}
    )
    page = f"/groupes/{world.group.slug}/seances/{session.id}"
    assert client.post(f"{page}/reponse", data={"reply": "yes"}).status_code == 400
    assert db.session.scalar(select(SessionAnswer)) is None
    token = _token(client, page)
    response = client.post(f"{page}/reponse", data={"reply": "yes", "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(SessionAnswer.reply)) == "yes"
