"""REX consent requests, the wikilink table, talk threads that keep their audience

* ``rex_agreement`` / ``rex_agreement_answer``: every contributor's consent to a change of
  audience or licence (one open request per REX, enforced by a partial unique index);
* ``rex_link``: the keys of the ``[[wikilinks]]`` each REX wrote, backfilled from every
  revision's source, so that pages linking to a REX are re-rendered when it changes;
* ``forum_thread.rex_id`` is no longer unique: a REX keeps one talk thread per audience (a
  group's discussion stays with the group when its REX widens). On SQLite the table is rebuilt
  in batch mode, which drops its search triggers: they are installed again.

Revision ID: b13a00000001
Revises: 7fa3fef68f51
Create Date: 2026-12-03 12:40:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

import commons.db
from commons.search import triggers
from commons.text import fold, slugify

revision = "b13a00000001"
down_revision = "7fa3fef68f51"
branch_labels = None
depends_on = None

WIKILINK = re.compile(r"\[\[([^\[\]\n]{1,200})\]\]")


def upgrade() -> None:
    op.create_table(
        "rex_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rex_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_space", sa.String(length=20), nullable=False),
        sa.Column("target_group_id", sa.Integer(), nullable=True),
        sa.Column("target_licence", sa.String(length=40), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", commons.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rex_id"], ["rex.id"], name=op.f("fk_rex_agreement_rex_id_rex"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_group_id"],
            ["peer_group.id"],
            name=op.f("fk_rex_agreement_target_group_id_peer_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_rex_agreement_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rex_agreement")),
    )
    op.create_index(op.f("ix_rex_agreement_rex_id"), "rex_agreement", ["rex_id"])
    op.create_index(
        "uq_rex_agreement_pending",
        "rex_agreement",
        ["rex_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "rex_agreement_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("created_at", commons.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["rex_agreement.id"],
            name=op.f("fk_rex_agreement_answer_agreement_id_rex_agreement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_rex_agreement_answer_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rex_agreement_answer")),
        sa.UniqueConstraint(
            "agreement_id", "user_id", name=op.f("uq_rex_agreement_answer_agreement_id")
        ),
    )
    op.create_index(
        op.f("ix_rex_agreement_answer_agreement_id"), "rex_agreement_answer", ["agreement_id"]
    )
    op.create_table(
        "rex_link",
        sa.Column("rex_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["rex_id"], ["rex.id"], name=op.f("fk_rex_link_rex_id_rex"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("rex_id", "key", name=op.f("pk_rex_link")),
    )
    op.create_index(op.f("ix_rex_link_key"), "rex_link", ["key"])
    _backfill_links()
    with op.batch_alter_table("forum_thread") as batch:
        batch.drop_constraint("uq_forum_thread_rex_id", type_="unique")
        batch.create_index(batch.f("ix_forum_thread_rex_id"), ["rex_id"])
    triggers.install(op.get_bind())  # a SQLite batch rebuild dropped forum_thread's triggers


def _backfill_links() -> None:
    bind = op.get_bind()
    link = sa.table("rex_link", sa.column("rex_id"), sa.column("key"))
    seen: set[tuple[int, str]] = set()
    rows = bind.execute(sa.text("SELECT rex_id, source FROM rex_revision"))
    for rex_id, source in rows:
        for match in WIKILINK.finditer(source or ""):
            label = match.group(1).strip()
            for key in (slugify(label), fold(label).strip()):
                if key:
                    seen.add((rex_id, key[:200]))
    if seen:
        bind.execute(link.insert(), [{"rex_id": r, "key": k} for r, k in sorted(seen)])


def downgrade() -> None:
    with op.batch_alter_table("forum_thread") as batch:
        batch.drop_index(batch.f("ix_forum_thread_rex_id"))
        batch.create_unique_constraint("uq_forum_thread_rex_id", ["rex_id"])
    triggers.install(op.get_bind())
    op.drop_index(op.f("ix_rex_link_key"), table_name="rex_link")
    op.drop_table("rex_link")
    op.drop_index(
        op.f("ix_rex_agreement_answer_agreement_id"), table_name="rex_agreement_answer"
    )
    op.drop_table("rex_agreement_answer")
    op.drop_index("uq_rex_agreement_pending", table_name="rex_agreement")
    op.drop_index(op.f("ix_rex_agreement_rex_id"), table_name="rex_agreement")
    op.drop_table("rex_agreement")
