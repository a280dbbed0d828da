"""Charts of a funder report: pure Altair builders, and offline rendering to PNG.

The builders take frames and return Altair charts (the same shape as ui/charts.py, which
reports/ may not import). `render_png` turns a chart into PNG bytes with vl-convert, which
bundles its own Vega engine and fonts: no browser, no network. Maps carry their features as
inline data; Vega fills a polygon only when its outer ring runs clockwise, so rings are
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
from planner.i18n import chart_locale

COLOR_SCHEME: Any = "viridis"  # reads in greyscale and for colour-blind users
WIDTH = 640


def district_features(districts: gpd.GeoDataFrame, values: pd.Series) -> list[dict[str, Any]]:
    """GeoJSON features of the districts with `name` and `value` (NaN becomes null), their
    outlines simplified below what a printed map can show."""
    by_id = values.reindex(districts["district_id"].to_numpy())
    shapes = districts.to_crs("EPSG:4326")
    if len(shapes):
        # a tenth of a pixel of a map 2000 pixels wide: invisible, and 5x faster to draw
        west, south, east, north = shapes.total_bounds
        tolerance = max(east - west, north - south) / 20000
        shapes = shapes.assign(geometry=shapes.geometry.simplify(tolerance))
    features = []
    for (_, row), value in zip(shapes.iterrows(), by_id, strict=True):
        number = None if pd.isna(value) else float(value)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(clockwise(row.geometry)),
                "properties": {"name": str(row["name"]), "value": number},
            }
        )
    return json.loads(json.dumps(features))


def district_map(
    districts: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    value_title: str,
    value_format: str = ",.0f",
    missing_note: str | None = None,
) -> alt.LayerChart:
    """A choropleth of `values` (indexed by district_id); districts without a value (NaN,
    e.g. suppressed) are drawn in light grey, and `missing_note` says why under the title."""
    features = district_features(districts, values)
    data = alt.Data(values=features)
    missing = (
        alt.Chart(data)
        .mark_geoshape(stroke="white", strokeWidth=0.6, fill="#dddddd")
        .transform_filter("datum.properties.value == null")
    )
    shown = (
        alt.Chart(data)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .transform_filter("datum.properties.value != null")
        .encode(
            color=alt.Color(
                "properties.value:Q",
                title=value_title,
                scale=alt.Scale(scheme=COLOR_SCHEME),
                legend=alt.Legend(format=value_format, orient="right"),
            )
        )
    )
    subtitle = [missing_note] if missing_note else []
    layered: Any = (
        alt.layer(missing, shown)
        .project(type="mercator")
        .properties(title=alt.TitleParams(title, subtitle=subtitle), width=WIDTH - 160, height=420)
    )
    return layered


def comparison_bars(
    comparison: pd.DataFrame, *, value: str, title: str, value_title: str, value_format: str
) -> alt.Chart:
    """One bar per plan (the optimised one first) of `comparison[value]`."""
    frame = comparison[["plan", value]].copy()
    order = frame["plan"].tolist()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("plan:N", title=None, sort=order),
            x=alt.X(
                f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format, tickCount=5)
            ),
            color=alt.condition(
                alt.datum.plan == order[0], alt.value("#2a788e"), alt.value("#b8b8b8")
            ),
        )
        .properties(title=title, width=WIDTH - 220, height=30 * len(frame))
    )


def stacked_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    color: str,
    title: str,
    category_title: str,
    value_title: str,
    color_title: str,
    value_format: str = ",.0f",
) -> alt.Chart:
    """Horizontal bars of `value` summed per `category`, largest first, stacked by `color`."""
    height = max(60, 24 * frame[category].nunique())
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
            x=alt.X(
                f"sum({value}):Q",
                title=value_title,
                axis=alt.Axis(format=value_format, tickCount=5),
            ),
            color=alt.Color(f"{color}:N", title=color_title, scale=alt.Scale(scheme="tableau10")),
        )
        .properties(title=title, width=WIDTH - 320, height=height)
    )


def render_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered offline by vl-convert."""
    import vl_convert

    spec = chart.to_dict()
    locale = chart_locale(latin1=True)  # the app's chart locale; U+00A0 like the PDF's text
    if locale is not None:  # axis and legend numbers as "1 234,5"
        png = vl_convert.vegalite_to_png(
            spec, scale=scale, format_locale=locale["number"], time_format_locale=locale["time"]
        )
    else:
        png = vl_convert.vegalite_to_png(spec, scale=scale)
    return bytes(png)
