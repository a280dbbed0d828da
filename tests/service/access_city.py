"""A migrated database with the tiny city and one account per role, for the access tests.

Passwords are hashed with cheap argon2 parameters here (the same code path, less memory and
time), so that the tests stay fast; the production parameters are argon2-cffi's defaults.
"""

from __future__ import annotations

import dataclasses

from planner.package import CityPackage
from service import access
from service.access import Actor
from tests.package_factory import tiny_package

CITY = "Minneapolis (tiny test package)"
OTHER_CITY = "Elsewhere"
PASSWORD = "correct horse battery staple"
SMALL_CASES = {0: 2, 1: 0, 4: 1}
"""Demand rows (by position) given small counts: 2, 0 and 1 cases."""

ACTORS = {
    "admin": Actor("ada", "admin"),
    "analyst": Actor("ann", "analyst"),
    "funder": Actor("fay", "funder"),
    "partner": Actor("pat", "partner", agency_id="A2", city=CITY),
    "public": access.PUBLIC_VISITOR,
}
"""One actor per role; the partner belongs to agency A2 (a legal clinic, not confidential)."""


def city_package(name: str = CITY) -> CityPackage:
    package = tiny_package()
    demand = package.demand.copy()
    for row, cases in SMALL_CASES.items():
        demand.loc[row, "cases"] = cases
    return dataclasses.replace(
        package, demand=demand, city=dataclasses.replace(package.city, name=name)
    )
