"""The optimiser with population groups, eligibility and languages (issue 15).

The groups city, one month, one district D1 at (0, 0):

- shelter (whole beds, 12,000 a year: 1,000 for the month, weight 1): A1 (0 km) has 2 beds
  and takes women only; A2 (1 km) has 1 bed, takes everyone and may add 2;
- legal aid (weight 1, 1,200 a year: 100 for the month, interpretation_per_unit 1): A1 has 5
  hours and works in English only;
- interpretation (the city's interpretation service): A3 has 1 unit, may add 1 (100);
- demand: shelter women 3, men 2; legal aid women who speak Spanish 2, men 1;
- men weigh 2 (populations.csv), the city fund has 1,000.

By hand: A1's 2 beds go to women (they take no one else); the 1,000 buys one bed at A2, whose
2 beds go to men (weight 2 beats 1): 1 woman without a bed. Legal aid: the man is served in
English; the two Spanish speakers need an interpreter each and only 1 interpretation unit
exists: 1 unmet. Weighted unmet: 1 + 1 = 2. With 1,100 the interpretation unit is bought as
well: weighted unmet 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.findings import INFEASIBLE_KINDS, findings_of
from planner.optimise.inputs import prepare_inputs
from planner.optimise.model import build_model
from planner.optimiser import SolveOptions, solve
from planner.scenario import Scenario
from reports import words
from tests.planner.groups_city import cohort_demand_frame, with_groups
from tests.planner.optimiser_city import hand_city, make_city

EXACT = SolveOptions(mip_gap=1e-9)
MONTH = ["2026-01"]
GOLDEN = Path(__file__).parent / "golden" / "v1_models.json"


def groups_city(budget: float = 1000.0, interp_max: float = 1.0, **extra):
    package = make_city(
        districts=[("D1", "Centre", 1000, 0.0, 0.0)],
        services=[
            {
                "service_id": "shelter",
                "name": "Shelter",
                "unit": "bed",
                "integer": True,
                "unit_cost": 12000.0,
                "weight": 1.0,
                "radius_km": 30.0,
            },
            {
                "service_id": "legal",
                "name": "Legal aid",
                "integer": False,
                "unit_cost": 1200.0,
                "weight": 1.0,
            },
            {
                "service_id": "interp",
                "name": "Interpretation",
                "integer": False,
                "unit_cost": 1200.0,
                "weight": 1.0,
            },
        ],
        agencies=[
            ("A1", "Women's House", "ngo", 0.0, 0.0),
            ("A2", "Open Door", "shelter", 1.0, 0.0),
            ("A3", "Language Line", "ngo", 2.0, 0.0),
        ],
        capacity=[
            {"agency_id": "A1", "service_id": "shelter", "capacity": 2, "max_expansion": 0},
            {"agency_id": "A2", "service_id": "shelter", "capacity": 1, "max_expansion": 2},
            {"agency_id": "A1", "service_id": "legal", "capacity": 5, "max_expansion": 0},
            {
                "agency_id": "A3",
                "service_id": "interp",
                "capacity": 1,
                "max_expansion": interp_max,
            },
        ],
        funders=[("city", "City fund", budget)],
    )
    return with_groups(
        package,
        populations=[("women", "Women", 1.0), ("men", "Men", 2.0)],
        accepts={("A1", "shelter"): "women"},
        languages={"A1": "en", "A2": "en;es", "A3": "en;es"},
        interpretation_service="interp",
        interpretation_per_unit={"legal": 1.0},
        **extra,
    )


DEMAND = cohort_demand_frame(
    {
        ("D1", "shelter", "women", ""): 3,
        ("D1", "shelter", "men", ""): 2,
        ("D1", "legal", "women", "es"): 2,
        ("D1", "legal", "men", ""): 1,
    },
    MONTH,
)


def scenario(**keys) -> Scenario:
    return Scenario(name="groups", horizon_months=1, **keys)


def served(plan, service: str, population: str, language: str | None = None) -> float:
    frame = plan.coverage_by_group
    mine = frame[(frame["service_id"] == service) & (frame["population"] == population)]
    if language is not None:
        mine = mine[mine["language"] == language]
    return float(mine["served"].sum())


def test_groups_city_hand_optimum():
    plan = solve(groups_city(), scenario(), demand=DEMAND, options=EXACT)
    assert plan.status == "optimal"
    assert plan.totals.weighted_unmet == pytest.approx(2.0)
    assert served(plan, "shelter", "women") == pytest.approx(2.0)
    assert served(plan, "shelter", "men") == pytest.approx(2.0)
    assert served(plan, "legal", "women", "es") == pytest.approx(1.0)
    assert served(plan, "legal", "men") == pytest.approx(1.0)
    units = plan.capacity_added.set_index(["agency_id", "service_id"])["units"].to_dict()
    assert units == {("A2", "shelter"): 1.0}
    # The cohort cells add up to the district's cells.
    by_cell = plan.coverage_by_group.groupby(["district_id", "service_id"])[
        ["demand", "served"]
    ].sum()
    cov = plan.coverage.set_index(["district_id", "service_id"])
    for key, row in by_cell.iterrows():
        assert row["demand"] == pytest.approx(cov.loc[key, "demand"])
        assert row["served"] == pytest.approx(cov.loc[key, "served"])


def test_interpretation_is_fundable_like_any_service():
    plan = solve(groups_city(budget=1100.0), scenario(), demand=DEMAND, options=EXACT)
    assert plan.totals.weighted_unmet == pytest.approx(1.0)
    assert served(plan, "legal", "women", "es") == pytest.approx(2.0)
    units = plan.capacity_added.set_index(["agency_id", "service_id"])["units"].to_dict()
    assert units == {("A2", "shelter"): 1.0, ("A3", "interp"): pytest.approx(1.0)}


def test_mens_demand_is_never_served_by_women_only_capacity():
    package = groups_city(budget=0.0)
    inputs = prepare_inputs(package, scenario(), DEMAND)
    model = build_model(inputs)
    flows = model.flows
    men = inputs.cohorts.members
    men_classes = set(men.loc[men["population"] == "men", "cohort"])
    at_a1 = flows[(flows["agency_id"] == "A1") & (flows["service_id"] == "shelter")]
    assert not set(at_a1["cohort"]) & men_classes  # no variable at all
    plan = solve(package, scenario(), demand=DEMAND, options=EXACT)
    # A2's one bed goes to a man (weight 2); A1's two beds to women; nobody else.
    assert served(plan, "shelter", "men") == pytest.approx(1.0)
    assert served(plan, "shelter", "women") == pytest.approx(2.0)


def test_language_barrier_without_interpretation_is_not_served():
    package = groups_city(interp_max=0.0)
    capacity = package.capacity[package.capacity["service_id"] != "interp"]
    import dataclasses

    package = dataclasses.replace(package, capacity=capacity)
    plan = solve(package, scenario(), demand=DEMAND, options=EXACT)
    assert served(plan, "legal", "women", "es") == pytest.approx(0.0)
    assert served(plan, "legal", "men") == pytest.approx(1.0)


def test_group_weights_from_the_scenario_override_the_package():
    plan = solve(
        groups_city(), scenario(population_weights={"women": 3.0}), demand=DEMAND, options=EXACT
    )
    # Women now weigh 3 against men's 2: the money buys the interpreter (100, a Spanish
    # speaker served: 3) rather than a bed for a man (1,000: 2), and A2's bed goes to a woman.
    assert served(plan, "shelter", "women") == pytest.approx(3.0)
    assert served(plan, "shelter", "men") == pytest.approx(0.0)
    assert served(plan, "legal", "women", "es") == pytest.approx(2.0)
    assert plan.totals.weighted_unmet == pytest.approx(4.0)


def test_hard_group_floor_and_its_price():
    plan = solve(
        groups_city(),
        scenario(group_floors={"women": 1.0}, equity_mode="hard"),
        demand=DEMAND,
        options=EXACT,
    )
    assert plan.status == "optimal"
    # Every woman served in every service: the two Spanish speakers need the second
    # interpretation unit (100), and the 900 left buys no bed, so A2's one bed houses the
    # third woman and no man is housed: weighted unmet 2 men x 2 = 4, against 2 without.
    assert served(plan, "shelter", "women") == pytest.approx(3.0)
    assert served(plan, "legal", "women") == pytest.approx(2.0)
    assert served(plan, "shelter", "men") == pytest.approx(0.0)
    assert plan.totals.weighted_unmet == pytest.approx(4.0)
    prices = {p.population_id: p for p in plan.fairness}
    assert set(prices) == {"women"}
    price = prices["women"]
    assert price.units == pytest.approx(2.0)
    assert price.group_served == pytest.approx(5.0)
    assert price.group_served_without == pytest.approx(3.0)  # 2 beds + 1 hour of legal aid
    assert price.group_demand == pytest.approx(5.0)
    summary = plan.summary()
    assert summary["groups"]["fairness"][0]["population_id"] == "women"


def test_soft_group_floor_prices_the_same():
    plan = solve(
        groups_city(),
        scenario(group_floors={"women": 1.0}, equity_mode="soft"),
        demand=DEMAND,
        options=EXACT,
    )
    # The shortfall of the floor weighs 10 x w x wp: the floor is met as in hard mode.
    assert served(plan, "shelter", "women") == pytest.approx(3.0)
    assert plan.fairness[0].units == pytest.approx(2.0)
    # At the budget's shadow price (a bed, 1,000, houses a man: 2 weighted units), the
    # floor costs what 1,000 would serve elsewhere.
    assert plan.fairness[0].money == pytest.approx(1000.0, rel=1e-3)


def test_hard_group_floor_nobody_accepts_is_explained_in_words():
    package = groups_city()
    plan = solve(
        package,
        scenario(group_floors={"men": 0.9}, equity_mode="hard", radius_km={"shelter": 0.5}),
        demand=DEMAND,
        options=EXACT,
    )
    assert plan.status == "infeasible"
    found = findings_of(plan.findings, "group_floor_no_agency")
    assert found and found[0].population_id == "men" and found[0].service_id == "shelter"
    assert found[0] in findings_of(plan.findings, *INFEASIBLE_KINDS)
    book = words.NameBook.from_package(package, confidential_places=True)
    text = words.sentence(found[0], book)
    assert text.startswith("no agency within 0.5 km accepts men for shelter")
    assert text.endswith("open one or widen the radius")
    from planner.i18n import use_language

    with use_language("fr"):
        french = words.sentence(found[0], book)
    assert "men" in french and french != text


def test_hard_group_floor_short_of_capacity_is_explained():
    demand = DEMAND.copy()
    demand.loc[demand["population"] == "men", "demand"] = 5.0  # A2 can house 3 at most
    plan = solve(
        groups_city(budget=10_000.0),
        scenario(group_floors={"men": 0.8}, equity_mode="hard"),
        demand=demand,
        options=EXACT,
    )
    assert plan.status == "infeasible"
    found = findings_of(plan.findings, "group_floor_capacity_short")
    assert found and found[0].population_id == "men" and found[0].service_id == "shelter"
    assert found[0].share == pytest.approx(0.6)
    book = words.NameBook.from_package(groups_city(), confidential_places=True)
    assert "accept men for shelter" in words.sentence(found[0], book)


# --- version 1 exactly -----------------------------------------------------------------------


def fingerprint(model) -> str:
    """Every constraint (name, sense, right-hand side, terms), the objective and the columns."""
    import hashlib

    lines = []
    for name, c in model.constraints.items():
        terms = sorted((v.name, round(float(a), 12)) for v, a in c.expr.items())
        lines.append(f"{name}|{c.sense}|{round(float(-c.constant), 9)}|{terms}")
    obj = sorted((v.name, round(float(a), 12)) for v, a in model.problem.objective.items())
    cols = [(v.name, v.lowBound, v.upBound, v.cat) for v in model.columns()]
    text = "\n".join(lines) + repr(obj) + repr(cols)
    return hashlib.sha256(text.encode()).hexdigest()


def version1_cases():
    from tests.planner.test_optimiser_properties import random_city

    cases = [
        ("hand", hand_city(), Scenario(name="hand"), None),
        (
            "hand_floor",
            hand_city(),
            Scenario(name="hf", equity_floor=0.5, allow_new_services=True),
            None,
        ),
    ]
    for seed in (1, 7, 42, 123, 999):
        city = random_city(seed)
        cases.append((f"random{seed}", city.package, city.scenario, city.demand))
    return cases


@pytest.mark.parametrize("case", version1_cases(), ids=lambda c: c[0])
def test_version1_package_plans_exactly_as_before(case):
    """The model and plan of version-1 packages against those the version-1 code made
    (tests/planner/golden/v1_models.json, written by the code before cohorts existed, at
    commit eb71351): same variables, same constraints, same coefficients, same plan."""
    from planner.demand import horizon_demand

    label, package, scen, demand = case
    expected = json.loads(GOLDEN.read_text())[label]
    planned = demand if demand is not None else horizon_demand(package, scen)
    model = build_model(prepare_inputs(package, scen, planned))
    assert model.size() == expected["size"]
    assert fingerprint(model) == expected["model"]
    plan = solve(package, scen, demand=demand, options=SolveOptions(mip_gap=1e-9))
    assert plan.status == expected["status"]
    if expected["objective"] is None:
        assert plan.objective is None
        return
    assert plan.objective == pytest.approx(expected["objective"], rel=1e-9, abs=1e-9)
    got = plan.capacity_added[["agency_id", "service_id", "units"]].round(9).values.tolist()
    assert got == expected["capacity"]
    assert plan.coverage_by_group.empty and "groups" not in plan.summary()
    assert "priority_unmet" not in plan.coverage


def test_grouped_model_merges_cohorts_a_service_cannot_tell_apart():
    package = groups_city()
    inputs = prepare_inputs(package, scenario(), DEMAND)
    classes = inputs.cohorts.classes
    # Legal aid: men (English, weight 2) and Spanish-speaking women differ; interpretation
    # and shelter: the shelter's women and men differ (A1 takes women only).
    assert set(classes.loc[classes["service_id"] == "shelter", "cohort"]) == {"women", "men"}
    same = pd.DataFrame(
        [("D1", "legal", "2026-01", "women", "", 1.0), ("D1", "legal", "2026-01", "men", "", 1.0)],
        columns=["district_id", "service_id", "period", "population", "language", "demand"],
    )
    equal = with_groups(groups_city(), populations=[("women", "W", 1.0), ("men", "M", 1.0)])
    inputs = prepare_inputs(equal, scenario(), same)
    legal = inputs.cohorts.classes[inputs.cohorts.classes["service_id"] == "legal"]
    assert list(legal["cohort"]) == ["any"]  # one class: the model is as small as version 1
    assert np.isclose(inputs.block_demand["demand"].sum(), 2.0)


def test_hard_group_floor_short_of_money_names_the_group():
    package = groups_city(budget=0.0)
    plan = solve(
        package,
        scenario(group_floors={"women": 1.0}, equity_mode="hard"),
        demand=DEMAND,
        options=EXACT,
    )
    assert plan.status == "infeasible"
    (budget,) = findings_of(plan.findings, "floor_needs_budget")
    assert budget.population_id == "women" and budget.floor == 1.0
    assert budget.amount == pytest.approx(100.0)  # the second interpretation unit
    book = words.NameBook.from_package(package, confidential_places=True)
    assert words.sentence(budget, book) == (
        "the 100% floor for women costs $100 more than the total budget of $0"
    )
