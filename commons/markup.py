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


#: The size limit of what people write (REX, previews); checked by the callers.
MAX_SOURCE_BYTES = 200 * 1024
#: The largest source rendered with its layout (imported files may be a little larger).
MAX_RENDER_BYTES = 256 * 1024
#: Structural limits, counted before any parser runs (see :func:`structure_problem`).
LIMITS = {
    "line": 10_000,  # characters in one line
    "block": 20_000,  # characters in one block (between blank lines)
    "nesting": 16,  # levels of lists and quotes on a line, and of open HTML tags
    "list_items": 5_000,  # list items and quoted lines
    "tags": 2_000,  # HTML tags and comments
    "markup": 2_000,  # characters that start inline markup (* _ ` [ ] ( ) \\ !) in a block
    "angles": 500,  # "<", ">" and "&" in a block (html5lib rebuilds a text run at each)
    "links": 4_000,  # links, images, wikilinks and link references
    "brackets": 200,  # "[" or "](" left open in a block (each is scanned to the block's end)
    "footnotes": 2_000,  # footnote references and definitions
    "footnote_uses": 20,  # references to one same footnote (numbering is quadratic in them)
    "table_cells": 6_000,  # cells of all tables ("|a|b|" is two)
    "headings": 1_000,  # headings (each enters the table of contents)
    "tocs": 1,  # [TOC] markers
    "fences": 2_000,  # code fences (each rebuilds the document)
}
_MESSAGES = {
    "size": "le texte dépasse {limit} octets",
    "line": "une ligne dépasse {limit} caractères",
    "block": "un paragraphe dépasse {limit} caractères",
    "nesting": "l'imbrication (listes, citations ou balises) dépasse {limit} niveaux",
    "list_items": "le texte contient plus de {limit} éléments de liste ou lignes citées",
    "tags": "le texte contient plus de {limit} balises HTML",
    "markup": "un paragraphe contient plus de {limit} caractères de mise en forme",
    "angles": "un paragraphe contient plus de {limit} caractères <, > ou &",
    "links": "le texte contient plus de {limit} liens",
    "brackets": "un paragraphe laisse plus de {limit} crochets ouverts",
    "footnotes": "le texte contient plus de {limit} appels ou définitions de notes",
    "footnote_uses": "une même note est appelée plus de {limit} fois",
    "table_cells": "les tableaux comptent plus de {limit} cellules",
    "headings": "le texte contient plus de {limit} titres",
    "tocs": "le texte contient plus de {limit} sommaire [TOC]",
    "fences": "le texte contient plus de {limit} blocs de code",
}
_BLANK = re.compile(r"\n[ \t]*\n")
_QUOTES_AND_LISTS = re.compile(r"^(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])))+", re.M)
_LEVEL = re.compile(r">|[*+-]|\d{1,9}[.)]")
_TAGS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>|<([A-Za-z][A-Za-z0-9-]*)|<!--")
_VOID = re.compile(r"area|base|br|col|embed|hr|img|input|link|meta|source|wbr", re.I)
_LINKS = re.compile(r"\]\(|\]\[|\[\[|<https?:|^ {0,3}\[[^\]\n]{1,200}\]:", re.M)
_FOOTNOTES = re.compile(r"\[\^")
_NOTE_CALLS = re.compile(r"\[\^([^\]\n]{0,100})\](?!:)")
_HEADINGS_RE = re.compile(r"^ {0,3}(?:#|[=-]+[ \t]*$)", re.M)
_FENCES = re.compile(r"^ {0,3}(?:```|~~~)", re.M)
_MARKUP = re.compile(r"[*_`\[\]()\\!]")
_ANGLES = re.compile(r"[<>&]")
_OPENERS = re.compile(r"\]\(|[\[\])]")
_ITEMS = re.compile(r"^[ \t]*(?:>|[*+-][ \t]|\d{1,9}[.)][ \t])", re.M)


def _levels(line_start: str) -> int:
    """Nesting levels given by indentation and markers at the start of a line."""
    indent = len(line_start) - len(line_start.lstrip(" \t"))
    return len(_LEVEL.findall(line_start)) + line_start[:indent].expandtabs(4).count("    ")


def _tag_depth(text: str) -> tuple[int, int]:
    """(tags, deepest nesting of open non-void HTML tags)."""
    depth = deepest = tags = 0
    for m in _TAGS.finditer(text):
        tags += 1
        closing, name, self_closing, bare = m.groups()
        name = name or bare
        if name is None or _VOID.fullmatch(name) or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return tags, deepest


def _open_brackets(block: str) -> int:
    """ "[" and "](" never closed in a block (Python-Markdown rescans from each to its end)."""
    brackets = groups = 0
    for m in _OPENERS.finditer(block):
        token = m.group()
        if token == "[":
            brackets += 1
        elif token == "](":
            brackets, groups = max(brackets - 1, 0), groups + 1
        elif token == "]":
            brackets = max(brackets - 1, 0)
        elif token == ")":
            groups = max(groups - 1, 0)
    return brackets + groups


def measure(text: str) -> dict[str, int]:
    """The structure of ``text``, counted in linear time, keyed like :data:`LIMITS`."""
    blocks = _BLANK.split(text)
    tags, tag_depth = _tag_depth(text)
    list_depth = max((_levels(m.group()) for m in _QUOTES_AND_LISTS.finditer(text)), default=0)
    return {
        "size": len(text.encode("utf-8", "replace")),
        "line": max((len(line) for line in text.split("\n")), default=0),
        "block": max((len(b) for b in blocks), default=0),
        "nesting": max(list_depth, tag_depth),
        "list_items": len(_ITEMS.findall(text)),
        "tags": tags,
        "markup": max((len(_MARKUP.findall(b)) for b in blocks), default=0),
        "angles": max((len(_ANGLES.findall(b)) for b in blocks), default=0),
        "links": len(_LINKS.findall(text)),
        "brackets": max((_open_brackets(b) for b in blocks), default=0),
        "footnotes": len(_FOOTNOTES.findall(text)),
        "footnote_uses": max(Counter(_NOTE_CALLS.findall(text)).values(), default=0),
        "table_cells": sum(max(line.count("|") - 1, 1) for line in text.split("\n") if "|" in line),
        "headings": len(_HEADINGS_RE.findall(text)),
        "tocs": text.count("[TOC]"),
        "fences": len(_FENCES.findall(text)),
    }


def structure_problem(text: str) -> str | None:
    """Why ``text`` is rendered without its layout (a French sentence), or ``None``. Counting
    structure bounds the parsers' work: within every limit, rendering and sanitising 200 KiB
    takes well under a second (``tests/benchmarks/bench_markup.py``)."""
    counted = measure(clean_text(text))
    limits = {"size": MAX_RENDER_BYTES, **LIMITS}
    for name, limit in limits.items():
        if counted[name] > limit:
            reason = _MESSAGES[name].format(limit=f"{limit:,}".replace(",", "\u202f"))
            return f"Mise en page ignorée : {reason}. Le texte est affiché sans mise en forme."
    return None


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
    ``resolve_link`` maps site-scheme URLs (attachments' ``fichier:``), see :data:`LinkResolver`.
    A text past a structural limit (:func:`structure_problem`) is rendered as escaped
    paragraphs: its words are kept, its layout is lost, and no parser sees it."""
    text = clean_text(text)
    if structure_problem(text) is not None:
        return Markup(_plain(text))
    return render_unbounded(text, resolve_wikilink, resolve_link)


def render_unbounded(
    text: str,
    resolve_wikilink: WikilinkResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> Markup:
    """The pipeline without the structural limits: benchmarks only."""
    text = clean_text(text)
    try:
        return Markup(_cleaner.clean(_markdown(resolve_wikilink, resolve_link).convert(text)))
    except RecursionError:  # nesting past the recursion limit
        return Markup(_plain(text))
