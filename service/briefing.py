"""A council briefing of saved plans, for an audience the actor may write for (issue 20).

The same door as the single-plan report: each saved scenario is solved once on the exact
data (service.plans, cached) and disclosed for the chosen audience
(`service.plans.disclose_plan`: counts suppressed, confidential agencies masked), with the
city's package as that audience may see it. The audience is the actor's own or a narrower
one (`service.audience.narrowed`: an analyst writes a briefing for partners), never wider.
The document is laid out at the edge (reports.briefing.briefing_document).

API: `briefing_for(actor, city, names, audience=None) -> BriefingFor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.errors import UnknownScenario
from planner.briefing import MAX_PLANS, MIN_PLANS, Briefing, build_briefing
from planner.i18n import N_, t
from planner.optimiser import Plan
from planner.package import CityPackage
from planner.problems import InvalidInput, Problem
from planner.scenario import Scenario
from service import plans as plan_service
from service import store
from service.access import Action, Actor, require
from service.audience import Audience, narrowed
from service.city import _visible, require_city


@dataclass(frozen=True, eq=False)
class BriefingFor:
    """A briefing as one audience may read it, with the city as that audience sees it."""

    briefing: Briefing
    package: CityPackage
    audience: Audience

    @property
    def role(self) -> str:
        """The report audience it is written for (an admin's is the analyst's)."""
        return "analyst" if self.audience.role == "admin" else self.audience.role


def briefing_for(
    actor: Actor, city_name: str, names: Sequence[str], audience: str | None = None
) -> BriefingFor:
    """The briefing of the saved scenarios `names` (two to four) for `audience` (default: the
    actor's own), with the city as that audience may see it. A scenario that cannot be
    planned is an InvalidInput naming it."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    if not MIN_PLANS <= len(names) <= MAX_PLANS:
        raise InvalidInput(
            [Problem("scenarios", message=t("a briefing compares two to four saved plans"))]
        )
    target = narrowed(actor, audience, city_name=city_name)
    version = store.data_version(city_name)
    visible = _visible(city_name, version, target)
    by_name = {s.name: s for s in plan_service.saved_scenarios(actor, city_name)}
    plans: dict[str, Plan] = {}
    problems: list[Problem] = []
    for name in names:
        saved = by_name.get(name)
        if saved is None:
            problems.append(Problem(name, message=str(UnknownScenario(name))))
            continue
        scenario = Scenario.from_dict(dict(saved.parameters), source=saved.name)
        plan = plan_service._disclosed(city_name, version, scenario, target)
        if not plan.has_plan:
            problems.append(Problem(name, message=t("has no plan ({status})", status=plan.status)))
            continue
        plans[name] = plan
    if problems:
        raise InvalidInput(problems)
    briefing = build_briefing(
        plans, visible, small_count_k=None if target.exact_counts else target.k
    )
    return BriefingFor(briefing=briefing, package=visible, audience=target)
