"""A plan's years (issue 20) leave the service as any plan table does: a partner or public
reader gets no count through them (demand and served per year blank, coverage only where
the plan's own totals are shown) and no confidential agency's name or place (the years
hold agency ids; names come from the package the reader sees)."""

from __future__ import annotations

import json
import math

import pytest

from planner.optimiser import solve
from planner.package import read_package
from planner.scenario import Scenario
from service.audience import audience_named
from service.plans import disclose_plan
from service.published import disclosed_package
from tests.package_factory import write_v2_package


@pytest.fixture(scope="module")
def package_and_plan(tmp_path_factory):
    package = read_package(write_v2_package(tmp_path_factory.mktemp("years_disclosure") / "v2"))
    plan = solve(package, Scenario(name="years", horizon_months=24))
    assert plan.years is not None and plan.years.has_plan
    return package, plan


def confidential_names(package) -> list[str]:
    agencies = package.agencies
    hidden = agencies[agencies["confidential"].fillna(False).astype(bool)]
    return [str(name) for name in hidden["name"]]


@pytest.mark.parametrize("role", ["partner", "public"])
def test_partners_and_the_public_see_no_count_and_no_confidential_name(
    package_and_plan, role
) -> None:
    package, plan = package_and_plan
    audience = audience_named(role, k=11)
    shown = disclose_plan(plan, package, audience)
    years = shown.years
    assert years is not None
    assert years.by_year["demand"].isna().all() and years.by_year["served"].isna().all()
    if shown.totals.served is None:
        assert years.by_year["coverage"].isna().all()
    if years.flat is not None:
        assert years.flat.by_year["demand"].isna().all()
        assert years.flat.by_year["served"].isna().all()
    # money and capacity in units stay, as in the plan's own funding and capacity tables
    assert years.by_year["money"].tolist() == plan.years.by_year["money"].tolist()
    written = json.dumps(shown.summary()["years"])
    names = confidential_names(package)
    assert names and not any(name in written for name in names)
    visible = disclosed_package(package, audience)
    named = visible.agencies.set_index("agency_id")["name"].astype(str).to_dict()
    for agency_id in set(years.capacity["agency_id"]) | set(years.cliffs["agency_id"]):
        assert named[agency_id] not in names
    # the exact plan is left as it was
    assert not math.isnan(float(plan.years.by_year["demand"].iloc[0]))


def test_an_analyst_sees_the_years_as_they_are(package_and_plan) -> None:
    package, plan = package_and_plan
    shown = disclose_plan(plan, package, audience_named("analyst"))
    assert shown.years is plan.years
