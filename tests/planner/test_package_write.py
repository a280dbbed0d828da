"""Writing a package: the files are the documented format and read back row for row."""

from __future__ import annotations

import string
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.package import CityPackage, read_package, write_package
from planner.schema import CSV_FILES, DEMAND_COLUMNS, column_names
from tests.package_factory import tiny_package, write_tiny_package

FRAMES = ("services", "agencies", "capacity", "demand", "funders", "eligibility")


def assert_same_package(actual: CityPackage, expected: CityPackage) -> None:
    assert actual.city == expected.city
    for name in FRAMES:
        pdt.assert_frame_equal(getattr(actual, name), getattr(expected, name))
    pdt.assert_frame_equal(
        pd.DataFrame(actual.districts.drop(columns="geometry")),
        pd.DataFrame(expected.districts.drop(columns="geometry")),
    )
    assert actual.districts.crs == expected.districts.crs
    same = actual.districts.geometry.geom_equals_exact(expected.districts.geometry, tolerance=1e-9)
    assert same.all()


def test_read_write_read_gives_the_same_package(tmp_path: Path) -> None:
    first = read_package(write_tiny_package(tmp_path / "in"))
    second = read_package(write_package(first, tmp_path / "out"))
    assert_same_package(second, first)


def test_tiny_package_round_trips(tmp_path: Path) -> None:
    package = tiny_package()
    assert_same_package(read_package(write_package(package, tmp_path / "out")), package)


def test_writing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    package = tiny_package()
    a = write_package(package, tmp_path / "a")
    b = write_package(read_package(a), tmp_path / "b")
    for file in sorted(p.name for p in a.iterdir()):
        assert (a / file).read_bytes() == (b / file).read_bytes(), file


def test_the_files_have_schema_columns_and_empty_cells(tmp_path: Path) -> None:
    out = write_package(tiny_package(), tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["city.json", "districts.geojson", *CSV_FILES]
    )
    for file, columns in CSV_FILES.items():
        header = (out / file).read_text(encoding="utf-8").splitlines()[0]
        # a version-1 city's demand.csv keeps version 1's columns
        expected = DEMAND_COLUMNS if file == "demand.csv" else columns
        assert header == ",".join(column_names(expected))
    capacity = (out / "capacity.csv").read_text(encoding="utf-8").splitlines()
    assert capacity[-1] == "A3,legal_aid,40,,10,,,,"  # as_of, funded and populations empty
    services = (out / "services.csv").read_text(encoding="utf-8").splitlines()
    assert services[1] == (
        "shelter_women,Shelter beds for women,bed,true,36000,10,,3,women,50000,8,0"
    )
    assert (out / "agencies.csv").read_text(encoding="utf-8").splitlines()[1] == (
        "A1,Safe Harbor House,shelter,44.975,-93.31,D1,en;es,true"
    )


def test_districts_are_written_in_wgs84(tmp_path: Path) -> None:
    package = tiny_package()
    projected = replace(package, districts=package.districts.to_crs("EPSG:3857"))
    text = (write_package(projected, tmp_path / "out") / "districts.geojson").read_text("utf-8")
    assert '"crs"' not in text
    back = read_package(tmp_path / "out")
    assert back.districts.crs.to_epsg() == 4326
    assert back.districts.geometry.geom_equals_exact(package.districts.geometry, 1e-7).all()


def test_a_frame_without_an_optional_column_writes_empty_cells(tmp_path: Path) -> None:
    package = tiny_package()
    trimmed = replace(package, demand=package.demand.drop(columns="source"))
    back = read_package(write_package(trimmed, tmp_path / "out"))
    assert back.demand["source"].isna().all()


names = st.text(
    alphabet=string.ascii_letters + string.digits + " ,;\"'-_/éèàçÎôü–ø€\n", min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s != "")
budgets = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names, budget=budgets)
def test_any_name_and_budget_round_trip(tmp_path: Path, name: str, budget: float) -> None:
    package = tiny_package()
    funders = package.funders.copy()
    funders.loc[0, "name"] = name
    funders.loc[1, "budget"] = budget
    changed = replace(package, funders=funders)
    back = read_package(write_package(changed, tmp_path / "out"))
    pdt.assert_frame_equal(back.funders, changed.funders)


def test_dates_from_a_database_are_written_as_iso_dates(tmp_path: Path) -> None:
    package = tiny_package()
    capacity = package.capacity.copy()
    capacity["as_of"] = pd.to_datetime(capacity["as_of"])
    back = read_package(write_package(replace(package, capacity=capacity), tmp_path / "out"))
    pdt.assert_frame_equal(back.capacity, package.capacity)


def test_tiny_package_copies_are_independent() -> None:
    first = tiny_package()
    first.funders.loc[0, "budget"] = 1.0
    first.districts.loc[0, "population"] = 1
    second = tiny_package()
    assert second.funders["budget"][0] == 500000.0
    assert second.districts["population"][0] == 12000
