"""edit integrity: one-time submission tokens, one pending join request per person and group

Duplicate pending join requests left by earlier races are withdrawn (the oldest one stays
pending) before the partial unique index is created.

Revision ID: a14b00000001
Revises: a20b00000001
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import commons.db

revision = "a14b00000001"
down_revision = "a20b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_submission_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_token")),
        sa.UniqueConstraint("user_id", "token", name=op.f("uq_submission_token_user_id")),
    )
    op.create_index(
        "ix_submission_token_created_at", "submission_token", ["created_at"], unique=False
    )
    op.execute(
        "UPDATE join_request SET status = 'withdrawn' WHERE status = 'pending' AND id NOT IN "
        "(SELECT MIN(id) FROM join_request WHERE status = 'pending' GROUP BY group_id, user_id)"
    )
    op.create_index(
        "uq_join_request_pending",
        "join_request",
        ["group_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_join_request_pending", table_name="join_request")
    op.drop_index("ix_submission_token_created_at", table_name="submission_token")
    op.drop_table("submission_token")
