"""Who may manage which identity settings. Each predicate has its SQL twin."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from ..accounts.models import User
from ..actor import Actor
from .models import ExternalIdentity


def can_manage_identities(actor: Actor, user: User) -> bool:
    """Only the person links, unlinks and sets up a second factor for their own account."""
    return bool(getattr(actor, "is_authenticated", False)) and actor.id == user.id


def visible_identities(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of :func:`can_manage_identities` on :class:`ExternalIdentity` rows."""
    if not getattr(actor, "is_authenticated", False):
        return false()
    return ExternalIdentity.user_id == actor.id


def two_factor_required(user: User, required_roles: str) -> bool:
    """Whether ``user``'s network role must use a second factor (``TWO_FACTOR_REQUIRED_ROLES``)."""
    return user.role in set(required_roles.split())
