"""What the home page shows: what is alive, for whoever is reading.

Read-only, like search and export: it reads the features through their policies' SQL
filters (the site room sits above every feature: no feature imports it). A visitor sees the
latest REX of the commons; a signed-in agent the latest REX they may read, the active
discussions of their groups and their invitations; a facilitator what waits for them (join
requests, reports). The anonymous page is the same for every visitor, hence cacheable
(``@for_visitors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from .. import db
from ..actor import Actor
from ..forum import policy as forum_policy
from ..forum.models import Thread
from ..groups.models import JoinRequest, RequestStatus
from ..groups.policy import group_ids_of
from ..groups.queries import pending_invitations_for
from ..moderation import policy as moderation_policy
from ..moderation import queries as moderation_queries
from ..wiki import policy as wiki_policy
from ..wiki.models import Rex

RECENT = 6


@dataclass
class Pending:
    """A facilitator's waiting work: pending join requests and open reports."""

    join_requests: int = 0
    reports: int = 0


@dataclass
class Home:
    recent_rex: list[Any] = field(default_factory=list)
    threads: list[Any] = field(default_factory=list)
    invitations: list[Any] = field(default_factory=list)
    pending: Pending | None = None


def recent_rex(actor: Actor, limit: int = RECENT) -> list[Any]:
    """The REX most recently changed that the actor may read (the commons for a visitor)."""
    return list(
        db.session.scalars(
            select(Rex)
            .where(wiki_policy.visible_rex(actor), Rex.hidden.is_(False))
            .order_by(Rex.updated_at.desc(), Rex.id.desc())
            .limit(limit)
        )
    )


def active_threads(actor: Actor, limit: int = RECENT) -> list[Any]:
    """The discussions of the actor's groups with the latest messages (visible ones only)."""
    ids = group_ids_of(actor)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Thread)
            .where(
                Thread.group_id.in_(ids),
                forum_policy.visible_threads(actor),
                Thread.hidden.is_(False),
            )
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(limit)
        )
    )


def pending(actor: Actor) -> Pending | None:
    """Pending join requests of the groups the actor facilitates and open reports they handle
    (``None`` when the actor facilitates nothing)."""
    if not moderation_policy.can_view_queue(actor):
        return None
    ids = moderation_policy.facilitated_group_ids(actor)
    requests = 0
    if ids:
        requests = int(
            db.session.scalar(
                select(func.count(JoinRequest.id)).where(
                    JoinRequest.group_id.in_(ids),
                    JoinRequest.status == RequestStatus.PENDING.value,
                )
            )
            or 0
        )
    reports = sum(len(item.reports) for item in moderation_queries.queue(actor))
    return Pending(join_requests=requests, reports=reports)


def for_reader(actor: Actor) -> Home:
    """Everything the home page shows to ``actor`` (anonymous: the commons only)."""
    if not getattr(actor, "is_authenticated", False):
        return Home(recent_rex=recent_rex(actor))
    return Home(
        recent_rex=recent_rex(actor),
        threads=active_threads(actor),
        invitations=pending_invitations_for(actor),  # type: ignore[arg-type]  # signed in
        pending=pending(actor),
    )
