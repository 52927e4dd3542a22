"""identity: external OpenID Connect identities, TOTP devices, recovery codes, deletions

The audit log's append-only triggers are re-created: they now let an erased account's name
snapshots become its pseudonym (``ancien-membre-…``) and nothing else.

Revision ID: a20b00000001
Revises: a13b00000001
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import commons.db

revision = "a20b00000001"
down_revision = "a13b00000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", commons.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_external_identity_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identity")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_external_identity_provider")),
    )
    op.create_index(
        op.f("ix_external_identity_user_id"), "external_identity", ["user_id"], unique=False
    )
    op.create_table(
        "totp_device",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", commons.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_totp_device_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_totp_device")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", commons.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_recovery_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"], unique=False)
    op.create_table(
        "account_deletion",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_account_deletion_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_deletion")),
    )
    op.create_index(
        op.f("ix_account_deletion_due_at"), "account_deletion", ["due_at"], unique=False
    )
    _replace_audit_update_guard()


def _replace_audit_update_guard() -> None:
    from commons.audit.models import trigger_statements

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(trigger_statements(dialect)[0])  # CREATE OR REPLACE FUNCTION
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute(trigger_statements(dialect)[0])


def downgrade() -> None:
    op.drop_index(op.f("ix_account_deletion_due_at"), table_name="account_deletion")
    op.drop_table("account_deletion")
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_table("totp_device")
    op.drop_index(op.f("ix_external_identity_user_id"), table_name="external_identity")
    op.drop_table("external_identity")
