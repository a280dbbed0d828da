r"""Waiting for a bed or a slot: the M/M/c queue (Erlang C) of every agency's held service.

../shared/MODEL.md "Waiting": a service counted in whole units (beds), or one a case holds
for more than a month (units_per_case > 1), is a queue at each agency. Cases arrive at rate
lambda per month, from the plan's flows (units served per month / units_per_case); each holds
one unit for units_per_case months (the mean of an exponential holding time, 1/mu); c units
serve them. With the offered load a = lambda / mu and utilisation rho = a / c:

    Erlang B, recursively (stable for any c):  B(0) = 1,  B(k) = a B(k-1) / (k + a B(k-1))
    Erlang C (probability of waiting):        C = B(c) / (1 - rho (1 - B(c)))
    wait beyond t:                            P(W > t) = C exp(-(c mu - lambda) t)
    mean wait:                                E[W] = C / (c mu - lambda)
    quantile q of the wait:                   0 when C <= 1 - q,
                                              else ln(C / (1 - q)) / (c mu - lambda)

With rho >= 1 the queue has no steady state: the wait grows without bound, and the tables
say so (`stable` False, the waits NaN) instead of giving a number. A capacity that is not a
whole number of units (slots of a continuous service) counts its whole units only: a
fraction of a slot serves nobody on its own, so the figures are on the cautious side.

Arrival rates are the horizon's average month (the queue's steady state); a district's wait
for a service is the mixture of the waits at the agencies that serve it, weighted by its
flows: its mean is the flow-weighted mean, its quantile that of the mixture (not a mean of
quantiles). Everything here is codes and numbers; the words are at the edges.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Days in a month, on average over a year (waits are shown in days).
DAYS_PER_MONTH = 365.25 / 12.0
#: The probability a wait target is met with, unless the scenario says (MODEL.md).
DEFAULT_WAIT_PROBABILITY = 0.8
#: A queue this close to full is saturated (an LP fills capacity to 1 - 1e-15, where the
#: formula's wait is a meaningless 1e16 days): unstable, like utilisation 1.
SATURATION_TOLERANCE = 1e-6
#: Capacity read as whole units with this tolerance (11.9999999 beds are 12).
WHOLE_UNIT_TOLERANCE = 1e-6

AGENCY_COLUMNS = [
    "agency_id",
    "service_id",
    "arrivals_per_month",
    "hold_months",
    "servers",
    "utilisation",
    "stable",
    "p_wait",
    "mean_wait_days",
    "quantile_wait_days",
]
DISTRICT_COLUMNS = [
    "district_id",
    "service_id",
    "arrivals_per_month",
    "stable",
    "p_wait",
    "mean_wait_days",
    "quantile_wait_days",
]
FLOW_COLUMNS = ["district_id", "agency_id", "service_id", "units_per_month"]


# --- the M/M/c formulas --------------------------------------------------------------------


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c with `servers` units and offered load `load`
    (recursive: no factorial, no overflow, for any number of servers)."""
    if servers <= 0:
        return 1.0
    if load <= 0:
        return 0.0
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arriving case waits (M/M/c); 1.0 when the queue is unstable."""
    if load <= 0:
        return 0.0
    if servers <= 0 or load >= servers:
        return 1.0
    b = erlang_b(servers, load)
    rho = load / servers
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class QueueFigures:
    """One M/M/c queue's steady state; waits in the holding time's unit (months).

    `stable` False (utilisation >= 1): the wait grows without bound; the waits are NaN."""

    arrivals: float  # per month
    hold: float  # months a case holds a unit
    servers: int
    utilisation: float  # a / c (inf with no servers and arrivals)
    stable: bool
    p_wait: float
    mean_wait: float
    decay: float  # c mu - lambda: P(W > t) = p_wait exp(-decay t)

    def wait_quantile(self, q: float) -> float:
        """The q-quantile of the wait (0 when at least q of cases do not wait)."""
        if not self.stable:
            return math.nan
        if self.p_wait <= 1.0 - q:
            return 0.0
        return math.log(self.p_wait / (1.0 - q)) / self.decay

    def wait_beyond(self, t: float) -> float:
        """P(W > t)."""
        if not self.stable:
            return 1.0
        return self.p_wait * math.exp(-self.decay * t)


def mmc(arrivals: float, hold: float, servers: int) -> QueueFigures:
    """The M/M/c queue of `arrivals` per unit time, mean holding `hold`, `servers` units."""
    arrivals = max(float(arrivals), 0.0)
    hold = float(hold)
    servers = max(int(servers), 0)
    load = arrivals * hold
    if load <= 0:
        return QueueFigures(arrivals, hold, servers, 0.0, True, 0.0, 0.0, math.inf)
    if servers == 0:
        return QueueFigures(arrivals, hold, 0, math.inf, False, 1.0, math.nan, 0.0)
    utilisation = load / servers
    if utilisation >= 1.0 - SATURATION_TOLERANCE:
        return QueueFigures(arrivals, hold, servers, utilisation, False, 1.0, math.nan, 0.0)
    p_wait = erlang_c(servers, load)
    decay = servers / hold - arrivals
    return QueueFigures(arrivals, hold, servers, utilisation, True, p_wait, p_wait / decay, decay)


def max_utilisation(servers: int, hold: float, target: float, probability: float) -> float:
    """rho_max(c): the largest utilisation at which P(W <= target) >= probability with
    `servers` units (target in the holding time's unit). P(W > t) grows with the arrivals,
    so the bound is found by bisection on the load; 0 with no servers."""
    if servers <= 0:
        return 0.0

    def meets(load: float) -> bool:
        return mmc(load / hold, hold, servers).wait_beyond(target) <= 1.0 - probability + 1e-12

    low, high = 0.0, float(servers)
    for _ in range(60):
        middle = 0.5 * (low + high)
        if meets(middle):
            low = middle
        else:
            high = middle
    return low / servers


def whole_units(capacity: float) -> int:
    """The whole units of a capacity (see the module's note on fractions)."""
    return max(math.floor(float(capacity) + WHOLE_UNIT_TOLERANCE), 0)


# --- the plan's queues -----------------------------------------------------------------------


def held_services(services: pd.DataFrame) -> list[str]:
    """Services a case holds for a stay: whole units, or units_per_case above one month.
    `services` has service_id (column or index), integer and units_per_case."""
    frame = services.reset_index() if "service_id" not in services.columns else services
    upc = frame.get("units_per_case", pd.Series(1.0, index=frame.index)).astype(float)
    upc = upc.fillna(1.0)
    integer = frame["integer"].astype(bool)
    held = frame.loc[integer | (upc > 1.0 + 1e-9), "service_id"].astype(str)
    return sorted(held.tolist())


@dataclass(frozen=True, eq=False)
class WaitingSide:
    """The queues of one side (the status quo, or the plan): per agency and service
    (`AGENCY_COLUMNS`), per district and service (`DISTRICT_COLUMNS`), and the flows they
    came from (`FLOW_COLUMNS`, units per month; what `planner.simulate` replays)."""

    agencies: pd.DataFrame
    districts: pd.DataFrame
    flows: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "agencies": _records(self.agencies),
            "districts": _records(self.districts),
            "flows": _records(self.flows),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WaitingSide:
        data = data or {}
        return cls(
            _frame(data.get("agencies"), AGENCY_COLUMNS),
            _frame(data.get("districts"), DISTRICT_COLUMNS),
            _frame(data.get("flows"), FLOW_COLUMNS),
        )


@dataclass(frozen=True, eq=False)
class Waiting:
    """Time to service before (status quo) and after the plan (MODEL.md "Waiting").

    `hold_months`: units_per_case of each held service; `quantile`: the probability the
    quantile waits are read at (the scenario's wait_probability, default 0.8). `before` is
    None when the status quo could not be solved. `targets`: the wait-target loop's outcome
    (planner.optimise.pathways), empty without targets."""

    quantile: float
    hold_months: dict[str, float]
    after: WaitingSide
    before: WaitingSide | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    induced: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "induced": list(self.induced),
            "quantile": self.quantile,
            "hold_months": dict(self.hold_months),
            "after": self.after.to_dict(),
            "before": self.before.to_dict() if self.before is not None else None,
            "targets": list(self.targets),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Waiting | None:
        if not data:
            return None
        return cls(
            quantile=float(data.get("quantile", DEFAULT_WAIT_PROBABILITY)),
            hold_months={str(k): float(v) for k, v in (data.get("hold_months") or {}).items()},
            after=WaitingSide.from_dict(data.get("after")),
            before=WaitingSide.from_dict(data["before"]) if data.get("before") else None,
            targets=list(data.get("targets") or []),
            induced=list(data.get("induced") or []),
        )


def agency_queues(
    flows: pd.DataFrame,
    servers: pd.DataFrame,
    hold_months: dict[str, float],
    quantile: float = DEFAULT_WAIT_PROBABILITY,
) -> pd.DataFrame:
    """Per agency and held service, the queue's figures (`AGENCY_COLUMNS`, waits in days).

    `flows`: district_id, agency_id, service_id, units_per_month (the horizon's average);
    `servers`: agency_id, service_id, capacity (units in service; whole units count). Every
    pair with capacity is listed, idle ones too."""
    held = set(hold_months)
    load = (
        flows[flows["service_id"].isin(held)]
        .groupby(["agency_id", "service_id"], sort=True)["units_per_month"]
        .sum()
    )
    capacity = (
        servers[servers["service_id"].isin(held)]
        .groupby(["agency_id", "service_id"], sort=True)["capacity"]
        .sum()
    )
    keys = load.index.union(capacity.index)
    loads = load.reindex(keys).fillna(0.0).to_numpy(float)
    units_in_service = capacity.reindex(keys).fillna(0.0).to_numpy(float)
    rows = []
    for (agency_id, service_id), units, servers_of_pair in zip(
        keys, loads, units_in_service, strict=True
    ):
        hold = float(hold_months[service_id])
        queue = mmc(float(units) / hold, hold, whole_units(float(servers_of_pair)))
        rows.append(
            (
                str(agency_id),
                str(service_id),
                queue.arrivals,
                hold,
                queue.servers,
                queue.utilisation,
                queue.stable,
                queue.p_wait,
                queue.mean_wait * DAYS_PER_MONTH,
                queue.wait_quantile(quantile) * DAYS_PER_MONTH,
            )
        )
    frame = pd.DataFrame(rows, columns=AGENCY_COLUMNS)
    return frame.astype({"agency_id": str, "service_id": str, "servers": int, "stable": bool})


def district_waits(
    flows: pd.DataFrame, agencies: pd.DataFrame, quantile: float = DEFAULT_WAIT_PROBABILITY
) -> pd.DataFrame:
    """Per district and held service, the wait of its cases (`DISTRICT_COLUMNS`, days): the
    mixture, weighted by the district's cases at each agency; unstable when any agency it
    uses is."""
    columns = ["hold_months", "servers", "arrivals_per_month", "stable", "p_wait"]
    used = flows.merge(
        agencies[["agency_id", "service_id", *columns, "mean_wait_days"]],
        on=["agency_id", "service_id"],
    )
    used = used[used["units_per_month"] > 0]
    used = used.assign(
        cases=used["units_per_month"] / used["hold_months"],
        decay_per_day=(used["servers"] / used["hold_months"] - used["arrivals_per_month"])
        / DAYS_PER_MONTH,
    )
    used = used.astype({"district_id": str, "service_id": str}).sort_values(
        ["district_id", "service_id"], kind="stable"
    )
    if len(used) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in DISTRICT_COLUMNS})
        return empty.astype({"district_id": str, "service_id": str, "stable": bool})
    district = used["district_id"].to_numpy(object)
    service = used["service_id"].to_numpy(object)
    new_group = np.ones(len(used), dtype=bool)
    new_group[1:] = (district[1:] != district[:-1]) | (service[1:] != service[:-1])
    starts = np.flatnonzero(new_group)
    group_of = np.cumsum(new_group) - 1
    cases = used["cases"].to_numpy(float)
    total = np.add.reduceat(cases, starts)
    weights = cases / total[group_of]
    p_wait = used["p_wait"].to_numpy(float)
    stable = np.logical_and.reduceat(used["stable"].to_numpy(bool), starts)
    p_mix = np.add.reduceat(weights * p_wait, starts)
    mean_mix = np.add.reduceat(weights * used["mean_wait_days"].to_numpy(float), starts)
    decay = used["decay_per_day"].to_numpy(float)
    members = stable[group_of]  # an unstable district's wait is without bound: no quantile
    p80 = np.full(len(starts), np.nan)
    p80[stable] = mixture_quantiles(
        weights[members], p_wait[members], decay[members], group_of[members], quantile, len(starts)
    )[stable]
    frame = pd.DataFrame(
        {
            "district_id": district[starts],
            "service_id": service[starts],
            "arrivals_per_month": total,
            "stable": stable,
            "p_wait": np.where(stable, p_mix, 1.0),
            "mean_wait_days": np.where(stable, mean_mix, np.nan),
            "p80_wait_days": p80,
        }
    )
    frame.columns = DISTRICT_COLUMNS
    return frame.astype({"district_id": str, "service_id": str, "stable": bool})


def mixture_quantiles(
    weights: np.ndarray,
    p_wait: np.ndarray,
    decay: np.ndarray,
    group: np.ndarray,
    q: float,
    count: int,
) -> np.ndarray:
    """`mixture_quantile` of `count` mixtures at once: member i belongs to mixture
    `group[i]` (0..count-1; decay > 0 wherever a member waits), by the same bisection."""
    waiting = (weights > 0) & (p_wait > 0)
    mass = np.where(waiting, weights * p_wait, 0.0)
    rate = np.where(waiting, decay, 0.0)
    target = 1.0 - q

    def beyond(t: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=mass * np.exp(-rate * t[group]), minlength=count)

    result = np.zeros(count)
    active = beyond(np.zeros(count)) > target  # else the quantile is 0
    high = np.ones(count)
    growing = active.copy()
    while growing.any():
        growing &= beyond(high) > target
        high = np.where(growing, high * 2.0, high)
    low = np.zeros(count)
    for _ in range(80):
        middle = 0.5 * (low + high)
        above = beyond(middle) > target
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    result[active] = high[active]
    return result


def mixture_quantile(weights: np.ndarray, p_wait: np.ndarray, decay: np.ndarray, q: float) -> float:
    """The q-quantile of a mixture of M/M/c waits: the t with sum w C exp(-decay t) = 1 - q."""
    weights, p_wait, decay = (np.asarray(v, float) for v in (weights, p_wait, decay))
    group = np.zeros(len(weights), dtype=int)
    return float(mixture_quantiles(weights, p_wait, decay, group, q, 1)[0])


def waiting_side(
    flows: pd.DataFrame,
    servers: pd.DataFrame,
    hold_months: dict[str, float],
    quantile: float = DEFAULT_WAIT_PROBABILITY,
) -> WaitingSide:
    """Agency queues and district waits of one set of flows and capacities."""
    held = flows[flows["service_id"].isin(set(hold_months))]
    held = (
        held.groupby(["district_id", "agency_id", "service_id"], sort=True)["units_per_month"]
        .sum()
        .reset_index()
    )
    held = held[held["units_per_month"] > 0].reset_index(drop=True)
    agencies = agency_queues(held, servers, hold_months, quantile)
    return WaitingSide(agencies, district_waits(held, agencies, quantile), held[FLOW_COLUMNS])


def monthly_flows(assignments: pd.DataFrame, horizon_months: int) -> pd.DataFrame:
    """A plan's assignments (district, agency, service, months, served_per_month) as the
    horizon's average units per month per district, agency and service."""
    if len(assignments) == 0:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in FLOW_COLUMNS[:3]}).assign(
            units_per_month=pd.Series(dtype=float)
        )
    total = assignments["served_per_month"].astype(float) * assignments["months"].astype(float)
    frame = assignments[["district_id", "agency_id", "service_id"]].assign(
        units_per_month=total / max(int(horizon_months), 1)
    )
    summed = frame.groupby(["district_id", "agency_id", "service_id"], sort=True)[
        ["units_per_month"]
    ].sum()
    return summed.reset_index().astype({"district_id": str, "agency_id": str, "service_id": str})


def hold_months_of(services: pd.DataFrame) -> dict[str, float]:
    """units_per_case of every held service (`held_services`)."""
    frame = services.reset_index() if "service_id" not in services.columns else services
    upc = dict(
        zip(
            frame["service_id"].astype(str),
            frame.get("units_per_case", pd.Series(1.0, index=frame.index))
            .astype(float)
            .fillna(1.0),
            strict=True,
        )
    )
    return {s: float(upc[s]) for s in held_services(frame)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (
                    None
                    if isinstance(v, float) and not math.isfinite(v)
                    else v.item()
                    if isinstance(v, np.generic)
                    else v
                )
                for k, v in record.items()
            }
        )
    return out


def _frame(records: Iterable[dict[str, Any]] | None, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(records or []), columns=columns)
    for column in columns:
        if column.endswith("_id"):
            frame[column] = frame[column].astype(str)
        elif column == "stable":
            frame[column] = frame[column].astype(bool)
        elif column == "servers":
            frame[column] = frame[column].astype(int)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def disclosed(waiting: Waiting | None, *, exact_counts: bool) -> Waiting | None:
    """The waits a reader without exact counts may see (service.plans.disclose_plan): no
    flows (cases per district and agency, like the plan's assignments) and no arrival
    rates; utilisation and waits stay (they are ratios and times, not counts of people)."""
    if waiting is None or exact_counts:
        return waiting

    def cut(side: WaitingSide) -> WaitingSide:
        return WaitingSide(
            side.agencies.assign(arrivals_per_month=math.nan),
            side.districts.assign(arrivals_per_month=math.nan),
            side.flows.iloc[0:0],
        )

    before = cut(waiting.before) if waiting.before is not None else None
    return Waiting(
        waiting.quantile, waiting.hold_months, cut(waiting.after), before, waiting.targets
    )
