"""Who may change a REX's audience and licence, and how (README « Qui peut changer quoi »).

A change of audience (group -> network -> commons, or back to a group) or of licence touches
the words of everyone who wrote in the REX: revision authors, its creator, and whoever changed
its title or description. The actor makes it alone only when nobody else wrote in it; otherwise
it needs every contributor's recorded consent (:mod:`.agreements`), and it is impossible when a
contributor has no account here (imported or shipped text). A public REX never leaves the
commons, and a REX never passes from one group to another (:func:`.policy.move_refusal`).

Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import audit, db, errors
from ..accounts.models import User
from ..licensing import compat, registry
from . import policy, services
from .models import Event, Revision, Rex, Space
from .rendering import refresh_referrers, rerender
from .revisions import DetailedRefusal

for _key, _label in {
    "rex.move": "Changement d'espace d'un REX",
}.items():
    audit.register_action(_key, _label)


#: History events that carry nobody's words (every other kind, such as a rename or a change of
#: description, makes its author a contributor whose consent a change of audience needs).
WORDLESS_EVENTS = frozenset({"move", "licence", "derivation"})


def contributor_ids(rex: Rex) -> set[int]:
    """Accounts whose words are in the REX: revision authors, its creator, and whoever changed
    its title or description (history events)."""
    authors = select(Revision.author_id).where(
        Revision.rex_id == rex.id, Revision.author_id.is_not(None)
    )
    editors = select(Event.actor_id).where(
        Event.rex_id == rex.id, Event.actor_id.is_not(None), Event.kind.not_in(WORDLESS_EVENTS)
    )
    ids = set(db.session.scalars(authors.union(editors)))
    if rex.created_by_id is not None:
        ids.add(rex.created_by_id)
    return {i for i in ids if i is not None}


def unnamed_contributors(rex: Rex) -> list[str]:
    """Credited names with no local account (imported or shipped revisions): they cannot be
    asked for their consent here."""
    return sorted(
        set(
            db.session.scalars(
                select(Revision.author_name).where(
                    Revision.rex_id == rex.id,
                    Revision.author_id.is_(None),
                    Revision.author_name != "",
                )
            )
        )
    )


def is_sole_contributor(actor: User, rex: Rex) -> bool:
    """Whether the actor is the only person whose words are in the REX."""
    return contributor_ids(rex) <= {actor.id} and not unnamed_contributors(rex)


@dataclass
class ConsentNeeded(DetailedRefusal):
    """The change needs the consent of the other contributors (:mod:`.agreements`)."""

    people: list[int]

    def __str__(self) -> str:
        return (
            "D'autres personnes ont écrit dans ce REX : ce changement demande l'accord de "
            "chacune. Vous pouvez le leur demander ci-dessous."
        )


def _consent_gate(actor: User, rex: Rex, what: str) -> None:
    """Refuse when someone cannot consent; ask for consent when others wrote in the REX."""
    unnamed = unnamed_contributors(rex)
    if unnamed:
        raise services.RexError(
            "Ce REX contient des contributions de personnes sans compte ici "
            f"({', '.join(unnamed)}) : leur accord ne peut pas être recueilli, {what} est donc "
            "impossible. Rédigez un REX « dérivé de » celui-ci."
        )
    others = sorted(contributor_ids(rex) - {actor.id})
    if others:
        raise ConsentNeeded(people=others)


def _check_space(space: str, group_id: int | None) -> None:
    if space not in {s.value for s in Space} or (space == Space.GROUP.value) != (
        group_id is not None
    ):
        raise services.RexError("Espace de publication invalide.")


def check_move(actor: User, rex: Rex, space: str, group_id: int | None) -> None:
    """Everything a move needs but the other contributors' consent (``RexError``)."""
    _check_space(space, group_id)
    refusal = policy.move_refusal(rex, space, group_id)
    if refusal is not None:
        raise services.RexError(refusal)
    services.require(policy.can_move_rex(actor, rex, space, group_id))


def move(actor: User, rex: Rex, space: str, group_id: int | None = None) -> None:
    """Change a REX's audience: alone when the actor is the only person whose words are in it,
    otherwise :class:`ConsentNeeded` (ask with :func:`.agreements.request`). A public REX never
    leaves the commons; a REX never passes from one group to another."""
    check_move(actor, rex, space, group_id)
    _consent_gate(actor, rex, "le changement d'espace")
    apply_move(actor, rex, space, group_id)


def apply_move(
    actor: User | None, rex: Rex, space: str, group_id: int | None, agreement: int | None = None
) -> None:
    """Make the move (checks done by the caller). The talk page keeps its audience: a new
    discussion starts in the new space. Pages linking to the REX are re-rendered."""
    before = rex.space
    rex.space, rex.group_id = space, group_id
    rerender(rex)  # every version's wikilinks follow the new audience
    detail = {"before": before, "after": space}
    if agreement is not None:
        detail["agreement"] = str(agreement)
    services.add_event(rex, actor, "move", **detail)
    db.session.flush()
    refresh_referrers(rex)
    audit.record(
        actor,
        "rex.move",
        target_type="rex",
        target_id=rex.id,
        target_label=rex.title,
        group_id=rex.group_id,
        detail=detail,
    )


def check_licence(actor: User, rex: Rex, licence_id: str, *, consented: bool = False) -> None:
    """Everything a licence change needs but the contributors' consent (``RexError``)."""
    if rex.frozen:
        raise errors.Forbidden(
            "La licence de ce REX est verrouillée : il a été publié dans les communs avec le "
            "consentement de ses contributeur·rices sous cette licence."
        )
    services.require(policy.can_change_licence(actor, rex))
    if licence_id == rex.licence_id:
        raise services.RexError("Ce REX est déjà sous cette licence.")
    try:
        compat.check_relicense(rex.licence_id, licence_id, other_contributors=not consented)
        for source in services.sources_of(rex):
            compat.check_derivative(source.licence_id, licence_id)
    except registry.LicenceError as exc:
        raise services.RexError(str(exc)) from exc


def change_licence(actor: User, rex: Rex, licence_id: str) -> None:
    """Change the licence: alone when the actor is the only person whose words are in the REX,
    otherwise :class:`ConsentNeeded`. Recorded in the history and the audit log."""
    check_licence(actor, rex, licence_id, consented=True)
    _consent_gate(actor, rex, "le changement de licence")
    apply_licence(actor, rex, licence_id)


def change_or_consent(actor: User, rex: Rex, kind: str, **target: Any) -> list[int]:
    """Make a move (``space``, ``group_id``) or a licence change (``licence_id``) alone, as
    :func:`move` and :func:`change_licence` do; when the other contributors' consent is needed,
    change nothing and return their ids (to ask them with :func:`.agreements.request`)."""
    try:
        if kind == "move":
            move(actor, rex, target["space"], target["group_id"])
        else:
            change_licence(actor, rex, target["licence_id"])
    except ConsentNeeded as exc:  # raised before anything is written
        return exc.people
    return []


def apply_licence(
    actor: User | None, rex: Rex, licence_id: str, agreement: int | None = None
) -> None:
    """Set the licence (checks done by the caller)."""
    before = rex.licence_id
    rex.licence_id = licence_id
    detail = {"before": before, "after": licence_id}
    if agreement is not None:
        detail["agreement"] = str(agreement)
    services.add_event(rex, actor, "licence", **detail)
    db.session.flush()
    audit.record(
        actor,
        "licence.change",
        target_type="rex",
        target_id=rex.id,
        target_label=rex.title,
        group_id=rex.group_id,
        detail=detail,
    )
