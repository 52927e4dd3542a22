"""collectivité refusal (an administrator refuses a proposed collectivité, with a reason)

Revision ID: a18b00000001
Revises: a15b00000001
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from commons.db import UTCDateTime

revision = "a18b00000001"
down_revision = "a15b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collectivite") as batch:
        batch.add_column(sa.Column("refused_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("refusal_reason", sa.String(length=500), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("collectivite") as batch:
        batch.drop_column("refusal_reason")
        batch.drop_column("refused_at")
