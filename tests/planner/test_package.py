"""Reading and validating a city data package: one test per kind of defect, exact messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner.package import read_package, validate_package
from planner.problems import InvalidInput
from tests.package_factory import (
    add_column,
    add_feature,
    append_row,
    drop_column,
    edit_city,
    edit_feature,
    set_cell,
    square,
    write_tiny_package,
    zip_package,
)

Mutation = Callable[[Path], object]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_tiny_package(tmp_path / "city")


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_package(path)]


def write(name: str, data: bytes | str) -> Mutation:
    def mutate(path: Path) -> None:
        target = path / name
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")

    return mutate


def remove(name: str) -> Mutation:
    return lambda path: (path / name).unlink()


def cell(file: str, line: int, column: str, value: str) -> Mutation:
    return lambda path: set_cell(path, file, line, column, value)


def row(file: str, **values: str) -> Mutation:
    return lambda path: append_row(path, file, values)


def city(**changes: object) -> Mutation:
    return lambda path: edit_city(path, **changes)


def feature(properties: dict[str, object], geometry: dict[str, object] | None) -> Mutation:
    return lambda path: add_feature(path, properties, geometry)


def extra_district(geometry: dict[str, object] | None) -> Mutation:
    """A fourth district well east of the others, with the given geometry."""
    return feature({"district_id": "D4", "name": "Extra", "population": 10}, geometry)


def add_to_features(item: object) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(data: dict[str, Any]) -> dict[str, Any]:
        data["features"].append(item)
        return data

    return change


def write_json_file(
    path: Path, name: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    data = json.loads((path / name).read_text(encoding="utf-8"))
    (path / name).write_text(json.dumps(change(data)), encoding="utf-8")


EAST_SQUARE = square(-93.10, 44.96, 0.04, 0.03)
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[-93.1, 44.96], [-93.06, 44.99], [-93.06, 44.96], [-93.1, 44.99], [-93.1, 44.96]]
    ],
}
# D2's square with a tiny bow-tie loop on its north edge: repairable (0.08% of its area).
D2_WITH_TWIST = {
    "type": "Polygon",
    "coordinates": [
        [
            [-93.29, 44.96],
            [-93.25, 44.96],
            [-93.25, 44.99],
            [-93.269, 44.99],
            [-93.271, 44.991],
            [-93.271, 44.99],
            [-93.269, 44.991],
            [-93.29, 44.99],
            [-93.29, 44.96],
        ]
    ],
}

DEFECTS: list[tuple[str, Mutation, str]] = [
    # city.json
    ("city missing", remove("city.json"), "city.json: file is missing from the package"),
    ("city empty", write("city.json", ""), "city.json: file is empty"),
    (
        "city not json",
        write("city.json", "{name: 'x'}"),
        "city.json:1: is not valid JSON (Expecting property name enclosed in double quotes)",
    ),
    (
        "city not object",
        write("city.json", "[1, 2]"),
        "city.json: must be a JSON object with the keys name, currency, period",
    ),
    ("city no name", city(name=None), "city.json: name: required key is missing"),
    ("city empty name", city(name=""), "city.json: name: required value is empty"),
    ("city name number", city(name=12), "city.json: name: 12 is not text"),
    ("city blank name", city(name="   "), "city.json: name: required value is empty"),
    (
        "city currency",
        city(currency="usd"),
        "city.json: currency: 'usd' is not an ISO 4217 currency code (3 capital letters, e.g. USD)",
    ),
    ("city period", city(period="week"), "city.json: period: 'week' is not one of: month"),
    ("city unknown key", city(mayor="Frey"), "city.json: mayor: warning: unknown key (ignored)"),
    # districts.geojson
    (
        "districts missing",
        remove("districts.geojson"),
        "districts.geojson: file is missing from the package "
        "(or give districts.gpkg, districts.shp with its side files)",
    ),
    ("districts empty", write("districts.geojson", "  \n"), "districts.geojson: file is empty"),
    (
        "districts not json",
        write("districts.geojson", "district_id,name\nD1,North\n"),
        "districts.geojson:1: is not valid JSON (Expecting value)",
    ),
    (
        "districts not geojson",
        write("districts.geojson", '{"districts": []}'),
        "districts.geojson: is not GeoJSON: a FeatureCollection of districts was expected",
    ),
    (
        "districts no features",
        write("districts.geojson", '{"type": "FeatureCollection", "features": []}'),
        "districts.geojson: has no features (no districts)",
    ),
    (
        "districts binary",
        write("districts.geojson", b"\x00\x01\x02GeoJSON?"),
        "districts.geojson: holds binary data, not text",
    ),
    (
        "districts latin-1",
        write(
            "districts.geojson", '{"type": "FeatureCollection",\n"x": "Montréal"}'.encode("latin-1")
        ),
        "districts.geojson:2: is not UTF-8 text (byte 0xe9); save it with the UTF-8 encoding",
    ),
    (
        "district population negative",
        lambda p: edit_feature(p, 2, properties={"population": -5}),
        "districts.geojson: feature 2: population: -5 is below 0",
    ),
    (
        "district population text",
        lambda p: edit_feature(p, 2, properties={"population": "many"}),
        "districts.geojson: feature 2: population: 'many' is not a whole number",
    ),
    (
        "district name empty",
        lambda p: edit_feature(p, 1, properties={"name": None}),
        "districts.geojson: feature 1: name: required value is empty",
    ),
    (
        "district duplicate id",
        feature({"district_id": "D2", "name": "Again", "population": 1}, EAST_SQUARE),
        "districts.geojson: feature 4: district_id: 'D2' is a duplicate (first on feature 2)",
    ),
    (
        "district unknown property",
        feature({"district_id": "D4", "name": "Extra", "population": 1, "ward": 7}, EAST_SQUARE),
        "districts.geojson: ward: warning: unknown column (ignored)",
    ),
    (
        "district not a feature",
        lambda p: write_json_file(p, "districts.geojson", add_to_features({"type": "Point"})),
        "districts.geojson: feature 4: is not a GeoJSON Feature",
    ),
    (
        "district point geometry",
        extra_district({"type": "Point", "coordinates": [-93.1, 44.97]}),
        "districts.geojson: feature 4: geometry: a Point, not a Polygon or MultiPolygon",
    ),
    (
        "district null geometry",
        extra_district(None),
        "districts.geojson: feature 4: geometry: geometry is missing",
    ),
    (
        "district bad coordinates",
        extra_district({"type": "Polygon", "coordinates": "nowhere"}),
        "districts.geojson: feature 4: geometry: geometry cannot be read "
        "(malformed Polygon coordinates)",
    ),
    (
        "district unknown geometry type",
        extra_district({"type": "Circle", "coordinates": [-93.1, 44.97]}),
        "districts.geojson: feature 4: geometry: geometry cannot be read "
        "(unknown GeoJSON type 'Circle')",
    ),
    (
        "district bowtie refused",
        extra_district(BOWTIE),
        "districts.geojson: feature 4: geometry: geometry is not valid (self-intersection at "
        "-93.08 44.975) and repairing it would change its area by over 1000%, more than the "
        "1% allowed; fix the polygon in a GIS",
    ),
    (
        "district twist repaired",
        lambda p: edit_feature(p, 2, geometry=D2_WITH_TWIST),
        "districts.geojson: feature 2: geometry: warning: geometry is not valid "
        "(self-intersection at -93.27 44.9905); repaired, its area changed by 0.08%",
    ),
    (
        "districts in metres without crs",
        lambda p: edit_feature(p, 3, geometry=square(480000, 4980000, 3000, 3000)),
        "districts.geojson: geometry: coordinates are not longitude/latitude (x from -93.33 to "
        "483000, y from 44.96 to 4.983e+06); a GeoJSON without a 'crs' member must be in "
        "EPSG:4326, so reproject it or declare its CRS",
    ),
    # services.csv
    ("services missing", remove("services.csv"), "services.csv: file is missing from the package"),
    ("services empty", write("services.csv", ""), "services.csv: file is empty"),
    (
        "services binary",
        write("services.csv", b"\x89PNG\r\n\x1a\n\x00\x00"),
        "services.csv: holds binary data, not text",
    ),
    (
        "services utf-16",
        write("services.csv", "service_id,name\n".encode("utf-16")),
        "services.csv: is UTF-16 text; save it with the UTF-8 encoding",
    ),
    (
        "services xlsx",
        write("services.csv", b"PK\x03\x04\x14\x00\x06\x00"),
        "services.csv: is a zip or spreadsheet (.xlsx) file, not text; save it as CSV UTF-8",
    ),
    (
        "services latin-1",
        lambda p: (p / "services.csv").write_bytes(
            (p / "services.csv")
            .read_text(encoding="utf-8")
            .replace("Legal aid", "Aide légale")
            .encode("latin-1")
        ),
        "services.csv:3: is not UTF-8 text (byte 0xe9); save it with the UTF-8 encoding",
    ),
    (
        "services semicolons",
        write("services.csv", "service_id;name;unit\nx;y;z\n"),
        "services.csv:1: columns are separated by ';'; separate them with ','",
    ),
    (
        "services missing column",
        lambda p: drop_column(p, "services.csv", "weight"),
        "services.csv:1: weight: required column is missing",
    ),
    (
        "services unknown column",
        lambda p: add_column(p, "services.csv", "colour", "red"),
        "services.csv:1: colour: warning: unknown column (ignored)",
    ),
    (
        "services bad bool",
        cell("services.csv", 2, "integer", "maybe"),
        "services.csv:2: integer: 'maybe' is not true or false (write true/false, yes/no or 1/0)",
    ),
    (
        "services bad number",
        cell("services.csv", 2, "unit_cost", "36k"),
        "services.csv:2: unit_cost: '36k' is not a number",
    ),
    (
        "services infinite",
        cell("services.csv", 2, "unit_cost", "inf"),
        "services.csv:2: unit_cost: 'inf' is not a number",
    ),
    (
        "services negative",
        cell("services.csv", 3, "unit_cost", "-1200"),
        "services.csv:3: unit_cost: -1200 is below 0",
    ),
    (
        "services zero weight",
        cell("services.csv", 3, "weight", "0"),
        "services.csv:3: weight: 0 is not above 0",
    ),
    (
        "services segment",
        cell("services.csv", 2, "segment", "kids"),
        "services.csv:2: segment: 'kids' is not one of: women, men, youth, any",
    ),
    (
        "services empty name",
        cell("services.csv", 4, "name", " "),
        "services.csv:4: name: required value is empty",
    ),
    (
        "services duplicate",
        row(
            "services.csv",
            service_id="legal_aid",
            name="Legal aid again",
            unit="hour",
            integer="no",
            unit_cost="1",
            weight="1",
        ),
        "services.csv:5: service_id: 'legal_aid' is a duplicate (first on line 3)",
    ),
    (
        "funders column twice",
        lambda p: add_column(p, "funders.csv", "budget", "1"),
        "funders.csv:1: budget: column appears twice",
    ),
    (
        "funders short row",
        lambda p: (p / "funders.csv").open("a", encoding="utf-8").write("foundation,Foundation\n"),
        "funders.csv:4: has 2 cells but the header has 3",
    ),
    (
        "services ragged row",
        lambda p: (
            (p / "services.csv")
            .open("a", encoding="utf-8")
            .write("interpretation,Interpretation\n")
        ),
        "services.csv:5: has 2 cells but the header has 11",
    ),
    # agencies.csv
    (
        "agencies kind",
        cell("agencies.csv", 2, "kind", "charity"),
        "agencies.csv:2: kind: 'charity' is not one of: ngo, city, county, health, legal, shelter, "
        "police, faith, other, labour_inspection, worker_centre, union, immigration_legal",
    ),
    (
        "agencies lat range",
        cell("agencies.csv", 2, "lat", "95"),
        "agencies.csv:2: lat: 95 is above 90",
    ),
    (
        "agencies lon text",
        cell("agencies.csv", 4, "lon", "east"),
        "agencies.csv:4: lon: 'east' is not a number",
    ),
    (
        "agencies empty lat",
        cell("agencies.csv", 3, "lat", ""),
        "agencies.csv:3: lat: required value is empty",
    ),
    (
        "agencies unknown district",
        cell("agencies.csv", 3, "district_id", "D99"),
        "agencies.csv:3: district_id: 'D99' is not a district in districts.geojson",
    ),
    (
        "agencies point outside",
        cell("agencies.csv", 2, "lat", "45.5"),
        "agencies.csv:2: lat, lon: the point (45.5, -93.31) is outside every district in "
        "districts.geojson",
    ),
    (
        "agencies point in another district",
        cell("agencies.csv", 3, "district_id", "D1"),
        "agencies.csv:3: district_id: warning: the point (44.972, -93.27) is in district 'D2', "
        "not in 'D1'; district_id 'D1' is kept",
    ),
    (
        "agencies given district, point outside",
        cell("agencies.csv", 3, "lat", "45.5"),
        "agencies.csv:3: district_id: warning: the point (45.5, -93.27) is outside every district, "
        "not in 'D2'; district_id 'D2' is kept",
    ),
    (
        "agencies duplicate",
        row("agencies.csv", agency_id="A1", name="Second", kind="ngo", lat="44.97", lon="-93.3"),
        "agencies.csv:5: agency_id: 'A1' is a duplicate (first on line 2)",
    ),
    (
        "agencies language",
        cell("agencies.csv", 2, "languages", "en;spanish"),
        "agencies.csv:2: languages: 'spanish' is not an ISO 639-1 language code (2 letters, e.g. "
        "en)",
    ),
    (
        "agencies confidential",
        cell("agencies.csv", 2, "confidential", "secret"),
        "agencies.csv:2: confidential: 'secret' is not true or false (write true/false, yes/no or "
        "1/0)",
    ),
    # capacity.csv
    (
        "capacity negative",
        cell("capacity.csv", 3, "capacity", "-3"),
        "capacity.csv:3: capacity: -3 is below 0",
    ),
    (
        "capacity empty",
        cell("capacity.csv", 4, "capacity", ""),
        "capacity.csv:4: capacity: required value is empty",
    ),
    (
        "capacity max_expansion",
        cell("capacity.csv", 4, "max_expansion", "-1"),
        "capacity.csv:4: max_expansion: -1 is below 0",
    ),
    (
        "capacity unknown agency",
        cell("capacity.csv", 2, "agency_id", "A9"),
        "capacity.csv:2: agency_id: 'A9' is not an agency in agencies.csv",
    ),
    (
        "capacity unknown service",
        cell("capacity.csv", 5, "service_id", "beds"),
        "capacity.csv:5: service_id: 'beds' is not a service in services.csv",
    ),
    (
        "capacity date",
        cell("capacity.csv", 2, "as_of", "01/07/2025"),
        "capacity.csv:2: as_of: '01/07/2025' is not a date (YYYY-MM-DD)",
    ),
    (
        "capacity impossible date",
        cell("capacity.csv", 2, "as_of", "2025-02-30"),
        "capacity.csv:2: as_of: '2025-02-30' is not a date (YYYY-MM-DD)",
    ),
    (
        "capacity duplicate",
        cell("capacity.csv", 2, "as_of", "2026-01-01"),
        "capacity.csv:3: agency_id, service_id, as_of: 'A1', 'shelter_women', '2026-01-01' "
        "is a duplicate (first on line 2)",
    ),
    (
        "capacity duplicate without date",
        row("capacity.csv", agency_id="A3", service_id="legal_aid", capacity="45"),
        "capacity.csv:7: agency_id, service_id, as_of: 'A3', 'legal_aid', '' is a duplicate "
        "(first on line 6)",
    ),
    (
        "capacity overfull",
        cell("capacity.csv", 2, "occupied", "25"),
        "capacity.csv:2: occupied: warning: 25 is above the capacity 20",
    ),
    # demand.csv
    (
        "demand period",
        cell("demand.csv", 2, "period", "2026-13"),
        "demand.csv:2: period: '2026-13' is not a period (YYYY-MM)",
    ),
    (
        "demand period slash",
        cell("demand.csv", 2, "period", "01/2026"),
        "demand.csv:2: period: '01/2026' is not a period (YYYY-MM)",
    ),
    (
        "demand fraction",
        cell("demand.csv", 4, "cases", "2.5"),
        "demand.csv:4: cases: '2.5' is not a whole number",
    ),
    ("demand negative", cell("demand.csv", 4, "cases", "-1"), "demand.csv:4: cases: -1 is below 0"),
    (
        "demand unknown district",
        cell("demand.csv", 10, "district_id", "D99"),
        "demand.csv:10: district_id: 'D99' is not a district in districts.geojson",
    ),
    (
        "demand unknown service",
        cell("demand.csv", 10, "service_id", "yoga"),
        "demand.csv:10: service_id: 'yoga' is not a service in services.csv",
    ),
    (
        "demand source",
        cell("demand.csv", 2, "source", "tv"),
        "demand.csv:2: source: 'tv' is not one of: hotline, police, ngo, health, other",
    ),
    (
        "demand duplicate",
        row(
            "demand.csv",
            district_id="D1",
            service_id="shelter_women",
            period="2026-01",
            cases="3",
            source="hotline",
        ),
        "demand.csv:29: district_id, service_id, period, source: 'D1', 'shelter_women', '2026-01', "
        "'hotline' is a duplicate (first on line 2)",
    ),
    # funders.csv
    (
        "funders negative",
        cell("funders.csv", 2, "budget", "-1"),
        "funders.csv:2: budget: -1 is below 0",
    ),
    (
        "funders duplicate",
        row("funders.csv", funder_id="city_fund", name="Again", budget="1"),
        "funders.csv:4: funder_id: 'city_fund' is a duplicate (first on line 2)",
    ),
    (
        "funders not eligible",
        row("funders.csv", funder_id="foundation", name="A foundation", budget="1000"),
        "funders.csv:4: funder_id: warning: 'foundation' has no row in eligibility.csv, so it may "
        "pay for any service at any agency",
    ),
    # eligibility.csv
    (
        "eligibility unknown funder",
        row("eligibility.csv", funder_id="city"),
        "eligibility.csv:5: funder_id: 'city' is not a funder in funders.csv",
    ),
    (
        "eligibility unknown service",
        cell("eligibility.csv", 4, "service_id", "legal"),
        "eligibility.csv:4: service_id: 'legal' is not a service in services.csv",
    ),
    (
        "eligibility kind",
        cell("eligibility.csv", 3, "agency_kind", "shelters"),
        "eligibility.csv:3: agency_kind: 'shelters' is not one of: ngo, city, county, health, "
        "legal, "
        "shelter, police, faith, other, labour_inspection, worker_centre, union, "
        "immigration_legal",
    ),
    (
        "eligibility missing file",
        remove("eligibility.csv"),
        "eligibility.csv: file is missing from the package",
    ),
]


def test_the_tiny_package_is_valid(package: Path) -> None:
    assert messages(package) == []


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in DEFECTS], ids=[name for name, _, _ in DEFECTS]
)
def test_each_defect_gives_exactly_its_message(
    package: Path, mutate: Mutation, expected: str
) -> None:
    mutate(package)
    assert messages(package) == [expected]


def test_errors_are_raised_all_at_once(package: Path) -> None:
    set_cell(package, "capacity.csv", 3, "capacity", "-3")
    set_cell(package, "agencies.csv", 3, "district_id", "D99")
    edit_city(package, currency="dollars")
    with pytest.raises(InvalidInput) as raised:
        read_package(package)
    assert [str(p) for p in raised.value.problems] == [
        "agencies.csv:3: district_id: 'D99' is not a district in districts.geojson",
        "capacity.csv:3: capacity: -3 is below 0",
        "city.json: currency: 'dollars' is not an ISO 4217 currency code (3 capital letters, e.g. "
        "USD)",
    ]
    assert str(raised.value).splitlines()[1] == "capacity.csv:3: capacity: -3 is below 0"


def test_validate_reports_in_package_order(package: Path) -> None:
    set_cell(package, "capacity.csv", 3, "capacity", "-3")
    set_cell(package, "agencies.csv", 3, "district_id", "D99")
    edit_city(package, currency="dollars")
    assert [p.file for p in validate_package(package)] == [
        "city.json",
        "agencies.csv",
        "capacity.csv",
    ]


def test_a_missing_file_does_not_flood_other_files_with_unknown_ids(package: Path) -> None:
    (package / "agencies.csv").unlink()
    (package / "services.csv").write_text("name,unit\nx,bed\n", encoding="utf-8")
    assert messages(package) == [
        "services.csv:1: service_id: required column is missing",
        "services.csv:1: integer: required column is missing",
        "services.csv:1: unit_cost: required column is missing",
        "services.csv:1: weight: required column is missing",
        "agencies.csv: file is missing from the package",
    ]


def test_warnings_only_returns_the_package_with_its_warnings(package: Path) -> None:
    edit_city(package, mayor="Frey")
    set_cell(package, "agencies.csv", 3, "district_id", "D1")
    result = read_package(package)
    assert result.warnings == (
        "city.json: mayor: warning: unknown key (ignored)",
        "agencies.csv:3: district_id: warning: the point (44.972, -93.27) is in district 'D2', "
        "not in 'D1'; district_id 'D1' is kept",
    )
    assert result.agencies["district_id"].tolist() == ["D1", "D1", "D3"]


def test_a_repaired_polygon_is_kept_valid(package: Path) -> None:
    edit_feature(package, 2, geometry=D2_WITH_TWIST)
    result = read_package(package)
    assert len(result.warnings) == 1
    assert result.districts.geometry.is_valid.all()
    assert result.districts.geom_type.tolist() == ["Polygon", "MultiPolygon", "Polygon"]


def test_defaults_and_derived_values(package: Path) -> None:
    result = read_package(package)
    agencies = result.agencies.set_index("agency_id")
    assert agencies["district_id"].to_dict() == {"A1": "D1", "A2": "D2", "A3": "D3"}
    assert agencies["confidential"].to_dict() == {"A1": True, "A2": False, "A3": False}
    services = result.services.set_index("service_id")
    assert services.loc["counselling", "units_per_case"] == 1.0
    assert services.loc["legal_aid", ["open_cost", "open_max"]].tolist() == [0.0, 0.0]
    assert services["segment"].tolist() == ["women", "any", "any"]
    assert services["radius_km"].isna().tolist() == [True, False, False]
    assert result.capacity["max_expansion"].tolist() == [0.0, 6.0, 100.0, 20.0, 10.0]
    assert result.capacity["as_of"].isna().tolist() == [False] * 4 + [True]
    assert result.eligibility["service_id"].isna().tolist() == [True, False, False]
    assert result.demand["cases"].dtype == "int64"
    assert result.districts.crs.to_epsg() == 4326
    assert result.districts["population"].tolist() == [12000, 8000, 10000]


def test_capacity_history_keeps_the_newest_row(package: Path) -> None:
    current = read_package(package).current_capacity()
    shelter = current[(current["agency_id"] == "A1") & (current["service_id"] == "shelter_women")]
    assert shelter["capacity"].tolist() == [24.0]
    assert len(current) == 4


def test_a_shelter_may_be_marked_not_confidential(package: Path) -> None:
    set_cell(package, "agencies.csv", 2, "confidential", "No")
    assert not read_package(package).agencies["confidential"][0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("no", False),
        ("0", False),
    ],
)
def test_booleans_in_any_usual_spelling(package: Path, text: str, value: bool) -> None:
    set_cell(package, "services.csv", 2, "integer", text)
    assert bool(read_package(package).services["integer"][0]) is value


def test_cells_are_trimmed_and_choices_case_insensitive(package: Path) -> None:
    set_cell(package, "agencies.csv", 2, "kind", " Shelter ")
    set_cell(package, "agencies.csv", 2, "languages", "EN; es ;")
    set_cell(package, "demand.csv", 2, "cases", "6.0")
    result = read_package(package)
    assert result.agencies.loc[0, ["kind", "languages"]].tolist() == ["shelter", "en;es"]
    assert result.demand["cases"][0] == 6


def test_blank_lines_and_quoted_newlines_keep_line_numbers(package: Path) -> None:
    text = (
        "funder_id,name,budget\n"
        "\n"
        'city_fund,"City general fund,\nmain line",500000\n'
        "state_grant,State grant,-5\n"
    )
    (package / "funders.csv").write_text(text, encoding="utf-8")
    assert messages(package) == ["funders.csv:5: budget: -5 is below 0"]


def test_extra_empty_cells_at_the_end_of_a_row_are_fine(package: Path) -> None:
    text = (package / "funders.csv").read_text(encoding="utf-8").replace("500000\n", "500000,,\n")
    (package / "funders.csv").write_text(text, encoding="utf-8")
    assert messages(package) == []


def test_utf8_with_byte_order_mark(package: Path) -> None:
    for name in ("city.json", "districts.geojson", "services.csv", "agencies.csv"):
        path = package / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    set_cell(package, "agencies.csv", 2, "name", "Maison d'hébergement Sûreté")
    result = read_package(package)
    assert result.services["service_id"][0] == "shelter_women"
    assert result.agencies["name"][0] == "Maison d'hébergement Sûreté"


def test_a_header_only_file_is_an_empty_table(package: Path) -> None:
    (package / "eligibility.csv").write_text("funder_id,service_id,agency_kind\n", encoding="utf-8")
    # No funder is restricted: each may pay for anything, nothing to warn about.
    assert messages(package) == []
    assert read_package(package).eligibility.empty


# --- Where the package is --------------------------------------------------------------


def test_a_zip_with_files_at_its_root(package: Path, tmp_path: Path) -> None:
    archive = zip_package(package, tmp_path / "city.zip")
    assert read_package(archive).city.name == "Minneapolis (tiny test package)"


def test_a_zip_with_one_top_folder(package: Path, tmp_path: Path) -> None:
    archive = zip_package(package, tmp_path / "city.zip", top_folder="minneapolis")
    assert len(read_package(archive).demand) == 27


def test_a_zip_made_on_a_mac(package: Path, tmp_path: Path) -> None:
    archive = zip_package(package, tmp_path / "city.zip", top_folder="minneapolis")
    import zipfile

    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("__MACOSX/minneapolis/._city.json", b"\x00\x05\x16\x07")
    assert read_package(archive).city.currency == "USD"


def test_problems_in_a_zip_name_the_files(package: Path, tmp_path: Path) -> None:
    set_cell(package, "capacity.csv", 3, "capacity", "-3")
    archive = zip_package(package, tmp_path / "city.zip", top_folder="minneapolis")
    assert messages(archive) == ["capacity.csv:3: capacity: -3 is below 0"]


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "city.zip"
    path.write_text("hello", encoding="utf-8")
    assert messages(path) == ["city.zip: is neither a package folder nor a .zip of one"]


def test_no_such_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere"
    assert messages(path) == [f"{path}: no such folder or .zip file"]


def test_an_empty_folder_lists_every_missing_file(tmp_path: Path) -> None:
    assert messages(tmp_path) == [
        "city.json: file is missing from the package",
        "districts.geojson: file is missing from the package "
        "(or give districts.gpkg, districts.shp with its side files)",
        *[
            f"{name}: file is missing from the package"
            for name in (
                "services.csv",
                "agencies.csv",
                "capacity.csv",
                "demand.csv",
                "funders.csv",
                "eligibility.csv",
            )
        ],
    ]


def test_city_json_keeps_optional_keys(package: Path) -> None:
    edit_city(package, notes="Counts are monthly referrals.")
    info = read_package(package).city
    assert (info.country, info.notes) == ("US", "Counts are monthly referrals.")
    assert json.loads((package / "city.json").read_text(encoding="utf-8"))["period"] == "month"


def test_windows_line_endings(package: Path) -> None:
    set_cell(package, "demand.csv", 5, "cases", "-2")
    for name in ("services.csv", "demand.csv"):
        path = package / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert b"\r\n" in (package / "demand.csv").read_bytes()
    assert messages(package) == ["demand.csv:5: cases: -2 is below 0"]


def test_an_unexpected_library_error_names_the_file(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.geo

    def broken(folder: Path) -> None:
        raise RuntimeError("PROJ: internal error\nmore detail")

    monkeypatch.setattr(planner.geo, "read_districts", broken)
    assert messages(package) == ["districts.geojson: cannot be read (PROJ: internal error)"]
