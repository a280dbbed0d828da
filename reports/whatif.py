"""What a closure does, in words and tables for a reader (planner.whatif gives the numbers).

`what_if_lines(result, book)` says it in a few sentences; `district_table` and
`takers_table` are the tables of the one-page view (ui/whatif_view.py), the command line
(`plan ... --close A12`) and `what_if_html`, the one-page report.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from planner.i18n import fmt_number, t
from planner.optimise.inputs import rows
from reports.words import NameBook


def _ids(result: dict[str, Any], key: str, book: NameBook) -> str:
    names = []
    for item in result.get(key) or []:
        agency_id, _, service_id = str(item).partition(":")
        name = book.agency(agency_id)
        names.append(
            t("{agency} ({service})", agency=name, service=book.service(service_id))
            if service_id
            else name
        )
    return t(", ").join(names)


def what_if_lines(result: dict[str, Any], book: NameBook) -> list[str]:
    """The what-if (planner.whatif.WhatIf.to_dict) in sentences."""
    lines = []
    closed = _ids(result, "closed", book)
    locked = _ids(result, "locked", book)
    if closed:
        lines.append(t("If {agencies} closed:", agencies=closed))
    if locked:
        lines.append(t("With no new capacity at {agencies}:", agencies=locked))
    if result["unmet_added"] >= 0.5:
        lines.append(
            t(
                "{unmet} more units of demand would go unmet over the horizon, and the units "
                "served would travel {km} km more in all",
                unmet=fmt_number(result["unmet_added"]),
                km=fmt_number(result["unit_km_added"]),
            )
        )
    else:
        lines.append(
            t(
                "no more demand would go unmet over the horizon (the plan moves it elsewhere), "
                "and the units served would travel {km} km more in all",
                km=fmt_number(result["unit_km_added"]),
            )
        )
    districts = pd.DataFrame(result.get("districts") or [])
    if len(districts):
        hit = districts[districts["unmet_added"] > 0.5].head(3)
        if len(hit):
            lines.append(
                t(
                    "hardest hit: {districts}",
                    districts=t(", ").join(
                        t(
                            "{district} ({units} units)",
                            district=book.district(str(row.district_id)),
                            units=fmt_number(row.unmet_added),
                        )
                        for row in rows(hit)
                    ),
                )
            )
    takers = pd.DataFrame(result.get("takers") or [])
    if len(takers):
        taking = takers[takers["taken"] > 0.5].head(3)
        if len(taking):
            lines.append(
                t(
                    "the demand goes to {agencies}",
                    agencies=t(", ").join(
                        t(
                            "{agency} ({units} units of {service})",
                            agency=book.agency(str(row.agency_id)),
                            units=fmt_number(row.taken),
                            service=book.service(str(row.service_id)),
                        )
                        for row in rows(taking)
                    ),
                )
            )
    money = result.get("bridge_money")
    if money is None:
        lines.append(
            t(
                "no amount of money bridges it: the agencies that could take the demand are "
                "at their expansion limits or out of reach"
            )
        )
    elif money <= 0.5:
        lines.append(t("the scenario's budget bridges it: no extra money is needed"))
    else:
        lines.append(
            t(
                "{money} more would bridge it (the least extra spending that serves as well as "
                "without the closure, found by solving with the budget lifted)",
                money=book.money(money),
            )
        )
    return lines


def _number(value: Any) -> str:
    """A figure, or a dash where it is blank for this reader (a small count)."""
    try:
        if value is None or value != value:
            return "—"
    except TypeError:
        return "—"
    return fmt_number(float(value))


def district_table(result: dict[str, Any], book: NameBook) -> pd.DataFrame:
    frame = pd.DataFrame(result.get("districts") or [])
    if len(frame) == 0:
        return frame
    frame = frame[(frame["unmet_added"].abs() > 0.005) | (frame["unit_km_added"].abs() > 0.5)]
    return pd.DataFrame(
        {
            t("District"): [book.district(str(d)) for d in frame["district_id"]],
            t("Unmet without"): [_number(v) for v in frame["unmet_without"]],
            t("Unmet with the closure"): [_number(v) for v in frame["unmet_with"]],
            t("Unmet added"): [_number(v) for v in frame["unmet_added"]],
            t("Distance added (unit-km)"): [_number(v) for v in frame["unit_km_added"]],
        }
    )


def takers_table(result: dict[str, Any], book: NameBook) -> pd.DataFrame:
    frame = pd.DataFrame(result.get("takers") or [])
    if len(frame) == 0:
        return frame
    return pd.DataFrame(
        {
            t("Agency"): [book.agency(str(a)) for a in frame["agency_id"]],
            t("Service"): [book.service(str(s)) for s in frame["service_id"]],
            t("Served without"): [_number(v) for v in frame["served_without"]],
            t("Served with the closure"): [_number(v) for v in frame["served_with"]],
            t("Taken on"): [_number(v) for v in frame["taken"]],
        }
    )


def what_if_html(result: dict[str, Any], book: NameBook, title: str) -> bytes:
    """The one-page report: the sentences and the two tables, as a self-contained page."""
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>",
        "<ul>",
        *(f"<li>{html.escape(line)}</li>" for line in what_if_lines(result, book)),
        "</ul>",
        f"<h2>{html.escape(t('Per district'))}</h2>",
        district_table(result, book).to_html(index=False, escape=True),
        f"<h2>{html.escape(t('Who takes the demand'))}</h2>",
        takers_table(result, book).to_html(index=False, escape=True),
    ]
    return "\n".join(parts).encode("utf-8")
