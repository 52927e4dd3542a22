"""Publication itself (the public copy), cancellation, and name removal afterwards.

The public copy is a new REX in the ``public`` space with a new slug and a single revision
holding the consented text; its licence is locked and its credits frozen (``Rex.frozen``,
``Rex.credits``). It names the collectivités the contributors saw in the preview (none under
the Chatham House rule, see :func:`.copied.collectivites_of`). It carries the consented files
as its own rows, under new URLs (:mod:`commons.files.carry`). The group REX, its history and
its files' URLs stay private.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..files import carry
from ..wiki import attribution
from ..wiki import services as wiki
from ..wiki.models import Rex, Space
from . import consent, notify, policy
from .models import Proposal, PublishedCredit, Status
from .services import (
    HIDDEN,
    PUBLIC_AUTHOR,
    PublicationError,
    attest,
    check_ready,
    group_of,
    lock_open,
    record,
    require,
)


def publish(actor: User, proposal: Proposal) -> Rex:
    """Publish the attested, consented text as a public copy; return it."""
    group = group_of(proposal)
    require(
        policy.can_review(actor, proposal, group),
        "Seule l'animation du groupe peut publier un texte dans les communs.",
    )
    proposal = lock_open(proposal)
    rex = db.session.execute(
        select(Rex).where(Rex.id == proposal.rex_id).with_for_update()
    ).scalar_one()
    if getattr(rex, "hidden", False):
        raise PublicationError(HIDDEN)
    current = consent.preview(proposal, rex)
    check_ready(proposal, current)
    if not proposal.attested_digest:
        raise PublicationError("Publication impossible sans l'attestation de l'animation.")
    if proposal.attested_digest != current.digest:
        raise PublicationError(
            "Le texte a changé depuis l'attestation : relisez-le et attestez à nouveau."
        )
    public = wiki.create_rex(
        None,
        title=current.title,
        body=current.source,
        space=Space.PUBLIC.value,
        summary=current.summary,
        licence_id=current.licence_id,
        themes=current.themes,
        status=rex.status,
        period=rex.period,
        budget=rex.budget,
        team_size=rex.team_size,
        collectivite_ids=[c.id for c in current.collectivites],
        comment="Publication par consentement, attestée par l'animation",
        author_name=PUBLIC_AUTHOR,
    )
    public.kind = rex.kind
    public.attribution_mode = current.mode
    public.credits = current.credits
    public.frozen = True
    db.session.flush()
    carry.carry(rex, public, current.files)
    for position, user in enumerate(current.contributors):
        db.session.add(
            PublishedCredit(
                proposal_id=proposal.id,
                user_id=user.id,
                position=0 if current.mode == "group" else position,
            )
        )
    proposal.status = Status.PUBLISHED.value
    proposal.public_rex_id = public.id
    proposal.published_at = db.utcnow()
    db.session.flush()
    notify.notify(current.contributors, "publication.published", proposal, actor)
    record(
        actor,
        "publication.publish",
        proposal,
        digest=current.digest,
        public_rex=public.slug,
        licence=current.licence_id,
        mode=current.mode,
    )
    return public


def cancel(actor: User, proposal: Proposal, reason: str = "") -> None:
    """Cancel an open proposal (the proposer or the facilitators); a new one may follow."""
    group = group_of(proposal)
    require(
        policy.can_cancel(actor, proposal, group),
        "Seules la personne qui a proposé la publication et l'animation peuvent l'annuler.",
    )
    proposal = lock_open(proposal)
    proposal.status = Status.CANCELLED.value
    proposal.cancelled_at = db.utcnow()
    proposal.cancel_reason = reason.strip()[:1000]
    db.session.flush()
    record(actor, "publication.cancel", proposal, reason=proposal.cancel_reason)


def remove_name(actor: User, proposal: Proposal) -> None:
    """After publication, a named contributor has their name replaced by the anonymous
    (Chatham House) description on the page and in every later export."""
    if proposal.status != Status.PUBLISHED.value or proposal.public_rex_id is None:
        raise PublicationError("Ce texte n'est pas publié : il n'y a pas de nom à retirer.")
    credit = db.session.scalar(
        select(PublishedCredit).where(
            PublishedCredit.proposal_id == proposal.id, PublishedCredit.user_id == actor.id
        )
    )
    require(
        policy.can_remove_name(actor, credit.user_id if credit else None),
        "Vous n'êtes pas crédité·e dans cette publication : seule la personne concernée peut "
        "demander le retrait de son nom.",
    )
    assert credit is not None
    if proposal.attribution_mode != "named":
        raise PublicationError(
            "Cette publication ne cite aucun nom (attribution sans noms ou au groupe)."
        )
    if credit.name_removed_at is not None:
        raise PublicationError("Votre nom a déjà été retiré de cette publication.")
    public = db.session.get(Rex, proposal.public_rex_id)
    assert public is not None
    attribution.remove_name(public, credit.position, actor)
    public.updated_at = db.utcnow()  # feeds and exports see the change
    credit.name_removed_at = db.utcnow()
    db.session.flush()
    record(actor, "publication.name_removal", proposal, public_rex=public.slug)


def attest_and_publish(
    actor: User, proposal: Proposal, *, checklist: dict[str, bool], digest: str
) -> Rex:
    """The facilitator attests the reviewed text (:func:`.services.attest`) and publishes it
    at once; return the public copy."""
    attest(actor, proposal, checklist=checklist, digest=digest)
    return publish(actor, proposal)
