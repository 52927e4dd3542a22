"""The only Markdown -> sanitised HTML function of Commons.

``render_markdown`` runs Python-Markdown (tables, fenced code, footnotes, table of contents, sane
lists, wikilinks ``[[Titre]]``) and then bleach with a strict allowlist: no SVG/MathML, only
``http``, ``https`` and ``mailto`` URLs (and relative ones), and ``rel="nofollow noopener"`` on
external links. The strict Content-Security-Policy is the second wall should a bypass exist.
HTML is rendered once, when content is written, and stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

import bleach
import markdown
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
        "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
_HEADINGS = {f"h{i}": ["id"] for i in range(1, 7)}
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title", "rel", "class", "id"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["align", "colspan", "rowspan"],
    "th": ["align", "colspan", "rowspan", "scope"],
    "div": ["class"],
    "li": ["id"],
    "sup": ["id"],
    "span": ["class"],
    "code": ["class"],
    "ol": ["start"],
    **_HEADINGS,
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

#: A resolver turns a wikilink label into (url, exists). ``None`` renders plain labels.
WikilinkResolver = Callable[[str], tuple[str, bool]]


class _ExternalLinks(Filter):
    """Add ``rel="nofollow noopener"`` (and drop targets) on links that leave the site."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = token["data"]
                href = attrs.get((None, "href"), "")
                if re.match(r"^(https?:)?//", href, re.IGNORECASE):
                    attrs[(None, "rel")] = "nofollow noopener"
                else:
                    attrs.pop((None, "rel"), None)
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_ExternalLinks],
)


class _WikilinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, resolver: WikilinkResolver | None) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:  # noqa: N802
        label = m.group(1).strip()
        if not label or self.resolver is None:
            return label, m.start(0), m.end(0)
        url, exists = self.resolver(label)
        el = ElementTree.Element("a", {"href": url})
        el.set("class", "wikilink" if exists else "wikilink wikilink-missing")
        if not exists:
            el.set("title", f"Créer « {label} »")
        el.text = label
        return el, m.start(0), m.end(0)


class _Wikilinks(Extension):
    def __init__(self, resolver: WikilinkResolver | None) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(
            _WikilinkProcessor(r"\[\[([^\[\]\n|]{1,200})\]\]", self.resolver), "commons-wiki", 75
        )


def _markdown(resolver: WikilinkResolver | None) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            "toc",
            _Wikilinks(resolver),
        ],
        extension_configs={"toc": {"permalink": False, "toc_depth": "2-4"}},
        output_format="html",
    )


def _plain(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def clean_text(text: str) -> str:
    """Normalise user text: no NUL or other C0 control characters, Unix line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def render_markdown(text: str, resolve_wikilink: WikilinkResolver | None = None) -> Markup:
    """Render user Markdown to sanitised HTML (store the result; do not call per request)."""
    text = clean_text(text)
    try:
        html = _markdown(resolve_wikilink).convert(text)
    except RecursionError:
        # Pathological nesting (thousands of '>' or list levels): keep the text, lose the layout.
        html = _plain(text)
    return Markup(_cleaner.clean(html))


def sanitise_html(html: str) -> Markup:
    """Run already-produced HTML through the same allowlist (imports, re-renders)."""
    return Markup(_cleaner.clean(html))
