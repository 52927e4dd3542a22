"""REX rendering: wikilinks resolved for the audience of the page, stored HTML, re-rendering
(of one REX, of every REX, and of the REX whose links point to one that changed)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from sqlalchemy import func, select

from .. import db
from ..markup import LinkResolver, render_markdown
from ..text import fold, slugify
from . import links, template
from .models import Revision, Rex, Space


def resolver_for(rex_space: str, group_id: int | None):  # type: ignore[no-untyped-def]
    """A wikilink resolver that only links to REX at least as visible as the page being written,
    and never to a REX hidden by the facilitators, so stored HTML never reveals a private title
    to the page's readers. Works outside requests (importer, CLI): links are plain
    site-relative paths."""

    def resolve(label: str) -> tuple[str, bool]:
        wanted_slug, wanted_title = slugify(label), fold(label).strip()
        allowed = [Space.PUBLIC.value]
        if rex_space != Space.PUBLIC.value:
            allowed.append(Space.NETWORK.value)
        if rex_space == Space.GROUP.value:
            allowed.append(Space.GROUP.value)
        rows = db.session.execute(
            select(Rex.slug, Rex.title, Rex.space, Rex.group_id).where(
                Rex.space.in_(allowed),
                Rex.hidden.is_(False),
                (Rex.slug == wanted_slug) | (func.lower(Rex.title) == label.lower()),
            )
        )
        for slug, title, space, gid in rows:
            if space == Space.GROUP.value and gid != group_id:
                continue
            if slug == wanted_slug or fold(title) == wanted_title:
                return f"/rex/{slug}", True
        return f"/rex/nouveau?titre={quote(label)}", False

    return resolve


#: Features that resolve site-scheme links of a REX (attachments' ``fichier:``), registered
#: by them so the wiki imports none of them.
LINK_RESOLVERS: list[Callable[[Rex], LinkResolver]] = []


def add_link_resolver(factory: Callable[[Rex], LinkResolver]) -> None:
    """Register a feature's resolver of ``scheme:`` links in REX text (once)."""
    if factory not in LINK_RESOLVERS:
        LINK_RESOLVERS.append(factory)


def _links(rex: Rex) -> LinkResolver | None:
    resolvers = [factory(rex) for factory in LINK_RESOLVERS]

    def resolve(tag: str, url: str) -> dict[str, str] | None:
        return next((found for r in resolvers if (found := r(tag, url))), None)

    return resolve if resolvers else None


def render(rex: Rex, source: str) -> str:
    """Render a REX source with the wikilinks its audience may follow (and the site-scheme
    links of registered features), and record the labels it links to in the link table."""
    resolve = resolver_for(rex.space, rex.group_id)
    labels: set[str] = set()

    def recording(label: str) -> tuple[str, bool]:
        labels.add(label)
        return resolve(label)

    html = str(render_markdown(source, resolve_wikilink=recording, resolve_link=_links(rex)))
    links.record(rex, labels)
    return html


def rerender(rex: Rex) -> int:
    """Re-render every revision of one REX (after a move or a new link target)."""
    count = 0
    for rev in db.session.scalars(select(Revision).where(Revision.rex_id == rex.id)):
        rev.html = render(rex, rev.source)
        count += 1
        if rev.number == rex.head:
            rex.html = rev.html
    db.session.flush()
    return count


def refresh_referrers(rex: Rex, before: set[str] | None = None) -> int:
    """Re-render the REX whose wikilinks may resolve to ``rex`` now or did before its change
    (``before``: :func:`.links.keys_of_rex` taken before a rename). Call after any change of
    title, audience or moderation state, and after a creation. Returns the number re-rendered."""
    keys = links.keys_of_rex(rex) | (before or set())
    pages = links.referrers(keys, exclude_id=rex.id)
    for page in pages:
        rerender(page)
    return len(pages)


def rerender_all() -> int:
    """Re-render every stored revision and REX page (after an allowlist change)."""
    return sum(rerender(rex) for rex in list(db.session.scalars(select(Rex))))


def template_body() -> str:
    """The text a new REX starts from: the headings of the template shipped in
    ``content/modeles/rex.md`` (its guidance is a hint beside the editor: :mod:`.template`)."""
    return template.body()
