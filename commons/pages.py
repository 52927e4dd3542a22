"""Site pages: home, Markdown pages from ``content/pages``, ``/healthz`` and error pages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, abort, current_app, jsonify, render_template
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from . import db, lifecycle
from .markup import render_markdown
from .pagecache import for_visitors

bp = Blueprint("pages", __name__)
PAGES_DIR = Path(__file__).resolve().parents[1] / "content" / "pages"
#: libyaml's safe loader when present (the archive importer reads thousands of front matters).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    html: Markup


class FrontMatterError(yaml.YAMLError):
    """Front matter refused before loading (a French reason, without the file name)."""


def _refuse_aliases(source: str) -> None:
    """Anchors and aliases let a few kilobytes expand to gigabytes (a "billion laughs"): front
    matter never needs them, so they are refused before anything is built."""
    for event in yaml.parse(source, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise FrontMatterError(
                "les ancres et alias YAML (« &nom », « *nom ») ne sont pas acceptés "
                f"(ligne {event.start_mark.line + 2})"
            )


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split ``---`` YAML front matter from a Markdown document; :class:`FrontMatterError`
    (a :class:`yaml.YAMLError`) for anchors or aliases."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            _refuse_aliases(text[4:end])
            meta = yaml.load(text[4:end], Loader=_LOADER) or {}
            body = text[end + 4 :].lstrip("\n")
            if isinstance(meta, dict):
                return meta, body
    return {}, text


@cache
def load_page(slug: str) -> Page | None:
    """A content page rendered once per process; ``None`` if there is none."""
    if not slug.replace("-", "").isalnum():
        return None
    path = PAGES_DIR / f"{slug}.md"
    if not path.is_file():
        return None
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    return Page(
        slug=slug,
        title=str(meta.get("title", slug)),
        summary=str(meta.get("summary", "")),
        html=render_markdown(body),
    )


@bp.route("/")
@for_visitors
def home() -> str:
    from flask_login import current_user

    from . import home as alive
    from .groups.queries import groups_of, listed_groups

    return render_template(
        "home.html",
        groups=listed_groups(limit=6),
        my_groups=groups_of(current_user),
        home=alive.for_reader(current_user),
    )


@bp.route("/<any(charte, aide, 'mentions-legales', accessibilite):slug>")
@for_visitors
def page(slug: str) -> str:
    content = load_page(slug)
    if content is None:
        abort(404)
    if slug == "accessibilite":
        return _accessibility_statement(content)
    return render_template("page.html", page=content)


def _accessibility_statement(content: Page) -> str:
    """The statement: status, rate and failures from the audit grid, contacts from settings."""
    from . import a11y

    body, _, recourse = str(content.html).partition('<h2 id="voies-de-recours">')
    failures = a11y.read_grid() if a11y.GRID.is_file() else []
    return render_template(
        "accessibility.html",
        page=Page(content.slug, content.title, content.summary, Markup(body)),
        recourse=Markup('<h2 id="voies-de-recours">' + recourse) if recourse else "",
        failures=[row for row in failures if row["statut"].strip() == "NC"],
        audit_date=a11y.AUDIT_DATE,
    )


@bp.route("/plan-du-site")
@for_visitors
def site_map() -> str:
    """« Plan du site » (RGAA 12.1): the main pages, grouped, from the navigation outward."""
    return render_template("site_map.html")


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        db.ping()
    except Exception as exc:  # noqa: BLE001 - report any database failure as unhealthy
        return jsonify(status="error", database=type(exc).__name__), 503
    payload: dict[str, object] = {"status": "ok", "database": "ok"}
    for name, probe in current_app.extensions.get("commons.health", {}).items():
        try:  # a part's own report (search queue…) never makes the instance unhealthy
            payload[name] = probe()
        except Exception as exc:  # noqa: BLE001
            payload[name] = {"error": type(exc).__name__}
    return jsonify(payload)


def _error_page(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    return render_template(f"errors/{code}.html", description=description), code


def _handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    code = exc.code or 500
    if code not in (400, 403, 404, 405, 413, 416, 429):
        return exc
    french = getattr(exc, "french", None)
    body, status = _error_page(code, french)
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers  # Content-Range of a 416, Allow of a 405, Retry-After…


def _handle_csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    return _error_page(
        400,
        "Le formulaire a expiré ou son jeton de sécurité manque. Rechargez la page et "
        "renvoyez-le : rien n'a été enregistré.",
    )


def _handle_500(exc: Exception):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    return _error_page(500)


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
    from flask import current_app, request, url_for

    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    urls: dict[Any, str] = current_app.extensions.setdefault("commons.fixed_urls", {})
    if key not in urls:
        urls[key] = url_for(endpoint, **values)
    return urls[key]


def main_nav() -> list[tuple[str, str]]:
    """Main navigation entries (endpoint, label); features append theirs at start-up."""
    from flask import current_app

    return current_app.extensions["commons.nav"]


def add_nav(app: Flask, endpoint: str, label: str) -> None:
    """Add an entry to the main navigation."""
    app.extensions.setdefault("commons.nav", []).append((endpoint, label))


def init_app(app: Flask) -> None:
    """Register the pages, the error handlers and the navigation."""
    app.register_blueprint(bp)
    # « Accueil » first, whatever the order in which the features registered their entries.
    app.extensions.setdefault("commons.nav", []).insert(0, ("pages.home", "Accueil"))
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(500, _handle_500)
    app.jinja_env.globals["main_nav"] = main_nav
    app.jinja_env.globals["page_window"] = page_window
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
