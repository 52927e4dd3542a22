"""Issue 18 in a real browser: two colleagues edit the same paragraph of a REX at once. The
second sees the conflict page — the diff, who saved meanwhile and when — chooses passage by
passage, checks the composed text and saves; the first is told that their change was replaced.
The conflict page and its composed state pass axe and reflow at 320 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

JULIEN = "agent@demo.commons.fr"  # Julien Morel
MARC = "dgs@demo.commons.fr"  # Marc Lefèvre
BODY = "Paragraphe A.\n\nParagraphe B.\n\nParagraphe C."


def _no_serious_axe_violation(page: Page, state: str) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v.get("impact") in {"serious", "critical"}]
    assert not blocking, f"{state} : {blocking}"


def _reflows_at_320(page: Page, state: str) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{state} : {width} px à 320 px"
    if size:
        page.set_viewport_size(size)


def test_conflict_resolved_passage_by_passage_and_the_colleague_told(
    new_page: Callable[[], Page], login: Callable[..., None], mailbox: Any
) -> None:
    julien, marc = new_page(), new_page()
    login(julien, JULIEN)
    julien.goto("/rex/nouveau")
    julien.locator("#title").fill("Jardins partagés : la saison deux")
    julien.locator("#body").fill(BODY)
    julien.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(julien.get_by_role("heading", level=1)).to_contain_text("Jardins partagés")
    edit_url = julien.url.rstrip("/") + "/modifier"

    # Marc opens the editor; meanwhile Julien rewrites paragraph A and saves.
    login(marc, MARC)
    marc.goto(edit_url)
    julien.goto(edit_url)
    julien.locator("#body").fill(BODY.replace("Paragraphe A.", "Paragraphe A, revu par Julien."))
    julien.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(julien.get_by_role("heading", level=1)).to_contain_text("Jardins partagés")

    # Marc rewrites the same paragraph (and another one) and saves: the conflict page.
    marc.locator("#body").fill(
        BODY.replace("Paragraphe A.", "Paragraphe A, revu par Marc.").replace(
            "Paragraphe C.", "Paragraphe C, complété par Marc."
        )
    )
    marc.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(marc.get_by_role("heading", name="Conflit de modification")).to_be_visible()
    who = marc.get_by_role("region", name=re.compile("Enregistrée? pendant que vous écriviez"))
    expect(who).to_contain_text("version 2, par Julien Morel, le")
    expect(who.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    diff = marc.locator(".conflict-diff").first
    expect(diff.locator("del").first).to_contain_text("supprimé : ")
    expect(diff.locator("ins").first).to_contain_text("ajouté : ")
    passage = marc.get_by_role("group", name=re.compile("Passage 1 sur 1"))
    expect(passage).to_contain_text("Paragraphe A, revu par Julien.")
    expect(passage).to_contain_text("Paragraphe A, revu par Marc.")
    expect(marc.locator("#body")).to_have_value(re.compile("revu par Marc"))  # nothing lost
    _no_serious_axe_violation(marc, "page de conflit")
    _reflows_at_320(marc, "page de conflit")

    # Without a choice: a clear message, nothing lost.
    marc.get_by_role("button", name="Composer le texte avec ces choix").click()
    expect(marc.get_by_role("alert")).to_contain_text("Choisissez une version pour le passage n° 1")
    expect(marc.locator("#body")).to_have_value(re.compile("revu par Marc"))

    # « Ma version » for the passage: the text is composed in the editor, not saved yet.
    marc.get_by_role("group", name=re.compile("Passage 1 sur 1")).get_by_label(
        re.compile("^Ma version")
    ).check()
    marc.get_by_role("button", name="Composer le texte avec ces choix").click()
    expect(marc.get_by_role("heading", name=re.compile("Texte composé"))).to_be_visible()
    body = marc.locator("#body")
    expect(body).to_have_value(re.compile("revu par Marc"))
    expect(body).to_have_value(re.compile("complété par Marc"))
    expect(body).not_to_have_value(re.compile("revu par Julien"))
    _no_serious_axe_violation(marc, "texte composé")
    _reflows_at_320(marc, "texte composé")
    before = mailbox.count()
    marc.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(marc.get_by_role("heading", level=1)).to_contain_text("Jardins partagés")
    expect(marc.locator("main")).to_contain_text("Paragraphe A, revu par Marc.")

    # Julien is told, in the app and by e-mail, with a link to the differences.
    mail = mailbox.newest(JULIEN, after=before)
    subjects = [str(m["Subject"]) for m in mailbox.messages() if m["To"] == JULIEN]
    assert any("Marc Lefèvre a remplacé votre modification" in s for s in subjects), subjects
    assert mail is not None
    julien.goto("/notifications/")
    notice = julien.get_by_role("link", name=re.compile("Jardins partagés : la saison deux")).first
    expect(julien.locator("main")).to_contain_text("Marc Lefèvre a remplacé votre modification")
    expect(notice).to_be_visible()
    julien.locator("main a[href*='/diff?de=2&a=3']").first.click()
    expect(julien.get_by_role("heading", level=1)).to_contain_text(
        "Différences entre les versions 2 et 3"
    )
