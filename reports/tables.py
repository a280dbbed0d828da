"""The tables of a report, each a frame with English column names (the formats translate
the headers) and its title in the current language. The public sees no agency and no
district table; other audiences see district figures suppressed (`reports.cells`)."""

from __future__ import annotations

import pandas as pd

from planner import disclosure
from planner.findings import Baselines
from planner.i18n import N_, t
from planner.plan_words import baseline_name
from reports import words
from reports.view import UNIT_MONTHS, ReportTable, ReportView

AGENCY_KIND_WORDS = {
    "ngo": N_("ngo"),
    "city": N_("city"),
    "county": N_("county"),
    "health": N_("health"),
    "legal": N_("legal"),
    "shelter": N_("shelter"),
    "police": N_("police"),
    "faith": N_("faith"),
    "other": N_("other"),
}
"""The agency kinds of DATA_PACKAGE.md (codes in the data) as the report shows them."""
DEMAND, SERVED, UNMET = (f"{c} ({UNIT_MONTHS})" for c in ("demand", "served", "unmet"))
COVERAGE = "coverage (share of demand)"
UNITS_OF_SERVICE = "units added (units of the service)"


def report_tables(view: ReportView, binding: list[str]) -> list[ReportTable]:
    """The report's tables in order; `binding` is the lines of what limits the plan."""
    tables = [baselines_table(view), service_table(view), funder_table(view)]
    if view.audience != "public":
        tables += [funding_table(view), capacity_table(view)]
    tables.append(binding_table(binding))
    if view.record.robust:
        tables.append(robust_table(view))
    if view.audience != "public":
        tables.append(district_table(view))
    return tables


def robust_table(view: ReportView) -> ReportTable:
    """The plan for bad months against the plan, on fresh demand samples neither saw."""
    from reports.robust_words import comparison_lines, plan_label

    robust = view.record.robust or {}
    quantile = view.scenario.get("demand_quantile")
    rows = [
        {
            "plan": plan_label(str(row.get("plan")), quantile),
            f"expected weighted unmet (weighted {UNIT_MONTHS})": row.get("expected_weighted_unmet"),
            f"weighted unmet in a bad year, P90 (weighted {UNIT_MONTHS})": row.get(
                "p90_weighted_unmet"
            ),
            f"expected unmet ({UNIT_MONTHS})": row.get("expected_unmet"),
            f"money spent ({view.currency})": row.get("money_spent"),
            "units added (capacity units)": row.get("units_added"),
        }
        for row in robust.get("rows") or []
    ]
    return ReportTable(
        "Bad months",
        t("The plan for bad months against the plan, on fresh demand samples"),
        pd.DataFrame(rows),
        note=comparison_lines(robust, quantile, view.money)[0],
    )


def baselines_table(view: ReportView) -> ReportTable:
    plans = [(t("Optimised plan"), view.totals)] if view.record.has_plan else []
    plans += [
        (baseline_name(name), figures)
        for name, figures in (view.summary.get("baselines") or {}).items()
        if "served" in figures
    ]
    rows = [
        {
            "plan": name,
            DEMAND: figures.get("demand"),
            SERVED: figures.get("served"),
            UNMET: figures.get("unmet"),
            COVERAGE: figures.get("coverage"),
            f"weighted unmet (weighted {UNIT_MONTHS})": figures.get("weighted_unmet"),
            f"money spent ({view.currency})": figures.get("money_spent"),
            "units added (capacity units)": figures.get("units_added"),
        }
        for name, figures in plans
    ]
    return ReportTable(
        "Against baselines",
        t("Headline figures against the baselines"),
        pd.DataFrame(rows),
        note=baselines_note(view),
    )


def baselines_note(view: ReportView) -> str:
    """What the baselines are and, for each that could not place the whole budget, how
    much it left and why (never "they spend the same budget" when they do not)."""
    baselines = Baselines.from_dict(view.summary.get("baselines"))
    unspent = [
        words.unspent_note(result.name, result.totals, view.book)
        for result in baselines
        if result.totals is not None
    ]
    lines = [t("Baselines are given the same budget and spend it by simple rules, for comparison.")]
    return " ".join(lines + [f"{note}." for note in unspent if note])


def service_table(view: ReportView) -> ReportTable:
    cells = view.cells
    sums = cells.frame.groupby("service_id")[["demand", "served", "unmet"]].sum()
    added = view.record.capacity_added.groupby("service_id")["units"].sum()
    money = view.record.funding.groupby("service_id")["amount"].sum()
    ids = list(dict.fromkeys([*view.services.index.astype(str), *sums.index.astype(str)]))
    rows = []
    for service_id in ids:
        demand = float(sums["demand"].get(service_id, 0.0))
        served = float(sums["served"].get(service_id, 0.0))
        unmet = float(sums["unmet"].get(service_id, 0.0))
        coverage_shown = (
            cells.city_label(service_id, "served", 0.0) == 0.0
            and cells.city_label(service_id, "demand", 0.0) == 0.0
        )
        rows.append(
            {
                "service": view.service_name(service_id),
                "unit": view.service_unit(service_id),
                DEMAND: cells.city_label(service_id, "demand", demand),
                SERVED: cells.city_label(service_id, "served", served),
                UNMET: cells.city_label(service_id, "unmet", unmet),
                COVERAGE: (served / demand if demand else None)
                if coverage_shown
                else disclosure.COMPLEMENT_LABEL,
                UNITS_OF_SERVICE: float(added.get(service_id, 0.0)),
                f"new money ({view.currency})": float(money.get(service_id, 0.0)),
            }
        )
    return ReportTable(
        "By service", t("Need, service and new money by service"), pd.DataFrame(rows)
    )


def funder_table(view: ReportView) -> ReportTable:
    spent = view.record.funding.groupby("funder_id")["amount"].sum()
    budgets = view.scenario.get("funder_budgets") or {}
    rows = []
    for funder in view.context.funders.itertuples(index=False):
        budget = float(budgets.get(str(funder.funder_id), funder.budget) or 0.0)
        amount = float(spent.get(str(funder.funder_id), 0.0))
        rows.append(
            {
                "funder": str(funder.name),
                f"budget ({view.currency})": budget,
                f"spent ({view.currency})": amount,
                "spent (share of budget)": amount / budget if budget else None,
            }
        )
    return ReportTable("By funder", t("Money by funder"), pd.DataFrame(rows))


def funding_table(view: ReportView) -> ReportTable:
    funding = view.record.funding
    kinds = view.context.agencies.set_index("agency_id")["kind"]
    funders = view.context.funders.set_index("funder_id")["name"]
    amount = f"amount ({view.currency})"
    frame = pd.DataFrame(
        {
            "funder": funding["funder_id"].map(funders).fillna(funding["funder_id"]),
            "agency": funding["agency_id"].map(view.agency_names).fillna(funding["agency_id"]),
            "agency kind": funding["agency_id"]
            .map(kinds)
            .map(lambda kind: t(AGENCY_KIND_WORDS.get(str(kind), str(kind))), na_action="ignore"),
            "service": funding["service_id"].map(view.service_name),
            amount: funding["amount"].astype(float),
        }
    )
    frame = frame.sort_values(
        ["funder", amount, "agency", "service"], ascending=[True, False, True, True], kind="stable"
    )
    return ReportTable("Funding", t("Funding per agency and funder"), frame.reset_index(drop=True))


def capacity_table(view: ReportView) -> ReportTable:
    added = view.record.capacity_added
    frame = pd.DataFrame(
        {
            "agency": added["agency_id"].map(view.agency_names).fillna(added["agency_id"]),
            "service": added["service_id"].map(view.service_name),
            "unit": added["service_id"].map(view.service_unit),
            UNITS_OF_SERVICE: added["units"].astype(float),
        }
    )
    frame = frame.sort_values(["service", "agency", UNITS_OF_SERVICE]).reset_index(drop=True)
    return ReportTable("Capacity added", t("Capacity added per agency"), frame)


def binding_table(binding: list[str]) -> ReportTable:
    return ReportTable(
        "Binding limits",
        t("What limits the plan"),
        pd.DataFrame({"limit": binding}, dtype=object),
        in_pdf=False,
    )


def district_table(view: ReportView) -> ReportTable:
    cells = view.cells
    names = view.context.districts.set_index("district_id")["name"]
    rows = []
    for _, row in cells.frame.iterrows():
        coverage_shown = row["served_shown"] and row["demand_shown"]
        coverage = row["coverage"] if pd.notna(row["coverage"]) else None
        rows.append(
            {
                "district": str(names.get(row["district_id"], row["district_id"])),
                "service": view.service_name(str(row["service_id"])),
                "unit": view.service_unit(str(row["service_id"])),
                DEMAND: cells.label(row, "demand"),
                SERVED: cells.label(row, "served"),
                UNMET: cells.label(row, "unmet"),
                COVERAGE: coverage if coverage_shown else "x",
            }
        )
    note = ""
    if view.k > 1:
        note = t(
            "'{primary}': fewer than {k} cases' worth; "
            "'{complement}': hidden so that no hidden figure can be worked out.",
            primary=disclosure.primary_label(view.k),
            k=view.k,
            complement=disclosure.COMPLEMENT_LABEL,
        )
    return ReportTable(
        "By district",
        t("Need and service by district and service"),
        pd.DataFrame(rows),
        note=note,
        in_pdf=False,
    )
