"""The council briefing through the one door (issue 20): per audience, per language.

A database with the demo city (confidential shelters, small counts); two saved scenarios.
The briefing for a partner names no confidential shelter and places none, and carries no
district figure built from a count below k; a funder may not write one for an analyst.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from models.db import dispose_engines
from planner.package import read_package
from planner.problems import InvalidInput
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from reports.briefing import briefing_document
from service import briefing, edits, plans, store
from service.access import AccessDenied, Actor

ADMIN = Actor("ada", "admin")
ANALYST = Actor("ann", "analyst")
FUNDER = Actor("fay", "funder")
K = 5
NAMES = ["Brief low", "Brief high"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('brief') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("HAVEN_SMALL_COUNT_K", str(K))
        get_settings.cache_clear()
        store.clear()
        package = read_package(DEMO_PACKAGE)
        edits.import_city(ADMIN, package)
        for name, budget in zip(NAMES, (400_000.0, 1_500_000.0), strict=True):
            plans.save_scenario(ANALYST, package.city.name, Scenario(name=name, budget=budget), "")
        yield package.city.name
        store.clear()
        dispose_engines()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def confidential():
    agencies = read_package(DEMO_PACKAGE).agencies
    shelters = agencies[agencies["confidential"].astype(bool)]
    assert len(shelters)
    return shelters


def document(actor: Actor, demo: str, fmt: str, audience: str | None, language: str) -> bytes:
    made = briefing.briefing_for(actor, demo, NAMES, audience)
    return briefing_document(
        made.briefing,
        made.package,
        audience=made.role,  # type: ignore[arg-type]
        k=made.audience.k,
        fmt=fmt,  # type: ignore[arg-type]
        language=language,
    )


def _texts(data: dict[str, bytes]) -> dict[str, str]:
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data["pdf"])).pages)
    book = load_workbook(io.BytesIO(data["xlsx"]))
    cells = " ".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )
    return {"pdf": pdf, "html": data["html"].decode("utf-8"), "xlsx": cells}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_partner_briefing_places_no_shelter_and_holds_no_small_count(
    demo: str, confidential: pd.DataFrame, language: str
) -> None:
    files = {
        fmt: document(ANALYST, demo, fmt, "partner", language) for fmt in ("pdf", "html", "xlsx")
    }
    for fmt, text in _texts(files).items():
        for row in confidential.itertuples():
            assert str(row.name) not in text, fmt
            for coordinate in (row.lat, row.lon):
                assert f"{float(coordinate):.4f}" not in text, fmt
    made = briefing.briefing_for(ANALYST, demo, NAMES, audience="partner")
    shown, audience = made.briefing, made.audience
    assert audience.role == "partner" and not audience.exact_counts
    exact = briefing.briefing_for(ANALYST, demo, NAMES).briefing
    package = store.exact_package(demo)
    per_case = package.services.set_index("service_id")["units_per_case"]
    version = store.data_version(demo)
    small_districts = 0
    for name in NAMES:
        scenario = Scenario.from_dict(
            dict({s.name: s for s in plans.saved_scenarios(ANALYST, demo)}[name].parameters)
        )
        coverage = plans._exact_plan(demo, version, scenario).coverage
        cases = (
            coverage[["served", "unmet"]]
            .div(coverage["service_id"].map(per_case).astype(float), axis=0)
            .round()
        )
        small = ((cases > 0) & (cases < K)).any(axis=1)
        districts = set(coverage.loc[small, "district_id"].astype(str))
        small_districts += len(districts)
        partner = shown.district_coverage.set_index("district_id")[name]
        assert partner.reindex(sorted(districts)).isna().all(), name
        assert exact.district_coverage.set_index("district_id")[name].notna().any()
    assert small_districts > 0  # the demo city has small counts: the test tests something


def test_briefings_as_each_role(demo: str) -> None:
    made = briefing.briefing_for(ANALYST, demo, NAMES)
    analyst, own = made.briefing, made.audience
    assert own.exact_counts and analyst.totals["served"].notna().all()
    made = briefing.briefing_for(FUNDER, demo, NAMES)
    funder, audience = made.briefing, made.audience
    assert audience.role == "funder" and not audience.exact_counts
    assert list(funder.totals["plan"]) == NAMES
    assert (funder.totals["money_spent"] == analyst.totals["money_spent"]).all()
    with pytest.raises(AccessDenied):
        briefing.briefing_for(FUNDER, demo, NAMES, audience="analyst")
    with pytest.raises(AccessDenied):
        briefing.briefing_for(Actor("pat", "partner", agency_id="A2", city=demo), demo, NAMES)
    partner = document(FUNDER, demo, "html", "partner", "en")
    assert b"partners" in partner


def test_every_narrative_number_is_in_the_tables_for_a_funder(demo: str) -> None:
    from planner.i18n import use_language
    from reports.briefing import briefing_content, table_texts
    from reports.context import ReportContext

    number = re.compile(r"\d+(?:[.,\u202f\u00a0]\d+)*")
    made = briefing.briefing_for(FUNDER, demo, NAMES)
    context = ReportContext.from_package(made.package)
    for language in ("en", "fr"):
        with use_language(language):
            content = briefing_content(made.briefing, context, audience="funder", k=made.audience.k)
            cells = {
                token
                for frame in table_texts(content)
                for value in frame.to_numpy().ravel()
                for token in number.findall(str(value))
            }
        found = [n for line in content.narrative for n in number.findall(line)]
        assert found and all(n in cells for n in found), content.narrative


def test_an_unknown_or_lonely_scenario_is_refused(demo: str) -> None:
    with pytest.raises(InvalidInput):
        briefing.briefing_for(ANALYST, demo, [NAMES[0]])
    with pytest.raises(InvalidInput, match="nowhere"):
        briefing.briefing_for(ANALYST, demo, [NAMES[0], "nowhere"])
