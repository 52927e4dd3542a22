"""``/sitemap.xml`` (public pages only) and ``/robots.txt`` (points to it, keeps crawlers out of
accounts, private spaces and write pages).

The sitemap lists the home page, ``/communs/``, the REX directory, licences, content pages, the
listed groups' public cards and every public REX with its last update. Past ``CHUNK`` URLs (the
protocol allows 50,000 per file) ``/sitemap.xml`` becomes an index of numbered sitemaps.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Blueprint, Flask, abort, request
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import db
from ..groups.models import Group
from ..licensing import registry
from ..wiki.models import Rex
from . import public

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
CHUNK = 40_000
CONTENT_PAGES = ("charte", "aide", "mentions-legales", "accessibilite")
#: Paths crawlers have no business in: accounts, private spaces, write and moderation pages.
DISALLOWED = (
    "/connexion",
    "/inscription",
    "/mot-de-passe-oublie",
    "/compte/",
    "/agents/",
    "/notifications/",
    "/recherche",
    "/forum/",
    "/groupes/*/espace",
    "/groupes/*/sujets",
    "/groupes/nouveau",
    "/rex/nouveau",
    "/rex/*/modifier",
    "/rex/*/historique",
    "/rex/*/licence",
    "/rex/*/deplacer",
    "/collectivites/a-valider",
    "/moderation/",
    "/admin/",
)

bp = Blueprint("seo", __name__)


def _static_urls() -> list[tuple[str, datetime | None]]:
    urls = [
        public.absolute("pages.home"),
        public.absolute("communs.index"),
        public.absolute("wiki.index"),
        public.absolute("groups.index"),
        public.absolute("collectivites.index"),
        public.absolute("licensing.index"),
    ]
    urls += [public.absolute("licensing.show", licence_id=i) for i in registry.licences()]
    urls += [public.absolute("pages.page", slug=slug) for slug in CONTENT_PAGES]
    groups = db.session.scalars(select(Group.slug).where(Group.listed.is_(True)).order_by(Group.id))
    urls += [public.absolute("groups.show", slug=slug) for slug in groups]
    return [(url, None) for url in urls]


def _rex_urls(offset: int, limit: int) -> list[tuple[str, datetime | None]]:
    rows = db.session.execute(
        select(Rex.slug, Rex.updated_at)
        .where(public.public_clause())
        .order_by(Rex.id)
        .offset(offset)
        .limit(limit)
    )
    return [(public.absolute("wiki.show", slug=slug), updated) for slug, updated in rows]


def _xml(root: ET.Element) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/xml")
    response.charset = "utf-8"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.add_etag()
    return response.make_conditional(request)


def _urlset(entries: Iterable[tuple[str, datetime | None]]) -> Response:
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    for url, updated in entries:
        item = ET.SubElement(root, "url")
        ET.SubElement(item, "loc").text = url
        if updated is not None:
            stamp = updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ET.SubElement(item, "lastmod").text = stamp
    return _xml(root)


def _public_count() -> int:
    return int(db.session.scalar(select(func.count(Rex.id)).where(public.public_clause())) or 0)


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    total = _public_count()
    static = _static_urls()
    if len(static) + total <= CHUNK:
        return _urlset(static + _rex_urls(0, total))
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP})
    for number in range(math.ceil(total / CHUNK) + 1):
        item = ET.SubElement(root, "sitemap")
        loc = public.absolute("seo.sitemap_part", number=number)
        ET.SubElement(item, "loc").text = loc
    return _xml(root)


@bp.route("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """Part 0: the site's pages; part n: the n-th block of public REX (index mode only)."""
    total = _public_count()
    if number == 0:
        return _urlset(_static_urls())
    if number > math.ceil(total / CHUNK):
        abort(404)
    return _urlset(_rex_urls((number - 1) * CHUNK, CHUNK))


@bp.route("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /"]
    lines += ["", f"Sitemap: {public.absolute('seo.sitemap')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.charset = "utf-8"
    return response


def init_app(app: Flask) -> None:
    """Register the sitemap and robots.txt."""
    app.register_blueprint(bp)
