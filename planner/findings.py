"""What a solve found, as typed values: codes, ids and numbers, never sentences.

A `Finding` says what limits a plan or why a scenario cannot hold (its `kind` is a code,
the rest are ids and amounts); `Totals`, `BaselineResult`/`Baselines` and `Diagnostics` are
the figures of one solve. The edges (reports.words, ui/, cli/) turn them into sentences in
the reader's language, with the names that reader may see; `mask_findings` replaces the
confidential agencies a reader may not see by `MASKED_AGENCY` and drops their distances.

Every type turns into JSON (`to_dict`) and back (`from_dict`): plan.json and saved plans
hold these, so a plan solved once serves every language and every reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Final, Literal, cast

MASKED_AGENCY = "*"
"""How a masked agency id begins ("*1", "*2", ...): an agency the reader may not see
(reports.words names it "a confidential shelter")."""

# What limits a plan (explain.diagnose), one finding per kind and service where grouped.
BUDGET_VALUE: Final = (
    "budget_value"  # amount: one more step of money; units: weighted unmet removed
)
MONEY_NOT_LIMITING: Final = "money_not_limiting"  # amount: the step that would not serve more
BUDGET_SPENT: Final = "budget_spent"  # amount: the total budget, all spent (its dual binds)
FUNDER_EXHAUSTED: Final = "funder_exhausted"  # funder_id, amount: its budget
EXPANSION_LIMIT: Final = "expansion_limit"  # agency_ids (strongest first), service_id, units: most
AGENCY_FULL: Final = "agency_full"  # agency_ids (strongest first), service_id, months (none: all)
FLOOR_HELD: Final = "floor_held"  # district_ids, service_id, floor
OUT_OF_REACH: Final = "out_of_reach"  # district, service, units unmet, nearest agency beyond
BELOW_FLOOR: Final = "below_floor"  # district, service, share (its coverage), floor
# Why a hard floor cannot hold (explain.explain_infeasible).
FLOOR_NO_AGENCY: Final = "floor_no_agency"  # district, service, floor, radius_km (None: anywhere)
FLOOR_CAPACITY_SHORT: Final = "floor_capacity_short"  # + count agencies, units c0, limit m, share
FLOOR_CAPACITY_SHARED: Final = "floor_capacity_shared"  # as above; their neighbours need them too
FLOOR_NEEDS_FUNDER: Final = (
    "floor_needs_funder"  # funder_id, amount missing, limit its budget, floor
)
FLOOR_NEEDS_BUDGET: Final = "floor_needs_budget"  # amount missing, limit the total budget, floor
INFEASIBLE_FLOOR: Final = "infeasible_floor"  # floor: cannot hold, no single cause found
# Why a hard group floor cannot hold (planner.optimise.fairness, issue 15): population_id,
# service_id, floor, radius_km (None: anywhere), share (of the group's demand reachable /
# servable), district_ids (no accepting agency within reach, most demand first).
GROUP_FLOOR_NO_AGENCY: Final = "group_floor_no_agency"
GROUP_FLOOR_CAPACITY_SHORT: Final = "group_floor_capacity_short"  # + agency_ids, units, limit
# Notes on the inputs and the demand (planner.optimise.inputs, planner.demand).
SERVICE_UNAVAILABLE: Final = "service_unavailable"  # service_id: nobody offers or may open it
AGENCY_UNREACHABLE: Final = "agency_unreachable"  # agency_ids: reaches no district with demand
DEMAND_FORECAST: Final = "demand_forecast"  # share: the quantile; count: months of history
DEMAND_RECENT_MEAN: Final = "demand_recent_mean"  # count: months of history; limit: months needed
# Steps of the search that stopped at their own time limit (planner.optimise.search): what
# their figures would have said is missing, never guessed.
DIAGNOSIS_UNFINISHED: Final = "diagnosis_unfinished"  # limit: the step's seconds
BASELINE_UNFINISHED: Final = "baseline_unfinished"  # baseline: its name; limit: the seconds
PLAN_IS_BASELINE: Final = "plan_is_baseline"  # baseline: the rule whose plan is kept; limit: s

FindingKind = Literal[
    "budget_value",
    "money_not_limiting",
    "budget_spent",
    "funder_exhausted",
    "expansion_limit",
    "agency_full",
    "floor_held",
    "out_of_reach",
    "below_floor",
    "floor_no_agency",
    "floor_capacity_short",
    "floor_capacity_shared",
    "floor_needs_funder",
    "floor_needs_budget",
    "infeasible_floor",
    "group_floor_no_agency",
    "group_floor_capacity_short",
    "service_unavailable",
    "agency_unreachable",
    "demand_forecast",
    "demand_recent_mean",
    "diagnosis_unfinished",
    "baseline_unfinished",
    "plan_is_baseline",
]
"""Every kind of finding this planner makes (see each constant above)."""
ConstraintFamily = Literal[
    "balance", "capacity", "funding", "funder", "budget", "expansion", "floor"
]
"""The families of constraints of the model (planner.optimise.model), by MODEL.md number."""

BINDING_KINDS = (BUDGET_SPENT, FUNDER_EXHAUSTED, EXPANSION_LIMIT, AGENCY_FULL, FLOOR_HELD)
INFEASIBLE_KINDS = (
    FLOOR_NO_AGENCY,
    FLOOR_CAPACITY_SHORT,
    FLOOR_CAPACITY_SHARED,
    FLOOR_NEEDS_FUNDER,
    FLOOR_NEEDS_BUDGET,
    INFEASIBLE_FLOOR,
    GROUP_FLOOR_NO_AGENCY,
    GROUP_FLOOR_CAPACITY_SHORT,
)
NOTE_KINDS = (SERVICE_UNAVAILABLE, AGENCY_UNREACHABLE, DEMAND_FORECAST, DEMAND_RECENT_MEAN)
UNFINISHED_KINDS = (DIAGNOSIS_UNFINISHED, BASELINE_UNFINISHED, PLAN_IS_BASELINE)


@dataclass(frozen=True)
class Finding:
    """One thing a solve found: a `kind` code with the ids and amounts it is about.

    `amount` is money in the city's currency; `units` and `limit` are units of the service
    (or money, for the budget kinds: see each kind above); `share` and `floor` are fractions;
    `count` counts what the kind says (constraints, agencies, months).
    """

    kind: FindingKind
    agency_ids: tuple[str, ...] = ()
    district_ids: tuple[str, ...] = ()
    service_id: str | None = None
    funder_id: str | None = None
    months: tuple[str, ...] = ()
    amount: float | None = None
    units: float | None = None
    limit: float | None = None
    share: float | None = None
    floor: float | None = None
    distance_km: float | None = None
    radius_km: float | None = None
    count: int | None = None
    baseline: str | None = None
    population_id: str | None = None  # a population group (issue 15)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, without the empty fields."""
        data: dict[str, Any] = {"kind": self.kind}
        for item in fields(self)[1:]:
            value = getattr(self, item.name)
            if value is None or value == ():
                continue
            data[item.name] = list(value) if isinstance(value, tuple) else _finite(value)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        names = {item.name for item in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                continue
            if key in ("agency_ids", "district_ids", "months"):
                value = tuple(str(v) for v in value or ())
            elif key == "kind":
                value = cast(FindingKind, str(value))  # a newer planner's kind reads as is
            elif key in ("service_id", "funder_id", "baseline"):
                value = None if value is None else str(value)
            elif key == "count":
                value = None if value is None else int(value)
            elif value is not None:
                value = float(value)
            values[key] = value
        return cls(**values)


def mask_findings(
    findings: Iterable[Finding], hidden_agency_ids: Iterable[str]
) -> tuple[Finding, ...]:
    """The findings as a reader who may not see `hidden_agency_ids` may read them: each
    hidden agency's id becomes a masked marker (`MASKED_AGENCY` followed by a number that
    is the same for one agency throughout the call, so agencies are still counted once),
    and a distance to a hidden agency is dropped (distances from several districts locate
    it)."""
    hidden = {str(a) for a in hidden_agency_ids}
    tokens: dict[str, str] = {}
    result = []
    for finding in findings:
        if not hidden.intersection(finding.agency_ids):
            result.append(finding)
            continue
        masked = tuple(
            tokens.setdefault(a, f"{MASKED_AGENCY}{len(tokens) + 1}") if a in hidden else a
            for a in finding.agency_ids
        )
        result.append(replace(finding, agency_ids=masked, distance_km=None))
    return tuple(result)


def suppress_cell_figures(
    findings: Iterable[Finding], hidden_cells: Iterable[tuple[str, str]]
) -> tuple[Finding, ...]:
    """The findings for a reader who may not see the counts of `hidden_cells` (district_id,
    service_id: the cells a suppressed coverage table hides): unmet units out of reach and
    coverage below the floor of those cells are dropped, the finding kept (pure)."""
    hidden = {(str(d), str(s)) for d, s in hidden_cells}
    result = []
    for finding in findings:
        cell = (finding.district_ids[0] if finding.district_ids else "", finding.service_id or "")
        if finding.kind in (OUT_OF_REACH, BELOW_FLOOR) and cell in hidden:
            finding = replace(finding, units=None, share=None)
        result.append(finding)
    return tuple(result)


def is_masked(agency_id: str) -> bool:
    """Whether an agency id is a masked marker of `mask_findings`."""
    return agency_id.startswith(MASKED_AGENCY)


def findings_of(findings: Iterable[Finding], *kinds: str) -> tuple[Finding, ...]:
    """The findings of these kinds, in their order."""
    return tuple(f for f in findings if f.kind in kinds)


@dataclass(frozen=True)
class Totals:
    """Totals of MODEL.md for one plan or baseline: units summed over the horizon, money in
    the city's currency. `served` is None when there is no plan; the counted figures
    (demand, served, unmet, coverage, weighted_unmet) are None where a reader's copy of the
    plan suppresses them (service.plans)."""

    demand: float | None = 0.0
    served: float | None = 0.0
    unmet: float | None = 0.0
    coverage: float | None = None
    weighted_demand: float = 0.0
    weighted_unmet: float | None = 0.0
    floor_shortfall_weighted: float = 0.0
    primary_objective: float = 0.0
    budget: float = 0.0
    money_spent: float = 0.0
    money_by_funder: Mapping[str, float] = field(default_factory=dict)
    units_added: float = 0.0
    units_added_by_service: Mapping[str, float] = field(default_factory=dict)
    services_opened: int = 0
    served_beyond_status_quo: float | None = None
    cost_per_additional_unit_served: float | None = None
    objective: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Totals:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class BaselineResult:
    """One baseline rule evaluated on the plan's data: its solver status and, with a plan,
    its totals."""

    name: str
    status: str
    totals: Totals | None = None


@dataclass(frozen=True)
class Baselines:
    """The baselines of a plan, by name (planner.baselines.BASELINES), in their order."""

    results: tuple[BaselineResult, ...] = ()

    @property
    def status_quo(self) -> Totals | None:
        """The status quo's totals (no new money), None without them."""
        return self.totals("status_quo")

    def get(self, name: str) -> BaselineResult | None:
        return next((r for r in self.results if r.name == name), None)

    def totals(self, name: str) -> Totals | None:
        """A baseline's totals, None when it was not evaluated or found no plan."""
        found = self.get(name)
        return found.totals if found is not None else None

    def __iter__(self) -> Iterator[BaselineResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """{name: {"status": ..., <totals>}}: the shape plan.json has always had."""
        data = {}
        for result in self.results:
            entry = {"status": result.status}
            if result.totals is not None:
                entry.update(result.totals.to_dict())
            data[result.name] = entry
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]] | None) -> Baselines:
        results = []
        for name, entry in (data or {}).items():
            totals = Totals.from_dict(entry) if "served" in entry else None
            results.append(BaselineResult(str(name), str(entry.get("status", "")), totals))
        return cls(tuple(results))


@dataclass(frozen=True)
class BudgetValue:
    """The budget's shadow price from the LP relaxation: `per_unit_money` weighted units of
    unmet demand removed per unit of money; `gain_per_step` for one more `step` of money
    (measured by re-solving when it could be). Duals are per unit of money."""

    per_unit_money: float = 0.0
    step: float = 0.0
    gain_per_step: float = 0.0
    budget_dual: float = 0.0
    funder_duals: Mapping[str, float] = field(default_factory=dict)
    best_funder: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BudgetValue:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class BindingConstraint:
    """A constraint with a non-zero dual in the LP relaxation (its systematic name)."""

    kind: ConstraintFamily
    constraint: str
    dual: float


@dataclass(frozen=True)
class RelaxedCell:
    """A district and service whose hard floor cannot hold: the coverage it reaches when the
    floor is relaxed, and what limits it ("capacity" or "budget")."""

    district_id: str
    service_id: str
    coverage_when_relaxed: float
    limit: str


@dataclass(frozen=True)
class RobustRun:
    """How a robust plan was made (planner.robust)."""

    risk: str
    cvar_alpha: float
    scenarios: int
    periods: str


@dataclass(frozen=True)
class Diagnostics:
    """The figures behind a plan's findings. `binding_counts`: constraints with a non-zero
    dual by family (budget, funder, expansion, capacity, floor); `binding_top` the strongest
    of each; `solver_message` the solver's own status text when there is no plan."""

    budget_value: BudgetValue | None = None
    binding_counts: Mapping[str, int] = field(default_factory=dict)
    binding_top: tuple[BindingConstraint, ...] = ()
    no_worse_than_baselines: Mapping[str, bool] = field(default_factory=dict)
    lp_relaxation_status: str | None = None
    lp_relaxation_objective: float | None = None
    relaxed_cells: tuple[RelaxedCell, ...] = ()
    solver_message: str = ""
    robust: RobustRun | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Diagnostics:
        data = dict(data or {})
        values = _known(cls, data)
        if isinstance(values.get("budget_value"), Mapping):
            values["budget_value"] = BudgetValue.from_dict(values["budget_value"])
        if isinstance(values.get("robust"), Mapping):
            values["robust"] = RobustRun(**_known(RobustRun, values["robust"]))
        values["binding_top"] = tuple(
            BindingConstraint(**_known(BindingConstraint, b)) for b in values.get("binding_top", ())
        )
        values["relaxed_cells"] = tuple(
            RelaxedCell(**_known(RelaxedCell, c)) for c in values.get("relaxed_cells", ())
        )
        return cls(**values)


def findings_to_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]


def findings_from_json(data: Iterable[Mapping[str, Any]] | None) -> tuple[Finding, ...]:
    """Findings read back from plan.json (a plan saved before findings existed has none)."""
    return tuple(Finding.from_dict(item) for item in data or () if "kind" in item)


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {item.name for item in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalars
    return _finite(value)


__all__ = [
    "MASKED_AGENCY",
    "BaselineResult",
    "Baselines",
    "BindingConstraint",
    "BudgetValue",
    "ConstraintFamily",
    "Diagnostics",
    "Finding",
    "FindingKind",
    "RelaxedCell",
    "RobustRun",
    "Totals",
    "findings_from_json",
    "findings_of",
    "findings_to_json",
    "is_masked",
    "mask_findings",
    "suppress_cell_figures",
]
