"""Storage: the database of cities, their data packages, scenarios and plan runs.

`models` never imports streamlit and never connects at import time. Typical use:

    from models import get_engine, import_package, session_scope, upgrade_database

    engine = get_engine()          # the settings' DATABASE_URL (SQLite under var/ by default)
    upgrade_database(engine)       # Alembic migrations to head; a no-op when up to date
    with session_scope(engine) as session:
        import_package(session, package)

To write the next migration after changing `models/tables.py`:
`python -m models revision -m "what changed"`, then read and correct the new file under
models/migrations/versions/.
"""

from models.db import (
    alembic_config,
    dispose_engines,
    get_engine,
    session_scope,
    upgrade_database,
)
from models.errors import (
    CityExists,
    ConcurrentEdit,
    ImportFailed,
    InvalidRecord,
    ScenarioExists,
    StorageError,
    UnknownAgency,
    UnknownCity,
    UnknownScenario,
    UnknownService,
)
from models.repository import (
    ImportSummary,
    capacity_history,
    data_version,
    database_is_empty,
    import_package,
    list_cities,
    load_package,
    record_capacity,
)
from models.scenarios import (
    delete_scenario,
    get_scenario,
    list_plan_runs,
    list_scenarios,
    save_plan_run,
    save_scenario,
)
from models.tables import CapacityPublic, PlanRunPublic, ScenarioPublic

__all__ = [
    "CapacityPublic",
    "CityExists",
    "ConcurrentEdit",
    "ImportFailed",
    "ImportSummary",
    "InvalidRecord",
    "PlanRunPublic",
    "ScenarioExists",
    "ScenarioPublic",
    "StorageError",
    "UnknownAgency",
    "UnknownCity",
    "UnknownScenario",
    "UnknownService",
    "alembic_config",
    "capacity_history",
    "data_version",
    "database_is_empty",
    "delete_scenario",
    "dispose_engines",
    "get_engine",
    "get_scenario",
    "import_package",
    "list_cities",
    "list_plan_runs",
    "list_scenarios",
    "load_package",
    "record_capacity",
    "save_plan_run",
    "save_scenario",
    "session_scope",
    "upgrade_database",
]
