"""Geometry at the edge: reprojection, repair, point-in-district and distances.

Everything that touches coordinates happens here, once; the optimiser and the forecaster
get frames and arrays keyed by ids.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

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
