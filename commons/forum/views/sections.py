"""What the forum shows on other rooms' pages: a group's « Forum du groupe » section and a
REX page's « Discussions » section (registered by :func:`commons.forum.views.init_app`)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from markupsafe import Markup

from ...groups.models import Group
from ...wiki.models import Rex
from .. import queries, services


def group_section(group: Group) -> Markup:
    """The "Forum du groupe" section of a group's private space."""
    rows = queries.of_group(current_user, group.id)
    return Markup(render_template("forum/_group_section.html", group=group, rows=rows))


def rex_section(rex: Rex) -> Markup | None:
    """The REX page's « Discussions » section: every talk thread of the REX the reader may
    read (a group's discussion stays with the group after the REX widened)."""
    if not current_user.is_authenticated:
        return None
    threads = services.talk_threads(current_user, rex)
    if not threads:
        return None
    return Markup(render_template("forum/_rex_section.html", rex=rex, threads=threads))
