"""rex_theme association: an indexed copy of rex.themes for the lists filtered by theme

Creates ``rex_theme`` (theme, rex_id), filled from the JSON list ``rex.themes`` of every existing
REX (parsed in Python, in batches of 1,000 REX, so the same code runs on SQLite and PostgreSQL);
from then on the ``Rex`` mapper events keep it in step (commons/wiki/models.py).

Revision ID: 6b87bd472e10
Revises: d7760767ac35
Create Date: 2026-11-22 08:19:14.528200
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "6b87bd472e10"
down_revision = "d7760767ac35"
branch_labels = None
depends_on = None

BATCH = 1_000


def _codes(serialised: str | None) -> list[str]:
    """The distinct theme codes of a serialised ``rex.themes`` (anything else: none)."""
    try:
        value: Any = json.loads(serialised) if serialised else []
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(c for c in value if isinstance(c, str) and 0 < len(c) <= 60))


def backfill(bind: sa.engine.Connection) -> int:
    """Insert the ``rex_theme`` rows of every REX, keyset-paginated by id; the row count."""
    rex = sa.table("rex", sa.column("id", sa.Integer), sa.column("themes", sa.JSON))
    rex_theme = sa.table(
        "rex_theme", sa.column("theme", sa.String), sa.column("rex_id", sa.Integer)
    )
    last, written = 0, 0
    while True:
        batch = bind.execute(
            sa.select(rex.c.id, sa.cast(rex.c.themes, sa.Text))
            .where(rex.c.id > last)
            .order_by(rex.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return written
        rows = [{"theme": code, "rex_id": rex_id} for rex_id, raw in batch for code in _codes(raw)]
        if rows:
            bind.execute(rex_theme.insert(), rows)
        written += len(rows)
        last = batch[-1][0]


def upgrade() -> None:
    op.create_table(
        "rex_theme",
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("rex_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rex_id"], ["rex.id"], name=op.f("fk_rex_theme_rex_id_rex"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("theme", "rex_id", name=op.f("pk_rex_theme")),
    )
    with op.batch_alter_table("rex_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rex_theme_rex_id"), ["rex_id"], unique=False)
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("rex_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rex_theme_rex_id"))
    op.drop_table("rex_theme")
