"""Referral pathways in the one model (issue 16): a hand-solved chain hotline -> case
management -> shelter, conservation at every node, and wait targets' loop."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.optimise import SolveOptions, solve
from planner.package import CityPackage, read_package
from planner.scenario import Scenario
from tests.package_factory import write_tiny_package

SERVICES = """\
service_id,name,unit,integer,unit_cost,weight,radius_km,units_per_case,segment,open_cost,open_max
hotline,Hotline,call,false,1200,5,,1,any,,
case_management,Case management,slot,false,2400,2,,2,any,,
shelter,Shelter beds,bed,true,36000,4,,3,any,,
"""
CAPACITY = """\
agency_id,service_id,capacity,occupied,max_expansion,unit_cost,as_of
A1,hotline,10,10,{hotline},,2026-01-01
A2,case_management,8,8,{cm},,2026-01-01
A3,shelter,6,6,{shelter},,2026-01-01
"""
ELIGIBILITY = "funder_id,service_id,agency_kind\n"
PATHWAYS = """\
from_service,to_service,share,lag_months
hotline,case_management,0.5,0
case_management,shelter,0.4,1
"""
PERIODS = ("2026-04", "2026-05", "2026-06")
#: Forecast units a month in district D1 (nothing elsewhere).
FORECAST = {"hotline": 20.0, "case_management": 10.0, "shelter": 6.0}


def chain_city(tmp: Path, *, hotline: int, cm: int, shelter: int, pathways: bool) -> CityPackage:
    path = write_tiny_package(tmp)
    (path / "services.csv").write_text(SERVICES, encoding="utf-8")
    capacity = CAPACITY.format(hotline=hotline, cm=cm, shelter=shelter)
    (path / "capacity.csv").write_text(capacity, encoding="utf-8")
    (path / "eligibility.csv").write_text(ELIGIBILITY, encoding="utf-8")
    lines = ["district_id,service_id,period,cases,source"]
    for service_id in FORECAST:
        for period in ("2026-01", "2026-02", "2026-03"):
            lines.append(f"D1,{service_id},{period},5,ngo")
    (path / "demand.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if pathways:
        (path / "pathways.csv").write_text(PATHWAYS, encoding="utf-8")
    return read_package(path)


def demand() -> pd.DataFrame:
    rows = []
    for district_id in ("D1", "D2", "D3"):
        for service_id, units in FORECAST.items():
            for period in PERIODS:
                value = units if district_id == "D1" else 0.0
                rows.append((district_id, service_id, period, value))
    return pd.DataFrame(rows, columns=["district_id", "service_id", "period", "demand"])


SCENARIO = Scenario(name="chain", horizon_months=3, budget=10_000_000, distance_weight=0)
OPTIONS = SolveOptions(mip_gap=0.0)


def _node(plan, service_id: str) -> pd.Series:  # type: ignore[no-untyped-def]
    coverage = plan.coverage.set_index(["district_id", "service_id"])
    return coverage.loc[("D1", service_id)]


def test_chain_with_room_everywhere_serves_what_it_induces(tmp_path: Path) -> None:
    package = chain_city(tmp_path / "city", hotline=10, cm=20, shelter=10, pathways=True)
    plan = solve(package, SCENARIO, demand=demand(), options=OPTIONS)
    assert plan.status == "optimal"
    # Today: hotline 10, case management 8, shelter 6 a month. The plan serves the hotline's
    # 20: case management gains 0.5 x (2/1) x (20 - 10) = 10 a month (demand 20); from May
    # the shelter gains 0.4 x (3/2) x (20 - 8) = 7.2 (demand 13.2), none in April (lag 1).
    hotline, cm, shelter = (_node(plan, s) for s in ("hotline", "case_management", "shelter"))
    assert hotline["served"] == pytest.approx(60.0)
    assert cm["demand"] == pytest.approx(60.0) and cm["served"] == pytest.approx(60.0)
    assert shelter["demand"] == pytest.approx(6.0 + 13.2 + 13.2)
    assert shelter["served"] == pytest.approx(32.4)
    added = plan.capacity_added.set_index("service_id")["units"]
    assert added["hotline"] == pytest.approx(10.0)
    assert added["case_management"] == pytest.approx(12.0)
    assert added["shelter"] == pytest.approx(8.0)  # 13.2 beds: 14 whole ones
    induced = pd.DataFrame(plan.waiting.induced).set_index("service_id")["induced"]
    assert induced["case_management"] == pytest.approx(30.0)
    assert induced["shelter"] == pytest.approx(14.4)


def test_chain_where_only_the_hotline_may_grow(tmp_path: Path) -> None:
    package = chain_city(tmp_path / "city", hotline=10, cm=0, shelter=0, pathways=True)
    plan = solve(package, SCENARIO, demand=demand(), options=OPTIONS)
    # Each hotline unit served (weight 5) induces one unit of case management (weight 2)
    # that goes unmet: the plan still serves the hotline's 20, and case management's
    # demand of 20 a month meets its 8 slots; the shelter's demand stays 6 (case
    # management serves what it serves today).
    hotline, cm, shelter = (_node(plan, s) for s in ("hotline", "case_management", "shelter"))
    assert hotline["served"] == pytest.approx(60.0)
    assert cm["demand"] == pytest.approx(60.0)
    assert cm["served"] == pytest.approx(24.0) and cm["unmet"] == pytest.approx(36.0)
    assert shelter["demand"] == pytest.approx(18.0) and shelter["served"] == pytest.approx(18.0)


def test_conservation_at_every_node(tmp_path: Path) -> None:
    package = chain_city(tmp_path / "city", hotline=5, cm=6, shelter=3, pathways=True)
    plan = solve(package, SCENARIO.model_copy(update={"budget": 20_000}), demand=demand())
    assert plan.has_plan
    coverage = plan.coverage
    # served + unmet = forecast + induced, in every district and service
    induced = pd.DataFrame(plan.waiting.induced)
    extra = induced.groupby(["district_id", "service_id"])["induced"].sum() if len(induced) else {}
    forecast = demand().groupby(["district_id", "service_id"])["demand"].sum()
    for row in coverage.itertuples(index=False):
        key = (row.district_id, row.service_id)
        expected = forecast.get(key, 0.0) + float(pd.Series(extra).get(key, 0.0))
        assert row.served + row.unmet == pytest.approx(expected, abs=1e-6), key
        # and what the agencies serve is what the district is served
    assignments = plan.assignments
    served = (
        (assignments["served_per_month"] * assignments["months"])
        .groupby([assignments["district_id"], assignments["service_id"]])
        .sum()
    )
    for row in coverage.itertuples(index=False):
        assert row.served == pytest.approx(served.get((row.district_id, row.service_id), 0.0))


def test_without_pathways_a_version_1_package_plans_as_before(tmp_path: Path) -> None:
    package = chain_city(tmp_path / "city", hotline=10, cm=20, shelter=10, pathways=False)
    plan = solve(package, SCENARIO, demand=demand(), options=OPTIONS)
    cm = _node(plan, "case_management")
    assert cm["demand"] == pytest.approx(30.0)
    assert not plan.waiting.induced


def _targets(plan) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(plan.waiting.targets)


def test_wait_target_met_by_capping_utilisation(tmp_path: Path) -> None:
    from planner import queues
    from planner.optimise.pathways import MAX_TARGET_ROUNDS

    package = chain_city(tmp_path / "city", hotline=10, cm=20, shelter=30, pathways=False)
    scenario = SCENARIO.model_copy(
        update={"wait_target_days": {"shelter": 14.0}, "wait_probability": 0.8}
    )
    plan = solve(package, scenario, demand=demand(), options=OPTIONS)
    assert plan.has_plan
    records = _targets(plan)
    assert records and all(r["met"] for r in records)
    assert all(r["rounds"] <= MAX_TARGET_ROUNDS for r in records)
    shelter = plan.waiting.after.agencies.set_index("service_id").loc["shelter"]
    assert shelter["stable"]
    queue = queues.mmc(shelter["arrivals_per_month"], 3.0, int(shelter["servers"]))
    assert queue.wait_beyond(14.0 / queues.DAYS_PER_MONTH) <= 0.2 + 1e-6


def test_wait_target_that_cannot_be_met_is_said_and_the_loop_ends(tmp_path: Path) -> None:
    from planner.optimise.pathways import MAX_TARGET_ROUNDS

    # One bed and no room to grow: at most rho_max(1) of a bed may be used; the loop caps
    # it once, and a round that changes no cap ends it.
    package = chain_city(tmp_path / "city", hotline=10, cm=20, shelter=0, pathways=False)
    capacity = package.capacity.copy()
    capacity.loc[capacity["service_id"] == "shelter", "capacity"] = 1
    import dataclasses

    package = dataclasses.replace(package, capacity=capacity)
    scenario = SCENARIO.model_copy(update={"wait_target_days": {"shelter": 0.5}})
    plan = solve(package, scenario, demand=demand(), options=OPTIONS)
    records = _targets(plan)
    assert records
    assert all(r["rounds"] <= MAX_TARGET_ROUNDS for r in records)
    for record in records:
        if not record["met"]:
            assert record["reason"] in ("expansion_limit", "budget", "no_units")
            assert record["district_ids"] == ["D1"]


def test_a_plan_never_answers_fewer_calls_than_today_to_induce_less(tmp_path: Path) -> None:
    """A hotline unit served (weight 1) induces a case-management unit (weight 4). Case
    management's demand is 10 + (h - 10) = h a month for h hotline units served, and it has
    8 slots: beyond h = 8 each call answered adds an unmet unit of weight 4, so MODEL.md's
    formula alone would answer 8 a month, fewer than today's 10. The pathway floor keeps
    today's 10 (docs/flow.md): case management then has 10 a month for its 8 slots."""
    package = chain_city(tmp_path / "city", hotline=10, cm=0, shelter=0, pathways=True)
    scenario = SCENARIO.model_copy(update={"weights": {"hotline": 1.0, "case_management": 4.0}})
    plan = solve(package, scenario, demand=demand(), options=OPTIONS)
    hotline, cm = (_node(plan, s) for s in ("hotline", "case_management"))
    assert hotline["served"] == pytest.approx(30.0, abs=1e-5)
    assert cm["demand"] == pytest.approx(30.0, abs=1e-5)
    assert cm["served"] == pytest.approx(24.0, abs=1e-5)


def test_with_no_new_money_the_plan_serves_today_and_induces_nothing(tmp_path: Path) -> None:
    package = chain_city(tmp_path / "city", hotline=10, cm=20, shelter=10, pathways=True)
    plan = solve(package, SCENARIO.model_copy(update={"budget": 0.0}), demand=demand())
    for service_id, units in FORECAST.items():
        node = _node(plan, service_id)
        assert node["demand"] == pytest.approx(3 * units, abs=1e-5), service_id
    assert all(abs(r["induced"]) < 1e-5 for r in plan.waiting.induced)
