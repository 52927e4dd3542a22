"""Collectivité permissions."""

from __future__ import annotations

from ..actor import Actor
from .models import Collectivite


def _signed_in(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def can_view_collectivite(actor: Actor, collectivite: Collectivite) -> bool:
    """Validated collectivités are public; proposed ones are seen by admins and their proposer."""
    if collectivite.validated:
        return True
    return _signed_in(actor) and (actor.is_admin or actor.id == collectivite.proposed_by_id)


def can_view_members(actor: Actor, collectivite: Collectivite) -> bool:
    """The agents of a collectivité are listed to signed-in users only."""
    return _signed_in(actor)


def can_review(actor: Actor) -> bool:
    """Administrators validate or edit proposed collectivités."""
    return _signed_in(actor) and actor.is_admin
