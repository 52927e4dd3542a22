"""Members are told of every membership change (in-app notifications, target ``membership``).

The notification points at the audit entry that records the change, so nothing is copied: the
describer reloads the entry and the group, and shows it only to a current member of the group or
to the person the change is about (a removed member is told they were removed). Flush only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..audit.models import AuditEntry
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from . import policy
from .models import Group, GroupRole, Membership

TARGET = "membership"

#: What happened, as a sentence; ``{who}`` is the person concerned, ``{actor}`` who did it.
SENTENCES = {
    "membership.approve": "{who} a rejoint le groupe (demande acceptée par {actor}) :",
    "membership.accept": "{who} a rejoint le groupe (invitation acceptée) :",
    "membership.leave": "{who} a quitté le groupe :",
    "membership.remove": "{who} a été retiré·e du groupe par {actor} :",
    "membership.invite": "{actor} a invité {who} à rejoindre le groupe :",
    "membership.role": "{who} a désormais le rôle « {role} » (décision de {actor}) :",
    "membership.appoint": "Le groupe n'avait plus d'animation : l'administration ({actor}) a "
    "désigné {who} comme animateur·rice :",
}
#: The same, told to the person it is about.
YOURS = {
    "membership.decline": "Votre demande pour rejoindre le groupe a été refusée par {actor} "
    "(le motif est sur la page du groupe) :",
    "membership.remove": "Vous avez été retiré·e du groupe par {actor} :",
    "membership.role": "Vous avez désormais le rôle « {role} » dans le groupe (décision de "
    "{actor}) :",
    "membership.appoint": "L'administration ({actor}) vous a désigné·e comme animateur·rice du "
    "groupe :",
}
ROLES = {GroupRole.MEMBER.value: "membre", GroupRole.FACILITATOR.value: "animateur·rice"}


def member_ids(group_id: int) -> list[int]:
    """Ids of the group's current members (any role)."""
    return list(
        db.session.scalars(select(Membership.user_id).where(Membership.group_id == group_id))
    )


def tell(
    entry: AuditEntry, recipients: Iterable[int], actor: User | None, *, skip: int | None = None
) -> None:
    """One in-app notification of ``entry`` per recipient (never its actor, nor ``skip``).

    In-app only: ``emailed_at`` is set at once, so the e-mail sender leaves them alone (the
    invitation and the decision on a request already have their own e-mails)."""
    now = db.utcnow()
    for user_id in dict.fromkeys(recipients):
        if (actor is not None and user_id == actor.id) or user_id == skip:
            continue
        db.session.add(
            Notification(
                user_id=user_id,
                kind=entry.action,
                actor_id=actor.id if actor else None,
                target_type=TARGET,
                target_id=entry.id,
                emailed_at=now,
            )
        )
    db.session.flush()


def _visible(user: Any, entry: AuditEntry, group: Group | None) -> bool:
    if group is None or not getattr(user, "is_authenticated", False):
        return False
    about_me = entry.target_type == "user" and entry.target_id == user.id
    return about_me or policy.is_member(user, group)


def describe(user: Any, notes: list[Notification]) -> list[Entry]:
    """Entries for membership notifications, re-checking that the reader may see each one."""
    ids = {n.target_id for n in notes if n.target_id is not None}
    entries = {
        e.id: e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids)))
    }
    group_ids = {e.group_id for e in entries.values() if e.group_id is not None}
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(group_ids)))}
    found = []
    for note in notes:
        entry = entries.get(note.target_id or 0)
        group = groups.get(entry.group_id or 0) if entry is not None else None
        if entry is None or group is None or not _visible(user, entry, group):
            found.append(Entry(note=note, visible=False))
            continue
        role = ROLES.get(str((entry.detail or {}).get("after", "")), "")
        mine = entry.target_type == "user" and entry.target_id == user.id
        sentences = YOURS if mine and entry.action in YOURS else SENTENCES
        sentence = sentences.get(entry.action, "Changement dans le groupe :").format(
            who=entry.target_label or "Quelqu'un", actor=entry.actor_name, role=role
        )
        endpoint = "groups.private" if policy.is_member(user, group) else "groups.show"
        found.append(
            Entry(
                note=note,
                visible=True,
                sentence=sentence,
                title=group.name,
                path=path_for(endpoint, slug=group.slug),
                reason="Vous recevez ce message parce que vous êtes membre de ce groupe ou "
                "que ce changement vous concerne.",
            )
        )
    return found
