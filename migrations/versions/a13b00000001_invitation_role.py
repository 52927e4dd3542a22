"""invitation role (a facilitator appointed by invitation)

An invitation carries the group role its invitee gets on accepting: ``member`` (every existing
invitation) or ``facilitator`` (an appointment, by a facilitator of the group or, for a group left
without facilitator, by an administrator).

Revision ID: a13b00000001
Revises: b13a00000001
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a13b00000001"
down_revision = "b13a00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="member")
        )


def downgrade() -> None:
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("role")
