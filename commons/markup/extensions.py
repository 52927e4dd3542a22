"""Python-Markdown with the extensions Commons writes in: tables, fenced code, footnotes, table
of contents, sane lists, wikilinks ``[[Titre]]`` and site-scheme links (``fichier:…``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

#: A resolver turns a wikilink label into (url, exists). ``None`` renders plain labels.
WikilinkResolver = Callable[[str], tuple[str, bool]]
#: A link resolver gets ``("a", href)`` or ``("img", src)`` for a URL with a site scheme
#: (``fichier:rapport.pdf``) and returns the attributes to set (``href``/``src``, ``width``…),
#: or ``None``: the unknown scheme is then dropped by the sanitiser.
LinkResolver = Callable[[str, str], dict[str, str] | None]


class _WikilinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, resolver: WikilinkResolver | None) -> None:
        super().__init__(pattern)
        self.resolver = resolver

    # InlineProcessor takes (m, data); types-Markdown declares only Pattern's (m)
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:  # type: ignore[override]  # noqa: N802, E501
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
            # \x02 and \x03 delimit the placeholders of code, raw HTML and escapes: not in labels.
            _WikilinkProcessor(r"\[\[([^\[\]\n|\x02\x03]{1,200})\]\]", self.resolver),
            "commons-wiki",
            75,
        )


class _SiteLinks(Treeprocessor):
    """Hands links and images whose URL has a site scheme to a :data:`LinkResolver`."""

    def __init__(self, md: markdown.Markdown, resolver: LinkResolver) -> None:
        super().__init__(md)
        self.resolver = resolver

    def run(self, root: ElementTree.Element) -> None:
        for el in root.iter():
            attr = {"a": "href", "img": "src"}.get(el.tag)
            url = el.get(attr, "") if attr else ""
            if re.match(r"[a-z]+:", url) and not url.startswith(("http", "mailto:")):
                for name, value in (self.resolver(el.tag, url) or {}).items():
                    if name != "alt" or not el.get("alt"):  # the writer's own alt text wins
                        el.set(name, value)


class _LinkResolving(Extension):
    def __init__(self, resolver: LinkResolver) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.treeprocessors.register(_SiteLinks(md, self.resolver), "commons-links", 5)


def to_html(
    text: str, resolver: WikilinkResolver | None = None, links: LinkResolver | None = None
) -> str:
    """``text`` converted by a fresh Python-Markdown (unsanitised HTML: see :mod:`.sanitize`)."""
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "footnotes",
            "sane_lists",
            "toc",
            _Wikilinks(resolver),
            *([_LinkResolving(links)] if links else []),
        ],
        extension_configs={
            "tables": {"use_align_attribute": True},  # a style="text-align" would be stripped
            "toc": {"permalink": False, "toc_depth": "2-4"},
        },
        output_format="html",
    )
    return md.convert(text)
