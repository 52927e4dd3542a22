"""collectivité description (editorial notes on a collectivité, out of its official name)

Revision ID: a18d00000001
Revises: a16m00000001
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a18d00000001"
down_revision = "a16m00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collectivite") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("collectivite") as batch:
        batch.drop_column("description")
