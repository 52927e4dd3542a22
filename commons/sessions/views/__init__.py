"""Pages of a group's sessions (``/groupes/<slug>/seances/``): the sessions themselves, their
agenda and attendance, their minutes, and the calendar feeds. Members only: 404 when the group
itself is out of sight, 403 for a non-member who can see the group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ... import lifecycle
from ...groups import policy as group_policy
from ...groups.models import Group
from .. import policy, queries
from ..models import GroupSession

bp = Blueprint("sessions", __name__, url_prefix="/groupes", template_folder="../templates")


def member_group(slug: str) -> Group:
    """The group if the current user is a member: 404 if they cannot see it, else 403."""
    group = lifecycle.load(Group, queries.group_id(slug), can=group_policy.can_view_group)
    lifecycle.require(policy.can_view_sessions(current_user, group))
    return group


def session_in(group: Group, session_id: int) -> GroupSession:
    """A session of this group that the current user may see, else 404."""
    session = lifecycle.load(GroupSession, session_id, can=policy.can_view_session)
    if session.group_id != group.id:
        abort(404)
    return session


def to_show(group: Group, session: GroupSession, anchor: str | None = None) -> Response:
    """Back to the session's page (at ``anchor``)."""
    return redirect(
        url_for("sessions.show", slug=group.slug, session_id=session.id, _anchor=anchor)
    )


def act(
    back: Response, success: str | Callable[[Any], str], call: Callable[..., Any], *args: Any
) -> Response:
    """Call a service (:func:`lifecycle.attempt`: a refusal is flashed); when it did it, flash
    ``success`` (or ``success(result)``). Then go ``back``."""
    result = lifecycle.attempt(None, call, *args)
    if result is not lifecycle.REFUSED:
        flash(success(result) if callable(success) else success, "success")
    return back


def init_app(app: Flask) -> None:
    """Register the blueprints, the group-space section, the notification target, the
    contributors of a synthesis, the moderation panel and the ``commons sessions`` commands."""
    from ...groups.dashboard import register_panel
    from ...groups.views import add_private_section
    from ...notifications.services import register_target
    from ...publication.consent import register_contributors
    from .. import attendance, cli, notify, program, space, synthesis
    from . import feeds, meetings, minutes  # noqa: F401  (their routes)
    from . import program as program_views  # noqa: F401

    add_private_section(app, space.group_section)
    register_target(notify.TARGET, notify.describe)
    register_contributors("sessions", synthesis.contributors_of)
    register_panel(attendance.dashboard_panel)
    app.add_template_global(program.topic_sessions, "topic_sessions")
    app.register_blueprint(bp)
    app.register_blueprint(minutes.bp)
    app.register_blueprint(feeds.bp)
    app.cli.add_command(cli.sessions_group)
