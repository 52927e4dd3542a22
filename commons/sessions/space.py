"""The « Séances » section of a group's private space: the next session, the open « à faire »
items and the last minutes (the space itself is for members only)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from markupsafe import Markup

from ..groups.models import Group
from . import minutes, queries


def group_section(group: Group) -> Markup:
    """The group space's « Séances » section: next session, open « à faire », last minutes."""
    upcoming, past = queries.upcoming_and_past(current_user, group)
    following = next((s for s in upcoming if not s.cancelled), None)
    written = minutes.written([s.id for s in past])
    with_minutes = [s for s in reversed(past) if s.id in written]
    todos = minutes.open_todos(group.id, limit=10)
    owners = queries.users({t.owner_id for t in todos})
    return Markup(
        render_template(
            "sessions/_group_section.html",
            group=group,
            following=following,
            last_minutes=with_minutes[0] if with_minutes else None,
            todos=todos,
            owners=owners,
        )
    )
