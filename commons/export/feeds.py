"""Atom feeds of the public commons: ``/communs/flux.atom`` and one per theme (routes in
:mod:`.views.feeds`).

Entries are the most recently updated public REX; each carries its uuid (``urn:uuid:``), its
credits (:func:`commons.wiki.attribution.credits`), its licence, its summary and its stored HTML.
Built with ElementTree (escaping by construction), served with ETag and Last-Modified.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import request
from werkzeug.wrappers import Response

from ..dates import machine
from ..licensing import registry
from ..wiki import attribution
from ..wiki.models import Rex
from ..wiki.vocab import themes as theme_vocab
from . import public

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ENTRIES = 50
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
#: Characters XML 1.0 cannot carry (C0 controls but tab/newline/CR, surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _entry(feed: ET.Element, rex: Rex, themes: dict[str, str]) -> None:
    url = public.rex_url(rex)
    licence = registry.get(rex.licence_id)
    entry = _el(feed, "entry")
    _el(entry, "id", f"urn:uuid:{rex.uuid}")
    _el(entry, "title", rex.title, type="text")
    _el(entry, "updated", machine(rex.updated_at))
    _el(entry, "published", machine(rex.created_at))
    credits = attribution.credits(rex)
    for credit in credits or [attribution.Credit(f"Contributeur·rices de {public.site_name()}")]:
        _el(_el(entry, "author"), "name", credit.name)
    _el(entry, "rights", f"{licence.name} ({licence.url})", type="text")
    _el(entry, "link", rel="alternate", type="text/html", href=url)
    _el(entry, "link", rel="license", type="text/html", href=licence.url)
    for code in rex.themes:
        _el(
            entry,
            "category",
            term=code,
            label=themes.get(code, code),
            scheme=public.absolute("communs.index") + "?theme=",
        )
    _el(entry, "summary", rex.summary or rex.title, type="text")
    content = _el(entry, "content", rex.html, type="html")
    content.set(f"{{{XML_NS}}}base", public.base_url() + "/")


def build(theme: str = "") -> tuple[bytes, datetime]:
    """The feed document (UTF-8 bytes) and its last update."""
    themes = theme_vocab()
    rows = public.latest(ENTRIES, theme=theme)
    updated = max((r.updated_at for r in rows), default=NEVER)
    site = public.site_name()
    if theme:
        self_url = public.absolute("feeds.theme_feed", theme=theme)
        page_url = public.absolute("communs.index", theme=theme)
        title = f"Communs de {site} – {themes[theme]}"
    else:
        self_url = public.absolute("feeds.feed")
        page_url = public.absolute("communs.index")
        title = f"Communs de {site}"
    feed = ET.Element("feed", {"xmlns": ATOM, f"{{{XML_NS}}}lang": "fr"})
    _el(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, self_url).urn)
    _el(feed, "title", title, type="text")
    _el(
        feed,
        "subtitle",
        "Retours d'expérience des collectivités publiés sous licence ouverte.",
        type="text",
    )
    _el(feed, "updated", machine(updated))
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=page_url)
    _el(_el(feed, "author"), "name", site)
    _el(feed, "generator", "Commons")
    _el(feed, "rights", "Chaque entrée est publiée sous la licence ouverte qu'elle indique.")
    attribution.prefetch(list(rows))
    for rex in rows:
        _entry(feed, rex, themes)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True), updated


def response(theme: str = "") -> Response:
    """The feed as an HTTP answer: Atom in UTF-8, readable from any site, cached five minutes,
    with ETag and Last-Modified (conditional GET → 304)."""
    body, updated = build(theme)
    answer = Response(body, mimetype="application/atom+xml")  # Werkzeug adds charset=utf-8
    answer.headers["Access-Control-Allow-Origin"] = "*"
    answer.cache_control.public = True
    answer.cache_control.max_age = 300
    if updated != NEVER:
        answer.last_modified = updated
    answer.add_etag()
    return answer.make_conditional(request)
