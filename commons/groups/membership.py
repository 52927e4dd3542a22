"""Invitations and members: invite, answer an invitation, leave, remove, change a role,
appoint a facilitator for a group left without one. Flush only (see :mod:`.rules`)."""

from __future__ import annotations

from sqlalchemy import select

from .. import db, errors
from ..accounts.models import User
from . import notices, policy
from .models import Group, GroupRole, Invitation, Membership, RequestStatus
from .rules import (
    MANAGE_ONLY,
    SELF_ENTRY,
    GroupError,
    add_member,
    facilitator_count,
    find_membership,
    lock,
    member_count,
    no_self_entry,
    pending_request,
    record,
    require,
    tell_members,
)


def invite(
    actor: User, group: Group, user: User, *, message: str = "", role: str = GroupRole.MEMBER.value
) -> Invitation:
    """A facilitator invites an agent; the agent must accept (and the charter). With ``role``
    ``facilitator`` the invitation is an appointment: by a facilitator of the group, or by an
    administrator for a group left without facilitator (:func:`appoint_facilitator`). Nobody
    invites themselves."""
    no_self_entry(actor, user.id)
    if role == GroupRole.FACILITATOR.value:
        require(policy.can_appoint_facilitator(actor, group, user), MANAGE_ONLY)
    else:
        require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    if policy.is_member(user, group):
        raise GroupError(f"{user.display_name} est déjà membre de ce groupe.")
    pending = db.session.scalar(
        select(Invitation.id).where(
            Invitation.group_id == group.id,
            Invitation.user_id == user.id,
            Invitation.status == RequestStatus.PENDING.value,
        )
    )
    if pending is not None:
        raise GroupError(f"{user.display_name} a déjà une invitation en attente.")
    invitation = Invitation(
        group_id=group.id,
        user_id=user.id,
        invited_by_id=actor.id,
        message=message.strip()[:2000],
        role=role,
    )
    db.session.add(invitation)
    db.session.flush()
    entry = record(actor, "membership.invite", group, user, role=role)
    notices.tell(entry, [*policy.active_facilitator_ids(group), user.id], actor)
    return invitation


def answer_invitation(
    actor: User, invitation: Invitation, *, accept: bool, accept_charter: bool = False
) -> Membership | None:
    """Accept (joining, within the cap) or decline an invitation addressed to the actor."""
    if invitation.user_id != actor.id:
        raise errors.Forbidden("Cette invitation ne vous est pas adressée.")
    if invitation.status != RequestStatus.PENDING.value:
        raise GroupError("Cette invitation a déjà reçu une réponse.")
    membership = None
    if accept:
        if invitation.invited_by_id == actor.id:  # written before the rule, or by hand
            raise errors.Forbidden(SELF_ENTRY)
        if not accept_charter:
            raise GroupError("Vous devez accepter la charte du groupe pour le rejoindre.")
        group = db.session.get(Group, invitation.group_id)
        assert group is not None
        membership = add_member(group, actor, invitation.role or GroupRole.MEMBER.value)
    invitation.status = (RequestStatus.APPROVED if accept else RequestStatus.DECLINED).value
    invitation.decided_at = db.utcnow()
    # A pending join request for the same group is settled by the invitation.
    pending = db.session.get(Group, invitation.group_id)
    if pending is not None and (join := pending_request(pending, actor)) is not None and accept:
        join.status = RequestStatus.APPROVED.value
        join.decided_at = db.utcnow()
    db.session.flush()
    if accept:
        entry = record(actor, "membership.accept", invitation.group_id, actor, role=invitation.role)
        tell_members(entry, invitation.group_id, actor)
    return membership


def _remove(group: Group, user: User) -> None:
    membership = find_membership(group, user)
    if membership is None:
        raise GroupError(f"{user.display_name} n'est pas membre de ce groupe.")
    if membership.role == GroupRole.FACILITATOR.value and facilitator_count(group.id) <= 1:
        raise GroupError(
            "Le groupe doit garder au moins un·e animateur·rice : désignez-en un·e autre avant."
        )
    db.session.delete(membership)
    db.session.flush()
    policy.forget_memberships(user)


def leave(actor: User, group: Group) -> None:
    """Leave a group (the last facilitator cannot leave)."""
    require(policy.can_leave(actor, group))
    _remove(group, actor)
    tell_members(record(actor, "membership.leave", group, actor), group.id, actor)


def remove_member(actor: User, group: Group, user: User) -> None:
    """A facilitator removes a member (who is told, as the remaining members are)."""
    require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    _remove(group, user)
    tell_members(record(actor, "membership.remove", group, user), group.id, actor, user.id)


def set_role(actor: User, group: Group, user: User, role: str) -> None:
    """Change a member's group role (a demoted facilitator needs a free seat). Making someone
    a facilitator follows :func:`policy.can_appoint_facilitator` (never oneself; an
    administrator only in a group left without facilitator, with a notice to every member)."""
    if role not in {r.value for r in GroupRole}:
        raise GroupError("Rôle inconnu.")
    if role == GroupRole.FACILITATOR.value:
        no_self_entry(actor, user.id)
        require(policy.can_appoint_facilitator(actor, group, user), MANAGE_ONLY)
    else:
        require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    group = lock(group)
    membership = find_membership(group, user)
    if membership is None:
        raise GroupError(f"{user.display_name} n'est pas membre de ce groupe.")
    if membership.role == role:
        return
    if role == GroupRole.MEMBER.value:
        if facilitator_count(group.id) <= 1:
            raise GroupError("Le groupe doit garder au moins un·e animateur·rice.")
        if member_count(group.id) >= group.member_cap:
            raise GroupError("Le groupe est complet : pas de place pour un membre de plus.")
    before = membership.role
    by_admin = not policy.is_group_facilitator(actor, group)
    membership.role = role
    db.session.flush()
    policy.forget_memberships(user)
    action = "membership.appoint" if by_admin else "membership.role"
    entry = record(actor, action, group, user, before=before, after=role)
    tell_members(entry, group.id, actor)


def appoint_facilitator(actor: User, group: Group, user: User, *, message: str = "") -> str:
    """For a group left without active facilitator, an administrator names one: a member is
    promoted at once, anyone else is invited as facilitator (they accept, and the charter).
    Every member is told. Never oneself. Returns ``"promoted"`` or ``"invited"``."""
    no_self_entry(actor, user.id)
    require(
        policy.can_appoint_facilitator(actor, group, user),
        "Ce groupe a un·e animateur·rice actif·ve : c'est à elle ou lui de désigner les suivant·es."
        if not policy.is_orphan(group)
        else MANAGE_ONLY,
    )
    if policy.is_member(user, group):
        set_role(actor, group, user, GroupRole.FACILITATOR.value)
        return "promoted"
    invitation = invite(actor, group, user, message=message, role=GroupRole.FACILITATOR.value)
    entry = record(actor, "membership.appoint", group, user, after=invitation.role, invited=True)
    tell_members(entry, group.id, actor)
    return "invited"
