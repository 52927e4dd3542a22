"""Moderation journey in a real browser: a member reports a post, the facilitator hides it
with a reason, the author reads the statement of reasons (notification centre and e-mail),
other members see "masqué par l'animation", and the decision is in the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

AUTHOR = "agent@demo.commons.fr"  # Julien Morel, member of participation-citoyenne
REPORTER = "dgs@demo.commons.fr"  # Marc Lefèvre, member too
FACILITATOR = "animatrice@demo.commons.fr"  # Nadia Benali
GROUP_THREAD = "/forum/sujet/2"  # demo: the group's "restitution" discussion


def test_report_hide_statement_and_audit(new_page: Callable[[], Page], login, mailbox) -> None:  # type: ignore[no-untyped-def]
    julien, marc, nadia = new_page(), new_page(), new_page()
    words = f"Le maire de X est un incapable {uuid.uuid4().hex[:8]}"
    reason = "Attaque personnelle contre un élu : contraire à la charte du groupe."

    login(julien, AUTHOR)
    julien.goto(GROUP_THREAD)
    julien.locator("#body").fill(words)
    julien.get_by_role("button", name="Publier la réponse").click()
    expect(julien.locator("main")).to_contain_text(words)
    number = int(re.search(r"#m(\d+)$", julien.url).group(1))  # type: ignore[union-attr]

    login(marc, REPORTER)
    marc.goto(f"{GROUP_THREAD}/message/{number}")
    marc.get_by_role("link", name=f"Signaler le message {number}").click()
    expect(marc.get_by_role("heading", level=1)).to_have_text("Signaler un contenu")
    marc.get_by_label("Propos inappropriés").check()
    marc.get_by_label(re.compile("Précisions")).fill("Propos injurieux envers un élu.")
    marc.get_by_role("button", name="Envoyer le signalement").click()
    expect(marc.get_by_role("status").first).to_contain_text("signalement est transmis")

    login(nadia, FACILITATOR)
    nadia.goto("/groupes/participation-citoyenne/animation")
    expect(nadia.locator("main")).to_contain_text("Propos inappropriés (Marc Lefèvre)")
    nadia.get_by_role("link", name=re.compile(f"Message {number} de")).click()
    expect(nadia.locator("main")).to_contain_text("Propos injurieux envers un élu.")
    before = mailbox.count()
    nadia.get_by_label("Motif du masquage").fill(reason)
    nadia.get_by_role("button", name="Masquer", exact=True).click()
    expect(nadia.get_by_role("status").first).to_contain_text("Le contenu est masqué")

    # The author: e-mail and notification centre, then the statement of reasons.
    mail = mailbox.newest(AUTHOR, after=before)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Contenu masqué" in body and reason in body and "Contester" in body
    julien.goto("/notifications/")
    expect(julien.locator("main")).to_contain_text("Décision de l'animation (contenu masqué)")
    julien.get_by_role("link", name=re.compile(f"Message {number} de")).click()
    expect(julien.get_by_role("heading", level=1)).to_contain_text("Contenu masqué")
    expect(julien.locator("main")).to_contain_text(reason)
    expect(julien.get_by_role("button", name="Envoyer ma contestation")).to_be_visible()

    # Other members see the placeholder; the facilitator still reads the words.
    marc.goto(f"{GROUP_THREAD}/message/{number}")
    expect(marc.locator(f"#m{number}")).to_contain_text("Message masqué par l'animation")
    expect(marc.locator("main")).not_to_contain_text(words)
    nadia.goto(f"{GROUP_THREAD}/message/{number}")
    expect(nadia.locator(f"#m{number}")).to_contain_text(words)

    # The audit log has both the report and the decision, with the reason.
    nadia.goto("/animation/journal?action=moderation.hide")
    expect(nadia.locator("main")).to_contain_text(reason)
    nadia.goto("/animation/journal?action=moderation.report")
    expect(nadia.locator("main")).to_contain_text("Propos inappropriés")
