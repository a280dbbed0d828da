"""Geometry at the edge: reprojection, repair, point-in-district and distances.

Everything that touches coordinates happens here, once; the optimiser and the forecaster
get frames and arrays keyed by ids.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
import shapely.geometry
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from planner.i18n import fmt_percent, t
from planner.problems import Problem, Severity
from planner.schema import DISTRICT_COLUMNS, DISTRICT_FILES, column_names
from planner.tables import LINE, Table, convert_frame, duplicate_problems, read_text

WGS84 = "EPSG:4326"


def metric_crs(districts: gpd.GeoDataFrame) -> object:
    """A metric CRS for the city: the UTM zone of its districts."""
    crs = districts.to_crs(WGS84).estimate_utm_crs()
    if crs is None:  # pragma: no cover - only for empty or global extents
        return "EPSG:3857"
    return crs


def district_points(districts: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Each district's representative point (inside the polygon, unlike a centroid), WGS84."""
    points = districts.to_crs(WGS84).geometry.representative_point()
    points.index = districts["district_id"].to_numpy()
    return points


def distances_km(districts: gpd.GeoDataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """Distance in km from each district's representative point to each agency.

    Rows are district ids, columns agency ids; computed in the city's metric (UTM) CRS.
    """
    crs = metric_crs(districts)
    points = district_points(districts).to_crs(crs)
    agency_points = gpd.GeoSeries(
        gpd.points_from_xy(agencies["lon"], agencies["lat"]), crs=WGS84
    ).to_crs(crs)
    dx = points.x.to_numpy()[:, None] - agency_points.x.to_numpy()[None, :]
    dy = points.y.to_numpy()[:, None] - agency_points.y.to_numpy()[None, :]
    matrix = np.hypot(dx, dy) / 1000.0
    return pd.DataFrame(
        matrix,
        index=pd.Index(districts["district_id"].astype(str).to_numpy(), name="district_id"),
        columns=pd.Index(agencies["agency_id"].astype(str).to_numpy(), name="agency_id"),
    )


# --- Reading the districts of a package -------------------------------------------------

MAX_REPAIR_AREA_CHANGE = 0.01
"""A repaired polygon is refused when repair changes its area by more than this share."""

_POLYGONAL = ("Polygon", "MultiPolygon")
_GEOJSON_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def find_district_file(folder: Path) -> tuple[Path | None, list[Problem]]:
    """The package's districts file: .geojson, else .gpkg, else .shp (first found wins)."""
    found = [folder / name for name in DISTRICT_FILES if (folder / name).is_file()]
    if not found:
        names = ", ".join((*DISTRICT_FILES[1:-1], f"{DISTRICT_FILES[-1]} with its side files"))
        message = t("file is missing from the package (or give {names})", names=names)
        return None, [Problem(DISTRICT_FILES[0], message=message)]
    problems = [
        Problem(
            other.name,
            message=t("ignored: the package also has {name}, which is used", name=found[0].name),
            severity="warning",
        )
        for other in found[1:]
    ]
    return found[0], problems


def read_districts(folder: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read, check and repair the districts of a package folder; store them in EPSG:4326.

    Returns the canonical frame (`district_id, name, population, geometry` and the
    feature number in `LINE`; bad cells NaN, bad geometries None) and every problem, or
    None when the file cannot be read at all. A missing CRS in a .geojson means EPSG:4326
    (RFC 7946). An invalid polygon is repaired with `shapely.make_valid`, keeping only its
    polygonal parts, and reported as a warning, unless the repair changes its area
    (measured in the city's UTM CRS) by more than `MAX_REPAIR_AREA_CHANGE`: then it is an
    error.
    """
    path, problems = find_district_file(folder)
    if path is None:
        return None, problems
    file = path.name
    if path.suffix == ".geojson":
        raw, crs, read_problems = _read_geojson(path)
    else:
        raw, crs, read_problems = _read_with_ogr(path)
    problems.extend(read_problems)
    if raw is None:
        return None, problems
    problems.extend(_check_properties(raw, file))
    frame, cell_problems = convert_frame(raw, file, DISTRICT_COLUMNS, where="feature")
    problems.extend(cell_problems)
    table = Table(file, frame)
    problems.extend(duplicate_problems(table, ["district_id"], where="feature"))
    geometries, geometry_problems = _check_geometries(list(raw["geometry"]), raw[LINE], crs, file)
    problems.extend(geometry_problems)
    districts = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=crs))
    if any(g is not None for g in geometries):
        districts = districts.to_crs(WGS84)
    else:
        districts = districts.set_crs(WGS84, allow_override=True)
    columns = [*column_names(DISTRICT_COLUMNS), "geometry", LINE]
    return districts[columns], problems


def _read_geojson(path: Path) -> tuple[pd.DataFrame | None, object, list[Problem]]:
    file = path.name
    text, problems = read_text(path, file)
    if text is None:
        return None, None, problems
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return (
            None,
            None,
            [Problem(file, line=exc.lineno, message=t("is not valid JSON ({msg})", msg=exc.msg))],
        )
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        message = t("is not GeoJSON: a FeatureCollection of districts was expected")
        return None, None, [Problem(file, message=message)]
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return None, None, [Problem(file, message=t("has no features (no districts)"))]
    crs, crs_problems = _geojson_crs(data.get("crs"), file)
    if crs is None:
        return None, None, crs_problems
    rows: list[dict[str, object]] = []
    geometries: list[BaseGeometry | None] = []
    numbers: list[int] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(file, feature=number, message=t("is not a GeoJSON Feature")))
            continue  # reported once, not again for each of its missing properties
        properties = feature.get("properties")
        rows.append(dict(properties) if isinstance(properties, dict) else {})
        geometries.append(_geojson_geometry(feature, file, number, problems))
        numbers.append(number)
    raw = pd.DataFrame(rows, dtype=object, index=pd.RangeIndex(len(rows)))
    raw[LINE] = np.asarray(numbers, dtype="int64")
    raw["geometry"] = pd.Series(geometries, dtype=object)
    return raw, crs, problems


def _geojson_crs(member: object, file: str) -> tuple[object, list[Problem]]:
    if member is None:
        return WGS84, []
    name = None
    if isinstance(member, dict) and isinstance(member.get("properties"), dict):
        name = member["properties"].get("name")
    try:
        crs = pyproj.CRS.from_user_input(name)
    except (pyproj.exceptions.CRSError, TypeError, ValueError):
        message = t(
            "{value} is not a coordinate system this reader knows", value=repr(name or member)
        )
        return None, [Problem(file, column="crs", message=message)]
    if crs == pyproj.CRS("OGC:CRS84"):
        return WGS84, []
    return crs, []


def _geojson_geometry(
    feature: object, file: str, number: int, problems: list[Problem]
) -> BaseGeometry | None:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if geometry is None:
        problems.append(_geometry_problem(file, number, "geometry is missing"))
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in _GEOJSON_TYPES:
        message = t("geometry cannot be read (unknown GeoJSON type {kind})", kind=repr(kind))
        problems.append(_geometry_problem(file, number, message))
        return None
    try:
        shape = shapely.geometry.shape(geometry)
    except Exception:  # shapely raises many kinds for malformed coordinates
        message = t("geometry cannot be read (malformed {kind} coordinates)", kind=kind)
        problems.append(_geometry_problem(file, number, message))
        return None
    return shape


def _read_with_ogr(path: Path) -> tuple[pd.DataFrame | None, object, list[Problem]]:
    file = path.name
    if path.suffix == ".shp":
        problems = _shapefile_side_problems(path)
        if problems:
            return None, None, problems
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio/GDAL errors come in many classes
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            None,
            None,
            [
                Problem(
                    file,
                    message=t(
                        "cannot be read as {suffix} ({reason})", suffix=path.suffix, reason=reason
                    ),
                )
            ],
        )
    if layer.crs is None:
        message = t("declares no coordinate system; save it with its CRS (e.g. EPSG:4326)")
        return None, None, [Problem(file, message=message)]
    if layer.empty:
        return None, None, [Problem(file, message=t("has no features (no districts)"))]
    raw = pd.DataFrame(layer.drop(columns=layer.geometry.name), dtype=object)
    raw = raw.reset_index(drop=True)
    if path.suffix == ".shp":
        # dBASE cuts field names to 10 characters: district_id is stored as district_i.
        cut = {c.name[:10]: c.name for c in DISTRICT_COLUMNS if len(c.name) > 10}
        raw = raw.rename(columns={k: v for k, v in cut.items() if v not in raw.columns})
    raw[LINE] = np.arange(1, len(raw) + 1, dtype="int64")
    raw["geometry"] = pd.Series(list(layer.geometry.array), dtype=object)
    return raw, layer.crs, []


def _shapefile_side_problems(path: Path) -> list[Problem]:
    names = {p.name.lower() for p in path.parent.iterdir()}
    problems = []
    for suffix, why in ((".shx", "its index"), (".dbf", "its attributes")):
        if f"{path.stem}{suffix}".lower() not in names:
            side = f"{path.stem}{suffix}"
            message = t(
                "side file {side} ({why}) is missing; copy it next to {name}",
                side=side,
                why=why,
                name=path.name,
            )
            problems.append(Problem(path.name, message=message))
    if f"{path.stem}.prj".lower() not in names:
        message = t(
            "has no {stem}.prj, so its coordinate system is unknown; add the .prj "
            "file that came with it",
            stem=path.stem,
        )
        problems.append(Problem(path.name, message=message))
    return problems


def _check_properties(raw: pd.DataFrame, file: str) -> list[Problem]:
    present = [c for c in raw.columns if c not in (LINE, "geometry")]
    known = set(column_names(DISTRICT_COLUMNS))
    problems = []
    for column in DISTRICT_COLUMNS:
        if column.required and column.name not in present:
            have = ", ".join(present) if present else "no properties"
            message = t("required column is missing (the features have: {have})", have=have)
            problems.append(Problem(file, column=column.name, message=message))
    for name in present:
        if name not in known:
            message = t("unknown column (ignored)")
            problems.append(Problem(file, column=str(name), message=message, severity="warning"))
    return problems


def _geometry_problem(
    file: str, number: int, message: str, severity: Severity = "error"
) -> Problem:
    return Problem(file, feature=number, column="geometry", message=message, severity=severity)


def _check_geometries(
    geometries: list[BaseGeometry | None], numbers: pd.Series, crs: object, file: str
) -> tuple[list[BaseGeometry | None], list[Problem]]:
    """Keep polygons, repair invalid ones within the area tolerance; None for the rest."""
    problems: list[Problem] = []
    kept: list[BaseGeometry | None] = []
    for geometry, number in zip(geometries, numbers, strict=True):
        if geometry is None:
            kept.append(None)
        elif geometry.is_empty:
            problems.append(_geometry_problem(file, int(number), "geometry is empty"))
            kept.append(None)
        elif geometry.geom_type not in _POLYGONAL:
            message = t(
                "a {geom_type}, not a Polygon or MultiPolygon", geom_type=geometry.geom_type
            )
            problems.append(_geometry_problem(file, int(number), message))
            kept.append(None)
        else:
            kept.append(shapely.force_2d(geometry))
    bounds_problem = _lonlat_bounds_problem(kept, crs, file)
    if bounds_problem is not None:
        return [None] * len(kept), [*problems, bounds_problem]
    invalid = [i for i, g in enumerate(kept) if g is not None and not g.is_valid]
    metric = _metric_crs_of(kept, crs) if invalid else None  # the UTM lookup is slow
    for i in invalid:
        geometry, number = kept[i], numbers.iloc[i]
        assert geometry is not None
        repaired, problem = _repair(geometry, int(number), crs, metric, file)
        kept[i] = repaired
        problems.append(problem)
    return kept, problems


def _lonlat_bounds_problem(
    geometries: list[BaseGeometry | None], crs: object, file: str
) -> Problem | None:
    present = [g for g in geometries if g is not None]
    if not present or not pyproj.CRS.from_user_input(crs).is_geographic:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return None
    message = t(
        "coordinates are not longitude/latitude (x from {minx} to {maxx}, y "
        "from {miny} to {maxy}); a GeoJSON without a 'crs' member must be in "
        "EPSG:4326, so reproject it or declare its CRS",
        minx=format(minx, "g"),
        maxx=format(maxx, "g"),
        miny=format(miny, "g"),
        maxy=format(maxy, "g"),
    )
    return Problem(file, column="geometry", message=message)


def _metric_crs_of(geometries: list[BaseGeometry | None], crs: object) -> object:
    present = [g for g in geometries if g is not None]
    if not present:
        return "EPSG:3857"
    series = gpd.GeoSeries(present, crs=crs).to_crs(WGS84)
    return series.estimate_utm_crs() or "EPSG:3857"


def _repair(
    geometry: BaseGeometry, number: int, crs: object, metric: object, file: str
) -> tuple[BaseGeometry | None, Problem]:
    reason = _validity_reason(geometry)
    repaired = _polygonal_part(shapely.make_valid(geometry))
    if repaired is None:
        message = t(
            "geometry is not valid ({reason}) and has no area left once repaired", reason=reason
        )
        return None, _geometry_problem(file, number, message)
    before, after = gpd.GeoSeries([geometry, repaired], crs=crs).to_crs(metric).area
    change = abs(after - before) / before if before > 0 else math.inf
    if change > MAX_REPAIR_AREA_CHANGE:
        shown = "over 1000%" if change > 10 else f"{change:.1%}"
        message = t(
            "geometry is not valid ({reason}) and repairing it would change its "
            "area by {shown}, more than the {MAX_REPAIR_AREA_CHANGE} allowed; fix "
            "the polygon in a GIS",
            reason=reason,
            shown=shown,
            MAX_REPAIR_AREA_CHANGE=fmt_percent(MAX_REPAIR_AREA_CHANGE, 0),
        )
        return None, _geometry_problem(file, number, message)
    message = t(
        "geometry is not valid ({reason}); repaired, its area changed by {change}",
        reason=reason,
        change=fmt_percent(change, 2),
    )
    return repaired, _geometry_problem(file, number, message, severity="warning")


def _validity_reason(geometry: BaseGeometry) -> str:
    reason = shapely.is_valid_reason(geometry)
    match = re.match(r"^(.*?)\[(.*)\]$", reason)
    if match:
        return f"{match.group(1).lower()} at {match.group(2)}"
    return reason.lower()


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry | None:
    parts = [
        polygon
        for part in getattr(geometry, "geoms", [geometry])
        for polygon in getattr(part, "geoms", [part])
        if polygon.geom_type == "Polygon" and not polygon.is_empty
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in _POLYGONAL else None


def locate_points(districts: gpd.GeoDataFrame, lon: ArrayLike, lat: ArrayLike) -> list[str | None]:
    """The district_id holding each (lon, lat) point, None when outside every district.

    A point on a border belongs to the first of its districts in file order.
    """
    usable = districts[districts.geometry.notna() & districts["district_id"].notna()]
    lon_array = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_array = np.atleast_1d(np.asarray(lat, dtype=float))
    located: list[str | None] = [None] * len(lon_array)
    if usable.empty or not len(lon_array):
        return located
    tree = shapely.STRtree(usable.to_crs(WGS84).geometry.to_numpy())
    points = shapely.points(lon_array, lat_array)
    point_index, district_index = tree.query(points, predicate="intersects")
    ids = usable["district_id"].to_numpy()
    for p, d in sorted(
        zip(point_index.tolist(), district_index.tolist(), strict=True), reverse=True
    ):
        located[p] = str(ids[d])
    return located


DISPLAY_TOLERANCE_M = 25.0


def display_geometry(
    districts: gpd.GeoDataFrame, tolerance_m: float = DISPLAY_TOLERANCE_M
) -> gpd.GeoDataFrame:
    """The districts simplified for drawing: shared edges stay shared (a coverage
    simplification in the city's metric CRS) and nothing moves by more than `tolerance_m`.

    For maps only: a map of a city's districts drawn at screen size needs a tenth of the
    vertices, and the page sends and draws far less. Distances are never measured on it.
    """
    if districts.empty:
        return districts
    crs = metric_crs(districts)
    projected = districts.to_crs(crs)
    simplified = projected.geometry.simplify_coverage(tolerance_m)
    out = districts.copy()
    out.geometry = gpd.GeoSeries(simplified, crs=crs).to_crs(WGS84).to_numpy()
    return out


def at_district_points(
    districts: gpd.GeoDataFrame, district_ids: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of the representative points of these districts (NaN for an
    id that is not a district): where a confidential place is drawn instead of its own."""
    if districts.empty:
        missing = np.full(len(district_ids), np.nan)
        return missing, missing.copy()
    points = district_points(districts)
    lat = district_ids.map(points.y).to_numpy(dtype=float)
    lon = district_ids.map(points.x).to_numpy(dtype=float)
    return lat, lon


def clockwise(geometry: BaseGeometry) -> BaseGeometry:
    """Outer rings clockwise, holes counter-clockwise, as Vega's spherical geoshapes need."""
    if isinstance(geometry, Polygon):
        return orient(geometry, sign=-1.0)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(part, sign=-1.0) for part in geometry.geoms])
    return geometry
