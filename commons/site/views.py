"""Site pages: home, Markdown pages from ``content/pages``, the site map and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template
from flask_login import current_user
from markupsafe import Markup

from .. import a11y, db
from ..groups.queries import groups_of, listed_groups
from ..pagecache import for_visitors
from . import queries
from .documents import Page, load_page

bp = Blueprint("pages", __name__)


@bp.route("/")
@for_visitors
def home() -> str:
    return render_template(
        "home.html",
        groups=listed_groups(limit=6),
        my_groups=groups_of(current_user),
        home=queries.for_reader(current_user),
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
