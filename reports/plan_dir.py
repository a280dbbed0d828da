"""A plan folder, as `python -m planner plan --out` writes it: plan.json and three tables.

`load_plan_dir(folder)` reads it back as a `PlanRecord` (a missing or unreadable file is
`InvalidInput`, each problem naming its file); `PlanRecord.from_plan(plan)` is the same record
of a plan still in memory, so a report reads both the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.cells import restore
from planner.i18n import t
from planner.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from planner.optimiser import Plan

PLAN_FILES = ("plan.json", "funding.csv", "capacity_added.csv", "coverage.csv")
ROBUST_FILE = "robust.json"
"""Optional: the plan for bad months against the plan (`plan --robust`), read when present."""
_TABLE_IDS = (
    ("funding.csv", ["funder_id", "agency_id", "service_id"]),
    ("capacity_added.csv", ["agency_id", "service_id"]),
    ("coverage.csv", ["district_id", "service_id"]),
)
"""Each table of a plan folder and its id columns (read as text, never as numbers)."""


@dataclass(frozen=True, eq=False)
class PlanRecord:
    """A plan as written to a folder: plan.json's summary and the three tables."""

    summary: dict[str, Any]
    funding: pd.DataFrame
    capacity_added: pd.DataFrame
    coverage: pd.DataFrame
    robust: dict[str, Any] | None = field(default=None)
    """The plan for bad months against this plan (planner.robust.RobustComparison.to_dict)."""

    @classmethod
    def from_plan(cls, plan: Plan, robust: dict[str, Any] | None = None) -> PlanRecord:
        summary = json.loads(json.dumps(plan.summary()))
        return cls(summary, plan.funding, plan.capacity_added, plan.coverage, robust)

    @property
    def has_plan(self) -> bool:
        return self.summary.get("status") in ("optimal", "time_limit")


def load_plan_dir(plan_dir: str | Path) -> PlanRecord:
    """Read a folder written by `plan --out`; a missing or unreadable file is InvalidInput."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise InvalidInput([Problem(str(folder), message=t("is not a folder written by `plan`"))])
    problems = [
        Problem(f"{folder / name}", message=t("is missing (write the plan with `plan --out`)"))
        for name in PLAN_FILES
        if not (folder / name).is_file()
    ]
    if problems:
        raise InvalidInput(problems)
    summary = _read_summary(folder / "plan.json")
    funding, capacity, coverage = (_read_table(folder / name, ids) for name, ids in _TABLE_IDS)
    robust = None
    if (folder / ROBUST_FILE).is_file():
        robust = _read_robust(folder / ROBUST_FILE)
    return PlanRecord(summary, funding, capacity, coverage, robust=robust)


def _read_robust(path: Path) -> dict[str, Any]:
    try:
        robust = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            [Problem(path.name, message=t("cannot be read: {error}", error=exc))]
        ) from None
    if not isinstance(robust, dict) or not isinstance(robust.get("rows"), list):
        raise InvalidInput([Problem(path.name, message=t("is not a plan written by `plan`"))])
    return robust


def _read_summary(path: Path) -> dict[str, Any]:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            [Problem(path.name, message=t("cannot be read: {error}", error=exc))]
        ) from None
    if not isinstance(summary, dict) or "totals" not in summary or "scenario" not in summary:
        raise InvalidInput([Problem(path.name, message=t("is not a plan written by `plan`"))])
    return summary


def _read_table(path: Path, ids: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype={column: str for column in ids})
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            [Problem(path.name, message=t("cannot be read: {error}", error=exc))]
        ) from None
    for column in frame.columns:  # the quote `Plan.write` put before a formula-like text
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].map(restore, na_action="ignore")
    return frame
