"""Read state of notifications and discussions: read markers per thread, the unread counter
of the header, and which notified threads a user may still see.

Flush only, like the other services. The statements run on every signed-in page are built once
(bound parameters), not per request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, bindparam, func, or_, select, update

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..forum import policy as forum_policy
from ..forum.models import Thread
from .models import Notification, ThreadRead

_USER: BindParameter[int] = bindparam("user_id")
_THREAD: BindParameter[int] = bindparam("thread_id")
_HAS_UNREAD = select(
    or_(
        func.coalesce(
            select(ThreadRead.last_read_number)
            .where(ThreadRead.user_id == _USER, ThreadRead.thread_id == _THREAD)
            .scalar_subquery(),
            0,
        )
        < bindparam("number"),
        select(Notification.id)
        .where(
            Notification.user_id == _USER,
            Notification.thread_id == _THREAD,
            Notification.read_at.is_(None),
        )
        .exists(),
    )
)
_ANY_UNREAD = (
    select(Notification.id)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .limit(1)
)


def has_unread(user: User, thread: Any, number: int) -> bool:
    """Whether showing the thread up to post ``number`` changes anything for the user: a read
    marker behind ``number`` or an unread notification of the thread (one read query, built
    once). A page seen again then costs no write transaction."""
    params = {"user_id": user.id, "thread_id": thread.id, "number": number}
    return bool(db.session.scalar(_HAS_UNREAD, params))


def mark_read(user: User, thread: Any, number: int) -> None:
    """Remember the last post read in a thread and mark its notifications read."""
    marker = db.session.get(ThreadRead, (user.id, thread.id))
    if marker is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, last_read_number=number))
    elif number > marker.last_read_number:
        marker.last_read_number = number
    for note in db.session.scalars(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.thread_id == thread.id,
            Notification.read_at.is_(None),
        )
    ):
        note.read_at = db.utcnow()
    db.session.flush()


def last_read(user: Actor, thread_ids: list[int]) -> dict[int, int]:
    """Last read post number per thread for the user (one query)."""
    if not getattr(user, "is_authenticated", False) or not thread_ids:
        return {}
    rows = db.session.execute(
        select(ThreadRead.thread_id, ThreadRead.last_read_number).where(
            ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(thread_ids)
        )
    )
    return dict(rows.all())


def _visible_clause(user: Actor) -> Any:
    """Notifications about nothing (no thread) or about a thread the user can still see."""
    return or_(Notification.thread_id.is_(None), forum_policy.visible_threads(user))


def unread_count(user: Actor) -> int:
    """Unread notifications about content the user can still see. One indexed query when there
    are none (most page views); then one COUNT with the visibility clause."""
    if not getattr(user, "is_authenticated", False):
        return 0
    if db.session.scalar(_ANY_UNREAD, {"user_id": user.id}) is None:
        return 0

    query = (
        select(func.count(Notification.id))
        .select_from(Notification)
        .outerjoin(Thread, Thread.id == Notification.thread_id)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            _visible_clause(user),
        )
    )
    return int(db.session.scalar(query) or 0)


def visible_thread_ids(user: Actor, thread_ids: set[int]) -> set[int]:
    """Among ``thread_ids``, those the user can see (one query, the policy's SQL filter)."""
    if not thread_ids:
        return set()
    query = select(Thread.id).where(Thread.id.in_(thread_ids), forum_policy.visible_threads(user))
    return set(db.session.scalars(query))


def mark_all_read(user: User) -> int:
    """Mark every notification of the user read; return how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=db.utcnow())
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
