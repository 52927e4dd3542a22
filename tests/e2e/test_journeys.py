"""User journeys through a real browser: registration to group membership, keyboard, errors."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

GROUP = "participation-citoyenne"
FACILITATOR = "animatrice@demo.commons.fr"
OUTSIDER = "agente.donnees@demo.commons.fr"
COLLECTIVITE = "Ville de Pantin (93)"


def logged_out(page: Page) -> None:
    """The header offers to log in and there is no logout button."""
    account = page.get_by_role("navigation", name="Compte")
    expect(account.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_registration_to_group_membership(
    new_page: Callable[[], Page],
    login: Callable[..., None],
    mailbox,  # type: ignore[no-untyped-def]
    newest_link: Callable[..., str],
    server,  # type: ignore[no-untyped-def]
) -> None:
    email = f"e2e-{uuid.uuid4().hex[:10]}@pantin.fr"
    name = "Inès Test-Parcours"
    password = "une phrase de passe de test"
    sent_before = mailbox.count()

    # 1. Registration, choosing an existing collectivité.
    agent = new_page()
    agent.goto("/inscription")
    expect(agent.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    agent.locator("#email").fill(email)
    agent.locator("#display_name").fill(name)
    agent.locator("#job_title").fill("Chargée de mission démocratie locale")
    agent.locator("#collectivite").select_option(label=COLLECTIVITE)
    agent.locator("#password").fill(password)
    agent.locator("#password_confirm").fill(password)
    agent.locator("#accept_charter").check()
    agent.get_by_role("button", name="Créer mon compte").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    expect(agent.get_by_role("status")).to_contain_text(email)

    # 2. The confirmation mail, then the confirmation page.
    link = newest_link(email, r"/inscription/confirmer/", after=sent_before)
    assert link.startswith(server.base_url + "/inscription/confirmer/"), link
    agent.goto(link)
    agent.get_by_role("button", name="Confirmer mon adresse").click()
    expect(agent).to_have_url(re.compile(r"/connexion"))
    expect(agent.get_by_role("status")).to_contain_text("Votre adresse est confirmée")

    # 3. Login, then the join request.
    login(agent, email, password)
    expect(agent.get_by_role("navigation", name="Compte")).to_contain_text(name)
    agent.goto(f"/groupes/{GROUP}")
    join = agent.get_by_role("region", name="Demander à rejoindre")
    expect(join).to_be_visible()
    join.get_by_label("Message").fill(
        "Je coordonne le budget participatif de Pantin et j'aimerais échanger avec vous."
    )
    join.get_by_label(re.compile("charte")).check()
    join.get_by_role("button", name="Envoyer ma demande").click()
    expect(agent.get_by_role("region", name="Votre demande")).to_contain_text("en attente")

    # Not a member yet: the private area is refused.
    response = agent.goto(f"/groupes/{GROUP}/espace")
    assert response is not None and response.status == 403

    # 4. The facilitator, in another browser context, approves the request.
    facilitator = new_page()
    login(facilitator, FACILITATOR)
    facilitator.goto(f"/groupes/{GROUP}/espace")
    requests = facilitator.get_by_role("region", name=re.compile("Demandes d'adhésion"))
    request = requests.get_by_role("listitem").filter(has_text=name)
    expect(request).to_contain_text("budget participatif de Pantin")
    request.get_by_role("button", name=f"Accepter la demande de {name}").click()
    expect(requests.get_by_role("listitem").filter(has_text=name)).to_have_count(0)
    directory = facilitator.get_by_role("region", name="Annuaire du groupe")
    expect(directory.get_by_role("row").filter(has_text=name)).to_contain_text("Membre")

    # 5. The new member now enters the private area.
    response = agent.goto(f"/groupes/{GROUP}/espace")
    assert response is not None and response.status == 200
    expect(agent.get_by_role("heading", level=1)).to_have_text("Espace du groupe")
    expect(agent.get_by_role("region", name="Annuaire du groupe")).to_contain_text(name)

    # 6. An agent outside the group gets the 403 page.
    outsider = new_page()
    login(outsider, OUTSIDER)
    response = outsider.goto(f"/groupes/{GROUP}/espace")
    assert response is not None and response.status == 403
    expect(outsider.get_by_role("heading", level=1)).to_contain_text("Accès refusé")
    expect(outsider.get_by_text("Espace du groupe", exact=True)).to_have_count(0)


def test_skip_link_is_first_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visible when focused, not only to screen readers
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#contenu$"))
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main


def test_failed_login_shows_french_error_and_logs_nobody_in(page: Page) -> None:
    page.goto("/connexion")
    page.locator("#email").fill("agent@demo.commons.fr")
    page.locator("#password").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter", exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Connexion impossible")
    expect(summary).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    expect(page.locator("#email")).to_have_value("agent@demo.commons.fr")
    expect(page.locator("#password")).to_have_value("")
    logged_out(page)

    # Nothing was logged in: a page behind login sends back to the login form.
    page.goto("/compte/profil")
    expect(page).to_have_url(re.compile(r"/connexion"))
    logged_out(page)


def test_registration_with_mismatched_passwords_keeps_input(page: Page) -> None:
    email = f"e2e-{uuid.uuid4().hex[:10]}@sceaux.fr"
    page.goto("/inscription")
    page.locator("#email").fill(email)
    page.locator("#display_name").fill("Jeanne Essai")
    page.locator("#job_title").fill("Chargée de mission")
    page.locator("#collectivite").select_option(label="Ville de Sceaux (92)")
    page.locator("#password").fill("une phrase de passe de test")
    page.locator("#password_confirm").fill("une autre phrase de passe")
    page.locator("#accept_charter").check()
    page.get_by_role("button", name="Créer mon compte").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text(re.compile(r"erreurs? à corriger"))
    expect(summary).to_contain_text("Les deux mots de passe ne correspondent pas.")
    # The summary links to the faulty field (its own sentence, once), which is flagged and
    # described.
    expect(
        summary.get_by_role("link", name="Les deux mots de passe ne correspondent pas.")
    ).to_have_attribute("href", "#password_confirm")
    confirm = page.locator("#password_confirm")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(re.compile("ne correspondent pas"))
    # What was typed is kept (except passwords).
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#display_name")).to_have_value("Jeanne Essai")
    expect(page.locator("#job_title")).to_have_value("Chargée de mission")
    expect(page.locator("#collectivite option:checked")).to_have_text("Ville de Sceaux (92)")
    expect(page.locator("#password")).to_have_value("")
    logged_out(page)
