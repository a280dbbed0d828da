"""A seeded discrete-event simulation (simpy) of a plan's queues: the check of planner.queues.

../shared/MODEL.md "Waiting": the Erlang C figures assume Poisson arrivals, exponential
holding times and a steady state. This replays the same queues case by case: for every
agency's held service, cases arrive from each district as a Poisson process (the district's
units per month / units_per_case), wait first come first served for one of the agency's c
units, and hold it for an exponential time of mean units_per_case months. Superposed Poisson
processes are one Poisson process, so each agency's service has one arrival process whose
cases are given a district in proportion to its rate (fewer simpy processes, the same law).

Each run is seeded (`seed + run`), warms up for `warmup_months` (waits of cases arriving
then are not counted, so the queues start from a typical state rather than empty) and
measures `months`; across runs, each figure has the mean and a 95 % interval (Student's t
over the runs' means: runs are independent, cases within a run are not). A queue at or
above full utilisation has no steady state: its simulated wait only grows with the length
of the run, and `stable` (from the formulas) says so beside it.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy
from scipy import stats

from planner.i18n import t
from planner.queues import DAYS_PER_MONTH, DEFAULT_WAIT_PROBABILITY, WaitingSide

DEFAULT_RUNS = 20
DEFAULT_MONTHS = 240.0
DEFAULT_WARMUP_MONTHS = 36.0
DEFAULT_SEED = 2026
#: Random numbers are drawn this many cases at a time.
BATCH = 512

SIMULATED_COLUMNS = [
    "runs",
    "cases",
    "mean_wait_days",
    "mean_wait_low",
    "mean_wait_high",
    "p_wait",
    "quantile_wait_days",
    "quantile_wait_low",
    "quantile_wait_high",
]


@dataclass(frozen=True, eq=False)
class Simulation:
    """What the runs measured, per agency and service and per district and service: the
    mean of the runs' figures and its 95 % interval (`SIMULATED_COLUMNS`, waits in days;
    `cases` the cases measured per run, on average). `runs_per_second` for the benchmark."""

    runs: int
    seed: int
    months: float
    warmup_months: float
    quantile: float
    agencies: pd.DataFrame
    districts: pd.DataFrame
    seconds: float
    cases_simulated: int
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_per_second(self) -> float:
        return self.runs / self.seconds if self.seconds > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        from planner.queues import _records

        return {
            "runs": self.runs,
            "seed": self.seed,
            "months": self.months,
            "warmup_months": self.warmup_months,
            "quantile": self.quantile,
            "seconds": self.seconds,
            "cases_simulated": self.cases_simulated,
            "agencies": _records(self.agencies),
            "districts": _records(self.districts),
        }


@dataclass(frozen=True)
class QueueSpec:
    """One agency's held service: its servers, mean holding time and each district's rate."""

    agency_id: str
    service_id: str
    servers: int
    hold_months: float
    districts: tuple[str, ...]
    arrivals_per_month: tuple[float, ...]


def queue_specs(side: WaitingSide) -> list[QueueSpec]:
    """The queues of a waiting side (planner.queues) that have arrivals."""
    agencies = {
        (str(a), str(s)): (int(c), float(h))
        for a, s, c, h in zip(
            side.agencies["agency_id"],
            side.agencies["service_id"],
            side.agencies["servers"],
            side.agencies["hold_months"],
            strict=True,
        )
    }
    specs = []
    flows = side.flows[side.flows["units_per_month"] > 0]
    for key, group in flows.groupby(["agency_id", "service_id"], sort=True):
        agency_id, service_id = str(key[0]), str(key[1])
        if (agency_id, service_id) not in agencies:
            continue
        servers, hold = agencies[(agency_id, service_id)]
        specs.append(
            QueueSpec(
                agency_id,
                service_id,
                servers,
                hold,
                tuple(group["district_id"].astype(str)),
                tuple((group["units_per_month"].astype(float) / hold).tolist()),
            )
        )
    return specs


def simulate(
    side: WaitingSide,
    *,
    runs: int = DEFAULT_RUNS,
    months: float = DEFAULT_MONTHS,
    warmup_months: float = DEFAULT_WARMUP_MONTHS,
    seed: int = DEFAULT_SEED,
    quantile: float = DEFAULT_WAIT_PROBABILITY,
) -> Simulation:
    """Simulate the queues of `side` `runs` times (see the module's docstring)."""
    if runs < 1:
        raise ValueError(t("runs must be at least 1"))
    specs = queue_specs(side)
    started = time.perf_counter()
    agency_runs: list[pd.DataFrame] = []
    district_runs: list[pd.DataFrame] = []
    simulated = 0
    for run in range(runs):
        waits = simulate_once(specs, months, warmup_months, seed + run)
        simulated += len(waits)
        agency_runs.append(_per_run(waits, ["agency_id", "service_id"], quantile, run))
        district_runs.append(_per_run(waits, ["district_id", "service_id"], quantile, run))
    seconds = time.perf_counter() - started
    return Simulation(
        runs=runs,
        seed=seed,
        months=months,
        warmup_months=warmup_months,
        quantile=quantile,
        agencies=_over_runs(agency_runs, ["agency_id", "service_id"], runs),
        districts=_over_runs(district_runs, ["district_id", "service_id"], runs),
        seconds=seconds,
        cases_simulated=simulated,
    )


def simulate_once(
    specs: list[QueueSpec], months: float, warmup_months: float, seed: int
) -> pd.DataFrame:
    """One run: every case that arrived after the warm-up and before the end, with its wait
    in months (cases still waiting at the end count with the wait they have so far, so a
    growing queue is not made to look short)."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    end = warmup_months + months
    records: list[tuple[int, int, float]] = []  # spec, district, wait
    pending: dict[int, tuple[int, int, float]] = {}
    counter = itertools.count()

    def case(i: int, unit: simpy.Resource, district: int, hold: float) -> Any:
        arrived = env.now
        measured = arrived >= warmup_months
        key = next(counter)
        if measured:
            pending[key] = (i, district, arrived)
        with unit.request() as granted:
            yield granted
            if measured:
                pending.pop(key, None)
                records.append((i, district, env.now - arrived))
            yield env.timeout(hold)

    def arrivals(i: int, spec: QueueSpec) -> Any:
        rates = np.asarray(spec.arrivals_per_month, float)
        total = float(rates.sum())
        if total <= 0:
            return
        unit = simpy.Resource(env, capacity=max(spec.servers, 1))
        if spec.servers <= 0:  # no unit at all: nobody is ever served
            env.process(_blocked(env, unit, end))
        share = np.cumsum(rates / total)
        while True:  # random numbers drawn in batches: one numpy call per 512 cases
            gaps = rng.exponential(1.0 / total, BATCH)
            districts = np.searchsorted(share, rng.random(BATCH) * share[-1], side="right")
            holds = rng.exponential(spec.hold_months, BATCH)
            for gap, district, hold in zip(gaps, districts, holds, strict=True):
                yield env.timeout(gap)
                if env.now >= end:
                    return
                env.process(case(i, unit, int(district), float(hold)))

    for i, spec in enumerate(specs):
        env.process(arrivals(i, spec))
    env.run(until=end)
    for i, district, arrived in pending.values():
        records.append((i, district, end - arrived))
    return _waits_frame(specs, records)


def _waits_frame(specs: list[QueueSpec], records: list[tuple[int, int, float]]) -> pd.DataFrame:
    if not records:
        return pd.DataFrame(
            {
                "agency_id": pd.Series(dtype=str),
                "service_id": pd.Series(dtype=str),
                "district_id": pd.Series(dtype=str),
                "wait_days": pd.Series(dtype=float),
            }
        )
    spec_of = np.fromiter((r[0] for r in records), np.int64, len(records))
    district_of = np.fromiter((r[1] for r in records), np.int64, len(records))
    waits = np.fromiter((r[2] for r in records), float, len(records)) * DAYS_PER_MONTH
    return pd.DataFrame(
        {
            "agency_id": [specs[i].agency_id for i in spec_of],
            "service_id": [specs[i].service_id for i in spec_of],
            "district_id": [
                specs[i].districts[d] for i, d in zip(spec_of, district_of, strict=True)
            ],
            "wait_days": waits,
        }
    )


def _blocked(env: simpy.Environment, unit: simpy.Resource, end: float) -> Any:
    """Holds the only unit of a queue without servers for the whole run."""
    with unit.request() as granted:
        yield granted
        yield env.timeout(end + 1.0)


def _per_run(waits: pd.DataFrame, keys: list[str], quantile: float, run: int) -> pd.DataFrame:
    grouped = waits.groupby(keys, sort=True)["wait_days"]
    frame = pd.DataFrame(
        {
            "cases": grouped.size(),
            "mean_wait_days": grouped.mean(),
            "p_wait": grouped.apply(lambda w: float((w > 1e-12).mean())),
            "quantile_wait_days": grouped.quantile(quantile),
        }
    )
    return frame.reset_index().assign(run=run)


def _over_runs(frames: list[pd.DataFrame], keys: list[str], runs: int) -> pd.DataFrame:
    """Mean and 95 % interval over the runs (a key missing from a run had no case in it)."""
    every = pd.concat(frames, ignore_index=True)
    if len(every) == 0:
        return pd.DataFrame(columns=[*keys, *SIMULATED_COLUMNS])
    out = []
    t_factor = float(stats.t.ppf(0.975, runs - 1)) if runs > 1 else math.nan
    for key, group in every.groupby(keys, sort=True):
        row: dict[str, Any] = dict(zip(keys, (str(k) for k in key), strict=True))
        row["runs"] = len(group)
        row["cases"] = float(group["cases"].mean())
        row["p_wait"] = float(group["p_wait"].mean())
        for name in ("mean_wait_days", "quantile_wait_days"):
            values = group[name].to_numpy(float)
            mean = float(values.mean())
            half = (
                t_factor * float(values.std(ddof=1)) / math.sqrt(len(values))
                if len(values) > 1
                else math.nan
            )
            stem = name.removesuffix("_days")
            row[name] = mean
            row[f"{stem}_low"] = mean - half
            row[f"{stem}_high"] = mean + half
        out.append(row)
    return pd.DataFrame(out, columns=[*keys, *SIMULATED_COLUMNS])


#: Queues compared with the formulas only up to this utilisation: an M/M/c queue's
#: relaxation time grows like 1 / (1 - rho)^2, so beyond it a run of a few hundred months has
#: not reached the steady state that Erlang C describes (its figure is still right; the run
#: is too short to show it).
COMPARED_UTILISATION = 0.85

COMPARISON_COLUMNS = [
    "service_id",
    "queues",
    "arrivals_per_month",
    "p_wait_formula",
    "p_wait_simulated",
    "mean_wait_formula_days",
    "mean_wait_simulated_days",
]


def comparison(
    side: WaitingSide, simulation: Simulation, max_utilisation: float = COMPARED_UTILISATION
) -> pd.DataFrame:
    """The formulas against the runs, per service and for the city ("" as service_id): the
    probability of waiting and the mean wait, each weighted by the queues' arrivals, over
    the stable queues at most `max_utilisation` full (`COMPARISON_COLUMNS`)."""
    formula = side.agencies[
        side.agencies["stable"] & (side.agencies["utilisation"] <= max_utilisation)
    ]
    both = formula.merge(
        simulation.agencies, on=["agency_id", "service_id"], suffixes=("", "_simulated")
    )
    rows = []
    groups = [(str(s), g) for s, g in both.groupby("service_id", sort=True)]
    for service_id, group in [*groups, ("", both)]:
        weight = group["arrivals_per_month"].to_numpy(float)
        total = float(weight.sum())
        if total <= 0:
            continue

        def mean(column: str, frame: pd.DataFrame = group, w: np.ndarray = weight) -> float:
            return float((frame[column].to_numpy(float) * w).sum() / w.sum())

        rows.append(
            (
                service_id,
                len(group),
                total,
                mean("p_wait"),
                mean("p_wait_simulated"),
                mean("mean_wait_days"),
                mean("mean_wait_days_simulated"),
            )
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def for_comparison(side: WaitingSide, max_utilisation: float = COMPARED_UTILISATION) -> WaitingSide:
    """`side` with only the queues `comparison` reads (a shorter simulation)."""
    keep = side.agencies[
        side.agencies["stable"] & (side.agencies["utilisation"] <= max_utilisation)
    ]
    keys = pd.MultiIndex.from_frame(keep[["agency_id", "service_id"]])
    flows = side.flows[pd.MultiIndex.from_frame(side.flows[["agency_id", "service_id"]]).isin(keys)]
    return WaitingSide(keep.reset_index(drop=True), side.districts, flows.reset_index(drop=True))
