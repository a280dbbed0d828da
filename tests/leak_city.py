"""A small city built to make leaks recognisable, and what must never leak from it.

Three districts (the tiny package's, D1 "North Loop", D2 "Downtown West", D3
"Cedar-Riverside"), four agencies, 24 months of demand. Two agencies are confidential
shelters; one of them is named after its district ("North Loop Safe House"), as in the demo
city. Their coordinates have recognisable fourth decimals, and their distances from each
district are known, so that a page, a download or an export that gives either away is
caught by looking for the text.

The demand history has a few small counts (0 < c < k = 5), each in a known cell, and a
district × service series that is almost empty (so that a plan's coverage of it is a small
count too). `SECRET` lists what a reader without confidential access must never receive.

`one_small_cell_package()` is the issue's case for the attacker: a city whose history has a
single small count, so that the visible cells and one exact total would give it back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from planner import geo
from planner.package import CityPackage
from tests.package_factory import tiny_package

CITY = "Leakville (test city)"
OTHER_CITY = "Otherville (test city)"
ONE_CELL_CITY = "Onecell (test city)"
K = 5

PERIODS = tuple(f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13))

CONFIDENTIAL = {
    # agency_id: (name, district_id, lat, lon, kind)
    "A1": ("North Loop Safe House", "D1", 44.97712, -93.31352),
    "A4": ("Harbor Light Refuge", "D3", 44.96841, -93.23629),
}
PARTNER_AGENCY = "A2"
"""The partner account's agency (a legal clinic in D2, not confidential)."""

SMALL_CELLS = {
    # (district_id, service_id, period): cases, each below K and each in a known cell
    ("D1", "counselling", "2025-12"): 1,
    ("D2", "legal_aid", "2025-11"): 2,
    ("D3", "shelter_women", "2025-10"): 3,
    ("D2", "counselling", "2025-06"): 4,
}
SPARSE_SERIES = ("D3", "legal_aid")
"""A district × service with almost no demand: two cases of 1 in 24 months, so that a plan's
forecast demand (and its coverage) for it is a small count as well."""
SPARSE_CASES = {"2024-07": 1, "2025-09": 1}

AGENCIES = pd.DataFrame(
    [
        {"agency_id": "A1", "name": "North Loop Safe House", "kind": "shelter",
         "lat": 44.97712, "lon": -93.31352, "district_id": "D1", "languages": "en;es",
         "confidential": True},
        {"agency_id": "A2", "name": "Hennepin Legal Aid Clinic", "kind": "legal",
         "lat": 44.972, "lon": -93.27, "district_id": "D2", "languages": "en;so",
         "confidential": False},
        {"agency_id": "A3", "name": "Riverside Health Center", "kind": "health",
         "lat": 44.98, "lon": -93.23, "district_id": "D3", "languages": "en",
         "confidential": False},
        {"agency_id": "A4", "name": "Harbor Light Refuge", "kind": "shelter",
         "lat": 44.96841, "lon": -93.23629, "district_id": "D3", "languages": "en",
         "confidential": True},
    ]
)  # fmt: skip

CAPACITY = pd.DataFrame(
    [
        ("A1", "shelter_women", 12.0, 11.0, 6.0, None, "2026-01-01"),
        ("A4", "shelter_women", 8.0, 8.0, 4.0, None, "2026-01-01"),
        ("A4", "counselling", 10.0, 9.0, 5.0, None, "2026-01-01"),
        ("A2", "legal_aid", 300.0, 280.0, 100.0, 1100.0, "2026-01-01"),
        ("A3", "counselling", 40.0, 35.0, 20.0, None, "2026-01-01"),
        ("A3", "legal_aid", 30.0, None, 10.0, None, "2026-01-01"),
    ],
    columns=["agency_id", "service_id", "capacity", "occupied", "max_expansion", "unit_cost",
             "as_of"],
)  # fmt: skip

SHELTER_RADIUS_KM = 2.0
"""Shelters serve within 2 km: Downtown West (D2) has none that near, so a plan explains that
the nearest shelter, a confidential one, is 2.8 km away (a distance no reader without
confidential access may learn)."""

LEGAL_RADIUS_KM = 0.5
"""Legal aid within 0.5 km: the sparse district's one case a year (Cedar-Riverside, whose
clinic is 0.56 km from its point) is out of reach, so a plan leaves a small count unmet and
says so in a sentence."""

BASE = {"shelter_women": 6, "legal_aid": 9, "counselling": 12}


def demand_frame(small: dict[tuple[str, str, str], int], sparse: bool) -> pd.DataFrame:
    """Every district, service and month; cases well above K except the cells given."""
    rows = []
    for d, district_id in enumerate(("D1", "D2", "D3")):
        for service_id, base in BASE.items():
            for m, period in enumerate(PERIODS):
                cases = base + 2 * d + (m % 5)
                if sparse and (district_id, service_id) == SPARSE_SERIES:
                    cases = SPARSE_CASES.get(period, 0)
                cases = small.get((district_id, service_id, period), cases)
                rows.append((district_id, service_id, period, cases, "hotline"))
    return pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])


def _with(
    package: CityPackage, name: str, demand: pd.DataFrame, agencies: pd.DataFrame
) -> CityPackage:
    base = package.demand
    frame = demand.astype({"cases": base["cases"].dtype})
    for column in base.columns:
        if column not in frame.columns:
            frame[column] = pd.Series([pd.NA] * len(frame), dtype=base[column].dtype)
    frame = frame[list(base.columns)]
    frame["period"] = frame["period"].astype(base["period"].dtype)
    frame["district_id"] = frame["district_id"].astype(base["district_id"].dtype)
    frame["service_id"] = frame["service_id"].astype(base["service_id"].dtype)
    capacity = CAPACITY.copy()
    capacity["as_of"] = pd.to_datetime(capacity["as_of"]).dt.date
    old = package.capacity
    for column in old.columns:
        if column not in capacity.columns:
            capacity[column] = pd.Series([None] * len(capacity), dtype=old[column].dtype)
    capacity = capacity[list(old.columns)]
    for column in ("capacity", "occupied", "max_expansion", "unit_cost"):
        capacity[column] = capacity[column].astype(old[column].dtype)
    capacity["as_of"] = capacity["as_of"].astype(old["as_of"].dtype)
    agencies = agencies.copy()
    for column in package.agencies.columns:
        if column not in agencies.columns:
            agencies[column] = pd.Series(
                [pd.NA] * len(agencies), dtype=package.agencies[column].dtype
            )
    agencies = agencies[list(package.agencies.columns)].astype(package.agencies.dtypes.to_dict())
    services = package.services.copy()
    services.loc[services["service_id"] == "shelter_women", "radius_km"] = SHELTER_RADIUS_KM
    services.loc[services["service_id"] == "legal_aid", "radius_km"] = LEGAL_RADIUS_KM
    return dataclasses.replace(
        package,
        services=services,
        city=dataclasses.replace(package.city, name=name, notes=None),
        demand=frame.reset_index(drop=True),
        capacity=capacity.reset_index(drop=True),
        agencies=agencies.reset_index(drop=True),
    )


def leak_package(name: str = CITY) -> CityPackage:
    """The leak city (or a copy of it under another name, for the partner's other city)."""
    return _with(tiny_package(), name, demand_frame(SMALL_CELLS, sparse=True), AGENCIES)


def one_small_cell_package(name: str = ONE_CELL_CITY) -> CityPackage:
    """The issue's case: one small count in the whole history (D2, legal aid, 2025-11)."""
    small = {("D2", "legal_aid", "2025-11"): 2}
    return _with(tiny_package(), name, demand_frame(small, sparse=False), AGENCIES)


# --- what must never leak ------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """What a reader without confidential access must never receive, as text to look for."""

    names: tuple[str, ...]
    coordinates: tuple[float, ...]
    coordinate_texts: tuple[str, ...]
    distance_texts: tuple[str, ...]


@cache
def secret() -> Secret:
    package = leak_package()
    agencies = package.agencies.set_index("agency_id")
    hidden = [a for a in CONFIDENTIAL]
    coordinates: list[float] = []
    texts: list[str] = []
    for agency_id in hidden:
        for value in (agencies.loc[agency_id, "lat"], agencies.loc[agency_id, "lon"]):
            coordinates.append(float(value))
            text = f"{abs(float(value)):.4f}"
            texts += [text, text.replace(".", ",")]
    distances = geo.distances_km(package.districts, package.agencies.reset_index(drop=True))
    others = distances.drop(columns=hidden)
    open_texts = {f"{v:.1f}" for v in others.to_numpy().ravel()} | {
        f"{v:.0f}" for v in others.to_numpy().ravel()
    }
    distance_texts: list[str] = []
    for agency_id in hidden:
        for value in distances[agency_id]:
            text = f"{value:.1f}"
            if text in open_texts:
                continue  # the same distance as an agency anyone may see: not telling
            distance_texts += [text, text.replace(".", ",")]
    return Secret(
        names=tuple(CONFIDENTIAL[a][0] for a in hidden),
        coordinates=tuple(coordinates),
        coordinate_texts=tuple(texts),
        distance_texts=tuple(distance_texts),
    )


def exact_history(package: CityPackage | None = None) -> pd.DataFrame:
    """district_id, service_id, period, cases: the exact history (one row per cell)."""
    package = package or leak_package()
    demand = package.demand.copy()
    demand["period"] = demand["period"].astype(str)
    return (
        demand.groupby(["district_id", "service_id", "period"], as_index=False)["cases"]
        .sum()
        .astype({"cases": np.int64})
    )
