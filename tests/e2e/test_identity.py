"""ProConnect in a real browser, against a real OpenID Connect provider on loopback: first
sign-in (collectivité proposed from an unknown SIRET), logout at the provider, sign-in again."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

OIDC_PORT = os.environ.get("COMMONS_E2E_OIDC_PORT", "5153")  # as in conftest.py

# The provider (oidc-provider-mock 0.3) runs in this process on Authlib's legacy server API.
pytestmark = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated:DeprecationWarning"),
]


def test_proconnect_journey(new_page: Callable[[], Page], oidc_provider: Any) -> None:
    sub = f"agent-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@mairie-exemple.fr"
    oidc_provider.set_user(
        sub,
        {
            "email": email,
            "given_name": "Jeanne",
            "usual_name": "Navigateur",
            "siret": "21330119900015",
        },
    )
    page = new_page()
    page.goto("/connexion")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    # The provider's own page: choose the identity and authorize.
    expect(page).to_have_url(re.compile(rf"localhost:{OIDC_PORT}/oauth2/authorize"))
    page.locator("input[name=sub]").first.fill(sub)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Bienvenue"))
    expect(page.locator("#display_name")).to_have_value("Jeanne Navigateur")
    page.locator("#job_title").fill("Secrétaire de mairie")
    page.locator("#collectivite_name").fill("Commune de Test-Navigateur")
    page.locator("#collectivite_kind").select_option("commune")
    page.locator("#collectivite_departement").select_option("33")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # Logout ends the session here and at the provider, which sends the browser back.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(rf"localhost:{OIDC_PORT}/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    account = page.get_by_role("navigation", name="Compte")
    expect(account.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("chez votre fournisseur d'identité")

    # Signing in again goes straight in.
    page.goto("/connexion")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.locator("input[name=sub]").first.fill(sub)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
