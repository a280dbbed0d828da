"""Waiting times in words and tables, for the app, the command line and the report.

planner.queues gives codes and numbers (a queue's `stable`, waits in days); this module says
them for a reader, with the names that reader may see: a full queue is "unstable: the wait
grows without bound", never a number. `report_tables(view)` is the report's hook.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.i18n import fmt_number, fmt_percent, t
from planner.optimise.inputs import rows as frame_rows
from planner.queues import Waiting, WaitingSide

if TYPE_CHECKING:
    from reports.view import ReportTable, ReportView


def wait_text(days: float | None, stable: bool) -> str:
    """A wait for a reader: days, or why there is no figure."""
    if not stable:
        return t("unstable: the wait grows without bound")
    if days is None or not math.isfinite(days):
        return "—"
    if days < 0.5:
        return t("under a day")
    return t("{days} days", days=fmt_number(days, 0))


def city_waits(side: WaitingSide) -> pd.DataFrame:
    """Per service: cases a month, the share of them at a full queue, the probability of
    waiting and the mean wait of the rest (both weighted by arrivals)."""
    frame = side.agencies.copy()
    # A reader without exact counts has no arrivals (planner.queues.disclosed): the queue's
    # load (utilisation x units / stay) weighs it the same, capped where it is unbounded.
    load = (
        frame["utilisation"].astype(float).clip(upper=1.0)
        * frame["servers"].astype(float)
        / frame["hold_months"].astype(float)
    )
    arrivals = frame["arrivals_per_month"].astype(float)
    frame["arrivals_per_month"] = arrivals.where(arrivals.notna(), load)
    frame = frame[frame["arrivals_per_month"] > 0]
    rows = []
    for service_id, group in frame.groupby("service_id", sort=True):
        cases = group["arrivals_per_month"].to_numpy(float)
        stable = group["stable"].to_numpy(bool)
        total = float(cases.sum())
        calm = float(cases[stable].sum())
        mean = (
            float((group["mean_wait_days"].to_numpy(float)[stable] * cases[stable]).sum() / calm)
            if calm > 0
            else math.nan
        )
        p_wait = float((group["p_wait"].to_numpy(float) * cases).sum() / total)
        rows.append(
            (str(service_id), total, 1.0 - calm / total, p_wait, mean, int((~stable).sum()))
        )
    return pd.DataFrame(
        rows,
        columns=[
            "service_id",
            "cases_per_month",
            "share_at_full",
            "p_wait",
            "mean_wait_days",
            "full_queues",
        ],
    )


def summary_lines(waiting: Waiting, service_name: Callable[[str], str]) -> list[str]:
    """One sentence per held service: its waits before and after the plan."""
    after = city_waits(waiting.after).set_index("service_id")
    before = (
        city_waits(waiting.before).set_index("service_id")
        if waiting.before is not None
        else pd.DataFrame()
    )
    lines = []
    for service_id, row in after.iterrows():
        line = t(
            "{service}: {p_wait} of cases wait; at agencies with room the mean wait is {wait}; "
            "{full} of cases go to agencies that are full ({queues} queues), where the wait "
            "grows without bound",
            service=service_name(str(service_id)),
            p_wait=fmt_percent(row["p_wait"], 0),
            wait=wait_text(row["mean_wait_days"], True),
            full=fmt_percent(row["share_at_full"], 0),
            queues=int(row["full_queues"]),
        )
        if service_id in before.index:
            old: Any = before.loc[str(service_id)]
            line += t(
                " (today: {p_wait} wait, {full} at full agencies)",
                p_wait=fmt_percent(old["p_wait"], 0),
                full=fmt_percent(old["share_at_full"], 0),
            )
        lines.append(line)
    return lines


def agency_table(
    waiting: Waiting,
    agency_name: Callable[[str], str],
    service_name: Callable[[str], str],
    *,
    exact_counts: bool,
) -> pd.DataFrame:
    """Per agency and held service: units, utilisation and waits before and after (words as
    column headers; arrivals only for a reader of exact counts)."""
    after = waiting.after.agencies
    if waiting.before is not None:
        old = waiting.before.agencies.set_index(["agency_id", "service_id"])
    else:
        old = pd.DataFrame()
    rows = []
    after = after.sort_values(["service_id", "agency_id"], kind="stable")
    for row in frame_rows(after):
        key = (row.agency_id, row.service_id)
        record: dict[str, Any] = {
            t("Service"): service_name(row.service_id),
            t("Agency"): agency_name(row.agency_id),
            t("Units"): int(row.servers),
        }
        if exact_counts:
            record[t("Cases a month")] = fmt_number(row.arrivals_per_month, 1)
        record[t("Utilisation")] = fmt_percent(row.utilisation, 0) if row.stable else "≥ 100 %"
        if key in old.index:
            before: Any = old.loc[key]
            record[t("Mean wait today")] = wait_text(
                before["mean_wait_days"], bool(before["stable"])
            )
        record[t("Mean wait")] = wait_text(row.mean_wait_days, bool(row.stable))
        record[t("P{q} wait", q=fmt_number(100 * waiting.quantile, 0))] = wait_text(
            row.quantile_wait_days, bool(row.stable)
        )
        rows.append(record)
    return pd.DataFrame(rows)


def district_table(
    waiting: Waiting,
    district_name: Callable[[str], str],
    service_name: Callable[[str], str],
) -> pd.DataFrame:
    """Per district and held service: the mean and quantile wait of its cases, before and
    after the plan."""
    after = waiting.after.districts
    old = (
        waiting.before.districts.set_index(["district_id", "service_id"])
        if waiting.before is not None
        else pd.DataFrame()
    )
    q = t("P{q} wait", q=fmt_number(100 * waiting.quantile, 0))
    rows = []
    for row in frame_rows(after):
        key = (row.district_id, row.service_id)
        record = {
            t("District"): district_name(row.district_id),
            t("Service"): service_name(row.service_id),
        }
        if key in old.index:
            before: Any = old.loc[key]
            record[t("Mean wait today")] = wait_text(
                before["mean_wait_days"], bool(before["stable"])
            )
        record[t("Mean wait")] = wait_text(row.mean_wait_days, bool(row.stable))
        record[q] = wait_text(row.quantile_wait_days, bool(row.stable))
        rows.append(record)
    return pd.DataFrame(rows)


def report_tables(view: ReportView) -> list[ReportTable]:
    """The report's waiting tables (none for a plan without waits)."""
    from reports.view import ReportTable

    waiting = Waiting.from_dict(view.record.summary.get("waiting"))
    if waiting is None or not view.record.has_plan:
        return []
    names = view.agency_names

    def agency_name(agency_id: str) -> str:
        return str(names.get(agency_id, view.book.agency(agency_id)))

    def service_name(service_id: str) -> str:
        return view.book.services.get(service_id, service_id)

    note = t("; ").join(
        summary_lines(waiting, service_name)
        + target_lines(waiting, agency_name, view.book.district, service_name)
    )
    induced: list[ReportTable] = []
    if waiting.induced and view.audience == "analyst":  # counts per district: exact only
        induced = [
            ReportTable(
                sheet=t("Demand induced"),
                title=t("**Demand the plan sends on** (referral pathways)").replace("**", ""),
                frame=induced_table(waiting, view.book.district, service_name),
                in_pdf=False,
            )
        ]
    return [
        *induced,
        ReportTable(
            sheet=t("Waiting"),
            title=t("Waiting for a place, per agency (M/M/c queues)"),
            frame=agency_table(
                waiting, agency_name, service_name, exact_counts=view.audience == "analyst"
            ),
            note=note,
            in_pdf=False,  # xlsx and html: the PDF's pages are counted by its own tables
        ),
        ReportTable(
            sheet=t("Waiting by district"),
            title=t("Waiting for a place, per district"),
            frame=district_table(waiting, view.book.district, service_name),
            in_pdf=False,
        ),
    ]


def target_lines(
    waiting: Waiting,
    agency_name: Callable[[str], str],
    district_name: Callable[[str], str],
    service_name: Callable[[str], str],
) -> list[str]:
    """The wait targets: how many capped agencies meet theirs, and each that cannot, why."""
    records = list(waiting.targets)
    if not records:
        return []
    met = [r for r in records if r.get("met")]
    lines = [
        t(
            "Wait targets: {met} of {count} agencies held to a target meet it "
            "(utilisation capped, after {rounds} solves)",
            met=len(met),
            count=len(records),
            rounds=max(int(r.get("rounds", 1)) for r in records),
        )
    ]
    reasons = {
        "expansion_limit": t("it cannot add more units (its expansion limit)"),
        "budget": t("the budget buys no more units there"),
        "no_units": t("it has no unit of the service"),
    }
    for record in records:
        if record.get("met"):
            continue
        districts = t(", ").join(district_name(d) for d in record.get("district_ids") or [])
        lines.append(
            t(
                "{agency} cannot meet the {target}-day target for {service}: {reason}; "
                "the cases of {districts} wait longer ({wait})",
                agency=agency_name(str(record["agency_id"])),
                target=fmt_number(float(record["target_days"]), 0),
                service=service_name(str(record["service_id"])),
                reason=reasons.get(str(record.get("reason")), str(record.get("reason"))),
                districts=districts or "—",
                wait=wait_text(record.get("wait_days"), record.get("wait_days") is not None),
            )
        )
    return lines


def induced_table(
    waiting: Waiting,
    district_name: Callable[[str], str],
    service_name: Callable[[str], str],
) -> pd.DataFrame:
    """The demand the plan induces downstream (referral pathways), per district and service,
    with what of that service's demand goes unmet."""
    frame = pd.DataFrame(waiting.induced)
    if len(frame) == 0:
        return frame
    frame = frame.sort_values(["induced"], ascending=False, kind="stable")
    return pd.DataFrame(
        {
            t("District"): [district_name(str(d)) for d in frame["district_id"]],
            t("Service"): [service_name(str(s)) for s in frame["service_id"]],
            t("Demand induced"): [fmt_number(v) for v in frame["induced"]],
            t("Demand"): [fmt_number(v) for v in frame["demand"]],
            t("Unmet"): [fmt_number(v) for v in frame["unmet"]],
        }
    )
