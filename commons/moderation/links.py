"""What moderation shows on other rooms' pages, through Jinja globals and the group section
registry (no feature imports moderation): the « Signaler » and « Modérer » links, whether the
current person moderates an item, the header entry and the group's « Animation » section."""

from __future__ import annotations

from flask import g, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from ..forum.models import Post, Thread
from ..groups.models import Group
from ..wiki.models import Rex
from . import policy, queries, targets

REPORT_LINK = Markup(
    '<a class="moderation-report" href="{}">Signaler<span class="visually-hidden"> {}</span></a>'
)
MODERATION_LINK = Markup(
    '<a class="moderation-link" href="{}">Modérer<span class="visually-hidden"> {}</span></a>'
)

#: A target id no real URL contains: ``url_for`` runs once per kind and page, not per message.
SENTINEL = 987_654_321


def link_url(endpoint: str, kind: str, target_id: int) -> str:
    """``url_for(endpoint, kind=kind, target_id=target_id)``, built once per kind and request."""
    cache: dict[tuple[str, str], str] = g.setdefault("moderation_urls", {})
    if (endpoint, kind) not in cache:
        cache[(endpoint, kind)] = url_for(endpoint, kind=kind, target_id=SENTINEL)
    return cache[(endpoint, kind)].replace(str(SENTINEL), str(int(target_id)))


def report_link(kind: str, target_id: int, what: str = "") -> Markup:
    """The "Signaler" link for a post, thread or REX (signed-in users only). Formatted, not
    rendered: a discussion page shows one per message."""
    if not getattr(current_user, "is_authenticated", False):
        return Markup("")
    return REPORT_LINK.format(link_url("moderation.report", kind, target_id), what)


def moderation_link(kind: str, target_id: int, what: str = "") -> Markup:
    """The "Modérer" link; callers show it to moderators only (the page checks again)."""
    return MODERATION_LINK.format(link_url("moderation.content", kind, target_id), what)


def can_moderate(obj: Post | Thread | Rex) -> bool:
    """For templates: whether the current user moderates ``obj`` (reads it when hidden)."""
    return policy.can_moderate(current_user, targets.of(obj))


def group_section(group: Group) -> Markup:
    """The "Animation du groupe" section of a group's private space, for its facilitators."""
    if not policy.can_view_group_dashboard(current_user, group.id):
        return Markup("")
    return Markup(
        render_template(
            "moderation/_group_section.html",
            group=group,
            open_reports=queries.group_counts(frozenset({group.id}))[group.id][1],
        )
    )


def show_moderation_nav() -> bool:
    """For the header: whether the current user facilitates anything."""
    return bool(getattr(current_user, "is_authenticated", False)) and policy.can_view_queue(
        current_user
    )


GLOBALS = {
    "report_link": report_link,
    "moderation_link": moderation_link,
    "can_moderate": can_moderate,
    "show_moderation_nav": show_moderation_nav,
}
