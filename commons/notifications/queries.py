"""Read queries of the notification centre and of « Mes suivis »."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, select

from .. import db
from ..actor import Actor
from ..forum import policy as forum_policy
from ..forum.models import Thread
from ..groups.models import Group
from ..groups.policy import can_view_private
from ..wiki.models import Rex
from ..wiki.policy import can_view_rex
from . import services
from .models import Notification, Watch

PER_PAGE = 30


def notifications_page(user: Actor, page: int) -> tuple[list[Notification], int]:
    """The user's notifications on page ``page`` (newest first) and the number of pages."""
    mine = Notification.user_id == user.id
    total = db.session.scalar(select(func.count(Notification.id)).where(mine)) or 0
    notes = db.session.scalars(
        select(Notification)
        .where(mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return list(notes), max((total + PER_PAGE - 1) // PER_PAGE, 1)


def watch_target(user: Actor, target_type: str, target_id: int) -> tuple[str, str] | None:
    """(label, URL) of a watch target (thread, REX, group) the user can see, else ``None``."""
    if target_type == "thread":
        thread = db.session.get(Thread, target_id)
        if thread is None or not forum_policy.can_view_thread(user, thread):
            return None
        return thread.title, services.post_path(thread.id, 1)
    if target_type == "rex":
        rex = db.session.get(Rex, target_id)
        if rex is None or not can_view_rex(user, rex):
            return None
        return rex.title, url_for("wiki.show", slug=rex.slug)
    if target_type == "group":
        group = db.session.get(Group, target_id)
        if group is None or not can_view_private(user, group):
            return None
        return group.name, url_for("groups.show", slug=group.slug)
    return None


def watch_rows(user: Actor) -> list[dict[str, Any]]:
    """The user's watches on what they can still see, with labels and links."""
    watches = db.session.scalars(select(Watch).where(Watch.user_id == user.id).order_by(Watch.id))
    rows: list[dict[str, Any]] = []
    for w in watches:
        target = watch_target(user, w.target_type, w.target_id)
        if target is not None:  # what one can no longer see is not listed (nor notified)
            rows.append({"watch": w, "label": target[0], "url": target[1]})
    return rows


def by_label(row: dict[str, Any]) -> str:
    """Sort key of a watch row: its label, without case."""
    return str(row["label"]).casefold()


def watch_sections(user: Actor, sections: list[tuple[str, str]]) -> list[tuple[str, list[Any]]]:
    """« Mes suivis »: the rows of each kind (``sections``: kind, heading), by label."""
    rows = watch_rows(user)
    return [
        (label, sorted((r for r in rows if r["watch"].target_type == kind), key=by_label))
        for kind, label in sections
    ]
