"""HSDS interchange: reading a 211 export with a mapping, merging into a city, writing HSDS.

The 211 export is tests/planner/hsds_fixtures/twin_cities_211 (hand-written, over the tiny
city of tests/package_factory.py); exported rows are checked against the HSDS 3.1 row schemas
of tests/planner/hsds_schemas with the `jsonschema` package.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import geo
from planner.hsds import (
    CONFIDENTIAL_NAME,
    HsdsMapping,
    ServiceRule,
    hsds_to_package,
    identity_mapping,
    read_hsds,
    read_mapping,
    write_hsds,
    write_mapping,
)
from planner.package import CityPackage, read_package, write_package
from planner.problems import InvalidInput
from tests.package_factory import tiny_package

HERE = Path(__file__).parent
FIXTURE = HERE / "hsds_fixtures" / "twin_cities_211"
MAPPING = HERE / "hsds_fixtures" / "mapping.yaml"
SCHEMAS = HERE / "hsds_schemas"
DEMO = HERE.parents[1] / "data" / "demo_city"
UPDATED = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)

# Ids of the fixture (see its CSV files).
SHELTER_LOCATION = "e8c8d24b-a916-43ca-9caf-bdf1d4c1bcbe"
LEGAL_LOCATION = "d016e876-edb8-41e0-a1d5-1beb9bebad5d"
HOTLINE_LOCATION = "b1292e79-2a2a-4fa3-9e57-caf32d9b81ad"
COUNSELLING_DOWNTOWN = "36c0fe4e-aca0-487f-83d2-e60da764b4ee"
COUNSELLING_RIVERSIDE = "5b724287-b77b-45af-8499-1eb3f6da39ea"
BLOOMINGTON_LOCATION = "e7096531-3df7-41a3-9b12-353520dd8df5"
HIDDEN_SHELTER_LOCATION = "78c9749d-b6bb-4ed7-a907-086afa922839"


@pytest.fixture(scope="module")
def tiny() -> CityPackage:
    return tiny_package()


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    """Row schema by file name (its `path`)."""
    found = {}
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        found[schema["path"]] = schema
    return found


def csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def row_object(row: dict[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as HSDS's tabular form means it: empty cells absent, numbers as numbers."""
    result: dict[str, Any] = {}
    for name, text in row.items():
        if text == "":
            continue
        kind = schema["properties"].get(name, {}).get("type")
        result[name] = float(text) if kind == "number" else text
    return result


def schema_errors(folder: Path, schemas: dict[str, dict[str, Any]]) -> list[str]:
    """Every way the CSV files of `folder` break the HSDS 3.1 row schemas."""
    errors = []
    for path in sorted(folder.glob("*.csv")):
        schema = schemas[path.name]
        header, rows = csv_rows(path)
        unknown = sorted(set(header) - set(schema["properties"]))
        if unknown:
            errors.append(f"{path.name}: columns HSDS does not define: {unknown}")
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker()
        )
        for line, row in enumerate(rows, start=2):
            for error in validator.iter_errors(row_object(row, schema)):
                errors.append(f"{path.name}:{line}: {error.message}")
    return errors


def copy_fixture(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "hsds"))


def edit_csv(path: Path, line: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def by_agency(capacity: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (a, s): (c, o)
        for a, s, c, o in zip(
            capacity["agency_id"],
            capacity["service_id"],
            capacity["capacity"],
            capacity["occupied"],
            strict=True,
        )
    }


# --- Reading a 211 export -----------------------------------------------------------------


def test_fixture_is_valid_hsds(schemas: dict[str, dict[str, Any]]) -> None:
    assert schema_errors(FIXTURE, schemas) == []


def test_read_fixture_gives_one_agency_per_location_of_a_mapped_service() -> None:
    result = read_hsds(FIXTURE, MAPPING)

    assert not result.has_errors
    agencies = result.agencies.set_index("agency_id")
    assert set(agencies.index) == {
        SHELTER_LOCATION,
        LEGAL_LOCATION,
        HOTLINE_LOCATION,
        COUNSELLING_DOWNTOWN,
        COUNSELLING_RIVERSIDE,
        BLOOMINGTON_LOCATION,
        HIDDEN_SHELTER_LOCATION,
    }
    assert agencies.loc[SHELTER_LOCATION, "kind"] == "shelter"
    assert agencies.loc[SHELTER_LOCATION, "name"] == "Cornerstone Emergency Shelter"
    assert agencies.loc[SHELTER_LOCATION, "languages"] == "en;es"
    assert bool(agencies.loc[SHELTER_LOCATION, "confidential"])  # a shelter, by default
    assert not bool(agencies.loc[LEGAL_LOCATION, "confidential"])
    assert agencies.loc[HOTLINE_LOCATION, "kind"] == "ngo"  # agency_kinds.default
    assert result.virtual_agency_ids == {HOTLINE_LOCATION}
    assert math.isnan(agencies.loc[HOTLINE_LOCATION, "lat"])
    assert result.virtual_services == {"hotline"}


def test_read_fixture_capacity_from_newest_row_with_maximum_and_available() -> None:
    result = read_hsds(FIXTURE, MAPPING)

    capacity = by_agency(result.capacity)
    # Newest of two bed rows (24 maximum, 3 available); the 'Meal' row is another unit.
    assert capacity[(SHELTER_LOCATION, "shelter_women")] == (24.0, 21.0)
    assert capacity[(LEGAL_LOCATION, "legal_aid")] == (400.0, 360.0)
    assert capacity[(HOTLINE_LOCATION, "hotline")] == (1000.0, 800.0)
    # One HSDS service at two sites: 60 sessions, 10 available, split evenly.
    assert capacity[(COUNSELLING_DOWNTOWN, "counselling")] == (30.0, 25.0)
    assert capacity[(COUNSELLING_RIVERSIDE, "counselling")] == (30.0, 25.0)
    as_of = result.capacity.set_index(["agency_id", "service_id"])["as_of"]
    assert as_of[(SHELTER_LOCATION, "shelter_women")] == "2026-01-15"  # date as published
    assert set(result.capacity["service_id"]) == {
        "shelter_women",
        "legal_aid",
        "hotline",
        "counselling",
    }


def test_unmapped_services_are_reported_with_their_line() -> None:
    result = read_hsds(FIXTURE, MAPPING)

    assert len(result.unmapped) == 2
    assert result.unmapped[0].startswith("services.csv:6: service 'Food Pantry' (")
    assert result.unmapped[0].endswith("matches no entry of mapping.yaml; not imported")
    assert "Housing Court Project (ended 2025)" in result.unmapped[1]


def test_reader_warnings_name_file_line_and_column() -> None:
    messages = [str(p) for p in read_hsds(FIXTURE, MAPPING).problems]

    assert (
        "languages.csv:7: code: warning: 'hmn' is not an ISO 639-1 code (2 letters); "
        "Haven skips it" in messages
    )
    assert any(
        m.startswith("service_capacity.csv:4: unit_id: warning: unit 'Meal' is not one of bed")
        for m in messages
    )
    assert any(
        m.startswith("service_capacity.csv:7: service_id: warning: service ")
        and "is delivered at 2 locations" in m
        for m in messages
    )


def test_closed_service_is_not_imported(tmp_path: Path) -> None:
    rule = ServiceRule("legal_aid", names=("Housing Court Project (ended 2025)",))
    result = read_hsds(FIXTURE, HsdsMapping(services=(rule,)))

    assert result.capacity.empty
    assert any(
        str(p) == "services.csv:9: status: warning: 'defunct': service not imported"
        for p in result.problems
    )


def test_bad_rows_are_errors_with_file_line_and_column(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit_csv(folder / "service_capacity.csv", 3, "available", "lots")
    edit_csv(folder / "locations.csv", 4, "location_type", "boat")
    edit_csv(folder / "locations.csv", 5, "latitude", "95")
    edit_csv(folder / "service_at_location.csv", 2, "service_id", "no-such-service")
    edit_csv(folder / "service_capacity.csv", 5, "updated", "last tuesday")
    edit_csv(folder / "units.csv", 3, "id", "a432d5c5-afd6-41ae-afd8-5666794bbe43")

    result = read_hsds(folder, MAPPING)

    errors = [str(p) for p in result.problems if p.is_error]
    assert "service_capacity.csv:3: available: 'lots' is not a number" in errors
    assert "locations.csv:4: location_type: 'boat' is not one of: physical, postal, virtual" in (
        errors
    )
    assert "locations.csv:5: latitude: 95 is above 90" in errors
    assert (
        "service_at_location.csv:2: service_id: 'no-such-service' is not an id in services.csv"
        in errors
    )
    assert (
        "service_capacity.csv:5: updated: 'last tuesday' is not a date-time "
        "(e.g. 2026-01-31T09:00:00Z)" in errors
    )
    assert any(e.startswith("units.csv:3: id: 'a432d5c5-") and "duplicate" in e for e in errors)
    with pytest.raises(InvalidInput):
        hsds_to_package(result, tiny_package())


def test_a_missing_table_is_an_error(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "service_at_location.csv").unlink()

    result = read_hsds(folder, MAPPING)

    assert [str(p) for p in result.problems] == [
        "service_at_location.csv: file is missing from the HSDS export"
    ]


def test_older_plural_table_name_is_read(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "service_at_location.csv").rename(folder / "service_at_locations.csv")

    result = read_hsds(folder, MAPPING)

    assert not result.has_errors
    assert len(result.capacity) == 7


def test_mapping_file_errors_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "services:\n"
        "  - haven: shelter_women\n"
        "    colour: blue\n"
        "  - names: [Shelter]\n"
        "agency_kinds:\n"
        "  default: castle\n"
        "extra: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        read_mapping(path)
    messages = [str(p) for p in caught.value.problems]

    assert (
        "bad.yaml: services[1]: unknown key 'colour' (known: haven, service_ids, "
        "taxonomy_codes, names, units)" in messages
    )
    assert "bad.yaml: services[1]: needs at least one of service_ids, taxonomy_codes, names" in (
        messages
    )
    assert "bad.yaml: services[2].haven: must name a service" in messages
    assert any(
        m.startswith("bad.yaml: agency_kinds.default: 'castle' is not one of") for m in messages
    )
    assert any(m.startswith("bad.yaml: extra: unknown key") for m in messages)


def test_mapping_that_is_not_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("services:\n  - haven: [unclosed\n", encoding="utf-8")

    result = read_hsds(FIXTURE, path)

    assert len(result.problems) == 1
    assert str(result.problems[0]).startswith("broken.yaml:")
    assert "is not valid YAML" in str(result.problems[0])


def test_mapping_written_reads_back_the_same(tmp_path: Path) -> None:
    mapping = read_mapping(MAPPING)

    again = read_mapping(write_mapping(mapping, tmp_path / "again.yaml"))

    assert again.services == mapping.services
    assert again.new_services == mapping.new_services
    assert dict(again.kind_by_organization) == dict(mapping.kind_by_organization)
    assert again.default_kind == mapping.default_kind


# --- Into a city ------------------------------------------------------------------------------


def test_merge_into_city_keeps_its_districts_demand_and_funders(tiny: CityPackage) -> None:
    package = hsds_to_package(read_hsds(FIXTURE, MAPPING), tiny)

    assert package.city == tiny.city
    assert list(package.districts["district_id"]) == list(tiny.districts["district_id"])
    pd.testing.assert_frame_equal(package.demand, tiny.demand)
    pd.testing.assert_frame_equal(package.funders, tiny.funders)
    agencies = package.agencies.set_index("agency_id")
    # Bloomington is outside the city; the shelter without coordinates is unknown to it.
    assert set(agencies.index) == {
        SHELTER_LOCATION,
        LEGAL_LOCATION,
        HOTLINE_LOCATION,
        COUNSELLING_DOWNTOWN,
        COUNSELLING_RIVERSIDE,
    }
    assert agencies.loc[SHELTER_LOCATION, "district_id"] == "D1"
    assert agencies.loc[COUNSELLING_RIVERSIDE, "district_id"] == "D3"
    assert set(package.capacity["agency_id"]) == set(agencies.index)
    warnings = "\n".join(package.warnings)
    assert f"locations.csv:8: latitude, longitude: warning: agency '{BLOOMINGTON_LOCATION}'" in (
        warnings
    )
    assert "is outside every district of the city; not imported" in warnings
    assert f"locations.csv:9: warning: agency '{HIDDEN_SHELTER_LOCATION}'" in warnings


def test_virtual_hotline_becomes_a_service_reachable_from_anywhere(tiny: CityPackage) -> None:
    package = hsds_to_package(read_hsds(FIXTURE, MAPPING), tiny)

    hotline = package.services.set_index("service_id").loc["hotline"]
    assert math.isnan(hotline["radius_km"])
    assert hotline["unit"] == "call"
    agency = package.agencies.set_index("agency_id").loc[HOTLINE_LOCATION]
    # Placed at the city's representative point, so it is inside a district.
    assert agency["district_id"] in {"D1", "D2", "D3"}
    assert not any("radius" in w for w in package.warnings)


def test_virtual_service_mapped_to_a_radius_service_is_warned(tiny: CityPackage) -> None:
    rules = (ServiceRule("legal_aid", taxonomy_codes=("RP-1500.1400-200",)),)

    package = hsds_to_package(read_hsds(FIXTURE, HsdsMapping(services=rules)), tiny)

    assert any(
        "'legal_aid' is offered at a virtual location" in w and "radius of 15 km" in w
        for w in package.warnings
    )


def test_a_mapped_service_the_city_lacks_is_an_error(tiny: CityPackage) -> None:
    rules = (ServiceRule("food", names=("Food Pantry",)),)

    with pytest.raises(InvalidInput) as caught:
        hsds_to_package(read_hsds(FIXTURE, HsdsMapping(services=rules, source="m.yaml")), tiny)

    assert [str(p) for p in caught.value.problems] == [
        "m.yaml: services: 'food' is not a service of the city nor in new_services; "
        "add it under new_services"
    ]


def test_merged_package_is_importable(tiny: CityPackage, tmp_path: Path) -> None:
    package = hsds_to_package(read_hsds(FIXTURE, MAPPING), tiny)

    again = read_package(write_package(package, tmp_path / "merged"))

    assert len(again.agencies) == 5
    assert len(again.capacity) == 5


# --- Writing HSDS -----------------------------------------------------------------------------


def test_export_is_valid_hsds(
    tiny: CityPackage, schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    out = write_hsds(tiny, tmp_path / "hsds", updated=UPDATED)

    assert schema_errors(out, schemas) == []
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package"
    paths = {r["path"] for r in descriptor["resources"]}
    assert paths == {p.name for p in out.glob("*.csv")}
    assert paths <= set(schemas)
    for resource in descriptor["resources"]:
        header, _rows = csv_rows(out / resource["path"])
        assert [f["name"] for f in resource["schema"]["fields"]] == header


def test_export_of_the_demo_city_is_valid_hsds(
    schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    demo = read_package(DEMO)

    out = write_hsds(demo, tmp_path / "hsds", updated=UPDATED)

    assert schema_errors(out, schemas) == []
    _header, services = csv_rows(out / "services.csv")
    assert len(services) == len(demo.current_capacity())


def test_export_withholds_confidential_coordinates(tiny: CityPackage, tmp_path: Path) -> None:
    hidden = write_hsds(tiny, tmp_path / "hidden", updated=UPDATED)
    shown = write_hsds(
        tiny, tmp_path / "shown", updated=UPDATED, include_confidential_locations=True
    )

    _h, rows = csv_rows(hidden / "locations.csv")
    by_agency_id = {r["external_identifier"]: r for r in rows}
    assert by_agency_id["A1"]["latitude"] == by_agency_id["A1"]["longitude"] == ""
    assert "not published" in by_agency_id["A1"]["description"]
    assert by_agency_id["A2"]["latitude"] == "44.972"
    text = "".join(p.read_text(encoding="utf-8") for p in hidden.glob("*"))
    assert "44.975" not in text and "-93.31" not in text  # A1's point appears nowhere
    _s, shown_rows = csv_rows(shown / "locations.csv")
    assert {r["external_identifier"]: r["latitude"] for r in shown_rows}["A1"] == "44.975"


def test_export_withholds_confidential_names(tiny: CityPackage, tmp_path: Path) -> None:
    hidden = write_hsds(tiny, tmp_path / "hidden", updated=UPDATED)
    shown = write_hsds(
        tiny, tmp_path / "shown", updated=UPDATED, include_confidential_locations=True
    )

    text = "".join(p.read_text(encoding="utf-8") for p in hidden.glob("*"))
    assert "Safe Harbor House" not in text
    _h, rows = csv_rows(hidden / "organizations.csv")
    assert CONFIDENTIAL_NAME in {r["name"] for r in rows}
    assert "Hennepin Legal Aid Clinic" in {r["name"] for r in rows}
    assert "Safe Harbor House" in "".join(p.read_text(encoding="utf-8") for p in shown.glob("*"))


def disclosed(package: CityPackage) -> CityPackage:
    """The package as the service layer hands it for the public (service.published):
    confidential agencies named CONFIDENTIAL_NAME, at their district's point."""
    agencies = package.agencies.copy()
    hidden = agencies["confidential"].astype(bool)
    lat, lon = geo.at_district_points(package.districts, agencies.loc[hidden, "district_id"])
    agencies.loc[hidden, "lat"] = lat
    agencies.loc[hidden, "lon"] = lon
    agencies["name"] = agencies["name"].where(~hidden, CONFIDENTIAL_NAME)
    return replace(package, agencies=agencies)


def test_export_of_a_disclosed_city_keeps_no_confidential_name_or_place(
    schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    demo = read_package(DEMO)
    confidential = demo.agencies[demo.agencies["confidential"].astype(bool)]
    assert len(confidential) > 1
    public = disclosed(demo)

    out = write_hsds(public, tmp_path / "hsds", updated=UPDATED)

    assert schema_errors(out, schemas) == []
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*"))
    for name in confidential["name"]:
        assert name not in text
    hidden = public.agencies[public.agencies["confidential"].astype(bool)]
    for places in (confidential, hidden):  # neither their own point nor their district's
        for lat, lon in zip(places["lat"], places["lon"], strict=True):
            assert f"{lat}," not in text and f"{lon}," not in text
    _h, organizations = csv_rows(out / "organizations.csv")
    named = [r for r in organizations if r["name"] == CONFIDENTIAL_NAME]
    assert len(named) == len(confidential)
    assert len({r["id"] for r in organizations}) == len(organizations)
    _h, locations = csv_rows(out / "locations.csv")
    withheld = [r for r in locations if r["name"] == CONFIDENTIAL_NAME]
    assert len(withheld) == len(confidential)
    assert all(r["latitude"] == r["longitude"] == "" for r in withheld)


def test_export_is_deterministic(tiny: CityPackage, tmp_path: Path) -> None:
    first = write_hsds(tiny, tmp_path / "one", updated=UPDATED)
    second = write_hsds(tiny, tmp_path / "two", updated=UPDATED)

    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_round_trip_gives_the_same_agencies_and_current_capacity(
    tiny: CityPackage, tmp_path: Path
) -> None:
    out = write_hsds(tiny, tmp_path / "hsds", updated=UPDATED)

    imported = read_hsds(out, identity_mapping(tiny))
    package = hsds_to_package(imported, tiny)

    assert imported.unmapped == []
    assert [p for p in imported.problems] == []
    pd.testing.assert_frame_equal(package.agencies, tiny.agencies)
    expected = tiny.current_capacity()
    # What HSDS cannot carry, as documented: an unknown occupancy is exported as all
    # available (occupied 0), an unknown date as the export's `updated`.
    unknown = expected["occupied"].isna()
    expected.loc[unknown, "occupied"] = 0.0
    expected["as_of"] = expected["as_of"].fillna("2026-02-01")
    pd.testing.assert_frame_equal(package.current_capacity(), expected)


def test_round_trip_with_confidential_locations_needs_no_city_agencies(
    tiny: CityPackage, tmp_path: Path
) -> None:
    out = write_hsds(tiny, tmp_path / "hsds", updated=UPDATED, include_confidential_locations=True)
    empty_city = tiny_without_agencies(tiny)

    package = hsds_to_package(read_hsds(out, identity_mapping(tiny)), empty_city)

    pd.testing.assert_frame_equal(package.agencies, tiny.agencies)


def test_confidential_agency_unknown_to_the_city_is_left_out(
    tiny: CityPackage, tmp_path: Path
) -> None:
    out = write_hsds(tiny, tmp_path / "hsds", updated=UPDATED)

    package = hsds_to_package(read_hsds(out, identity_mapping(tiny)), tiny_without_agencies(tiny))

    assert list(package.agencies["agency_id"]) == ["A2", "A3"]
    assert "A1" not in set(package.capacity["agency_id"])
    assert any("agency 'A1': its location has no coordinates" in w for w in package.warnings)


def test_round_trip_of_the_demo_city(tmp_path: Path) -> None:
    demo = read_package(DEMO)
    out = write_hsds(demo, tmp_path / "hsds", updated=UPDATED, include_confidential_locations=True)

    package = hsds_to_package(read_hsds(out, identity_mapping(demo)), demo)

    offered = set(demo.current_capacity()["agency_id"])
    expected_agencies = demo.agencies[demo.agencies["agency_id"].isin(offered)]
    pd.testing.assert_frame_equal(package.agencies, expected_agencies.reset_index(drop=True))
    got = package.current_capacity()
    want = demo.current_capacity()
    pd.testing.assert_frame_equal(
        got[["agency_id", "service_id", "capacity", "max_expansion", "unit_cost"]],
        want[["agency_id", "service_id", "capacity", "max_expansion", "unit_cost"]],
    )
    pd.testing.assert_series_equal(got["occupied"], want["occupied"].fillna(0.0))


def tiny_without_agencies(tiny: CityPackage) -> CityPackage:
    return replace(tiny, agencies=tiny.agencies.iloc[0:0], capacity=tiny.capacity.iloc[0:0])


def test_postal_only_service_and_missing_maximum_are_reported(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit_csv(folder / "locations.csv", 3, "location_type", "postal")  # the legal aid office
    edit_csv(folder / "service_capacity.csv", 7, "maximum", "")  # counselling: 10 available

    result = read_hsds(folder, MAPPING)

    assert any(
        "Immigration Legal Services" in m and "has no physical or virtual location" in m
        for m in result.unmapped
    )
    assert (
        "service_capacity.csv:7: maximum: warning: maximum is empty: capacity taken to be the "
        "available units" in [str(p) for p in result.problems]
    )
    capacity = by_agency(result.capacity)
    assert capacity[(COUNSELLING_DOWNTOWN, "counselling")][0] == 5.0
    assert math.isnan(capacity[(COUNSELLING_DOWNTOWN, "counselling")][1])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=5000),
            st.integers(min_value=0, max_value=5000),
        ),
        min_size=4,
        max_size=4,
    )
)
def test_round_trip_keeps_any_capacity_and_occupancy(
    tiny: CityPackage, tmp_path_factory: pytest.TempPathFactory, values: list[tuple[int, int]]
) -> None:
    current = tiny.current_capacity()
    current["capacity"] = [float(max(c, o)) for c, o in values]
    current["occupied"] = [float(min(c, o)) for c, o in values]
    package = replace(tiny, capacity=current)
    out = write_hsds(package, tmp_path_factory.mktemp("hsds"), updated=UPDATED)

    back = hsds_to_package(read_hsds(out, identity_mapping(package)), package)

    got = back.current_capacity()
    assert list(got["capacity"]) == list(current["capacity"])
    assert list(got["occupied"]) == list(current["occupied"])
