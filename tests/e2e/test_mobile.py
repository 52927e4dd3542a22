"""Issue 18 at phone width: the header's menus fold behind a « Menu » button that says whether
it is open, opens with a click or the keyboard, closes with Escape; no page scrolls sideways
(every page type is also measured at 320 px in test_accessibility.py)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

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
