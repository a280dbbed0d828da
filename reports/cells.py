"""District cells of a report and their suppression for an audience.

Figures are units of service, not people: demand, served and unmet are summed over the
horizon in unit-months. For every audience but the analyst a cell is protected as a count of
cases (its units divided by the service's units_per_case, rounded), and
`planner.disclosure` hides the small ones, with complementary suppression over the
districts and the city total of each service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planner import disclosure

COLUMNS = ("demand", "served", "unmet")


@dataclass(frozen=True, eq=False)
class DistrictCells:
    """Per district and service: the plan's units, with `<column>_shown` flags and, when
    something is hidden, `status_<column>` (disclosure's SHOWN, PRIMARY or COMPLEMENT).

    `city_status`: per service, the status of its city totals (served, unmet, demand)."""

    frame: pd.DataFrame
    k: int
    city_status: dict[str, dict[str, str]] = field(default_factory=dict)

    def shown(self, district_id: str, service_id: str, column: str) -> bool:
        cells = self.frame
        match = cells[(cells["district_id"] == district_id) & (cells["service_id"] == service_id)]
        return bool(len(match)) and bool(match[f"{column}_shown"].all())

    def label(self, row: pd.Series, column: str) -> object:
        """A cell's value, or the label that stands for it when hidden."""
        if row[f"{column}_shown"]:
            return float(row[column])
        return self._hidden_label(row.get(f"status_{column}"))

    def city_label(self, service_id: str, column: str, value: float) -> object:
        """A service's city total, or its label when the district table had to hide it."""
        status = self.city_status.get(service_id, {}).get(column, disclosure.SHOWN)
        if status == disclosure.SHOWN:
            return value
        return self._hidden_label(status)

    def _hidden_label(self, status: object) -> str:
        if status == disclosure.COMPLEMENT:
            return disclosure.COMPLEMENT_LABEL
        return disclosure.primary_label(self.k)


def protect_cells(coverage: pd.DataFrame, units_per_case: pd.Series, k: int) -> DistrictCells:
    """The plan's coverage (district_id, service_id, demand, served, unmet, coverage) with
    each service's district table suppressed at `k` cases (nothing hidden when k <= 1)."""
    cells = coverage.copy()
    for column in COLUMNS:
        cells[f"{column}_shown"] = True
    if cells.empty or k <= 1:
        return DistrictCells(cells, k)
    if cells[list(COLUMNS)].isna().to_numpy().any():
        return _disclosed_cells(cells, k)
    parts = []
    city_status: dict[str, dict[str, str]] = {}
    for service_id, rows in cells.groupby("service_id", sort=False):
        per_case = float(units_per_case.get(service_id, 1.0) or 1.0)
        protected, city_status[str(service_id)] = _protect_service(rows, per_case, k)
        parts.append(protected)
    frame = pd.concat(parts).sort_index().reset_index(drop=True)
    return DistrictCells(frame, k, city_status)


def _disclosed_cells(cells: pd.DataFrame, k: int) -> DistrictCells:
    """A plan already disclosed for its audience (service.plans.disclose_plan: one
    suppression over every service, hidden figures NaN): nothing is suppressed again, a
    hidden figure is shown as "x", and a service's city total only when every district's
    figure of it is shown (a sum of what is shown tells nothing new)."""
    city_status: dict[str, dict[str, str]] = {}
    for column in COLUMNS:
        hidden = cells[column].isna()
        cells[f"{column}_shown"] = ~hidden
        cells[f"status_{column}"] = hidden.map(
            {True: disclosure.COMPLEMENT, False: disclosure.SHOWN}
        )
        cells[column] = cells[column].fillna(0.0)
        for service_id, any_hidden in hidden.groupby(cells["service_id"]).any().items():
            status = disclosure.COMPLEMENT if any_hidden else disclosure.SHOWN
            city_status.setdefault(str(service_id), {})[column] = status
    return DistrictCells(cells.reset_index(drop=True), k, city_status)


def _protect_service(
    rows: pd.DataFrame, per_case: float, k: int
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One service's districts as case counts (served and unmet, demand their row total)
    suppressed together with the city total."""
    demand_cases = (rows["demand"] / per_case).round().astype("int64").clip(lower=0)
    served_cases = (rows["served"] / per_case).round().astype("int64").clip(lower=0)
    served_cases = served_cases.clip(upper=demand_cases)
    counts = pd.DataFrame(
        {"served": served_cases.to_numpy(), "unmet": (demand_cases - served_cases).to_numpy()},
        index=rows["district_id"].to_numpy(),
    )
    table = disclosure.suppress_table(counts, k, row_totals=True, column_totals=True)
    city = table.status.loc[disclosure.TOTAL]
    city_status = {
        "served": str(city["served"]),
        "unmet": str(city["unmet"]),
        "demand": str(city[disclosure.TOTAL]),
    }
    status = table.status.drop(index=disclosure.TOTAL)
    rows = rows.copy()
    for column, source in (("served", "served"), ("unmet", "unmet"), ("demand", disclosure.TOTAL)):
        rows[f"{column}_shown"] = (status[source] == disclosure.SHOWN).to_numpy()
        rows[f"status_{column}"] = status[source].to_numpy()
    return rows, city_status
