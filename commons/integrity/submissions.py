"""One-time submission tokens (the service behind :class:`~.forms.OnceForm`).

A form that creates something carries a random token. The request that creates claims the
token (a row unique per user and token) in the same transaction as the creation, and records
the URL of what it created. A replay of the same form finds the token taken and gets that URL
back. Two copies sent at the same moment queue on the unique index (PostgreSQL) or on the
write lock (SQLite): the second one waits for the first to commit, then finds its row.
Flush only, like every service.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import db
from .models import SubmissionToken

#: How long a token answers replays; older ones are removed when their owner submits again.
KEEP = timedelta(days=30)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A fresh random token for a form."""
    return secrets.token_urlsafe(24)


def _valid(user: Any, token: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and _TOKEN.fullmatch(token or ""))


def claim(user: Any, token: str) -> str | None:
    """Take ``token`` for ``user`` in the current transaction.

    Returns ``None`` when the token is new (the caller creates, then calls :func:`fulfil`), or
    the URL of the first result when the token was already used. A missing or malformed token
    claims nothing (the form is then not protected against replays, as before).
    """
    if not _valid(user, token):
        return None
    try:
        with db.session.begin_nested():
            db.session.add(SubmissionToken(user_id=user.id, token=token))
            db.session.flush()
    except IntegrityError:
        url = db.session.scalar(
            select(SubmissionToken.url).where(
                SubmissionToken.user_id == user.id, SubmissionToken.token == token
            )
        )
        return url or "/"
    db.session.execute(
        delete(SubmissionToken).where(
            SubmissionToken.user_id == user.id, SubmissionToken.created_at < db.utcnow() - KEEP
        )
    )
    return None


def fulfil(user: Any, token: str, url: str) -> None:
    """Record the URL of what the claimed ``token`` created."""
    if not _valid(user, token):
        return
    db.session.execute(
        update(SubmissionToken)
        .where(SubmissionToken.user_id == user.id, SubmissionToken.token == token)
        .values(url=url[:500])
    )
