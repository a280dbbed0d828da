"""Population groups as an audience may see them (issue 15): groups make cells smaller.

For an audience with exact counts the plan's tables by group are as solved. For any other:

- the coverage by group is given city-wide only, per group and service (languages summed,
  `language` "*", `district_id` "*"), suppressed at the audience's k as one table of groups ×
  (service, served | unmet) with its totals, by `planner.disclosure.suppress_coverage`; a
  district's cell by group is never shown (it would be a smaller cell of a table already
  suppressed on its own);
- the coverage table loses `priority_unmet` (unmet weighted by group: it would give back
  hidden cells);
- each floor's price keeps its group, its floor and its money; its counts (the group's demand
  and served, the weighted units) are shown only when at least k, else None, and the money
  goes with the units.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planner.disclosure import TOTAL, suppress_coverage, suppress_table
from planner.i18n import N_
from planner.optimise.plan import Plan
from planner.optimise.readback import GROUP_COVERAGE_COLUMNS
from planner.package import CityPackage
from service.access import Actor
from service.audience import Audience

CITY_WIDE = "*"


def disclose_groups(plan: Plan, package: CityPackage, audience: Audience) -> Plan:
    """`plan`'s group tables as `audience` may see them (pure)."""
    if audience.exact_counts:
        return plan
    changes: dict[str, Any] = {}
    if "priority_unmet" in plan.coverage:
        changes["coverage"] = plan.coverage.drop(columns="priority_unmet")
    if not plan.coverage_by_group.empty:
        changes["coverage_by_group"] = suppressed_group_coverage(
            plan.coverage_by_group, package, audience.k
        )
    if plan.fairness:
        changes["fairness"] = tuple(_price_shown(p, package, audience.k) for p in plan.fairness)
    return dataclasses.replace(plan, **changes) if changes else plan


def suppressed_group_coverage(groups: pd.DataFrame, package: CityPackage, k: int) -> pd.DataFrame:
    """City-wide coverage per group and service, suppressed at k (hidden figures NaN)."""
    city = (
        groups.groupby(["population", "service_id"], sort=True)[["demand", "served", "unmet"]]
        .sum()
        .reset_index()
    )
    units = package.services.set_index(package.services["service_id"].astype(str))[
        "units_per_case"
    ].astype(float)
    table = suppress_coverage(
        city.rename(columns={"population": "district_id"}), units, k
    ).coverage.rename(columns={"district_id": "population"})
    table["district_id"] = CITY_WIDE
    table["language"] = CITY_WIDE
    return pd.DataFrame(table[GROUP_COVERAGE_COLUMNS]).reset_index(drop=True)


def _price_shown(price, package: CityPackage, k: int):  # type: ignore[no-untyped-def]
    def shown(value: float | None) -> float | None:
        return value if value is not None and value >= k else None

    units = (
        price.units if price.units is not None and (price.units == 0 or price.units >= k) else None
    )
    return dataclasses.replace(
        price,
        units=units,
        money=price.money if units is not None else None,
        group_served=shown(price.group_served),
        group_served_without=shown(price.group_served_without),
        group_demand=shown(price.group_demand),
    )


@dataclass(frozen=True, eq=False)
class GroupOverview:
    """The Overview's figures by group for one reader: today's coverage by group (the
    status quo: today's capacity, no new money; `coverage_by_group`'s columns), the cases of
    the last 12 months by group for one exploitation type or all (population, name, cases;
    NaN where hidden), and the exploitation types recorded."""

    coverage: pd.DataFrame | None
    cases: pd.DataFrame
    exploitation_types: tuple[str, ...]


def overview_groups(
    actor: Actor, city_name: str, exploitation: str | None = None, *, wait: bool = True
) -> GroupOverview:
    """The Overview's figures by group as `actor` may see them (aggregates: funders,
    partners and up). Cases by group are one column with its total, suppressed at k for a
    reader without exact counts; the coverage is the status quo's, disclosed as any plan's
    (None while the status quo of this data version is being solved, with `wait=False`)."""
    from planner import overview as domain
    from service import plans, store
    from service.access import Action, require
    from service.audience import audience_for
    from service.city import require_city

    require(actor, Action.VIEW_AGGREGATES, N_("see the city's aggregates"))
    require_city(actor, city_name)
    audience = audience_for(actor, city_name=city_name)
    version = store.data_version(city_name)
    package = store.exact_package(city_name, version)
    if len(getattr(package, "populations", ())) == 0:
        empty = pd.DataFrame()
        return GroupOverview(empty, empty, ())
    cases = domain.recent_cases_by_group(package, exploitation)
    if not audience.exact_counts and len(cases):
        counts = cases.set_index("population")[["cases"]].round().astype("int64")
        shown = suppress_table(counts, audience.k, row_totals=False, column_totals=True).shown
        values = pd.to_numeric(shown.drop(index=TOTAL)["cases"], errors="coerce")
        cases = cases.assign(cases=values.reindex(cases["population"]).to_numpy(float))
    return GroupOverview(
        coverage=(
            None
            if not wait and not plans.status_quo_ready(city_name, version)
            else plans.status_quo_groups_for(audience, city_name, version)
        ),
        cases=cases,
        exploitation_types=tuple(domain.exploitation_types(package)),
    )
