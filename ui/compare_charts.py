"""Chart builders for comparing plans: they take frames and return Altair charts.

Differences use a diverging scheme centred on zero (blue for less, orange for more), which
keeps its two sides apart for colour-blind readers; plans are told apart by viridis colours
and by their position in the group. Maps attach the features with `charts.with_features`.
"""

from __future__ import annotations

from typing import Any, Literal

import altair as alt
import geopandas as gpd
import pandas as pd

from planner.i18n import t
from ui.charts import DATASET, with_features

DIVERGING_SCHEME: Literal["blueorange"] = "blueorange"
NO_DATA = "#d9d9d9"


def funding_difference_chart(
    difference: pd.DataFrame, *, reference: str, currency: str, limit: int = 30
) -> alt.Chart:
    """Diverging horizontal bars per agency: each plan's funding minus the reference's, grouped
    by plan when there are several; the `limit` agencies with the largest change."""
    change = difference.groupby("agency_name")["difference"].apply(lambda s: s.abs().max())
    shown = change[change >= 0.5].sort_values(ascending=False).head(limit).index
    frame = difference[difference["agency_name"].isin(shown)]
    money = t("Funding minus “{reference}” ({currency})", reference=reference, currency=currency)
    return (
        alt.Chart(
            frame, title=t("Funding per agency compared with “{reference}”", reference=reference)
        )
        .mark_bar()
        .encode(
            y=alt.Y("agency_name:N", title=t("Agency"), sort=list(shown)),
            yOffset=alt.YOffset("plan:N"),
            x=alt.X("difference:Q", title=money, axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "plan:N",
                title=t("Plan"),
                scale=alt.Scale(scheme="viridis"),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("agency_name:N", title=t("Agency")),
                alt.Tooltip("plan:N", title=t("Plan")),
                alt.Tooltip("difference:Q", title=money, format="+$,.0f"),
            ],
        )
        .properties(height=alt.Step(max(8, 24 // max(frame["plan"].nunique(), 1))))
    )


def difference_map(
    districts: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    title: str,
    first: str,
    second: str,
    height: int = 520,
) -> dict[str, Any]:
    """A Vega-Lite spec: districts coloured by `values["difference"]` (percentage points,
    indexed by district_id, with `name`, `first` and `second` shares); grey without demand."""
    has_values = values["difference"].notna().any()
    largest = max(float(values["difference"].abs().max()) if has_values else 0.0, 1.0)
    base = (
        alt.Chart()
        .mark_geoshape(fill=NO_DATA, stroke="white", strokeWidth=0.6)
        .encode(tooltip=[alt.Tooltip("properties.name:N", title=t("District"))])
    )
    coloured = (
        alt.Chart()
        .transform_filter("isValid(datum.properties.difference)")
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                "properties.difference:Q",
                title=t("Coverage change (pts)"),
                scale=alt.Scale(scheme=DIVERGING_SCHEME, domain=[-largest, largest], domainMid=0),
                legend=alt.Legend(format="+.0f", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title=t("District")),
                alt.Tooltip(
                    "properties.first:Q", title=t("Coverage, {first}", first=first), format=".1%"
                ),
                alt.Tooltip(
                    "properties.second:Q",
                    title=t("Coverage, {second}", second=second),
                    format=".1%",
                ),
                alt.Tooltip(
                    "properties.difference:Q", title=t("Change (percentage points)"), format="+.1f"
                ),
            ],
        )
    )
    chart = alt.layer(base, coloured, data=alt.NamedData(name=DATASET), title=title)
    return with_features(
        chart.project(type="mercator").properties(height=height), districts, values
    )


def coverage_map(
    districts: gpd.GeoDataFrame, values: pd.DataFrame, *, title: str, height: int = 320
) -> dict[str, Any]:
    """A Vega-Lite spec: districts coloured by `values["coverage"]` (a share, indexed by
    district_id, with `name`), viridis; grey without demand."""
    base = alt.Chart().mark_geoshape(fill=NO_DATA, stroke="white", strokeWidth=0.6)
    coloured = (
        alt.Chart()
        .transform_filter("isValid(datum.properties.coverage)")
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                "properties.coverage:Q",
                title=t("Coverage"),
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),  # as charts.COLOR_SCHEME
                legend=alt.Legend(format=".0%", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title=t("District")),
                alt.Tooltip("properties.coverage:Q", title=t("Coverage"), format=".1%"),
            ],
        )
    )
    chart = alt.layer(base, coloured, data=alt.NamedData(name=DATASET), title=title)
    return with_features(
        chart.project(type="mercator").properties(height=height), districts, values
    )
