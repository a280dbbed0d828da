"""Demand per group, language and exploitation type (version 2) never reaches a reader who
may not see exact counts: their package carries the published totals only."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.package import read_package
from service.audience import audience_named
from service.published import disclosed_package
from tests.package_factory import write_v2_package


@pytest.mark.parametrize("name", ["funder", "partner", "public"])
def test_a_reader_without_exact_counts_gets_no_demand_by_group(tmp_path: Path, name: str) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    assert len(package.demand_groups) > 0  # the fixture has demand by group
    disclosed = disclosed_package(package, audience_named(name))
    assert disclosed.demand_groups.empty


def test_an_analyst_keeps_the_demand_by_group(tmp_path: Path) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    disclosed = disclosed_package(package, audience_named("analyst"))
    assert len(disclosed.demand_groups) == len(package.demand_groups)
