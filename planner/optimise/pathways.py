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

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner import queues
from planner.optimise.highs import KeptModel, hand_over
from planner.optimise.inputs import ModelInputs
from planner.optimise.model import build_model
from planner.optimise.readback import assignments_table, read_solution, solution_from_values

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


def status_quo_assignments(
    inputs: ModelInputs, time_limit_s: float, services: set[str] | None = None
) -> pd.DataFrame | None:
    """Who serves whom with today's capacity and no new money (None when not solved), for
    `services` only (all when None): with capacity fixed, services share no constraint, so
    the status quo of some is the status quo of all restricted to them."""
    if services is not None:
        inputs = only_services(inputs, services)
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
    return assignments_table(model, solution_from_values(model, kept.values()))


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
    if not hold:
        return solve_inputs(inputs, scenario, options)
    limit = float(options.time_limit_s or scenario.time_limit_s)
    before = status_quo_assignments(inputs, limit, set(hold))
    plan = solve_inputs(inputs, scenario, options)
    if not plan.has_plan:
        return plan
    waiting = plan_waiting(inputs, plan, wait_probability(scenario), before)
    return replace(plan, waiting=waiting)


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
