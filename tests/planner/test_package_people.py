"""The reader refuses files that hold records about people: Haven stores aggregates only."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.package import read_package, validate_package
from planner.problems import InvalidInput
from planner.tables import person_column_reason
from tests.package_factory import add_column, write_tiny_package

SUFFIX = "Haven holds aggregate counts only"


@pytest.mark.parametrize(
    ("file", "column", "reason"),
    [
        ("demand.csv", "DOB", "a date of birth"),
        ("demand.csv", "name", "a person's name"),
        ("agencies.csv", "home_address", "a person's address or contact"),
    ],
)
def test_a_person_level_column_is_refused_with_its_reason(
    tmp_path: Path, file: str, column: str, reason: str
) -> None:
    package = write_tiny_package(tmp_path / "city")
    add_column(package, file, column, "x")
    messages = [str(p) for p in validate_package(package)]
    expected = f"{file}:1: {column}: looks like a record about a person ({reason}); {SUFFIX}"
    assert expected in messages
    assert not any(p.column == column and not p.is_error for p in validate_package(package))
    with pytest.raises(InvalidInput) as caught:
        read_package(package)
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("file", "column", "reason"),
    [
        ("demand.csv", "date_of_birth", "a date of birth"),
        ("demand.csv", "Client Date of Birth", "a date of birth"),
        ("demand.csv", "first_name", "a person's name"),
        ("demand.csv", "last-name", "a person's name"),
        ("demand.csv", "name", "a person's name"),
        ("capacity.csv", "surname", "a person's name"),
        ("agencies.csv", "victim_name", "a person's name"),
        ("agencies.csv", "home_address", "a person's address or contact"),
        ("demand.csv", "street_address", "a person's address or contact"),
        ("funders.csv", "ssn", "an identity number"),
        ("services.csv", "passport_number", "an identity number"),
    ],
)
def test_person_level_names(file: str, column: str, reason: str) -> None:
    assert person_column_reason(column, file) == reason


@pytest.mark.parametrize(
    ("file", "column"),
    [("agencies.csv", "address"), ("demand.csv", "foreign_born_cases")],
)
def test_aggregate_and_agency_columns_are_not_taken_for_people(
    tmp_path: Path, file: str, column: str
) -> None:
    package = write_tiny_package(tmp_path / "city")
    add_column(package, file, column, "1")
    problems = validate_package(package)
    assert not any("about a person" in str(p) for p in problems)
    assert not [p for p in problems if p.is_error]
    read_package(package)  # an unknown column is a warning, not an error


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("agencies.csv", "phone"),
        ("agencies.csv", "email"),
        ("demand.csv", "age_group"),
        ("demand.csv", "notes"),
        ("capacity.csv", "beds_available"),
    ],
)
def test_aggregate_column_names(file: str, column: str) -> None:
    assert person_column_reason(column, file) is None


def test_the_names_of_agencies_services_and_funders_are_fine() -> None:
    for file in ("agencies.csv", "services.csv", "funders.csv"):
        assert person_column_reason("name", file) is None
    assert person_column_reason("birthplace_count", "demand.csv") is None
    assert person_column_reason("  Date-Of-Birth ", "demand.csv") == "a date of birth"
