"""Notifications about publications (target type ``publication``), shown in the notification
centre and e-mailed by the notifications package. Nothing is copied into the notification:
the describer reloads the proposal and re-checks that the reader may still see it, so an
outsider never learns anything, even from an old notification."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from ..wiki.models import Rex
from . import consent, policy
from .models import Proposal, Status

TARGET = "publication"

SENTENCES = {
    "publication.consent": "Votre accord est demandé pour publier dans les communs",
    "publication.renew": "Le texte a changé : votre accord est demandé à nouveau pour publier",
    "publication.ready": "Tous les accords sont réunis : relecture et attestation attendues pour",
    "publication.refused": "Une personne a refusé la publication de",
    "publication.published": "Publié dans les communs :",
}
REASONS = {
    "publication.consent": "Vous recevez ce courriel parce que vous avez contribué à ce texte : "
    "il ne sera publié qu'avec l'accord de chaque contributeur·rice.",
    "publication.renew": "Vous recevez ce courriel parce que vous avez contribué à ce texte : "
    "votre réponse précédente portait sur une autre version.",
}


def notify(users: Iterable[User], kind: str, proposal: Proposal, actor: User | None) -> None:
    """One notification per user (never the actor). Flush only."""
    for user in {u.id: u for u in users}.values():
        if actor is not None and user.id == actor.id:
            continue
        db.session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                actor_id=actor.id if actor else None,
                target_type=TARGET,
                target_id=proposal.id,
            )
        )
    db.session.flush()


def describe(user: Any, notes: list[Notification]) -> list[Entry]:
    """Entries for publication notifications, re-checking access for each."""
    ids = {n.target_id for n in notes if n.target_id is not None}
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))}
    entries = []
    for note in notes:
        proposal = proposals.get(note.target_id or 0)
        if proposal is None or not policy.can_view_proposal(user, proposal):
            entries.append(Entry(note=note, visible=False))
            continue
        current = consent.preview(proposal)
        path = path_for("publication.show", proposal_id=proposal.id)
        if note.kind == "publication.published" and proposal.public_rex_id is not None:
            public = db.session.get(Rex, proposal.public_rex_id)
            path = path_for("wiki.show", slug=public.slug) if public else path
        body = ""
        if note.kind in REASONS and proposal.status == Status.PENDING.value:
            body = current.as_text()
        entries.append(
            Entry(
                note=note,
                visible=True,
                sentence=SENTENCES.get(note.kind, "Publication :"),
                title=current.title,
                path=path,
                body=body,
                reason=REASONS.get(note.kind, ""),
            )
        )
    return entries
