"""The PostgreSQL search tables: ``search_document`` (one row per indexed document, with a
weighted French ``tsvector`` and a GIN index) and ``search_word`` (the word list of the
"Vouliez-vous dire … ?" suggestions, trigram-indexed).

They are not ORM models (SQLite has no ``tsvector``): the Alembic migration creates them on
PostgreSQL only with :data:`CREATE_STATEMENTS`, ``migrations/env.py`` leaves them out of
``commons db check``, and ``Base.metadata.create_all`` (tests) creates them too on PostgreSQL.

Accent folding: ``unaccent()`` is only STABLE (its dictionary can change), so it cannot be used
in a generated column; :data:`UNACCENT` is an IMMUTABLE wrapper that names the dictionary
explicitly (the usual PostgreSQL recipe). Changing the unaccent rules requires
``commons search reindex``. Snippets (``ts_headline``) parse the *original* text, so they use
the ``commons_fr`` configuration (``french`` with ``unaccent`` before the stemmer), which yields
the same lexemes as ``to_tsvector('french', commons_unaccent(…))``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    event,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.engine import Connection

from ..db import Base

metadata = MetaData()
UNACCENT = "commons_unaccent"
HEADLINE_CONFIG = "commons_fr"
TABLES = ("search_document", "search_word")

search_document = Table(
    "search_document",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("themes", ARRAY(Text), nullable=False),
    Column("kind_coll", ARRAY(Text), nullable=False),
    Column("collectivite", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("group_id", Integer),
    Column("licence", Text),
    Column("year", Integer),
    Column("updated", DateTime(timezone=False)),
    Column("url", Text),
    Column("vector", TSVECTOR),  # generated: never written by the application
)
search_word = Table("search_word", metadata, Column("word", Text, primary_key=True))

_VECTOR = " || ".join(
    f"setweight(to_tsvector('french'::regconfig, {UNACCENT}({expr})), '{weight}')"
    for expr, weight in (
        ("title", "A"),
        ("summary", "B"),
        ("body", "C"),
        ("collectivite || ' ' || author", "D"),
    )
)

CREATE_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The wrapper names unaccent's schema, so it also works under an empty search_path
    # (pg_restore, autovacuum analysing the generated column).
    f"""DO $do$
    DECLARE s text := (SELECT extnamespace::regnamespace::text FROM pg_extension
                       WHERE extname = 'unaccent');
    BEGIN
      EXECUTE 'CREATE OR REPLACE FUNCTION {UNACCENT}(text) RETURNS text '
        || 'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $f$ SELECT '
        || quote_ident(s) || '.unaccent(' || quote_literal(quote_ident(s) || '.unaccent')
        || '::regdictionary, $1) $f$';
    END $do$""",
    f"""DO $do$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{HEADLINE_CONFIG}') THEN
        CREATE TEXT SEARCH CONFIGURATION {HEADLINE_CONFIG} (COPY = pg_catalog.french);
        ALTER TEXT SEARCH CONFIGURATION {HEADLINE_CONFIG}
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
      END IF;
    END $do$""",
    f"""CREATE TABLE IF NOT EXISTS search_document (
      id text PRIMARY KEY,
      kind text NOT NULL,
      title text NOT NULL DEFAULT '',
      summary text NOT NULL DEFAULT '',
      body text NOT NULL DEFAULT '',
      themes text[] NOT NULL DEFAULT '{{}}',
      kind_coll text[] NOT NULL DEFAULT '{{}}',
      collectivite text NOT NULL DEFAULT '',
      author text NOT NULL DEFAULT '',
      visibility text NOT NULL,
      group_id integer,
      licence text,
      year integer,
      updated timestamp without time zone,
      url text,
      vector tsvector GENERATED ALWAYS AS ({_VECTOR}) STORED,
      CONSTRAINT ck_search_document_visibility CHECK (
        visibility IN ('public', 'network')
        OR (visibility = 'group' AND group_id IS NOT NULL))
    )""",
    # fastupdate off: a bulk load must not leave a pending list that hides the index from the
    # planner (measured: sequential scans at 10k documents until the next VACUUM).
    "CREATE INDEX IF NOT EXISTS ix_search_document_vector ON search_document "
    "USING gin (vector) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_visibility "
    "ON search_document (visibility, group_id)",
    "CREATE INDEX IF NOT EXISTS ix_search_document_updated ON search_document (updated)",
    "CREATE TABLE IF NOT EXISTS search_word (word text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS ix_search_word_trgm ON search_word USING gin (word gin_trgm_ops)",
]

DROP_STATEMENTS = [
    "DROP TABLE IF EXISTS search_word",
    "DROP TABLE IF EXISTS search_document",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {HEADLINE_CONFIG}",
    f"DROP FUNCTION IF EXISTS {UNACCENT}(text)",
]


def install(connection: Connection) -> None:
    """Create the extensions, functions and tables (idempotent). PostgreSQL only."""
    for statement in CREATE_STATEMENTS:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    """Drop what :func:`install` created (the extensions stay: others may use them)."""
    for statement in DROP_STATEMENTS:
        connection.exec_driver_sql(statement)


def _after_create(_target: Any, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        install(connection)


# Tests build the schema with ``Base.metadata.create_all``: add the search tables on PostgreSQL.
event.listen(Base.metadata, "after_create", _after_create)
