"""One rule for funders without rows in eligibility.csv (issue 17): such a funder may pay for
anything, in the validator, the model and the benchmark city; a funder with rows pays only
for what its rows name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.optimise.inputs import prepare_inputs
from planner.optimiser import SolveOptions, solve
from planner.package import read_package
from planner.scenario import Scenario
from tests.package_factory import read_rows, write_rows, write_tiny_package
from tests.planner.optimiser_city import hand_city

# In the hand city A1 is an ngo (shelter and legal aid), A2 a shelter (shelter only).
RESTRICTED = [("state", "shelter", "shelter")]  # the state: shelter beds at shelters only


def _city(eligibility):
    return hand_city(
        funders=[("city", "City fund", 30000.0), ("state", "State grant", 30000.0)],
        eligibility=eligibility,
    )


def _eligible(package) -> set[tuple[str, str, str]]:
    scenario = Scenario(name="eligibility")
    demand = pd.DataFrame(
        {
            "district_id": ["D1", "D1", "D3"],
            "service_id": ["shelter", "legal", "shelter"],
            "period": ["2026-01"] * 3,
            "demand": [4.0, 10.0, 2.0],
        }
    )
    inputs = prepare_inputs(package, scenario, demand)
    return {tuple(row) for row in inputs.eligible[["funder_id", "agency_id", "service_id"]].values}


def test_a_funder_without_rows_may_pay_for_anything() -> None:
    eligible = _eligible(_city(RESTRICTED))
    city = {(a, s) for f, a, s in eligible if f == "city"}
    assert city == {("A1", "shelter"), ("A2", "shelter"), ("A1", "legal")}


def test_a_funder_with_rows_pays_only_for_what_they_name() -> None:
    eligible = _eligible(_city(RESTRICTED))
    state = {(a, s) for f, a, s in eligible if f == "state"}
    assert state == {("A2", "shelter")}


def test_the_plan_spends_a_funder_without_rows_and_keeps_the_other_to_its_rows() -> None:
    package = _city(RESTRICTED)
    plan = solve(
        package,
        Scenario(name="eligibility"),
        options=SolveOptions(diagnostics=False, baselines=False, mip_gap=1e-9),
    )
    assert plan.has_plan
    funding = plan.funding
    assert funding.loc[funding["funder_id"] == "city", "amount"].sum() > 0
    state = funding[funding["funder_id"] == "state"]
    assert set(zip(state["agency_id"], state["service_id"], strict=True)) <= {("A2", "shelter")}


def test_the_validator_says_the_same_rule(tmp_path: Path) -> None:
    folder = write_tiny_package(tmp_path / "city")
    funders = read_rows(folder, "funders.csv")
    funders.append(["foundation", "A foundation", "1000"])
    write_rows(folder, "funders.csv", funders)
    warnings = [w for w in read_package(folder).warnings if "foundation" in w]
    assert len(warnings) == 1
    assert "may pay for any service at any agency" in warnings[0]
    assert "fund nothing" not in warnings[0]


def test_no_warning_when_no_funder_is_restricted(tmp_path: Path) -> None:
    folder = write_tiny_package(tmp_path / "city")
    (folder / "eligibility.csv").write_text("funder_id,service_id,agency_kind\n", encoding="utf-8")
    assert not [w for w in read_package(folder).warnings if "eligibility" in w]


def test_the_benchmark_city_reads_the_rule_the_same_way() -> None:
    from bench.city_gen import generate_city

    package = generate_city(0.1)
    restricted = set(package.eligibility["funder_id"].astype(str))
    unrestricted = set(package.funders["funder_id"].astype(str)) - restricted
    assert unrestricted, "the benchmark city keeps one funder without rows (it pays for anything)"
