"""Issue 12, part 3: an attacker that tries to pin each suppressed count from everything one
audience can read.

Written independently of planner.disclosure and service.published: the attacker reads, as
a funder (and a partner) would, every table of case counts the service layer hands that
audience (the published history's cells and city totals, the public's city totals, the
Overview's cases per month and demand per service, the Capacity map's demand per district,
for all services and each, the Demand page's city history, for all services and each, the
visible package's demand), and turns each figure into a linear relation over the exact
unknown cells of the history (district × service × month, whole numbers ≥ 0):

- a shown count or total: the sum of its cells equals it;
- a count shown as "<k": it lies in 1..k-1; a complement ("x" in a table that is not
  withheld): at least k (docs/access.md: complements are counts that were not small);
- a derived figure (per month, in units: units per case × cases / months): its cells'
  weighted sum equals it.

scipy's `milp` (HiGHS, integer unknowns) then finds each hidden cell's smallest and largest
value; the test fails when one is pinned to a single value. The exact history must satisfy
every relation (else the attacker misread a figure, or the service publishes inconsistent
ones).

`ONE_CELL_CITY` is the issue's case: a history with a single small count, where the visible
cells and one exact total from another page (the Overview's against the Demand page's)
would give it back by subtraction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from planner.scenario import Scenario
from planner.settings import get_settings
from service.access import AccessDenied, Actor
from tests.app.conftest import ROOT
from tests.leak_city import (
    CITY,
    ONE_CELL_CITY,
    K,
    exact_history,
    leak_package,
    one_small_cell_package,
)
from tests.leak_db import ACTORS, build_database, copy_database

Cell = tuple[str, str, str]  # district_id, service_id, period


@dataclass
class Knowledge:
    """What one audience can read, as linear relations over the history's exact cells."""

    cells: list[Cell]
    lower: np.ndarray
    upper: np.ndarray
    rows: list[tuple[dict[int, float], float, float, str]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)

    @classmethod
    def over(cls, cells: list[Cell]) -> Knowledge:
        return cls(cells, np.zeros(len(cells)), np.full(len(cells), np.inf))

    def index(self) -> dict[Cell, int]:
        return {cell: i for i, cell in enumerate(self.cells)}

    def where(self, district: str | None, service: str | None, periods: set[str]) -> list[int]:
        return [
            i
            for i, (d, s, p) in enumerate(self.cells)
            if (district is None or d == district)
            and (service is None or s == service)
            and p in periods
        ]

    def sum_is(self, members: dict[int, float], low: float, high: float, source: str) -> None:
        if members:
            self.rows.append((members, low, high, source))

    def equal(self, members: dict[int, float], value: float, source: str) -> None:
        nearest = round(value)
        if abs(value - nearest) < 1e-6:
            value = float(nearest)
        self.sum_is(members, value - 1e-6, value + 1e-6, source)

    def label(
        self, members: dict[int, float], text: str, k: int, source: str, withheld: bool = False
    ) -> None:
        """A count as a table shows it: a number, "<k" or "x"."""
        text = str(text).strip()
        if text == f"<{k}":
            self.sum_is(members, 1, k - 1, source)
        elif text == "x":
            if not withheld:
                self.sum_is(members, k, np.inf, source)
        elif text not in ("", "nan", "<NA>", "None"):
            self.equal(members, float(text.replace(",", "").replace("\u202f", "")), source)

    def check_truth(self, truth: np.ndarray) -> list[str]:
        wrong = []
        for members, low, high, source in self.rows:
            value = sum(w * truth[i] for i, w in members.items())
            if not low - 1e-4 <= value <= high + 1e-4:
                wrong.append(f"{source}: the truth gives {value:g}, not in [{low:g}, {high:g}]")
        for i in np.flatnonzero((truth < self.lower - 1e-9) | (truth > self.upper + 1e-9)):
            wrong.append(f"{self.cells[i]}: the truth {truth[i]:g} is outside its bounds")
        return wrong

    def ranges(self) -> dict[Cell, tuple[float, float]]:
        """Smallest and largest value of each hidden cell given everything read."""
        n = len(self.cells)
        matrix = np.zeros((len(self.rows), n))
        lows, highs = np.zeros(len(self.rows)), np.zeros(len(self.rows))
        for r, (members, low, high, _) in enumerate(self.rows):
            for i, w in members.items():
                matrix[r, i] = w
            lows[r], highs[r] = low, high
        constraints = [LinearConstraint(matrix, lows, highs)] if self.rows else []
        bounds = Bounds(self.lower, self.upper)
        found: dict[Cell, tuple[float, float]] = {}
        for i in sorted(self.hidden):
            ends = []
            for sign in (1.0, -1.0):
                objective = np.zeros(n)
                objective[i] = sign
                result = milp(
                    objective,
                    constraints=constraints,
                    integrality=np.ones(n),
                    bounds=bounds,
                    options={"time_limit": 30},
                )
                if result.status == 3:  # unbounded
                    ends.append(np.inf if sign < 0 else -np.inf)
                    continue
                assert result.success, f"{self.cells[i]}: {result.message}"
                ends.append(sign * result.fun)
            found[self.cells[i]] = (ends[0], ends[1])
        return found


def _history_cells(package_name: str) -> tuple[list[Cell], np.ndarray, pd.DataFrame]:
    package = leak_package() if package_name == CITY else one_small_cell_package()
    exact = exact_history(package)
    cells = [(r.district_id, r.service_id, r.period) for r in exact.itertuples()]
    return cells, exact["cases"].to_numpy(dtype=float), package.services


class Reader:
    """Reads one city as one actor, through the service layer, into `known`."""

    def __init__(self, actor: Actor, city: str) -> None:
        from service import city as city_service

        self.service = city_service
        self.actor, self.city = actor, city
        cells, _, services = _history_cells(city)
        self.known = Knowledge.over(cells)
        self.at = self.known.index()
        self.units = services.set_index("service_id")["units_per_case"].astype(float).fillna(1.0)
        self.history = city_service.published_history(actor, city)
        self.k = self.history.k
        self.periods = set(self.history.periods)
        self.recent = set(self.history.recent_periods)
        self.months = len(self.history.recent_periods)
        self.service_ids = [str(s) for s in self.units.index]

    def members(
        self, district: str | None, service: str | None, among: set[str], weight: bool = False
    ) -> dict[int, float]:
        cells = self.known.cells
        return {
            i: (float(self.units[cells[i][1]]) if weight else 1.0)
            for i in self.known.where(district, service, among)
        }

    def status(
        self, members: dict[int, float], status: str, cases: float, where: str, withheld: bool
    ) -> None:
        if status == "shown":
            self.known.equal(members, float(cases), where)
        elif status == "primary":
            self.known.sum_is(members, 1, self.k - 1, where)
        elif status == "complement" and not withheld:
            self.known.sum_is(members, self.k, np.inf, where)

    def published_history(self) -> None:
        """Cells with their status, the city's totals per service and month, and the sums
        the history derives from them."""
        cells = self.history.cells
        withheld = {
            s for s, rows in cells.groupby("service_id") if (rows["status"] == "withheld").all()
        }
        for row in cells.itertuples():
            i = self.at[(row.district_id, row.service_id, str(row.period))]
            if row.status != "shown":
                self.known.hidden.add(i)
            where = f"published_history.cells {row.district_id} {row.service_id} {row.period}"
            self.status({i: 1.0}, row.status, row.cases, where, row.service_id in withheld)
        for row in self.history.city.itertuples():
            group = self.members(None, row.service_id, {str(row.period)})
            where = f"published_history.city {row.service_id} {row.period}"
            self.status(group, row.status, row.cases, where, row.service_id in withheld)
        for frame, name in (
            (self.history.recent_by_service(), "recent_by_service"),
            (self.history.recent_by_district(), "recent_by_district"),
            (self.history.city_by_period(), "city_by_period"),
        ):
            for row in frame.dropna(subset=["cases"]).itertuples():
                among = {str(row.period)} if hasattr(row, "period") else self.recent
                group = self.members(
                    getattr(row, "district_id", None), getattr(row, "service_id", None), among
                )
                self.known.equal(group, float(row.cases), f"{name} {row}")

    def city_totals(self) -> None:
        """The public's table: cases of the last 12 months per service, and their total."""
        for row in self.service.city_totals(self.actor, self.city).itertuples():
            service = None if pd.isna(row.service_id) else str(row.service_id)
            group = self.members(None, service, self.recent)
            self.known.label(group, row.cases, self.k, f"city_totals {service}")

    def overview(self) -> None:
        """Cases per month over the last 12 months; demand per service in units per month."""
        try:
            overview = self.service.overview(self.actor, self.city)
        except AccessDenied:
            return
        if overview.cases_per_month is not None:
            group = self.members(None, None, self.recent)
            self.known.equal(
                group, overview.cases_per_month * self.months, "overview.cases_per_month"
            )
        for row in overview.services.dropna(subset=["demand_units"]).itertuples():
            group = self.members(None, str(row.service_id), self.recent, weight=True)
            where = f"overview.services {row.service_id} demand_units"
            self.known.equal(group, float(row.demand_units) * self.months, where)

    def capacity_map(self) -> None:
        """Demand per district in units per month, for all services and each."""
        for service in [None, *self.service_ids]:
            measures = self.service.capacity_map(self.actor, self.city, service).measures
            if "demand_units" not in measures.columns:
                continue
            for district, value in measures["demand_units"].dropna().items():
                group = self.members(str(district), service, self.recent, weight=True)
                where = f"capacity_map[{service}] {district} demand_units"
                self.known.equal(group, float(value) * self.months, where)

    def demand_fan(self) -> None:
        """The Demand page's history of the city per month, for all services and each."""
        for service in [None, *self.service_ids]:
            try:
                history, _ = self.service.demand_fan(self.actor, self.city, None, service)
            except AccessDenied:
                return
            for row in history.dropna(subset=["cases"]).itertuples():
                period = str(row.period)[:7]
                if period in self.periods:
                    group = self.members(None, service, {period})
                    self.known.equal(group, float(row.cases), f"demand_fan[{service}] {period}")

    def visible_package(self) -> None:
        """The package as the audience sees it: its demand rows."""
        demand = self.service.visible_package(self.actor, self.city).demand
        for row in demand.dropna(subset=["cases"]).itertuples():
            cell = (str(row.district_id), str(row.service_id), str(row.period)[:7])
            if cell in self.at:
                self.known.equal({self.at[cell]: 1.0}, float(row.cases), f"visible_package {cell}")


def read_everything(actor: Actor, city: str) -> Knowledge:
    """Every count of cases the actor's audience can read of the city, through the service."""
    reader = Reader(actor, city)
    reader.published_history()
    reader.city_totals()
    reader.overview()
    reader.capacity_map()
    reader.demand_fan()
    reader.visible_package()
    return reader.known


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def attacker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("attacker") / "template.db"
    build_database(path)
    return path


@pytest.fixture
def attacker_env(
    attacker_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = copy_database(attacker_db, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.delenv("HAVEN_SMALL_COUNT_K", raising=False)
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


# --- the attacks ----------------------------------------------------------------------------


def attack(actor: Actor, city: str) -> tuple[Knowledge, dict[Cell, tuple[float, float]]]:
    known = read_everything(actor, city)
    _, truth, _ = _history_cells(city)
    if not known.hidden:  # no cell shown at all (the public): the small ones are the secret
        known.hidden = {i for i, value in enumerate(truth) if 0 < value < K}
    wrong = known.check_truth(truth)
    assert not wrong, "the attacker misread a figure, or figures disagree:\n" + "\n".join(
        wrong[:20]
    )
    return known, known.ranges()


@pytest.mark.parametrize(
    ("role", "city"),
    [
        ("funder", CITY),
        ("funder", ONE_CELL_CITY),
        ("partner", CITY),
        ("public", CITY),
        ("public", ONE_CELL_CITY),
    ],
)
def test_no_suppressed_count_can_be_pinned(attacker_env: str, role: str, city: str) -> None:
    """A partner reads its own city only (tests/app/test_leaks.py); the public reads no
    district's counts, only the city's."""
    known, ranges = attack(ACTORS[role], city)
    assert known.hidden, "nothing is suppressed: the city has small counts in known cells"
    pinned = {cell: r for cell, r in ranges.items() if r[1] - r[0] < 1 - 1e-6}
    assert not pinned, f"{len(pinned)} suppressed count(s) pinned: {pinned}"


def test_every_small_count_is_suppressed(attacker_env: str) -> None:
    """The attacker is not attacking an empty set: the small cells are hidden from a funder."""
    from service import city as city_service

    history = city_service.published_history(ACTORS["funder"], CITY)
    cells = history.cells.assign(period=history.cells["period"].astype(str))
    exact = exact_history().merge(
        cells, on=["district_id", "service_id", "period"], suffixes=("", "_shown")
    )
    small = exact[(exact["cases"] > 0) & (exact["cases"] < K)]
    assert len(small) >= 5
    assert (small["status"] != "shown").all(), small[small["status"] == "shown"]


def test_the_issue_case_is_pinned_without_complementary_suppression() -> None:
    """The attacker catches the issue's leak: with the small cell hidden alone ("<k") and
    exact city totals per month from another page, the cell comes back exactly."""
    cells, truth, _ = _history_cells(ONE_CELL_CITY)
    known = Knowledge.over(cells)
    small = next(i for i, c in enumerate(cells) if c == ("D2", "legal_aid", "2025-11"))
    for i, value in enumerate(truth):
        if i == small:
            known.hidden.add(i)
            known.sum_is({i: 1.0}, 1, K - 1, "primary")
        else:
            known.equal({i: 1.0}, value, "shown")
    city_month = {i: 1.0 for i in known.where(None, "legal_aid", {"2025-11"})}
    known.equal(city_month, float(sum(truth[i] for i in city_month)), "Demand page's exact history")
    assert not known.check_truth(truth)
    assert known.ranges()[cells[small]] == (truth[small], truth[small])


# --- the plans' coverage ------------------------------------------------------------------

PlanCell = tuple[str, str, str, str]  # scenario, district_id, service_id, "served" | "unmet"


def _scenarios() -> list[Scenario]:
    from tests.leak_db import SAVED

    budget = float(leak_package().funders["budget"].sum())
    return [
        Scenario(name="Status quo", budget=0.0),
        Scenario(name="Everything"),
        *(Scenario(name=name, budget=budget * share) for name, share in SAVED),
    ]


def read_coverage(actor: Actor, truth_actor: Actor) -> tuple[Knowledge, np.ndarray]:
    """The coverage of several plans of the same horizon as `actor` reads them: served and
    unmet cases per district and service (units / units per case), hidden ones positive
    (zeros are shown), each plan's totals in units, and one demand per district and service
    behind every plan (served + unmet within 1 case of each other, as cases are rounded)."""
    from service import plans

    services = leak_package().services.set_index("service_id")
    units = services["units_per_case"].astype(float).fillna(1.0)
    shown_plans = {s.name: plans.run_plan(actor, CITY, s) for s in _scenarios()}
    exact_plans = {s.name: plans.run_plan(truth_actor, CITY, s) for s in _scenarios()}
    cells: list[PlanCell] = []
    truth: list[float] = []
    for name, plan in exact_plans.items():
        for row in plan.coverage.itertuples():
            for kind in ("served", "unmet"):
                cells.append((name, str(row.district_id), str(row.service_id), kind))
                truth.append(float(round(getattr(row, kind) / units[row.service_id])))
    known = Knowledge.over(cells)  # type: ignore[arg-type]
    at = {cell: i for i, cell in enumerate(cells)}
    for name, plan in shown_plans.items():
        _read_plan(known, at, name, plan, units)
    names = list(shown_plans)
    keys = {(d, s) for (_, d, s, _) in cells}
    for first, second in itertools.pairwise(names):
        for d, s in sorted(keys):
            members = {at[(first, d, s, "served")]: 1.0, at[(first, d, s, "unmet")]: 1.0}
            members |= {at[(second, d, s, "served")]: -1.0, at[(second, d, s, "unmet")]: -1.0}
            known.sum_is(members, -1, 1, f"demand of {d} {s}: {first} against {second}")
    return known, np.asarray(truth)


def _read_plan(
    known: Knowledge, at: dict[PlanCell, int], name: str, plan: Any, units: pd.Series
) -> None:
    """One plan's coverage (served and unmet per district and service) and its totals."""
    coverage = plan.coverage
    withheld = coverage[["served", "unmet"]].isna().all().all()
    for row in coverage.itertuples():
        for kind in ("served", "unmet"):
            i = at[(name, str(row.district_id), str(row.service_id), kind)]
            value = getattr(row, kind)
            where = f"{name}: coverage {row.district_id} {row.service_id} {kind}"
            if pd.isna(value):
                known.hidden.add(i)
                if not withheld:
                    known.sum_is({i: 1.0}, 1, np.inf, where + " (hidden: positive)")
            else:
                known.equal({i: 1.0}, float(value) / units[row.service_id], where)
    for kind in ("served", "unmet", "demand"):
        total = getattr(plan.totals, kind, None)
        if total is None or pd.isna(total):
            continue
        members = {
            i: float(units[service])
            for (scenario, _, service, what), i in at.items()
            if scenario == name and (what == kind or kind == "demand")
        }
        known.equal(members, float(total), f"{name}: totals.{kind}")


def test_no_suppressed_coverage_can_be_pinned(attacker_env: str) -> None:
    known, truth = read_coverage(ACTORS["funder"], ACTORS["analyst"])
    wrong = known.check_truth(truth)
    assert not wrong, "the attacker misread a figure, or figures disagree:\n" + "\n".join(
        wrong[:20]
    )
    assert known.hidden, (
        "nothing of the coverage is suppressed: the sparse district has small counts"
    )
    ranges = known.ranges()
    pinned = {cell: r for cell, r in ranges.items() if r[1] - r[0] < 1 - 1e-6}
    assert not pinned, f"{len(pinned)} suppressed coverage count(s) pinned: {pinned}"
