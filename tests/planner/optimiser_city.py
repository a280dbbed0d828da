"""Small in-memory cities for the optimiser's tests (no files, no reader needed)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from planner.package import CityInfo, CityPackage

KM_PER_DEGREE = 110.574  # of latitude, near the equator (and of longitude at 0 degrees)


def square(x_km: float, y_km: float, half_km: float = 1.0):
    """A small square district centred at (x_km, y_km) from (0, 0), in lon/lat degrees."""
    cx, cy = x_km / 111.32, y_km / KM_PER_DEGREE
    h = half_km / 111.32
    return box(cx - h, cy - h, cx + h, cy + h)


def lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    return x_km / 111.32, y_km / KM_PER_DEGREE


def make_city(
    *,
    districts: Sequence[tuple[str, str, int, float, float]],
    services: Sequence[dict],
    agencies: Sequence[tuple[str, str, str, float, float]],
    capacity: Sequence[dict],
    funders: Sequence[tuple[str, str, float]],
    eligibility: Sequence[tuple[str, str | None, str | None]] = (),
    demand: pd.DataFrame | None = None,
) -> CityPackage:
    """districts: (id, name, population, x_km, y_km); agencies: (id, name, kind, x_km, y_km)."""
    district_frame = gpd.GeoDataFrame(
        {
            "district_id": [d[0] for d in districts],
            "name": [d[1] for d in districts],
            "population": [d[2] for d in districts],
        },
        geometry=[square(d[3], d[4]) for d in districts],
        crs="EPSG:4326",
    )
    service_rows = []
    for s in services:
        row = {
            "units_per_case": 1.0,
            "segment": "any",
            "open_cost": 0.0,
            "open_max": 0.0,
            "radius_km": np.nan,
            "unit": "slot",
        }
        row.update(s)
        service_rows.append(row)
    service_frame = pd.DataFrame(service_rows)
    agency_frame = pd.DataFrame(
        {
            "agency_id": [a[0] for a in agencies],
            "name": [a[1] for a in agencies],
            "kind": [a[2] for a in agencies],
            "lat": [lonlat(a[3], a[4])[1] for a in agencies],
            "lon": [lonlat(a[3], a[4])[0] for a in agencies],
            "district_id": [None] * len(agencies),
            "languages": [""] * len(agencies),
            "confidential": [False] * len(agencies),
        }
    )
    capacity_rows = []
    for c in capacity:
        row = {"occupied": np.nan, "max_expansion": 0.0, "unit_cost": np.nan, "as_of": None}
        row.update(c)
        capacity_rows.append(row)
    capacity_frame = pd.DataFrame(
        capacity_rows,
        columns=[
            "agency_id",
            "service_id",
            "capacity",
            "occupied",
            "max_expansion",
            "unit_cost",
            "as_of",
        ],
    )
    funder_frame = pd.DataFrame(
        {
            "funder_id": [f[0] for f in funders],
            "name": [f[1] for f in funders],
            "budget": [float(f[2]) for f in funders],
        }
    )
    eligibility_frame = pd.DataFrame(
        {
            "funder_id": [e[0] for e in eligibility],
            "service_id": [e[1] if e[1] else np.nan for e in eligibility],
            "agency_kind": [e[2] if e[2] else np.nan for e in eligibility],
        },
        columns=["funder_id", "service_id", "agency_kind"],
    )
    if demand is None:
        demand = pd.DataFrame(columns=["district_id", "service_id", "period", "cases", "source"])
    return CityPackage(
        city=CityInfo(name="Testville", currency="USD"),
        districts=district_frame,
        services=service_frame,
        agencies=agency_frame,
        capacity=capacity_frame,
        demand=demand,
        funders=funder_frame,
        eligibility=eligibility_frame,
    )


def monthly_history(cells: dict[tuple[str, str], float], months: int = 12) -> pd.DataFrame:
    """A demand history with the same cases every month for the given (district, service)."""
    periods = [str(p) for p in pd.period_range("2025-01", periods=months, freq="M")]
    rows = [(d, s, p, int(c), "ngo") for (d, s), c in sorted(cells.items()) for p in periods if c]
    return pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])


def hand_city(**overrides) -> CityPackage:
    """The hand-checked city of test_optimiser.py (see the reasoning there)."""
    spec = dict(
        districts=[
            ("D1", "North", 4000, 0.0, 0.0),
            ("D2", "Middle", 3000, 10.0, 0.0),
            ("D3", "South", 2000, 20.0, 0.0),
        ],
        services=[
            {
                "service_id": "shelter",
                "name": "Shelter",
                "unit": "bed",
                "integer": True,
                "unit_cost": 12000.0,
                "weight": 3.0,
                "radius_km": 12.0,
            },
            {
                "service_id": "legal",
                "name": "Legal aid",
                "unit": "hour",
                "integer": False,
                "unit_cost": 1200.0,
                "weight": 1.0,
                "radius_km": np.nan,
            },
        ],
        agencies=[
            ("A1", "North House", "ngo", 0.0, 0.0),
            ("A2", "South House", "shelter", 20.0, 0.0),
        ],
        capacity=[
            {"agency_id": "A1", "service_id": "shelter", "capacity": 2, "max_expansion": 5},
            {
                "agency_id": "A2",
                "service_id": "shelter",
                "capacity": 1,
                "max_expansion": 1,
                "unit_cost": 11000.0,
            },
            {"agency_id": "A1", "service_id": "legal", "capacity": 5, "max_expansion": 20},
        ],
        funders=[("city", "City fund", 30000.0)],
        demand=monthly_history(
            {
                ("D1", "shelter"): 4,
                ("D2", "shelter"): 3,
                ("D3", "shelter"): 2,
                ("D1", "legal"): 10,
                ("D3", "legal"): 5,
            }
        ),
    )
    spec.update(overrides)
    return make_city(**spec)
