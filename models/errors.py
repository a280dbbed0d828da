"""Errors of the storage layer, each with a message a user can act on.

The message is written in the current language when the error is made (`planner.i18n.t`);
the attributes (`name`, `known`, versions) stay as stored, for code that rewords them.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner.i18n import t


class StorageError(Exception):
    """Base of every error raised on purpose by `models`."""


class UnknownCity(StorageError, LookupError):
    """No city of that name in the database."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        listed = ", ".join(repr(k) for k in self.known) if self.known else t("none yet")
        super().__init__(
            t(
                "no city named {name} in the database; known cities: {listed}",
                name=repr(name),
                listed=listed,
            )
        )


class CityExists(StorageError, ValueError):
    """A city of that name is already in the database and no replace was asked for."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            t(
                "city {name} is already in the database; import it again with --replace to "
                "swap its data (its scenarios and plan runs are kept)",
                name=repr(name),
            )
        )


class ImportFailed(StorageError):
    """The database refused a package's rows; nothing of the import was kept."""


class InvalidRecord(StorageError, ValueError):
    """A value given to a write (capacity update, scenario, plan run) is not acceptable."""


class UnknownAgency(InvalidRecord, LookupError):
    """No agency of that id in the city."""


class UnknownService(InvalidRecord, LookupError):
    """No service of that id in the city."""


class UnknownScenario(StorageError, LookupError):
    """No scenario of that name (or id) in the city."""


class ScenarioExists(InvalidRecord):
    """A scenario of that name is already saved for the city."""


class ConcurrentEdit(StorageError):
    """The data changed since the caller read it: the write was refused, nothing was saved.

    `expected` is the version the caller read (`models.data_version`), `current` the one
    stored now; reading the data again and redoing the change is the way out.
    """

    def __init__(self, what: str, *, city_name: str, expected: str, current: str) -> None:
        self.city_name = city_name
        self.expected = expected
        self.current = current
        super().__init__(
            t(
                "{what} was not saved: the data of {city} changed since you read it "
                "(version {expected}, now {current}), perhaps by someone else at the same "
                "time; reload the data and make the change again",
                what=what,
                city=repr(city_name),
                expected=expected,
                current=current,
            )
        )
