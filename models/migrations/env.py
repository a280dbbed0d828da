"""Alembic environment for Haven, configured from `models.db` (no alembic.ini needed).

`models.db.upgrade_database` passes an open connection in `config.attributes`; a config
from `models.db.alembic_config` passes an engine; otherwise the settings' URL is used.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from models.db import get_engine
from models.tables import StoredModel
from planner.settings import get_settings

config = context.config
target_metadata = StoredModel.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite alters most things by copying the table: let later migrations do so.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (`alembic upgrade --sql`); no driver needed."""
    engine = config.attributes.get("engine")
    url = engine.url if engine is not None else config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url or get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes.get("engine") or get_engine(
        config.get_main_option("sqlalchemy.url") or None
    )
    with engine.begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
