"""Publication services: propose, answer (consent receipts), remind, edit under review,
attest, publish, cancel, and name removal after publication.

Services take an ``actor``, flush and never commit. Every action is in the audit log.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, db, errors
from ..accounts.models import User
from ..groups.models import Group
from ..groups.policy import group_ids_of
from ..licensing import compat, registry
from ..text import single_line
from ..wiki import attribution
from ..wiki import services as wiki
from ..wiki.models import Rex, Space
from . import consent, notify, policy, queries
from .models import CHECKLIST, Answer, ConsentReceipt, Proposal, Status

#: The author shown on the single revision of a public copy (never a person's name: the
#: revision is immutable, and a contributor may later have their name removed).
PUBLIC_AUTHOR = "Publication par consentement"
HIDDEN = "Ce REX a été masqué par l'animation : il ne peut pas être publié."
NOT_PROPOSABLE = "Vous ne pouvez proposer à la publication que les REX de vos groupes."
REVIEWERS_ONLY = "Seule l'animation du groupe peut relire et modifier un texte proposé."

for _key, _label in {
    "publication.propose": "Proposition de publication",
    "publication.consent": "Réponse à une demande d'accord de publication",
    "publication.remind": "Relance des contributeur·rices",
    "publication.edit": "Modification en relecture",
    "publication.attest": "Attestation de relecture",
    "publication.publish": "Publication dans les communs",
    "publication.cancel": "Annulation d'une proposition de publication",
    "publication.name_removal": "Retrait d'un nom des crédits",
}.items():
    audit.register_action(_key, _label)


class PublicationError(errors.Refused):
    """A refused publication operation, with a French message."""


def require(allowed: bool, message: str) -> None:
    """Raise :class:`commons.errors.Forbidden` with ``message`` unless ``allowed``."""
    if not allowed:
        raise errors.Forbidden(message)


def group_of(proposal: Proposal) -> Group:
    """The group a proposal belongs to."""
    group = db.session.get(Group, proposal.group_id)
    assert group is not None
    return group


def record(actor: User | None, action: str, proposal: Proposal, **kw: object) -> None:
    """The audit entry of ``action`` on ``proposal`` (``reason`` and details from ``kw``)."""
    rex = db.session.get(Rex, proposal.rex_id)
    audit.record(
        actor,
        action,
        target_type="publication",
        target_id=proposal.id,
        target_label=rex.title if rex else "",
        group_id=proposal.group_id,
        reason=str(kw.pop("reason", "")),
        detail=dict(kw),
    )


def lock_open(proposal: Proposal) -> Proposal:
    """The proposal re-read and locked for this transaction; it must still be open."""
    proposal = db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if proposal.status == Status.PUBLISHED.value:
        raise PublicationError("Ce texte est déjà publié dans les communs.")
    if proposal.status != Status.PENDING.value:
        raise PublicationError("Cette proposition de publication a été annulée.")
    return proposal


def check_licence(rex: Rex, licence_id: str) -> None:
    """An open licence of the registry, compatible with the REX this one adapts."""
    licence = registry.licences().get(licence_id)
    if licence is None or not licence.open:
        names = ", ".join(lic.short_name for lic in registry.open_licences())
        raise PublicationError(
            f"« {licence_id} » n'est pas une licence ouverte du registre : "
            f"choisissez parmi {names}."
        )
    try:
        for source in wiki.sources_of(rex):
            compat.check_derivative(source.licence_id, licence_id)
    except registry.LicenceError as exc:
        raise PublicationError(str(exc)) from exc


def propose(actor: User, rex: Rex, *, licence_id: str, mode: str, message: str = "") -> Proposal:
    """Propose a group REX (or synthesis) for publication; ask every contributor's consent."""
    if rex.space != Space.GROUP.value or rex.group_id is None:
        raise PublicationError(
            "Seul un REX de l'espace privé d'un groupe passe par la publication par "
            "consentement ; ce REX est déjà visible hors du groupe."
        )
    group = db.session.get(Group, rex.group_id)
    require(
        policy.can_propose(actor, rex, group),
        "Seule l'animation du groupe peut proposer une synthèse à la publication."
        if rex.kind == policy.SYNTHESIS and rex.group_id in group_ids_of(actor)
        else NOT_PROPOSABLE,
    )
    if getattr(rex, "hidden", False):
        raise PublicationError(HIDDEN)
    if mode not in attribution.MODES:
        raise PublicationError("Mode d'attribution inconnu : choisissez-en un dans la liste.")
    check_licence(rex, licence_id)
    live = db.session.scalar(
        select(Proposal).where(Proposal.rex_id == rex.id, Proposal.status != Status.CANCELLED.value)
    )
    if live is not None:
        raise PublicationError(
            "Ce REX est déjà publié dans les communs."
            if live.status == Status.PUBLISHED.value
            else "Ce REX a déjà une proposition de publication en cours."
        )
    proposal = Proposal(
        rex_id=rex.id,
        group_id=rex.group_id,
        proposed_by_id=actor.id,
        licence_id=licence_id,
        attribution_mode=mode,
        message=message.strip()[:2000],
    )
    db.session.add(proposal)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another proposal of the same REX won the race
        raise PublicationError("Ce REX a déjà une proposition de publication en cours.") from None
    current = consent.preview(proposal, rex)
    if current.unaccountable:
        raise PublicationError(
            "Des versions de ce texte sont créditées sans compte sur Commons ("
            + ", ".join(current.unaccountable)
            + ") : leur accord ne peut pas être recueilli, le texte ne peut pas être publié."
        )
    notify.notify(current.contributors, "publication.consent", proposal, actor)
    record(actor, "publication.propose", proposal, licence=licence_id, mode=mode)
    return proposal


def answer(
    actor: User, proposal: Proposal, *, contributor_id: int, value: str, digest: str
) -> ConsentReceipt:
    """Record the actor's own answer (``yes``, ``no`` or ``withdrawn``) about the text whose
    digest they saw; a receipt is written, never changed."""
    if contributor_id != actor.id:
        raise errors.Forbidden(
            "Vous ne pouvez répondre que pour vous-même : chaque contributeur·rice donne "
            "son accord personnellement."
        )
    proposal = lock_open(proposal)
    current = consent.preview(proposal)
    require(
        policy.can_answer(actor, proposal, {u.id for u in current.contributors}),
        "Seules les personnes qui ont contribué à ce texte peuvent donner leur accord.",
    )
    if value not in {a.value for a in Answer}:
        raise PublicationError("Réponse inconnue : choisissez oui ou non.")
    mine = consent.state(proposal, current).of(actor.id)
    if value == Answer.WITHDRAWN.value:
        if mine is None or mine.receipt is None or mine.receipt.answer != Answer.YES.value:
            raise PublicationError("Vous n'avez pas d'accord en cours à retirer.")
    elif digest != current.digest:
        raise PublicationError(
            "Le texte a changé depuis que vous l'avez lu : relisez l'aperçu avant de répondre."
        )
    receipt = ConsentReceipt(
        proposal_id=proposal.id,
        user_id=actor.id,
        answer=value,
        digest=current.digest,
        revision=current.revision,
        licence_id=current.licence_id,
        attribution_mode=current.mode,
        credit=current.credit_of(actor)[:300],
    )
    db.session.add(receipt)
    db.session.flush()
    record(actor, "publication.consent", proposal, answer=value, digest=current.digest)
    after = consent.state(proposal, current)
    if value == Answer.NO.value:
        people = [*queries.facilitators(proposal.group_id)]
        proposer = db.session.get(User, proposal.proposed_by_id or 0)
        notify.notify(
            [*people, *([proposer] if proposer else [])], "publication.refused", proposal, actor
        )
    elif value == Answer.YES.value and after.ready:
        notify.notify(queries.facilitators(proposal.group_id), "publication.ready", proposal, actor)
    return receipt


def remind(actor: User, proposal: Proposal) -> int:
    """Ask again those who have not agreed to the current text; return how many."""
    group = group_of(proposal)
    require(
        policy.can_cancel(actor, proposal, group),
        "Seules la personne qui a proposé la publication et l'animation peuvent relancer.",
    )
    proposal = lock_open(proposal)
    current = consent.preview(proposal)
    waiting = [c for c in consent.state(proposal, current).consents if c.status != "yes"]
    for c in waiting:
        kind = "publication.renew" if c.receipt is not None else "publication.consent"
        notify.notify([c.user], kind, proposal, actor)
    record(actor, "publication.remind", proposal, count=len(waiting))
    return len(waiting)


def edit(actor: User, proposal: Proposal, *, base: int, body: str, comment: str) -> int:
    """A facilitator's edit under review: a new revision of the group REX. Consents given for
    the previous text no longer match its digest: the contributors are asked again (return
    how many)."""
    group = group_of(proposal)
    require(policy.can_review(actor, proposal, group), REVIEWERS_ONLY)
    comment = single_line(comment)
    if not comment:
        raise PublicationError(
            "Indiquez la raison de la modification (elle figure à l'historique)."
        )
    proposal = lock_open(proposal)
    rex = db.session.get(Rex, proposal.rex_id)
    assert rex is not None
    result = wiki.save(actor, rex, base=base, body=body, comment=f"Relecture : {comment}")
    if result.revision is None:
        return 0
    current = consent.preview(proposal, rex)
    stale = [c for c in consent.state(proposal, current).consents if c.status == "stale"]
    notify.notify([c.user for c in stale], "publication.renew", proposal, actor)
    record(actor, "publication.edit", proposal, reason=comment, revision=result.revision.number)
    return len(stale)


def check_ready(proposal: Proposal, current: consent.Preview) -> None:
    """Refuse unless every contributor agreed to the current text (one refusal blocks)."""
    state = consent.state(proposal, current)
    refused = [c.user.display_name for c in state.consents if c.status == "no"]
    if refused:
        raise PublicationError(
            "Publication impossible : " + ", ".join(refused) + " a refusé (un refus suffit)."
        )
    if not state.ready:
        raise PublicationError(
            "Publication impossible sans l'accord de chaque contributeur·rice sur le texte "
            "actuel : il manque celui de "
            + ", ".join(u.display_name for u in state.missing())
            + "."
        )


def attest(actor: User, proposal: Proposal, *, checklist: dict[str, bool], digest: str) -> None:
    """The facilitator attests the reviewed text (every checklist item ticked)."""
    group = group_of(proposal)
    require(
        policy.can_review(actor, proposal, group),
        "Seule l'animation du groupe peut relire et attester une publication.",
    )
    proposal = lock_open(proposal)
    if not all(checklist.get(key) for key in CHECKLIST):
        raise PublicationError("Cochez chaque point de la liste de relecture pour attester.")
    current = consent.preview(proposal)
    if digest != current.digest:
        raise PublicationError(
            "Le texte a changé depuis que vous l'avez relu : relisez l'aperçu puis attestez."
        )
    check_ready(proposal, current)
    proposal.attested_by_id = actor.id
    proposal.attested_at = db.utcnow()
    proposal.attested_digest = current.digest
    proposal.checklist = dict.fromkeys(CHECKLIST, True)
    db.session.flush()
    record(actor, "publication.attest", proposal, digest=current.digest)
