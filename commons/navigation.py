"""Navigation shared by every page: the main menu (rooms add their entries at start-up),
fixed links built once, and the page numbers of a pager."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for


def page_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link around ``page``: the first, the last, ``radius`` on each side of the
    current one, and ``None`` for each gap (shown as an ellipsis). Bounded whatever ``pages``."""
    shown = sorted({1, pages, *range(max(1, page - radius), min(pages, page + radius) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - (window[-1] or 0) > 1:
            window.append(None if number - (window[-1] or 0) > 2 else number - 1)
        window.append(number)
    return window


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for`` for links that are the same on every page of a deployment (navigation,
    footer, style sheet): built once per script root and remembered; the layout has twenty."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    urls: dict[Any, str] = current_app.extensions.setdefault("commons.fixed_urls", {})
    if key not in urls:
        urls[key] = url_for(endpoint, **values)
    return urls[key]


def filter_chips(
    endpoint: str, args: dict[str, Any], shown: list[tuple[str, str, Any]]
) -> list[tuple[str, str, str]]:
    """The active filters of a list, as removable chips: for each ``(argument, label, value
    shown)`` whose value is set, ``(label, value shown, URL of the list without that filter)``;
    the URL keeps the other filters and the sort and goes back to the first page."""
    chips = []
    for arg, label, value in shown:
        if value:
            rest = {
                k: v for k, v in args.items() if k not in (arg, "page") and v not in ("", None, 0)
            }
            chips.append((label, str(value), url_for(endpoint, **rest)))
    return chips


def main_nav() -> list[tuple[str, str]]:
    """Main navigation entries (endpoint, label); features append theirs at start-up."""
    return current_app.extensions["commons.nav"]


def add_nav(app: Flask, endpoint: str, label: str) -> None:
    """Add an entry to the main navigation."""
    app.extensions.setdefault("commons.nav", []).append((endpoint, label))


def init_app(app: Flask) -> None:
    """The menu (« Accueil » first, whatever order the rooms add theirs) and Jinja globals."""
    app.extensions.setdefault("commons.nav", []).insert(0, ("pages.home", "Accueil"))
    app.jinja_env.globals["main_nav"] = main_nav
    app.jinja_env.globals["page_window"] = page_window
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["filter_chips"] = filter_chips
