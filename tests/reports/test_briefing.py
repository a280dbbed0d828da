"""The council briefing (issue 20), pure: two plans of the tiny city in one document.

Every number of the narrative is found in the briefing's tables, in English and in French;
each format opens; the briefing says what each plan buys, with its cost per unit served.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from planner.briefing import build_briefing
from planner.i18n import use_language
from planner.optimiser import solve
from planner.scenario import Scenario
from reports.briefing import briefing_content, render_briefing, table_texts
from reports.context import ReportContext
from tests.package_factory import tiny_package

NUMBER = re.compile(r"\d+(?:[.,\u202f\u00a0]\d+)*")
PLANS = ("Whole budget", "Small budget")


@pytest.fixture(scope="module")
def package():
    return tiny_package()


@pytest.fixture(scope="module")
def briefing(package):
    whole = solve(package, Scenario(name=PLANS[0]))
    small = solve(package, Scenario(name=PLANS[1], budget=60_000.0))
    return build_briefing({PLANS[0]: whole, PLANS[1]: small}, package)


def numbers_in(text: str) -> list[str]:
    for name in PLANS:
        text = text.replace(name, "")
    return NUMBER.findall(text)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_number_of_the_narrative_is_in_the_tables(briefing, package, language) -> None:
    with use_language(language):
        content = briefing_content(
            briefing, ReportContext.from_package(package), audience="analyst", k=1
        )
        cells = {
            token
            for frame in table_texts(content)
            for value in frame.to_numpy().ravel()
            for token in NUMBER.findall(str(value))
        }
    assert len(content.narrative) >= 5
    found = [number for line in content.narrative for number in numbers_in(line)]
    assert found, content.narrative
    missing = [number for number in found if number not in cells]
    assert not missing, (missing, content.narrative)


def test_the_narrative_compares_with_the_reference(briefing) -> None:
    codes = [sentence.code for sentence in briefing.narrative]
    assert "plan_spends_serves" in codes and "cost_per_unit" in codes
    assert {"more_coverage", "less_coverage", "same_coverage"} & set(codes)
    totals = briefing.totals.set_index("plan")
    assert totals.loc[PLANS[1], "money_spent"] <= 60_000.0 + 1e-6
    assert totals.loc[PLANS[1], "coverage"] <= totals.loc[PLANS[0], "coverage"] + 1e-9
    assert set(briefing.units_added["plan"]) <= set(PLANS)
    assert (briefing.totals["money_per_unit_served"] > 0).all()


def test_a_briefing_takes_two_to_four_plans(briefing, package) -> None:
    plan = solve(package, Scenario(name="one"))
    with pytest.raises(ValueError):
        build_briefing({"one": plan}, package)
    with pytest.raises(ValueError):
        build_briefing({str(i): plan for i in range(5)}, package)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_format_opens_and_holds_the_narrative(briefing, package, language) -> None:
    with use_language(language):
        content = briefing_content(
            briefing, ReportContext.from_package(package), audience="funder", k=5
        )
        pdf = render_briefing(content, "pdf")
        html = render_briefing(content, "html").decode("utf-8")
        xlsx = render_briefing(content, "xlsx")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert PLANS[1] in text
    assert content.narrative[0] in html
    assert f'lang="{language}"' in html
    book = load_workbook(io.BytesIO(xlsx))
    summary = [row[1] for row in book.worksheets[0].iter_rows(values_only=True) if len(row) > 1]
    assert content.narrative[0] in summary
    assert len(book.worksheets) == 1 + len(content.tables)


def test_french_briefing_speaks_french(briefing, package) -> None:
    with use_language("fr"):
        content = briefing_content(
            briefing, ReportContext.from_package(package), audience="funder", k=5
        )
        headers = [str(c) for frame in table_texts(content) for c in frame.columns]
    assert "dépense" in content.narrative[0]
    assert "couverture (part de la demande)" in headers
    assert not [h for h in headers if "money" in h or "share" in h], headers


@pytest.fixture(scope="module")
def v2_briefings(tmp_path_factory):
    from planner.package import read_package
    from tests.package_factory import write_v2_package

    package = read_package(write_v2_package(tmp_path_factory.mktemp("v2") / "v2"))
    floor = solve(package, Scenario(name="Floor for men", group_floors={"men": 0.5}))
    plain = solve(package, Scenario(name="No floor"))
    plans = {"Floor for men": floor, "No floor": plain}
    return (
        package,
        build_briefing(plans, package),
        build_briefing(plans, package, small_count_k=10**6),
    )


def test_groups_and_the_price_of_floors_when_plans_have_groups(v2_briefings) -> None:
    package, exact, hidden = v2_briefings
    assert {"men", "women"} <= set(exact.groups["population_id"])
    assert exact.groups["served"].notna().all()
    assert list(exact.floors["floor"]) == ["men"] and list(exact.floors["plan"]) == [
        "Floor for men"
    ]
    assert "floor_price" in [sentence.code for sentence in exact.narrative]
    # a reader for whom every group count is small sees none of them
    assert hidden.groups[["demand", "served", "coverage"]].isna().all(axis=None)
    with use_language("fr"):
        content = briefing_content(
            exact, ReportContext.from_package(package), audience="analyst", k=1
        )
    assert {"Groups", "Price of floors"} <= {table.sheet for table in content.tables}


def test_years_cliffs_and_flat_coverage_in_the_briefing(tmp_path_factory) -> None:
    from planner.package import read_package
    from tests.package_factory import write_v2_package

    package = read_package(write_v2_package(tmp_path_factory.mktemp("years") / "v2"))
    plans = {
        "Two years": solve(package, Scenario(name="Two years", horizon_months=24)),
        "Three years": solve(package, Scenario(name="Three years", horizon_months=36)),
    }
    briefing = build_briefing(plans, package)
    assert set(briefing.years["plan"]) == set(plans)
    assert list(briefing.years.loc[briefing.years["plan"] == "Three years", "year"]) == [1, 2, 3]
    assert len(briefing.flat) == 2
    codes = [sentence.code for sentence in briefing.narrative]
    assert "flat_cost" in codes
    for language in ("en", "fr"):
        with use_language(language):
            content = briefing_content(
                briefing, ReportContext.from_package(package), audience="analyst", k=1
            )
            cells = {
                token
                for frame in table_texts(content)
                for value in frame.to_numpy().ravel()
                for token in NUMBER.findall(str(value))
            }
        text = " ".join(content.narrative).replace("Two years", "").replace("Three years", "")
        missing = [n for n in NUMBER.findall(text) if n not in cells]
        assert not missing, (missing, content.narrative)
        assert {"Years and cliffs", "Keeping coverage flat"} <= {t.sheet for t in content.tables}
