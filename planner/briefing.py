"""A council briefing: two to four saved plans in one document, as codes and values.

`build_briefing(plans, package)` gathers, for plans already disclosed for one audience
(service.briefing does that, the same door as the single-plan report), what a council reads
when it compares them:

- `totals`: per plan, its horizon, budget, money spent, demand, served, coverage, cost per
  unit served and per additional unit served, the lowest district coverage;
- `units_added`: per plan and service, the units it buys (each service in its own unit);
- `funding_by_funder`: per plan and funder, the money;
- `district_coverage`: per district, the coverage of each plan (NaN where hidden or no
  demand);
- `groups`: per plan, population group and service, demand, served and coverage, when the
  plans carry group figures (`Plan.coverage_by_group`, issue 15), else empty;
- `floors`: per plan and group floor in force, its price (`Plan.fairness`, issue 15), else
  empty;
- `years`: per plan and year, capacity in operation, money, coverage and the capacity lost
  at a funding cliff (`Plan.years`, planner.years), else empty; `flat`: per plan with years,
  what keeping coverage at the first year's level costs, and how much of it is new money;
- `parameters`: the scenario parameters that differ (planner.compare);
- `freshness`: the data's dates; `caveats`: codes;
- `narrative`: short sentences as codes and values (`Sentence`), every value a figure of
  one of the tables above, so the words said at the edge (reports.briefing_words) never
  carry a number the tables do not.

Codes and values only: no sentence is written here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.compare import compare_plans
from planner.i18n import t
from planner.optimiser import Plan
from planner.package import CityPackage

MAX_PLANS = 4
MIN_PLANS = 2

TOTALS_COLUMNS = [
    "plan",
    "horizon_months",
    "budget",
    "money_spent",
    "demand",
    "served",
    "coverage",
    "money_per_unit_served",
    "cost_per_additional_unit_served",
    "lowest_district_coverage",
]
YEARS_COLUMNS = ["plan", "year", "capacity_units", "money", "coverage", "cliff_units"]
GROUPS_COLUMNS = ["plan", "population_id", "service_id", "demand", "served", "coverage"]
FLOORS_COLUMNS = ["plan", "floor", "price_units", "price_money"]
FLAT_COLUMNS = ["plan", "target", "extra_cost", "bridge_money"]


@dataclass(frozen=True)
class Sentence:
    """One sentence of the narrative: a code and the values it is said with. `values` hold
    text (names, ids) and numbers; every number is a cell of one of the briefing's tables."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Briefing:
    """What a council briefing holds (see the module's docstring)."""

    plans: tuple[str, ...]
    totals: pd.DataFrame
    units_added: pd.DataFrame
    funding_by_funder: pd.DataFrame
    district_coverage: pd.DataFrame
    groups: pd.DataFrame
    floors: pd.DataFrame
    years: pd.DataFrame
    parameters: pd.DataFrame
    freshness: Mapping[str, str | None]
    caveats: tuple[str, ...]
    narrative: tuple[Sentence, ...]
    demand_basis_differs: bool = False
    flat: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAT_COLUMNS))

    @property
    def reference(self) -> str:
        return self.plans[0]


def build_briefing(
    plans: Mapping[str, Plan],
    package: CityPackage,
    *,
    freshness: Mapping[str, str | None] | None = None,
    small_count_k: int | None = None,
) -> Briefing:
    """The briefing of two to four solved plans of one city (already disclosed for its
    reader); raises ValueError for fewer than two or more than four, or a plan without a
    solution."""
    if not MIN_PLANS <= len(plans) <= MAX_PLANS:
        raise ValueError(
            t("plans: a briefing compares 2 to 4 plans, not {count}", count=len(plans))
        )
    tables = compare_plans(plans, package)
    names = tables.plans
    totals = tables.totals.reset_index()
    totals["horizon_months"] = [float(plans[n].scenario.horizon_months) for n in names]
    totals = totals.reindex(columns=TOTALS_COLUMNS)
    units = (
        tables.units_added.reset_index()
        .melt(id_vars="service_id", var_name="plan", value_name="units_added")
        .loc[:, ["plan", "service_id", "units_added"]]
    )
    units = units[units["units_added"].abs() > 0].reset_index(drop=True)
    funders = (
        tables.funding_by_funder.reset_index()
        .drop(columns=["funder_name"])
        .melt(id_vars="funder_id", var_name="plan", value_name="amount")
        .loc[:, ["plan", "funder_id", "amount"]]
    )
    funders = funders[funders["amount"].abs() > 0.5].reset_index(drop=True)
    coverage = tables.district_coverage.reset_index().drop(columns=["name"])
    groups = _groups(plans, package, small_count_k)
    floors = _floors(plans)
    years = _years(plans)
    caveats = _caveats(plans, tables.demand_basis_differs)
    briefing = Briefing(
        plans=names,
        totals=totals,
        units_added=units,
        funding_by_funder=funders,
        district_coverage=coverage,
        groups=groups,
        floors=floors,
        years=years,
        parameters=tables.parameters,
        freshness=dict(freshness) if freshness is not None else data_freshness(package),
        caveats=caveats,
        narrative=(),
        demand_basis_differs=tables.demand_basis_differs,
        flat=_flat(plans),
    )
    return _with_narrative(briefing)


def data_freshness(package: CityPackage) -> dict[str, str | None]:
    """The dates of the data: the oldest and newest capacity report, the first and last
    month of demand history."""
    as_of = package.current_capacity()["as_of"].dropna().astype(str)
    periods = package.demand["period"].dropna().astype(str)
    return {
        "capacity_oldest": as_of.min() if len(as_of) else None,
        "capacity_newest": as_of.max() if len(as_of) else None,
        "demand_first": periods.min() if len(periods) else None,
        "demand_last": periods.max() if len(periods) else None,
    }


def _groups(
    plans: Mapping[str, Plan], package: CityPackage, small_count_k: int | None
) -> pd.DataFrame:
    """Per plan, population group and service: demand, served, coverage (issue 15's
    `Plan.coverage_by_group`, summed over districts and languages). For a reader without
    exact counts (`small_count_k`), a plan's group figures are shown only when no group's
    demand, served or unmet cases of a service are below k (else all are blank: one
    hidden cell would follow from the others and the city's totals)."""
    per_case = package.services.set_index("service_id")["units_per_case"].astype(float)
    frames = []
    for name, plan in plans.items():
        frame = getattr(plan, "coverage_by_group", None)
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            continue
        sums = (
            frame.groupby(["population", "service_id"], sort=True)[["demand", "served", "unmet"]]
            .sum(min_count=1)
            .reset_index()
        )
        sums = sums[~(sums["demand"] <= 0)].reset_index(drop=True)
        if small_count_k is not None and small_count_k > 1:
            cases = sums[["demand", "served", "unmet"]].div(
                sums["service_id"].map(per_case).fillna(1.0), axis=0
            )
            small = ((cases > 0) & (cases.round() < small_count_k)).any(axis=None)
            if small or frame[["demand", "served"]].isna().any(axis=None):
                sums[["demand", "served", "unmet"]] = math.nan
        sums["coverage"] = sums["served"] / sums["demand"].where(sums["demand"] > 0)
        frames.append(sums.rename(columns={"population": "population_id"}).assign(plan=name))
    if not frames:
        return pd.DataFrame(columns=GROUPS_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=GROUPS_COLUMNS)


def _floors(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Per plan, each group floor in force and its price (issue 15's `Plan.fairness`)."""
    rows = [
        {
            "plan": name,
            "floor": str(getattr(price, "population_id", "")),
            "price_units": getattr(price, "units", None),
            "price_money": getattr(price, "money", None),
        }
        for name, plan in plans.items()
        for price in getattr(plan, "fairness", ()) or ()
    ]
    frame = pd.DataFrame(rows, columns=FLOORS_COLUMNS)
    return frame.astype({"price_units": float, "price_money": float})


def _years(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Per plan and year (planner.years): capacity in operation, money, coverage (blank
    where the reader does not see the plan's own totals) and the capacity losing its
    funding."""
    frames = []
    for name, plan in plans.items():
        years = getattr(plan, "years", None)
        if years is not None and len(years.by_year):
            frame = years.by_year.assign(plan=name)
            if plan.totals.served is None:
                frame["coverage"] = math.nan
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=YEARS_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=YEARS_COLUMNS)


def _flat(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Per plan with years: what keeping coverage at the first year's level costs."""
    rows = []
    for name, plan in plans.items():
        years = getattr(plan, "years", None)
        flat = getattr(years, "flat", None)
        if flat is None or flat.extra_cost is None:
            continue
        rows.append(
            {
                "plan": name,
                "target": flat.target if plan.totals.served is not None else math.nan,
                "extra_cost": max(0.0, float(flat.extra_cost)),
                "bridge_money": max(0.0, float(flat.bridge_money or 0.0)),
            }
        )
    return pd.DataFrame(rows, columns=FLAT_COLUMNS)


def _caveats(plans: Mapping[str, Plan], basis_differs: bool) -> tuple[str, ...]:
    codes = ["forecast_not_certain", "costs_as_given"]
    if basis_differs:
        codes.append("demand_basis_differs")
    if any(plan.totals.served is None for plan in plans.values()):
        codes.append("counts_suppressed")
    if any(plan.status == "time_limit" for plan in plans.values()):
        codes.append("time_limit")
    return tuple(codes)


def _shown(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(float(value))


def _with_narrative(briefing: Briefing) -> Briefing:
    """The narrative: sentences filled from the tables' cells only."""
    sentences: list[Sentence] = []
    totals: dict[str, dict[Any, Any]] = {
        str(record["plan"]): record for record in briefing.totals.to_dict("records")
    }
    reference = briefing.reference
    for name in briefing.plans:
        row = totals[name]
        if _shown(row["coverage"]) and _shown(row["served"]):
            sentences.append(
                Sentence(
                    "plan_spends_serves",
                    {
                        "plan": name,
                        "money_spent": float(row["money_spent"]),
                        "budget": float(row["budget"]),
                        "coverage": float(row["coverage"]),
                        "served": float(row["served"]),
                    },
                )
            )
        else:
            sentences.append(
                Sentence(
                    "plan_spends",
                    {
                        "plan": name,
                        "money_spent": float(row["money_spent"]),
                        "budget": float(row["budget"]),
                    },
                )
            )
        if _shown(row["money_per_unit_served"]):
            sentences.append(
                Sentence(
                    "cost_per_unit",
                    {"plan": name, "money_per_unit_served": float(row["money_per_unit_served"])},
                )
            )
        if _shown(row["lowest_district_coverage"]):
            sentences.append(
                Sentence(
                    "lowest_district",
                    {"plan": name, "coverage": float(row["lowest_district_coverage"])},
                )
            )
    ref = totals[reference]
    for name in briefing.plans[1:]:
        row = totals[name]
        if _shown(row["coverage"]) and _shown(ref["coverage"]):
            code = (
                "more_coverage"
                if row["coverage"] > ref["coverage"] + 1e-9
                else "less_coverage"
                if row["coverage"] < ref["coverage"] - 1e-9
                else "same_coverage"
            )
            sentences.append(
                Sentence(
                    code,
                    {
                        "plan": name,
                        "reference": reference,
                        "coverage": float(row["coverage"]),
                        "reference_coverage": float(ref["coverage"]),
                    },
                )
            )
    sentences += _sentences_of_floors_and_years(briefing)
    return dataclasses.replace(briefing, narrative=tuple(sentences))


def _sentences_of_floors_and_years(briefing: Briefing) -> list[Sentence]:
    sentences: list[Sentence] = []
    for record in briefing.floors.to_dict("records"):
        if _shown(record["price_units"]):
            sentences.append(
                Sentence(
                    "floor_price",
                    {
                        "plan": record["plan"],
                        "floor": str(record["floor"]),
                        "price_units": float(record["price_units"]),
                    },
                )
            )
    for plan, years in briefing.years.groupby("plan", sort=False):
        for record in years.to_dict("records"):
            if _shown(record["cliff_units"]) and record["cliff_units"] > 0:
                sentences.append(
                    Sentence(
                        "funding_cliff",
                        {
                            "plan": str(plan),
                            "year": int(record["year"]),
                            "cliff_units": float(record["cliff_units"]),
                        },
                    )
                )
    for record in briefing.flat.to_dict("records"):
        sentences.append(
            Sentence(
                "flat_cost",
                {
                    "plan": str(record["plan"]),
                    "extra_cost": float(record["extra_cost"]),
                    "bridge_money": float(record["bridge_money"]),
                },
            )
        )
    return sentences
