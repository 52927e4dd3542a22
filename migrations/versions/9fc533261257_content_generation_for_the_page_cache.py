"""content generation for the page cache

One row, bumped by every transaction that changes content; the page cache for visitors serves
a stored page only while the counter has not moved (commons/pagecache.py).

Revision ID: 9fc533261257
Revises: 6b87bd472e10
Create Date: 2026-11-22 08:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9fc533261257"
down_revision = "6b87bd472e10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "content_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 1}])


def downgrade() -> None:
    op.drop_table("content_generation")
