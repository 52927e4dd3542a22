"""Publication permissions: one predicate per decision.

A proposal belongs to its group's private space: only the group's members see it (outsiders get
a 404, nothing leaks). Contributors answer for themselves only; the group's facilitators review,
edit and attest. A published proposal's public record is visible to everyone, without the
identities of those who consented.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, select

from .. import db
from ..accounts.policy import is_member_user
from ..actor import Actor
from ..groups import policy as groups
from ..groups.models import Group
from ..wiki import policy as wiki
from ..wiki.models import Rex, Space
from .models import Proposal, Status

SYNTHESIS = "synthese"


def can_propose(actor: Actor, rex: Rex, group: Group | None) -> bool:
    """A member of the group proposes one of its REX; a synthesis is proposed by a facilitator
    of the group. Never a REX outside a group, nor a published (frozen) copy."""
    if not is_member_user(actor) or group is None or rex.space != Space.GROUP.value:
        return False
    if rex.frozen or rex.group_id != group.id:
        return False
    if rex.kind == SYNTHESIS:
        return groups.is_group_facilitator(actor, group)
    return groups.is_member(actor, group)


def can_view_proposal(actor: Actor, proposal: Proposal) -> bool:
    """The proposal, its preview and consents: members of the group only, and only while they
    may read the REX it proposes (a REX hidden by the facilitators hides its proposal)."""
    if not is_member_user(actor) or proposal.group_id not in groups.group_ids_of(actor):
        return False
    rex = db.session.get(Rex, proposal.rex_id)
    return rex is not None and wiki.can_view_rex(actor, rex)


def visible_proposals(actor: Actor) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_proposal`."""
    ids = groups.group_ids_of(actor)
    if not is_member_user(actor) or not ids:
        return false()
    readable = select(Rex.id).where(wiki.visible_rex(actor))
    return and_(Proposal.group_id.in_(ids), Proposal.rex_id.in_(readable))


def can_answer(actor: Actor, proposal: Proposal, contributor_ids: set[int]) -> bool:
    """A contributor (author of a revision) who is a member of the group answers for
    themselves, while the proposal is open."""
    return (
        can_view_proposal(actor, proposal)
        and actor.id in contributor_ids
        and proposal.status == Status.PENDING.value
    )


def can_review(actor: Actor, proposal: Proposal, group: Group) -> bool:
    """Review, edit, attest and publish: the facilitators of the proposal's group."""
    return group.id == proposal.group_id and groups.is_group_facilitator(actor, group)


def can_cancel(actor: Actor, proposal: Proposal, group: Group) -> bool:
    """The proposer or a facilitator of the group cancels an open proposal."""
    if proposal.status != Status.PENDING.value or not can_view_proposal(actor, proposal):
        return False
    return actor.id == proposal.proposed_by_id or can_review(actor, proposal, group)


def can_view_record(actor: Actor, proposal: Proposal) -> bool:
    """The public record of a publication (date, licence, credits, receipt digests): anyone,
    once published; before that, like the proposal."""
    return proposal.status == Status.PUBLISHED.value or can_view_proposal(actor, proposal)


def can_write_synthesis(actor: Actor, group: Group) -> bool:
    """Group syntheses are written by the group's facilitators."""
    return groups.is_group_facilitator(actor, group)


def can_remove_name(actor: Actor, credited_user_id: int | None) -> bool:
    """Only the credited person asks for their own name to be removed."""
    return is_member_user(actor) and credited_user_id == actor.id
