"""Tables that explain a plan to people: by district, by agency, against the baselines.

The app, the reports and the CLI share them; the optimiser's own tables stay as they are.
"""

from __future__ import annotations

import pandas as pd

from planner.optimiser import Plan
from planner.package import CityPackage
from planner.plan_words import BASELINE_NAMES


def comparison_with_baselines(plan: Plan) -> pd.DataFrame:
    """One row per plan (the optimised one first): served, unmet, coverage, money spent."""
    rows = [{"plan": "Optimised", **plan.totals.to_dict()}]
    rows += [
        {"plan": BASELINE_NAMES.get(r.name, r.name), **(r.totals.to_dict() if r.totals else {})}
        for r in plan.baselines
    ]
    table = pd.DataFrame(rows)
    columns = ["plan", "served", "unmet", "coverage", "weighted_unmet", "money_spent"]
    return table.reindex(columns=columns)


def coverage_by_district(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """Per district (indexed by district_id): name, demand, served, unmet and coverage, all
    services together in their own units, and the lowest coverage of any one service."""
    return district_coverage(plan.coverage, package)


def coverage_before_and_after(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """Per district (indexed by district_id): name, demand, coverage before the plan (the
    status quo: today's capacity in the same scenario), after it, and the change in
    percentage points, largest first. Empty when the plan has no status quo to compare."""
    if plan.status_quo_coverage.empty:
        return pd.DataFrame(columns=["name", "demand", "before", "after", "change_points"])
    after = coverage_by_district(plan, package)
    return coverage_change(after, district_coverage(plan.status_quo_coverage, package))


def coverage_change(after: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """`coverage_before_and_after` from two `district_coverage` tables."""
    table = after[["name", "demand"]].assign(before=before["coverage"], after=after["coverage"])
    table["change_points"] = 100 * (table["after"] - table["before"])
    return table.sort_values("change_points", ascending=False, kind="stable")


def district_coverage(coverage: pd.DataFrame, package: CityPackage) -> pd.DataFrame:
    """`coverage_by_district` of any coverage table (a plan's or a baseline's)."""
    names = package.districts.set_index("district_id")["name"]
    if coverage.empty:
        return pd.DataFrame(
            {"name": names, "demand": 0.0, "served": 0.0, "unmet": 0.0, "coverage": 1.0}
        )
    # A count hidden from the reader (NaN) leaves its district's sums NaN: a sum of what is
    # shown never passes for the district's total.
    totals = coverage.groupby("district_id")[["demand", "served", "unmet"]].sum(skipna=False)
    hidden = totals["demand"].isna()
    with_demand = coverage[coverage["demand"] > 0]
    lowest = with_demand.groupby("district_id")["coverage"].min()
    table = pd.DataFrame({"name": names}).join(totals, how="left")
    missing = ~table.index.isin(totals.index)
    table.loc[missing, ["demand", "served", "unmet"]] = 0.0
    table["coverage"] = table["served"] / table["demand"].where(table["demand"] > 0)
    table.loc[~table["coverage"].notna() & ~table.index.isin(hidden[hidden].index), "coverage"] = (
        1.0
    )
    table["lowest_service_coverage"] = lowest.reindex(table.index)
    no_demand = table["lowest_service_coverage"].isna() & ~table.index.isin(hidden[hidden].index)
    table.loc[no_demand, "lowest_service_coverage"] = 1.0
    return table


def added_by_district(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """Units added and money spent per district where the agencies that get them are, indexed
    by district_id (every district, zeros included), with one column of units per service."""
    names = package.districts.set_index("district_id")["name"]
    table = pd.DataFrame({"name": names})
    added = plan.capacity_added
    if added.empty:
        table["units"] = 0.0
        table["cost"] = 0.0
        return table
    located = added.merge(package.agencies[["agency_id", "district_id"]], on="agency_id")
    table = table.join(located.groupby("district_id")[["units", "cost"]].sum()).fillna(0.0)
    per_service = located.pivot_table(
        index="district_id", columns="service_id", values="units", aggfunc="sum"
    )
    return table.join(per_service).fillna(0.0)


def funding_by_agency(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """The funding table with the agencies', services' and funders' names."""
    funding = plan.funding
    agencies = package.agencies.set_index("agency_id")[["name", "kind"]].add_prefix("agency_")
    services = package.services.set_index("service_id")["name"].rename("service")
    funders = package.funders.set_index("funder_id")["name"].rename("funder")
    table = funding.join(agencies, on="agency_id").join(services, on="service_id")
    table = table.join(funders, on="funder_id")
    columns = ["funder", "agency_name", "agency_kind", "service", "amount"]
    return table[columns].sort_values("amount", ascending=False).reset_index(drop=True)


# --- population groups (issue 15) ------------------------------------------------------------

GROUP_TABLE_COLUMNS = ["population", "name", "demand", "served", "unmet", "coverage"]


def population_names(package: CityPackage) -> dict[str, str]:
    """Each group's name from populations.csv (its id where it has none; `any` as itself)."""
    from planner.groups import populations

    frame = populations(package)
    return dict(zip(frame["population_id"], frame["name"], strict=True))


def coverage_by_group(
    plan: Plan, package: CityPackage, service_id: str | None = None
) -> pd.DataFrame:
    """City-wide per population group (one service, or all services in their own units):
    name, demand, served, unmet, coverage. Empty for a plan without groups. NaN counts (hidden
    from the reader) leave their sums NaN, as in `district_coverage`."""
    groups = plan.coverage_by_group
    if groups.empty:
        return pd.DataFrame(columns=GROUP_TABLE_COLUMNS)
    if service_id is not None:
        groups = groups[groups["service_id"] == service_id]
    totals = groups.groupby("population", sort=True)[["demand", "served", "unmet"]].sum(min_count=1)
    if groups[["served", "unmet"]].isna().any().any():
        hidden = groups[["served", "unmet"]].isna().any(axis=1).groupby(groups["population"]).any()
        totals.loc[hidden[hidden].index, ["demand", "served", "unmet"]] = float("nan")
    table = totals.reset_index()
    names = population_names(package)
    table["name"] = [names.get(p, p) for p in table["population"]]
    table["coverage"] = table["served"] / table["demand"].where(table["demand"] > 0)
    return pd.DataFrame(table[GROUP_TABLE_COLUMNS])


def coverage_by_group_and_service(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """City-wide per group and service: population, name, service_id, demand, served, unmet,
    coverage (the Plan page's and the report's table by group)."""
    groups = plan.coverage_by_group
    columns = ["population", "name", "service_id", "demand", "served", "unmet", "coverage"]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    table = (
        groups.groupby(["population", "service_id"], sort=True)[["demand", "served", "unmet"]]
        .sum(min_count=1)
        .reset_index()
    )
    names = population_names(package)
    table["name"] = [names.get(p, p) for p in table["population"]]
    table["coverage"] = table["served"] / table["demand"].where(table["demand"] > 0)
    return pd.DataFrame(table[columns])


def coverage_by_language(plan: Plan) -> pd.DataFrame:
    """City-wide per language need ('' : none): demand, served, unmet, coverage."""
    groups = plan.coverage_by_group
    columns = ["language", "demand", "served", "unmet", "coverage"]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    table = (
        groups.groupby("language", sort=True)[["demand", "served", "unmet"]]
        .sum(min_count=1)
        .reset_index()
    )
    table["coverage"] = table["served"] / table["demand"].where(table["demand"] > 0)
    return pd.DataFrame(table[columns])


def fairness_table(plan: Plan, package: CityPackage) -> pd.DataFrame:
    """One row per group floor in force: the group's name, its floor, its coverage with and
    without the floor, and the floor's price in weighted units and in money (None: no price)."""
    columns = [
        "population",
        "name",
        "floor",
        "coverage",
        "coverage_without",
        "price_units",
        "price_money",
    ]
    names = population_names(package)
    rows = []
    for price in plan.fairness:
        demand = price.group_demand
        rows.append(
            {
                "population": price.population_id,
                "name": names.get(price.population_id, price.population_id),
                "floor": price.floor,
                "coverage": (
                    price.group_served / demand
                    if demand and price.group_served is not None
                    else None
                ),
                "coverage_without": (
                    price.group_served_without / demand
                    if demand and price.group_served_without is not None
                    else None
                ),
                "price_units": price.units,
                "price_money": price.money,
            }
        )
    return pd.DataFrame(rows, columns=columns)
