"""A scenario in the URL, so that a link reproduces a run.

Only the keys that differ from the defaults are written; mappings are flattened as
`weights.shelter_men=12`; `v` is the city's data version the plan was run on, so that a
link opened after the data changed can say so. Reading is forgiving about what it cannot
use: it returns the problems as text and the caller keeps the defaults for those keys.

The URL is written from the scenario that ran; it is read only when it changes (a link
opened, the address edited): `LINK` keeps the query string the page last read or wrote, so
the page never feeds its own URL back into the form (`ui.plan_form`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

from planner.problems import InvalidInput
from planner.scenario import Scenario

MAPPINGS = ("funder_budgets", "weights", "radius_km")
VERSION = "v"
"""The query key of the data version a link's plan was run on."""
LINK = "plan_link"
"""Session key: the query string the Plan page last read or wrote."""
LINK_VERSION = "plan_link_version"
"""Session key: the data version the followed link was run on (None: run here, today)."""


def _json(value: Any) -> str:
    """A value as JSON; a whole float as an integer (budget=1600000, not 1600000.0)."""
    if isinstance(value, float) and value.is_integer():
        return json.dumps(int(value))
    return json.dumps(value)


def scenario_to_query(scenario: Scenario, data_version: str | None = None) -> dict[str, str]:
    """The link's query of `scenario` (and the data version it was run on)."""
    defaults = Scenario(name=scenario.name).to_dict()
    query: dict[str, str] = {"name": scenario.name}
    for key, value in scenario.to_dict().items():
        if key == "name" or value == defaults.get(key):
            continue
        if key in MAPPINGS:
            for sub, sub_value in sorted(value.items()):
                query[f"{key}.{sub}"] = _json(sub_value)
        else:
            query[key] = _json(value)
    if data_version is not None:
        query[VERSION] = data_version
    return query


def link_url(base_url: str | None, path: str, query: Mapping[str, str]) -> str:
    """The whole link to share: the page's address (`st.context.url`) and its query; the
    path alone when the address is not known (tests)."""
    return f"{base_url or path}?{urlencode(query)}"


def scenario_from_query(
    query: Mapping[str, str], default_name: str
) -> tuple[Scenario | None, list[str]]:
    """The scenario a link describes (None when the link has no scenario) and what was wrong."""
    if not any(key == "name" or key.split(".")[0] in Scenario.model_fields for key in query):
        return None, []
    data: dict[str, Any] = {"name": query.get("name") or default_name}
    problems: list[str] = []
    for key, raw in query.items():
        top, _, sub = key.partition(".")
        if key == "name" or top not in Scenario.model_fields:
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if top in MAPPINGS and sub:
            data.setdefault(top, {})[sub] = value
        elif top not in MAPPINGS:
            data[top] = value
    try:
        return Scenario.from_dict(data, source="link"), []
    except InvalidInput as exc:
        found = exc.problems
    problems = [str(p) for p in found]
    bad = {p.column.split(".")[0] for p in found if p.column}
    kept = {k: v for k, v in data.items() if k not in bad}
    try:
        return Scenario.from_dict(kept, source="link"), problems
    except InvalidInput:
        return Scenario(name=default_name), problems


Key = TypeVar("Key", bound=Hashable)


def changed(values: Mapping[Key, Any], defaults: Mapping[Key, Any]) -> dict[Key, Any]:
    """The values that differ from the city's own (a missing value equals NaN or None)."""

    def missing(value: Any) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value))

    out: dict[Key, Any] = {}
    for key, value in values.items():
        default = defaults.get(key)
        if missing(value) and missing(default):
            continue
        if missing(value) or missing(default) or value != default:
            out[key] = value
    return out
