"""bleach, the sanitiser of record: a strict allowlist of tags, attributes and URL schemes,
``rel="nofollow noopener"`` on links that leave the site, and ``class`` limited to the values
the renderer itself produces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import bleach
from bleach import html5lib_shim
from bleach.html5lib_shim import Filter  # type: ignore[attr-defined]  # not in the stubs

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
    "img": ["src", "alt", "title", "width", "height", "loading"],
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
#: ``class`` values the renderer itself produces; others could borrow the site's own styles
#: (fake flash messages, hidden text).
_CLASS = re.compile(
    r"wikilink|wikilink-missing|toc|footnote|footnote-ref|footnote-backref|language-[\w+#.-]{1,40}"
)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return name != "class" or all(_CLASS.fullmatch(word) for word in value.split())


def leaves_site(href: str) -> bool:
    """Whether a browser would take ``href`` off site (entities, blanks and ``\\`` as it does)."""
    url = unescape(href).strip("".join(map(chr, range(33))))
    url = re.sub(r"[\t\n\r]", "", url).replace("\\", "/").lower()
    return url.startswith(("http:", "https:", "//"))


class _ExternalLinks(Filter):
    """Add ``rel="nofollow noopener"`` on links that leave the site, drop any other ``rel``."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = token["data"]
                if leaves_site(attrs.get((None, "href"), "")):
                    attrs[(None, "rel")] = "nofollow noopener"
                else:
                    attrs.pop((None, "rel"), None)
            yield token


class _Walker(html5lib_shim.getTreeWalker("etree")):  # type: ignore[misc]
    """html5lib's etree walker finds an element's position by scanning its siblings each time
    it climbs back up (quadratic on long tables and lists): index each parent's children once."""

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}

    def getParentNode(self, node: Any) -> Any:  # noqa: N802
        if not isinstance(node, tuple) or node[3] == "text" or len(node[2]) < 2:
            return super().getParentNode(node)
        parents = node[2]
        parent, grandparent = parents.pop(), parents[-1]
        positions = self._positions.get(id(grandparent))
        if positions is None:
            positions = {id(child): i for i, child in enumerate(grandparent)}
            self._positions[id(grandparent)] = positions
        return parent, positions[id(parent)], parents, None


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_ExternalLinks],
)
_cleaner.walker = _Walker  # type: ignore[assignment]  # the stubs type it as an instance


def sanitize(html: str) -> str:
    """``html`` (Python-Markdown's output) through bleach with the allowlist above."""
    return _cleaner.clean(html)
