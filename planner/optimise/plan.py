"""`Plan`: what one solve returns, immutable, with its tables, totals, diagnostics and findings.

A plan holds codes and values, no sentences (planner.findings): one solve serves every
language and every reader; reports.words says it for a reader."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.cells import neutralise_frame
from planner.findings import (
    Baselines,
    Diagnostics,
    Finding,
    Totals,
    findings_from_json,
    findings_to_json,
)
from planner.scenario import Scenario

FUNDING_COLUMNS = ["funder_id", "agency_id", "service_id", "amount"]
CAPACITY_COLUMNS = ["agency_id", "service_id", "units"]
COVERAGE_COLUMNS = ["district_id", "service_id", "demand", "served", "unmet", "coverage"]
PLAN_STATUSES = ("optimal", "time_limit", "infeasible", "unbounded", "not_solved", "error")


@dataclass(frozen=True, eq=False)
class Plan:
    """A solved (or explained) scenario.

    `funding`: funder_id, agency_id, service_id, amount. `capacity_added`: agency_id,
    service_id, units (plus `opened` and `cost`). `coverage`: district_id, service_id, demand,
    served, unmet (units summed over the horizon), coverage (served / demand; NaN without
    demand). `assignments`: district_id, agency_id, service_id, periods (a block of months
    with the same demand), months, served_per_month, dist_km. `status_quo_coverage`: the
    coverage table of the status quo baseline (the same scenario with no new money; empty
    when the baselines were not evaluated), for "before and after". `times` in seconds:
    build, handover, solve, readback (the integer run), and lp_relaxation, baselines, total.
    `findings`: what limits the plan, why it cannot hold, and notes on its inputs and demand
    (planner.findings); `diagnostics` the figures behind them.
    """

    scenario: Scenario
    status: str
    solver: str
    solver_version: str
    gap: float | None
    objective: float | None
    times: dict[str, float]
    size: dict[str, int]
    funding: pd.DataFrame
    capacity_added: pd.DataFrame
    coverage: pd.DataFrame
    totals: Totals
    diagnostics: Diagnostics
    baselines: Baselines
    findings: tuple[Finding, ...] = field(default=())
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    status_quo_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Issue 15: demand, served, unmet per district, service, population and language
    #: (readback.GROUP_COVERAGE_COLUMNS; empty for a package without groups), and the price
    #: of every group floor in force (planner.optimise.fairness.FairnessPrice).
    coverage_by_group: pd.DataFrame = field(default_factory=pd.DataFrame)
    fairness: tuple[Any, ...] = field(default=())
    waiting: Any = None  # planner.queues.Waiting (FLOW, issue 16): waits before and after
    years: Any = None  # planner.years.YearsResult (YEARS, issue 20): None = one horizon

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit")

    def summary(self) -> dict[str, Any]:
        """Everything but the tables, JSON-able (what plan.json holds)."""
        return _jsonable(
            {
                "scenario": self.scenario.to_dict(),
                "status": self.status,
                "solver": self.solver,
                "solver_version": self.solver_version,
                "gap": self.gap,
                "objective": self.objective,
                "times_s": self.times,
                "size": self.size,
                "totals": self.totals.to_dict(),
                "diagnostics": self.diagnostics.to_dict(),
                "baselines": self.baselines.to_dict(),
                "findings": findings_to_json(self.findings),
                **self._groups_summary(),
                **({"waiting": self.waiting.to_dict()} if self.waiting is not None else {}),
                **({"years": self.years.to_dict()} if self.years is not None else {}),
            }
        )

    def _groups_summary(self) -> dict[str, Any]:
        """plan.json's `groups` (issue 15): coverage by group city-wide and each floor's
        price; absent for a package without groups, so a version-1 plan.json is unchanged."""
        if self.coverage_by_group.empty and not self.fairness:
            return {}
        by_group = (
            self.coverage_by_group.groupby(["population", "service_id"], sort=True)[
                ["demand", "served", "unmet"]
            ]
            .sum()
            .reset_index()
            if not self.coverage_by_group.empty
            else pd.DataFrame()
        )
        return {
            "groups": {
                "coverage": by_group,
                "fairness": [price.to_dict() for price in self.fairness],
            }
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write plan.json, funding.csv, capacity_added.csv and coverage.csv; return the paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "plan.json"]
        paths[0].write_text(
            json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        tables = (
            ("funding.csv", self.funding, FUNDING_COLUMNS),
            ("capacity_added.csv", self.capacity_added, CAPACITY_COLUMNS),
            ("coverage.csv", self.coverage, COVERAGE_COLUMNS),
        )
        for name, frame, columns in tables:
            path = out / name
            # names a spreadsheet would run as formulas are quoted; reports.plan_dir restores
            neutralise_frame(frame[columns]).to_csv(path, index=False, float_format="%.12g")
            paths.append(path)
        if not self.coverage_by_group.empty:
            path = out / "coverage_by_group.csv"
            neutralise_frame(self.coverage_by_group).to_csv(path, index=False, float_format="%.12g")
            paths.append(path)
        return paths


def summary_findings(summary: dict[str, Any]) -> tuple[Finding, ...]:
    """The findings of a plan.json summary (none for a plan saved before findings existed)."""
    return findings_from_json(summary.get("findings"))


def summary_parts(summary: dict[str, Any]) -> tuple[Totals, Diagnostics, Baselines]:
    """The typed totals, diagnostics and baselines of a plan.json summary."""
    return (
        Totals.from_dict(summary.get("totals") or {}),
        Diagnostics.from_dict(summary.get("diagnostics")),
        Baselines.from_dict(summary.get("baselines")),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.to_dict(orient="records"))
    return value


def empty_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    funding = pd.DataFrame(
        {
            "funder_id": pd.Series(dtype=str),
            "agency_id": pd.Series(dtype=str),
            "service_id": pd.Series(dtype=str),
            "amount": pd.Series(dtype=float),
        }
    )
    capacity = pd.DataFrame(
        {
            "agency_id": pd.Series(dtype=str),
            "service_id": pd.Series(dtype=str),
            "units": pd.Series(dtype=float),
            "opened": pd.Series(dtype=bool),
            "cost": pd.Series(dtype=float),
        }
    )
    coverage = pd.DataFrame({c: pd.Series(dtype=float) for c in COVERAGE_COLUMNS})
    coverage = coverage.astype({"district_id": str, "service_id": str})
    return funding, capacity, coverage
