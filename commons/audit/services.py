"""Write audit entries (flush only; the caller commits with the action it records)."""

from __future__ import annotations

from typing import Any

from .. import db
from ..accounts.models import User
from .models import AuditEntry

#: French labels of the recorded actions (the audit page filters on these keys).
ACTIONS: dict[str, str] = {
    "membership.request": "Demande d'adhésion",
    "membership.approve": "Adhésion acceptée",
    "membership.decline": "Adhésion refusée",
    "membership.invite": "Invitation",
    "membership.accept": "Invitation acceptée",
    "membership.leave": "Départ du groupe",
    "membership.remove": "Retrait d'un membre",
    "membership.role": "Changement de rôle",
    "licence.change": "Changement de licence",
}


def register_action(key: str, label: str) -> None:
    """Let a feature add its actions with their French label (idempotent)."""
    ACTIONS.setdefault(key, label)


def record(
    actor: User | None,
    action: str,
    *,
    target_type: str,
    target_id: int | None,
    target_label: str = "",
    group_id: int | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry for ``action`` done by ``actor`` (``None``: the system) and flush it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; register it first")
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else "Système",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:300],
        group_id=group_id,
        reason=reason,
        detail=dict(detail or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry
