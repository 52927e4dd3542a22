"""The REX editor in a real browser (issue 18): the title first, collectivités and themes picked
with the keyboard through the searchable picker, the live preview beside the text (tabs on a
phone), a refused preview that keeps the text, the template's guidance never saved; and the same
REX written with JavaScript off (the plain lists and the « Prévisualiser » button)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

MEMBER = "agent@demo.commons.fr"  # Julien Morel, Ville de Sceaux
GUIDANCE = (
    "Quelle collectivité, quel territoire",
    "Ce que vous cherchiez à obtenir",
    "Documents, liens, personnes ressources",
)


def _visible_controls(page: Page) -> list[str]:
    """Ids of the visible fields of the editor's form, in document order."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main form :is(input, textarea, select)')]
        .filter((el) => el.type !== 'hidden' && el.offsetParent !== null && el.id)
        .map((el) => el.id)"""
    )


def test_write_a_rex_with_the_keyboard_pickers_and_the_live_preview(
    page: Page, login: Callable[..., None]
) -> None:
    login(page, MEMBER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/rex/nouveau")
    controls = _visible_controls(page)
    assert controls[:2] == ["title", "body"], controls
    assert (
        controls.index("summary")
        < controls.index("collectivites-filtre")
        < controls.index("themes-filtre")
        < controls.index("space")
    )
    expect(page.locator("#collectivites")).to_be_hidden()  # the picker stands in for it
    expect(page.locator("#collectivites-aide")).not_to_contain_text("Ctrl")
    body = page.locator("#body").input_value()
    assert "## Contexte" in body and not any(g in body for g in GUIDANCE)
    expect(page.locator(".guidance")).to_contain_text("Ce que vous cherchiez à obtenir")

    page.locator("#title").focus()
    page.keyboard.type("Composteurs de quartier à Sceaux")
    page.keyboard.press("Tab")  # the guidance's summary, then the text
    expect(page.locator(".guidance summary")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#body")).to_be_focused()
    written = body.replace(
        "## Contexte\n", "## Contexte\n\n**Une commune de 20 000 habitants** et ses jardins.\n", 1
    )
    page.locator("#body").fill(written)
    preview = page.locator("#editeur-apercu")
    expect(preview).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Une commune de 20 000 habitants")
    expect(page.locator("#apercu-etat")).to_have_text("Aperçu à jour.")
    assert page.locator("#apercu-etat").get_attribute("role") == "status"
    assert preview.get_attribute("aria-live") is None  # only the status line is announced
    assert page.locator("#apercu-contenu").get_attribute("aria-live") is None
    box_of = page.locator("#body").bounding_box(), preview.bounding_box()
    assert box_of[0] and box_of[1] and box_of[1]["x"] > box_of[0]["x"] + 200  # side by side

    # Collectivités: the writer's own is chosen already; add two with the keyboard, remove one.
    chosen = page.locator("#collectivites").locator("xpath=following-sibling::div[1]")
    expect(chosen.get_by_role("button", name="Retirer Ville de Sceaux")).to_be_visible()
    page.locator("#summary").fill("Des composteurs partagés dans chaque quartier.")
    page.locator("#summary").press("Tab")
    expect(page.get_by_role("button", name="Retirer Ville de Sceaux")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#collectivites-filtre")).to_be_focused()
    page.keyboard.type("gueret")  # accents aside
    expect(page.locator("#collectivites-compte")).to_have_text("1 proposition.")
    page.keyboard.press("Enter")  # checks the first proposal, never submits the form
    expect(page.get_by_role("button", name=re.compile("Retirer .*Grand Guéret"))).to_be_visible()
    expect(page.locator("#collectivites-annonce")).to_contain_text("fait partie de la sélection")
    expect(page.locator("#collectivites-filtre")).to_have_value("")
    page.keyboard.type("dunkerque")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("checkbox", name="Communauté urbaine de Dunkerque")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Communauté urbaine de Dunkerque")).to_be_checked()
    page.get_by_role("button", name="Retirer Ville de Sceaux").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Retirer Ville de Sceaux")).to_have_count(0)
    expect(page.locator("#collectivites-annonce")).to_have_text(
        re.compile(r"^Ville de Sceaux.* ne fait plus partie de la sélection \(2 en tout\)\.$")
    )
    selected = page.locator("#collectivites option:checked")
    expect(selected).to_have_count(2)

    page.locator("#themes-filtre").focus()
    page.keyboard.type("alimen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Retirer Alimentation")).to_be_visible()
    assert page.url.endswith("/rex/nouveau")  # Enter in a picker submitted nothing

    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("article.rex > header > h1")).to_have_text(
        "Composteurs de quartier à Sceaux"
    )
    main = page.locator("main")
    expect(main).to_contain_text("Grand Guéret")
    expect(main).to_contain_text("Dunkerque")
    expect(main).to_contain_text(re.compile("alimentation", re.I))
    expect(page.locator(".prose strong").first).to_have_text("Une commune de 20 000 habitants")
    for words in GUIDANCE:
        expect(main).not_to_contain_text(words)
    page.goto(page.url + "/modifier")
    saved = page.locator("#body").input_value()
    assert saved.startswith("## Contexte\n\n**Une commune") and "## Objectifs" not in saved
    assert not any(g in saved for g in GUIDANCE)


def test_a_phone_has_write_and_preview_tabs(page: Page, login: Callable[..., None]) -> None:
    login(page, MEMBER)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/rex/nouveau")
    tabs = page.get_by_role("tablist", name="Texte et aperçu")
    expect(tabs).to_be_visible()
    page.locator("#body").fill("## Contexte\n\nUn *essai* sur téléphone.\n")
    expect(page.locator("#editeur-apercu")).to_be_hidden()
    page.get_by_role("tab", name="Aperçu").click()
    expect(page.locator("#body")).to_be_hidden()
    expect(page.locator("#apercu-contenu em")).to_have_text("essai")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Écrire")).to_be_focused()
    expect(page.get_by_role("tab", name="Écrire")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#body")).to_have_value("## Contexte\n\nUn *essai* sur téléphone.\n")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width


def test_a_refused_live_preview_says_why_and_keeps_the_text(
    page: Page, login: Callable[..., None]
) -> None:
    login(page, MEMBER)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/rex/nouveau")
    big = "mot " * 60_000  # 240 KB: over the limit of saving and of previews
    page.locator("#body").evaluate(
        "(el, value) => { el.value = value; el.dispatchEvent(new Event('input')); }", big
    )
    expect(page.locator("#apercu-etat")).to_contain_text("dépasse la taille maximale")
    assert page.locator("#body").input_value() == big
    # A throttled preview (answered here by the browser, not to spend the demo's quota).
    page.route(
        "**/rex/apercu",
        lambda route: route.fulfill(
            status=429,
            json={"html": None, "message": "Vous avez demandé beaucoup d'aperçus en peu de temps."},
        ),
    )
    page.locator("#body").fill("## Contexte\n\nCourt.\n")
    expect(page.locator("#apercu-etat")).to_contain_text("beaucoup d'aperçus")
    expect(page.locator("#body")).to_have_value("## Contexte\n\nCourt.\n")


@pytest.fixture
def no_script(browser: Browser, server: Any) -> Iterator[Page]:
    """A page in a browser context with JavaScript turned off."""
    context: BrowserContext = browser.new_context(
        base_url=server.base_url, locale="fr-FR", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_the_lists_and_the_preview_button_work(
    no_script: Page, login: Callable[..., None]
) -> None:
    page = no_script
    login(page, MEMBER)
    page.goto("/rex/nouveau")
    expect(page.locator("#collectivites")).to_be_visible()
    expect(page.locator("#collectivites-aide")).to_contain_text("Ctrl")
    expect(page.locator("#collectivites-filtre")).to_have_count(0)
    expect(page.get_by_role("tab")).to_have_count(0)
    assert _visible_controls(page)[:2] == ["title", "body"]
    page.locator("#title").fill("Sans script : cantine bio à Sceaux")
    body = page.locator("#body").input_value()
    page.locator("#body").fill(body.replace("## Démarche\n", "## Démarche\n\n_Un marché_.\n", 1))
    wanted = [
        page.locator("#collectivites option", has_text=name).first.get_attribute("value") or ""
        for name in ("Ville de Sceaux", "Département de la Gironde")
    ]
    page.locator("#collectivites").select_option(wanted)
    page.locator("#themes").select_option(label=["Alimentation"])
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.locator("#apercu-contenu em")).to_have_text("Un marché")
    expect(page.locator("#collectivites option:checked")).to_have_count(2)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("article.rex > header > h1")).to_have_text(
        "Sans script : cantine bio à Sceaux"
    )
    main = page.locator("main")
    expect(main).to_contain_text("Département de la Gironde")
    expect(main).to_contain_text("Ville de Sceaux")
    expect(page.locator(".prose h2")).to_have_text(["Démarche"])  # empty sections left out
