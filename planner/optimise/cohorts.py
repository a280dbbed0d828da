"""Cohorts for the model: demand per cohort, who may serve it, and across which language barrier.

MODEL.md "Population groups and eligibility": a flow x[n,a,s,q,t] exists only where agency a
accepts q's group for s (E(a,s)); it crosses a language barrier when q needs a language a does
not work in (L(a)), and then consumes h[s] units of the interpretation service I per unit.

Cohorts a service cannot tell apart are merged into one class before the model sees them:
same agencies accepting them, same barrier pattern (only where h[s] > 0 and interpretation
exists), same weight wp, and the same group floor (a floored group is never merged with
another group). Merging is exact: members of a class are interchangeable, so an optimal plan
of the merged model split in proportion to demand is an optimal plan of the unmerged one.
A service whose cohorts all fall into one class has the class `ANY_COHORT`, left out of the
constraint names; a package without groups has only that, and the model is version 1's.

Rules where the contract leaves a choice (docs/model.md says them too):
- demand of group `any` (the group not recorded) in a city with groups is accepted by the
  agencies that accept every group, not by those restricted to some;
- a service an agency may open (not offered today) accepts every group;
- interpretation is a city-wide pool: the c0 + k of I summed over agencies, per month, shared
  with I's own demand (I's radius is not applied to (7));
- without an interpretation service, or where I can have no capacity, a flow across a barrier
  of a service with h[s] > 0 cannot happen (it is not created).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.groups import (
    ANY_GROUP,
    NO_LANGUAGE,
    accepted_groups,
    agency_languages,
    cohort_label,
    has_groups,
    populations,
    split_demand,
)

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

ANY_COHORT = "any"


@dataclass(frozen=True, eq=False)
class CohortInputs:
    """What the model needs about cohorts (all empty for a version-1 package)."""

    grouped: bool = False
    #: service_id, cohort (class), population, language, weight: each class's members.
    members: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: service_id, cohort, weight (wp), floor_group ('' or the floored group).
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: agency_id, service_id, cohort, barrier: the (pair, class) a flow may use.
    access: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: district_id, service_id, period, population, language, cohort, demand (unmerged).
    group_demand: pd.DataFrame = field(default_factory=pd.DataFrame)
    interpretation_service: str | None = None
    group_floors: dict[str, float] = field(default_factory=dict)
    population_names: dict[str, str] = field(default_factory=dict)


def scenario_group_floors(scenario: Scenario) -> dict[str, float]:
    return {str(k): float(v) for k, v in (getattr(scenario, "group_floors", None) or {}).items()}


def scenario_population_weights(scenario: Scenario) -> dict[str, float]:
    weights = getattr(scenario, "population_weights", None) or {}
    return {str(k): float(v) for k, v in weights.items()}


def cohort_demand(package: CityPackage, demand: pd.DataFrame) -> pd.DataFrame:
    """Demand with population and language: the given columns when the caller split it,
    else `planner.groups.split_demand` (one cohort `any` without group history)."""
    if {"population", "language"} <= set(demand.columns):
        frame = demand.copy()
        for column, default in (("population", ANY_GROUP), ("language", NO_LANGUAGE)):
            values = frame[column].astype("string").fillna("").str.strip()
            frame[column] = values.where(values != "", default).astype(str)
        return frame
    if not has_groups(package):
        return demand.assign(population=ANY_GROUP, language=NO_LANGUAGE)
    return split_demand(package, demand)


def prepare_cohorts(
    package: CityPackage,
    scenario: Scenario,
    demand: pd.DataFrame,
    pairs: pd.DataFrame,
    services: pd.DataFrame,
) -> tuple[pd.DataFrame, CohortInputs]:
    """Demand per district, service, period and class (column `cohort`), and the rest.

    `demand` has population and language (see `cohort_demand`); `pairs` are the model's
    agency-service pairs (planner.optimise.inputs)."""
    keys = ["district_id", "service_id", "period"]
    cohorts = demand[["service_id", "population", "language"]].drop_duplicates()
    floors = scenario_group_floors(scenario)
    simple = (
        len(cohorts) == cohorts["service_id"].nunique()
        and (cohorts["population"] == ANY_GROUP).all()
        and (cohorts["language"] == NO_LANGUAGE).all()
        and not has_groups(package)
    )
    if simple:  # version 1: one class per service, every pair may serve it
        simple_demand = demand[[*keys, "demand"]].assign(cohort=ANY_COHORT)
        return simple_demand, CohortInputs(group_floors=floors)

    names = populations(package)
    wp = dict(zip(names["population_id"], names["weight"], strict=True))
    wp.update(scenario_population_weights(scenario))
    interp = getattr(package.city, "interpretation_service", None) or None
    h = (
        services["interpretation_per_unit"].astype(float)
        if "interpretation_per_unit" in services
        else pd.Series(0.0, index=services.index)
    ).fillna(0.0)
    interp_possible = interp is not None and bool(
        ((pairs["service_id"] == interp) & ((pairs["c0"] + pairs["m"]) > 0)).any()
    )
    accepted = accepted_groups(package)
    accept_of = {
        (a, s): p
        for a, s, p in zip(
            accepted["agency_id"], accepted["service_id"], accepted["populations"], strict=True
        )
    }
    speaks = agency_languages(package)

    # Per service, a signature per cohort; cohorts with the same signature are one class.
    access_rows: list[tuple[str, str, str, bool]] = []
    member_rows: list[tuple[str, str, str, str, float]] = []
    class_rows: list[tuple[str, str, float, str]] = []
    for service_id, frame in cohorts.groupby("service_id", sort=True):
        s = str(service_id)
        agencies = pairs.loc[pairs["service_id"] == s, ["agency_id", "is_new"]]
        a_ids = agencies["agency_id"].astype(str).tolist()
        is_new = agencies["is_new"].astype(bool).tolist()
        barrier_counts = bool(h.get(s, 0.0) > 0)
        signatures: dict[tuple, list[tuple[str, str]]] = {}
        detail: dict[tuple, list[tuple[str, bool]]] = {}
        for population, language in sorted(
            zip(frame["population"].astype(str), frame["language"].astype(str), strict=True)
        ):
            allowed: list[tuple[str, bool]] = []
            for a, new in zip(a_ids, is_new, strict=True):
                groups = frozenset() if new else accept_of.get((a, s), frozenset())
                if groups and population not in groups:
                    continue
                barrier = barrier_counts and bool(language) and language not in speaks.get(a, ())
                if barrier and not interp_possible:
                    continue
                allowed.append((a, barrier))
            floor_group = population if population in floors else ""
            signature = (tuple(allowed), float(wp.get(population, 1.0)), floor_group)
            signatures.setdefault(signature, []).append((population, language))
            detail[signature] = allowed
        for signature, members in signatures.items():
            if len(signatures) == 1:
                label = ANY_COHORT
            else:
                label = cohort_label(*members[0])
                if len(members) > 1:
                    label += f"+{len(members) - 1}"
            weight, floor_group = signature[1], signature[2]
            class_rows.append((s, label, weight, floor_group))
            member_rows += [(s, label, p, lang, weight) for p, lang in members]
            access_rows += [(a, s, label, barrier) for a, barrier in detail[signature]]
    member_frame = pd.DataFrame(
        member_rows, columns=["service_id", "cohort", "population", "language", "weight"]
    )
    classes = pd.DataFrame(class_rows, columns=["service_id", "cohort", "weight", "floor_group"])
    access = pd.DataFrame(access_rows, columns=["agency_id", "service_id", "cohort", "barrier"])
    group_demand = demand.merge(
        member_frame[["service_id", "population", "language", "cohort"]],
        on=["service_id", "population", "language"],
    )
    merged = pd.DataFrame(
        group_demand.groupby([*keys, "cohort"], sort=True, as_index=False)["demand"].sum()
    )
    population_names = dict(zip(names["population_id"], names["name"], strict=True))
    return merged, CohortInputs(
        grouped=True,
        members=member_frame,
        classes=classes,
        access=access,
        group_demand=pd.DataFrame(
            group_demand[[*keys, "population", "language", "cohort", "demand"]]
        ),
        interpretation_service=interp if interp_possible else None,
        group_floors=floors,
        population_names=population_names,
    )


def class_weights(cohorts: CohortInputs, cells: pd.DataFrame) -> np.ndarray:
    """wp of each cell's class (1 for a version-1 model)."""
    if not cohorts.grouped or len(cells) == 0:
        return np.ones(len(cells))
    weight = cohorts.classes.set_index(["service_id", "cohort"])["weight"]
    keys = pd.MultiIndex.from_frame(cells[["service_id", "cohort"]])
    return weight.reindex(keys).fillna(1.0).to_numpy(float)
