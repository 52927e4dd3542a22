"""Publication read queries, for pages, the facilitators' dashboard and the export.

Public helpers never return consent identities: ``receipt_digests`` gives digests only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..forum.models import Thread
from ..groups import policy as groups
from ..groups.models import Group, GroupRole, Membership
from ..wiki.models import Rex, Space
from . import policy
from .models import Answer, ConsentReceipt, Proposal, PublishedCredit, Status


def live_for(rex: Rex) -> Proposal | None:
    """The open or published proposal of a group REX."""
    return db.session.scalar(
        select(Proposal).where(Proposal.rex_id == rex.id, Proposal.status != Status.CANCELLED.value)
    )


def origin(rex: Rex) -> Proposal | None:
    """The publication record a public copy comes from (``None`` for other REX)."""
    if rex.space != Space.PUBLIC.value:
        return None
    return db.session.scalar(select(Proposal).where(Proposal.public_rex_id == rex.id))


def receipt_digests(rex: Rex) -> list[str]:
    """SHA-256 digests of the consent receipts ("yes") a published public REX rests on: the
    latest answer of each credited contributor, in receipt order. No identities."""
    proposal = origin(rex)
    if proposal is None or proposal.status != Status.PUBLISHED.value:
        return []
    credited = select(PublishedCredit.user_id).where(PublishedCredit.proposal_id == proposal.id)
    receipts = db.session.scalars(
        select(ConsentReceipt)
        .where(ConsentReceipt.proposal_id == proposal.id, ConsentReceipt.user_id.in_(credited))
        .order_by(ConsentReceipt.id)
    )
    latest = {r.user_id: r for r in receipts}
    return [r.digest for r in sorted(latest.values(), key=lambda r: r.id) if r.answer == Answer.YES]


def of_group(actor: Actor, group_id: int, limit: int = 20) -> list[tuple[Proposal, Rex]]:
    """A group's proposals the actor may see, newest first, with their REX."""
    rows = db.session.execute(
        select(Proposal, Rex)
        .join(Rex, Rex.id == Proposal.rex_id)
        .where(Proposal.group_id == group_id, policy.visible_proposals(actor))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .limit(limit)
    ).all()
    return [(p, r) for p, r in rows]


@dataclass
class Pending:
    """A proposal awaiting consents or the facilitator's review, for a dashboard."""

    proposal: Proposal
    title: str
    group_name: str


def pending_for(user: Actor, group: Group | None = None) -> list[Pending]:
    """Open proposals in the groups the user facilitates (or in ``group`` only): what the
    facilitators' dashboard lists as "publications en attente de consentement ou de relecture".
    """
    if not getattr(user, "is_authenticated", False):
        return []
    if group is not None and not groups.is_group_facilitator(user, group):
        return []
    mine = select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.role == GroupRole.FACILITATOR.value
    )
    stmt = (
        select(Proposal, Rex.title, Group.name)
        .join(Rex, Rex.id == Proposal.rex_id)
        .join(Group, Group.id == Proposal.group_id)
        .where(Proposal.status == Status.PENDING.value, Proposal.group_id.in_(mine))
        .order_by(Proposal.created_at)
    )
    if group is not None:
        stmt = stmt.where(Proposal.group_id == group.id)
    return [Pending(p, title, name) for p, title, name in db.session.execute(stmt)]


def credited_publications(user: Actor) -> list[tuple[Proposal, PublishedCredit, Rex]]:
    """Publications where the user is credited (for name removal)."""
    rows = db.session.execute(
        select(Proposal, PublishedCredit, Rex)
        .join(PublishedCredit, PublishedCredit.proposal_id == Proposal.id)
        .join(Rex, Rex.id == Proposal.public_rex_id)
        .where(PublishedCredit.user_id == user.id, Proposal.status == Status.PUBLISHED.value)
        .order_by(Proposal.published_at.desc())
    ).all()
    return [(p, c, r) for p, c, r in rows]


def synthesis_sources(group: Group, limit: int = 30) -> tuple[list[Thread], list[Rex]]:
    """A group's recent threads and REX, for a facilitator writing a synthesis."""
    threads = list(
        db.session.scalars(
            select(Thread)
            .where(Thread.group_id == group.id, Thread.rex_id.is_(None), Thread.hidden.is_(False))
            .order_by(Thread.last_post_at.desc())
            .limit(limit)
        )
    )
    rex = list(
        db.session.scalars(
            select(Rex)
            .where(Rex.space == Space.GROUP.value, Rex.group_id == group.id)
            .order_by(Rex.updated_at.desc())
            .limit(limit)
        )
    )
    return threads, rex


def facilitators(group_id: int) -> list[User]:
    """The facilitators of a group."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.group_id == group_id,
                Membership.role == GroupRole.FACILITATOR.value,
            )
        )
    )


def member_ids(group_id: int) -> set[int]:
    """Ids of a group's members."""
    return set(
        db.session.scalars(select(Membership.user_id).where(Membership.group_id == group_id))
    )


def group_by_slug(slug: str) -> Group | None:
    """The group at ``slug``, if any."""
    return db.session.scalar(select(Group).where(Group.slug == slug))


def credit_of(user: Actor, proposal: Proposal) -> PublishedCredit | None:
    """How ``user`` is credited in a publication (``None``: not credited, or anonymous)."""
    if not user.is_authenticated:
        return None
    rows = credited_publications(user)
    return next((credit for p, credit, _rex in rows if p.id == proposal.id), None)
