"""covering indexes for REX lists

On SQLite, ``hidden`` and ``status`` are stored after the REX's HTML, so filtering or counting
on them read each row's overflow pages. These indexes answer list filters and counts without
touching the rows. Plain ``CREATE INDEX`` (no batch mode: the table, its triggers and its data
stay as they are).

Revision ID: 7fa3fef68f51
Revises: 9fc533261257
Create Date: 2026-11-22 08:41:37
"""

from __future__ import annotations

from alembic import op

revision = "7fa3fef68f51"
down_revision = "9fc533261257"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_rex_listing_space", "rex", ["space", "hidden", "status", "updated_at", "id"]
    )
    op.create_index(
        "ix_rex_listing_hidden", "rex", ["hidden", "space", "group_id", "updated_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_rex_listing_hidden", table_name="rex")
    op.drop_index("ix_rex_listing_space", table_name="rex")
