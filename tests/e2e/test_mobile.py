"""Issue 18 at phone width: the header's menus fold behind a « Menu » button that says whether
it is open, opens with a click or the keyboard, closes with Escape; the header shows the logo
and the name and stays short on a phone, each menu on one row at 1280 and 1024 px; the long
filter form of /communs/ folds on a phone (not without JavaScript, not when a filter is active)
and shows the active filters as removable chips; no page scrolls sideways (every page type is
also measured at 320 px in test_accessibility.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

MEMBER = "agent@demo.commons.fr"


def test_menu_button_on_a_phone(page: Page, login: Callable[..., None]) -> None:
    login(page, MEMBER)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/rex/")
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    main_nav = page.get_by_role("navigation", name="Navigation principale")
    expect(main_nav).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(main_nav).to_be_visible()
    main_nav.get_by_role("link", name="Forum").focus()
    page.keyboard.press("Escape")
    expect(main_nav).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(main_nav).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_wide_screens_show_the_menus_without_a_button(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()


ADMIN = "admin@demo.commons.fr"  # the longest header: every account entry


def _rows(page: Page, selector: str) -> int:
    """On how many rows the visible items of ``selector`` are laid out."""
    return int(
        page.evaluate(
            """(sel) => new Set([...document.querySelectorAll(sel)]
                .filter((el) => el.offsetParent !== null)
                .map((el) => Math.round(el.getBoundingClientRect().top))).size""",
            selector,
        )
    )


def test_header_identity_and_height_on_a_phone(page: Page, login: Callable[..., None]) -> None:
    login(page, ADMIN)
    for width in (375, 320):
        page.set_viewport_size({"width": width, "height": 740})
        page.goto("/")
        brand = page.get_by_role("link", name=re.compile("^Commons"))
        expect(brand).to_be_visible()
        logo = brand.locator("img.brand-logo")
        expect(logo).to_be_visible()
        assert logo.get_attribute("alt") == ""  # the name beside it says it
        expect(page.get_by_role("button", name="Menu")).to_be_visible()
        height = page.locator(".site-header").bounding_box()["height"]  # type: ignore[index]
        assert height < 80, f"en-tête de {height} px à {width} px (menu fermé)"
        # The brand and the button share one row.
        button_box = page.get_by_role("button", name="Menu").bounding_box()
        brand_box = brand.bounding_box()
        assert button_box and brand_box and abs(button_box["y"] - brand_box["y"]) < 20


@pytest.mark.parametrize("width", [1280, 1024])
def test_desktop_menus_each_on_one_row(page: Page, login: Callable[..., None], width: int) -> None:
    login(page, ADMIN)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    expect(page.locator(".brand-logo")).to_be_visible()
    expect(page.locator(".brand .tagline")).to_be_visible()
    assert _rows(page, ".main-nav li") == 1, f"menu principal sur plusieurs lignes à {width} px"
    assert _rows(page, ".account-nav li") == 1, f"menu du compte sur plusieurs lignes à {width} px"
    height = page.locator(".site-header").bounding_box()["height"]  # type: ignore[index]
    assert height < 120
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_communs_filters_fold_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/communs/")
    panel = page.locator("details.filter-panel")
    expect(panel).not_to_have_attribute("open", "")
    theme = page.get_by_label("Thème")
    expect(theme).to_be_hidden()
    first = page.locator(".rex-list h2").first.bounding_box()
    assert first and first["y"] < 740, "le premier commun n'est pas sur le premier écran"
    page.get_by_text("Filtrer et trier").click()
    expect(theme).to_be_visible()
    theme.select_option("participation-citoyenne")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    # A filter is active: the panel stays open and the filter shows as a removable chip.
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator("summary")).to_contain_text("1 filtre actif")
    chip = page.get_by_role("link", name="Retirer le filtre Thème : Participation citoyenne")
    expect(chip).to_be_visible()
    chip.click()
    expect(page).to_have_url(re.compile(r"/communs/$"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_communs_filters_show_on_wide_screens_and_without_javascript(
    page: Page, browser: Browser, server: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/communs/")
    expect(page.get_by_label("Thème")).to_be_visible()
    context = browser.new_context(
        base_url=server.base_url, java_script_enabled=False, viewport={"width": 375, "height": 740}
    )
    try:
        bare = context.new_page()
        bare.goto("/communs/?q=budget&tri=titre")
        expect(bare.get_by_label("Région")).to_be_visible()
        expect(bare.get_by_role("link", name="Retirer le filtre Mots : budget")).to_be_visible()
        bare.goto("/communs/")
        expect(bare.get_by_label("Région")).to_be_visible()  # no script: every filter shows
        expect(bare.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    finally:
        context.close()
