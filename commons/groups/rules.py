"""The rules every group service shares: the error, the permission check, the member cap and
its lock, the audit entry of a membership change and the notice to members. Flush only.

The member cap counts memberships with the ``member`` role (facilitators are the neutral third
party and do not take a seat). Every path that adds a member locks the group row first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions already hold the database
lock from ``BEGIN IMMEDIATE``) and counts again, so two racing approvals cannot exceed the cap.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .. import audit, db, errors
from ..accounts.models import User
from ..audit.models import AuditEntry
from ..markup import render_markdown
from ..text import single_line
from . import notices, policy
from .models import Group, GroupRole, JoinRequest, Membership, RequestStatus


class GroupError(errors.Refused):
    """A refused group operation, with a French message."""


#: Nobody enters a group, nor takes its animation, by their own hand.
SELF_ENTRY = (
    "Personne n'entre dans un groupe de sa propre main : une invitation, une adhésion ou une "
    "nomination vous concernant doit venir d'un·e animateur·rice du groupe."
)

MANAGE_ONLY = (
    "Seul·es les animateur·rices de ce groupe gèrent ses membres (adhésions, invitations, "
    "retraits, rôles) ; l'administration de l'instance n'entre pas dans les groupes."
)


def record(
    actor: User | None,
    action: str,
    group: Group | int,
    user: User | None = None,
    reason: str = "",
    **detail: object,
) -> AuditEntry:
    """The audit entry of a membership change (about ``user``, or the group itself)."""
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


def require(allowed: bool, message: str = "") -> None:
    """Raise :class:`errors.Forbidden` (with a French reason) unless ``allowed``."""
    if not allowed:
        raise errors.Forbidden(
            message or "Vous n'avez pas l'autorisation d'effectuer cette action dans ce groupe."
        )


def tell_members(
    entry: AuditEntry, group_id: int, actor: User | None, *also: int, skip: int | None = None
) -> None:
    """Every member of the group (and ``also``: e.g. a removed member) is told of ``entry``,
    but ``skip`` (the newcomer, who already has the decision's e-mail)."""
    notices.tell(entry, [*notices.member_ids(group_id), *also], actor, skip=skip)


def no_self_entry(actor: User, user_id: int | None) -> None:
    """Refuse (403) when the actor would let themselves in."""
    if user_id == actor.id:
        raise errors.Forbidden(SELF_ENTRY)


#: The smallest member cap: a group is at least two members besides its animation. The largest
#: is the instance's ``GROUP_MAX_CAP`` (:func:`max_cap`); the form, the service and the hint
#: all use these two.
MIN_CAP = 2


def max_cap() -> int:
    """The instance's largest member cap (``COMMONS_GROUP_MAX_CAP``, 30 by default)."""
    return int(current_app.config["GROUP_MAX_CAP"])


def cap_problem(cap: int | None) -> str | None:
    """Why ``cap`` is outside the instance's bounds, or ``None``."""
    if cap is None or not MIN_CAP <= cap <= max_cap():
        return (
            "La taille maximale du groupe doit être comprise entre "
            f"{MIN_CAP} et {max_cap()} membres."
        )
    return None


def check_cap(cap: int) -> int:
    """``cap`` when it is within the instance's bounds, else :class:`GroupError`."""
    problem = cap_problem(cap)
    if problem:
        raise GroupError(problem)
    return cap


def set_texts(group: Group, *, name: str, summary: str, description: str, charter: str) -> None:
    """Check and set the group's name, summary, description and charter (rendered)."""
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


def role_count(group_id: int, role: GroupRole) -> int:
    """The group's memberships with ``role`` (any account state)."""
    count = db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.group_id == group_id, Membership.role == role.value
        )
    )
    return int(count or 0)


def member_count(group_id: int) -> int:
    """Members holding a seat (role ``member``)."""
    return role_count(group_id, GroupRole.MEMBER)


def facilitator_count(group_id: int) -> int:
    """The group's facilitators (any account state)."""
    return role_count(group_id, GroupRole.FACILITATOR)


def lock(group: Group) -> Group:
    """Lock the group row for the rest of the transaction and reload it."""
    return db.session.execute(
        select(Group)
        .where(Group.id == group.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def find_membership(group: Group, user: User) -> Membership | None:
    """The user's membership of the group, read from the database (not memoised)."""
    return db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )


def add_member(group: Group, user: User, role: str = GroupRole.MEMBER.value) -> Membership:
    """Add ``user`` to the group under its lock, within the cap (a member takes a seat)."""
    group = lock(group)
    if find_membership(group, user) is not None:
        raise GroupError(f"{user.display_name} est déjà membre de ce groupe.")
    if role == GroupRole.MEMBER.value and member_count(group.id) >= group.member_cap:
        raise GroupError(
            f"Le groupe est complet ({group.member_cap} membres au plus) : "
            "une place doit se libérer avant toute nouvelle entrée."
        )
    added = Membership(
        group_id=group.id, user_id=user.id, role=role, charter_accepted_at=db.utcnow()
    )
    db.session.add(added)
    db.session.flush()
    policy.forget_memberships(user)
    return added


def pending_request(group: Group, user: User) -> JoinRequest | None:
    """The user's pending join request for the group, if any."""
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user.id,
            JoinRequest.status == RequestStatus.PENDING.value,
        )
    )
