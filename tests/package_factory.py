"""A tiny, hand-checkable city data package for tests, and helpers to break it one cell at a time.

Three square districts side by side over central Minneapolis (west D1, middle D2, east
D3), three services, three agencies (one in each district), three months of demand,
two funders. The files are written as text here, not by `write_package`, so that reader
tests do not depend on the writer.

    path = write_tiny_package(tmp_path / "city")
    set_cell(path, "capacity.csv", 3, "capacity", "-3")
    validate_package(path)  # -> [... "capacity.csv:3: capacity: -3 is below 0" ...]
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.package import CityPackage, read_package

FRAME_NAMES = ("services", "agencies", "capacity", "demand", "funders", "eligibility")

CITY = {
    "name": "Minneapolis (tiny test package)",
    "currency": "USD",
    "period": "month",
    "country": "US",
}

# West to east, each 0.04 degrees of longitude wide and 0.03 of latitude tall.
DISTRICTS = (
    ("D1", "North Loop", 12000, -93.33),
    ("D2", "Downtown West", 8000, -93.29),
    ("D3", "Cedar-Riverside", 10000, -93.25),
)
DISTRICT_WIDTH = 0.04
SOUTH, NORTH = 44.96, 44.99

SERVICES = """\
service_id,name,unit,integer,unit_cost,weight,radius_km,units_per_case,segment,open_cost,open_max
shelter_women,Shelter beds for women,bed,true,36000,10,,3,women,50000,8
legal_aid,Legal aid,hour,false,1200,4,15,10,any,,
counselling,Trauma counselling,slot,true,2400,6,10,,any,20000,30
"""

AGENCIES = """\
agency_id,name,kind,lat,lon,district_id,languages,confidential
A1,Safe Harbor House,shelter,44.975,-93.31,,en;es,
A2,Hennepin Legal Aid Clinic,legal,44.972,-93.27,D2,en;so,false
A3,Riverside Health Center,health,44.98,-93.23,,en,
"""

# A1's shelter beds have a history: 20 in July 2025, 24 since January 2026.
CAPACITY = """\
agency_id,service_id,capacity,occupied,max_expansion,unit_cost,as_of
A1,shelter_women,20,19,,,2025-07-01
A1,shelter_women,24,22,6,,2026-01-01
A2,legal_aid,400,360,100,1100,2026-01-01
A3,counselling,60,55,20,,2026-01-01
A3,legal_aid,40,,10,,
"""

PERIODS = ("2026-01", "2026-02", "2026-03")
BASE_CASES = {"shelter_women": 6, "legal_aid": 9, "counselling": 12}
SOURCE = {"shelter_women": "hotline", "legal_aid": "ngo", "counselling": "health"}

FUNDERS = """\
funder_id,name,budget
city_fund,City general fund,500000
state_grant,State anti-trafficking grant,250000
"""

ELIGIBILITY = """\
funder_id,service_id,agency_kind
city_fund,,
state_grant,shelter_women,shelter
state_grant,legal_aid,
"""


def demand_csv() -> str:
    """27 rows: every district, service and month; cases grow by one a month."""
    lines = ["district_id,service_id,period,cases,source"]
    for d, (district_id, *_rest) in enumerate(DISTRICTS):
        for service_id, base in BASE_CASES.items():
            for m, period in enumerate(PERIODS):
                cases = base + 2 * d + m
                lines.append(f"{district_id},{service_id},{period},{cases},{SOURCE[service_id]}")
    return "\n".join(lines) + "\n"


def square(west: float, south: float, width: float, height: float) -> dict[str, Any]:
    """A GeoJSON Polygon: the axis-aligned rectangle from (west, south)."""
    east, north = round(west + width, 9), round(south + height, 9)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def districts_geojson() -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "properties": {"district_id": did, "name": name, "population": population},
            "geometry": square(west, SOUTH, DISTRICT_WIDTH, NORTH - SOUTH),
        }
        for did, name, population, west in DISTRICTS
    ]
    return {"type": "FeatureCollection", "features": features}


def write_tiny_package(path: Path) -> Path:
    """Write the tiny package into folder `path` (created) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "city.json").write_text(json.dumps(CITY, indent=2) + "\n", encoding="utf-8")
    write_json(path / "districts.geojson", districts_geojson())
    files = {
        "services.csv": SERVICES,
        "agencies.csv": AGENCIES,
        "capacity.csv": CAPACITY,
        "demand.csv": demand_csv(),
        "funders.csv": FUNDERS,
        "eligibility.csv": ELIGIBILITY,
    }
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


_TINY: list[CityPackage] = []


def tiny_package() -> CityPackage:
    """The tiny package as `read_package` gives it (canonical frames, defaults filled).

    Read once per test session; each call returns fresh copies of the frames, so a test
    may change them freely.
    """
    if not _TINY:
        with tempfile.TemporaryDirectory() as tmp:
            _TINY.append(read_package(write_tiny_package(Path(tmp) / "tiny")))
    package = _TINY[0]
    return replace(
        package,
        districts=package.districts.copy(deep=True),
        **{name: getattr(package, name).copy(deep=True) for name in FRAME_NAMES},
    )


# --- Mutations ---------------------------------------------------------------------------


def read_rows(package: Path, file: str) -> list[list[str]]:
    with (package / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(package: Path, file: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (package / file).write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(package: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV; `line` counts the header as line 1 (the files have no blank lines)."""
    rows = read_rows(package, file)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(package, file, rows)


def append_row(package: Path, file: str, values: dict[str, str]) -> int:
    """Append a row (missing columns empty); returns its line number."""
    rows = read_rows(package, file)
    rows.append([values.get(name, "") for name in rows[0]])
    write_rows(package, file, rows)
    return len(rows)


def drop_column(package: Path, file: str, column: str) -> None:
    rows = read_rows(package, file)
    i = rows[0].index(column)
    write_rows(package, file, [row[:i] + row[i + 1 :] for row in rows])


def add_column(package: Path, file: str, column: str, value: str = "") -> None:
    rows = read_rows(package, file)
    write_rows(package, file, [[*rows[0], column]] + [[*row, value] for row in rows[1:]])


def edit_city(package: Path, **changes: Any) -> None:
    """Change keys of city.json; a value of None removes the key."""
    data = json.loads((package / "city.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    write_json(package / "city.json", data)


def edit_feature(
    package: Path,
    feature: int,
    properties: dict[str, Any] | None = None,
    geometry: dict[str, Any] | None = None,
) -> None:
    """Update the properties and/or replace the geometry of the 1-based `feature`."""
    data = json.loads((package / "districts.geojson").read_text(encoding="utf-8"))
    target = data["features"][feature - 1]
    if properties is not None:
        target["properties"].update(properties)
    if geometry is not None:
        target["geometry"] = geometry
    write_json(package / "districts.geojson", data)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def zip_package(folder: Path, zip_path: Path, top_folder: str | None = None) -> Path:
    """Zip the package's files, at the zip's root or inside `top_folder`."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            name = f"{top_folder}/{file.name}" if top_folder else file.name
            archive.write(file, name)
    return zip_path


def add_feature(package: Path, properties: dict[str, Any], geometry: dict[str, Any] | None) -> int:
    """Append a district feature; returns its 1-based feature number."""
    data = json.loads((package / "districts.geojson").read_text(encoding="utf-8"))
    data["features"].append({"type": "Feature", "properties": properties, "geometry": geometry})
    write_json(package / "districts.geojson", data)
    return len(data["features"])


def rebase_on_districts(package: Path, collection: dict[str, Any]) -> list[str]:
    """Put the tiny package on other districts (a GeoJSON FeatureCollection already in schema).

    The three agencies move to a point inside each of the first three districts (district_id
    left empty, to be derived), and demand is rewritten for those districts. Returns the ids
    of the three districts, in agency order.
    """
    from shapely.geometry import shape

    write_json(package / "districts.geojson", collection)
    chosen = collection["features"][:3]
    ids = [str(f["properties"]["district_id"]) for f in chosen]
    rows = read_rows(package, "agencies.csv")
    header = rows[0]
    for agency_row, district in zip(rows[1:], chosen, strict=True):
        point = shape(district["geometry"]).representative_point()
        agency_row[header.index("lat")] = repr(round(point.y, 7))
        agency_row[header.index("lon")] = repr(round(point.x, 7))
        agency_row[header.index("district_id")] = ""
    write_rows(package, "agencies.csv", rows)
    demand = read_rows(package, "demand.csv")
    mapping = {old: new for (old, *_rest), new in zip(DISTRICTS, ids, strict=True)}
    for demand_row in demand[1:]:
        demand_row[0] = mapping[demand_row[0]]
    write_rows(package, "demand.csv", demand)
    return ids


# --- Version 2 (people, flow, time) --------------------------------------------------------

POPULATIONS_V2 = """\
population_id,name,weight
women,Women,1
men,Men,1.5
trans_nonbinary,Trans and non-binary people,
"""

PATHWAYS_V2 = """\
from_service,to_service,share,lag_months
counselling,legal_aid,0.3,1
legal_aid,shelter_women,0.1,
"""

V2_GROUPS = (("women", "", "sex"), ("men", "so", "labour"))
"""Each version-1 demand row of the tiny package splits in two: all its cases but one for
women (no interpreter, sex trafficking), one for men (Somali, labour trafficking)."""


def write_v2_package(path: Path) -> Path:
    """The tiny package with every version-2 file, column and key: populations.csv,
    demand by group, language and exploitation (summing to the version-1 demand),
    capacity.populations, an interpretation service named in city.json, pathways.csv and
    funders' windows."""
    write_tiny_package(path)
    (path / "populations.csv").write_text(POPULATIONS_V2, encoding="utf-8")
    (path / "pathways.csv").write_text(PATHWAYS_V2, encoding="utf-8")
    rows = read_rows(path, "demand.csv")
    split = [[*rows[0], "population", "language", "exploitation"]]
    for row in rows[1:]:
        cases = int(row[3])
        for (population, language, exploitation), part in zip(
            V2_GROUPS, (cases - 1, 1), strict=True
        ):
            split.append([*row[:3], str(part), row[4], population, language, exploitation])
    write_rows(path, "demand.csv", split)
    add_column(path, "services.csv", "interpretation_per_unit")
    set_cell(path, "services.csv", 3, "interpretation_per_unit", "0.5")  # legal aid
    append_row(
        path,
        "services.csv",
        {
            "service_id": "interpretation",
            "name": "Interpretation",
            "unit": "hour",
            "integer": "false",
            "unit_cost": "60",
            "weight": "1",
        },
    )
    add_column(path, "capacity.csv", "populations")
    set_cell(path, "capacity.csv", 2, "populations", "women; trans_nonbinary")
    set_cell(path, "capacity.csv", 3, "populations", "women;trans_nonbinary")
    append_row(
        path,
        "capacity.csv",
        {
            "agency_id": "A2",
            "service_id": "interpretation",
            "capacity": "50",
            "as_of": "2026-01-01",
        },
    )
    add_column(path, "funders.csv", "start")
    add_column(path, "funders.csv", "end")
    set_cell(path, "funders.csv", 2, "start", "2026-01")
    set_cell(path, "funders.csv", 2, "end", "2026-12")
    set_cell(path, "funders.csv", 3, "start", "2026-07")
    edit_city(path, interpretation_service="interpretation")
    return path
