"""REX permissions: one predicate per decision, and the SQL filter that agrees with them.

A REX in a group is seen by the group's members (and its facilitators) only; a network REX by
every signed-in agent; a public REX by anyone (its *audience*). Moderation is part of visibility:
a REX hidden by the facilitators is seen only by those who moderate it. Whoever sees a REX may
improve it (it is a wiki), except suspended or anonymous users.

Three rules sit above the others (README « Qui peut changer quoi »):

* the commons is irrevocable: a public REX never leaves the public space (only moderation hides
  it);
* private words stay where they were said: a REX never moves from one group to another, and any
  change of audience needs every contributor's consent (:mod:`.agreements`) unless the actor is
  the only one whose words are in it;
* nobody enters a private space by their own hand (see :mod:`commons.groups.policy`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from ..accounts.policy import is_member_user
from ..actor import Actor
from ..groups import policy as groups
from .models import Rex, Space

AUDIENCE = {Space.GROUP.value: 0, Space.NETWORK.value: 1, Space.PUBLIC.value: 2}


def in_audience(actor: Actor, rex: Rex) -> bool:
    """The REX's space admits the actor: public to all, network to signed-in agents, group to
    its members. Moderation is not considered: see :func:`can_view_rex`."""
    if rex.space == Space.PUBLIC.value:
        return True
    if rex.space == Space.NETWORK.value:
        return is_member_user(actor)
    return rex.group_id is not None and rex.group_id in groups.group_ids_of(actor)


def can_view_rex(actor: Actor, rex: Rex) -> bool:
    """In the audience, and not hidden by the facilitators unless the actor moderates it."""
    if not in_audience(actor, rex):
        return False
    return not rex.hidden or can_moderate_rex(actor, rex)


def can_see_hidden_notice(actor: Actor, rex: Rex) -> bool:
    """A hidden REX shows its audience a notice « masqué par l'animation » (title only, no
    text, no history, no discussion) instead of a plain 404."""
    return rex.hidden and in_audience(actor, rex)


def _audience_clause(actor: Actor) -> ColumnElement[bool]:
    clauses = [Rex.space == Space.PUBLIC.value]
    if is_member_user(actor):
        clauses.append(Rex.space == Space.NETWORK.value)
        ids = groups.group_ids_of(actor)
        if ids:
            clauses.append(and_(Rex.space == Space.GROUP.value, Rex.group_id.in_(ids)))
    return or_(*clauses)


def _moderated_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of :func:`can_moderate_rex`."""
    if not is_member_user(actor):
        return false()
    clauses: list[ColumnElement[bool]] = []
    facilitated = groups.facilitated_group_ids(actor)
    if facilitated:
        clauses.append(and_(Rex.space == Space.GROUP.value, Rex.group_id.in_(facilitated)))
    if actor.is_facilitator:
        clauses.append(Rex.space != Space.GROUP.value)
    return or_(*clauses) if clauses else false()


def visible_rex(actor: Actor) -> ColumnElement[bool]:
    """SQL filter matching :func:`can_view_rex` (audience and moderation state)."""
    return and_(_audience_clause(actor), or_(Rex.hidden.is_(False), _moderated_clause(actor)))


def can_moderate_rex(actor: Actor, rex: Rex) -> bool:
    """Hide, restore, read when hidden: the group's facilitators for a group REX, the network
    facilitators and administrators for a network or public REX."""
    if not is_member_user(actor):
        return False
    if rex.space == Space.GROUP.value:
        return rex.group_id is not None and rex.group_id in groups.facilitated_group_ids(actor)
    return bool(actor.is_facilitator)


def can_create_rex(actor: Actor, space: str, group_id: int | None) -> bool:
    """Signed-in agents write in the network, the commons, or a group they belong to."""
    if not is_member_user(actor):
        return False
    if space == Space.GROUP.value:
        return group_id is not None and group_id in groups.group_ids_of(actor)
    return space in (Space.NETWORK.value, Space.PUBLIC.value)


def can_edit_rex(actor: Actor, rex: Rex) -> bool:
    """Anyone signed in who can see the REX may improve it, except a copy published by
    consent (frozen: its contributors consented to that exact text; derive a new REX); a REX
    hidden by the facilitators is seen, hence edited, by them only."""
    return is_member_user(actor) and can_view_rex(actor, rex) and not rex.frozen


def widens_audience(rex: Rex, space: str) -> bool:
    """Whether moving ``rex`` to ``space`` shows it to more people."""
    return AUDIENCE[space] > AUDIENCE[rex.space]


def move_refusal(rex: Rex, space: str, group_id: int | None) -> str | None:
    """Why no one, whatever their role or the contributors' consent, may move ``rex`` to
    ``space``/``group_id`` (``None``: the move is possible in principle)."""
    if rex.frozen:
        return (
            "Ce REX a été publié par consentement : son texte, sa licence et son espace sont figés."
        )
    if rex.space == Space.PUBLIC.value and space != Space.PUBLIC.value:
        return (
            "Ce REX est dans les communs : ce qui est public le reste. Seule l'animation peut "
            "le masquer (avec un motif), par exemple pour une demande de retrait."
        )
    if rex.space == Space.GROUP.value and space == Space.GROUP.value and group_id != rex.group_id:
        return (
            "Un REX ne passe jamais d'un groupe à un autre : les mots d'un groupe restent dans "
            "ce groupe. Rédigez un nouveau REX dans l'autre groupe."
        )
    if space == rex.space and group_id == rex.group_id:
        return "Le REX est déjà dans cet espace."
    return None


def can_move_rex(actor: Actor, rex: Rex, space: str, group_id: int | None) -> bool:
    """Ask for (or make) a change of audience: an editor of the REX who may write in the
    target space, for a move that :func:`move_refusal` allows. Whether the actor may apply it
    alone (sole contributor) or needs the others' consent is decided by the service."""
    if move_refusal(rex, space, group_id) is not None:
        return False
    return can_edit_rex(actor, rex) and can_create_rex(actor, space, group_id)


def can_change_licence(actor: Actor, rex: Rex) -> bool:
    """Who may change (alone, or by asking the contributors' consent) a REX's licence; nobody
    for a copy published by consent (its licence is locked)."""
    return can_edit_rex(actor, rex) and not rex.frozen
