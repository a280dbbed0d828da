"""Demand by cohort (issue 15): shares from the group history, shrunk toward the city's,
applied to the version-1 forecast so that cohort cells add up exactly to its cells."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.demand import horizon_demand, horizon_group_demand
from planner.groups import PRIOR_CASES, city_shares, cohort_shares, split_demand
from planner.scenario import Scenario
from tests.planner.groups_city import with_groups
from tests.planner.optimiser_city import hand_city

PERIODS = [str(p) for p in pd.period_range("2025-01", periods=12, freq="M")]


def grouped_city():
    rows = []
    for period in PERIODS:
        rows += [
            ("D1", "shelter", period, "women", "", 3),
            ("D1", "shelter", period, "men", "", 1),
            ("D3", "shelter", period, "men", "es", 2),
            ("D1", "legal", period, "women", "es", 10),
        ]
    rows.append(("D2", "shelter", PERIODS[-1], "women", "", 1))  # one case: mostly the city's
    return with_groups(
        hand_city(),
        populations=[("women", "Women", 1.0), ("men", "Men", 1.0)],
        demand_groups=rows,
    )


def test_shares_add_up_to_one_and_shrink_toward_the_city():
    package = grouped_city()
    shares = cohort_shares(package)
    totals = shares.groupby(["district_id", "service_id"])["share"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    d2 = shares[(shares["district_id"] == "D2") & (shares["service_id"] == "shelter")]
    city = city_shares(package)
    city = city[city["service_id"] == "shelter"].set_index(["population", "language"])["share"]
    mine = d2.set_index(["population", "language"])["share"]
    # One case of women against a prior of PRIOR_CASES: close to the city's split.
    expected_women = (1 + PRIOR_CASES * city[("women", "")]) / (1 + PRIOR_CASES)
    assert mine[("women", "")] == pytest.approx(expected_women)
    assert mine[("men", "es")] > 0.2  # never seen in D2, borrowed from the city
    d1 = shares[(shares["district_id"] == "D1") & (shares["service_id"] == "shelter")]
    d1 = d1.set_index(["population", "language"])["share"]
    # 36 women of 48 cases: mostly its own split (0.75), pulled a little toward the city's.
    expected = (36 + PRIOR_CASES * city[("women", "")]) / (48 + PRIOR_CASES)
    assert d1[("women", "")] == pytest.approx(expected)
    assert abs(d1[("women", "")] - 0.75) < abs(city[("women", "")] - 0.75)


def test_cohort_cells_add_up_exactly_to_the_version1_cells():
    package = grouped_city()
    scenario = Scenario(name="x", horizon_months=6)
    total = horizon_demand(package, scenario)
    split = horizon_group_demand(package, scenario)
    keys = ["district_id", "service_id", "period"]
    summed = split.groupby(keys)["demand"].sum()
    assert summed.reindex(pd.MultiIndex.from_frame(total[keys])).to_numpy() == pytest.approx(
        total["demand"].to_numpy(), abs=1e-12
    )
    assert (split["demand"] >= 0).all()


def test_without_groups_one_cohort():
    package = hand_city()
    demand = horizon_demand(package, Scenario(name="v1"))
    split = split_demand(package, demand)
    assert set(split["population"]) == {"any"} and set(split["language"]) == {""}
    assert split["demand"].to_numpy() == pytest.approx(demand["demand"].to_numpy())
