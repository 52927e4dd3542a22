"""Account read queries for pages."""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from .models import User


def by_handle(handle: str) -> User | None:
    """The account with this ``@identifiant``, whatever its state."""
    return db.session.scalar(select(User).where(User.handle == handle))
