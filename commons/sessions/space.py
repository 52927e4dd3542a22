"""The « Séances » section of a group's private space: the next session, the open « à faire »
items and the last minutes (the space itself is for members only)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..groups.models import Group
from . import minutes
from .views import upcoming_and_past


def group_section(group: Group) -> Markup:
    """The group space's « Séances » section: next session, open « à faire », last minutes."""
    upcoming, past = upcoming_and_past(group)
    following = next((s for s in upcoming if not s.cancelled), None)
    written = minutes.written([s.id for s in past])
    with_minutes = [s for s in reversed(past) if s.id in written]
    todos = minutes.open_todos(group.id, limit=10)
    owners = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({t.owner_id for t in todos if t.owner_id} or {0}))
        )
    }
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
