"""Forum journeys in a real browser: a private group discussion with a mention, the
notification centre and the e-mail; the group agenda with support votes."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

MEMBER = "agent@demo.commons.fr"  # Julien Morel, member of participation-citoyenne
DGS = "dgs@demo.commons.fr"  # Marc Lefèvre, member too
OUTSIDER = "agente.donnees@demo.commons.fr"


def test_group_discussion_mention_notification_and_email(
    new_page: Callable[[], Page], login: Callable[..., None], mailbox
) -> None:  # type: ignore[no-untyped-def]
    julien, marc, outsider = new_page(), new_page(), new_page()
    login(julien, MEMBER)
    julien.goto("/groupes/participation-citoyenne/espace")
    julien.get_by_role("link", name="Nouvelle discussion").click()
    julien.locator("#title").fill("Un échec à partager, sans filtre")
    julien.locator("#body").fill(
        "Notre appli de signalement n'a pas pris. @marc-lefevre, tu avais vu ?"
    )
    before = mailbox.count()
    julien.get_by_role("button", name="Publier la discussion").click()
    expect(julien.get_by_role("heading", level=1)).to_have_text("Un échec à partager, sans filtre")
    thread_url = julien.url

    mail = mailbox.newest(DGS, after=before)
    assert (
        "Un échec à partager"
        in str(mail["Subject"]) + mail.get_body(preferencelist=("plain",)).get_content()
    )

    login(marc, DGS)
    expect(marc.get_by_role("link", name="Notifications")).to_contain_text(
        re.compile(r"\d+ non lue")
    )
    marc.get_by_role("link", name="Notifications").click()
    marc.get_by_role("link", name="Un échec à partager, sans filtre").first.click()
    marc.locator("#body").fill("Oui : on l'avait lancée sans les agents de terrain.")
    marc.get_by_role("button", name="Publier la réponse").click()
    expect(marc.locator("main")).to_contain_text("sans les agents de terrain")

    login(outsider, OUTSIDER)
    response = outsider.goto(thread_url)
    assert response is not None and response.status == 404
    outsider.goto("/forum/")
    expect(outsider.locator("main")).not_to_contain_text("Un échec à partager")
    outsider.goto("/notifications/")
    expect(outsider.locator("main")).not_to_contain_text("Un échec à partager")


def test_agenda_propose_and_support(page: Page, login: Callable[..., None]) -> None:
    login(page, MEMBER)
    page.goto("/groupes/participation-citoyenne/sujets")
    page.locator("#sujet-titre").fill("Évaluer un budget participatif après trois ans")
    page.get_by_role("button", name="Proposer", exact=True).click()
    topic = page.locator("li", has_text="Évaluer un budget participatif après trois ans").first
    expect(topic).to_be_visible()
    topic.get_by_role("button", name="Soutenir").click()
    topic = page.locator("li", has_text="Évaluer un budget participatif après trois ans").first
    expect(topic.get_by_role("button", name="Retirer mon soutien")).to_be_visible()


def test_daily_digest_lands_in_the_mailbox(
    new_page: Callable[[], Page], login: Callable[..., None], mailbox, server
) -> None:  # type: ignore[no-untyped-def]
    julien, nadia = new_page(), new_page()
    login(julien, MEMBER)
    julien.goto("/notifications/preferences")
    julien.get_by_label("Un résumé par jour au plus").check()
    julien.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(julien.locator(".flash-success")).to_be_visible()

    login(nadia, "animatrice@demo.commons.fr")
    nadia.goto("/forum/sujet/2")
    nadia.locator("#body").fill(
        "@julien-morel, pouvez-vous préparer la séance sur la restitution ?"
    )
    nadia.get_by_role("button", name="Publier la réponse").click()
    expect(nadia.locator("main")).to_contain_text("préparer la séance")

    before = mailbox.count()
    done = server.cli("notify", "digests")
    assert done.returncode == 0, done.stderr
    assert "résumé(s) envoyé(s)" in done.stdout
    digest = mailbox.newest(MEMBER, after=before)
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert (
        "Concertation sur le projet de territoire" in text
        and "/notifications/desabonnement/" in text
    )
    assert all(m["To"] != OUTSIDER for m in mailbox.messages()[before:])
    # Back to immediate mail: the server is shared by the whole browser suite.
    julien.goto("/notifications/preferences")
    julien.get_by_label("À chaque notification").check()
    julien.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(julien.locator(".flash-success")).to_be_visible()
