"""Who a figure is for: the audience a page, a download or an export is made for.

An `Audience` is what a reader may see, whatever made the request: exact counts or counts
below k suppressed (`k`), confidential agencies named and placed or masked, aggregates by
district and service or the city's totals only. `audience_for(actor)` is the actor's own;
an export or a report may be made for a narrower audience than the actor's
(`audience_named`, `narrowed`), e.g. an analyst writes the HSDS export "for the public".
Never for a wider one: `narrowed` refuses.

Every service function that returns figures takes the actor (and, for exports, the
audience) and filters with it; nothing outside service/ decides what an audience sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner import disclosure
from planner.i18n import N_, t
from service.access import ROLES, AccessDenied, Action, Actor, Role, can

AUDIENCE_NAMES: tuple[Role, ...] = ("analyst", "funder", "partner", "public")
"""The audiences an export may be made for (admin reads as an analyst)."""


@dataclass(frozen=True)
class Audience:
    """What one reader may see.

    - `role`: the role it stands for (admin, analyst, funder, partner, public);
    - `exact_counts`: counts of cases as they are (else counts below `k` suppressed, with
      complementary suppression across everything this audience can reach);
    - `confidential_places`: confidential agencies' names and coordinates (else named
      `access.CONFIDENTIAL_NAME`, at their district's point, no distance to them);
    - `aggregates`: tables by district and service (else the map and city totals only);
    - `k`: the small-count threshold (1 for an exact audience: nothing suppressed).
    """

    role: Role
    exact_counts: bool
    confidential_places: bool
    aggregates: bool
    k: int

    @property
    def key(self) -> str:
        """A short text that identifies the audience in a cache key."""
        return f"{self.role}:{int(self.exact_counts)}{int(self.confidential_places)}" + (
            f"{int(self.aggregates)}:{self.k}"
        )

    def narrower_than_or_equal(self, other: Audience) -> bool:
        """True when this audience sees nothing that `other` may not see."""
        return (
            (not self.exact_counts or other.exact_counts)
            and (not self.confidential_places or other.confidential_places)
            and (not self.aggregates or other.aggregates)
            and (other.exact_counts or self.exact_counts or self.k >= other.k)
        )


def city_k(city_name: str | None) -> int | None:
    """The city's own small-count threshold (city.json's `small_count_k`, version 2), or
    None when the city has none (or is unknown: the caller's own checks refuse it)."""
    if city_name is None:
        return None
    from service import store  # lazily: store opens the database

    try:
        value = store.exact_package(city_name).city.small_count_k
    except LookupError:
        return None
    return None if value is None else int(value)


def audience_for(actor: Actor, *, k: int | None = None, city_name: str | None = None) -> Audience:
    """The actor's own audience. k: as given, else the city's `small_count_k` (with
    `city_name`), else the setting `HAVEN_SMALL_COUNT_K`."""
    exact = can(actor, Action.READ_EXACT_COUNTS)
    if k is None and not exact:
        k = city_k(city_name)
    return Audience(
        role=actor.role,
        exact_counts=exact,
        confidential_places=can(actor, Action.READ_CONFIDENTIAL_LOCATIONS),
        aggregates=can(actor, Action.VIEW_AGGREGATES),
        k=1 if exact else disclosure.resolve_k(k),
    )


def audience_named(name: str, *, k: int | None = None, city_name: str | None = None) -> Audience:
    """The audience of a role by its name ("analyst", "funder", "partner", "public")."""
    if name not in ROLES:
        raise ValueError(
            t(
                "audience: {name} is not one of: {names}",
                name=repr(name),
                names=", ".join(AUDIENCE_NAMES),
            )
        )
    return audience_for(
        Actor(username=f"audience:{name}", role=name),  # type: ignore[arg-type]
        k=k,
        city_name=city_name,
    )


def narrowed(
    actor: Actor, name: str | None, *, k: int | None = None, city_name: str | None = None
) -> Audience:
    """The audience `name` when the actor may make something for it (never wider than the
    actor's own); the actor's own audience when `name` is None. `city_name`: its k is the
    city's `small_count_k` when it has one."""
    own = audience_for(actor, k=k, city_name=city_name)
    if name is None:
        return own
    wanted = audience_named(name, k=k, city_name=city_name)
    if not wanted.narrower_than_or_equal(own):
        raise AccessDenied(
            t(
                "{user} ({role}) may not {what}",
                user=repr(actor.username),
                role=t(actor.role),
                what=t(N_("make an export for a wider audience than its own")),
            )
        )
    return wanted
