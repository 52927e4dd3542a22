"""Account permissions."""

from __future__ import annotations

from ..actor import Actor
from .models import User


def is_member_user(actor: Actor) -> bool:
    """Whether ``actor`` is a signed-in, active user (a suspended or unconfirmed account is
    worth an anonymous visitor, whichever path hands it to a predicate)."""
    return (
        bool(getattr(actor, "is_authenticated", False))
        and isinstance(actor, User)
        and actor.is_active
    )


def can_view_profile(actor: Actor, user: User) -> bool:
    """Profiles (name, métier, collectivité) are visible to signed-in users of the network."""
    return is_member_user(actor)


def can_edit_profile(actor: Actor, user: User) -> bool:
    """One edits one's own profile; administrators may edit any."""
    return is_member_user(actor) and (actor.id == user.id or actor.is_admin)
