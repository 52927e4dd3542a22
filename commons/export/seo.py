"""What ``/sitemap.xml`` and ``/robots.txt`` say (routes in :mod:`.views.seo`).

The sitemap lists the home page, ``/communs/``, the REX directory, licences, content pages, the
listed groups' public cards and every public REX with its last update. Past ``CHUNK`` URLs (the
protocol allows 50,000 per file) ``/sitemap.xml`` becomes an index of numbered sitemaps.
Robots are pointed to it and kept out of accounts, private spaces and write pages.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime

from flask import request
from werkzeug.wrappers import Response

from ..dates import machine
from ..licensing import registry
from . import public, queries

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


def static_urls() -> list[tuple[str, datetime | None]]:
    """The site's public pages (part 0 of an index)."""
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
    urls += [public.absolute("groups.show", slug=s) for s in queries.listed_group_slugs()]
    return [(url, None) for url in urls]


def rex_urls(offset: int, limit: int) -> list[tuple[str, datetime | None]]:
    """One block of public REX pages with their last update."""
    rows = queries.public_rex_stamps(offset, limit)
    return [(public.absolute("wiki.show", slug=slug), updated) for slug, updated in rows]


def xml_response(root: ET.Element) -> Response:
    """An XML document in UTF-8, cached an hour, with an ETag."""
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/xml")  # Werkzeug adds charset=utf-8
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.add_etag()
    return response.make_conditional(request)


def urlset(entries: Iterable[tuple[str, datetime | None]]) -> Response:
    """A sitemap of ``entries`` (URL, last update or ``None``)."""
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    for url, updated in entries:
        item = ET.SubElement(root, "url")
        ET.SubElement(item, "loc").text = url
        if updated is not None:
            ET.SubElement(item, "lastmod").text = machine(updated)
    return xml_response(root)


def sitemap() -> Response:
    """The whole sitemap, or an index of its parts past :data:`CHUNK` URLs."""
    total = queries.public_count()
    static = static_urls()
    if len(static) + total <= CHUNK:
        return urlset(static + rex_urls(0, total))
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP})
    for number in range(math.ceil(total / CHUNK) + 1):
        item = ET.SubElement(root, "sitemap")
        ET.SubElement(item, "loc").text = public.absolute("seo.sitemap_part", number=number)
    return xml_response(root)


def sitemap_part(number: int) -> Response | None:
    """Part 0: the site's pages; part n: the n-th block of public REX; ``None`` past the end."""
    if number == 0:
        return urlset(static_urls())
    if number > math.ceil(queries.public_count() / CHUNK):
        return None
    return urlset(rex_urls((number - 1) * CHUNK, CHUNK))


def robots() -> str:
    """The text of ``/robots.txt``."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /"]
    lines += ["", f"Sitemap: {public.absolute('seo.sitemap')}", ""]
    return "\n".join(lines)
