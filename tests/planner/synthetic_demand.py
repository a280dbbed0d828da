"""A synthetic city whose true demand is known: Poisson counts with a known mean per
district, service and month (no season, no trend), for the tests of planner.demand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.package import CityPackage
from tests.planner.optimiser_city import make_city

MONTHS = 48
UNITS_PER_CASE = {"shelter": 3.0, "legal": 1.0}


def true_means(n_districts: int = 40) -> dict[tuple[str, str], float]:
    """Cases per month: small, zero-heavy counts for the shelter (where per-district medians
    add up far below the mean), larger ones for legal aid."""
    rng = np.random.default_rng(17)
    means = {}
    for i in range(n_districts):
        means[(f"D{i:02d}", "shelter")] = float(rng.uniform(0.4, 3.0))
        means[(f"D{i:02d}", "legal")] = float(rng.uniform(2.0, 9.0))
    return means


def synthetic_city(n_districts: int = 40, seed: int = 5) -> CityPackage:
    means = true_means(n_districts)
    rng = np.random.default_rng(seed)
    periods = [str(p) for p in pd.period_range("2023-01", periods=MONTHS, freq="M")]
    rows = []
    for (district, service), mean in sorted(means.items()):
        for period in periods:
            rows.append((district, service, period, int(rng.poisson(mean)), "ngo"))
    demand = pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])
    districts = [
        (f"D{i:02d}", f"District {i}", 5000, 3.0 * (i % 8), 3.0 * (i // 8))
        for i in range(n_districts)
    ]
    services = [
        {
            "service_id": "shelter",
            "name": "Shelter",
            "unit": "bed",
            "integer": True,
            "unit_cost": 12000.0,
            "weight": 3.0,
            "units_per_case": UNITS_PER_CASE["shelter"],
        },
        {
            "service_id": "legal",
            "name": "Legal aid",
            "unit": "hour",
            "integer": False,
            "unit_cost": 1200.0,
            "weight": 1.0,
            "units_per_case": UNITS_PER_CASE["legal"],
        },
    ]
    return make_city(
        districts=districts,
        services=services,
        agencies=[("A1", "Central House", "ngo", 10.0, 6.0)],
        capacity=[
            {"agency_id": "A1", "service_id": "shelter", "capacity": 50, "max_expansion": 100},
            {"agency_id": "A1", "service_id": "legal", "capacity": 100, "max_expansion": 300},
        ],
        funders=[("city", "City fund", 500000.0)],
        demand=demand,
    )
