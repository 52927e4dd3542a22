"""Alembic environment: uses the engine of the Commons app (see commons/migrate.py)."""

from __future__ import annotations

from alembic import context

from commons.models import Base

config = context.config
target_metadata = Base.metadata
#: Tables created by migrations but not ORM models (PostgreSQL search, see
#: commons/search/pg_schema.py): ``commons db check`` leaves them out.
NOT_MODELS = frozenset({"search_document", "search_word"})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name in NOT_MODELS)


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Commons migrations run online only: use `commons db upgrade`.")
run_migrations_online()
