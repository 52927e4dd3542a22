"""What every moderation decision shares: the audit labels, the refusal, the reason check,
the notifications and the statement of reasons sent to the person concerned. Flush only."""

from __future__ import annotations

from .. import audit, db, errors
from ..accounts.models import User
from ..markup import clean_text
from ..notifications.models import Notification
from .models import Statement

MAX_REASON = 2000

#: Audit keys and their French labels (also the actions of statements of reasons).
ACTIONS = {
    "moderation.report": "Signalement",
    "moderation.dismiss": "Signalement classé sans suite",
    "moderation.hide": "Contenu masqué",
    "moderation.restore": "Contenu rétabli",
    "moderation.edit": "Contenu modifié par l'animation",
    "moderation.lock": "Discussion verrouillée",
    "moderation.unlock": "Discussion déverrouillée",
    "moderation.move": "Discussion déplacée",
    "moderation.warn": "Avertissement",
    "moderation.note": "Note privée sur un membre",
    "moderation.contest": "Contestation d'une décision",
    "account.suspend": "Compte suspendu",
    "account.lift": "Suspension levée",
}
for _key, _label in ACTIONS.items():
    audit.register_action(_key, _label)

#: What a refused moderation action says when the caller has nothing more precise.
NOT_YOURS = (
    "Vous n'avez pas le droit de modérer ce contenu : il ne relève pas d'un espace que vous animez."
)


class ModerationError(errors.Refused):
    """A refused moderation operation, with a French message."""


def require(allowed: bool, message: str = NOT_YOURS) -> None:
    """Raise :class:`commons.errors.Forbidden` with ``message`` unless ``allowed``."""
    if not allowed:
        raise errors.Forbidden(message)


def check_reason(reason: str, *, required: bool = True) -> str:
    """A reason: trimmed, bounded, mandatory unless ``required`` is false."""
    reason = clean_text(reason or "").strip()
    if required and not reason:
        raise ModerationError("Indiquez le motif de la décision : il est transmis à l'auteur·rice.")
    if len(reason) > MAX_REASON:
        raise ModerationError(f"Le motif dépasse {MAX_REASON} caractères.")
    return reason


def notify(user_id: int, actor: User, kind: str, ref: int, *, emailed: bool = False) -> None:
    """A notification about a moderation object (described by :mod:`.notices`)."""
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.id,
            target_type=f"moderation.{kind}",
            target_id=ref,
            emailed_at=db.utcnow() if emailed else None,
        )
    )


def state_reasons(
    actor: User,
    user_id: int | None,
    action: str,
    *,
    target_type: str,
    target_id: int | None,
    label: str,
    path: str = "",
    group_id: int | None,
    reason: str,
) -> Statement | None:
    """Record the statement of reasons for ``user_id`` and its notification (e-mailed after
    commit by :func:`commons.moderation.notices.queue_statements`). None for no one or oneself."""
    if user_id is None or user_id == actor.id:
        return None
    statement = Statement(
        user_id=user_id,
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label[:300],
        target_path=path,
        group_id=group_id,
        reason=reason,
    )
    db.session.add(statement)
    db.session.flush()
    # The statement has its own e-mail, sent whatever the preferences: never mailed twice.
    notify(user_id, actor, "decision", statement.id, emailed=True)
    return statement
