"""Several app instances starting at once on one PostgreSQL database: each runs
`upgrade_database` (as `ui.data` does), and they must not trip over each other."""

from __future__ import annotations

from functools import partial

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from models import alembic_config, upgrade_database
from models.tables import StoredModel
from tests.models.test_concurrency import run_together

INSTANCES = 3


def test_instances_starting_at_once_migrate_one_after_the_other(
    backend: str, database_url: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite serves one machine: `python -m models upgrade` runs before the app")
    # One engine each, as separate processes would have.
    engines = [create_engine(database_url, poolclass=NullPool) for _ in range(INSTANCES)]
    try:
        outcomes = run_together(*(partial(upgrade_database, engine) for engine in engines))
        assert outcomes == [None] * INSTANCES
        head = ScriptDirectory.from_config(alembic_config(engines[0])).get_current_head()
        with engines[0].connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
        assert set(StoredModel.metadata.tables) <= set(inspect(engines[0]).get_table_names())
    finally:
        for engine in engines:
            engine.dispose()
