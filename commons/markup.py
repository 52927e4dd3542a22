"""The only Markdown -> sanitised HTML function of Commons.

``render_markdown`` runs Python-Markdown (tables, fenced code, footnotes, table of contents, sane
lists, wikilinks ``[[Titre]]``) and then bleach with a strict allowlist: no SVG/MathML, only
``http``, ``https`` and ``mailto`` URLs (and relative ones), and ``rel="nofollow noopener"`` on
external links; ``class`` only takes the renderer's own values. The strict
Content-Security-Policy is the second wall should a bypass exist. HTML is rendered once, when
content is written, and stored.

Python-Markdown, ``html.parser`` and html5lib have super-linear paths (``[[[[…``, thousands of
nested tags, headings cut one by one from a long block...). A linear pre-scan estimates their
cost; a document over budget, or one nested past the recursion limit, is rendered as plain
escaped paragraphs: the text is kept, the layout is lost.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any
from xml.etree import ElementTree

import bleach
import markdown
from bleach import html5lib_shim
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
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

#: A resolver turns a wikilink label into (url, exists). ``None`` renders plain labels.
WikilinkResolver = Callable[[str], tuple[str, bool]]
#: A link resolver gets ``("a", href)`` or ``("img", src)`` for a URL with a site scheme
#: (``fichier:rapport.pdf``) and returns the attributes to set (``href``/``src``, ``width``…),
#: or ``None``: the unknown scheme is then dropped by the sanitiser.
LinkResolver = Callable[[str, str], dict[str, str] | None]


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return name != "class" or all(_CLASS.fullmatch(word) for word in value.split())


def _leaves_site(href: str) -> bool:
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
                if _leaves_site(attrs.get((None, "href"), "")):
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
_cleaner.walker = _Walker


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


def _markdown(
    resolver: WikilinkResolver | None, links: LinkResolver | None = None
) -> markdown.Markdown:
    return markdown.Markdown(
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


def _plain(text: str) -> str:
    """Escaped paragraphs: safe by construction, so no parser nor sanitiser is needed."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)


_BUDGET_NS = 4_000_000_000  # estimated render time (on a modest CPU) past which layout is dropped
_MAX_HTML = 1_000_000  # characters of HTML the sanitiser gets (about 2.5 s)
_BLANK = r"\n[ \t]*\n"
_NEST = re.compile(rf"\]\(|[\[\]()]|{_BLANK}")
_TAG_OPENS = re.compile(r"<[A-Za-z/!?]|(?P<end>>)")
_CUTS = re.compile(rf"^ {{0,3}}(?:#|[=-]+[ \t]*$|([*_])(?:[ \t]*\1){{2,}})|(?P<end>{_BLANK})", re.M)
_HEADINGS = re.compile(r"^ {0,3}(?:#|[=-]+[ \t]*$)", re.M)
_FENCES = re.compile(r"^ {0,3}(?:```|~~~)", re.M)
_TAGS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID = re.compile(r"area|base|br|col|embed|hr|img|input|link|meta|source|wbr", re.I)
_MARKERS = re.compile(r"^(?:[ \t]*(?:>|[*+-][ \t]|\d{1,9}[.)][ \t]))+", re.M)
_MARKER = re.compile(r">|[*+-][ \t]|\d{1,9}[.)][ \t]")
_NOTE_REFS = re.compile(r"\[\^([^\]\n]{0,100})\]")


def _spans(text: str, pattern: re.Pattern[str]) -> int:
    """Sum, over the opening matches, of the distance to the next closing match (group "end")."""
    cost = count = total = 0
    for m in pattern.finditer(text):
        if m.group("end") is not None:
            cost, count, total = cost + count * m.start() - total, 0, 0
        else:
            count, total = count + 1, total + m.start()
    return cost + count * len(text) - total


def _link_scans(text: str) -> tuple[int, int]:
    """Characters Python-Markdown reads from each ``[`` to its ``]`` (its issue #798) and from
    each ``](`` to its ``)``, within a block."""
    brackets = parens = 0
    opened: list[int] = []
    groups: list[int | None] = []  # "(" positions, kept only for a link's "]("
    for m in _NEST.finditer(text + "\n\n"):
        token, at = m.group(), m.start()
        if token == "[":
            opened.append(at)
        elif token[0] == "]":
            brackets += at - opened.pop() if opened else 0
            if token == "](":
                groups.append(at)
        elif token == "(":
            groups.append(None)
        elif token == ")":
            start = groups.pop() if groups else None
            parens += 0 if start is None else at - start
        else:  # a blank line ends the block: unclosed scans stop here
            brackets += sum(at - start for start in opened)
            parens += sum(at - start for start in groups if start is not None)
            opened, groups = [], []
    return brackets, parens


def _estimated_ns(text: str) -> int:
    """Linear estimate of the render time, weighting the parsers' known super-linear paths."""
    brackets, parens = _link_scans(text)
    depth = nesting = 0  # html5lib walks the open elements at each start tag
    for m in _TAGS.finditer(text):
        if m.group(1):
            depth = max(depth - 1, 0)
        elif not _VOID.fullmatch(m.group(2)):
            depth += 1
            nesting += depth
    markers = sum(min(len(_MARKER.findall(m.group())), 300) ** 2 for m in _MARKERS.finditer(text))
    # Each inline match rebuilds its block's text; each fence rebuilds the document.
    inline = sum(sum(map(b.count, "\\`*_[!<&")) * len(b) for b in re.split(_BLANK, text))
    headings, tocs = len(_HEADINGS.findall(text)), text.count("[TOC]")
    notes = Counter(_NOTE_REFS.findall(text))
    return (
        6_000 * len(text)
        + 800 * brackets
        + 80 * parens
        + 2 * _spans(text, _TAG_OPENS)  # html.parser scans from each "<tag" to the next ">"
        + 40 * _spans(text, _CUTS)  # a heading or rule cut from a block re-reads the rest
        + 60 * nesting
        + 1_500 * markers
        + inline // 2
        + 2 * len(text) * len(_FENCES.findall(text))
        + 30 * headings**2  # the table of contents lists every heading as siblings
        + 500 * tocs * (tocs + headings)
        + 40 * len(notes) ** 2
        + 450 * sum(n * n for n in notes.values())  # footnote numbering
        + sum(map(text.count, "<>&")) ** 2 // 4  # html5lib appends each "&lt;" to a string
    )


def clean_text(text: str) -> str:
    """Normalise user text: no NUL or other C0 control characters, Unix line ends, and no lone
    surrogates (from bytes decoded with ``surrogateescape``: they could not be stored)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def render_markdown(
    text: str,
    resolve_wikilink: WikilinkResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> Markup:
    """Render user Markdown to sanitised HTML (store the result; do not call per request).
    ``resolve_link`` maps site-scheme URLs (attachments' ``fichier:``), see :data:`LinkResolver`."""
    text = clean_text(text)
    if _estimated_ns(text) > _BUDGET_NS:
        return Markup(_plain(text))
    try:
        html = _markdown(resolve_wikilink, resolve_link).convert(text)
        if len(html) <= _MAX_HTML:  # else many footnotes, table cells or wikilinks blew it up
            return Markup(_cleaner.clean(html))
    except RecursionError:  # nesting past the recursion limit (thousands of '>' or list levels)
        pass
    return Markup(_plain(text))
