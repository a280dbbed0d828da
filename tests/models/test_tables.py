"""The tables follow planner.schema and the naming rules."""

from __future__ import annotations

import re

import pytest

from models.repository import PACKAGE_PARTS
from models.tables import StoredModel
from planner.schema import column_names

SNAKE_SINGULAR = re.compile(r"^[a-z]+(_[a-z]+)*$")


@pytest.mark.parametrize("part", PACKAGE_PARTS, ids=lambda p: p.frame)
def test_package_tables_have_the_schema_columns(part) -> None:
    extra = {"id", "city_id"}
    if part.frame == "districts":
        extra.add("geometry")
    if part.frame == "capacity":
        extra |= {"recorded_at", "recorded_by"}
    assert set(part.table.columns.keys()) == set(column_names(part.columns)) | extra


def test_table_names_are_singular_snake_case() -> None:
    for name in StoredModel.metadata.tables:
        assert SNAKE_SINGULAR.match(name), name
        assert not name.endswith("s"), name


NOT_PER_CITY = {"city", "user_account", "audit_event", "login_session", "api_token"}
"""Accounts (and their logins and API tokens) span cities, and the audit log names its city
as text so that it outlives it."""


def test_every_child_table_refers_to_its_city() -> None:
    for name, table in StoredModel.metadata.tables.items():
        if name in NOT_PER_CITY:
            continue
        targets = {
            (fk.parent.name, fk.column.table.name, fk.column.name) for fk in table.foreign_keys
        }
        assert ("city_id", "city", "id") in targets, name
        assert not table.c.city_id.nullable
