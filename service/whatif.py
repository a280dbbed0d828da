"""What a closure does, for one actor (planner.whatif through the one door).

`run_what_if(actor, city, scenario)` plans the scenario with its `closed` and `locked` and
without them on the city's stored demand, and returns the comparison as the actor's
audience may see it: both plans through `plans.disclose_plan`; for an audience without
exact counts, the per-district and per-agency figures below the small-count threshold (in
units, which are at least the cases) are blank. Nothing is written: no data, no audit event
(a what-if changes nothing).
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from planner.i18n import N_
from planner.optimiser import SolveOptions
from planner.scenario import Scenario
from planner.whatif import WhatIf, what_if
from service import plans, store
from service.access import Action, Actor, require
from service.audience import Audience, audience_for
from service.city import require_city

#: The what-if's solves leave out the diagnosis and the baselines (its figures need neither).
WHAT_IF_OPTIONS = SolveOptions(diagnostics=False, baselines=False)


def run_what_if(actor: Actor, city_name: str, scenario: Scenario) -> WhatIf:
    """The scenario with and without its closures, as the actor may see it."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    version = store.data_version(city_name)

    def make() -> WhatIf:
        package = store.exact_package(city_name, version)
        demand = plans._plan_demand(city_name, version, scenario)
        return what_if(package, scenario, demand=demand, options=WHAT_IF_OPTIONS)

    exact = store.cached("what_if", (city_name, version, scenario.model_dump_json()), make)
    audience = audience_for(actor, city_name=city_name)
    return disclose_what_if(exact, store.exact_package(city_name, version), audience)


def disclose_what_if(result: WhatIf, package: object, audience: Audience) -> WhatIf:
    """The what-if as `audience` may see it (pure)."""
    with_closure = plans.disclose_plan(result.with_closure, package, audience)  # type: ignore[arg-type]
    without = plans.disclose_plan(result.without, package, audience)  # type: ignore[arg-type]
    districts, takers = result.districts, result.takers
    if not audience.exact_counts:
        districts = _blank_small(
            districts, ["unmet_without", "unmet_with"], ["unmet_added", "unit_km_added"], audience.k
        )
        takers = _blank_small(takers, ["served_without", "served_with"], ["taken"], audience.k)
    return dataclasses.replace(
        result, with_closure=with_closure, without=without, districts=districts, takers=takers
    )


def _blank_small(
    frame: pd.DataFrame, counts: list[str], derived: list[str], k: int
) -> pd.DataFrame:
    """Counts below k blank, and what is derived from a blank count blank too."""
    frame = frame.copy()
    small = pd.Series(False, index=frame.index)
    for column in counts:
        values = frame[column].astype(float)
        hit = (values > 0) & (values < k)
        small |= hit
        frame.loc[hit, column] = math.nan
    for column in derived:
        frame.loc[small, column] = math.nan
    return frame
