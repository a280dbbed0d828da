"""The city's referral flow for one actor (planner.pathways through the one door).

`city_flow(actor, city)`: the services on pathways and the cases a month along each, from
the stored package; counts below the reader's threshold blank (`planner.pathways.suppressed`,
the audience's k, the city's small_count_k where it has one).
"""

from __future__ import annotations

from planner.i18n import N_
from planner.pathways import CityFlow, cases_per_month, suppressed
from planner.pathways import city_flow as make_flow
from service import store
from service.access import Action, Actor, require
from service.audience import audience_for
from service.city import require_city


def city_flow(actor: Actor, city_name: str) -> CityFlow:
    """The flow as the actor may see it (empty links without pathways)."""
    require(actor, Action.VIEW_AGGREGATES, N_("see the city's aggregates"))
    require_city(actor, city_name)
    version = store.data_version(city_name)

    def make() -> CityFlow:
        package = store.exact_package(city_name, version)
        return make_flow(package.pathways, cases_per_month(package.demand))

    exact = store.cached("city_flow", (city_name, version), make)
    audience = audience_for(actor, city_name=city_name)
    return exact if audience.exact_counts else suppressed(exact, audience.k)
