"""The public commons pages: ``/communs/`` (public REX with filters, readable without login),
citation downloads, and what a public REX page adds to its head and aside (JSON-LD, feed link,
« Comment citer ») through template globals, so the wiki never imports this package."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from ...collectivites import vocab as coll_vocab
from ...licensing import registry
from ...navigation import add_nav
from ...pagecache import for_visitors
from ...wiki.models import STATUS_LABELS, Rex
from ...wiki.vocab import themes as theme_vocab
from .. import citation, public
from ..citation import Citation, script_json

bp = Blueprint("communs", __name__, url_prefix="/communs", template_folder="../templates")


@bp.route("/")
@for_visitors
def index() -> str:
    filters = public.Filters.parse(request.args)
    page = public.listing(filters)
    return render_template("export/index.html", page=page, filters=filters, **_vocabularies())


def _vocabularies() -> dict[str, Any]:
    """The labels of the filters of ``/communs/``, and whether the archive is offered."""
    return {
        "themes": theme_vocab(),
        "kinds": coll_vocab.kinds(),
        "regions": coll_vocab.regions(),
        "statuses": STATUS_LABELS,
        "licences": registry.licences(),
        "has_archive": "export_archive.export_zip" in current_app.view_functions,
    }


def load_public(slug: str) -> Rex:
    """A public REX by its current slug, else 404 (same answer for private and missing)."""
    rex, old = public.lookup(slug)
    if rex is None or old:
        abort(404)
    return rex


@bp.route("/rex/<slug>/citation.bib")
def bibtex(slug: str) -> Response:
    return citation.bibtex_download(load_public(slug))


@bp.route("/rex/<slug>/citation.json")
def csl_json(slug: str) -> Response:
    return citation.csl_download(load_public(slug))


def public_rex_head(rex: Rex, sources: list[Rex] | None = None) -> Markup:
    """For a public REX page's ``<head>``: its schema.org JSON-LD and the feed link; nothing
    for any other REX (JSON-LD must never describe network or group content). ``sources``:
    the « dérivé de » REX the page loaded for its reader (only the public ones are cited)."""
    if not public.is_public(rex):
        return Markup("")
    data = _citation(rex, sources).jsonld()
    return Markup(render_template("export/_rex_head.html", data=data))


def public_rex_citation(rex: Rex, sources: list[Rex] | None = None) -> Markup:
    """The « Comment citer » block of a public REX page (empty for any other REX)."""
    if not public.is_public(rex):
        return Markup("")
    return Markup(render_template("export/_citation.html", citation=_citation(rex, sources)))


def _citation(rex: Rex, sources: list[Rex] | None) -> Citation:
    """The REX's citation, computed once per request (the head and the aside both use it)."""
    cache: dict[int, Citation] = g.setdefault("commons_citations", {})
    if rex.id not in cache:
        cache[rex.id] = Citation.of(rex, sources)
    return cache[rex.id]


def init_app(app: Flask) -> None:
    """Register ``/communs/``, its navigation entry and the REX page template globals."""
    app.register_blueprint(bp)
    add_nav(app, "communs.index", "Communs")
    app.jinja_env.globals["public_rex_head"] = public_rex_head
    app.jinja_env.globals["public_rex_citation"] = public_rex_citation
    app.jinja_env.filters["script_json"] = script_json
