"""The public commons pages: ``/communs/`` (public REX with filters, readable without login),
citation downloads, and what a public REX page adds to its head and aside (JSON-LD, feed link,
« Comment citer ») through template globals, so the wiki never imports this package."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..collectivites import vocab as coll_vocab
from ..licensing import registry
from ..navigation import add_nav
from ..pagecache import for_visitors
from ..wiki.models import STATUS_LABELS, Rex
from ..wiki.vocab import themes as theme_vocab
from . import public
from .citation import Citation, script_json

bp = Blueprint("communs", __name__, url_prefix="/communs", template_folder="templates")
ARCHIVE_PATH = "/communs/export.zip"


@bp.route("/")
@for_visitors
def index() -> str:
    filters = public.Filters.parse(request.args)
    page = public.listing(filters)
    return render_template(
        "export/index.html",
        page=page,
        filters=filters,
        themes=theme_vocab(),
        kinds=coll_vocab.kinds(),
        regions=coll_vocab.regions(),
        statuses=STATUS_LABELS,
        licences=registry.licences(),
        has_archive=any(r.rule == ARCHIVE_PATH for r in current_app.url_map.iter_rules()),
    )


def load_public(slug: str) -> Rex:
    """A public REX by its current slug, else 404 (same answer for private and missing)."""
    rex, old = public.lookup(slug)
    if rex is None or old:
        abort(404)
    return rex


@bp.route("/rex/<slug>/citation.bib")
def bibtex(slug: str) -> Response:
    citation = Citation.of(load_public(slug))
    return _download(citation.bibtex(), "application/x-bibtex", f"{slug}.bib")


@bp.route("/rex/<slug>/citation.json")
def csl_json(slug: str) -> Response:
    citation = Citation.of(load_public(slug))
    text = json.dumps(citation.csl(), ensure_ascii=False, indent=2) + "\n"
    return _download(text, "application/vnd.citationstyles.csl+json", f"{slug}.json")


def _download(text: str, mimetype: str, filename: str) -> Response:
    response = Response(text, mimetype=mimetype)
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def public_rex_head(rex: Rex) -> Markup:
    """For a public REX page's ``<head>``: its schema.org JSON-LD and the feed link; nothing
    for any other REX (JSON-LD must never describe network or group content)."""
    if not public.is_public(rex):
        return Markup("")
    return Markup(render_template("export/_rex_head.html", data=_citation(rex).jsonld()))


def public_rex_citation(rex: Rex) -> Markup:
    """The « Comment citer » block of a public REX page (empty for any other REX)."""
    if not public.is_public(rex):
        return Markup("")
    return Markup(render_template("export/_citation.html", citation=_citation(rex)))


def _citation(rex: Rex) -> Citation:
    """The REX's citation, computed once per request (the head and the aside both use it)."""
    cache: dict[int, Citation] = g.setdefault("commons_citations", {})
    if rex.id not in cache:
        cache[rex.id] = Citation.of(rex)
    return cache[rex.id]


def init_app(app: Flask) -> None:
    """Register ``/communs/``, its navigation entry and the REX page template globals."""
    app.register_blueprint(bp)
    add_nav(app, "communs.index", "Communs")
    app.jinja_env.globals["public_rex_head"] = public_rex_head
    app.jinja_env.globals["public_rex_citation"] = public_rex_citation
    app.jinja_env.filters["script_json"] = script_json
