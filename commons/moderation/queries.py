"""Read queries of the moderation screens: the report queue, dashboards (join requests,
reports, weekly activity) and the audit log. Each runs a fixed number of SQL statements
whatever the number of rows (no query per row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..forum.models import Post, Thread
from ..groups.models import Group, GroupRole, JoinRequest, Membership, RequestStatus
from ..notifications.services import path_for, post_path
from ..wiki.models import Revision, Rex
from . import policy
from .models import MemberNote, Report, ReportStatus, Statement

WEEKS = 8


@dataclass
class QueueItem:
    """The open reports on one item."""

    target_type: str
    target_id: int
    label: str = "Contenu supprimé"
    group_name: str | None = None
    reports: list[tuple[Report, str]] = field(default_factory=list)


def labels(keys: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str]]:
    """Label and path of targets, three queries at most."""
    out: dict[tuple[str, int], tuple[str, str]] = {}
    ids = defaultdict(set)
    for kind, target_id in keys:
        ids[kind].add(target_id)
    if ids["rex"]:
        for rex in db.session.execute(
            select(Rex.id, Rex.title, Rex.slug).where(Rex.id.in_(ids["rex"]))
        ):
            out[("rex", rex.id)] = (f"REX « {rex.title} »", path_for("wiki.show", slug=rex.slug))
    if ids["thread"]:
        threads = select(Thread.id, Thread.title).where(Thread.id.in_(ids["thread"]))
        for thread in db.session.execute(threads):
            path = path_for("forum.thread", thread_id=thread.id)
            out[("thread", thread.id)] = (f"Discussion « {thread.title} »", path)
    if ids["post"]:
        posts = (
            select(Post.id, Post.number, Thread.id.label("thread_id"), Thread.title)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Post.id.in_(ids["post"]))
        )
        for post in db.session.execute(posts):
            path = post_path(post.thread_id, post.number)
            out[("post", post.id)] = (f"Message {post.number} de « {post.title} »", path)
    return out


def queue(
    actor: Actor, group_id: int | None = None, *, network_only: bool = False
) -> list[QueueItem]:
    """Open reports the actor handles, grouped by item, oldest first (four queries)."""
    stmt = (
        select(Report, User.display_name, Group.name)
        .outerjoin(User, User.id == Report.reporter_id)
        .outerjoin(Group, Group.id == Report.group_id)
        .where(Report.status == ReportStatus.OPEN.value, policy.visible_reports(actor))
        .order_by(Report.created_at, Report.id)
    )
    if group_id is not None:
        stmt = stmt.where(Report.group_id == group_id)
    elif network_only:
        stmt = stmt.where(Report.group_id.is_(None))
    items: dict[tuple[str, int], QueueItem] = {}
    for report, reporter, group_name in db.session.execute(stmt):
        key = (report.target_type, report.target_id)
        item = items.setdefault(key, QueueItem(*key, group_name=group_name))
        item.reports.append((report, reporter or "Ancien membre"))
    for key, (label, _path) in labels(set(items)).items():
        items[key].label = label
    return list(items.values())


def reports_on(kind: str, target_id: int) -> list[tuple[Report, str]]:
    """Every report on an item (open first), with the reporter's name."""
    stmt = (
        select(Report, User.display_name)
        .outerjoin(User, User.id == Report.reporter_id)
        .where(Report.target_type == kind, Report.target_id == target_id)
        .order_by((Report.status == ReportStatus.OPEN.value).desc(), Report.created_at.desc())
    )
    return [(r, name or "Ancien membre") for r, name in db.session.execute(stmt)]


def contested(actor: Actor, group_id: int | None = None) -> list[Statement]:
    """Contested decisions in the actor's scope, newest first."""
    scope = [Statement.group_id.in_(policy.facilitated_group_ids(actor))]
    if policy.is_global(actor):
        scope.append(Statement.group_id.is_(None))
    stmt = (
        select(Statement)
        .where(Statement.contested_at.is_not(None))
        .where(scope[0] if len(scope) == 1 else scope[0] | scope[1])
    )
    if group_id is not None:
        stmt = stmt.where(Statement.group_id == group_id)
    return list(db.session.scalars(stmt.order_by(Statement.contested_at.desc()).limit(50)))


def join_requests(group_ids: frozenset[int]) -> list[tuple[JoinRequest, str, Group]]:
    """Pending join requests of these groups, with the requester's name (one query)."""
    if not group_ids:
        return []
    stmt = (
        select(JoinRequest, User.display_name, Group)
        .join(User, User.id == JoinRequest.user_id)
        .join(Group, Group.id == JoinRequest.group_id)
        .where(
            JoinRequest.group_id.in_(group_ids), JoinRequest.status == RequestStatus.PENDING.value
        )
        .order_by(JoinRequest.created_at)
    )
    return [tuple(row) for row in db.session.execute(stmt)]  # type: ignore[misc]


@dataclass
class Week:
    start: date
    rex: int = 0
    threads: int = 0
    posts: int = 0
    active: set[int] = field(default_factory=set)


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def activity(group_id: int | None, now: datetime | None = None) -> list[Week]:
    """New REX, threads, posts and active members per week over the last :data:`WEEKS`
    weeks, in a group's space (or the network's when ``group_id`` is ``None``): four queries."""
    now = now or db.utcnow()
    first = _monday(now) - timedelta(weeks=WEEKS - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    weeks = {first + timedelta(weeks=i): Week(first + timedelta(weeks=i)) for i in range(WEEKS)}
    rex_scope: ColumnElement[bool] = (
        Rex.group_id == group_id if group_id is not None else Rex.space != "group"
    )
    thread_scope: ColumnElement[bool] = (
        Thread.group_id == group_id if group_id is not None else Thread.space == "network"
    )
    for (created,) in db.session.execute(
        select(Rex.created_at).where(rex_scope, Rex.created_at >= since)
    ):
        weeks[_monday(created)].rex += 1
    for (created,) in db.session.execute(
        select(Thread.created_at).where(thread_scope, Thread.created_at >= since)
    ):
        weeks[_monday(created)].threads += 1
    posts = (
        select(Post.created_at, Post.author_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(thread_scope, Post.created_at >= since)
    )
    for created, author in db.session.execute(posts):
        week = weeks[_monday(created)]
        week.posts += 1
        if author is not None:
            week.active.add(author)
    revisions = (
        select(Revision.created_at, Revision.author_id)
        .join(Rex, Rex.id == Revision.rex_id)
        .where(rex_scope, Revision.created_at >= since, Revision.author_id.is_not(None))
    )
    for created, author in db.session.execute(revisions):
        if author is not None:
            weeks[_monday(created)].active.add(author)
    return list(weeks.values())


def group_counts(group_ids: frozenset[int]) -> dict[int, tuple[int, int]]:
    """Per group: (pending join requests, open reports), two grouped queries."""
    if not group_ids:
        return {}
    out = {gid: [0, 0] for gid in group_ids}
    pending = db.session.execute(
        select(JoinRequest.group_id, func.count())
        .where(
            JoinRequest.group_id.in_(group_ids), JoinRequest.status == RequestStatus.PENDING.value
        )
        .group_by(JoinRequest.group_id)
    )
    for gid, n in pending:
        out[gid][0] = n
    reports = db.session.execute(
        select(Report.group_id, func.count())
        .where(Report.group_id.in_(group_ids), Report.status == ReportStatus.OPEN.value)
        .group_by(Report.group_id)
    )
    for report_group, n in reports:
        if report_group is not None:
            out[report_group][1] = n
    return {gid: (a, b) for gid, (a, b) in out.items()}


def facilitators_of(group_id: int | None) -> list[int]:
    """Ids of the people who moderate a group's space (``None``: the network's)."""
    if group_id is not None:
        stmt = select(Membership.user_id).where(
            Membership.group_id == group_id, Membership.role == GroupRole.FACILITATOR.value
        )
    else:
        stmt = select(User.id).where(User.role.in_(("facilitator", "admin")))
    return list(db.session.scalars(stmt))


def groups_named(ids: frozenset[int]) -> list[Group]:
    """The groups with these ids, by name (no query when there is none)."""
    if not ids:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name)))


def group_by_slug(slug: str) -> Group | None:
    """The group at ``slug``, if any."""
    return db.session.scalar(select(Group).where(Group.slug == slug))


def member_by_handle(handle: str) -> User | None:
    """The account with this handle (handles are lower case), if any."""
    return db.session.scalar(select(User).where(User.handle == handle.lower()))


def member_notes(actor: Actor, user: User) -> list[Any]:
    """The notes on ``user`` the actor may read, newest first, with their author's and
    group's names (one query)."""
    return list(
        db.session.execute(
            select(MemberNote, User.display_name, Group.name)
            .outerjoin(User, User.id == MemberNote.author_id)
            .outerjoin(Group, Group.id == MemberNote.group_id)
            .where(MemberNote.subject_id == user.id, policy.visible_notes(actor))
            .order_by(MemberNote.created_at.desc())
        ).all()
    )
