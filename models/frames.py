"""Between the canonical frames of `planner.package` and database rows.

Going in, every cell becomes a plain Python value (drivers refuse numpy scalars; NaN becomes
NULL); coming out, every column gets the dtype `planner.package` documents: text, dates and
periods as pandas' string dtype with NaN for empty, int as int64, float as float64, bool as
bool. Dates are `date` in the database and ISO text in frames; district geometry is GeoJSON
text in the database and shapely geometry (EPSG:4326) in frames.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import mapping, shape

from models.errors import ImportFailed
from planner.i18n import t
from planner.schema import Column, Kind

WGS84 = "EPSG:4326"
GEOMETRY = "geometry"

_TRUE_TEXT = frozenset({"true", "1", "yes"})
_FALSE_TEXT = frozenset({"false", "0", "no"})


def frame_records(
    frame: pd.DataFrame, columns: Sequence[Column], *, file: str, city_id: int
) -> list[dict[str, Any]]:
    """One dict per row with the schema's columns as plain Python values, plus `city_id`.

    A column absent from `frame` takes the schema default (or NULL). A cell that cannot be
    stored raises `ImportFailed` naming the file, row and column.
    """
    names = [c.name for c in columns]
    values_by_column: list[list[Any]] = []
    for column in columns:
        if column.name in frame.columns:
            cells = frame[column.name].tolist()
            values_by_column.append(
                [_to_python(cell, column, file, row) for row, cell in enumerate(cells, 1)]
            )
        else:
            values_by_column.append([column.default] * len(frame))
    records = [dict(zip(names, row, strict=True)) for row in zip(*values_by_column, strict=True)]
    for record in records:
        record["city_id"] = city_id
    return records


def _to_python(cell: Any, column: Column, file: str, row: int) -> Any:
    if _is_missing(cell):
        return None
    try:
        return _convert(cell, column.kind)
    except (TypeError, ValueError):
        raise ImportFailed(
            t(
                "{file}: row {row}: {column}: {cell} is not a valid {kind}; nothing was imported",
                file=file,
                row=row,
                column=column.name,
                cell=repr(cell),
                kind=column.kind,
            )
        ) from None


def _is_missing(cell: Any) -> bool:
    if cell is None:
        return True
    try:
        return bool(pd.isna(cell))
    except (TypeError, ValueError):  # list-like cells: not a scalar NA
        return False


def _convert(cell: Any, kind: Kind) -> Any:
    if kind in ("text", "period"):
        return str(cell)
    if kind == "int":
        number = float(cell)
        if not number.is_integer():
            raise ValueError(cell)
        return int(number)
    if kind == "float":
        number = float(cell)
        if not math.isfinite(number):
            raise ValueError(cell)
        return number
    if kind == "bool":
        if isinstance(cell, str):
            lowered = cell.strip().lower()
            if lowered not in _TRUE_TEXT | _FALSE_TEXT:
                raise ValueError(cell)
            return lowered in _TRUE_TEXT
        return bool(cell)
    if kind == "date":
        if isinstance(cell, datetime):  # pandas Timestamp included
            return cell.date()
        if isinstance(cell, date):
            return cell
        return date.fromisoformat(str(cell).strip())
    raise AssertionError(f"unknown column kind {kind}")  # pragma: no cover


def rows_frame(rows: Sequence[Sequence[Any]], columns: Sequence[Column]) -> pd.DataFrame:
    """A frame of database rows (values in `columns` order), in canonical dtypes."""
    data: dict[str, pd.Series] = {}
    for i, column in enumerate(columns):
        values = [row[i] for row in rows]
        data[column.name] = typed_series(values, column.kind)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def typed_series(values: list[Any], kind: Kind) -> pd.Series:
    if kind == "date":
        values = [v.isoformat() if isinstance(v, date) else v for v in values]
    if kind in ("text", "date", "period"):
        return pd.Series(values, dtype="str")
    if kind == "int":
        if any(v is None for v in values):  # an optional count (hotline's referred)
            return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
        return pd.Series(values, dtype="int64")
    if kind == "float":
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(values, dtype="bool")


def geometry_to_geojson(geometry: Any) -> str | None:
    """GeoJSON text of a shapely geometry, with every coordinate exactly as stored."""
    if geometry is None or _is_missing(geometry) or geometry.is_empty:
        return None
    # json.dumps writes floats with repr, which reads back to the same double.
    return json.dumps(mapping(geometry), separators=(",", ":"))


def geometry_from_geojson(text: str | None) -> Any:
    if text is None:
        return None
    return shape(json.loads(text))


def district_geometries_wgs84(districts: pd.DataFrame) -> list[Any]:
    """The districts' geometries in EPSG:4326, None where there is none.

    A frame without a CRS is taken to be in EPSG:4326 already; a plain DataFrame, or one
    without an active geometry column, has no geometries.
    """
    if not isinstance(districts, gpd.GeoDataFrame) or districts.active_geometry_name is None:
        return [None] * len(districts)
    geometries = districts.geometry
    if geometries.crs is not None and not geometries.crs.equals(WGS84):
        geometries = geometries.to_crs(WGS84)
    return list(geometries)


def districts_frame(attributes: pd.DataFrame, geojson: list[str | None]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of district attributes with the geometry decoded, in EPSG:4326."""
    geometries = gpd.GeoSeries(
        [geometry_from_geojson(text) for text in geojson], index=attributes.index, crs=WGS84
    )
    return gpd.GeoDataFrame(attributes, geometry=geometries, crs=WGS84)
