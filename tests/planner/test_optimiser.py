"""The optimiser on a tiny city whose optimum is worked out by hand, and the degenerate cases.

The hand city (tests/planner/optimiser_city.py:hand_city), 12 months, same demand every month:

    D1 (x=0 km) ---- D2 (x=10 km) ---- D3 (x=20 km)
    A1 at D1, A2 at D3.

    shelter: whole beds, weight 3, radius 12 km, 12,000 a bed-year (A2: 11,000).
             A1 has 2 beds (may add 5), A2 has 1 (may add 1).
             Reach: D1 -> A1; D2 -> A1, A2 (10 km each); D3 -> A2.
             Demand per month: D1 4, D2 3, D3 2 (9 in all).
    legal:   hours, weight 1, reachable from anywhere, 1,200 an hour-slot-year.
             A1 has 5 (may add 20); demand per month D1 10, D3 5.
    One funder, 30,000.

Without money 3 beds and 5 legal slots serve 3 + 5 a month: weighted unmet per month
3 * 6 + 1 * 10 = 28, over 12 months 336.
A slot added for the year (1,200) removes 12 weighted units (0.010 a dollar); a bed (11,000 or
12,000) removes 3 * 12 = 36 (0.0033 a dollar at A2, 0.0030 at A1), while demand is unmet
within its reach, which it is everywhere here. So: legal first, all 10 missing slots
(12,000), then with 18,000 left one bed, at A2 (cheaper: the money tie-breaker), 11,000;
7,000 stays unspent (no bed costs that little, legal is all met). Checking the alternative of
two beds (23,000) and 5.83 slots with the remaining 7,000: 72 + 70 = 142 < 36 + 120 = 156.
Optimum: weighted unmet 336 - 156 = 180; 23,000 spent; k[A1,legal] = 10, k[A2,shelter] = 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.demand import horizon_demand
from planner.findings import INFEASIBLE_KINDS, Finding, findings_of
from planner.optimiser import SolveOptions, solve
from planner.problems import InvalidInput
from planner.scenario import Scenario
from reports import words
from tests.planner.optimiser_city import hand_city, monthly_history

FAST = SolveOptions(mip_gap=1e-9)


def units(plan) -> dict[tuple[str, str], float]:
    return {
        (r.agency_id, r.service_id): r.units for r in plan.capacity_added.itertuples(index=False)
    }


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_hand_city_optimum(solver):
    plan = solve(hand_city(), Scenario(name="hand", solver=solver), options=FAST)
    assert plan.status == "optimal"
    assert plan.solver == solver
    assert plan.totals.weighted_unmet == pytest.approx(180.0)
    assert plan.totals.money_spent == pytest.approx(23000.0)
    assert units(plan) == {("A1", "legal"): pytest.approx(10.0), ("A2", "shelter"): 1.0}
    assert plan.baselines.status_quo.weighted_unmet == pytest.approx(336.0)
    coverage = plan.coverage.set_index(["district_id", "service_id"])
    # A1's 2 beds serve D1 (nearest); A2's 2 beds serve D3; D2 has no bed left.
    assert coverage.loc[("D1", "shelter"), "served"] == pytest.approx(24.0)
    assert coverage.loc[("D3", "shelter"), "served"] == pytest.approx(24.0)
    assert coverage.loc[("D2", "shelter"), "served"] == pytest.approx(0.0)
    assert plan.funding["amount"].sum() == pytest.approx(23000.0)
    # LP relaxation: legal's 10 slots (12,000), A2's bed (11,000), then 7,000 of a bed at A1:
    # the marginal dollar buys A1's beds, 36 weighted units per 12,000 = 0.003 a dollar.
    price = plan.diagnostics.budget_value
    assert price is not None and price.per_unit_money == pytest.approx(0.003, rel=1e-3)
    (value,) = findings_of(plan.findings, "budget_value")
    assert value.service_id == "shelter" and value.amount == 100
    assert plan.diagnostics.no_worse_than_baselines == {
        "status_quo": True,
        "population": True,
        "demand": True,
    }


def test_hard_floor_hand_optimum():
    """Floor 50% hard: each district needs half of its shelter demand served every month on
    average: D1 2, D2 1.5, D3 1 = 4.5 beds with reach, so 5 beds (2 more): A2's one (11,000)
    and one at A1 (12,000); legal's floor (D1 5, D3 2.5 = 7.5 > 5) is met by the 7,000 left
    (5.83 slots). Weighted unmet: shelter (9 - 5) * 3 * 12 = 144, legal (15 - 10.83) * 12 = 50.
    """
    scenario = Scenario(name="floor", equity_floor=0.5, equity_mode="hard")
    plan = solve(hand_city(), scenario, options=FAST)
    assert plan.status == "optimal"
    assert plan.totals.weighted_unmet == pytest.approx(194.0)
    got = units(plan)
    assert got[("A1", "shelter")] == 1 and got[("A2", "shelter")] == 1
    assert got[("A1", "legal")] == pytest.approx(7000 / 1200)
    covered = plan.coverage.dropna(subset=["coverage"])
    assert (covered["coverage"] >= 0.5 - 1e-9).all()
    assert findings_of(plan.findings, "below_floor") == ()


def test_soft_floor_reports_districts_below():
    scenario = Scenario(name="soft", equity_floor=0.5, equity_mode="soft", budget=11000)
    plan = solve(hand_city(), scenario, options=FAST)
    assert plan.status == "optimal"
    below = findings_of(plan.findings, "below_floor")
    assert below  # 11,000 buys one bed at most: some district stays below half
    assert all(b.share is not None and b.share < 0.5 and b.floor == 0.5 for b in below)
    coverage = plan.coverage.set_index(["district_id", "service_id"])["coverage"]
    for b in below:
        assert coverage[(b.district_ids[0], b.service_id)] == pytest.approx(b.share)


def test_infeasible_floor_short_of_money_says_how_much():
    """Floor 50% hard with 20,000: the floor needs 23,000 (beds) + 3,000 (2.5 legal slots)."""
    scenario = Scenario(name="short", equity_floor=0.5, equity_mode="hard", budget=20000)
    plan = solve(hand_city(), scenario, options=FAST)
    assert plan.status == "infeasible"
    (missing,) = findings_of(plan.findings, "floor_needs_budget")
    assert missing.amount == pytest.approx(6000.0, abs=1) and missing.limit == 20000
    summary = words.infeasible_summary(plan.findings, words.NameBook("USD"))
    assert "$6,000 more" in summary
    assert "raise" in summary and "lower the floor" in summary
    assert plan.funding.empty and plan.capacity_added.empty


def test_infeasible_floor_out_of_reach_names_district_and_radius():
    scenario = Scenario(
        name="far", equity_floor=0.5, equity_mode="hard", radius_km={"shelter": 5.0}
    )
    plan = solve(hand_city(), scenario, options=FAST)
    assert plan.status == "infeasible"
    assert findings_of(plan.findings, *INFEASIBLE_KINDS) == (
        Finding(
            "floor_no_agency", district_ids=("D2",), service_id="shelter", floor=0.5, radius_km=5.0
        ),
    )
    book = words.NameBook.from_package(hand_city(), confidential_places=True)
    assert words.infeasible_reasons(plan.findings, book) == [
        "district Middle cannot reach 50% coverage for shelter: no agency within 5 km offers it"
    ]
    assert "widen the radius" in words.infeasible_summary(plan.findings, book)


def test_empty_demand_gives_an_empty_valid_plan():
    plan = solve(hand_city(demand=monthly_history({})), Scenario(name="none"), options=FAST)
    assert plan.status == "optimal"
    assert plan.totals.demand == 0 and plan.totals.money_spent == 0
    assert plan.funding.empty and plan.capacity_added.empty
    assert len(plan.coverage) == 6 and plan.coverage["coverage"].isna().all()


def test_zero_budget_is_the_status_quo():
    plan = solve(hand_city(), Scenario(name="zero", budget=0), options=FAST)
    assert plan.status == "optimal"
    assert plan.totals.money_spent == 0
    assert plan.totals.weighted_unmet == pytest.approx(336.0)
    assert plan.totals.weighted_unmet == pytest.approx(plan.baselines.status_quo.weighted_unmet)
    assert findings_of(plan.findings, "money_not_limiting") == ()
    assert findings_of(plan.findings, "budget_value")


def test_agency_with_no_reachable_district_gets_nothing():
    base = hand_city()
    agencies = pd.concat(
        [
            base.agencies,
            pd.DataFrame(
                [
                    {
                        "agency_id": "A9",
                        "name": "Far Away",
                        "kind": "ngo",
                        "lat": 0.9,
                        "lon": 0.9,
                        "district_id": None,
                        "languages": "",
                        "confidential": False,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    capacity = pd.concat(
        [
            base.capacity,
            pd.DataFrame(
                [
                    {
                        "agency_id": "A9",
                        "service_id": "shelter",
                        "capacity": 3.0,
                        "max_expansion": 10.0,
                        "unit_cost": 100.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    package = hand_city(
        agencies=[
            ("A1", "North House", "ngo", 0.0, 0.0),
            ("A2", "South House", "shelter", 20.0, 0.0),
            ("A9", "Far Away", "ngo", 100.0, 100.0),
        ],
        capacity=capacity.to_dict("records"),
    )
    assert len(package.agencies) == len(agencies)
    plan = solve(package, Scenario(name="far agency"), options=FAST)
    assert plan.status == "optimal"
    assert "A9" not in set(plan.funding["agency_id"])
    assert Finding("agency_unreachable", agency_ids=("A9",)) in plan.findings
    book = words.NameBook.from_package(package, confidential_places=True)
    assert any("Far Away reaches no district" in n for n in words.notes(plan.findings, book))
    assert plan.totals.weighted_unmet == pytest.approx(180.0)


def test_service_nobody_offers_leaves_demand_unmet_with_a_note():
    package = hand_city(
        services=[
            *hand_city().services.to_dict("records"),
            {
                "service_id": "dental",
                "name": "Dental care",
                "unit": "slot",
                "integer": False,
                "unit_cost": 100.0,
                "weight": 1.0,
                "radius_km": np.nan,
            },
        ],
        demand=monthly_history(
            {
                ("D1", "shelter"): 4,
                ("D2", "shelter"): 3,
                ("D3", "shelter"): 2,
                ("D1", "legal"): 10,
                ("D3", "legal"): 5,
                ("D2", "dental"): 7,
            }
        ),
    )
    plan = solve(package, Scenario(name="dental"), options=FAST)
    assert plan.status == "optimal"
    row = plan.coverage.set_index(["district_id", "service_id"]).loc[("D2", "dental")]
    assert row["demand"] == pytest.approx(84.0) and row["served"] == 0.0
    assert Finding("service_unavailable", service_id="dental") in plan.findings
    book = words.NameBook.from_package(package, confidential_places=True)
    assert any("open dental care" in n for n in words.notes(plan.findings, book))
    assert plan.totals.weighted_unmet == pytest.approx(180.0 + 84.0)


def test_opening_a_new_service_pays_its_fixed_cost():
    """Legal may be opened at A2 (open_cost 2,000, open_max 10) and has a 6 km radius, so D3's
    5 a month can only come from a new service at A2: 2,000 + 5 * 1,200 = 8,000 (60 weighted
    units for 8,000: worth it). D1 needs 5 more slots at A1 (6,000). Of the 16,000 left, one
    bed at A2 (11,000): 25,000 spent, weighted unmet 180 (shelter 5 a month unmet). Without
    opening, D3's legal stays unmet (60) and the money buys A1's 5 slots and two beds
    (23,000): 144 + 60 = 204."""
    services = hand_city().services.to_dict("records")
    services[1].update(open_cost=2000.0, open_max=10.0, radius_km=6.0)
    package = hand_city(services=services)
    plan = solve(package, Scenario(name="open", allow_new_services=True), options=FAST)
    assert plan.status == "optimal"
    added = plan.capacity_added.set_index(["agency_id", "service_id"])
    assert bool(added.loc[("A2", "legal"), "opened"])
    assert added.loc[("A2", "legal"), "units"] == pytest.approx(5.0)
    assert plan.totals.money_spent == pytest.approx(25000)
    assert plan.totals.weighted_unmet == pytest.approx(180.0)
    assert plan.totals.services_opened == 1
    closed = solve(package, Scenario(name="closed"), options=FAST)
    assert closed.totals.weighted_unmet == pytest.approx(204.0)


def test_unknown_service_in_scenario_is_invalid_input():
    with pytest.raises(InvalidInput, match="weights: 'dentist' is not a service"):
        solve(hand_city(), Scenario(name="x", weights={"dentist": 3}))


def test_same_inputs_same_plan():
    scenario = Scenario(name="again", equity_floor=0.3)
    first = solve(hand_city(), scenario)
    second = solve(hand_city(), scenario)
    pd.testing.assert_frame_equal(first.funding, second.funding)
    pd.testing.assert_frame_equal(first.capacity_added, second.capacity_added)
    pd.testing.assert_frame_equal(first.coverage, second.coverage)
    assert first.totals == second.totals


def test_merging_months_is_exact_and_smaller():
    """Seasonal demand: months 1-6 one level, 7-12 another; merging gives 2 blocks, not 12."""
    package = hand_city()
    demand = horizon_demand(package, Scenario(name="x"))
    late = pd.PeriodIndex(demand["period"], freq="M").month > 6
    demand.loc[late, "demand"] *= 1.5
    scenario = Scenario(name="seasonal")
    merged = solve(package, scenario, demand=demand, options=FAST)
    monthly = solve(
        package,
        scenario,
        demand=demand,
        options=SolveOptions(mip_gap=1e-9, aggregate_periods=False),
    )
    assert merged.objective == pytest.approx(monthly.objective, rel=1e-9)
    assert merged.size["variables"] < monthly.size["variables"] / 3
    pd.testing.assert_frame_equal(merged.coverage, monthly.coverage, atol=1e-6)


def test_tie_breakers_never_serve_fewer():
    package = hand_city()
    plain = solve(package, Scenario(name="plain", distance_weight=0, cost_weight=0), options=FAST)
    heavy = solve(package, Scenario(name="heavy", distance_weight=50, cost_weight=1), options=FAST)
    assert plain.totals.weighted_unmet == pytest.approx(180.0)
    assert heavy.totals.weighted_unmet == pytest.approx(180.0)


def test_plan_writes_json_and_csvs(tmp_path):
    plan = solve(hand_city(), Scenario(name="files"), options=FAST)
    paths = plan.write(tmp_path / "out")
    assert [p.name for p in paths] == [
        "plan.json",
        "funding.csv",
        "capacity_added.csv",
        "coverage.csv",
    ]
    funding = pd.read_csv(tmp_path / "out" / "funding.csv")
    assert list(funding.columns) == ["funder_id", "agency_id", "service_id", "amount"]
    coverage = pd.read_csv(tmp_path / "out" / "coverage.csv")
    assert list(coverage.columns) == [
        "district_id",
        "service_id",
        "demand",
        "served",
        "unmet",
        "coverage",
    ]
    assert list(pd.read_csv(tmp_path / "out" / "capacity_added.csv").columns) == [
        "agency_id",
        "service_id",
        "units",
    ]


def test_horizon_demand_is_the_mean_of_the_last_twelve_months():
    history = pd.DataFrame(
        [
            # 14 months of history; the first two fall outside the window.
            *[
                ("D1", "shelter", str(p), 100, "ngo")
                for p in pd.period_range("2024-11", "2024-12", freq="M")
            ],
            *[
                ("D1", "shelter", str(p), 6, "ngo")
                for p in pd.period_range("2025-01", "2025-12", freq="M")
            ],
            ("D2", "legal", "2025-06", 24, "hotline"),
            ("D2", "legal", "2025-06", 12, "police"),
        ],
        columns=["district_id", "service_id", "period", "cases", "source"],
    )
    services = hand_city().services.to_dict("records")
    services[0]["units_per_case"] = 3.0
    package = hand_city(demand=history, services=services)
    demand = horizon_demand(package, Scenario(name="x", horizon_months=3))
    assert sorted(demand["period"].unique()) == ["2026-01", "2026-02", "2026-03"]
    table = demand.set_index(["district_id", "service_id", "period"])["demand"]
    assert table[("D1", "shelter", "2026-02")] == pytest.approx(6 * 3)
    assert table[("D2", "legal", "2026-01")] == pytest.approx(36 / 12)
    assert table[("D3", "legal", "2026-03")] == 0.0
    assert len(demand) == 3 * 2 * 3


def test_cbc_and_highs_agree_on_the_hand_city_with_a_floor():
    scenario = Scenario(name="floor", equity_floor=0.4)
    highs = solve(hand_city(), scenario, options=FAST)
    cbc = solve(hand_city(), scenario.model_copy(update={"solver": "cbc"}), options=FAST)
    assert highs.objective == pytest.approx(cbc.objective, rel=1e-6)


def test_an_earlier_highs_run_in_the_process_does_not_break_the_solve():
    """HiGHS refuses a `threads` option unlike its global scheduler's: the solve sets none."""
    import highspy

    other = highspy.Highs()
    other.setOptionValue("output_flag", False)
    other.run()
    plan = solve(hand_city(), Scenario(name="after"), options=FAST)
    assert plan.status == "optimal"
    assert plan.totals.weighted_unmet == pytest.approx(180.0)


def test_the_plan_keeps_the_status_quo_coverage_for_before_and_after():
    from planner.plan_tables import coverage_before_and_after

    package = hand_city()
    plan = solve(package, Scenario(name="hand"), options=FAST)
    today = solve(package, Scenario(name="today", budget=0), options=FAST)
    columns = ["district_id", "service_id", "demand", "served"]
    before = plan.status_quo_coverage[columns].set_index(["district_id", "service_id"])
    assert before.sort_index().to_numpy() == pytest.approx(
        today.coverage[columns].set_index(["district_id", "service_id"]).sort_index().to_numpy()
    )
    table = coverage_before_and_after(plan, package)
    # A2's added bed serves more of D3; no district is served less than before.
    assert table.loc["D3", "after"] > table.loc["D3", "before"]
    assert (table["change_points"] >= -1e-9).all()
    assert table["change_points"].is_monotonic_decreasing
    assert table.loc["D3", "change_points"] == pytest.approx(
        100 * (table.loc["D3", "after"] - table.loc["D3", "before"])
    )
    without = solve(package, Scenario(name="hand"), options=SolveOptions(baselines=False))
    assert without.status_quo_coverage.empty
    assert coverage_before_and_after(without, package).empty
