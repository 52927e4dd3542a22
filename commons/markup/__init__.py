"""The only Markdown -> sanitised HTML function of Commons.

``render_markdown`` runs Python-Markdown (:mod:`.extensions`: tables, fenced code, footnotes,
table of contents, sane lists, wikilinks ``[[Titre]]``) and then bleach (:mod:`.sanitize`) with
a strict allowlist: no SVG/MathML, only ``http``, ``https`` and ``mailto`` URLs (and relative
ones), and ``rel="nofollow noopener"`` on external links; ``class`` only takes the renderer's
own values. The strict Content-Security-Policy is the second wall should a bypass exist. HTML
is rendered once, when content is written, and stored.

Rendering is bounded by structure, not by time (:mod:`.limits`): a document past a limit is
refused where people write (:func:`layout_refusal`, the REX editor and its preview) and, when it
comes from elsewhere (imports), rendered as plain escaped paragraphs: the text is kept, the
layout is lost, and no parser sees it.
"""

from __future__ import annotations

from markupsafe import Markup

from .extensions import LinkResolver, WikilinkResolver, to_html
from .limits import LIMITS, MAX_RENDER_BYTES, MAX_SOURCE_BYTES, measure, problem
from .sanitize import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS, sanitize
from .text import clean_text, plain

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "LIMITS",
    "MAX_RENDER_BYTES",
    "MAX_SOURCE_BYTES",
    "LinkResolver",
    "WikilinkResolver",
    "clean_text",
    "layout_reason",
    "layout_refusal",
    "measure",
    "render_markdown",
    "render_unbounded",
    "structure_problem",
]


def layout_reason(text: str) -> str | None:
    """The first structural limit ``text`` passes, as a French clause (« une ligne dépasse
    10 000 caractères »), or ``None``: counted in linear time, no parser runs."""
    return problem(clean_text(text))


def structure_problem(text: str) -> str | None:
    """Why ``text`` is rendered without its layout (a French sentence), or ``None``. Counting
    structure bounds the parsers' work: within every limit, rendering and sanitising 200 KiB
    takes well under a second (``tests/benchmarks/bench_markup.py``)."""
    reason = layout_reason(text)
    if reason is None:
        return None
    return f"Mise en page ignorée : {reason}. Le texte est affiché sans mise en forme."


def layout_refusal(text: str) -> str | None:
    """Why ``text`` cannot be saved as written (a French sentence), or ``None``: the same
    limits as :func:`structure_problem`, worded for an editor that refuses (and shows the text
    again) or an import that names the file."""
    reason = layout_reason(text)
    if reason is None:
        return None
    return (
        f"La mise en page du texte dépasse une limite : {reason}. Allégez-la ou découpez le "
        "texte : rien n'a été enregistré."
    )


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
    if problem(text) is not None:
        return Markup(plain(text))
    return render_unbounded(text, resolve_wikilink, resolve_link)


def render_unbounded(
    text: str,
    resolve_wikilink: WikilinkResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> Markup:
    """The pipeline without the structural limits: benchmarks only."""
    text = clean_text(text)
    try:
        return Markup(sanitize(to_html(text, resolve_wikilink, resolve_link)))
    except RecursionError:  # nesting past the recursion limit
        return Markup(plain(text))
