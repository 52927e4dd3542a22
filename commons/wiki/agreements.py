"""Consent requests (« demandes d'accord ») for a change of audience or licence of a REX.

Whoever may make the change asks; every other person whose words are in the REX
(:func:`.audience.contributor_ids`, computed live, so someone who writes in the REX while the
request is open must answer too) is notified and answers yes or no. One « non » refuses the
request; the last « oui » applies the change in the same transaction, in the requester's name,
recorded in the history (event with the request's number) and the audit log. Every answer is
kept. Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, db, errors
from ..accounts.models import User
from ..accounts.policy import is_member_user
from ..actor import Actor
from ..licensing import registry
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from ..text import single_line
from . import audience, policy, queries, services
from .models import SPACE_LABELS, Agreement, AgreementAnswer, AgreementStatus, Rex, Space

TARGET = "rex_agreement"
KINDS = ("move", "licence")
SENTENCES = {
    "rex_agreement.request": "Votre accord est demandé sur",
    "rex_agreement.applied": "Tout le monde a accepté votre demande sur",
    "rex_agreement.refused": "Votre demande d'accord a été refusée sur",
    "rex_agreement.cancelled": "Demande d'accord annulée sur",
}

for _key, _label in {
    "rex.agreement.request": "Demande d'accord sur un REX",
    "rex.agreement.answer": "Réponse à une demande d'accord sur un REX",
    "rex.agreement.cancel": "Annulation d'une demande d'accord sur un REX",
}.items():
    audit.register_action(_key, _label)


def pending_for_rex(rex: Rex) -> Agreement | None:
    """The open request on a REX, if any."""
    return db.session.scalar(
        select(Agreement).where(
            Agreement.rex_id == rex.id, Agreement.status == AgreementStatus.PENDING.value
        )
    )


def answers(agreement: Agreement) -> dict[int, bool]:
    """Each person's answer (user id -> agreed)."""
    rows = db.session.execute(
        select(AgreementAnswer.user_id, AgreementAnswer.agreed).where(
            AgreementAnswer.agreement_id == agreement.id
        )
    )
    return {row.user_id: row.agreed for row in rows}


def required(agreement: Agreement, rex: Rex) -> list[int]:
    """The people whose consent is needed now (everyone whose words are in the REX)."""
    return sorted(audience.contributor_ids(rex))


def can_view_agreement(actor: Actor, agreement: Agreement, rex: Rex) -> bool:
    """Who sees a request: whoever sees the REX, and every person whose consent it needs, even
    one who no longer belongs to the REX's group (their words are in it: they must be able to
    say no)."""
    if policy.can_view_rex(actor, rex):
        return True
    return is_member_user(actor) and actor.id in required(agreement, rex)


def _check(actor: User, rex: Rex, agreement: Agreement) -> None:
    """The change is still possible for the requester (state may have moved since)."""
    if agreement.kind == "move":
        audience.check_move(actor, rex, agreement.target_space, agreement.target_group_id)
    else:
        audience.check_licence(actor, rex, agreement.target_licence, consented=True)


def request(
    actor: User,
    rex: Rex,
    kind: str,
    *,
    space: str = "",
    group_id: int | None = None,
    licence_id: str = "",
    message: str = "",
) -> Agreement:
    """Ask every other contributor's consent for a move or a licence change (the actor's own
    consent is recorded at once). Refused when no one may make the change, when a contributor
    has no account here, or when a request is already open."""
    if kind not in KINDS:
        raise services.RexError("Demande inconnue.")
    agreement = Agreement(
        rex_id=rex.id,
        kind=kind,
        target_space=space if kind == "move" else "",
        target_group_id=group_id if kind == "move" else None,
        target_licence=licence_id if kind == "licence" else "",
        requested_by_id=actor.id,
        message=single_line(message)[:1000],
    )
    _check(actor, rex, agreement)
    unnamed = audience.unnamed_contributors(rex)
    if unnamed:
        raise services.RexError(
            "Des personnes sans compte ici ont écrit dans ce REX "
            f"({', '.join(unnamed)}) : leur accord ne peut pas être demandé."
        )
    if pending_for_rex(rex) is not None:
        raise services.RexError("Une demande d'accord est déjà en cours pour ce REX.")
    try:
        with db.session.begin_nested():
            db.session.add(agreement)
            db.session.flush()
    except IntegrityError:  # a concurrent request won the race
        raise services.RexError("Une demande d'accord est déjà en cours pour ce REX.") from None
    db.session.add(AgreementAnswer(agreement_id=agreement.id, user_id=actor.id, agreed=True))
    for user_id in required(agreement, rex):
        if user_id != actor.id:
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind="rex_agreement.request",
                    actor_id=actor.id,
                    target_type=TARGET,
                    target_id=agreement.id,
                )
            )
    db.session.flush()
    _audit(actor, "rex.agreement.request", rex, agreement)
    return agreement


def answer(actor: User, agreement: Agreement, agreed: bool) -> str:
    """Record the actor's answer; returns ``refused``, ``applied`` or ``waiting``."""
    rex = db.session.get(Rex, agreement.rex_id)
    if rex is None or agreement.status != AgreementStatus.PENDING.value:
        raise services.RexError("Cette demande d'accord n'est plus en cours.")
    if not is_member_user(actor) or actor.id not in required(agreement, rex):
        raise errors.Forbidden("Votre accord n'est pas demandé pour ce REX.")
    row = db.session.scalar(
        select(AgreementAnswer).where(
            AgreementAnswer.agreement_id == agreement.id, AgreementAnswer.user_id == actor.id
        )
    )
    if row is None:
        db.session.add(AgreementAnswer(agreement_id=agreement.id, user_id=actor.id, agreed=agreed))
    else:
        row.agreed, row.created_at = agreed, db.utcnow()
    db.session.flush()
    _audit(actor, "rex.agreement.answer", rex, agreement, agreed="oui" if agreed else "non")
    if not agreed:
        _close(agreement, AgreementStatus.REFUSED, actor, rex)
        return "refused"
    given = answers(agreement)
    if not all(given.get(user_id) for user_id in required(agreement, rex)):
        return "waiting"
    requester = db.session.get(User, agreement.requested_by_id or 0)
    if requester is None or not requester.is_active:
        raise services.RexError("La personne qui a fait la demande ne peut plus l'appliquer.")
    _check(requester, rex, agreement)
    if agreement.kind == "move":
        audience.apply_move(
            requester, rex, agreement.target_space, agreement.target_group_id, agreement.id
        )
    else:
        audience.apply_licence(requester, rex, agreement.target_licence, agreement.id)
    _close(agreement, AgreementStatus.APPLIED, actor, rex)
    return "applied"


def cancel(actor: User, agreement: Agreement) -> None:
    """The requester withdraws an open request."""
    rex = db.session.get(Rex, agreement.rex_id)
    if rex is None or agreement.status != AgreementStatus.PENDING.value:
        raise services.RexError("Cette demande d'accord n'est plus en cours.")
    if agreement.requested_by_id != actor.id:
        raise errors.Forbidden("Seule la personne qui a fait la demande peut l'annuler.")
    _close(agreement, AgreementStatus.CANCELLED, actor, rex)
    _audit(actor, "rex.agreement.cancel", rex, agreement)


def _close(agreement: Agreement, status: AgreementStatus, actor: User, rex: Rex) -> None:
    agreement.status, agreement.decided_at = status.value, db.utcnow()
    if agreement.requested_by_id and agreement.requested_by_id != actor.id:
        db.session.add(
            Notification(
                user_id=agreement.requested_by_id,
                kind=f"rex_agreement.{status.value}",
                actor_id=actor.id,
                target_type=TARGET,
                target_id=agreement.id,
            )
        )
    db.session.flush()


def _audit(actor: User, action: str, rex: Rex, agreement: Agreement, **detail: Any) -> None:
    audit.record(
        actor,
        action,
        target_type="rex",
        target_id=rex.id,
        target_label=rex.title,
        group_id=rex.group_id,
        detail={"agreement": agreement.id, "kind": agreement.kind, **detail},
    )


def describe_change(agreement: Agreement) -> str:
    """The requested change in French words."""
    if agreement.kind == "licence":
        return f"passer sous licence {registry.get(agreement.target_licence).short_name}"
    label = SPACE_LABELS.get(Space(agreement.target_space), agreement.target_space)
    return f"passer dans l'espace « {label} »"


@dataclass
class Roll:
    """Who is asked and what they answered (``rows``: name, answer or ``None``), and who
    asked."""

    rows: list[tuple[str, bool | None]]
    requester: str
    asked: list[int]
    given: dict[int, bool]


def roll(agreement: Agreement, rex: Rex) -> Roll:
    """The answers of a request, by name."""
    given, ids = answers(agreement), required(agreement, rex)
    names = queries.display_names({*ids, agreement.requested_by_id or 0})
    rows = [(names.get(i, "Compte supprimé"), given.get(i)) for i in ids]
    requester = names.get(agreement.requested_by_id or 0, "Compte supprimé")
    return Roll(sorted(rows, key=lambda r: r[0]), requester, ids, given)


def describe(user: Actor, notes: list[Notification]) -> list[Entry]:
    """Notification entries about consent requests, re-checking that the reader still sees
    the REX (nothing is copied into the notification)."""
    entries = []
    for note in notes:
        agreement = db.session.get(Agreement, note.target_id or 0)
        rex = db.session.get(Rex, agreement.rex_id) if agreement else None
        if agreement is None or rex is None or not can_view_agreement(user, agreement, rex):
            entries.append(Entry(note=note, visible=False))
            continue
        path = path_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id)
        entries.append(
            Entry(
                note=note,
                visible=True,
                sentence=SENTENCES.get(note.kind, "Demande d'accord sur"),
                title=rex.title,
                path=path,
                body=f"Demande : {describe_change(agreement)}.",
                reason="Vous recevez ce message parce que vous avez écrit dans ce REX : "
                "ce changement demande l'accord de chacun·e.",
            )
        )
    return entries
