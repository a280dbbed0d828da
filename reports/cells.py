"""District cells of a report and their suppression for an audience.

Figures are units of service, not people: demand, served and unmet are summed over the
horizon in unit-months. For every audience but the analyst the cells are protected by the
service layer's rule for a plan's coverage (`planner.disclosure.suppress_coverage`): served
and unmet become counts of cases (units / units_per_case, rounded), suppressed as one table
with complementary suppression, and every figure shown is its protected count times the
units per case (demand: served + unmet).
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
        if status == disclosure.WITHHELD:
            return disclosure.WITHHELD_LABEL
        return disclosure.primary_label(self.k)


def protect_cells(coverage: pd.DataFrame, units_per_case: pd.Series, k: int) -> DistrictCells:
    """The plan's coverage (district_id, service_id, demand, served, unmet, coverage) with
    its district cells suppressed at `k` cases (nothing hidden when k <= 1)."""
    cells = coverage.copy()
    for column in COLUMNS:
        cells[f"{column}_shown"] = True
    if cells.empty or k <= 1:
        return DistrictCells(cells, k)
    if cells[list(COLUMNS)].isna().to_numpy().any():
        return _disclosed_cells(cells, k)
    ids = cells["service_id"].astype(str).unique()
    per_case = pd.Series(
        {sid: float(units_per_case.get(sid, 1.0) or 1.0) for sid in ids}, dtype=float
    )
    return _suppressed_cells(cells, per_case, k)


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


def _suppressed_cells(cells: pd.DataFrame, per_case: pd.Series, k: int) -> DistrictCells:
    """The plan's exact coverage suppressed by the rule the service layer applies to a plan
    for an audience without exact counts (`planner.disclosure.suppress_coverage`): every
    figure is its protected count of cases times the units per case, so what the report
    shows (and sums into a service's city total) is exactly what was checked."""
    table = disclosure.suppress_coverage(cells, per_case, k)
    frame = cells.reset_index(drop=True).copy()
    for column in COLUMNS:
        frame[column] = table.units[column].to_numpy()
        status = table.status[column]
        frame[f"{column}_shown"] = (status == disclosure.SHOWN).to_numpy()
        frame[f"status_{column}"] = status.to_numpy()
    frame["coverage"] = table.coverage["coverage"].to_numpy()
    city_status: dict[str, dict[str, str]] = {}
    for service_id in per_case.index:
        served = str(table.city_status.get(f"{service_id}\tserved_cases", disclosure.SHOWN))
        unmet = str(table.city_status.get(f"{service_id}\tunmet_cases", disclosure.SHOWN))
        demand = disclosure.SHOWN
        if disclosure.WITHHELD in (served, unmet):
            demand = disclosure.WITHHELD
        elif served != disclosure.SHOWN or unmet != disclosure.SHOWN:
            demand = disclosure.COMPLEMENT
        city_status[str(service_id)] = {"served": served, "unmet": unmet, "demand": demand}
    return DistrictCells(frame, k, city_status)
