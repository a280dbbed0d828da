"""reports.words: a plan's findings in sentences a city analyst reads, in English and French,
with the names the reader may see."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.findings import Finding, mask_findings
from planner.i18n import NARROW_NBSP, NBSP, use_language
from reports import words
from reports.words import NameBook

AGENCIES = {f"A{i}": f"Agency {i}" for i in range(1, 13)}
BOOK = NameBook(
    currency="USD",
    agencies=AGENCIES,
    districts={"D1": "Englewood", "D2": "Uptown", "D3": "Austin", "D4": "Edgewater"},
    services={
        "shelter_men": "Shelter beds for men",
        "legal_aid": "Immigration legal aid (T visa, continued presence)",
        "hiv": "HIV testing",
    },
    funders={"city": "City general fund"},
)


def full_finding() -> Finding:
    # One finding per service: 12 agencies, 1,498 constraints (agency x month blocks).
    return Finding(
        "agency_full",
        agency_ids=tuple(AGENCIES),
        service_id="shelter_men",
        months=("2026-12", "2027-01", "2027-02", "2027-03"),
        count=1498,
    )


def test_agencies_are_counted_once_and_the_first_few_named() -> None:
    (section,) = words.limit_sections([full_finding()], BOOK)
    assert section.title == "Agencies full (12)"
    (line,) = section.lines
    assert line == (
        "12 agencies are full for shelter beds for men from December 2026 to March 2027: "
        "Agency 1, Agency 2, Agency 3 and 9 more"
    )
    assert "1498" not in line and "1,498" not in line


def test_in_french_months_and_lists() -> None:
    with use_language("fr"):
        (section,) = words.limit_sections([full_finding()], BOOK)
    assert section.title == "Organismes à pleine capacité (12)"
    assert section.lines[0] == (
        "12 organismes sont à pleine capacité pour shelter beds for men de décembre 2026 à "
        "mars 2027 : Agency 1, Agency 2, Agency 3 et 9 de plus"
    )


def test_months_as_runs_in_both_languages() -> None:
    months = ["2027-01", "2027-05", "2027-06", "2027-07", "2027-08", "2027-10"]
    assert words.month_list(months) == "in January 2027, May to August 2027 and October 2027"
    assert words.month_list(["2026-12"]) == "in December 2026"
    assert words.month_list([]) == "in every month of the plan"  # no months: all of them
    with use_language("fr"):
        assert words.month_list(months) == "en janvier 2027, mai à août 2027 et octobre 2027"
    assert "+" not in words.month_list(months)


def test_whole_numbers_and_money_in_both_languages() -> None:
    reach = Finding(
        "out_of_reach",
        agency_ids=("A3",),
        district_ids=("D2",),
        service_id="legal_aid",
        units=1180.4,
        distance_km=20.43,
        radius_km=20.0,
    )
    line = words.sentence(reach, BOOK)
    assert line == (
        "Uptown leaves 1,180 units of immigration legal aid (T visa, continued presence) unmet; "
        "Agency 3 is 20.4 km away, beyond the 20 km radius"
    )
    assert "e+" not in line
    with use_language("fr"):
        french = words.sentence(reach, BOOK)
    assert f"1{NARROW_NBSP}180 unités" in french and "20,4 km" in french
    value = Finding("budget_value", amount=10000.0, units=1180.4, service_id="hiv")
    assert words.budget_value([value], BOOK).startswith("one more $10,000 removes about 1,180")
    with use_language("fr"):
        assert words.budget_value([value], BOOK).startswith(f"10{NARROW_NBSP}000{NBSP}$ de plus")
    euro = NameBook(currency="EUR")
    assert words.sentence(Finding("budget_spent", amount=2.5e6), euro) == (
        "the total budget of €2,500,000 is all spent"
    )


def test_service_display_names_keep_acronyms() -> None:
    assert BOOK.service("legal_aid").startswith("immigration legal aid (T visa")
    assert BOOK.service("hiv") == "HIV testing"
    assert BOOK.service("unknown") == "unknown"


def test_districts_below_the_floor_are_listed() -> None:
    below = [
        Finding("below_floor", district_ids=(d,), service_id=s, share=share, floor=0.5)
        for d, s, share in (
            ("D1", "shelter_men", 0.32),
            ("D2", "shelter_men", 0.41),
            ("D1", "legal_aid", 0.2),
            ("D3", "legal_aid", 0.45),
        )
    ]
    (section,) = words.limit_sections(below, BOOK)
    assert section.title == "Districts below the 50% equity floor (3)"
    assert section.lines[0] == "Shelter beds for men: Englewood (32%) and Uptown (41%)"
    assert "Englewood (20%) and Austin (45%)" in section.lines[1]


def test_a_masked_agency_reads_as_a_confidential_shelter() -> None:
    reach = Finding(
        "out_of_reach",
        agency_ids=("A2",),
        district_ids=("D2",),
        service_id="shelter_men",
        units=39.0,
        distance_km=20.4,
        radius_km=20.0,
    )
    full = Finding("agency_full", agency_ids=("A1", "A2", "A5"), service_id="shelter_men")
    masked = mask_findings([reach, full], {"A2", "A5"})
    text = " ".join(words.sentence(f, BOOK) for f in masked)
    assert "Agency 2" not in text and "Agency 5" not in text and "20.4" not in text
    assert "the nearest agency that offers it is beyond the 20 km radius" in text
    assert "Agency 1 and 2 confidential shelters" in text
    with use_language("fr"):
        one = words.sentence(Finding("agency_full", agency_ids=masked[0].agency_ids), BOOK)
    assert one.startswith("un refuge confidentiel")
    # A book without the agency (an audience that may not see it) names it the same way.
    public = NameBook(agencies={"A1": "Agency 1"}, districts=BOOK.districts)
    assert "Agency 2" not in words.sentence(reach, public)
    assert "20.4" not in words.sentence(reach, public)


def test_name_book_from_tables_leaves_confidential_agencies_out() -> None:
    agencies = pd.DataFrame(
        {
            "agency_id": ["A1", "A2"],
            "name": ["Open Door", "Compass House"],
            "confidential": [False, True],
        }
    )
    empty = pd.DataFrame({"x": []})
    kwargs = {"agencies": agencies, "districts": empty, "services": empty, "funders": empty}
    public = NameBook.from_tables("USD", confidential_places=False, **kwargs)
    analyst = NameBook.from_tables("USD", confidential_places=True, **kwargs)
    assert public.agency("A2") == "a confidential shelter" and public.agency("A1") == "Open Door"
    assert analyst.agency("A2") == "Compass House"


def test_infeasible_reasons_and_fixes() -> None:
    findings = [
        Finding("floor_needs_funder", funder_id="city", amount=6000.0, limit=20000.0, floor=0.5),
        Finding("floor_needs_budget", amount=6000.0, limit=20000.0, floor=0.5),
    ]
    reasons = words.infeasible_reasons(findings, BOOK)
    assert reasons[0] == (
        "the 50% floor needs $6,000 more from City general fund than its budget of $20,000"
    )
    fixes = words.infeasible_fixes(findings, BOOK)
    assert fixes[0] == "raise City general fund's budget by $6,000"
    assert fixes[-1].startswith("or lower the floor")
    summary = words.infeasible_summary(findings, BOOK)
    assert "plan.json" not in summary and summary.endswith(".")


def test_status_line() -> None:
    assert words.status_line("optimal", 0.0005) == "optimal (gap 0.05%)"
    assert words.status_line("time_limit", 0.005).endswith("gap 0.50%")
    assert words.status_line("not_solved", None, "kNotset") == "no plan: kNotset"
    with use_language("fr"):
        assert words.status_line("infeasible") == "irréalisable"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_kind_has_words(language: str) -> None:
    from planner import findings as F

    kinds = [getattr(F, n) for n in dir(F) if n.isupper() and isinstance(getattr(F, n), str)]
    kinds = [k for k in kinds if k != F.MASKED_AGENCY]
    finding = dict(
        agency_ids=("A1", "A2"),
        district_ids=("D1",),
        service_id="shelter_men",
        funder_id="city",
        months=("2027-01",),
        amount=100.0,
        units=5.0,
        limit=24.0,
        share=0.5,
        floor=0.5,
        distance_km=1.0,
        radius_km=2.0,
        count=12,
    )
    with use_language(language):
        for kind in kinds:
            text = words.sentence(Finding(kind, **finding), BOOK)  # type: ignore[arg-type]
            assert text and text != kind and "{" not in text, kind


def test_out_of_reach_table_and_map_values_for_a_reader() -> None:
    findings = [
        Finding(
            "out_of_reach",
            agency_ids=(agency,),
            district_ids=(district,),
            service_id="shelter_men",
            units=units,
            distance_km=distance,
            radius_km=20.0,
        )
        for agency, district, units, distance in (
            ("A1", "D1", 40.0, 21.5),
            ("A2", "D1", 10.0, 25.0),
            ("A2", "D2", 5.0, 22.0),
        )
    ]
    masked = mask_findings(findings, {"A2"})
    table = words.out_of_reach_table(masked, BOOK)
    assert list(table["nearest"]) == [
        "Agency 1",
        "a confidential shelter",
        "a confidential shelter",
    ]
    assert table["distance_km"].iloc[0] == 21.5 and table["distance_km"].iloc[1:].isna().all()
    by_district = words.out_of_reach_by_district(masked, BOOK)
    assert by_district.loc["D1", "unmet"] == 50.0 and by_district.loc["D2", "name"] == "Uptown"
    from planner.findings import suppress_cell_figures

    hidden = suppress_cell_figures(masked, {("D2", "shelter_men")})
    assert pd.isna(words.out_of_reach_by_district(hidden, BOOK).loc["D2", "unmet"])
    assert words.out_of_reach_table([], BOOK).empty
