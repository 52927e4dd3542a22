"""Who acts: the type every ``can_*`` predicate, query filter and service takes as ``actor``.

A signed-in :class:`commons.accounts.models.User` or the anonymous visitor
(:class:`AnonymousActor`, installed as Flask-Login's anonymous user), seen through one
:class:`typing.Protocol` so that this module imports nothing of the rooms.
"""

from __future__ import annotations

from typing import Protocol


class Actor(Protocol):
    """What the policies read of whoever acts."""

    @property
    def id(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_admin(self) -> bool: ...

    @property
    def is_facilitator(self) -> bool: ...


class AnonymousActor:
    """The visitor who has not signed in: no id, no role, never active."""

    id: int | None = None
    is_authenticated = False
    is_active = False
    is_anonymous = True
    is_admin = False
    is_facilitator = False

    def get_id(self) -> None:
        """Flask-Login's protocol: an anonymous visitor has no id."""
        return None
