"""Chart builders: they take frames and return Altair charts, and never touch Streamlit.

Maps are Vega-Lite specs (dicts, for `st.vega_lite_chart`) built with Altair, with the
district features as an inline named dataset (no URL, no tiles, no network), attached by
`with_features` after Altair has validated the rest. Vega draws a polygon's inside only
when its outer ring runs clockwise (the opposite of GeoJSON's right-hand rule), so rings are
re-oriented here.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
from shapely.geometry import mapping

from planner.geo import clockwise
from planner.i18n import N_, t

COLOR_SCHEME = "viridis"  # reads in greyscale and for colour-blind users
DIVERGING_SCHEME = "redblue"  # reversed: red for a shortage (above 0), blue for a surplus
DATASET = "districts"  # the name of the features' dataset in a map's spec


def geo_features(districts: gpd.GeoDataFrame, properties: pd.DataFrame) -> list[dict[str, Any]]:
    """GeoJSON features for the districts, with the columns of `properties` (indexed by
    district_id) as their properties; numbers stay numbers and missing values become null."""
    props = properties.reindex(districts["district_id"].to_numpy())
    records = json.loads(props.reset_index().to_json(orient="records"))
    features = []
    for geometry, record in zip(districts.to_crs("EPSG:4326").geometry, records, strict=True):
        features.append(
            {"type": "Feature", "geometry": mapping(clockwise(geometry)), "properties": record}
        )
    return features


def with_features(
    chart: alt.TopLevelMixin, districts: gpd.GeoDataFrame, values: pd.DataFrame
) -> dict[str, Any]:
    """The chart's spec with the district features attached as the dataset `DATASET`.

    Attached after `to_dict`, not given to Altair: Altair walks and validates every
    coordinate of inline data, a tenth of a second per map of the demo city, on every run;
    Streamlit passes the datasets of a spec through to Vega-Lite as they are.
    """
    spec: dict[str, Any] = chart.to_dict()
    spec.setdefault("datasets", {})[DATASET] = geo_features(districts, values)
    return spec


def _choropleth(
    value: str,
    *,
    value_title: str,
    value_format: str,
    tooltip_fields: dict[str, str] | None,
    scheme: str,
    domain: tuple[float, float] | None = None,
) -> alt.Chart:
    tooltip = [
        alt.Tooltip("properties.name:N", title=t("District")),
        alt.Tooltip(f"properties.{value}:Q", title=value_title, format=value_format),
    ]
    for column, column_title in (tooltip_fields or {}).items():
        tooltip.append(alt.Tooltip(f"properties.{column}:Q", title=column_title, format=",.0f"))
    return (
        alt.Chart(alt.NamedData(name=DATASET))
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                f"properties.{value}:Q",
                title=value_title,
                scale=_scale(scheme, domain),
                legend=alt.Legend(format=value_format, orient="right"),
            ),
            tooltip=tooltip,
        )
    )


def _scale(scheme: str, domain: tuple[float, float] | None) -> alt.Scale:
    # Altair types `scheme` as a Literal of Vega's names; ours are written in the code.
    if scheme == DIVERGING_SCHEME:  # centred on 0: white where demand meets capacity
        return alt.Scale(scheme=scheme, reverse=True, domainMid=0)  # type: ignore[arg-type]
    if domain is None:
        return alt.Scale(scheme=scheme)  # type: ignore[arg-type]
    return alt.Scale(scheme=scheme, domain=list(domain))  # type: ignore[arg-type]


def district_map(
    districts: gpd.GeoDataFrame,
    values: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    value_format: str = ",.0f",
    tooltip_fields: dict[str, str] | None = None,
    height: int = 520,
    scheme: str = COLOR_SCHEME,
    domain: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A choropleth of `values[value]` (a frame indexed by district_id, with a `name` column),
    as a Vega-Lite spec. `tooltip_fields` maps further columns of `values` to their titles;
    `domain` fixes the colour scale's ends (so that two maps read alike).
    """
    chart = (
        _choropleth(
            value,
            value_title=value_title,
            value_format=value_format,
            tooltip_fields=tooltip_fields,
            scheme=scheme,
            domain=domain,
        )
        .project(type="mercator")
        .properties(title=title, height=height)
    )
    return with_features(chart, districts, values)


def added_capacity_map(
    districts: gpd.GeoDataFrame,
    added: pd.DataFrame,
    services: pd.DataFrame,
    *,
    currency: str,
    height: int = 420,
) -> dict[str, Any]:
    """The capacity a plan adds, by the district of the agency that gets it: coloured by its
    cost (money sums across services; beds, slots and hours do not), each service's units in
    its own unit in the tooltip. `added` is planner.plan_tables.added_by_district (name,
    units, cost, then one column per service_id); `services` the package's services."""
    names = services.set_index("service_id")
    shown = added[["name", "cost"]].copy()
    fields: dict[str, str] = {}
    per_service = [column for column in added.columns if column not in ("name", "units", "cost")]
    for number, service_id in enumerate(per_service):
        column = f"added_{number}"  # a service id may hold characters Vega reads as paths
        shown[column] = added[service_id].astype(float)
        fields[column] = t(
            "{service} added ({unit})",
            service=names["name"].get(service_id, service_id),
            unit=names["unit"].get(service_id, ""),
        )
    return district_map(
        districts,
        shown,
        "cost",
        title=t("New capacity, by the district of the agency: its cost and units per service"),
        value_title=t("Cost ({currency})", currency=currency),
        tooltip_fields=fields,
        height=height,
    )


def district_map_with_points(
    districts: gpd.GeoDataFrame,
    values: pd.DataFrame,
    value: str,
    points: pd.DataFrame,
    *,
    title: str,
    value_title: str,
    value_format: str = ",.0f",
    size_title: str = N_("Capacity (units)"),
    height: int = 560,
    diverging: bool = False,
) -> dict[str, Any]:
    """The choropleth with agencies on top, as a Vega-Lite spec: `points` has lon, lat, name,
    kind, capacity and located (where the point stands), sized by capacity and coloured by
    kind. `diverging`: a value around 0 (a gap), red above and blue below."""
    base = _choropleth(
        value,
        value_title=value_title,
        value_format=value_format,
        tooltip_fields=None,
        scheme=DIVERGING_SCHEME if diverging else "greys",
    )
    circles = (
        alt.Chart(points)
        .mark_circle(opacity=0.85, stroke="black", strokeWidth=0.5)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            size=alt.Size(
                "capacity:Q",
                title=t(size_title),
                scale=alt.Scale(range=[20, 400]),
                legend=alt.Legend(orient="bottom"),
            ),
            color=alt.Color(
                "kind:N",
                title=t("Kind of agency"),
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(orient="bottom", columns=5),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=t("Agency")),
                alt.Tooltip("kind:N", title=t("Kind")),
                alt.Tooltip("capacity:Q", title=t(size_title), format=",.0f"),
                alt.Tooltip("located:N", title=t("Shown")),
            ],
        )
    )
    chart = (
        alt.layer(base, circles)
        .resolve_scale(color="independent")
        .project(type="mercator")
        .properties(title=title, height=height)
    )
    return with_features(chart, districts, values)


LABEL_LIMIT = 0
"""Axis labels are never cut (Vega-Lite's default cuts them at 180 pixels, about 16
characters of an agency's name); the full name is in the tooltip too."""


def top_categories(
    frame: pd.DataFrame, category: str, value: str, limit: int
) -> tuple[pd.DataFrame, int]:
    """The rows of the `limit` categories with the largest sum of `value`, and how many
    categories there are in all (a chart of the top ones says "the 40 largest of 110")."""
    totals = frame.groupby(category, sort=False)[value].sum().sort_values(ascending=False)
    keep = totals.index[:limit]
    return frame[frame[category].isin(keep)], len(totals)


def bar_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    color: str | None = None,
    color_title: str | None = None,
    value_format: str = ",.0f",
    limit: int | None = None,
    title: str | None = None,
) -> alt.Chart:
    """Horizontal bars, largest first; optional stacked colour. With `limit`, only the
    `limit` largest categories, and a subtitle that says so ("The 40 largest of 110.")."""
    subtitle = None
    if limit is not None:
        frame, count = top_categories(frame, category, value, limit)
        if count > limit:
            subtitle = t("The {shown} largest of {count}.", shown=limit, count=count)
    encoding: dict[str, Any] = {
        "y": alt.Y(
            f"{category}:N",
            title=category_title,
            sort="-x",
            axis=alt.Axis(labelLimit=LABEL_LIMIT),
        ),
        "x": alt.X(f"sum({value}):Q", title=value_title, axis=alt.Axis(format=value_format)),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category_title),
            alt.Tooltip(f"sum({value}):Q", title=value_title, format=value_format),
        ],
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N", title=color_title or color, scale=alt.Scale(scheme="tableau10")
        )
        encoding["tooltip"].append(alt.Tooltip(f"{color}:N", title=color_title or color))
    chart = alt.Chart(frame).mark_bar().encode(**encoding)
    if title is not None or subtitle is not None:
        chart = chart.properties(
            title=alt.TitleParams(text=title or "", subtitle=subtitle or alt.Undefined)
        )
    return chart


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    x_title: str,
    y_title: str,
    color_title: str,
    y_format: str = ",.0f",
    zero_rule: bool = False,
    dash: str | None = None,
    dash_title: str = "",
) -> alt.Chart | alt.LayerChart:
    """Lines over time (x is a 'YYYY-MM' period), one per `color` value; with `dash`, one
    per `color` and `dash` value, solid for the first `dash` value and dashed after."""
    tooltip = [
        alt.Tooltip(f"{x}:T", title=x_title, format="%b %Y"),
        alt.Tooltip(f"{color}:N", title=color_title),
        alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
    ]
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=x_title),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        "color": alt.Color(f"{color}:N", title=color_title, scale=alt.Scale(scheme="tableau10")),
    }
    if dash is not None:
        kinds = list(dict.fromkeys(frame[dash]))
        encoding["strokeDash"] = alt.StrokeDash(
            f"{dash}:N",
            title=dash_title,
            sort=kinds,
            scale=alt.Scale(domain=kinds, range=[[1, 0], [6, 3], [2, 2]][: len(kinds)]),
        )
        tooltip.append(alt.Tooltip(f"{dash}:N", title=dash_title))
    lines = (
        alt.Chart(frame).mark_line(point=False, strokeWidth=2).encode(**encoding, tooltip=tooltip)
    )
    if not zero_rule:
        return lines
    rule = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(strokeDash=[4, 4]).encode(y="zero:Q")
    return alt.LayerChart(layer=[lines, rule])  # alt.layer may give a FacetChart


def fan_chart(
    history: pd.DataFrame, forecast: pd.DataFrame, *, title: str, y_title: str
) -> alt.LayerChart:
    """History as a line, the forecast as a P10-P90 band with its P50 line.

    The quantile columns are renamed first: Vega-Lite reads the dot in `q0.1` as a nested
    field and would draw an empty band.
    """
    forecast = forecast.rename(columns={"q0.1": "p10", "q0.5": "p50", "q0.9": "p90"})
    observed = (
        alt.Chart(history.assign(kind="observed"))
        .mark_line(color="#333333", strokeWidth=2)
        .encode(
            x=alt.X("period:T", title=t("Month")),
            y=alt.Y("cases:Q", title=y_title, axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("period:T", title=t("Month"), format="%b %Y"),
                alt.Tooltip("cases:Q", title=t("Observed"), format=",.0f"),
            ],
        )
    )
    band = (
        alt.Chart(forecast)
        .mark_area(opacity=0.3, color="#3b528b")
        .encode(x="period:T", y="p10:Q", y2="p90:Q")
    )
    median = (
        alt.Chart(forecast)
        .mark_line(color="#3b528b", strokeDash=[6, 3], strokeWidth=2)
        .encode(
            x="period:T",
            y="p50:Q",
            tooltip=[
                alt.Tooltip("period:T", title=t("Month"), format="%b %Y"),
                alt.Tooltip("p10:Q", title=t("P10"), format=",.0f"),
                alt.Tooltip("p50:Q", title=t("P50"), format=",.0f"),
                alt.Tooltip("p90:Q", title=t("P90"), format=",.0f"),
            ],
        )
    )
    return alt.LayerChart(layer=[band, observed, median]).properties(title=title, height=320)
