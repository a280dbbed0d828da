"""Charts number their axes, legends and tooltips in the app's language.

Streamlit hands a chart's spec to vega-embed, which compiles it with Vega-Lite; a spec's
`config.locale` (`{"number": ..., "time": ...}`, d3's format and time locales) passes through
to Vega, which formats every number and date of that chart with it. So in French a chart
says "1 234,5" and "mars" without each builder knowing the language: `localised` adds the
locale of `planner.i18n.chart_locale` where a page hands a chart to Streamlit
(`st.altair_chart(localised(chart))`, `st.vega_lite_chart(spec=localised(spec))`). English
needs nothing (Vega's default is en-US), so an English spec is returned as it was.

The builders (`ui/charts.py`, `ui/compare_charts.py`) stay language-free for their numbers;
titles are translated by their callers as before.
"""

from __future__ import annotations

from typing import Any, TypeVar

import altair as alt

from planner.i18n import chart_locale

Spec = TypeVar("Spec", bound=alt.SchemaBase | dict[str, Any])


def localised(chart: Spec) -> Spec:
    """The chart (an Altair chart or a Vega-Lite dict) with the current language's locale.

    A copy: the caller's chart or dict (perhaps cached) is left unchanged. A locale already
    in the spec's config is replaced; the rest of the config is kept.
    """
    locale = chart_locale()
    if locale is None:
        return chart
    if isinstance(chart, dict):
        config = dict(chart.get("config") or {})
        config["locale"] = locale
        return {**chart, "config": config}  # type: ignore[return-value]
    copy = chart.copy(deep=False)
    config = copy["config"]
    settings = {} if config is alt.Undefined else config.to_dict()
    settings["locale"] = locale
    copy["config"] = alt.Config.from_dict(settings)
    return copy
