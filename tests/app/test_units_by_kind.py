"""Units of different kinds (beds, slots, hours, calls) are never summed on one scale
(issue 14): the Plan page's map of added capacity is coloured by money, with each service's
units in its own unit; Compare lists units added per service (tests/app/test_compare_page.py)."""

from __future__ import annotations

import json

import pandas as pd

from planner.package import read_package
from planner.settings import DEMO_PACKAGE
from ui import charts


def test_the_added_capacity_map_colours_by_money_and_names_each_service_unit() -> None:
    package = read_package(DEMO_PACKAGE)
    services = package.services.head(3)
    districts = package.districts.head(4)
    added = pd.DataFrame(
        {"name": districts["name"].to_numpy(), "units": 9.0, "cost": 1000.0},
        index=pd.Index(districts["district_id"], name="district_id"),
    )
    for number, service_id in enumerate(services["service_id"]):
        added[service_id] = float(number + 1)
    spec = json.dumps(
        charts.added_capacity_map(districts, added, services, currency="USD"), default=str
    )
    assert '"field": "properties.cost"' in spec
    assert "properties.units" not in spec  # the sum of beds, slots and hours is not shown
    for row in services.itertuples():
        assert f"{row.name} added ({row.unit})" in spec
