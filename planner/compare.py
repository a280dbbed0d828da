"""Two or more plans side by side: totals, equity between districts, money per agency.

The funders' view of saved scenarios. Every plan is compared with the first one given (the
reference): differences are `plan − reference`. What the scenarios set differently is listed
(`parameter_differences`, as GAMS MIRO's scenario comparison does), and so is the demand
each plan is measured against (`demand_bases`): a plan for the expected demand and a P80
plan measure coverage against different demand, so their coverages are not comparable
figure for figure. Coverage per district is served / demand over
all services in their own units (as `plan_tables.coverage_by_district`); districts without
demand have no coverage (NaN) and take no part in the equity measures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.i18n import t
from planner.optimiser import Plan
from planner.package import CityPackage

TOTAL_COLUMNS = (
    "demand",
    "served",
    "unmet",
    "coverage",
    "budget",
    "money_spent",
    "units_added",
    "money_per_unit_served",
    "cost_per_additional_unit_served",
    "lowest_district_coverage",
    "coverage_spread",
    "coverage_iqr",
)
"""Columns of `ComparisonTables.totals`: units of demand over each plan's horizon, money in
the city's currency, coverage as shares (0-1); spread is max − min and iqr the interquartile
range of district coverage."""


@dataclass(frozen=True, eq=False)
class ComparisonTables:
    """What `compare_plans` returns; plan names in the order given, the first the reference.

    - totals: one row per plan (index `plan`), the columns of `TOTAL_COLUMNS`.
    - district_coverage: index district_id, `name` then one coverage column per plan.
    - funding: index agency_id, `agency_name` then one column of money per plan (agencies
      funded by at least one plan, zeros where a plan funds them not), largest first.
    - funding_difference: long, `agency_id, agency_name, plan, difference` for every plan
      but the reference (`plan − reference`), agencies as in `funding`.
    - funding_by_funder: index funder_id, `funder_name` then one column per plan.
    - parameters: the scenario parameters that differ between the plans
      (`parameter_differences`).
    - demand_bases: per plan, the demand it plans for: None for the expected demand, else
      its quantile of the city's demand per service (planner.demand).
    - units_added: index service_id, one column of units added per plan, for the services
      some plan adds to (each in its own unit: beds, slots, hours are never summed).
    """

    plans: tuple[str, ...]
    totals: pd.DataFrame
    district_coverage: pd.DataFrame
    funding: pd.DataFrame
    funding_difference: pd.DataFrame
    funding_by_funder: pd.DataFrame
    parameters: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["parameter", "key"])
    )
    demand_bases: Mapping[str, float | None] = field(default_factory=dict)
    demand_factors: Mapping[str, float] = field(default_factory=dict)
    """Per plan, its latent-demand factor (1: none; planner.scenario.Scenario.demand_factor)."""
    units_added: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Issue 15: index population, `name` then one coverage column per plan (city-wide, all
    services); empty when no plan has groups."""

    @property
    def reference(self) -> str:
        return self.plans[0]

    @property
    def demand_basis_differs(self) -> bool:
        """True when the plans are measured against different demand."""
        factors = {round(f, 12) for f in self.demand_factors.values()}
        return len(set(self.demand_bases.values())) > 1 or len(factors) > 1


def compare_plans(plans: Mapping[str, Plan], package: CityPackage) -> ComparisonTables:
    """Compare solved plans of one city; raises ValueError when a plan has no solution."""
    if not plans:
        raise ValueError(t("no plans to compare"))
    unsolved = [name for name, plan in plans.items() if not plan.has_plan]
    if unsolved:
        raise ValueError(
            t("these plans have no solution to compare: {names}", names=", ".join(unsolved))
        )
    names = tuple(plans)
    coverage = district_coverage(plans, package)
    totals = pd.DataFrame(
        [_totals(plans[name], coverage[name]) for name in names],
        index=pd.Index(names, name="plan"),
        columns=list(TOTAL_COLUMNS),
    )
    funding = _funding_by_agency(plans, package)
    return ComparisonTables(
        plans=names,
        totals=totals,
        district_coverage=coverage,
        funding=funding,
        funding_difference=_funding_difference(funding, names),
        funding_by_funder=_funding_by_funder(plans, package),
        parameters=parameter_differences(plans),
        demand_bases={name: plans[name].scenario.demand_quantile for name in names},
        demand_factors={name: plans[name].scenario.demand_factor for name in names},
        units_added=units_added_by_service(plans),
        group_coverage=group_coverage(plans, package),
    )


def group_coverage(plans: Mapping[str, Plan], package: CityPackage) -> pd.DataFrame:
    """Coverage per population group (rows) and plan (columns), city-wide over all services;
    empty when no plan has groups. A group hidden from the reader in a plan is NaN there."""
    from planner.plan_tables import coverage_by_group, population_names

    columns = {}
    for name, plan in plans.items():
        table = coverage_by_group(plan, package)
        if not table.empty:
            columns[name] = table.set_index("population")["coverage"]
    if not columns:
        return pd.DataFrame()
    frame = pd.DataFrame(columns)
    names = population_names(package)
    frame.insert(0, "name", [names.get(p, p) for p in frame.index])
    frame.index.name = "population"
    return frame


def units_added_by_service(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Units added per service (rows, index service_id) and plan (columns, in order); only
    the services some plan adds to, zeros where a plan adds none."""
    table = pd.DataFrame(
        {
            name: pd.Series(plan.totals.units_added_by_service, dtype=float)
            for name, plan in plans.items()
        }
    ).fillna(0.0)
    table.index.name = "service_id"
    return table.loc[table.abs().sum(axis=1) > 0].sort_index()


PARAMETERS = (
    "budget",
    "funder_budgets",
    "demand_quantile",
    "horizon_months",
    "equity_floor",
    "equity_mode",
    "weights",
    "radius_km",
    "allow_new_services",
    "distance_weight",
    "cost_weight",
    "solver",
    "time_limit_s",
    "latent_demand",
    "robust",
)
"""The scenario keys compared, in the order listed (every key of a scenario but its name)."""

PER_ENTRY = ("funder_budgets", "weights", "radius_km")
"""Keys that set a value per funder or service: compared entry by entry."""

UNSET = "unset"
"""A per-entry key a scenario does not set (the city's own value holds), in
`parameter_differences`; a radius set to null (reachable from anywhere) stays None."""


def parameter_differences(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """The scenario parameters that differ between the plans: `parameter` (a scenario key),
    `key` (the funder or service of a per-entry key, else ""), then one column of raw values
    per plan (a scenario's own value; `UNSET` where a per-entry key leaves the city's value;
    None for an empty budget or quantile: the funders' total, the expected demand). Keys in
    `PARAMETERS` order, entries sorted; no row where every plan agrees."""
    names = list(plans)
    settings = {name: plans[name].scenario.to_dict() for name in names}
    rows: list[dict[str, Any]] = []
    for parameter in PARAMETERS:
        if parameter in PER_ENTRY:
            entries = sorted({k for d in settings.values() for k in d.get(parameter) or {}})
            for entry in entries:
                values = [(settings[n].get(parameter) or {}).get(entry, UNSET) for n in names]
                if _differ(values):
                    rows.append(
                        {
                            "parameter": parameter,
                            "key": entry,
                            **dict(zip(names, values, strict=True)),
                        }
                    )
            continue
        values = [settings[n].get(parameter) for n in names]
        if _differ(values):
            rows.append(
                {"parameter": parameter, "key": "", **dict(zip(names, values, strict=True))}
            )
    return pd.DataFrame(rows, columns=["parameter", "key", *names], dtype=object)


def _differ(values: list[Any]) -> bool:
    first = values[0]
    return any(not _same(first, other) for other in values[1:])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def district_coverage(plans: Mapping[str, Plan], package: CityPackage) -> pd.DataFrame:
    """Per district (index district_id): `name` and one coverage column per plan (NaN where
    the district has no demand in that plan)."""
    districts = package.districts
    table = pd.DataFrame(
        {"name": districts["name"].to_numpy()},
        index=pd.Index(districts["district_id"].to_numpy(), name="district_id"),
    )
    for name, plan in plans.items():
        # NaN (a count hidden for this reader) stays NaN: no sum of what is shown passes
        # for a district's total.
        sums = plan.coverage.groupby("district_id")[["demand", "served"]].sum(skipna=False)
        sums = sums.reindex(table.index).fillna(0.0)
        demand = sums["demand"].where(sums["demand"] > 0)
        table[name] = (sums["served"] / demand).astype(float)
    return table


def coverage_difference(tables: ComparisonTables, first: str, second: str) -> pd.DataFrame:
    """Per district: `name`, `first` and `second` coverage (shares) and `difference`, the
    change from `first` to `second` in percentage points (NaN without demand in either)."""
    coverage = tables.district_coverage
    frame = pd.DataFrame(
        {"name": coverage["name"], "first": coverage[first], "second": coverage[second]}
    )
    frame["difference"] = (frame["second"] - frame["first"]) * 100.0
    return frame


def _totals(plan: Plan, coverage: pd.Series) -> dict[str, float]:
    """A plan's row of `totals`. A figure hidden from this reader (None in a disclosed
    plan's totals, service.plans) is NaN, never 0."""
    totals = plan.totals
    served = _number(totals.served)
    spent = _number(totals.money_spent)
    spent = 0.0 if math.isnan(spent) else spent
    status_quo = plan.baselines.status_quo
    extra = served - _number(status_quo.served) if status_quo is not None else math.nan
    with_demand = coverage.dropna().to_numpy(float)
    if len(with_demand):
        low, q1, q3, high = np.quantile(with_demand, [0.0, 0.25, 0.75, 1.0])
    else:
        low = q1 = q3 = high = math.nan
    return {
        "demand": _number(totals.demand),
        "served": served,
        "unmet": _number(totals.unmet),
        "coverage": _number(totals.coverage),
        "budget": _number(totals.budget),
        "money_spent": spent,
        "units_added": _number(totals.units_added),
        "money_per_unit_served": spent / served if served > 0 else math.nan,
        "cost_per_additional_unit_served": spent / extra if extra > 0 else math.nan,
        "lowest_district_coverage": float(low),
        "coverage_spread": float(high - low),
        "coverage_iqr": float(q3 - q1),
    }


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _funding_by_agency(plans: Mapping[str, Plan], package: CityPackage) -> pd.DataFrame:
    names = package.agencies.set_index("agency_id")["name"].astype(str)
    amounts = {
        name: plan.funding.groupby("agency_id")["amount"].sum() for name, plan in plans.items()
    }
    funded = sorted({str(a) for series in amounts.values() for a in series.index})
    index = pd.Index(funded, name="agency_id", dtype=object)
    table = pd.DataFrame({"agency_name": [names.get(a, a) for a in funded]}, index=index)
    for name, series in amounts.items():
        table[name] = series.reindex(index).fillna(0.0).astype(float)
    order = table[list(plans)].max(axis=1).sort_values(ascending=False, kind="stable").index
    return table.loc[order]


def _funding_difference(funding: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    reference, others = names[0], names[1:]
    rows = [
        pd.DataFrame(
            {
                "agency_id": funding.index.to_numpy(),
                "agency_name": funding["agency_name"].to_numpy(),
                "plan": name,
                "difference": (funding[name] - funding[reference]).to_numpy(float),
            }
        )
        for name in others
    ]
    if not rows:
        return pd.DataFrame(columns=["agency_id", "agency_name", "plan", "difference"])
    return pd.concat(rows, ignore_index=True)


def _funding_by_funder(plans: Mapping[str, Plan], package: CityPackage) -> pd.DataFrame:
    funders = package.funders
    table = pd.DataFrame(
        {"funder_name": funders["name"].astype(str).to_numpy()},
        index=pd.Index(funders["funder_id"].astype(str).to_numpy(), name="funder_id"),
    )
    for name, plan in plans.items():
        spent = plan.funding.groupby("funder_id")["amount"].sum()
        table[name] = spent.reindex(table.index).fillna(0.0).astype(float)
    return table
