"""Drop a file on the new-REX form's drop zone (real Chromium): the dropped file fills the plain
file input, its name is listed, and saving attaches it to the REX."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.files_support import make_pdf

MEMBER = "agent@demo.commons.fr"

DROP = """(zone, bytes) => {
  const transfer = new DataTransfer();
  const file = new File([new Uint8Array(bytes)], "plan-de-gestion.pdf", {type: "application/pdf"});
  transfer.items.add(file);
  const options = {bubbles: true, cancelable: true, dataTransfer: transfer};
  zone.dispatchEvent(new DragEvent("drop", options));
}"""


def test_drop_a_pdf_on_the_new_rex_form(page: Page, login: Callable[..., None]) -> None:
    login(page, MEMBER)
    page.goto("/rex/nouveau")
    page.locator("#title").fill("Plan de gestion différenciée")
    page.locator("#summary").fill("Résumé écrit dans le navigateur.")
    page.locator("#space").select_option("network")
    zone = page.locator(".dropzone")
    expect(zone).to_contain_text("Ou déposez des fichiers ici.")
    expect(page.locator("#editeur-fichiers")).to_be_visible()  # the plain input stays usable
    zone.evaluate(DROP, list(make_pdf()))
    expect(page.locator(".dropzone-list")).to_have_text("Fichiers choisis : plan-de-gestion.pdf")
    assert page.locator("#editeur-fichiers").evaluate("el => el.files.length") == 1
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("article.rex > header > h1")).to_have_text("Plan de gestion différenciée")
    expect(page.get_by_role("link", name="plan-de-gestion.pdf").first).to_be_visible()
