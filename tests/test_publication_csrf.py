"""With CSRF protection on: a forged consent is refused and records nothing; the consent form
of the proposal page carries its token and works."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.publication import consent
from commons.publication.models import ConsentReceipt

from .conftest import PASSWORD
from .test_publication import _propose, build_world


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def world(app, make_user, make_group):  # type: ignore[no-untyped-def]
    return build_world(make_user, make_group)


def _token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    body = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_forged_consent_is_refused_and_the_real_form_works(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    token = _token(client, "/connexion")
    client.post("/connexion", data={"email": w.b.email, "password": PASSWORD, "csrf_token": token})
    form = {"contributor": str(w.b.id), "digest": consent.preview(proposal).digest, "answer": "yes"}
    url = f"/publication/{proposal.id}/reponse"
    assert client.post(url, data=form).status_code == 400
    assert db.session.scalar(select(ConsentReceipt)) is None
    token = _token(client, f"/publication/{proposal.id}")
    assert client.post(url, data={**form, "csrf_token": token}).status_code == 302
    assert db.session.scalar(select(ConsentReceipt.answer)) == "yes"
