"""Merging duplicate collectivités (« Région Occitanie » twice…): everything that points to the
duplicate — agents, REX links, any table with a foreign key to ``collectivite.id`` — is moved
to the kept one, then the duplicate is deleted. Found through the schema's foreign keys, so this
module imports no feature. Flush only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, and_, delete, exists, select, update

from .. import db
from ..db import Base
from .models import Collectivite
from .services import CollectiviteError


@dataclass
class Merged:
    """What a merge moved: rows per ``table.column``."""

    moved: dict[str, int]


def _references() -> list[tuple[Table, Column[Any]]]:
    """(table, column) pairs with a foreign key to ``collectivite.id``."""
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "collectivite" for fk in column.foreign_keys):
                found.append((table, column))
    return found


def merge(duplicate: Collectivite, kept: Collectivite) -> Merged:
    """Move every reference from ``duplicate`` to ``kept`` and delete ``duplicate``. The kept
    one keeps its own fields; it takes the duplicate's SIREN when it has none."""
    if duplicate.id == kept.id:
        raise CollectiviteError("Choisissez deux collectivités différentes.")
    moved: dict[str, int] = {}
    for table, column in _references():
        key = f"{table.name}.{column.name}"
        if column.primary_key:  # a link table: drop the links the kept one already has
            others = [c for c in table.primary_key.columns if c is not column]
            twin = table.alias("twin")
            same = and_(
                twin.c[column.name] == kept.id, *[twin.c[c.name] == table.c[c.name] for c in others]
            )
            db.session.execute(
                delete(table).where(column == duplicate.id, exists(select(1).where(same)))
            )
        result = db.session.execute(
            update(table).where(column == duplicate.id).values({column.name: kept.id})
        )
        moved[key] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    siren = duplicate.siren
    db.session.delete(duplicate)
    db.session.flush()
    if siren and not kept.siren:
        kept.siren = siren
    kept.validated = True
    db.session.flush()
    return Merged(moved=moved)
