"""Database triggers that queue index updates for changes the ORM never sees.

The ``after_flush`` listener of :mod:`.outbox` only knows the objects a session flushes. Rows
removed by ``ON DELETE CASCADE`` (a group's threads, a thread's posts, a REX's talk thread, a
collectivité's links to REX), by a bulk ``delete()`` or by hand in SQL bypass it, and so does
a bulk ``update()`` of the columns that decide visibility (hiding, moving, unlisting): these
triggers write the queue row in the same transaction instead, on SQLite and PostgreSQL (a
duplicate row for an ORM change is harmless: the drain rebuilds each document once).

Created by the Alembic migration and, for tests, by ``Base.metadata.create_all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..db import Base

#: (table, document prefix, id column of the deleted row, action).
DELETIONS = [
    ("rex", "rex", "id", "delete"),
    ("forum_thread", "thread", "id", "delete"),
    ("forum_post", "thread", "thread_id", "upsert"),
    ("peer_group", "group", "id", "delete"),
    ("collectivite", "collectivite", "id", "delete"),
    ("rex_collectivite", "rex", "rex_id", "upsert"),
]


#: (table, document prefix, id column, columns whose change may hide or reveal the document).
VISIBILITY_UPDATES = [
    ("rex", "rex", "id", "space, group_id, hidden"),
    ("forum_thread", "thread", "id", "space, group_id, rex_id, hidden"),
    ("forum_post", "thread", "thread_id", "hidden, deleted_at"),
    ("peer_group", "group", "id", "listed"),
    ("collectivite", "collectivite", "id", "validated"),
]


def _name(table: str, event: str = "delete") -> str:
    return f"search_queue_{table}_{event}"


def _changed(columns: str, operator: str) -> str:
    """``OLD.a IS NOT NEW.a OR …`` for a comma-separated column list."""
    return " OR ".join(f"OLD.{c} {operator} NEW.{c}" for c in columns.split(", "))


def sqlite_statements() -> list[str]:
    """One ``AFTER DELETE`` trigger per table (fired by foreign key cascades too)."""
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
    insert = "INSERT INTO search_index_queue (doc_id, action, created_at) VALUES"
    deletes = [
        f"CREATE TRIGGER IF NOT EXISTS {_name(table)} AFTER DELETE ON {table} BEGIN "
        f"{insert} ('{prefix}:' || OLD.{column}, '{action}', {now}); END"
        for table, prefix, column, action in DELETIONS
    ]
    updates = [
        f"CREATE TRIGGER IF NOT EXISTS {_name(table, 'update')} AFTER UPDATE OF {columns} "
        f"ON {table} WHEN {_changed(columns, 'IS NOT')} "
        f"BEGIN {insert} ('{prefix}:' || NEW.{column}, 'upsert', {now}); END"
        for table, prefix, column, columns in VISIBILITY_UPDATES
    ]
    return deletes + updates


def postgresql_statements() -> list[str]:
    """A trigger function (prefix, column, action as arguments) and one trigger per table."""
    function = """CREATE OR REPLACE FUNCTION search_queue_change() RETURNS trigger
    LANGUAGE plpgsql AS $f$
    BEGIN
      INSERT INTO search_index_queue (doc_id, action, created_at)
      VALUES (TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1]), TG_ARGV[2], now());
      RETURN NULL;
    END $f$"""
    triggers = []
    for table, prefix, column, action in DELETIONS:
        triggers.append(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}")
        triggers.append(
            f"CREATE TRIGGER {_name(table)} AFTER DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION search_queue_change('{prefix}', '{column}', '{action}')"
        )
    for table, prefix, column, columns in VISIBILITY_UPDATES:
        triggers.append(f"DROP TRIGGER IF EXISTS {_name(table, 'update')} ON {table}")
        triggers.append(
            f"CREATE TRIGGER {_name(table, 'update')} AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns, 'IS DISTINCT FROM')}) "
            f"EXECUTE FUNCTION search_queue_change('{prefix}', '{column}', 'upsert')"
        )
    return [function, *triggers]


def install(connection: Connection) -> None:
    """Create the triggers (idempotent) for the connection's dialect."""
    if connection.dialect.name == "postgresql":
        statements = postgresql_statements()
    elif connection.dialect.name == "sqlite":
        statements = sqlite_statements()
    else:
        raise RuntimeError(f"unsupported database: {connection.dialect.name}")
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    """Drop the triggers (and the PostgreSQL function)."""
    names = [(t, _name(t)) for t, *_ in DELETIONS]
    names += [(t, _name(t, "update")) for t, *_ in VISIBILITY_UPDATES]
    for table, name in names:
        on = f" ON {table}" if connection.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_queue_change()")


def _after_create(_target: Any, connection: Connection, **_kw: Any) -> None:
    install(connection)


event.listen(Base.metadata, "after_create", _after_create)
