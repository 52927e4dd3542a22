"""« Supprimer mon compte » (RGPD, article 17): a request, a grace period, then the erasure.

During the grace period (``ACCOUNT_DELETION_GRACE_DAYS``) a sign-in cancels the request. Then
``commons privacy delete-due`` erases the person: the account keeps its id (posts, revisions,
consents and audit entries still point at it) but loses every personal datum. It is credited
in the anonymous (Chatham House) form, ``Agent·e dans une commune de …``; audit entries and
consent receipts keep a stable pseudonym in place of the name. Flush only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

from flask import current_app
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import aliased

from .. import db, errors
from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.passwords import verify_password
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..groups.models import Group, GroupRole, Invitation, JoinRequest, Membership
from ..moderation.models import MemberNote
from ..notifications.models import Notification, Preference, ThreadRead, Watch
from ..publication import publish
from ..publication.models import ConsentReceipt, Proposal, PublishedCredit
from ..wiki import attribution
from .models import AccountDeletion, ExternalIdentity, RecoveryCode, TotpDevice

#: The append-only tables whose name snapshots become the pseudonym (Core statements).
AUDIT = cast(Table, AuditEntry.__table__)
RECEIPTS = cast(Table, ConsentReceipt.__table__)

PSEUDONYM_PREFIX = "ancien-membre-"
for _key, _label in {
    "account.deletion_request": "Demande de suppression de compte",
    "account.deletion_cancel": "Suppression de compte annulée",
    "account.erased": "Compte supprimé",
}.items():
    audit.register_action(_key, _label)


class DeletionError(errors.Refused):
    """A refused deletion request, with a French message."""


def pending(user: User) -> AccountDeletion | None:
    """The deletion request of ``user`` waiting for its date, if any."""
    return db.session.get(AccountDeletion, user.id)


def groups_to_hand_over(user: User) -> list[Group]:
    """Groups ``user`` is the only facilitator of: they must hand over first."""
    other = aliased(Membership)
    others = (
        select(func.count(other.id))
        .where(
            other.group_id == Group.id,
            other.role == GroupRole.FACILITATOR.value,
            other.user_id != user.id,
        )
        .correlate(Group)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == GroupRole.FACILITATOR.value,
                others == 0,
            )
            .order_by(Group.name)
        )
    )


def request(user: User, *, password: str | None, proved_by_provider: bool) -> AccountDeletion:
    """Ask for the deletion after the person proved it is them (password, or a sign-in through
    their provider in this session for an account without password)."""
    if user.password_hash:
        if not password or not verify_password(user.password_hash, password):
            raise DeletionError("Le mot de passe est incorrect.")
    elif not proved_by_provider:
        raise DeletionError("Reconnectez-vous par votre fournisseur d'identité pour confirmer.")
    groups = groups_to_hand_over(user)
    if groups:
        names = ", ".join(f"« {g.name} »" for g in groups)
        raise DeletionError(
            f"Vous êtes la seule personne qui anime {names} : confiez d'abord l'animation à "
            "un autre membre."
        )
    days = int(current_app.config["ACCOUNT_DELETION_GRACE_DAYS"])
    row = pending(user) or AccountDeletion(user_id=user.id)
    now = db.utcnow()
    row.requested_at, row.due_at = now, now + timedelta(days=days)
    db.session.add(row)
    accounts.revoke_sessions(user)
    _audit(user, "account.deletion_request", user.display_name)
    return row


def cancel(user: User) -> bool:
    """Cancel a pending request (a sign-in does); whether there was one."""
    row = pending(user)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    _audit(user, "account.deletion_cancel", user.display_name)
    return True


def pseudonym(user_id: int) -> str:
    """A stable pseudonym for an erased account (keyed by the instance's secret)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:10]


def _audit(user: User, action: str, label: str) -> None:
    audit.record(user, action, target_type="user", target_id=user.id, target_label=label)


def due() -> list[User]:
    """Accounts whose grace period is over."""
    return list(
        db.session.scalars(
            select(User)
            .join(AccountDeletion, AccountDeletion.user_id == User.id)
            .where(AccountDeletion.due_at <= db.utcnow())
            .order_by(User.id)
        )
    )


def _remove_published_names(user: User) -> None:
    credited = db.session.scalars(
        select(Proposal)
        .join(PublishedCredit, PublishedCredit.proposal_id == Proposal.id)
        .where(PublishedCredit.user_id == user.id, PublishedCredit.name_removed_at.is_(None))
    ).all()
    for proposal in credited:
        if proposal.attribution_mode == "named":
            publish.remove_name(user, proposal)


def erase(user: User) -> str:
    """Erase ``user``'s personal data; returns the pseudonym that now stands for them."""
    alias = pseudonym(user.id)
    anonymous = attribution.chatham(SimpleNamespace(job_title="", collectivite=user.collectivite))
    _remove_published_names(user)
    uid = user.id
    for model, column in (
        (ExternalIdentity, ExternalIdentity.user_id),
        (TotpDevice, TotpDevice.user_id),
        (RecoveryCode, RecoveryCode.user_id),
        (Notification, Notification.user_id),
        (Watch, Watch.user_id),
        (ThreadRead, ThreadRead.user_id),
        (Preference, Preference.user_id),
        (Membership, Membership.user_id),
        (JoinRequest, JoinRequest.user_id),
        (Invitation, Invitation.user_id),
        (MemberNote, MemberNote.subject_id),
        (AccountDeletion, AccountDeletion.user_id),
    ):
        db.session.execute(delete(model).where(column == uid))
    # Snapshots of the name in append-only records become the pseudonym (Core statements: the
    # ORM guards refuse any change; the audit triggers let exactly this one through).
    db.session.execute(update(AUDIT).where(AUDIT.c.actor_id == uid).values(actor_name=alias))
    db.session.execute(
        update(AUDIT)
        .where(
            AUDIT.c.target_type == "user",
            AUDIT.c.target_id == uid,
        )
        .values(target_label=alias)
    )
    db.session.execute(update(RECEIPTS).where(RECEIPTS.c.user_id == uid).values(credit=anonymous))
    user.email = user.email_key = f"{alias}@supprime.invalid"
    user.display_name = anonymous[:80]
    user.handle = alias
    user.job_title = ""
    user.bio = ""
    user.password_hash = ""
    user.collectivite_id = None
    user.email_confirmed_at = None
    user.last_login_at = None
    user.suspended_at, user.suspended_until = db.utcnow(), None
    user.suspension_reason = "Compte supprimé à la demande de la personne."
    accounts.revoke_sessions(user)
    db.session.flush()
    audit.record(None, "account.erased", target_type="user", target_id=uid, target_label=alias)
    return alias


def erase_due() -> list[str]:
    """Erase every account whose grace period is over; their pseudonyms."""
    return [erase(user) for user in due()]


def is_erased(user: User) -> bool:
    """Whether the account was erased."""
    return user.handle.startswith(PSEUDONYM_PREFIX) and user.email.endswith("@supprime.invalid")


__all__ = ["DeletionError", "cancel", "erase", "erase_due", "request"]
