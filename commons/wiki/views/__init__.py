"""The wiki's pages: one blueprint (``/rex``), its routes in the modules of this package.

- :mod:`.rex`: the list, a REX page, « dérivé de »;
- :mod:`.editor`: a new REX from the template, the editor (preview, merge, conflict);
- :mod:`.preview`: the live preview of the editor (JSON, reads no REX);
- :mod:`.audience`: licence and space changes (alone, or by asking for consent);
- :mod:`.history`: history, old versions, differences, restore;
- :mod:`.consent`: the consent requests;
- :mod:`.recent`: « Dernières modifications ».

Every page first loads its REX with :func:`load_rex` (404 when the reader may not see it, so a
private group's REX leaks nothing, not even its title); the request lifecycle
(:mod:`commons.lifecycle`) commits once after the view, and services refuse with the error
family (:mod:`commons.errors`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from flask_login import current_user
from markupsafe import Markup

from ...groups.models import Group
from ...groups.views import add_private_section
from ...navigation import add_nav
from ...notifications.services import register_target
from .. import agreements, cli, diff, following, policy, queries, services, superseded
from ..models import Rex
from ..parts import add_editor_part, add_rex_section
from ..vocab import themes as theme_vocab

#: Features register their parts with these (kept here too for the rooms that import them).
__all__ = ["add_editor_part", "add_rex_section", "bp", "init_app", "load_rex"]

bp = Blueprint("wiki", __name__, url_prefix="/rex", template_folder="../templates")


def load_rex(slug: str) -> Rex:
    """The REX for a slug if the current user may see it, else 404 (never 403: no leak)."""
    rex, _old = services.by_slug(slug)
    if rex is None or not policy.can_view_rex(current_user, rex):
        abort(404)
    return rex


def group_section(group: Group) -> Markup:
    """The "REX du groupe" section of a group's private space."""
    return Markup(
        render_template("wiki/_group_section.html", group=group, items=queries.of_group(group.id))
    )


def init_app(app: Flask) -> None:
    """Register the blueprint and its routes, the commands, the group section, the
    notifications of consent requests, edits and replaced changes, the conflict pages' diff
    filter, the navigation entry and the ``theme_labels`` template global."""
    from . import audience, consent, editor, history, preview, recent, rex  # noqa: F401 - routes

    add_private_section(app, group_section)
    register_target(agreements.TARGET, agreements.describe)
    register_target(superseded.TARGET, superseded.describe)
    app.add_template_filter(diff.line_diff, "line_diff")  # the conflict pages (_conflict.html)
    following.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(cli.wiki_group)
    add_nav(app, "wiki.index", "Retours d'expérience")
    # The themes' labels, for the pages of lower rooms (a group's themes) that cannot import us.
    app.jinja_env.globals["theme_labels"] = theme_vocab
