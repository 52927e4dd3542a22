"""Group services: creation, join requests, invitations, membership. Flush only.

The member cap counts memberships with the ``member`` role (facilitators are the neutral third
party and do not take a seat). Every path that adds a member locks the group row first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions already hold the database
lock from ``BEGIN IMMEDIATE``) and counts again, so two racing approvals cannot exceed the cap.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, db, errors
from ..accounts.models import User
from ..audit.models import AuditEntry
from ..integrity.names import NameTaken, insert_unique, random_suffix
from ..markup import render_markdown
from ..text import single_line, slugify
from . import notices, policy
from .models import Group, GroupRole, Invitation, JoinRequest, Membership, RequestStatus


class GroupError(errors.Refused):
    """A refused group operation, with a French message."""


class Forbidden(GroupError):
    """The actor may not do this."""


audit.register_action(
    "membership.appoint", "Animateur·rice désigné·e par l'administration (groupe sans animation)"
)

#: Nobody enters a group, nor takes its animation, by their own hand.
SELF_ENTRY = (
    "Personne n'entre dans un groupe de sa propre main : une invitation, une adhésion ou une "
    "nomination vous concernant doit venir d'un·e animateur·rice du groupe."
)


def _audit(
    actor: User | None,
    action: str,
    group: Group | int,
    user: User | None = None,
    reason: str = "",
    **detail: object,
) -> AuditEntry:
    group_id = group if isinstance(group, int) else group.id
    label = user.display_name if user is not None else ""
    return audit.record(
        actor,
        action,
        target_type="user" if user else "group",
        target_id=user.id if user else group_id,
        target_label=label,
        group_id=group_id,
        reason=reason,
        detail=dict(detail),
    )


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise Forbidden(
            message or "Vous n'avez pas l'autorisation d'effectuer cette action dans ce groupe."
        )


MANAGE_ONLY = (
    "Seul·es les animateur·rices de ce groupe gèrent ses membres (adhésions, invitations, "
    "retraits, rôles) ; l'administration de l'instance n'entre pas dans les groupes."
)


def _tell_members(
    entry: AuditEntry, group_id: int, actor: User | None, *also: int, skip: int | None = None
) -> None:
    """Every member of the group (and ``also``: e.g. a removed member) is told of ``entry``,
    but ``skip`` (the newcomer, who already has the decision's e-mail)."""
    notices.tell(entry, [*notices.member_ids(group_id), *also], actor, skip=skip)


def _self_entry(actor: User, user_id: int | None) -> None:
    if user_id == actor.id:
        raise Forbidden(SELF_ENTRY)


def _check_cap(cap: int) -> int:
    maximum = int(current_app.config["GROUP_MAX_CAP"])
    if not 2 <= cap <= maximum:
        raise GroupError(f"La taille maximale du groupe doit être comprise entre 2 et {maximum}.")
    return cap


def _slug_candidates(wanted: str) -> Iterator[str]:
    """Free-looking slugs derived from ``wanted``, checked lazily (``-2``, ``-3``… then random)."""
    base = slugify(wanted, max_length=60) or "groupe"
    for n in range(1, 30):
        slug = base if n == 1 else f"{base}-{n}"
        if db.session.scalar(select(Group.id).where(Group.slug == slug)) is None:
            yield slug
    for _ in range(20):
        yield f"{base}-{random_suffix()}"


def _set_texts(group: Group, *, name: str, summary: str, description: str, charter: str) -> None:
    name = single_line(name)
    if not 3 <= len(name) <= 120:
        raise GroupError("Le nom du groupe doit comporter entre 3 et 120 caractères.")
    if not charter.strip():
        raise GroupError(
            "La charte du groupe est obligatoire : les membres l'acceptent en entrant."
        )
    group.name = name
    group.summary = single_line(summary)[:300]
    group.description_md = description
    group.description_html = str(render_markdown(description))
    group.charter_md = charter
    group.charter_html = str(render_markdown(charter))


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
    _require(policy.can_create_group(actor))
    group = Group(
        themes=list(themes or []),
        member_cap=_check_cap(member_cap or int(current_app.config["GROUP_DEFAULT_CAP"])),
        listed=listed,
        created_by_id=actor.id,
    )
    _set_texts(group, name=name, summary=summary, description=description, charter=charter)

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


def member_count(group_id: int) -> int:
    """Members holding a seat (role ``member``)."""
    return int(
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.group_id == group_id, Membership.role == GroupRole.MEMBER.value
            )
        )
        or 0
    )


def _lock(group: Group) -> Group:
    """Lock the group row for the rest of the transaction and reload it."""
    return db.session.execute(
        select(Group)
        .where(Group.id == group.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _add_member(group: Group, user: User, role: str = GroupRole.MEMBER.value) -> Membership:
    group = _lock(group)
    existing = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if existing is not None:
        raise GroupError(f"{user.display_name} est déjà membre de ce groupe.")
    if role == GroupRole.MEMBER.value and member_count(group.id) >= group.member_cap:
        raise GroupError(
            f"Le groupe est complet ({group.member_cap} membres au plus) : "
            "une place doit se libérer avant toute nouvelle entrée."
        )
    membership = Membership(
        group_id=group.id, user_id=user.id, role=role, charter_accepted_at=db.utcnow()
    )
    db.session.add(membership)
    db.session.flush()
    policy.forget_memberships(user)
    return membership


def pending_request(group: Group, user: User) -> JoinRequest | None:
    """The user's pending join request for the group, if any."""
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user.id,
            JoinRequest.status == RequestStatus.PENDING.value,
        )
    )


def request_join(actor: User, group: Group, *, message: str, accept_charter: bool) -> JoinRequest:
    """Ask to join a group (with a message, after accepting its charter)."""
    if policy.is_member(actor, group):
        raise GroupError("Vous êtes déjà membre de ce groupe.")
    _require(policy.can_request_join(actor, group))
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
    _audit(actor, "membership.request", group, actor)
    return join


def _decidable(actor: User, join: JoinRequest, group: Group) -> None:
    _require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    if join.status != RequestStatus.PENDING.value:
        raise GroupError("Cette demande a déjà été traitée.")


def approve(actor: User, join: JoinRequest) -> Membership:
    """Approve a pending request; enforces the cap under concurrency."""
    group = db.session.get(Group, join.group_id)
    assert group is not None
    group = _lock(group)
    db.session.refresh(join)
    _decidable(actor, join, group)
    _self_entry(actor, join.user_id)
    user = db.session.get(User, join.user_id)
    assert user is not None
    membership = _add_member(group, user)
    join.status = RequestStatus.APPROVED.value
    join.decided_by_id = actor.id
    join.decided_at = db.utcnow()
    db.session.flush()
    entry = _audit(actor, "membership.approve", group, user)
    _tell_members(entry, group.id, actor, skip=user.id)
    return membership


def decline(actor: User, join: JoinRequest, *, note: str = "") -> None:
    """Decline a pending request, with an optional note to the agent."""
    group = db.session.get(Group, join.group_id)
    assert group is not None
    _decidable(actor, join, group)
    join.status = RequestStatus.DECLINED.value
    join.decided_by_id = actor.id
    join.decided_at = db.utcnow()
    join.decision_note = note.strip()[:1000]
    db.session.flush()
    _audit(actor, "membership.decline", group, db.session.get(User, join.user_id), note.strip())


def withdraw(actor: User, join: JoinRequest) -> None:
    """The agent withdraws their own pending request."""
    if join.user_id != actor.id:
        raise Forbidden("Cette demande n'est pas la vôtre.")
    if join.status != RequestStatus.PENDING.value:
        raise GroupError("Cette demande a déjà été traitée.")
    join.status = RequestStatus.WITHDRAWN.value
    db.session.flush()


def invite(
    actor: User, group: Group, user: User, *, message: str = "", role: str = GroupRole.MEMBER.value
) -> Invitation:
    """A facilitator invites an agent; the agent must accept (and the charter). With ``role``
    ``facilitator`` the invitation is an appointment: by a facilitator of the group, or by an
    administrator for a group left without facilitator (:func:`appoint_facilitator`). Nobody
    invites themselves."""
    _self_entry(actor, user.id)
    if role == GroupRole.FACILITATOR.value:
        _require(policy.can_appoint_facilitator(actor, group, user), MANAGE_ONLY)
    else:
        _require(policy.can_manage_members(actor, group), MANAGE_ONLY)
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
    entry = _audit(actor, "membership.invite", group, user, role=role)
    notices.tell(entry, [*policy.active_facilitator_ids(group), user.id], actor)
    return invitation


def answer_invitation(
    actor: User, invitation: Invitation, *, accept: bool, accept_charter: bool = False
) -> Membership | None:
    """Accept (joining, within the cap) or decline an invitation addressed to the actor."""
    if invitation.user_id != actor.id:
        raise Forbidden("Cette invitation ne vous est pas adressée.")
    if invitation.status != RequestStatus.PENDING.value:
        raise GroupError("Cette invitation a déjà reçu une réponse.")
    membership = None
    if accept:
        if invitation.invited_by_id == actor.id:  # written before the rule, or by hand
            raise Forbidden(SELF_ENTRY)
        if not accept_charter:
            raise GroupError("Vous devez accepter la charte du groupe pour le rejoindre.")
        group = db.session.get(Group, invitation.group_id)
        assert group is not None
        membership = _add_member(group, actor, invitation.role or GroupRole.MEMBER.value)
    invitation.status = (RequestStatus.APPROVED if accept else RequestStatus.DECLINED).value
    invitation.decided_at = db.utcnow()
    # A pending join request for the same group is settled by the invitation.
    pending = db.session.get(Group, invitation.group_id)
    if pending is not None and (join := pending_request(pending, actor)) is not None and accept:
        join.status = RequestStatus.APPROVED.value
        join.decided_at = db.utcnow()
    db.session.flush()
    if accept:
        entry = _audit(actor, "membership.accept", invitation.group_id, actor, role=invitation.role)
        _tell_members(entry, invitation.group_id, actor)
    return membership


def _facilitator_count(group_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.group_id == group_id, Membership.role == GroupRole.FACILITATOR.value
            )
        )
        or 0
    )


def _remove(group: Group, user: User) -> None:
    membership = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise GroupError(f"{user.display_name} n'est pas membre de ce groupe.")
    if membership.role == GroupRole.FACILITATOR.value and _facilitator_count(group.id) <= 1:
        raise GroupError(
            "Le groupe doit garder au moins un·e animateur·rice : désignez-en un·e autre avant."
        )
    db.session.delete(membership)
    db.session.flush()
    policy.forget_memberships(user)


def leave(actor: User, group: Group) -> None:
    """Leave a group (the last facilitator cannot leave)."""
    _require(policy.can_leave(actor, group))
    _remove(group, actor)
    _tell_members(_audit(actor, "membership.leave", group, actor), group.id, actor)


def remove_member(actor: User, group: Group, user: User) -> None:
    """A facilitator removes a member (who is told, as the remaining members are)."""
    _require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    _remove(group, user)
    _tell_members(_audit(actor, "membership.remove", group, user), group.id, actor, user.id)


def set_role(actor: User, group: Group, user: User, role: str) -> None:
    """Change a member's group role (a demoted facilitator needs a free seat). Making someone
    a facilitator follows :func:`policy.can_appoint_facilitator` (never oneself; an
    administrator only in a group left without facilitator, with a notice to every member)."""
    if role not in {r.value for r in GroupRole}:
        raise GroupError("Rôle inconnu.")
    if role == GroupRole.FACILITATOR.value:
        _self_entry(actor, user.id)
        _require(policy.can_appoint_facilitator(actor, group, user), MANAGE_ONLY)
    else:
        _require(policy.can_manage_members(actor, group), MANAGE_ONLY)
    group = _lock(group)
    membership = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if membership is None:
        raise GroupError(f"{user.display_name} n'est pas membre de ce groupe.")
    if membership.role == role:
        return
    if role == GroupRole.MEMBER.value:
        if _facilitator_count(group.id) <= 1:
            raise GroupError("Le groupe doit garder au moins un·e animateur·rice.")
        if member_count(group.id) >= group.member_cap:
            raise GroupError("Le groupe est complet : pas de place pour un membre de plus.")
    before = membership.role
    by_admin = not policy.is_group_facilitator(actor, group)
    membership.role = role
    db.session.flush()
    policy.forget_memberships(user)
    action = "membership.appoint" if by_admin else "membership.role"
    entry = _audit(actor, action, group, user, before=before, after=role)
    _tell_members(entry, group.id, actor)


def appoint_facilitator(actor: User, group: Group, user: User, *, message: str = "") -> str:
    """For a group left without active facilitator, an administrator names one: a member is
    promoted at once, anyone else is invited as facilitator (they accept, and the charter).
    Every member is told. Never oneself. Returns ``"promoted"`` or ``"invited"``."""
    _self_entry(actor, user.id)
    _require(
        policy.can_appoint_facilitator(actor, group, user),
        "Ce groupe a un·e animateur·rice actif·ve : c'est à elle ou lui de désigner les suivant·es."
        if not policy.is_orphan(group)
        else MANAGE_ONLY,
    )
    if policy.is_member(user, group):
        set_role(actor, group, user, GroupRole.FACILITATOR.value)
        return "promoted"
    invitation = invite(actor, group, user, message=message, role=GroupRole.FACILITATOR.value)
    entry = _audit(actor, "membership.appoint", group, user, after=invitation.role, invited=True)
    _tell_members(entry, group.id, actor)
    return "invited"
