"""server-side sessions

One ``user_session`` row per signed-in browser (token digest, user, created, last activity,
browser and system, address): a logout deletes it, so a replayed cookie is dead. It replaces the
per-user ``session_version`` counter, which is dropped (SQLite: native ``DROP COLUMN``, so the
referenced ``user_account`` table is not rebuilt).

Revision ID: a15b00000001
Revises: a21b00000001
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import commons.db

revision = "a15b00000001"
down_revision = "a21b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index("ix_user_session_user_seen", "user_session", ["user_id", "last_seen_at"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account DROP COLUMN session_version")
    else:
        op.drop_column("user_account", "session_version")


def downgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.drop_index("ix_user_session_user_seen", table_name="user_session")
    op.drop_table("user_session")
