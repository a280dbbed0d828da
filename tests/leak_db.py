"""A database with the leak city (tests/leak_city.py), its copy under another name, the
one-small-cell city, an account per role and two saved scenarios: what the leak tests and
the attacker read. Built once per test session (per xdist worker), copied per module."""

from __future__ import annotations

import shutil
from pathlib import Path

from argon2 import PasswordHasher

from models.db import get_engine, session_scope, upgrade_database
from planner import passwords
from service import access
from service.access import Actor
from tests.leak_city import (
    CITY,
    OTHER_CITY,
    PARTNER_AGENCY,
    leak_package,
    one_small_cell_package,
)

PASSWORD = "correct horse battery staple"
ADMIN = Actor("setup", "admin")

ACTORS: dict[str, Actor] = {
    "admin": Actor("leak_admin", "admin"),
    "analyst": Actor("leak_analyst", "analyst"),
    "funder": Actor("leak_funder", "funder"),
    "partner": Actor("leak_partner", "partner", agency_id=PARTNER_AGENCY, city=CITY),
    "public": access.PUBLIC_VISITOR,
}
ROLES = tuple(ACTORS)
SUPPRESSED_ROLES = ("funder", "partner", "public")
"""Roles that see counts below k suppressed and confidential agencies masked."""

SAVED = (("Half the money", 0.5), ("All the money", 1.0))
"""Two scenarios saved in the leak city (name, share of the funders' budgets)."""


def build_database(path: Path) -> str:
    """Write the database at `path`; its URL."""
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    upgrade_database(engine)
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        with session_scope(engine) as session:
            package = leak_package()
            access.import_city(ADMIN, session, package)
            access.import_city(ADMIN, session, leak_package(OTHER_CITY))
            access.import_city(ADMIN, session, one_small_cell_package())
            for role, actor in ACTORS.items():
                if role == "public":
                    continue
                access.create_user_as(
                    ADMIN,
                    session,
                    username=actor.username,
                    password=PASSWORD,
                    role=role,
                    city=actor.city,
                    agency_id=actor.agency_id,
                )
            budget = float(package.funders["budget"].sum())
            for name, share in SAVED:
                access.save_scenario_as(
                    ACTORS["analyst"],
                    session,
                    city_name=CITY,
                    name=name,
                    note=None,
                    parameters={"name": name, "budget": budget * share},
                )
    finally:
        passwords._hasher = saved
    engine.dispose()
    return url


def copy_database(template: Path, folder: Path) -> str:
    target = folder / "leaks.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
