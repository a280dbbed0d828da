"""Write the demo city package: Chicago's 77 community areas with synthetic services data.

The geometry is real: the community areas that ship with `libpysal`
(`examples/chicago/Chicago77.shp`, Illinois State Plane East in US feet, EPSG:3435, no .prj),
simplified as a coverage by 10 ft so neighbours keep their shared edges, stored as EPSG:4326.
Everything else (populations, agencies, capacity, demand, funders) is synthetic, drawn from a
fixed seed; data/README.md gives the scales and why.

Version 2 of the package (people, flow, time) is drawn from its own streams, so that the
version-1 tables stay as they were: population groups (populations.csv), demand split by
group, language and exploitation type (its sums are the version-1 demand), who each shelter
accepts (capacity.populations), interpretation consumed across a language barrier
(services.interpretation_per_unit, city.json's interpretation_service), a few labour actors
among the agencies, referral pathways (pathways.csv) and grant windows (funders.csv).

    python data/make_demo.py              # rewrite data/demo_city/
    python data/make_demo.py --out DIR    # write the package somewhere else
    python data/make_demo.py --summary    # also print demand against capacity per service

Deterministic: one `SeedSequence`, one child stream per table, no clock, no set or dict
ordering that could vary; running it twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import shapely

SEED = 20261031
SOURCE_CRS = "EPSG:3435"  # NAD83 / Illinois East (ftUS): the shapefile has no .prj
WGS84 = "EPSG:4326"
SIMPLIFY_FT = 10.0
COORD_DECIMALS = 6  # district vertices: about 0.1 m
POINT_DECIMALS = 5  # agency points: about 1 m
TOTAL_POPULATION = 2_700_000  # order of Chicago's 2020 census count (2,746,388)
LAST_PERIOD = "2026-10"
N_MONTHS = 36
AS_OF_REFERENCE = date(2026, 11, 20)
PRESSURE_ZONE = 1 / 3  # occupancy follows demand against capacity within a third of the radius
DEFAULT_OUT = Path(__file__).resolve().parent / "demo_city"

DEMAND_SOURCES = ("hotline", "police", "ngo", "health", "other")
LANGUAGES = (
    ("es", 0.55),
    ("pl", 0.12),
    ("uk", 0.06),
    ("zh", 0.08),
    ("ar", 0.08),
    ("tl", 0.05),
    ("vi", 0.05),
    ("hi", 0.05),
    ("ur", 0.04),
    ("ko", 0.04),
    ("ru", 0.05),
    ("fr", 0.05),
    ("sw", 0.03),
)


@dataclass(frozen=True)
class ServiceSpec:
    """One service type and the synthetic scales behind it.

    `cases_per_month` is the city-wide mean number of cases in the last period;
    `capacity_total` the units per month all agencies offer together;
    `growth` the yearly trend; `peak_month` and `seasonal` the month and relative size of
    the yearly peak; `dispersion` the negative-binomial size (smaller: more overdispersed);
    `sources` the probabilities of `DEMAND_SOURCES` for the row's main referral source.
    """

    service_id: str
    name: str
    unit: str
    integer: bool
    unit_cost: int
    weight: int
    radius_km: int | None
    units_per_case: int
    segment: str
    open_cost: int
    open_max: int
    cases_per_month: float
    capacity_total: int
    growth: float
    peak_month: int
    seasonal: float
    dispersion: float
    sources: tuple[float, float, float, float, float]


# fmt: off
SERVICES = tuple(ServiceSpec(*row) for row in (
    # services.csv: service_id, name, unit, integer, unit_cost (USD per unit-year), weight,
    #   radius_km, units_per_case, segment, open_cost, open_max
    # scales: cases_per_month, capacity_total, growth, peak_month, seasonal, dispersion,
    #   source shares (hotline, police, ngo, health, other)
    ("shelter_women", "Shelter beds for women", "bed", True, 42_000, 10, 20, 3, "women", 0, 0,
     65.0, 120, 0.05, 7, 0.15, 3.0, (0.35, 0.25, 0.25, 0.10, 0.05)),
    ("shelter_men", "Shelter beds for men", "bed", True, 40_000, 12, 30, 3, "men", 75_000, 10,
     17.0, 14, 0.15, 8, 0.10, 2.0, (0.25, 0.35, 0.25, 0.05, 0.10)),
    ("shelter_youth", "Shelter beds for youth", "bed", True, 55_000, 11, 20, 3, "youth", 0, 0,
     20.0, 40, 0.02, 6, 0.20, 2.0, (0.30, 0.20, 0.30, 0.15, 0.05)),
    ("legal_aid", "Immigration legal aid (T visa, continued presence)", "slot", False, 3_000, 6,
     10, 6, "any", 0, 0,
     52.0, 230, 0.12, 3, 0.08, 3.0, (0.15, 0.10, 0.60, 0.05, 0.10)),
    ("mental_health", "Trauma-informed mental health care", "slot", False, 3_600, 7, 8, 4, "any",
     20_000, 25,
     120.0, 300, 0.10, 2, 0.12, 4.0, (0.10, 0.05, 0.30, 0.50, 0.05)),
    ("interpretation", "Interpretation", "hour", False, 720, 3, 15, 6, "any", 0, 0,
     105.0, 700, 0.06, 7, 0.10, 5.0, (0.20, 0.15, 0.40, 0.20, 0.05)),
    ("case_management", "Case management", "slot", False, 4_800, 4, 10, 6, "any", 0, 0,
     118.0, 600, 0.05, 7, 0.10, 4.0, (0.25, 0.20, 0.40, 0.10, 0.05)),
    ("hotline", "Hotline and crisis line", "call", False, 480, 2, None, 1, "any", 0, 0,
     300.0, 450, 0.03, 1, 0.25, 6.0, (1.0, 0.0, 0.0, 0.0, 0.0)),
))
# fmt: on

AGENCY_COUNTS = (
    ("ngo", 34),
    ("health", 14),
    ("legal", 9),
    ("shelter", 11),
    ("city", 8),
    ("county", 4),
    ("police", 8),
    ("faith", 12),
    ("other", 10),
)

# Chance that an agency of a kind offers a service (shelter_men and hotline are assigned
# separately: only a few agencies have them).
OFFERS = {
    "shelter": (("shelter_women", 0.9), ("shelter_youth", 0.4), ("case_management", 0.7),
                ("mental_health", 0.2)),
    "ngo": (("case_management", 0.6), ("interpretation", 0.3), ("mental_health", 0.2),
            ("legal_aid", 0.15), ("shelter_women", 0.08)),
    "health": (("mental_health", 0.9), ("interpretation", 0.4), ("case_management", 0.2)),
    "legal": (("legal_aid", 1.0), ("interpretation", 0.4)),
    "city": (("case_management", 0.7), ("interpretation", 0.5)),
    "county": (("mental_health", 0.6), ("case_management", 0.5)),
    "police": (("case_management", 0.6),),
    "faith": (("case_management", 0.4), ("shelter_women", 0.1), ("interpretation", 0.3)),
    "other": (("interpretation", 0.6), ("mental_health", 0.2)),
}  # fmt: skip
MEN_SHELTER_KINDS = ("shelter", "faith", "ngo")  # one agency of each offers shelter_men
HOTLINE_KINDS = ("city", "ngo")  # one agency of each runs a hotline

NAME_TEMPLATES = {
    "ngo": ("{area} Community Alliance", "{area} Family Services", "{area} Outreach Network",
            "{area} Immigrant Resource Center", "{area} Youth Partnership",
            "{area} Women's Collective", "{area} Neighbors United"),
    "health": ("{area} Health Center", "{area} Behavioral Health", "{area} Community Clinic"),
    "legal": ("{area} Legal Clinic", "{area} Immigrant Legal Services"),
    "city": ("City Family Services, {area} Office", "City Community Service Center, {area}"),
    "county": ("County Health Clinic, {area}", "County Victim Services, {area}"),
    "police": ("Police Victim Services, {area}",),
    "faith": ("{area} Interfaith Outreach", "{area} Faith Community Network"),
    "other": ("{area} Language Services", "{area} Workers' Center", "{area} Youth Arts Project"),
}  # fmt: skip
# Shelter names never name the district: their locations are confidential.
SHELTER_NAMES = (
    "Harbor House", "Lantern House", "Willow Residence", "Beacon Home", "Cedar House",
    "North Star House", "Maple Residence", "Open Door Home", "Bridge House", "Compass House",
    "Sparrow House", "Juniper Residence", "Aster House", "Linden Home",
)  # fmt: skip

FUNDERS = (
    ("city_general_fund", "City general fund (demo)", 1_500_000),
    ("federal_victim_grant", "Federal victim services grant (demo)", 1_200_000),
    ("shelter_foundation", "Lakeshore shelter foundation (demo)", 800_000),
    ("legal_aid_trust", "Legal aid trust (demo)", 250_000),
)
ELIGIBILITY = (
    ("city_general_fund", None, None),
    ("federal_victim_grant", None, "ngo"),
    ("federal_victim_grant", None, "shelter"),
    ("federal_victim_grant", None, "legal"),
    ("federal_victim_grant", None, "health"),
    ("federal_victim_grant", None, "faith"),
    ("shelter_foundation", "shelter_women", None),
    ("shelter_foundation", "shelter_men", None),
    ("shelter_foundation", "shelter_youth", None),
    ("legal_aid_trust", "legal_aid", None),
)

# --- Version 2: people, flow, time -----------------------------------------------------------

POPULATIONS = (
    ("women", "Women"),
    ("men", "Men"),
    ("trans_nonbinary", "Trans and non-binary people"),
    ("youth", "Youth (under 25)"),
    ("families", "Families with children"),
)
# Each service's demand is split into a few cohorts (population, language, share): few per
# service keeps the demo's plan fast. Languages are the city's most spoken after English
# (LANGUAGES); most demand needs no interpreter.
COHORTS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "shelter_women": (("women", "", 0.70), ("women", "es", 0.10), ("families", "", 0.12),
                      ("trans_nonbinary", "", 0.08)),
    "shelter_men": (("men", "", 0.82), ("trans_nonbinary", "", 0.18)),
    "shelter_youth": (("youth", "", 1.0),),
    "legal_aid": (("women", "", 0.45), ("men", "", 0.27), ("women", "es", 0.18),
                  ("men", "pl", 0.10)),
    "mental_health": (("women", "", 0.60), ("men", "", 0.40)),
    "interpretation": (("any", "", 1.0),),
    "case_management": (("women", "", 0.55), ("men", "", 0.30), ("women", "es", 0.15)),
    "hotline": (("any", "", 1.0),),
}  # fmt: skip
EXPLOITATION_TYPES = ("labour", "sex", "domestic_servitude", "criminal", "other", "unknown")
# The probabilities of EXPLOITATION_TYPES for a demand row of the service.
EXPLOITATION_SHARES: dict[str, tuple[float, ...]] = {
    "shelter": (0.20, 0.45, 0.10, 0.05, 0.02, 0.18),
    "legal_aid": (0.40, 0.25, 0.10, 0.05, 0.05, 0.15),
    "other": (0.30, 0.30, 0.08, 0.05, 0.04, 0.23),
}
INTERPRETATION_SERVICE = "interpretation"
INTERPRETATION_PER_UNIT = {
    "shelter_women": 0.25,
    "shelter_men": 0.25,
    "shelter_youth": 0.25,
    "legal_aid": 0.5,
    "mental_health": 1.0,
    "case_management": 0.5,
}
"""Interpretation hours one unit of the service takes across a language barrier."""
WOMEN_ONLY_SHARE = 0.35
"""Of the agencies with women's shelter beds, the share that take women only (no families)."""
TRANS_WOMEN_SHELTERS = 2
"""Women's shelters that also take trans and non-binary people (one men's shelter does)."""
PATHWAYS = (
    ("hotline", "case_management", 0.30, 0),
    ("case_management", "shelter_women", 0.15, 1),
    ("case_management", "shelter_men", 0.05, 1),
    ("case_management", "shelter_youth", 0.05, 1),
    ("case_management", "legal_aid", 0.30, 1),
    ("case_management", "mental_health", 0.25, 2),
)
FUNDER_WINDOWS = {
    "federal_victim_grant": ("2025-10", "2027-09"),  # a two-year grant ending in 11 months
    "legal_aid_trust": ("2027-04", "2029-03"),  # a new trust's money from April 2027
}
# Labour actors (issue 15): agencies relabelled after capacity is drawn, so that the
# version-1 streams are untouched; each keeps the services it was drawn with.
LABOUR_AGENCIES = (
    # (kind drawn, new kind, how many, name template or None to keep the name)
    ("legal", "immigration_legal", 2, "{area} Immigrant Legal Services"),
    ("other", "worker_centre", 2, "{area} Workers' Center"),
    ("ngo", "union", 1, "{area} Domestic Workers' Union"),
    ("city", "labour_inspection", 1, "City Labor Standards Office, {area}"),
)
LABOUR_ELIGIBILITY = (
    ("federal_victim_grant", None, "immigration_legal"),
    ("federal_victim_grant", None, "worker_centre"),
)

CITY = {
    "name": "Chicago (demo)",
    "currency": "USD",
    "period": "month",
    "country": "US",
    "notes": (
        "Synthetic demo data. The 77 community-area boundaries are real (libpysal's Chicago77, "
        "simplified); populations, agencies, capacity, demand and funders are invented by "
        "data/make_demo.py and describe no real organisation, person or neighbourhood."
    ),
    "interpretation_service": INTERPRETATION_SERVICE,
}


def community_areas() -> gpd.GeoDataFrame:
    """The 77 community areas in EPSG:3435, ordered by area number, with id and name."""
    path = Path(libpysal.__file__).parent / "examples" / "chicago" / "Chicago77.shp"
    areas = gpd.read_file(path).set_crs(SOURCE_CRS, allow_override=True)
    areas = areas.sort_values("AREANO", kind="stable").reset_index(drop=True)
    names = {"Ohare": "O'Hare", "Mckinley Park": "McKinley Park"}
    titled = areas["COMMUNITY"].astype(str).str.title()
    return gpd.GeoDataFrame(
        {
            "district_id": [f"CA{n:02d}" for n in areas["AREANO"]],
            "name": [names.get(n, n) for n in titled],
        },
        geometry=areas.geometry.to_numpy(),
        crs=SOURCE_CRS,
    )


def make_districts(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Real boundaries (coverage-simplified, WGS84, rounded) with synthetic populations."""
    simplified = shapely.coverage_simplify(areas.geometry.to_numpy(), SIMPLIFY_FT)
    geometry = gpd.GeoSeries(simplified, crs=SOURCE_CRS).to_crs(WGS84)
    rounded = shapely.transform(geometry.to_numpy(), lambda xy: np.round(xy, COORD_DECIMALS))
    if not shapely.is_valid(rounded).all():
        raise RuntimeError("rounding made a district invalid; lower SIMPLIFY_FT or add decimals")
    area_km2 = areas.geometry.area.to_numpy() * 0.3048006096**2 / 1e6
    raw = area_km2**0.6 * rng.lognormal(0.0, 0.45, len(areas))
    population = np.round(raw / raw.sum() * TOTAL_POPULATION, -1).astype(np.int64)
    return gpd.GeoDataFrame(
        {"district_id": areas["district_id"], "name": areas["name"], "population": population},
        geometry=rounded,
        crs=WGS84,
    )


def periods() -> list[str]:
    last = pd.Period(LAST_PERIOD, freq="M")
    return [str(last - k) for k in range(N_MONTHS - 1, -1, -1)]


def make_demand(
    districts: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly cases per district and service: trend, seasonality, hotspots, NB noise.

    Returns the long frame and the array of expected cases, shape (district, service, month).
    Which districts are hotspots is random: it says nothing about the real neighbourhoods.
    """
    n_districts, n_services = len(districts), len(SERVICES)
    months = periods()
    month_of_year = np.array([int(p[5:]) for p in months])
    years_to_end = (np.arange(N_MONTHS) - (N_MONTHS - 1)) / 12.0

    population = districts["population"].to_numpy(dtype=float)
    need = rng.lognormal(0.0, 0.9, n_districts)
    need_by_service = rng.lognormal(0.0, 0.5, (n_districts, n_services))
    share = population[:, None] * need[:, None] * need_by_service
    share /= share.sum(axis=0, keepdims=True)
    local_growth = rng.normal(0.0, 0.08, (n_districts, n_services))

    # A few districts see a step up in one service mid-series (a new referral partner).
    shift = np.ones((n_districts, n_services, N_MONTHS))
    step_at = months.index("2025-06")
    for n, s in zip(
        rng.choice(n_districts, 4, replace=False),
        rng.choice(n_services, 4, replace=True),
        strict=True,
    ):
        shift[n, s, step_at:] = 1.8

    expected = np.empty((n_districts, n_services, N_MONTHS))
    for s, spec in enumerate(SERVICES):
        season = 1.0 + spec.seasonal * np.cos(2 * np.pi * (month_of_year - spec.peak_month) / 12)
        trend = np.exp((spec.growth + local_growth[:, s, None]) * years_to_end[None, :])
        expected[:, s, :] = spec.cases_per_month * share[:, s, None] * trend * season[None, :]
    expected *= shift

    cases = np.empty_like(expected, dtype=np.int64)
    sources = np.empty(expected.shape, dtype=object)
    for s, spec in enumerate(SERVICES):
        mu = expected[:, s, :]
        size = spec.dispersion
        cases[:, s, :] = rng.negative_binomial(size, size / (size + mu))
        picks = rng.choice(len(DEMAND_SOURCES), size=mu.shape, p=np.array(spec.sources))
        sources[:, s, :] = np.array(DEMAND_SOURCES, dtype=object)[picks]

    frame = pd.DataFrame(
        {
            "district_id": np.repeat(districts["district_id"].to_numpy(), n_services * N_MONTHS),
            "service_id": np.tile(
                np.repeat([spec.service_id for spec in SERVICES], N_MONTHS), n_districts
            ),
            "period": np.tile(months, n_districts * n_services),
            "cases": cases.reshape(-1),
            "source": sources.reshape(-1),
        }
    )
    return frame, expected


def _point_inside(
    polygon: shapely.Geometry, rng: np.random.Generator, spread_deg: float
) -> tuple[float, float]:
    """A point near the representative point, inside the polygon and not on its edge."""
    anchor = polygon.representative_point()
    margin = 2e-4  # about 20 m, so a reader's reprojection never moves it out
    for _ in range(200):
        lon, lat = np.round(
            [anchor.x + rng.normal(0, spread_deg), anchor.y + rng.normal(0, spread_deg)],
            POINT_DECIMALS,
        )
        point = shapely.Point(lon, lat)
        if polygon.contains(point) and polygon.exterior.distance(point) > margin:
            return float(lat), float(lon)
    lon, lat = np.round([anchor.x, anchor.y], POINT_DECIMALS)
    return float(lat), float(lon)


def make_agencies(districts: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """About 110 agencies of every kind, placed inside districts, independent of need."""
    population = districts["population"].to_numpy(dtype=float)
    attraction = population * rng.lognormal(0.0, 0.7, len(districts))
    attraction /= attraction.sum()
    shelter_names = list(rng.permutation(SHELTER_NAMES))

    rows = []
    used_names: set[str] = set()
    number = 0
    for kind, count in AGENCY_COUNTS:
        for i in range(count):
            number += 1
            d = int(rng.choice(len(districts), p=attraction))
            polygon = districts.geometry.iloc[d]
            spread = 0.25 * math.sqrt(polygon.area)
            lat, lon = _point_inside(polygon, rng, spread)
            area = str(districts["name"].iloc[d])
            if kind == "shelter":
                name = str(shelter_names[i])
            else:
                templates = NAME_TEMPLATES[kind]
                name = templates[int(rng.integers(len(templates)))].format(area=area)
            base, suffix = name, 2
            while name in used_names:
                name, suffix = f"{base} {suffix}", suffix + 1
            used_names.add(name)
            spoken = ["en"] + [code for code, p in LANGUAGES if rng.random() < p]
            rows.append(
                {
                    "agency_id": f"A{number:03d}",
                    "name": name,
                    "kind": kind,
                    "lat": lat,
                    "lon": lon,
                    "district_id": str(districts["district_id"].iloc[d]),
                    "languages": ";".join(spoken),
                    "confidential": kind == "shelter",
                }
            )
    return pd.DataFrame(rows)


def _offers(agencies: pd.DataFrame, rng: np.random.Generator) -> list[tuple[int, str]]:
    """(agency row, service_id) pairs: who offers what."""
    pairs: list[tuple[int, str]] = []
    kinds = agencies["kind"].to_numpy()
    for a, kind in enumerate(kinds):
        offered = [sid for sid, p in OFFERS[kind] if rng.random() < p]
        if not offered:
            offered = [OFFERS[kind][0][0]]
        pairs.extend((a, sid) for sid in offered)
    for special, chosen_kinds in (("shelter_men", MEN_SHELTER_KINDS), ("hotline", HOTLINE_KINDS)):
        for kind in chosen_kinds:
            candidates = np.flatnonzero(kinds == kind)
            pairs.append((int(rng.choice(candidates)), special))
    order = {spec.service_id: s for s, spec in enumerate(SERVICES)}
    return sorted(set(pairs), key=lambda pair: (pair[0], order[pair[1]]))


def make_capacity(
    agencies: pd.DataFrame,
    districts: gpd.GeoDataFrame,
    expected: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Current capacity per agency and service, occupancy from local pressure, some history.

    Occupancy follows the recent demand near the agency against the capacity near it, so
    agencies are full where demand outruns them and idle elsewhere.
    """
    pairs = _offers(agencies, rng)
    specs = {spec.service_id: spec for spec in SERVICES}
    service_index = {spec.service_id: s for s, spec in enumerate(SERVICES)}

    capacity = np.zeros(len(pairs), dtype=np.int64)
    for sid, spec in specs.items():
        rows = [i for i, (_, s) in enumerate(pairs) if s == sid]
        sizes = rng.lognormal(0.0, 0.6, len(rows))
        floor = 2 if spec.integer else 5
        capacity[rows] = np.maximum(floor, np.round(sizes / sizes.sum() * spec.capacity_total))

    agency_xy = _projected(agencies["lon"], agencies["lat"])
    district_xy = _projected(
        districts.geometry.representative_point().x, districts.geometry.representative_point().y
    )
    agency_to_district = _km(agency_xy, district_xy)
    agency_to_agency = _km(agency_xy, agency_xy)
    recent_units = expected[:, :, -6:].mean(axis=2) * np.array(
        [spec.units_per_case for spec in SERVICES]
    )

    rows_out = []
    for i, (a, sid) in enumerate(pairs):
        spec = specs[sid]
        zone_km = spec.radius_km * PRESSURE_ZONE if spec.radius_km is not None else math.inf
        near_districts = agency_to_district[a] <= zone_km
        near_rows = [
            j for j, (b, s) in enumerate(pairs) if s == sid and agency_to_agency[a, b] <= zone_km
        ]
        near_demand = recent_units[near_districts, service_index[sid]].sum()
        pressure = near_demand / capacity[near_rows].sum()
        utilisation = float(np.clip(pressure * rng.uniform(0.85, 1.1), 0.1, 1.0))
        cap = int(capacity[i])
        occupied = min(cap, round(cap * utilisation))
        if rng.random() < 0.15:
            max_expansion = 0
        elif spec.integer:
            max_expansion = math.ceil(cap * rng.uniform(0.3, 1.0))
        else:
            max_expansion = round(cap * rng.uniform(0.2, 0.6))
        unit_cost = (
            int(round(spec.unit_cost * rng.uniform(0.8, 1.25), -2)) if rng.random() < 0.15 else None
        )
        stale = rng.random() < 0.35
        age_days = int(rng.integers(40, 241)) if stale else int(rng.integers(0, 26))
        as_of = AS_OF_REFERENCE - timedelta(days=age_days)
        agency_id = str(agencies["agency_id"].iloc[a])
        if rng.random() < 0.12:
            old_cap = max(1, round(cap * rng.uniform(0.6, 0.95)))
            rows_out.append(
                {
                    "agency_id": agency_id,
                    "service_id": sid,
                    "capacity": old_cap,
                    "occupied": min(old_cap, round(old_cap * utilisation)),
                    "max_expansion": max_expansion,
                    "unit_cost": unit_cost,
                    "as_of": (as_of - timedelta(days=int(rng.integers(180, 401)))).isoformat(),
                }
            )
        rows_out.append(
            {
                "agency_id": agency_id,
                "service_id": sid,
                "capacity": cap,
                "occupied": occupied,
                "max_expansion": max_expansion,
                "unit_cost": unit_cost,
                "as_of": as_of.isoformat(),
            }
        )
    frame = pd.DataFrame(rows_out)
    frame["unit_cost"] = frame["unit_cost"].astype("Int64")
    return frame


def _projected(lon: pd.Series, lat: pd.Series) -> np.ndarray:
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(SOURCE_CRS)
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    feet = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return feet * 0.3048006096 / 1000.0


def split_demand(demand: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each demand row split into its service's cohorts (a multinomial draw of its cases, so
    the rows of one cell sum to its version-1 cases), each cohort row with an exploitation
    type drawn for it. A cohort with no cases in a month has no row, except the first
    cohort of a cell with none at all: every version-1 row is still there, summed."""
    rows: list[pd.DataFrame] = []
    for spec in SERVICES:
        cohorts = COHORTS[spec.service_id]
        part = demand[demand["service_id"] == spec.service_id]
        shares = np.array([share for _p, _l, share in cohorts])
        counts = rng.multinomial(part["cases"].to_numpy(), shares / shares.sum())
        kind = "shelter" if spec.service_id.startswith("shelter_") else spec.service_id
        exploitation_p = np.array(EXPLOITATION_SHARES.get(kind, EXPLOITATION_SHARES["other"]))
        picks = rng.choice(len(EXPLOITATION_TYPES), size=counts.shape, p=exploitation_p)
        for c, (population, language, _share) in enumerate(cohorts):
            rows.append(
                part.assign(
                    cases=counts[:, c],
                    population=population,
                    language=language,
                    exploitation=np.array(EXPLOITATION_TYPES, dtype=object)[picks[:, c]],
                    _order=part.index.to_numpy(),
                    _cohort=c,
                )
            )
    split = pd.concat(rows).sort_values(["_order", "_cohort"], kind="stable")
    cell_total = split.groupby("_order")["cases"].transform("sum")
    kept = (split["cases"] > 0) | ((cell_total == 0) & (split["_cohort"] == 0))
    return split[kept].drop(columns=["_order", "_cohort"]).reset_index(drop=True)


def accepted_populations(
    capacity: pd.DataFrame, agencies: pd.DataFrame, rng: np.random.Generator
) -> pd.Series:
    """Who each capacity row accepts: shelters by group (few places for men, fewer for trans
    people, some women-only), every other service everyone ('')."""
    populations = pd.Series("", index=capacity.index, dtype=object)
    women_agencies = sorted(
        capacity.loc[capacity["service_id"] == "shelter_women", "agency_id"].unique()
    )
    women_only = set(
        rng.choice(women_agencies, round(WOMEN_ONLY_SHARE * len(women_agencies)), replace=False)
    )
    open_to_families = [a for a in women_agencies if a not in women_only]
    trans_too = set(rng.choice(open_to_families, TRANS_WOMEN_SHELTERS, replace=False))
    men_agencies = sorted(
        capacity.loc[capacity["service_id"] == "shelter_men", "agency_id"].unique()
    )
    men_trans = str(rng.choice(men_agencies))
    for i, (agency_id, service_id) in enumerate(
        zip(capacity["agency_id"], capacity["service_id"], strict=True)
    ):
        if service_id == "shelter_women":
            if agency_id in women_only:
                accepted = "women"
            elif agency_id in trans_too:
                accepted = "women;families;trans_nonbinary"
            else:
                accepted = "women;families"
        elif service_id == "shelter_men":
            accepted = "men;trans_nonbinary" if agency_id == men_trans else "men"
        elif service_id == "shelter_youth":
            accepted = "youth"
        else:
            continue
        populations.iloc[i] = accepted
    return populations


def relabel_labour_agencies(agencies: pd.DataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """A few agencies become labour actors (the first of their drawn kind, in id order)."""
    relabelled = agencies.copy()
    area_names = dict(zip(districts["district_id"], districts["name"], strict=True))
    for drawn, kind, count, template in LABOUR_AGENCIES:
        rows = relabelled.index[relabelled["kind"] == drawn][:count]
        for row in rows:
            relabelled.loc[row, "kind"] = kind
            area = area_names[relabelled.loc[row, "district_id"]]
            relabelled.loc[row, "name"] = template.format(area=area)
    return relabelled


def services_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service_id": [s.service_id for s in SERVICES],
            "name": [s.name for s in SERVICES],
            "unit": [s.unit for s in SERVICES],
            "integer": [s.integer for s in SERVICES],
            "unit_cost": [s.unit_cost for s in SERVICES],
            "weight": [s.weight for s in SERVICES],
            "radius_km": pd.array([s.radius_km for s in SERVICES], dtype="Int64"),
            "units_per_case": [s.units_per_case for s in SERVICES],
            "segment": [s.segment for s in SERVICES],
            "open_cost": [s.open_cost for s in SERVICES],
            "open_max": [s.open_max for s in SERVICES],
            "interpretation_per_unit": [
                INTERPRETATION_PER_UNIT.get(s.service_id, 0) for s in SERVICES
            ],
        }
    )


@dataclass(frozen=True)
class DemoCity:
    districts: gpd.GeoDataFrame
    services: pd.DataFrame
    agencies: pd.DataFrame
    capacity: pd.DataFrame
    demand: pd.DataFrame
    funders: pd.DataFrame
    eligibility: pd.DataFrame
    populations: pd.DataFrame
    pathways: pd.DataFrame


def build(seed: int = SEED) -> DemoCity:
    # The first four streams are version 1's (spawn(n)'s children do not depend on n).
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    districts = make_districts(community_areas(), streams[0])
    demand, expected = make_demand(districts, streams[1])
    agencies = make_agencies(districts, streams[2])
    capacity = make_capacity(agencies, districts, expected, streams[3])
    # Any agency that houses people keeps its location confidential, not only kind 'shelter'.
    houses = capacity.loc[capacity["service_id"].str.startswith("shelter_"), "agency_id"]
    agencies["confidential"] = agencies["confidential"] | agencies["agency_id"].isin(houses)
    agencies = relabel_labour_agencies(agencies, districts)
    capacity["populations"] = accepted_populations(capacity, agencies, streams[4])
    demand = split_demand(demand, streams[5])
    funders = pd.DataFrame(FUNDERS, columns=["funder_id", "name", "budget"])
    funders["start"] = [FUNDER_WINDOWS.get(f, ("", ""))[0] for f in funders["funder_id"]]
    funders["end"] = [FUNDER_WINDOWS.get(f, ("", ""))[1] for f in funders["funder_id"]]
    eligibility = pd.DataFrame(
        (*ELIGIBILITY, *LABOUR_ELIGIBILITY), columns=["funder_id", "service_id", "agency_kind"]
    )
    populations = pd.DataFrame(POPULATIONS, columns=["population_id", "name"]).assign(weight=1)
    pathways = pd.DataFrame(PATHWAYS, columns=["from_service", "to_service", "share", "lag_months"])
    return DemoCity(
        districts,
        services_frame(),
        agencies,
        capacity,
        demand,
        funders,
        eligibility,
        populations,
        pathways,
    )


def _csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].map({True: "true", False: "false"})
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write(city: DemoCity, out: Path) -> None:
    """Write the package files into `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "city.json").write_text(
        json.dumps(CITY, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "districts.geojson").write_text(
        city.districts.to_json(drop_id=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _csv(city.services, out / "services.csv")
    _csv(city.agencies, out / "agencies.csv")
    _csv(city.capacity, out / "capacity.csv")
    _csv(city.demand, out / "demand.csv")
    _csv(city.funders, out / "funders.csv")
    _csv(city.eligibility, out / "eligibility.csv")
    _csv(city.populations, out / "populations.csv")
    _csv(city.pathways, out / "pathways.csv")


def summary(city: DemoCity) -> str:
    """Demand (last 12 months, units per month) against current capacity, per service."""
    current = city.capacity.sort_values("as_of").drop_duplicates(
        ["agency_id", "service_id"], keep="last"
    )
    last_year = city.demand[city.demand["period"].isin(periods()[-12:])]
    lines = [
        f"{'service':<16}{'demand':>8}{'capacity':>10}{'occupied':>10}{'max exp':>9}"
        f"{'offered by':>11}{'gap cost USD':>14}"
    ]
    total_gap_cost = 0.0
    for spec in SERVICES:
        units = last_year.loc[last_year["service_id"] == spec.service_id, "cases"].sum()
        units = units / 12 * spec.units_per_case
        rows = current[current["service_id"] == spec.service_id]
        cap = rows["capacity"].sum()
        gap_cost = max(0.0, units - cap) * spec.unit_cost
        total_gap_cost += gap_cost
        lines.append(
            f"{spec.service_id:<16}{units:>8.0f}{cap:>10.0f}{rows['occupied'].sum():>10.0f}"
            f"{rows['max_expansion'].sum():>9.0f}{len(rows):>11d}{gap_cost:>14,.0f}"
        )
    lines.append(
        f"budget {city.funders['budget'].sum():,.0f} USD; cost of closing every city-wide gap "
        f"(ignoring distance) {total_gap_cost:,.0f} USD"
    )
    lines.append(
        f"{len(city.districts)} districts, {len(city.agencies)} agencies, "
        f"{len(city.capacity)} capacity rows, {len(city.demand)} demand rows"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    parser.add_argument("--summary", action="store_true", help="print demand against capacity")
    args = parser.parse_args(argv)
    city = build()
    write(city, args.out)
    print(f"wrote the demo city to {args.out}")
    if args.summary:
        print(summary(city))
    return 0


if __name__ == "__main__":
    sys.exit(main())
