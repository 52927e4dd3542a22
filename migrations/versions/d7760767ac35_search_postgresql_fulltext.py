"""search: PostgreSQL full-text tables; deletion triggers feeding the index queue

On every database: AFTER DELETE triggers that queue index updates for rows removed by
ON DELETE CASCADE or bulk deletes (commons/search/triggers.py).

On PostgreSQL only: creates the unaccent and pg_trgm extensions (a DBA must allow them when
the application's database user is not a superuser: see README, "Recherche"), the IMMUTABLE
commons_unaccent() wrapper, the commons_fr text search configuration, and the two tables with
their GIN indexes.
On SQLite the Whoosh backend keeps its index in files: no table.

Revision ID: d7760767ac35
Revises: 375a0bf69e44
Create Date: 2026-11-22 05:29:46
"""

from __future__ import annotations

from alembic import op

from commons.search import pg_schema, triggers

revision = "d7760767ac35"
down_revision = "375a0bf69e44"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    triggers.install(bind)
    if bind.dialect.name == "postgresql":
        pg_schema.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    triggers.uninstall(bind)
    if bind.dialect.name == "postgresql":
        pg_schema.uninstall(bind)
