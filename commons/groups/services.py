"""Group services: creation and join requests (:mod:`.membership`: invitations and members,
:mod:`.rules`: what they share). Flush only; errors are :class:`.rules.GroupError` (a refusal)
and :class:`commons.errors.Forbidden`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, db, errors
from ..accounts.models import User
from ..integrity.names import NameTaken, insert_unique, random_suffix
from ..text import slugify
from . import notices, policy
from .membership import (
    answer_invitation,
    appoint_facilitator,
    invite,
    leave,
    remove_member,
    set_role,
)
from .models import Group, GroupRole, JoinRequest, Membership, RequestStatus
from .rules import (
    MANAGE_ONLY,
    SELF_ENTRY,
    GroupError,
    add_member,
    check_cap,
    lock,
    member_count,
    no_self_entry,
    pending_request,
    record,
    require,
    set_texts,
    tell_members,
)

__all__ = [
    "MANAGE_ONLY",
    "SELF_ENTRY",
    "GroupError",
    "answer_invitation",
    "appoint_facilitator",
    "approve",
    "create_group",
    "decline",
    "invite",
    "leave",
    "member_count",
    "pending_request",
    "remove_member",
    "request_join",
    "set_role",
    "withdraw",
]

audit.register_action(
    "membership.appoint", "Animateur·rice désigné·e par l'administration (groupe sans animation)"
)


def _slug_candidates(wanted: str) -> Iterator[str]:
    """Free-looking slugs derived from ``wanted``, checked lazily (``-2``, ``-3``… then random)."""
    base = slugify(wanted, max_length=60) or "groupe"
    for n in range(1, 30):
        slug = base if n == 1 else f"{base}-{n}"
        if db.session.scalar(select(Group.id).where(Group.slug == slug)) is None:
            yield slug
    for _ in range(20):
        yield f"{base}-{random_suffix()}"


def create_group(
    actor: User,
    *,
    name: str,
    summary: str = "",
    description: str = "",
    charter: str,
    themes: list[str] | None = None,
    member_cap: int | None = None,
    listed: bool = True,
    slug: str | None = None,
) -> Group:
    """Create a group; its creator becomes its first facilitator."""
    require(policy.can_create_group(actor))
    group = Group(
        themes=list(themes or []),
        member_cap=check_cap(member_cap or int(current_app.config["GROUP_DEFAULT_CAP"])),
        listed=listed,
        created_by_id=actor.id,
    )
    set_texts(group, name=name, summary=summary, description=description, charter=charter)

    def write(free: str) -> Group:
        group.slug = free
        db.session.add(group)
        db.session.flush()
        return group

    try:
        insert_unique(_slug_candidates(slug or name), write, constraint="uq_peer_group_slug")
    except NameTaken:
        raise GroupError(
            "Un groupe porte déjà un nom très proche : choisissez un autre nom. "
            "Vos textes sont conservés ci-dessous."
        ) from None
    db.session.add(
        Membership(
            group_id=group.id,
            user_id=actor.id,
            role=GroupRole.FACILITATOR.value,
            charter_accepted_at=db.utcnow(),
        )
    )
    db.session.flush()
    policy.forget_memberships(actor)
    return group


def request_join(actor: User, group: Group, *, message: str, accept_charter: bool) -> JoinRequest:
    """Ask to join a group (with a message, after accepting its charter)."""
    if policy.is_member(actor, group):
        raise GroupError("Vous êtes déjà membre de ce groupe.")
    require(policy.can_request_join(actor, group))
    if not accept_charter:
        raise GroupError("Vous devez accepter la charte du groupe pour demander à le rejoindre.")
    if pending_request(group, actor) is not None:
        raise GroupError("Vous avez déjà une demande en attente pour ce groupe.")
    if member_count(group.id) >= group.member_cap:
        raise GroupError(
            f"Ce groupe est complet ({group.member_cap} membres) : vous pourrez demander à le "
            "rejoindre lorsqu'une place se libérera."
        )
    join = JoinRequest(group_id=group.id, user_id=actor.id, message=message.strip()[:2000])
    try:
        with db.session.begin_nested():  # one pending request per person and group (unique index)
            db.session.add(join)
            db.session.flush()
    except IntegrityError:
        raise GroupError("Vous avez déjà une demande en attente pour ce groupe.") from None
    record(actor, "membership.request", group, actor)
    return join


def _decidable(actor: User, join: JoinRequest, group: Group) -> None:
    require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    if join.status != RequestStatus.PENDING.value:
        raise GroupError("Cette demande a déjà été traitée.")


def approve(actor: User, join: JoinRequest) -> Membership:
    """Approve a pending request; enforces the cap under concurrency."""
    group = db.session.get(Group, join.group_id)
    assert group is not None
    group = lock(group)
    db.session.refresh(join)
    _decidable(actor, join, group)
    no_self_entry(actor, join.user_id)
    user = db.session.get(User, join.user_id)
    assert user is not None
    membership = add_member(group, user)
    join.status = RequestStatus.APPROVED.value
    join.decided_by_id = actor.id
    join.decided_at = db.utcnow()
    db.session.flush()
    entry = record(actor, "membership.approve", group, user)
    tell_members(entry, group.id, actor, skip=user.id)
    return membership


def decline(actor: User, join: JoinRequest, *, note: str = "") -> None:
    """Decline a pending request with its reason (« refus motivé »: required), which the agent
    reads in the decision's e-mail, in an in-app notice and on the group's page."""
    group = db.session.get(Group, join.group_id)
    assert group is not None
    _decidable(actor, join, group)
    reason = note.strip()[:1000]
    if not reason:
        raise GroupError(
            "Indiquez le motif du refus : il est transmis à la personne qui a fait la demande."
        )
    join.status = RequestStatus.DECLINED.value
    join.decided_by_id = actor.id
    join.decided_at = db.utcnow()
    join.decision_note = reason
    db.session.flush()
    user = db.session.get(User, join.user_id)
    notices.tell(record(actor, "membership.decline", group, user, reason), [join.user_id], actor)


def withdraw(actor: User, join: JoinRequest) -> None:
    """The agent withdraws their own pending request."""
    if join.user_id != actor.id:
        raise errors.Forbidden("Cette demande n'est pas la vôtre.")
    if join.status != RequestStatus.PENDING.value:
        raise GroupError("Cette demande a déjà été traitée.")
    join.status = RequestStatus.WITHDRAWN.value
    db.session.flush()
