"""Publication by consent in a real browser: a group REX written by three members is proposed,
each contributor consents (one withdraws and consents again), the facilitator attests, and the
public page shows the chosen attribution and licence but nothing of the group's history; and a
single "no" blocks publication."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

FACILITATOR = "animatrice@demo.commons.fr"  # Nadia Benali
JULIEN = "agent@demo.commons.fr"
MARC = "dgs@demo.commons.fr"
GROUP = "group:1"  # participation-citoyenne, the first demo group
SECRET = "Passage-privé-du-groupe"


def _write_group_rex(page: Page, title: str) -> str:
    page.goto("/rex/nouveau")
    page.locator("#title").fill(title)
    page.locator("#space").select_option(GROUP)
    page.locator("#body").fill(f"## Contexte\n\nUne démarche menée en 2025.\n\n{SECRET}\n")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("article.rex > header > h1")).to_have_text(title)
    return page.url


def _edit(page: Page, url: str, body: str) -> None:
    page.goto(url + "/modifier")
    page.locator("#body").fill(body)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".prose")).to_contain_text(body.splitlines()[-1])


def _propose(page: Page, url: str, licence: str, mode: str) -> str:
    page.goto(url)
    page.get_by_role("link", name="Proposer la publication").click()
    page.locator("#licence").select_option(licence)
    page.get_by_label(mode).check()
    page.get_by_role("button", name="Proposer la publication").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dans les communs")
    return page.url


def _answer(page: Page, proposal: str, button: str, flash: str) -> None:
    page.goto(proposal)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".flash-success")).to_contain_text(flash)


def test_publication_by_consent(
    new_page: Callable[[], Page],
    login: Callable[..., None],
    mailbox,
    newest_link,  # type: ignore[no-untyped-def]
) -> None:
    julien, marc, nadia, reader = new_page(), new_page(), new_page(), new_page()
    for page, email in ((julien, JULIEN), (marc, MARC), (nadia, FACILITATOR)):
        login(page, email)
    title = "Budget participatif des collégiens"
    url = _write_group_rex(julien, title)
    body = "## Contexte\n\nUne démarche menée en 2025.\n\n## Bilan\n\nMarc : 300 votants."
    _edit(marc, url, body)
    body += "\n\n## Enseignements\n\nNadia : associer les enseignants."
    _edit(nadia, url, body)

    before = mailbox.count()
    proposal = _propose(julien, url, "CC-BY-SA-4.0", "Contributeur·rices nommé·es")
    # Marc is asked by e-mail, with the exact preview and its digest.
    link = newest_link(MARC, r"/publication/\d+", after=before)
    mail = mailbox.newest(MARC, after=before)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Empreinte SHA-256" in text and "associer les enseignants" in text
    assert SECRET not in text  # the current text only, not the group's history
    marc.goto(link)
    expect(marc.get_by_role("heading", name="Aperçu exact de la page publique")).to_be_visible()
    expect(marc.get_by_text("Vous serez crédité·e ainsi")).to_contain_text("Marc Lefèvre")

    _answer(marc, proposal, "Je donne mon accord", "Votre accord est enregistré")
    _answer(julien, proposal, "Je donne mon accord", "Votre accord est enregistré")
    _answer(nadia, proposal, "Je donne mon accord", "Votre accord est enregistré")
    # Marc withdraws: the facilitator can no longer attest; he consents again.
    _answer(marc, proposal, "Je retire mon accord", "Votre accord est retiré")
    nadia.goto(proposal)
    expect(nadia.get_by_role("button", name="Attester et publier")).to_have_count(0)
    expect(nadia.locator(".consent-withdrawn")).to_have_count(1)
    _answer(marc, proposal, "Je donne mon accord", "Votre accord est enregistré")

    nadia.goto(proposal)
    for label in ("aucune donnée personnelle", "aucune information confidentielle", "aucun tiers"):
        nadia.get_by_label(re.compile(label)).check()
    nadia.get_by_role("button", name="Attester et publier").click()
    expect(nadia.locator(".flash-success")).to_contain_text("publié dans les communs")
    public = nadia.url
    assert public != url

    # Anyone reads the public copy: the chosen credits and licence, nothing of the history.
    reader.goto(public)
    expect(reader.locator("article.rex > header > h1")).to_have_text(title)
    credits = reader.locator("ul.credits")
    for name in ("Julien Morel", "Marc Lefèvre", "Nadia Benali"):
        expect(credits).to_contain_text(name)
    expect(reader.locator("a[rel=license]").first).to_contain_text("CC BY-SA")
    expect(reader.get_by_role("heading", name="Publié par consentement")).to_be_visible()
    assert SECRET not in reader.content()
    reader.goto(public + "/historique")
    expect(reader.get_by_text("Publication par consentement").first).to_be_visible()
    assert SECRET not in reader.content() and "Marc :" not in reader.content()
    reader.goto(public)
    reader.get_by_role("link", name="Registre de publication").click()
    expect(reader.get_by_text("3 accords")).to_be_visible()
    # The group's REX stays private.
    assert reader.goto(url).status == 404


def test_one_no_blocks_publication(
    new_page: Callable[[], Page], login: Callable[..., None]
) -> None:
    julien, marc, nadia = new_page(), new_page(), new_page()
    for page, email in ((julien, JULIEN), (marc, MARC), (nadia, FACILITATOR)):
        login(page, email)
    url = _write_group_rex(julien, "Conseil citoyen : un bilan mitigé")
    _edit(marc, url, "## Contexte\n\nUne démarche menée en 2025.\n\nMarc : à ne pas publier.")
    proposal = _propose(julien, url, "etalab-2.0", "Règle de Chatham House (sans noms)")
    _answer(julien, proposal, "Je donne mon accord", "Votre accord est enregistré")
    _answer(marc, proposal, "Je refuse", "Votre refus est enregistré")
    nadia.goto(proposal)
    expect(nadia.get_by_text("bloquée par un refus")).to_be_visible()
    expect(nadia.locator(".consent-no")).to_contain_text("A refusé")
    expect(nadia.get_by_role("button", name="Attester et publier")).to_have_count(0)
    nadia.goto("/rex/?espace=public")
    expect(nadia.get_by_text("Conseil citoyen : un bilan mitigé")).to_have_count(0)
