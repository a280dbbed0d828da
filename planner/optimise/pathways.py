r"""Flow and time in the one model (../shared/MODEL.md "Referral pathways", "Waiting").

`solve_with_flow(inputs, scenario, options, solve_inputs)` wraps the plan's solve
(planner.optimise.solve calls it in place of `solve_inputs`):

1. the status quo of the same scenario (capacity fixed at today's, no new money) is solved
   once: its flows are `served_today` for the pathways and the "before" of the waits;
2. pathways: for every pathway s -> s' (share, lag) the demand of s' gains
       share (upc[s'] / upc[s]) (served[n,s,t-lag] - served_today[n,s,t-lag])
   as linear terms in the balance rows of s' (`add_pathway_terms`, a hook in
   `build_model`); months are not merged into blocks for services on a pathway, since a
   block cannot be shifted by a lag;
3. wait targets: each capped agency's service gets sum_n x[n,a,s,t] <= rho_max(c) (c0 + k),
   with c the units in service in the last solve; solved again until every capped agency
   meets its target at the capacity it ends with, or a round changes nothing (then the plan
   says which district and agency cannot, and why), at most `MAX_TARGET_ROUNDS` rounds;
4. the waits before and after (planner.queues) are attached to the plan.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pulp

from planner import queues
from planner.optimise.highs import KeptModel, hand_over
from planner.optimise.inputs import ModelInputs, rows
from planner.optimise.model import HavenModel, build_model, capacity_column
from planner.optimise.readback import assignments_table, read_solution, solution_from_values
from planner.optimise.warm import data_key

if TYPE_CHECKING:
    from planner.optimise.plan import Plan
    from planner.optimise.solve import SolveOptions
    from planner.scenario import Scenario

#: The wait-target loop stops after this many solves at most (MODEL.md: it terminates).
MAX_TARGET_ROUNDS = 6

#: Time limit of the status quo's LP when the scenario's is longer.
STATUS_QUO_SECONDS = 60.0


def wait_probability(scenario: Scenario) -> float:
    value = getattr(scenario, "wait_probability", None)
    return float(value) if value else queues.DEFAULT_WAIT_PROBABILITY


def wait_targets(scenario: Scenario) -> dict[str, float]:
    return {
        str(k): float(v) for k, v in (getattr(scenario, "wait_target_days", None) or {}).items()
    }


#: Status quo solves kept per process (newest last): a status quo depends on the data, the
#: demand and the floors, not on the budget or the funders, so a second plan of the same
#: city and demand (a form edited, Compare, a sweep) does not solve it again.
_STATUS_QUO_KEPT = 8
_status_quo_memo: OrderedDict[str, pd.DataFrame] = OrderedDict()
_status_quo_lock = threading.Lock()


class StatusQuoStore(Protocol):
    """Where status quo solves outlive the process (the service layer keeps them on disk,
    beside the stored forecasts): `store(key, solve)` returns the kept frame of `key`, else
    `solve()`'s, kept when it is not None (None: the status quo did not finish)."""

    def __call__(
        self, key: str, solve: Callable[[], pd.DataFrame | None]
    ) -> pd.DataFrame | None: ...


def _status_quo_key(inputs: ModelInputs) -> str:
    """A fingerprint of what the status quo of `inputs` is solved from (not the money)."""
    return data_key(inputs)


def status_quo_assignments(
    inputs: ModelInputs,
    time_limit_s: float,
    services: set[str] | None = None,
    store: StatusQuoStore | None = None,
) -> pd.DataFrame | None:
    """Who serves whom with today's capacity and no new money (None when not solved), for
    `services` only (all when None): with capacity fixed, services share no constraint, so
    the status quo of some is the status quo of all restricted to them. Kept per process
    for the newest few inputs (`_STATUS_QUO_KEPT`), and in `store` when given."""
    if services is not None:
        inputs = only_services(inputs, services)
    key = _status_quo_key(inputs)
    with _status_quo_lock:
        kept = _status_quo_memo.get(key)
        if kept is not None:
            _status_quo_memo.move_to_end(key)
            return kept.copy()
    if store is not None:
        solved = store(key, lambda: _solve_status_quo(inputs, time_limit_s))
    else:
        solved = _solve_status_quo(inputs, time_limit_s)
    if solved is not None:
        with _status_quo_lock:
            _status_quo_memo[key] = solved
            while len(_status_quo_memo) > _STATUS_QUO_KEPT:
                _status_quo_memo.popitem(last=False)
        return solved.copy()
    return None


def _solve_status_quo(inputs: ModelInputs, time_limit_s: float) -> pd.DataFrame | None:
    if inputs.pathways is not None:
        # The status quo has no pathway terms: its months merge into blocks as without
        # pathways (exact), and each block's flow is every one of its months' flow.
        from planner.optimise.inputs import _blocks

        block_demand, blocks = _blocks(inputs.demand, True)
        inputs = replace(inputs, block_demand=block_demand, blocks=blocks)
    empty = pd.DataFrame({"agency_id": [], "service_id": [], "units": []})
    model = build_model(inputs, fixed_units=empty, budget="unlimited")
    if not model.columns():
        return assignments_table(model, read_solution(model))
    hand_over(model, mip_gap=0.0, options={})
    kept = KeptModel(model)
    kept.relax_integers()
    kept.set_time_limit(min(time_limit_s, STATUS_QUO_SECONDS))
    run = kept.solve()
    if not run.optimal:
        return None
    assignments = assignments_table(model, solution_from_values(model, kept.values()))
    months_of = {
        (str(service), str(block)): str(periods)
        for service, block, periods in zip(
            inputs.blocks["service_id"],
            inputs.blocks["block"],
            inputs.blocks["periods"],
            strict=True,
        )
    }
    assignments["periods"] = [
        months_of.get((s, b), b)
        for s, b in zip(assignments["service_id"], assignments["periods"], strict=True)
    ]
    return assignments


def only_services(inputs: ModelInputs, services: set[str]) -> ModelInputs:
    """`inputs` restricted to `services` (for a status quo: no budget, no floor coupling)."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["service_id"].isin(services)].reset_index(drop=True)

    return replace(
        inputs,
        services=inputs.services[inputs.services.index.isin(services)],
        demand=keep(inputs.demand),
        block_demand=keep(inputs.block_demand),
        blocks=keep(inputs.blocks),
        pairs=keep(inputs.pairs),
        arcs=keep(inputs.arcs),
        eligible=keep(inputs.eligible),
        beyond_radius=keep(inputs.beyond_radius),
    )


def servers_of(inputs: ModelInputs, capacity_added: pd.DataFrame | None) -> pd.DataFrame:
    """Units in service per agency and service: c0, plus what the plan adds."""
    servers = inputs.pairs[["agency_id", "service_id", "c0"]].rename(columns={"c0": "capacity"})
    if capacity_added is not None and len(capacity_added):
        added = capacity_added.groupby(["agency_id", "service_id"])["units"].sum()
        key = pd.MultiIndex.from_frame(servers[["agency_id", "service_id"]])
        servers = servers.assign(
            capacity=servers["capacity"].to_numpy(float)
            + added.reindex(key).fillna(0.0).to_numpy(float)
        )
    return servers


def plan_waiting(
    inputs: ModelInputs,
    plan: Plan,
    quantile: float,
    before: pd.DataFrame | None,
    targets: list[dict[str, Any]] | None = None,
) -> queues.Waiting | None:
    """The waits of the plan and of the status quo (`before`: its assignments)."""
    hold = queues.hold_months_of(inputs.services)
    if not hold or not plan.has_plan:
        return None
    months = max(len(inputs.periods), 1)
    after = queues.waiting_side(
        queues.monthly_flows(plan.assignments, months),
        servers_of(inputs, plan.capacity_added),
        hold,
        quantile,
    )
    side_before = None
    if before is not None:
        side_before = queues.waiting_side(
            queues.monthly_flows(before, months), servers_of(inputs, None), hold, quantile
        )
    return queues.Waiting(quantile, hold, after, side_before, list(targets or []))


def solve_with_flow(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    solve_inputs: Callable[[ModelInputs, Scenario, SolveOptions], Plan],
) -> Plan:
    """The plan of `inputs` with pathways and wait targets, and its waits (module docstring)."""
    hold = queues.hold_months_of(inputs.services)
    pathways = inputs.pathways
    if not hold and pathways is None:
        return solve_inputs(inputs, scenario, options)
    limit = float(options.time_limit_s or scenario.time_limit_s)
    upstream = set() if pathways is None else set(pathways["from_service"].astype(str))
    started = time.perf_counter()
    before = status_quo_assignments(
        inputs, limit, set(hold) | upstream, store=options.status_quo_store
    )
    flow_times = {"flow_status_quo": time.perf_counter() - started}
    if pathways is not None and before is not None:
        inputs = replace(inputs, served_today=served_by_month(before))
    targets = wait_targets(scenario)
    probability = wait_probability(scenario)
    plan = solve_inputs(inputs, scenario, options)
    outcome: list[dict[str, Any]] = []
    if targets and plan.has_plan:
        started = time.perf_counter()
        inputs, plan, outcome = _meet_wait_targets(
            inputs, scenario, options, solve_inputs, plan, targets, probability
        )
        flow_times["flow_wait_targets"] = time.perf_counter() - started
    if not plan.has_plan:
        return plan
    started = time.perf_counter()
    induced = None
    if inputs.served_today is not None:
        induced = induced_demand(inputs, plan.assignments)
        plan = with_induced_coverage(inputs, plan, induced)
    waiting = plan_waiting(inputs, plan, probability, before, outcome)
    if waiting is not None and induced is not None:
        waiting = replace(waiting, induced=_induced_records(plan, induced))
    flow_times["flow_waits"] = time.perf_counter() - started
    return replace(plan, waiting=waiting, times={**plan.times, **flow_times})


def _induced_records(plan: Plan, induced: pd.DataFrame) -> list[dict[str, Any]]:
    """Per district and service on a pathway: the demand induced over the horizon
    (`induced`, from `induced_demand`) and what of the service's demand goes unmet (for the
    Plan page)."""
    if len(induced) == 0:
        return []
    keys = ["district_id", "service_id"]
    total = induced.groupby(keys, sort=True)["induced"].sum()
    coverage = plan.coverage.groupby(keys)[["demand", "unmet"]].sum().reindex(total.index)
    demand = coverage["demand"].fillna(0.0).to_numpy(float)
    unmet = coverage["unmet"].fillna(0.0).to_numpy(float)
    return [
        {
            "district_id": str(district_id),
            "service_id": str(service_id),
            "induced": float(value),
            "demand": float(demand[i]),
            "unmet": float(unmet[i]),
        }
        for i, ((district_id, service_id), value) in enumerate(
            zip(total.index, total.to_numpy(float), strict=True)
        )
    ]


def _meet_wait_targets(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    solve_inputs: Callable[[ModelInputs, Scenario, SolveOptions], Plan],
    plan: Plan,
    targets: dict[str, float],
    probability: float,
) -> tuple[ModelInputs, Plan, list[dict[str, Any]]]:
    """Cap the utilisation of every agency that misses its service's wait target at the
    largest that meets it with the units it has in the last plan, and solve again, until
    all meet it or a round changes no cap; at most MAX_TARGET_ROUNDS solves. Returns the
    last inputs and plan, and per capped agency whether it meets the target and why not."""
    hold = queues.hold_months_of(inputs.services)
    caps: dict[tuple[str, str], float] = {}
    rounds = 0
    failing: list[dict[str, Any]] = []
    while True:
        failing = _missing_targets(inputs, plan, targets, probability, hold)
        rounds += 1
        if not failing or rounds >= MAX_TARGET_ROUNDS:
            break
        new_caps = dict(caps)
        for miss in failing:
            servers = miss["servers"]
            capacity = max(float(miss["capacity"]), 1e-9)
            rho = queues.max_utilisation(
                servers,
                hold[miss["service_id"]],
                targets[miss["service_id"]] / queues.DAYS_PER_MONTH,
                probability,
            )
            # whole units serve: the cap on c0 + k is rho_max(c) c / (c0 + k)
            new_caps[(miss["agency_id"], miss["service_id"])] = rho * servers / capacity
        if all(abs(new_caps.get(key, -1) - value) < 1e-9 for key, value in caps.items()) and set(
            new_caps
        ) == set(caps):
            break  # nothing changes: what is still missed cannot be met this way
        caps = new_caps
        capped = replace(inputs, wait_caps=caps)
        attempt = solve_inputs(capped, scenario, options)
        if not attempt.has_plan:
            break
        inputs, plan = capped, attempt
    outcome = []
    missed: dict[tuple[str, str], dict[str, Any] | None] = {
        (m["agency_id"], m["service_id"]): m for m in failing
    }
    for (agency_id, service_id), rho in sorted(caps.items()):
        found = missed.pop((agency_id, service_id), None)
        outcome.append(_target_record(agency_id, service_id, rho, targets, found, inputs, plan))
    for (agency_id, service_id), left in sorted(missed.items()):
        outcome.append(_target_record(agency_id, service_id, None, targets, left, inputs, plan))
    for record in outcome:
        record["rounds"] = rounds
    return inputs, plan, outcome


def _missing_targets(
    inputs: ModelInputs,
    plan: Plan,
    targets: dict[str, float],
    probability: float,
    hold: dict[str, float],
) -> list[dict[str, Any]]:
    """Agencies whose service has a wait target they miss in `plan`."""
    months = max(len(inputs.periods), 1)
    flows = queues.monthly_flows(plan.assignments, months)
    servers = servers_of(inputs, plan.capacity_added)
    held = {s: h for s, h in hold.items() if s in targets}
    if not held:
        return []
    side = queues.waiting_side(flows, servers, held, probability)
    capacity = servers.set_index(["agency_id", "service_id"])["capacity"]
    missing = []
    for row in rows(side.agencies):
        if row.arrivals_per_month <= 0:
            continue
        queue = queues.mmc(row.arrivals_per_month, row.hold_months, int(row.servers))
        target = targets[row.service_id] / queues.DAYS_PER_MONTH
        if queue.wait_beyond(target) <= 1.0 - probability + 1e-6:
            continue
        districts = side.flows.loc[
            (side.flows["agency_id"] == row.agency_id)
            & (side.flows["service_id"] == row.service_id),
            "district_id",
        ]
        missing.append(
            {
                "agency_id": row.agency_id,
                "service_id": row.service_id,
                "servers": int(row.servers),
                "capacity": float(capacity.get((row.agency_id, row.service_id), 0.0)),
                "wait_days": (
                    queue.wait_quantile(probability) * queues.DAYS_PER_MONTH
                    if queue.stable
                    else None
                ),
                "district_ids": sorted(set(districts.astype(str))),
            }
        )
    return missing


def _target_record(
    agency_id: str,
    service_id: str,
    rho: float | None,
    targets: dict[str, float],
    miss: dict[str, Any] | None,
    inputs: ModelInputs,
    plan: Plan,
) -> dict[str, Any]:
    """One capped (or missing) agency: met, or the reason it cannot be (a code)."""
    reason = None
    if miss is not None:
        pair = inputs.pairs[
            (inputs.pairs["agency_id"] == agency_id) & (inputs.pairs["service_id"] == service_id)
        ]
        added = plan.capacity_added
        units = float(
            added.loc[
                (added["agency_id"] == agency_id) & (added["service_id"] == service_id), "units"
            ].sum()
        )
        most = float(pair["m"].sum()) if len(pair) else 0.0
        reason = "expansion_limit" if units >= most - 1e-9 else "budget"
        if miss["servers"] == 0:
            reason = "no_units"
    return {
        "agency_id": agency_id,
        "service_id": service_id,
        "target_days": float(targets[service_id]),
        "cap": rho,
        "met": miss is None,
        "wait_days": None if miss is None else miss["wait_days"],
        "reason": reason,
        "district_ids": [] if miss is None else miss["district_ids"],
    }


def close_and_lock(pairs: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """MODEL.md "What-ifs per agency": a closed agency (or agency:service) has c0 = 0 and
    no k (m = 0, so `prepare_inputs` drops the pair); a locked one keeps c0 and gets no k.
    A scenario that closes and locks nothing returns `pairs` itself, untouched."""
    closed = scenario.closed_or_locked("closed") if getattr(scenario, "closed", None) else []
    locked = scenario.closed_or_locked("locked") if getattr(scenario, "locked", None) else []
    if not closed and not locked:
        return pairs
    pairs = pairs.copy()

    def matches(items: list[tuple[str, str | None]]) -> pd.Series:
        hit = pd.Series(False, index=pairs.index)
        for agency_id, service_id in items:
            mask = pairs["agency_id"] == agency_id
            if service_id is not None:
                mask &= pairs["service_id"] == service_id
            hit |= mask
        return hit

    shut = matches(closed)
    pairs.loc[shut, "c0"] = 0.0
    pairs.loc[shut | matches(locked), "m"] = 0.0
    return pairs


# --- pathways in the model -------------------------------------------------------------------


def served_by_month(assignments: pd.DataFrame) -> pd.DataFrame:
    """Units served a month per district, service and period (months unmerged: a block is a
    month; a merged block's months each get its flow)."""
    columns = ["district_id", "service_id", "period", "served"]
    if assignments is None or len(assignments) == 0:
        return pd.DataFrame({c: pd.Series(dtype=str if c != "served" else float) for c in columns})
    frame = assignments[["district_id", "service_id", "periods", "served_per_month"]].copy()
    frame["period"] = frame["periods"].astype(str).str.split(";")
    frame = frame.explode("period")
    out = frame.groupby(["district_id", "service_id", "period"], sort=True)[
        "served_per_month"
    ].sum()
    return out.rename("served").reset_index()[columns]


def define_pathways(model: HavenModel) -> None:
    """MODEL.md's pathways in the balance rows of the services they lead to. Since
    sum_a x[n,a,s,q,t] = d[n,s,q,t] - u[n,s,q,t] (balance (1) upstream), the row of s' reads

        sum_a x[n,a,s',t] + u[n,s',t] + c sum_q u[n,s,q,t-lag]
            = d[n,s',t] + c (sum_q d[n,s,q,t-lag] - today[n,s,t-lag])

    one term per upstream cohort rather than one per upstream flow, with c = share upc[s'] /
    upc[s] times the cohort's share of the cell's demand (induced demand is spread over a
    district's cohorts of s' as its forecast is). A month before the horizon's first has no
    term. Where s' has no forecast demand in a district and month there is no row, and no
    induced demand there (`induced_demand` counts it the same way).

    And nobody served today is turned away to shrink demand downstream: every upstream cell
    a pathway leaves serves at least what the status quo serves there,
    pathway_floor[n,s,t]: sum_q u[n,s,q,t] <= sum_q d[n,s,q,t] - today[n,s,t]; with no new
    money the plan then serves what today serves and induces nothing."""
    inputs = model.inputs
    pathways, today = inputs.pathways, inputs.served_today
    if pathways is None or today is None or len(model.cells) == 0:
        return
    upc = inputs.services["units_per_case"].astype(float)
    balance = [c for name, c in model.constraints.items() if model.kinds[name] == "balance"]
    cells = model.cells
    if len(balance) != len(cells):  # one balance row per cell, in the cells' order
        raise RuntimeError("pathways: the balance rows do not match the demand cells")
    keys = ["district_id", "service_id", "block"]
    total = cells.groupby(keys, sort=False)["demand"].transform("sum").to_numpy(float)
    share_of_cell = np.divide(
        cells["demand"].to_numpy(float), total, out=np.zeros(len(cells)), where=total > 0
    )
    upstream = cells.groupby(keys, sort=False).indices  # cohort cells of (n, s, t)
    flows_of = model.flows.groupby(keys, sort=False).indices  # flows of (n, s, t)
    # A service some pathway leads to has induced terms in its own balance rows, so its
    # served is not d - u there: its flows are summed instead (MODEL.md's form).
    led_to = {str(s) for s in pathways["to_service"]}
    demand_of = cells["demand"].to_numpy(float)
    today_of = today.set_index(["district_id", "service_id", "period"])["served"].to_dict()
    month = {p: i for i, p in enumerate(inputs.periods)}
    sources = {str(s) for s in pathways["from_service"]}
    served_of = _served_variables(model, flows_of, sources & led_to)
    districts = cells["district_id"].astype(str).to_numpy()
    blocks = cells["block"].astype(str).to_numpy()
    services = cells["service_id"].astype(str).to_numpy()
    for path in rows(pathways):
        source, target = str(path.from_service), str(path.to_service)
        if source not in upc.index or target not in upc.index:
            continue
        ratio = float(path.share) * float(upc[target]) / float(upc[source])
        lag = int(path.lag_months) if pd.notna(path.lag_months) else 0
        for i in np.flatnonzero(services == target):
            j = month.get(blocks[i])
            if j is None or j - lag < 0:
                continue
            earlier = inputs.periods[j - lag]
            coef = ratio * float(share_of_cell[i])
            if coef == 0:
                continue
            row = balance[i]
            key = (districts[i], source, earlier)
            served_today = float(today_of.get(key, 0.0))
            if source in led_to:
                if key in served_of:
                    row.expr.addterm(served_of[key], -coef)
                change = -served_today
            else:
                members = upstream.get(key, ())
                for position in members:
                    row.expr.addterm(model.u[int(position)], coef)
                change = float(sum(demand_of[int(p)] for p in members)) - served_today
            if change:
                row.changeRHS(float(-row.constant) + coef * change)
    _pathway_floors(model, sources, led_to, today_of, served_of)  # type: ignore[arg-type]


def _served_variables(
    model: HavenModel, flows_of: dict[Any, Any], services: set[str]
) -> dict[tuple[str, str, str], pulp.LpVariable]:
    """served[n,s,t] = sum_{a,q} x[n,a,s,q,t] for the cells of a service that is both led to
    and leads on (case management): one defining row each, so that every row downstream
    carries one term for it instead of all its flows (the demo city's non-zeros went from
    553,000 to about 300,000, and its LP time with them)."""
    served: dict[tuple[str, str, str], pulp.LpVariable] = {}
    add = model.problem.add_variable
    for key, positions in flows_of.items():
        district, service, block = (str(part) for part in key)
        if service not in services or len(positions) == 0:
            continue
        var = add(f"served_{len(model.served)}", 0.0)
        model.served[len(model.served)] = var
        terms = dict.fromkeys([model.x[int(p)] for p in positions], 1.0)
        terms[var] = -1.0
        name = f"pathway_served[{district},{service},{block}]"
        model.add("pathway_served", name, terms, pulp.LpConstraintEQ, 0.0)
        served[(district, service, block)] = var
    return served


def _pathway_floors(
    model: HavenModel,
    sources: set[str],
    led_to: set[str],
    today_of: dict[tuple[str, str, str], float],
    served_of: dict[tuple[str, str, str], pulp.LpVariable],
) -> None:
    """pathway_floor[n,s,t]: sum_q u <= sum_q d - today (or served[n,s,t] >= today, a bound,
    where s is itself led to, its balance holding induced terms) for every upstream cell
    served today."""
    keys = ["district_id", "service_id", "block"]
    cells = model.cells
    demand_of = cells["demand"].to_numpy(float)
    for key, members in cells.groupby(keys, sort=False).indices.items():
        district, service, block = (str(part) for part in key)  # type: ignore[attr-defined]
        if service not in sources:
            continue
        served_today = float(today_of.get((district, service, block), 0.0))
        if served_today <= 0:
            continue
        name = f"pathway_floor[{district},{service},{block}]"
        slack = 1e-9 * max(served_today, 1.0)
        if service in led_to:
            served = served_of.get((district, service, block))
            if served is not None:  # a bound on served[n,s,t], not a row
                served.lowBound = max(served_today - slack, 0.0)
            continue
        upstream_demand = float(sum(demand_of[int(p)] for p in members))
        rhs = max(upstream_demand - served_today, 0.0) + slack
        terms = dict.fromkeys([model.u[int(p)] for p in members], 1.0)
        model.add("pathway_floor", name, terms, pulp.LpConstraintLE, rhs)


def induced_demand(inputs: ModelInputs, assignments: pd.DataFrame) -> pd.DataFrame:
    """The demand a plan induces downstream, per district, service and period (units a
    month; negative where it serves fewer upstream than today), where the model counts it."""
    keys = ["district_id", "service_id", "period"]
    columns = [*keys, "induced"]
    pathways, today = inputs.pathways, inputs.served_today
    if pathways is None or today is None:
        return pd.DataFrame({c: pd.Series(dtype=str if c != "induced" else float) for c in columns})
    upc = inputs.services["units_per_case"].astype(float)
    served = served_by_month(assignments).set_index(keys)["served"]
    today_of = today.set_index(keys)["served"]
    change = served.sub(today_of, fill_value=0.0).rename("delta").reset_index()
    periods = np.asarray(inputs.periods, dtype=object)
    month = {p: i for i, p in enumerate(inputs.periods)}
    position = change["period"].astype(str).map(month)
    change = change[position.notna()].assign(month=position.dropna().astype(int))
    pieces = []
    for path in rows(pathways):
        source, target = str(path.from_service), str(path.to_service)
        if source not in upc.index or target not in upc.index:
            continue
        ratio = float(path.share) * float(upc[target]) / float(upc[source])
        lag = int(path.lag_months) if pd.notna(path.lag_months) else 0
        part = change[change["service_id"].astype(str) == source]
        later = part["month"].to_numpy(int) + lag
        inside = later < len(periods)
        pieces.append(
            pd.DataFrame(
                {
                    "district_id": part["district_id"].astype(str).to_numpy()[inside],
                    "service_id": target,
                    "period": periods[later[inside]],
                    "induced": ratio * part["delta"].to_numpy(float)[inside],
                }
            )
        )
    cells = inputs.demand.loc[inputs.demand["demand"] > 0, keys].astype(str).drop_duplicates()
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=str if c != "induced" else float) for c in columns})
    found = pd.concat(pieces, ignore_index=True).astype({"period": str}).merge(cells, on=keys)
    out = found.groupby(keys, sort=True)["induced"].sum().reset_index()
    return pd.DataFrame(out[columns])


def with_induced_coverage(inputs: ModelInputs, plan: Plan, induced: pd.DataFrame) -> Plan:
    """The plan's coverage and totals with the induced demand in the demand of the services
    it reaches (the solve's own tables count the forecast only)."""
    from planner.findings import Totals
    from planner.optimise.readback import plan_totals

    if len(induced) == 0:
        return plan
    extra = induced.groupby(["district_id", "service_id"])["induced"].sum()
    coverage = plan.coverage.copy()
    key = pd.MultiIndex.from_frame(coverage[["district_id", "service_id"]])
    assignments = plan.assignments
    raw = (
        (assignments["served_per_month"] * assignments["months"])
        .groupby([assignments["district_id"], assignments["service_id"]])
        .sum()
    )
    coverage["demand"] = coverage["demand"].to_numpy(float) + extra.reindex(key).fillna(
        0.0
    ).to_numpy(float)
    coverage["served"] = np.minimum(
        raw.reindex(key).fillna(0.0).to_numpy(float), coverage["demand"].to_numpy(float)
    )
    coverage["unmet"] = np.clip(coverage["demand"] - coverage["served"], 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage["coverage"] = np.where(
            coverage["demand"] > 0, coverage["served"] / coverage["demand"], np.nan
        )
    figures = plan_totals(inputs, plan.funding, plan.capacity_added, coverage)
    keep = {
        name: figures[name]
        for name in ("demand", "served", "unmet", "coverage", "weighted_demand", "weighted_unmet")
    }
    totals: Totals = replace(plan.totals, **keep)
    return replace(plan, coverage=coverage, totals=totals)


def define_flow(model: HavenModel) -> None:
    """The model's hook (after the balance and capacity rows): pathways, then caps."""
    define_pathways(model)
    define_wait_caps(model)


def define_wait_caps(model: HavenModel) -> None:
    """Wait targets: capacity[a,s,b] becomes sum_n x <= rho (c0 + k) for each capped pair."""
    caps = model.inputs.wait_caps
    if not caps:
        return
    pairs = model.pairs
    position = {
        (a, s): i
        for i, (a, s) in enumerate(zip(pairs["agency_id"], pairs["service_id"], strict=True))
    }
    for name, constraint in model.constraints.items():
        if model.kinds[name] != "capacity":
            continue
        agency_id, service_id = name[len("capacity[") :].split(",")[:2]
        rho = caps.get((agency_id, service_id))
        if rho is None:
            continue
        p = position[(agency_id, service_id)]
        column = capacity_column(model, name)  # its year's column when the plan has years
        if column is not None:
            constraint.expr[column] = -rho
        constraint.changeRHS(rho * float(pairs["c0"].iloc[p]))
