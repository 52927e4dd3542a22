"""Group pages (:mod:`.pages`: directory, group page, creation, edition, private space) and
membership actions (:mod:`.entry`). :func:`load_group` is public: other rooms' views load the
group of their URL with it."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ...navigation import add_nav
from ...notifications.services import register_target
from .. import notices, policy, queries
from ..models import Group
from ..sections import add_private_section

__all__ = ["add_private_section", "bp", "load_group"]

bp = Blueprint("groups", __name__, url_prefix="/groupes", template_folder="../templates")


def load_group(slug: str) -> Group:
    """The group at ``slug`` if the current person may see it, else 404 (an unlisted group
    does not exist for others). For every view under a group's URL, in any room."""
    group = queries.group_by_slug(slug)
    if group is None or not policy.can_view_group(current_user, group):
        abort(404)
    return group


def show_url(slug: str) -> str:
    """The group's page."""
    return url_for("groups.show", slug=slug)


def done(message: str, slug: str, endpoint: str = "groups.show") -> Response:
    """Flash ``message`` and go to the group's page (or ``endpoint`` of the group)."""
    flash(message, "success")
    return redirect(url_for(endpoint, slug=slug))


def init_app(app: Flask) -> None:
    """Register the blueprint, its navigation entry and the membership notices."""
    from . import entry, pages  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
    add_nav(app, "groups.index", "Groupes")
    register_target(notices.TARGET, notices.describe)
