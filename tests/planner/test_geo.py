"""Geometry at the edge: district files in every accepted format, repair, points, distances."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from planner.geo import distances_km, locate_points, read_districts
from tests.package_factory import DISTRICTS, NORTH, SOUTH, tiny_package


def districts_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "district_id": [d[0] for d in DISTRICTS],
            "name": [d[1] for d in DISTRICTS],
            "population": [d[2] for d in DISTRICTS],
        },
        geometry=[box(west, SOUTH, west + 0.04, NORTH) for *_rest, west in DISTRICTS],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def messages(folder: Path) -> list[str]:
    return [str(p) for p in read_districts(folder)[1]]


def assert_like_the_tiny_districts(result: gpd.GeoDataFrame) -> None:
    assert result.crs.to_epsg() == 4326
    assert result["district_id"].tolist() == ["D1", "D2", "D3"]
    assert result["population"].tolist() == [12000, 8000, 10000]
    expected = districts_frame().geometry.normalize()
    actual = result.geometry.reset_index(drop=True).normalize()  # shapefiles turn rings clockwise
    assert actual.geom_equals_exact(expected, 1e-7).all()


def test_a_geopackage_in_web_mercator_is_stored_in_wgs84(tmp_path: Path) -> None:
    districts_frame("EPSG:3857").to_file(tmp_path / "districts.gpkg", driver="GPKG")
    result, problems = read_districts(tmp_path)
    assert problems == []
    assert result is not None
    assert_like_the_tiny_districts(result)


SHAPEFILE_NAMES = pytest.mark.filterwarnings(
    "ignore:Column names longer than 10", "ignore:Normalized/laundered field name"
)


@SHAPEFILE_NAMES
def test_a_shapefile_with_its_side_files(tmp_path: Path) -> None:
    """dBASE cuts district_id to district_i; the reader maps it back."""
    districts_frame("EPSG:26915").to_file(tmp_path / "districts.shp")
    result, problems = read_districts(tmp_path)
    assert problems == []
    assert result is not None
    assert_like_the_tiny_districts(result)


@SHAPEFILE_NAMES
def test_a_shapefile_without_prj_is_refused(tmp_path: Path) -> None:
    districts_frame().to_file(tmp_path / "districts.shp")
    (tmp_path / "districts.prj").unlink()
    assert messages(tmp_path) == [
        "districts.shp: has no districts.prj, so its coordinate system is unknown; "
        "add the .prj file that came with it"
    ]


@SHAPEFILE_NAMES
def test_a_shapefile_without_dbf_is_refused(tmp_path: Path) -> None:
    districts_frame().to_file(tmp_path / "districts.shp")
    (tmp_path / "districts.dbf").unlink()
    assert messages(tmp_path) == [
        "districts.shp: side file districts.dbf (its attributes) is missing; "
        "copy it next to districts.shp"
    ]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_geopackage_without_a_crs_is_refused(tmp_path: Path) -> None:
    districts_frame().set_crs(None, allow_override=True).to_file(tmp_path / "districts.gpkg")
    assert messages(tmp_path) == [
        "districts.gpkg: declares no coordinate system; save it with its CRS (e.g. EPSG:4326)"
    ]


def test_a_geopackage_that_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "districts.gpkg").write_text("not a database", encoding="utf-8")
    [message] = messages(tmp_path)
    assert message.startswith("districts.gpkg: cannot be read as .gpkg (")


def test_a_geojson_that_declares_its_crs(tmp_path: Path) -> None:
    frame = districts_frame("EPSG:26915")
    data = json.loads(frame.to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::26915"}}
    (tmp_path / "districts.geojson").write_text(json.dumps(data), encoding="utf-8")
    result, problems = read_districts(tmp_path)
    assert problems == []
    assert result is not None
    assert_like_the_tiny_districts(result)


def test_a_geojson_with_an_unknown_crs(tmp_path: Path) -> None:
    data = json.loads(districts_frame().to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    (tmp_path / "districts.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert messages(tmp_path) == [
        "districts.geojson: crs: 'urn:ogc:def:crs:EPSG::999999' is not a coordinate system "
        "this reader knows"
    ]


def test_multipolygons_are_kept(tmp_path: Path) -> None:
    frame = districts_frame()
    frame.loc[0, "geometry"] = frame.geometry[0].union(box(-93.5, 44.9, -93.45, 44.92))
    frame.to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    result, problems = read_districts(tmp_path)
    assert problems == []
    assert result is not None
    assert result.geom_type.tolist() == ["MultiPolygon", "Polygon", "Polygon"]


def test_a_second_districts_file_is_ignored_with_a_warning(tmp_path: Path) -> None:
    districts_frame().to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    districts_frame().to_file(tmp_path / "districts.gpkg", driver="GPKG")
    assert messages(tmp_path) == [
        "districts.gpkg: warning: ignored: the package also has districts.geojson, which is used"
    ]


def twisted_d2(size: float) -> dict[str, object]:
    """D2 with a bow-tie loop of `size` degrees on its north edge, centred at lon -93.27."""
    west, east, mid, half = -93.29, -93.25, -93.27, size / 2
    ring = [
        [west, SOUTH],
        [east, SOUTH],
        [east, NORTH],
        [mid + half, NORTH],
        [mid - half, NORTH + size],
        [mid - half, NORTH],
        [mid + half, NORTH + size],
        [west, NORTH],
        [west, SOUTH],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def write_with_d2(folder: Path, geometry: dict[str, object]) -> None:
    data = json.loads(districts_frame().to_json())
    data["features"][1]["geometry"] = geometry
    (folder / "districts.geojson").write_text(json.dumps(data), encoding="utf-8")


def test_a_repair_under_one_percent_is_a_warning(tmp_path: Path) -> None:
    write_with_d2(tmp_path, twisted_d2(0.004))
    result, problems = read_districts(tmp_path)
    assert [str(p) for p in problems] == [
        "districts.geojson: feature 2: geometry: warning: geometry is not valid "
        "(self-intersection at -93.27 44.992); repaired, its area changed by 0.61%"
    ]
    assert result is not None
    assert result.geometry.is_valid.all()


def test_a_repair_over_one_percent_is_refused(tmp_path: Path) -> None:
    write_with_d2(tmp_path, twisted_d2(0.006))
    assert messages(tmp_path) == [
        "districts.geojson: feature 2: geometry: geometry is not valid (self-intersection at "
        "-93.27 44.993) and repairing it would change its area by 1.3%, more than the 1% "
        "allowed; fix the polygon in a GIS"
    ]


def test_locate_points_inside_on_a_border_and_outside() -> None:
    districts = tiny_package().districts
    located = locate_points(
        districts, [-93.31, -93.29, -93.23, -92.0], [44.975, 44.97, 44.98, 44.97]
    )
    # -93.29 is the border of D1 and D2: the first district in file order wins.
    assert located == ["D1", "D1", "D3", None]


def test_distances_from_each_district_to_each_agency() -> None:
    package = tiny_package()
    distances = distances_km(package.districts, package.agencies)
    assert distances.shape == (3, 3)
    assert list(distances.index) == ["D1", "D2", "D3"]
    # A1 and D1's representative point are both inside D1, which is 3.2 km wide.
    assert distances.loc["D1", "A1"] < 3.5
    # D1 to D3's agency: about 0.08 degrees of longitude at 45° N (6.3 km), give or take.
    assert 5 < distances.loc["D1", "A3"] < 9
    assert (distances.to_numpy() >= 0).all()


def test_locate_points_with_no_districts_or_no_points() -> None:
    assert locate_points(districts_frame().iloc[0:0], [1.0], [2.0]) == [None]
    assert locate_points(districts_frame(), [], []) == []


def test_display_geometry_keeps_shared_edges_and_ids() -> None:
    from planner.geo import display_geometry
    from planner.package import read_package
    from planner.settings import DEMO_PACKAGE

    districts = read_package(DEMO_PACKAGE).districts
    shown = display_geometry(districts)
    assert list(shown["district_id"]) == list(districts["district_id"])
    assert shown.geometry.is_valid.all()
    vertices = shown.geometry.count_coordinates().sum()
    assert vertices < districts.geometry.count_coordinates().sum() / 2
    # Neighbours still touch and do not overlap more than a sliver.
    metric = shown.to_crs(shown.estimate_utm_crs())
    assert metric.union_all().area == pytest.approx(metric.area.sum(), rel=1e-6)
