"""The errors a client of the service layer may catch, in one place (clients never import
models/): storage's own, re-exported, the database driver's (`DatabaseError`: the
database refused or failed), and the refusal of the access rules."""

from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from models.accounts import UnknownUser
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
from service.access import AccessDenied

__all__ = [
    "AccessDenied",
    "CityExists",
    "ConcurrentEdit",
    "DatabaseError",
    "ImportFailed",
    "InvalidRecord",
    "ScenarioExists",
    "StorageError",
    "UnknownAgency",
    "UnknownCity",
    "UnknownScenario",
    "UnknownService",
    "UnknownUser",
]
