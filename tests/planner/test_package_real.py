"""Real geographies and the bundled demo city, read as packages.

The real files live in ../shared/data/geo (never copied into the project); each test
builds a package around one of them in tmp_path and skips when the folder is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from planner.package import read_package, validate_package
from planner.problems import InvalidInput
from planner.settings import DEMO_PACKAGE
from tests.package_factory import rebase_on_districts, set_cell, write_tiny_package

GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"
MONTREAL = GEO / "montreal_limadmin_34.geojson"
TORONTO = GEO / "toronto_neighbourhoods_140.geojson"


def raw(path: Path) -> dict[str, Any]:
    if not path.is_file():
        pytest.skip(f"real data absent: {path}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def renamed(data: dict[str, Any], id_field: str, name_field: str, prefix: str) -> dict[str, Any]:
    """The same features with district_id, name and a made-up population as properties."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "district_id": f"{prefix}{f['properties'][id_field]}",
                "name": f["properties"][name_field],
                "population": 1000 * (i + 1),
            },
            "geometry": f["geometry"],
        }
        for i, f in enumerate(data["features"])
    ]
    return {**data, "features": features}


def test_montreal_34_areas_keep_their_accented_names(tmp_path: Path) -> None:
    data = raw(MONTREAL)
    package = write_tiny_package(tmp_path / "montreal")
    ids = rebase_on_districts(package, renamed(data, "CODEID", "NOM", "MTL"))
    result = read_package(package)
    assert result.warnings == ()
    assert len(result.districts) == 34
    assert result.districts["name"].tolist() == [f["properties"]["NOM"] for f in data["features"]]
    assert {"Montréal-Nord", "Côte-des-Neiges-Notre-Dame-de-Grâce", "L'Île-Dorval"} <= set(
        result.districts["name"]
    )
    assert result.agencies["district_id"].tolist() == ids
    assert result.districts.crs.to_epsg() == 4326


def test_montreal_written_back_keeps_its_names(tmp_path: Path) -> None:
    from planner.package import write_package

    data = raw(MONTREAL)
    package = write_tiny_package(tmp_path / "montreal")
    rebase_on_districts(package, renamed(data, "CODEID", "NOM", "MTL"))
    first = read_package(package)
    text = (write_package(first, tmp_path / "out") / "districts.geojson").read_text("utf-8")
    assert "Rivière-des-Prairies-Pointe-aux-Trembles" in text
    assert read_package(tmp_path / "out").districts["name"].equals(first.districts["name"])


def test_swapped_coordinates_get_a_hint(tmp_path: Path) -> None:
    package = write_tiny_package(tmp_path / "montreal")
    rebase_on_districts(package, renamed(raw(MONTREAL), "CODEID", "NOM", "MTL"))
    set_cell(package, "agencies.csv", 2, "lat", "-73.5673")
    set_cell(package, "agencies.csv", 2, "lon", "45.5017")
    assert [str(p) for p in validate_package(package)] == [
        "agencies.csv:2: lat, lon: the point (-73.5673, 45.5017) is outside every district in "
        "districts.geojson (are lat and lon swapped?)"
    ]


def test_toronto_140_neighbourhoods_load_with_a_repair_warning(tmp_path: Path) -> None:
    data = raw(TORONTO)
    invalid = [
        i + 1 for i, f in enumerate(data["features"]) if not shapely.is_valid(shape(f["geometry"]))
    ]
    assert invalid, "the Toronto file was expected to hold an invalid polygon"
    package = write_tiny_package(tmp_path / "toronto")
    rebase_on_districts(package, renamed(data, "cartodb_id", "name", "TO"))
    result = read_package(package)
    assert len(result.districts) == 140
    assert result.districts.geometry.is_valid.all()
    assert result.districts.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert len(result.warnings) == len(invalid)
    for number, warning in zip(invalid, result.warnings, strict=True):
        prefix = f"districts.geojson: feature {number}: geometry: warning: geometry is not valid ("
        assert warning.startswith(prefix)
        assert "; repaired, its area changed by 0.00%" in warning


def test_the_raw_toronto_file_is_refused_for_its_missing_columns(tmp_path: Path) -> None:
    package = write_tiny_package(tmp_path / "toronto")
    (package / "districts.geojson").write_bytes(raw(TORONTO) and TORONTO.read_bytes())
    with pytest.raises(InvalidInput) as raised:
        read_package(package)
    errors = [str(p) for p in raised.value.problems if p.is_error]
    have = "name, cartodb_id, created_at, updated_at"
    assert errors == [
        f"districts.geojson: district_id: required column is missing (the features have: {have})",
        f"districts.geojson: population: required column is missing (the features have: {have})",
    ]


def test_the_demo_city_validates_without_errors() -> None:
    if not (DEMO_PACKAGE / "city.json").is_file():
        pytest.skip("the demo package data/demo_city is not there yet")
    errors = [str(p) for p in validate_package(DEMO_PACKAGE) if p.is_error]
    assert errors == []
    package = read_package(DEMO_PACKAGE)
    assert len(package.districts) > 0 and len(package.demand) > 0
