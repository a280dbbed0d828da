"""A generated city of MODEL.md's shape for the benchmark (in memory, deterministic by seed).

77 districts x 300 agencies x 8 services x 12 months at scale 1; every agency offers every
service; the reach radius is set so that each district reaches about 40 agencies; monthly
demand has a per-service seasonal wave, so months differ and cannot be merged.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from planner.package import CityInfo, CityPackage

KM_LAT = 110.574
KM_LON = 111.32  # at the equator, where the city is generated

SERVICES = [
    # id, name, unit, integer, unit_cost (a year), weight, base demand a month per district
    ("shelter_women", "Shelter for women", "bed", True, 30000.0, 5.0, 6.0),
    ("shelter_men", "Shelter for men", "bed", True, 30000.0, 5.0, 4.0),
    ("shelter_youth", "Shelter for youth", "bed", True, 36000.0, 6.0, 3.0),
    ("legal_aid", "Legal aid", "slot", False, 6000.0, 3.0, 10.0),
    ("mental_health", "Mental health", "slot", False, 8000.0, 3.0, 12.0),
    ("case_management", "Case management", "slot", False, 5000.0, 2.0, 15.0),
    ("interpretation", "Interpretation", "hour", False, 1200.0, 1.0, 20.0),
    ("medical", "Medical care", "slot", False, 7000.0, 2.0, 8.0),
]


def generate_city(scale: float = 1.0, *, seed: int = 7, reach: float = 40.0) -> CityPackage:
    rng = np.random.default_rng(seed)
    n_districts = max(2, round(77 * scale))
    n_agencies = max(2, round(300 * scale))
    width = math.sqrt(1200.0 * scale * 4 / 3)  # a 4:3 city of 1,200 km2 at scale 1
    height = width * 3 / 4
    cols = math.ceil(math.sqrt(n_districts * 4 / 3))
    rows = math.ceil(n_districts / cols)
    cell_w, cell_h = width / cols, height / rows
    geometries, ids = [], []
    for i in range(n_districts):
        r, c = divmod(i, cols)
        x0, y0 = c * cell_w, r * cell_h
        geometries.append(
            box(x0 / KM_LON, y0 / KM_LAT, (x0 + cell_w) / KM_LON, (y0 + cell_h) / KM_LAT)
        )
        ids.append(f"D{i:03d}")
    districts = gpd.GeoDataFrame(
        {
            "district_id": ids,
            "name": [f"District {i}" for i in range(n_districts)],
            "population": rng.integers(5000, 90000, n_districts),
        },
        geometry=geometries,
        crs="EPSG:4326",
    )
    # Radius for about `reach` agencies within it: pi r^2 * density = reach.
    density = n_agencies / (width * height)
    radius = math.sqrt(reach / (math.pi * density)) * 1.2  # edges see fewer
    x = rng.uniform(0, width, n_agencies)
    y = rng.uniform(0, height, n_agencies)
    agency_ids = [f"A{i:04d}" for i in range(n_agencies)]
    kinds = rng.choice(["ngo", "shelter", "health", "legal", "city"], n_agencies)
    agencies = pd.DataFrame(
        {
            "agency_id": agency_ids,
            "name": [f"Agency {i}" for i in range(n_agencies)],
            "kind": kinds,
            "lat": y / KM_LAT,
            "lon": x / KM_LON,
            "district_id": None,
            "languages": "",
            "confidential": False,
        }
    )
    services = pd.DataFrame(
        {
            "service_id": [s[0] for s in SERVICES],
            "name": [s[1] for s in SERVICES],
            "unit": [s[2] for s in SERVICES],
            "integer": [s[3] for s in SERVICES],
            "unit_cost": [s[4] for s in SERVICES],
            "weight": [s[5] for s in SERVICES],
            "radius_km": [radius] * len(SERVICES),
            "units_per_case": 1.0,
            "segment": "any",
            "open_cost": 0.0,
            "open_max": 0.0,
        }
    )
    cap_rows = []
    for a in agency_ids:
        for s in SERVICES:
            # Existing capacity about 55% of demand, expansion room about 45% more.
            mean_now = 0.55 * s[6] * n_districts / n_agencies
            mean_more = 0.45 * s[6] * n_districts / n_agencies
            cap_rows.append(
                {
                    "agency_id": a,
                    "service_id": s[0],
                    "capacity": _draw(rng, mean_now, s[3]),
                    "occupied": np.nan,
                    "max_expansion": _draw(rng, mean_more, s[3]),
                    "unit_cost": float(s[4] * rng.uniform(0.8, 1.25)),
                    "as_of": None,
                }
            )
    capacity = pd.DataFrame(cap_rows)
    periods = [str(p) for p in pd.period_range("2026-01", periods=12, freq="M")]
    demand_rows = []
    for j, s in enumerate(SERVICES):
        phase = 2 * math.pi * j / len(SERVICES)
        season = 1 + 0.25 * np.sin(2 * math.pi * np.arange(12) / 12 + phase)
        base = rng.gamma(2.0, s[6] / 2.0, n_districts)
        for i, district_id in enumerate(ids):
            cases = np.round(base[i] * season * 2) / 2  # half-units: months differ
            for t, period in enumerate(periods):
                demand_rows.append((district_id, s[0], period, float(cases[t])))
    demand = pd.DataFrame(demand_rows, columns=["district_id", "service_id", "period", "demand"])
    total_cost = float((capacity["max_expansion"] * capacity["unit_cost"]).sum())
    funders = pd.DataFrame(
        {
            "funder_id": ["city", "state", "foundation"],
            "name": ["City fund", "State grant", "Foundation"],
            "budget": [total_cost * 0.2, total_cost * 0.12, total_cost * 0.08],
        }
    )
    # The city fund has no row in eligibility.csv, so it may pay for anything: the one rule
    # of the validator, the model and docs/model.md ("Eligibility"); the benchmark's
    # figures depend on it (tests/planner/test_eligibility_rule.py).
    eligibility = pd.DataFrame(
        {
            "funder_id": ["state", "state", "state", "foundation"],
            "service_id": ["shelter_women", "shelter_men", "shelter_youth", np.nan],
            "agency_kind": [np.nan, np.nan, np.nan, "ngo"],
        }
    )
    package = CityPackage(
        city=CityInfo(name=f"Benchville x{scale:g}", currency="USD"),
        districts=districts,
        services=services,
        agencies=agencies,
        capacity=capacity,
        demand=pd.DataFrame(columns=["district_id", "service_id", "period", "cases", "source"]),
        funders=funders,
        eligibility=eligibility,
    )
    package.__dict__["bench_demand"] = demand  # frozen dataclass: carried alongside
    return package


def _draw(rng: np.random.Generator, mean: float, whole: bool) -> float:
    value = rng.uniform(0, 2 * mean)
    return float(round(value)) if whole else float(round(value, 1))


def bench_demand(package: CityPackage) -> pd.DataFrame:
    return package.__dict__["bench_demand"]
