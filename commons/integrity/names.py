"""Unique names under concurrency.

Checking that a slug is free and then inserting it is a race: two requests see the slug free
and the second insert violates the unique index (an HTTP 500 on PostgreSQL). Here each
candidate is written inside a SAVEPOINT; a unique violation on the name rolls back only that
savepoint and the next candidate is tried, so the outcome is decided by the database on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from .. import db

T = TypeVar("T")
_ALPHABET = string.ascii_lowercase + string.digits


class NameTaken(ValueError):
    """Every candidate was taken: a French message for the user, whose form is kept."""


def random_suffix(length: int = 6) -> str:
    """A short random suffix (lowercase letters and digits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def insert_unique(
    candidates: Iterable[str],
    attempt: Callable[[str], T],
    *,
    constraint: str,
    message: str = "Ce nom vient d'être pris : réessayez.",
) -> T:
    """Run ``attempt(name)`` (which writes and flushes) for each candidate in turn, each in a
    savepoint, until one does not violate the unique index named ``constraint``.

    Objects added inside a failed attempt are discarded with its savepoint: ``attempt`` must
    (re-)add what it writes. Another integrity error is raised as is. When the candidates run
    out, :class:`NameTaken` carries ``message``.
    """
    for name in candidates:
        try:
            with db.session.begin_nested():
                return attempt(name)
        except IntegrityError as exc:
            if constraint not in str(exc.orig) and _column(constraint) not in str(exc.orig):
                raise
    raise NameTaken(message)


def _column(constraint: str) -> str:
    """SQLite names the column (``rex.slug``), PostgreSQL the index (``uq_rex_slug``)."""
    table_col = constraint.removeprefix("uq_").removeprefix("pk_")
    table, _, col = table_col.rpartition("_")
    return f"{table}.{col}" if table else table_col
