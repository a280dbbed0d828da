"""Population groups, languages and eligibility: the cohorts demand is split into.

A cohort is a population group and a language need, q = (p, l) (MODEL.md "Population groups
and eligibility"); l is '' when no interpreter is needed. A package without populations.csv
or without group columns in its demand has one cohort, ('any', ''), and plans exactly as in
version 1.

Demand is forecast for districts and services (planner.demand, the same joint forecast as
version 1); each cell is split here into cohorts by shares estimated from the group history
(`CityPackage.demand_groups`). A district's own history is short and a group's counts are
small, so a cell's shares are shrunk toward the city's shares for the service with
`PRIOR_CASES` pseudo-cases: with few cases a district's split is the city's, with many it is
its own. The city's split for a service is over the cohorts the service has seen (a men's
shelter never borrows women from other services); only a service without any group history
takes the split of every service pooled. Shares add up to one in every
cell, so the cohort cells add up exactly to the version-1 cell: the split is coherent with
the totals every other page shows.

Codes and values only: no sentence is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from planner.package import CityPackage

ANY_GROUP = "any"
NO_LANGUAGE = ""
#: Pseudo-cases of the prior a district's (and a service's) shares are shrunk toward.
PRIOR_CASES = 12.0
#: Months of group history the shares are estimated from (the most recent).
SHARE_MONTHS = 24
COHORT_COLUMNS = ["population", "language"]
SHARE_COLUMNS = ["district_id", "service_id", "population", "language", "share"]
GROUP_DEMAND_COLUMNS = ["district_id", "service_id", "period", "population", "language", "demand"]


def populations(package: CityPackage) -> pd.DataFrame:
    """population_id, name, weight of the package's groups (empty: only `any`)."""
    frame = getattr(package, "populations", None)
    columns = ["population_id", "name", "weight"]
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "weight" else str) for c in columns})
    frame = frame.copy()
    if "weight" not in frame:
        frame["weight"] = 1.0
    frame["weight"] = pd.to_numeric(frame["weight"], errors="coerce").fillna(1.0).astype(float)
    frame["population_id"] = frame["population_id"].astype(str)
    frame["name"] = frame.get("name", frame["population_id"]).astype(str)
    return pd.DataFrame(frame[columns]).reset_index(drop=True)


def group_history(package: CityPackage) -> pd.DataFrame:
    """The package's demand by group (`CityPackage.demand_groups`), normalised: district_id,
    service_id, period, population, language, exploitation, cases; empty without groups."""
    frame = getattr(package, "demand_groups", None)
    columns = [
        "district_id",
        "service_id",
        "period",
        "population",
        "language",
        "exploitation",
        "cases",
    ]
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "cases" else str) for c in columns})
    frame = frame.copy()
    for column, default in (
        ("population", ANY_GROUP),
        ("language", NO_LANGUAGE),
        ("exploitation", "unknown"),
    ):
        if column not in frame:
            frame[column] = default
        values = frame[column].astype("string").fillna("").str.strip()
        frame[column] = values.where(values != "", default).astype(str)
    for column in ("district_id", "service_id", "period"):
        frame[column] = frame[column].astype(str)
    frame["cases"] = pd.to_numeric(frame["cases"], errors="coerce").fillna(0.0).astype(float)
    return pd.DataFrame(frame[columns]).reset_index(drop=True)


def has_groups(package: CityPackage) -> bool:
    """Whether the package says anything about groups or languages (else version 1)."""
    history = group_history(package)
    if len(history) and (
        (history["population"] != ANY_GROUP).any() or (history["language"] != NO_LANGUAGE).any()
    ):
        return True
    return len(populations(package)) > 0


def cohort_shares(package: CityPackage) -> pd.DataFrame:
    """Each district and service's share of demand per cohort, shrunk toward the city's:
    `district_id, service_id, population, language, share`, shares adding up to 1 per
    district and service that has any group history (others take `city_shares`)."""
    return _shares(package)[0]


def recent_group_history(package: CityPackage) -> pd.DataFrame:
    """`group_history` of the last `SHARE_MONTHS` months (what the shares are made of)."""
    history = group_history(package)
    if history.empty:
        return history
    # Periods compared as months over the distinct values (a PeriodIndex of every row's
    # string is a second on the demo city).
    distinct = pd.Series(history["period"].unique())
    months = pd.PeriodIndex(distinct, freq="M")
    keep = set(distinct[np.asarray(months > months.max() - SHARE_MONTHS)])
    return history[history["period"].isin(keep)]


def _shares(package: CityPackage) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`cohort_shares` and the `city_shares` they were shrunk toward (of the same months)."""
    recent = recent_group_history(package)
    if recent.empty or recent["cases"].sum() <= 0:
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in SHARE_COLUMNS}).astype(
            {"share": float}
        )
        return empty, empty.drop(columns="district_id")
    counts = recent.groupby(["district_id", "service_id", *COHORT_COLUMNS], sort=True)[
        "cases"
    ].sum()
    city = city_shares(package, recent)
    cell_total = counts.groupby(level=["district_id", "service_id"]).transform("sum")
    frame = counts.rename("cases").reset_index()
    frame["cell_total"] = cell_total.to_numpy(float)
    # Every cohort the city has for the service, in every district with history: a district
    # with few cases borrows the city's split, including cohorts it has not seen yet.
    cells = frame[["district_id", "service_id", "cell_total"]].drop_duplicates()
    full = cells.merge(city, on="service_id").merge(
        frame[["district_id", "service_id", *COHORT_COLUMNS, "cases"]],
        on=["district_id", "service_id", *COHORT_COLUMNS],
        how="outer",
    )
    full["cases"] = full["cases"].fillna(0.0)
    full["share"] = full["share"].fillna(0.0)
    full["cell_total"] = full.groupby(["district_id", "service_id"])["cell_total"].transform("max")
    full["share"] = (full["cases"] + PRIOR_CASES * full["share"]) / (
        full["cell_total"] + PRIOR_CASES
    )
    full = full[full["share"] > 0]
    full["share"] = full["share"] / full.groupby(["district_id", "service_id"])["share"].transform(
        "sum"
    )
    shares = pd.DataFrame(full[SHARE_COLUMNS]).sort_values(SHARE_COLUMNS[:4])
    return shares.reset_index(drop=True), city


def city_shares(package: CityPackage, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The city's share per service and cohort: `service_id, population, language, share`.

    A service with group history has its own split over the cohorts it has seen (a men's
    shelter never gets a share of women from other services); a service without any takes
    the split of every service pooled."""
    if history is None:
        history = recent_group_history(package)
    pooled = history.groupby(COHORT_COLUMNS, sort=True)["cases"].sum()
    pooled = pooled / pooled.sum() if pooled.sum() > 0 else pooled
    counts = history.groupby(["service_id", *COHORT_COLUMNS])["cases"].sum()
    counts = counts[counts > 0]
    seen = set(counts.index.get_level_values("service_id"))
    rows = []
    for service_id in package.services["service_id"].astype(str).tolist():
        own = counts.xs(service_id, level="service_id") if service_id in seen else pooled
        own = own / own.sum() if own.sum() > 0 else own
        for key, share in own.items():
            population, language = cast(tuple[str, str], key)
            if share > 0:
                rows.append((service_id, str(population), str(language), float(share)))
    return pd.DataFrame(rows, columns=["service_id", *COHORT_COLUMNS, "share"])


def split_demand(package: CityPackage, demand: pd.DataFrame) -> pd.DataFrame:
    """Version-1 demand (`district_id, service_id, period, demand`) split into cohorts:
    `GROUP_DEMAND_COLUMNS`, adding up exactly to each input cell. Cells without group
    history take the city's shares for the service; without any group history every cell is
    the one cohort ('any', '')."""
    shares, city = _shares(package)
    base = demand[["district_id", "service_id", "period", "demand"]].astype(
        {"district_id": str, "service_id": str, "period": str}
    )
    if shares.empty:
        return base.assign(population=ANY_GROUP, language=NO_LANGUAGE)[GROUP_DEMAND_COLUMNS]
    seen = shares[["district_id", "service_id"]].drop_duplicates()
    cells = base[["district_id", "service_id"]].drop_duplicates()
    unseen = cells.merge(seen, how="left", indicator=True)
    unseen = unseen[unseen["_merge"] == "left_only"].drop(columns="_merge")
    filled = unseen.merge(city, on="service_id")
    all_shares = pd.concat([shares, filled[SHARE_COLUMNS]], ignore_index=True)
    split = base.merge(all_shares, on=["district_id", "service_id"], how="left")
    split["population"] = split["population"].fillna(ANY_GROUP)
    split["language"] = split["language"].fillna(NO_LANGUAGE)
    split["share"] = split["share"].fillna(1.0)
    split["demand"] = split["demand"] * split["share"]
    # The largest cohort of each cell takes the rounding, so cells add up to the input's.
    order = split.sort_values(["share"], ascending=False, kind="stable")
    keys = ["district_id", "service_id", "period"]
    total = split.groupby(keys)["demand"].transform("sum")
    first = ~order.duplicated(keys)
    target = base.set_index(keys)["demand"]
    wanted = target.reindex(pd.MultiIndex.from_frame(split[keys])).to_numpy(float)
    fix = first.reindex(split.index).to_numpy(bool)
    split.loc[fix, "demand"] += wanted[fix] - total.to_numpy(float)[fix]
    split["demand"] = split["demand"].clip(lower=0.0)
    return pd.DataFrame(split[GROUP_DEMAND_COLUMNS]).reset_index(drop=True)


def accepted_groups(package: CityPackage) -> pd.DataFrame:
    """agency_id, service_id, populations (a frozenset; empty: every group) of the current
    capacity rows: E(a,s)."""
    current = package.current_capacity()
    values = (
        current["populations"].astype("string").fillna("")
        if "populations" in current
        else pd.Series("", index=current.index)
    )
    return pd.DataFrame(
        {
            "agency_id": current["agency_id"].astype(str),
            "service_id": current["service_id"].astype(str),
            "populations": [
                frozenset(p.strip() for p in str(v).split(";") if p.strip()) for v in values
            ],
        }
    )


def agency_languages(package: CityPackage) -> dict[str, frozenset[str]]:
    """L(a): the languages each agency works in."""
    agencies = package.agencies
    values = (
        agencies["languages"].astype("string").fillna("")
        if "languages" in agencies
        else pd.Series("", index=agencies.index)
    )
    return {
        str(a): frozenset(code.strip() for code in str(v).split(";") if code.strip())
        for a, v in zip(agencies["agency_id"], values, strict=True)
    }


def cohort_label(population: str, language: str) -> str:
    """A cohort's id in constraint names and tables: 'men', 'men:es'."""
    return f"{population}:{language}" if language else population


def agencies_serving(
    package: CityPackage,
    service_id: str | None,
    population: str | None = None,
    language: str | None = None,
) -> set[str]:
    """The agencies that offer a service (any service: None) and accept `population` for it
    (E(a,s): an empty list accepts every group) and work in `language` (L(a))."""
    accepted = accepted_groups(package)
    if service_id is not None:
        accepted = accepted[accepted["service_id"] == service_id]
    if population:
        accepted = accepted[
            [not groups or population in groups for groups in accepted["populations"]]
        ]
    agencies = set(accepted["agency_id"])
    if language:
        speaks = agency_languages(package)
        agencies = {a for a in agencies if language in speaks.get(a, frozenset())}
    return agencies


def languages_spoken(package: CityPackage) -> list[str]:
    """Every language some agency works in, in order."""
    return sorted(
        set().union(*agency_languages(package).values()) if len(package.agencies) else set()
    )
