"""What an audience may read of a city's case counts and agencies, computed once (pure).

`publish_history(package, k)` suppresses the whole demand history in ONE pass, per
service: the district × period matrix of cases with its column totals (the city's cases
per period) goes through `planner.disclosure.suppress_table`, primary and complementary
suppression checked by linear programming. (Row totals, a district's cases over the last
12 months, are not part of it: in a city of small districts a row of 1s with its total
pins every 1 and the whole table would be withheld; a district's recent cases are derived
instead, shown only when every month of it is.) Every other table of case counts that an
audience can reach (a district's or the city's cases over the last 12 months, a service's
total, the Overview's summary, the Demand page's city history, the public's city totals,
a package export's demand) is derived from this one `PublishedHistory`: a derived figure
is shown only when every count it adds up is shown, so it is a function of what is shown
already and tells an attacker nothing new. Nothing that an audience reads is computed from
exact counts beside it: the guarantee is per audience, not per table.

`disclosed_package(package, audience)` is the package as the audience may see it:
confidential agencies named `access.CONFIDENTIAL_NAME` and placed at their district's point,
demand counts as published (hidden ones missing), and for an audience without aggregates no
demand, funders or eligibility at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import disclosure, geo
from planner.package import CityPackage
from service.access import CONFIDENTIAL_NAME
from service.audience import Audience

RECENT_MONTHS = 12
HIDDEN = "hidden"
"""Status of a derived figure that adds up at least one hidden count."""

CELL_COLUMNS = ["district_id", "service_id", "period", "cases", "status"]
CITY_COLUMNS = ["service_id", "period", "cases", "status"]


@dataclass(frozen=True, eq=False)
class PublishedHistory:
    """The demand history as one audience may read it; the single source of its counts.

    - `cells`: district_id, service_id, period, cases (float, NaN when hidden), status
      ("shown", "primary" shown as "<k", "complement" or "withheld" shown as "x");
      empty for an audience without aggregates;
    - `city`: service_id, period, cases, status: the city's cases per service and period
      (the column totals of the suppression, so every cell and total agree);
    - `district_recent`: district_id, service_id, cases, status: each district's cases over
      the recent periods, derived (NaN unless every month is shown); empty without
      aggregates;
    - `service_recent`: service_id, cases, status: the city's cases over the recent periods,
      derived from `city`;
    - `periods`: every observed period, oldest first; `recent_periods`: the last 12.
    - `k`: the threshold (1: exact, nothing hidden).
    """

    k: int
    periods: tuple[str, ...]
    recent_periods: tuple[str, ...]
    cells: pd.DataFrame
    city: pd.DataFrame
    district_recent: pd.DataFrame
    service_recent: pd.DataFrame

    @property
    def exact(self) -> bool:
        return self.k <= 1

    def recent_by_service(self) -> pd.DataFrame:
        """Per service: cases over the recent periods (`cases`, NaN when hidden) and
        `status` (as the suppression gave it)."""
        return self.service_recent

    def recent_by_district(self) -> pd.DataFrame:
        """Per district and service: cases over the recent periods (NaN when hidden)."""
        return self.district_recent

    def city_by_period(self, service_id: str | None = None) -> pd.DataFrame:
        """The city's cases per period, for one service or all (NaN when any is hidden)."""
        frame = (
            self.city if service_id is None else self.city[self.city["service_id"] == service_id]
        )
        return _derived(frame, ["period"])

    def labels(self, frame: pd.DataFrame) -> pd.Series:
        """A frame's `cases` as text: the number, "<k" or "x"."""
        text = frame["cases"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}").astype(object)
        text[frame["status"] == disclosure.PRIMARY] = disclosure.primary_label(self.k)
        hidden = frame["status"].isin([disclosure.COMPLEMENT, disclosure.WITHHELD, HIDDEN])
        text[hidden] = disclosure.COMPLEMENT_LABEL
        return text.astype("string")


def _derived(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sums of `cases` by `by`, NaN and "hidden" when any member is hidden."""
    if frame.empty:
        return pd.DataFrame(columns=[*by, "cases", "status"])
    hidden = frame["status"] != disclosure.SHOWN
    grouped = frame.assign(_hidden=hidden.to_numpy()).groupby(by, as_index=False)
    sums = grouped.agg(cases=("cases", "sum"), _hidden=("_hidden", "any"))
    sums["cases"] = sums["cases"].astype(float).mask(sums["_hidden"])
    sums["status"] = np.where(sums["_hidden"], HIDDEN, disclosure.SHOWN)
    return pd.DataFrame(sums.drop(columns="_hidden"))


def publish_history(package: CityPackage, k: int) -> PublishedHistory:
    """The package's demand history suppressed once for threshold k (k = 1: exact)."""
    demand = package.demand
    periods = tuple(sorted(str(p) for p in demand["period"].dropna().unique()))
    recent = periods[-RECENT_MONTHS:]
    cells: list[pd.DataFrame] = []
    city: list[pd.DataFrame] = []
    for service_id, rows in demand.assign(period=demand["period"].astype(str)).groupby(
        "service_id", sort=True
    ):
        matrix = rows.pivot_table(
            index="district_id", columns="period", values="cases", aggfunc="sum", fill_value=0
        ).astype("int64")
        table = disclosure.suppress_table(matrix, k, row_totals=False, column_totals=True)
        cell_part, city_part = _long(table, str(service_id), row_totals=False)
        cells.append(cell_part)
        city.append(city_part)
    cell_frame = _frame(cells, CELL_COLUMNS)
    city_frame = _frame(city, CITY_COLUMNS).sort_values(["service_id", "period"], ignore_index=True)
    return PublishedHistory(
        k=k,
        periods=periods,
        recent_periods=recent,
        cells=cell_frame,
        city=city_frame,
        district_recent=_derived(
            cell_frame[cell_frame["period"].isin(recent)], ["district_id", "service_id"]
        ),
        service_recent=_derived(city_frame[city_frame["period"].isin(recent)], ["service_id"]),
    )


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _long(
    table: disclosure.SuppressedTable, service_id: str, row_totals: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A suppressed district × period table as long cells and city totals per period."""
    shown = table.shown.astype("Float64").astype(float)
    status = table.status
    if row_totals:
        shown = shown.drop(columns=disclosure.TOTAL)
        status = status.drop(columns=disclosure.TOTAL)
    body = shown.drop(index=disclosure.TOTAL)
    long = pd.DataFrame(body.stack(future_stack=True)).reset_index()
    long.columns = ["district_id", "period", "cases"]
    long["status"] = status.drop(index=disclosure.TOTAL).stack(future_stack=True).to_numpy()
    long.insert(1, "service_id", service_id)
    city = pd.DataFrame(
        {
            "service_id": service_id,
            "period": [str(c) for c in shown.columns],
            "cases": shown.loc[disclosure.TOTAL].to_numpy(dtype=float),
            "status": status.loc[disclosure.TOTAL].to_numpy(),
        }
    )
    return long, city


def for_audience(history: PublishedHistory, audience: Audience) -> PublishedHistory:
    """The history an audience reads: without district cells when it sees no aggregates."""
    if audience.aggregates:
        return history
    return dataclasses.replace(
        history, cells=history.cells.iloc[0:0], district_recent=history.district_recent.iloc[0:0]
    )


def hidden_agency_ids(package: CityPackage, audience: Audience) -> frozenset[str]:
    """The agencies whose name and place this audience may not see."""
    if audience.confidential_places:
        return frozenset()
    confidential = package.agencies["confidential"].fillna(False).astype(bool)
    return frozenset(str(a) for a in package.agencies.loc[confidential, "agency_id"])


def disclosed_package(
    package: CityPackage, audience: Audience, history: PublishedHistory | None = None
) -> CityPackage:
    """The package as the audience may see it (pure); `history` defaults to
    `publish_history(package, audience.k)` (pass the cached one)."""
    if audience.exact_counts and audience.confidential_places:
        return package
    changes: dict[str, object] = {"agencies": _masked_agencies(package, audience)}
    if not audience.exact_counts:
        # Hotline counts (version 2) are suppressed where they are shown (service.live); a
        # package for this audience carries none of them.
        changes["hotline"] = package.hotline.iloc[0:0]
        # Demand per group, language and exploitation type (version 2) splits every cell
        # smaller still: a package for this audience carries only the published totals.
        groups = getattr(package, "demand_groups", None)
        if groups is not None:
            changes["demand_groups"] = groups.iloc[0:0]
    if not audience.aggregates:
        changes["demand"] = package.demand.iloc[0:0].astype({"cases": "float64"})
        changes["funders"] = package.funders.iloc[0:0]
        changes["eligibility"] = package.eligibility.iloc[0:0]
    elif not audience.exact_counts:
        history = history if history is not None else publish_history(package, audience.k)
        changes["demand"] = _published_demand(package.demand, history)
    return dataclasses.replace(package, **changes)  # type: ignore[arg-type]


def _masked_agencies(package: CityPackage, audience: Audience) -> pd.DataFrame:
    agencies = package.agencies.copy()
    hidden = agencies["agency_id"].astype(str).isin(hidden_agency_ids(package, audience))
    if not hidden.any():
        return agencies
    lat, lon = geo.at_district_points(package.districts, agencies.loc[hidden, "district_id"])
    agencies["lat"] = agencies["lat"].astype(float)
    agencies["lon"] = agencies["lon"].astype(float)
    agencies.loc[hidden, "lat"] = lat
    agencies.loc[hidden, "lon"] = lon
    names = agencies["name"].astype(object).copy()
    names[hidden] = CONFIDENTIAL_NAME
    agencies["name"] = names.astype("str")
    return agencies


def _published_demand(demand: pd.DataFrame, history: PublishedHistory) -> pd.DataFrame:
    """Demand rows with their published cases (NaN where hidden). Rows of one cell from
    several sources are one count in the history: their cases are summed into the first row
    and the others dropped, so that nothing smaller than the cell is shown."""
    keys = ["district_id", "service_id", "period"]
    rows = demand.copy()
    rows["period"] = rows["period"].astype(str)
    rows = rows.drop_duplicates(keys, keep="first").drop(columns="cases")
    published = history.cells[[*keys, "cases"]]
    merged = rows.merge(published, on=keys, how="left")
    return merged[list(demand.columns)].reset_index(drop=True)
