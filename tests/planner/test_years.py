"""Years and grant windows (issue 20): the year-by-year plan, checked by hand.

A two-year, two-funder city solved on paper: one district, one agency, one service (a unit
costs 1,000 a month), demand 10 units a month in year 1 and 5 in year 2; funder F1 pays in
2027 only, funder F2 in 2028 only. `solve_years` solves the plan's own model
(planner.optimise.model.build_model with the years); test_years_one_model.py solves the same
city through the plan's search.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.optimise.inputs import ModelInputs
from planner.optimise.years import LATER_MONEY, solve_years
from planner.years import applies, window_shares, year_periods

YEAR1 = [f"2027-{m:02d}" for m in range(1, 13)]
YEAR2 = [f"2028-{m:02d}" for m in range(1, 13)]
EPSILON = 1e-6


def hand_city(f1_budget: float, f2_budget: float, *, integer: bool = False) -> ModelInputs:
    periods = YEAR1 + YEAR2
    demand = pd.DataFrame(
        {
            "district_id": "D1",
            "service_id": "s",
            "period": periods,
            "cohort": "any",
            "demand": [10.0] * 12 + [5.0] * 12,
        }
    )
    services = pd.DataFrame(
        {"name": ["s"], "unit": ["bed"], "integer": [integer], "weight": [1.0]},
        index=pd.Index(["s"], name="service_id"),
    )
    pairs = pd.DataFrame(
        {
            "agency_id": ["A1"],
            "service_id": ["s"],
            "c0": [0.0],
            "m": [10.0],
            "cost": [24_000.0],  # the yearly 12,000 over a 24-month horizon
            "open_cost": [0.0],
            "is_new": [False],
        }
    )
    return ModelInputs(
        currency="USD",
        district_ids=("D1",),
        district_names={"D1": "D1"},
        population={"D1": 1000.0},
        services=services,
        agency_names={"A1": "A1"},
        funder_names={"F1": "F1", "F2": "F2"},
        funder_budget={"F1": f1_budget, "F2": f2_budget},
        total_budget=f1_budget + f2_budget,
        periods=tuple(periods),
        demand=demand,
        block_demand=pd.DataFrame(),
        blocks=pd.DataFrame(),
        pairs=pairs,
        arcs=pd.DataFrame(
            {"district_id": ["D1"], "agency_id": ["A1"], "service_id": ["s"], "dist_km": [1.0]}
        ),
        eligible=pd.DataFrame({"funder_id": ["F1", "F2"], "agency_id": "A1", "service_id": "s"}),
        beyond_radius=pd.DataFrame(),
        equity_floor=0.0,
        equity_mode="soft",
        distance_weight=0.0,
        cost_weight=EPSILON / 1000.0,
        horizon_months=24,
    )


WINDOWS = {"F1": ("2027-01", "2027-12"), "F2": ("2028-01", "2028-12")}


def test_the_hand_solved_two_year_two_funder_optimum() -> None:
    # Year 1: F1's 60,000 buys 5 units for 12 months (12,000 each): 5 a month unmet, 60 in
    # all. Year 2: demand is 5, F2 pays 60,000 of its 120,000 for 5 units: nothing unmet.
    result = solve_years(hand_city(60_000.0, 120_000.0), WINDOWS)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(60.0 + EPSILON * 120.0 + LATER_MONEY * 60.0, abs=1e-9)
    by_year = result.by_year.set_index("year")
    assert list(by_year["capacity_units"]) == pytest.approx([5.0, 5.0])
    assert list(by_year["money"]) == pytest.approx([60_000.0, 60_000.0])
    assert list(by_year["coverage"]) == pytest.approx([0.5, 1.0])
    funding = result.funding.groupby(["funder_id", "year"])["amount"].sum()
    assert funding.to_dict() == pytest.approx({("F1", 1): 60_000.0, ("F2", 2): 60_000.0})
    assert result.cliffs.empty


def test_a_grant_that_ends_is_a_funding_cliff_and_flat_coverage_has_its_price() -> None:
    # F2 has nothing: the 5 units F1 paid for end with its window (a cliff of 5 in year 2,
    # 60 + 60 unmet). Keeping year 2's coverage at year 1's 50 % needs 2.5 units for 12
    # months: 30,000 of new money.
    result = solve_years(hand_city(60_000.0, 0.0), WINDOWS)
    assert result.objective == pytest.approx(120.0 + EPSILON * 60.0, abs=1e-9)
    cliffs = result.cliffs
    assert list(cliffs["year"]) == [2] and list(cliffs["units"]) == pytest.approx([5.0])
    assert list(cliffs["funders_ended"]) == ["F1"]
    assert list(result.by_year["cliff_units"]) == pytest.approx([0.0, 5.0])
    flat = result.flat
    assert flat is not None and flat.status == "optimal"
    assert flat.target == pytest.approx(0.5)
    assert flat.bridge_money == pytest.approx(30_000.0)
    assert flat.extra_cost == pytest.approx(30_000.0)
    assert list(flat.by_year["coverage"]) == pytest.approx([0.5, 0.5])


def test_a_window_that_covers_half_a_year_pays_half_of_it() -> None:
    # F1 until June 2028, F2 from July 2028: each pays at most half of year 2's running
    # cost. Alone, F2 cannot keep a unit running in year 2 (its half needs another payer).
    alone = solve_years(
        hand_city(60_000.0, 120_000.0), {"F1": ("2027-01", "2027-12"), "F2": ("2028-07", None)}
    )
    assert list(alone.by_year["capacity_units"]) == pytest.approx([5.0, 0.0])
    # Together: F1 pays 12,000 a unit in year 1 and 6,000 a unit in year 2, so with 90,000
    # it keeps 5 units in year 2 (30,000, with F2's 30,000) and 5 in year 1 (60,000):
    # 60 unmet, the least possible (12,000 K1 + 6,000 K2 <= 90,000, K2 <= 5).
    windows = {"F1": ("2027-01", "2028-06"), "F2": ("2028-07", None)}
    result = solve_years(hand_city(90_000.0, 120_000.0), windows, flat=False)
    assert list(result.by_year["capacity_units"]) == pytest.approx([5.0, 5.0])
    # (the money of year 2, in thousands, weighs LATER_MONEY each: spent late, not early)
    later = LATER_MONEY * 60.0
    assert result.objective == pytest.approx(60.0 + EPSILON * 120.0 + later, abs=1e-9)
    funding = result.funding.groupby(["funder_id", "year"])["amount"].sum()
    assert funding.to_dict() == pytest.approx(
        {("F1", 1): 60_000.0, ("F1", 2): 30_000.0, ("F2", 2): 30_000.0}
    )


def test_whole_units_stay_whole() -> None:
    result = solve_years(hand_city(66_000.0, 0.0, integer=True), WINDOWS, flat=False)
    assert list(result.capacity.sort_values("year")["units"]) == pytest.approx([5.0, 0.0])


def test_windows_cut_into_year_shares() -> None:
    years = year_periods(YEAR2 + YEAR1 + ["2029-01"])
    assert [len(y) for y in years] == [12, 12, 1] and years[0][0] == "2027-01"
    shares = window_shares({"F": ("2027-07", "2028-03")}, years).set_index("year")["share"]
    assert list(shares) == pytest.approx([0.5, 0.25, 0.0])
    assert applies(24, {"F": ("2027-07", None)})
    assert not applies(12, {"F": ("2027-07", None)})
    assert not applies(36, {"F": (None, None)})
