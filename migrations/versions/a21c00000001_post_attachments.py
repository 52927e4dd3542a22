"""attachments on forum posts

Revision ID: a21c00000001
Revises: a18b00000001
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a21c00000001"
down_revision = "a18b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("rex_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_post_id_forum_post"),
            "forum_post",
            ["post_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(batch_op.f("uq_attachment_post_id"), ["post_id", "name"])
        batch_op.create_index(batch_op.f("ix_attachment_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM attachment WHERE post_id IS NOT NULL")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_post_id"))
        batch_op.drop_constraint(batch_op.f("uq_attachment_post_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_attachment_post_id_forum_post"), type_="foreignkey")
        batch_op.drop_column("post_id")
        batch_op.alter_column("rex_id", existing_type=sa.Integer(), nullable=False)
