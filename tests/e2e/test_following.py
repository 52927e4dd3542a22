"""Issue 18 in a real browser: @mention autocomplete (local script, keyboard), the mention link,
following a REX at « Tout » and being told of a colleague's edit, « Dernières modifications »."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

MEMBER = "agent@demo.commons.fr"  # Julien Morel, member of participation-citoyenne
DGS = "dgs@demo.commons.fr"  # Marc Lefèvre, member too
OUTSIDER = "agente.donnees@demo.commons.fr"


def test_mention_autocomplete_by_keyboard(page: Page, login: Callable[..., None]) -> None:
    login(page, MEMBER)
    page.goto("/groupes/participation-citoyenne/espace")
    page.get_by_role("link", name="Nouvelle discussion").click()
    page.locator("#title").fill("Qui a un retour sur les jurys citoyens ?")
    body = page.locator("#body")
    body.click()
    body.press_sequentially("Bonjour @marc")
    option = page.get_by_role("option", name=re.compile("Marc Lefèvre"))
    expect(option).to_be_visible()
    body.press("Enter")
    expect(body).to_have_value("Bonjour @marc-lefevre ")
    page.get_by_role("button", name="Publier la discussion").click()
    link = page.locator("a.mention", has_text="@marc-lefevre")
    expect(link).to_have_attribute("href", "/agents/marc-lefevre")


def test_following_a_rex_and_recent_changes(
    new_page: Callable[[], Page], login: Callable[..., None], mailbox
) -> None:  # type: ignore[no-untyped-def]
    julien, marc, outsider = new_page(), new_page(), new_page()
    login(julien, MEMBER)
    julien.goto("/rex/nouveau")
    julien.locator("#title").fill("Jurys citoyens : notre premier essai")
    value = julien.locator("#space option", has_text="articipation").first.get_attribute("value")
    julien.locator("#space").select_option(value=value)
    julien.locator("#body").fill("Ce que nous avons tenté.")
    julien.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(julien.get_by_role("heading", level=1)).to_contain_text("Jurys citoyens")
    rex_url = julien.url
    julien.goto("/notifications/suivis")
    expect(julien.locator("main")).to_contain_text("Jurys citoyens : notre premier essai")

    login(marc, DGS)
    marc.goto(rex_url.rstrip("/") + "/modifier")
    marc.locator("#body").fill("Ce que nous avons tenté.\n\nEt ce que nous referions.")
    before = mailbox.count()
    marc.get_by_role("button", name="Enregistrer", exact=True).click()
    mail = mailbox.newest(MEMBER, after=before)
    assert "Marc Lefèvre a modifié" in str(mail["Subject"])
    julien.goto("/notifications/")
    expect(julien.locator("main")).to_contain_text("Marc Lefèvre a modifié")
    julien.goto("/rex/dernieres-modifications")
    expect(julien.locator("main")).to_contain_text("Jurys citoyens : notre premier essai")

    login(outsider, OUTSIDER)
    outsider.goto("/rex/dernieres-modifications")
    expect(outsider.locator("main")).not_to_contain_text("Jurys citoyens")


# Accessibility of the pages added by issue 18 (same rule as tests/e2e/test_accessibility.py:
# no serious or critical axe-core violation).
ISSUE_18_PAGES = [
    ("/", MEMBER),
    ("/", None),
    ("/notifications/suivis", MEMBER),
    ("/rex/dernieres-modifications", MEMBER),
    ("/forum/nouveau?groupe=1", MEMBER),
    ("/administration", "admin@demo.commons.fr"),
    ("/collectivites/a-valider", "admin@demo.commons.fr"),
    ("/compte/profil", MEMBER),
]


@pytest.mark.parametrize(("path", "user"), ISSUE_18_PAGES)
def test_issue_18_pages_have_no_serious_axe_violation(
    page: Page, login: Callable[..., None], path: str, user: str | None
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    if user:
        login(page, user)
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v.get("impact") in {"serious", "critical"}]
    assert not blocking, f"{path} : {blocking}"
