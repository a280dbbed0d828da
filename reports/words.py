"""A plan's codes in words, for one reader: findings, statuses, baselines and notes.

The solve returns codes and values (planner.findings); this module says them with `t()` in
the current language, naming only what the reader may see: a `NameBook` holds the display
names that reader may read, and an agency that is not in it (or was masked by
`planner.findings.mask_findings`) reads "a confidential shelter". Written for a city
analyst: agencies and districts are counted (each once) and the first few named, amounts
are whole numbers, months are month names and money is `planner.i18n.fmt_money` in the
city's currency.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner import findings as F
from planner.findings import Baselines, Finding, Totals, is_masked
from planner.i18n import fmt_money, fmt_month, fmt_number, fmt_percent, t
from planner.plan_words import BASELINE_NAMES, STATUS_WORDS, baseline_name, status_words

NAMED = 3
"""How many agencies or districts a sentence names before "and N more"."""
LISTED = 8
"""How many lines a section of "What limits the plan" shows."""
UNSPENT_SHARE = 0.01
"""A baseline that leaves more than this share of the budget unspent says so."""


@dataclass(frozen=True)
class NameBook:
    """Display names a reader may see, by id; an agency not in `agencies` is confidential
    for this reader. `currency` is the city's (ISO code)."""

    currency: str = "USD"
    agencies: Mapping[str, str] = field(default_factory=dict)
    districts: Mapping[str, str] = field(default_factory=dict)
    services: Mapping[str, str] = field(default_factory=dict)
    funders: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_tables(
        cls,
        currency: str,
        *,
        agencies: pd.DataFrame,
        districts: pd.DataFrame,
        services: pd.DataFrame,
        funders: pd.DataFrame,
        confidential_places: bool,
    ) -> NameBook:
        """Names from a city's tables; confidential agencies only when `confidential_places`
        (the reader's audience may see them)."""
        shown = agencies
        if not confidential_places and "confidential" in agencies:
            shown = agencies[~agencies["confidential"].fillna(False).astype(bool)]
        return cls(
            currency=str(currency),
            agencies=_names(shown, "agency_id"),
            districts=_names(districts, "district_id"),
            services=_names(services, "service_id"),
            funders=_names(funders, "funder_id"),
        )

    @classmethod
    def from_package(cls, package: Any, *, confidential_places: bool) -> NameBook:
        """Names from a city package (or a report context: anything with `city.currency`
        and agencies, districts, services and funders tables)."""
        return cls.from_tables(
            package.city.currency,
            agencies=package.agencies,
            districts=package.districts,
            services=package.services,
            funders=package.funders,
            confidential_places=confidential_places,
        )

    def hidden_agencies(self, agency_ids: Iterable[str]) -> tuple[str, ...]:
        """The ids among `agency_ids` this reader may not see by name."""
        return tuple(a for a in agency_ids if a not in self.agencies)

    def agency(self, agency_id: str) -> str:
        if is_masked(agency_id) or agency_id not in self.agencies:
            return t("a confidential shelter")
        return self.agencies[agency_id]

    def district(self, district_id: str) -> str:
        return self.districts.get(district_id, district_id)

    def service(self, service_id: str | None) -> str:
        """A service's display name, as it reads inside a sentence."""
        if service_id is None:
            return ""
        return _in_sentence(self.services.get(service_id, service_id))

    def funder(self, funder_id: str | None) -> str:
        if funder_id is None:
            return ""
        return self.funders.get(funder_id, funder_id)

    def money(self, amount: float | None) -> str:
        return "—" if amount is None else fmt_money(amount, self.currency)


def _names(frame: pd.DataFrame, key: str) -> dict[str, str]:
    if key not in frame or "name" not in frame:
        return {}
    return dict(zip(frame[key].astype(str), frame["name"].astype(str), strict=True))


def _in_sentence(name: str) -> str:
    """ "Shelter beds for men" -> "shelter beds for men"; an acronym ("HIV testing") keeps
    its capitals."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


# --- numbers, lists, months ---------------------------------------------------------------


def whole(value: float | None) -> str:
    """A count of units as a reader wants it: whole ("1,180"), one decimal under 10."""
    if value is None or not math.isfinite(value):
        return "—"
    return fmt_number(value, 1 if 0 < abs(value) < 10 and value != round(value) else 0)


def percent(fraction: float | None) -> str:
    if fraction is None or not math.isfinite(fraction):
        return "—"
    return fmt_percent(fraction, 0)


def name_list(names: Sequence[str], *, total: int | None = None, named: int = NAMED) -> str:
    """ "A, B and C"; "A, B, C and 9 more" when there are more than `named` (or `total`)."""
    total = len(names) if total is None else total
    shown = list(names[:named])
    more = total - len(shown)
    if more > 0:
        return t("{first} and {count} more", first=", ".join(shown), count=more)
    if len(shown) <= 1:
        return "".join(shown)
    return t("{first} and {last}", first=", ".join(shown[:-1]), last=shown[-1])


def agency_names(agency_ids: Sequence[str], book: NameBook) -> list[str]:
    """Names of agencies, each once; the confidential ones (masked, or not in the book)
    together, last: "a confidential shelter", "3 confidential shelters"."""
    unique = list(dict.fromkeys(agency_ids))
    named = [book.agencies[a] for a in unique if a in book.agencies and not is_masked(a)]
    hidden = len(unique) - len(named)
    if hidden == 1:
        named.append(t("a confidential shelter"))
    elif hidden > 1:
        named.append(t("{count} confidential shelters", count=hidden))
    return named


def month_list(months: Sequence[str]) -> str:
    """When, in months: "in December 2026", "from December 2026 to March 2027", "in May to
    August 2027 and October 2027" (runs of consecutive months, the first few named); no
    months is every month of the plan (planner.findings.AGENCY_FULL)."""
    runs: list[list[pd.Period]] = []
    for period in sorted({pd.Period(m, freq="M") for m in months}):
        if runs and (period - runs[-1][-1]).n == 1:
            runs[-1].append(period)
        else:
            runs.append([period])
    if not runs:
        return t("in every month of the plan")
    if len(runs) == 1 and len(runs[0]) > 1:
        first, last = runs[0][0], runs[0][-1]
        return t("from {first} to {last}", first=fmt_month(str(first)), last=fmt_month(str(last)))
    spans = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            spans.append(fmt_month(str(first)))
        elif first.year == last.year:
            month = fmt_month(str(first)).rsplit(" ", 1)[0]
            spans.append(t("{first} to {last}", first=month, last=fmt_month(str(last))))
        else:
            spans.append(
                t("{first} to {last}", first=fmt_month(str(first)), last=fmt_month(str(last)))
            )
    return t("in {months}", months=name_list(spans))


# --- statuses -----------------------------------------------------------------------------


def status_line(status: str, gap: float | None = None, solver_message: str = "") -> str:
    """A plan's status for a reader: "optimal", "optimal (gap 0.05%)", "stopped at the time
    limit with a plan; gap 0.50%", "infeasible", "no plan: <the solver's status>"."""
    if status == "optimal":
        if gap and gap > 1e-9:
            return t("optimal (gap {gap})", gap=fmt_percent(gap, 2))
        return t("optimal")
    if status == "time_limit":
        if gap is not None:
            return t("stopped at the time limit with a plan; gap {gap}", gap=fmt_percent(gap, 2))
        return t("stopped at the time limit with a plan")
    if status == "infeasible":
        return status_words(status)
    if solver_message:
        return t("no plan: {message}", message=solver_message)
    return status_words(status)


# --- one finding, one sentence ------------------------------------------------------------


def sentence(finding: Finding, book: NameBook) -> str:
    """One finding in words (the reader's language and names)."""
    say = _SAYERS.get(finding.kind)
    if say is None:
        return finding.kind  # a code from a newer planner: shown as it is
    return say(finding, book)


def _budget_value(f: Finding, book: NameBook) -> str:
    text = t(
        "one more {amount} removes about {gain} weighted units of unmet demand",
        amount=book.money(f.amount),
        gain=whole(f.units),
    )
    if f.service_id and f.district_ids:
        text += t(
            ", mostly {where}",
            where=t(
                "{service} in {districts}",
                service=book.service(f.service_id),
                districts=name_list([book.district(d) for d in f.district_ids]),
            ),
        )
    if f.funder_id:
        text += t(" (given to {funder})", funder=book.funder(f.funder_id))
    return text


def _money_not_limiting(f: Finding, book: NameBook) -> str:
    return t(
        "one more {amount} would not serve more people: the plan is limited by how much "
        "agencies can add, by the radius, or by who may be funded, not by money",
        amount=book.money(f.amount),
    )


def _budget_spent(f: Finding, book: NameBook) -> str:
    return t("the total budget of {amount} is all spent", amount=book.money(f.amount))


def _funder_exhausted(f: Finding, book: NameBook) -> str:
    return t(
        "{funder} spends all its {amount}",
        funder=book.funder(f.funder_id),
        amount=book.money(f.amount),
    )


def _expansion_limit(f: Finding, book: NameBook) -> str:
    names = agency_names(f.agency_ids, book)
    if len(f.agency_ids) == 1:
        return t(
            "{agency} cannot add more {service} than its limit of {most}",
            agency=names[0],
            service=book.service(f.service_id),
            most=whole(f.units),
        )
    return t(
        "{count} agencies cannot add more {service} ({most} in all): {agencies}",
        count=len(set(f.agency_ids)),
        service=book.service(f.service_id),
        most=whole(f.units),
        agencies=name_list(names, total=_distinct(f.agency_ids, book)),
    )


def _agency_full(f: Finding, book: NameBook) -> str:
    names = agency_names(f.agency_ids, book)
    if len(f.agency_ids) == 1:
        return t(
            "{agency} is full for {service} {months}",
            agency=names[0],
            service=book.service(f.service_id),
            months=month_list(f.months),
        )
    return t(
        "{count} agencies are full for {service} {months}: {agencies}",
        count=len(set(f.agency_ids)),
        service=book.service(f.service_id),
        months=month_list(f.months),
        agencies=name_list(names, total=_distinct(f.agency_ids, book)),
    )


def _floor_held(f: Finding, book: NameBook) -> str:
    districts = [book.district(d) for d in f.district_ids]
    if len(districts) == 1:
        return t(
            "{district} is held at the {floor} floor for {service}",
            district=districts[0],
            floor=percent(f.floor),
            service=book.service(f.service_id),
        )
    return t(
        "{count} districts are held at the {floor} floor for {service}: {districts}",
        count=len(districts),
        floor=percent(f.floor),
        service=book.service(f.service_id),
        districts=name_list(districts),
    )


def _out_of_reach(f: Finding, book: NameBook) -> str:
    district = book.district(f.district_ids[0]) if f.district_ids else ""
    agency = f.agency_ids[0] if f.agency_ids else ""
    if f.units is None:  # the cell's count is suppressed for this reader
        return t(
            "{district} leaves demand for {service} unmet; the nearest agency that offers it "
            "is beyond the {radius} km radius",
            district=district,
            service=book.service(f.service_id),
            radius=whole(f.radius_km),
        )
    if f.distance_km is None or is_masked(agency) or agency not in book.agencies:
        return t(
            "{district} leaves {unmet} units of {service} unmet; the nearest agency that "
            "offers it is beyond the {radius} km radius",
            district=district,
            unmet=whole(f.units),
            service=book.service(f.service_id),
            radius=whole(f.radius_km),
        )
    return t(
        "{district} leaves {unmet} units of {service} unmet; {agency} is {distance} km away, "
        "beyond the {radius} km radius",
        district=district,
        unmet=whole(f.units),
        service=book.service(f.service_id),
        agency=book.agency(agency),
        distance=fmt_number(f.distance_km, 1),
        radius=whole(f.radius_km),
    )


def _below_floor(f: Finding, book: NameBook) -> str:
    if f.share is None:  # the cell's count is suppressed for this reader
        return t(
            "{district}: {service} below the {floor} floor",
            district=book.district(f.district_ids[0]) if f.district_ids else "",
            service=book.service(f.service_id),
            floor=percent(f.floor),
        )
    return t(
        "{district}: {coverage} of {service}, below the {floor} floor",
        district=book.district(f.district_ids[0]) if f.district_ids else "",
        coverage=percent(f.share),
        service=book.service(f.service_id),
        floor=percent(f.floor),
    )


def _floor_head(f: Finding, book: NameBook) -> str:
    return t(
        "district {district} cannot reach {floor} coverage for {service}",
        district=book.district(f.district_ids[0]) if f.district_ids else "",
        floor=percent(f.floor),
        service=book.service(f.service_id),
    )


def _where(f: Finding) -> str:
    if f.radius_km is None:
        return t("anywhere")
    return t("within {radius} km", radius=whole(f.radius_km))


def _floor_no_agency(f: Finding, book: NameBook) -> str:
    return t("{head}: no agency {where} offers it", head=_floor_head(f, book), where=_where(f))


def _floor_capacity(f: Finding, book: NameBook) -> str:
    detail = t(
        "the {count} agencies {where} have {capacity} units and can add at most {most}",
        count=f.count or len(f.agency_ids),
        where=_where(f),
        capacity=whole(f.units),
        most=whole(f.limit),
    )
    if f.kind == F.FLOOR_CAPACITY_SHORT:
        return t(
            "{head}: {detail}, {share} of its demand even if they served it alone",
            head=_floor_head(f, book),
            detail=detail,
            share=percent(f.share),
        )
    return t(
        "{head}: {detail}, and the districts they also serve need them for their own floors",
        head=_floor_head(f, book),
        detail=detail,
    )


def _group(f: Finding, book: NameBook) -> str:
    names = getattr(book, "populations", None) or {}
    return str(names.get(f.population_id, f.population_id or ""))


def _group_floor_no_agency(f: Finding, book: NameBook) -> str:
    if f.radius_km is None:
        return t(
            "no agency accepts {group} for {service}: the {floor} floor for the group cannot "
            "hold; open one",
            group=_group(f, book),
            service=book.service(f.service_id),
            floor=percent(f.floor),
        )
    return t(
        "no agency within {radius} km accepts {group} for {service} (only {share} of their "
        "demand can reach one; the floor asks {floor}); open one or widen the radius",
        radius=whole(f.radius_km),
        group=_group(f, book),
        service=book.service(f.service_id),
        share=percent(f.share),
        floor=percent(f.floor),
    )


def _group_floor_capacity_short(f: Finding, book: NameBook) -> str:
    return t(
        "the {count} agencies that accept {group} for {service} have {capacity} units and can "
        "add at most {most}: {share} of the group's demand even at their fullest, the floor "
        "asks {floor}; open one or let more agencies accept the group",
        count=f.count or len(f.agency_ids),
        group=_group(f, book),
        service=book.service(f.service_id),
        capacity=whole(f.units),
        most=whole(f.limit),
        share=percent(f.share),
        floor=percent(f.floor),
    )


def _floor_needs_funder(f: Finding, book: NameBook) -> str:
    if f.population_id:  # a group floor (issue 15)
        return t(
            "the {floor} floor for {group} needs {amount} more from {funder} than its budget "
            "of {budget}",
            floor=percent(f.floor),
            group=_group(f, book),
            amount=book.money(f.amount),
            funder=book.funder(f.funder_id),
            budget=book.money(f.limit),
        )
    return t(
        "the {floor} floor needs {amount} more from {funder} than its budget of {budget}",
        floor=percent(f.floor),
        amount=book.money(f.amount),
        funder=book.funder(f.funder_id),
        budget=book.money(f.limit),
    )


def _floor_needs_budget(f: Finding, book: NameBook) -> str:
    if f.population_id:  # a group floor (issue 15)
        return t(
            "the {floor} floor for {group} costs {amount} more than the total budget of {budget}",
            floor=percent(f.floor),
            group=_group(f, book),
            amount=book.money(f.amount),
            budget=book.money(f.limit),
        )
    return t(
        "the {floor} floor costs {amount} more than the total budget of {budget}",
        floor=percent(f.floor),
        amount=book.money(f.amount),
        budget=book.money(f.limit),
    )


def _infeasible_floor(f: Finding, book: NameBook) -> str:
    return t("the hard {floor} equity floor cannot hold", floor=percent(f.floor))


def _service_unavailable(f: Finding, book: NameBook) -> str:
    return t(
        "nobody offers or may open {service}: all its demand stays unmet",
        service=book.service(f.service_id),
    )


def _agency_unreachable(f: Finding, book: NameBook) -> str:
    return t(
        "{agency} reaches no district with demand for what it offers: it gets no funding",
        agency=name_list(agency_names(f.agency_ids, book)),
    )


def demand_basis_name(quantile: float | None) -> str:
    """What a plan plans for, in a few words: the expected demand, or a quantile of the
    city's demand per service (planner.demand)."""
    if quantile is None:
        return t("expected demand")
    return t("P{percentile} of the city's demand per service", percentile=f"{quantile * 100:g}")


def _demand_forecast(f: Finding, book: NameBook) -> str:
    if f.share is None:
        return t(
            "demand is the expected demand of the forecast from {months} months of history",
            months=f.count or 0,
        )
    return t(
        "demand is the forecast at P{quantile} of the city's demand per service and month, "
        "from {months} months of history",
        quantile=f"{f.share * 100:g}",
        months=f.count or 0,
    )


def _demand_recent_mean(f: Finding, book: NameBook) -> str:
    from planner.demand import HISTORY_MONTHS

    months = f.count or 0
    return t(
        "demand is the mean of the last {recent} months: {months} months of history are too "
        "few to forecast (at least {needed} are needed), so the scenario's demand quantile is "
        "not used",
        recent=min(months, HISTORY_MONTHS),
        months=months,
        needed=round(f.limit or 0),
    )


def _diagnosis_unfinished(f: Finding, book: NameBook) -> str:
    return t(
        "what limits the plan is not shown: its LP relaxation did not finish within its own "
        "{seconds} s, and no figure is given from an unfinished solve",
        seconds=fmt_number(f.limit or 0, 0),
    )


def _baseline_unfinished(f: Finding, book: NameBook) -> str:
    return t(
        'the baseline "{name}" is not compared: its solve did not finish within its own '
        "{seconds} s",
        name=baseline_name(f.baseline or ""),
        seconds=fmt_number(f.limit or 0, 0),
    )


def _plan_is_baseline(f: Finding, book: NameBook) -> str:
    return t(
        "the search stopped at its time limit ({seconds} s) before it found a better plan than "
        'the baseline "{name}": the plan shown is that baseline\'s; a longer time limit may '
        "find a better one",
        name=baseline_name(f.baseline or ""),
        seconds=fmt_number(f.limit or 0, 1),
    )


_SAYERS = {
    F.BUDGET_VALUE: _budget_value,
    F.MONEY_NOT_LIMITING: _money_not_limiting,
    F.BUDGET_SPENT: _budget_spent,
    F.FUNDER_EXHAUSTED: _funder_exhausted,
    F.EXPANSION_LIMIT: _expansion_limit,
    F.AGENCY_FULL: _agency_full,
    F.FLOOR_HELD: _floor_held,
    F.OUT_OF_REACH: _out_of_reach,
    F.BELOW_FLOOR: _below_floor,
    F.FLOOR_NO_AGENCY: _floor_no_agency,
    F.FLOOR_CAPACITY_SHORT: _floor_capacity,
    F.FLOOR_CAPACITY_SHARED: _floor_capacity,
    F.FLOOR_NEEDS_FUNDER: _floor_needs_funder,
    F.FLOOR_NEEDS_BUDGET: _floor_needs_budget,
    F.INFEASIBLE_FLOOR: _infeasible_floor,
    F.GROUP_FLOOR_NO_AGENCY: _group_floor_no_agency,
    F.GROUP_FLOOR_CAPACITY_SHORT: _group_floor_capacity_short,
    F.SERVICE_UNAVAILABLE: _service_unavailable,
    F.AGENCY_UNREACHABLE: _agency_unreachable,
    F.DEMAND_FORECAST: _demand_forecast,
    F.DEMAND_RECENT_MEAN: _demand_recent_mean,
    F.DIAGNOSIS_UNFINISHED: _diagnosis_unfinished,
    F.BASELINE_UNFINISHED: _baseline_unfinished,
    F.PLAN_IS_BASELINE: _plan_is_baseline,
}


def _distinct(agency_ids: Sequence[str], book: NameBook) -> int:
    """How many names `agency_names` gives (confidential agencies read as one)."""
    return len(agency_names(agency_ids, book))


# --- what limits the plan, grouped for a reader -------------------------------------------


@dataclass(frozen=True)
class Section:
    """A heading of "What limits the plan" and its lines (at most `LISTED`, then `more`)."""

    title: str
    lines: tuple[str, ...]
    more: int = 0


def budget_value(findings: Iterable[Finding], book: NameBook) -> str:
    """The budget's value in one sentence ("" when the plan has no LP relaxation)."""
    found = F.findings_of(findings, F.BUDGET_VALUE, F.MONEY_NOT_LIMITING)
    return sentence(found[0], book) if found else ""


def limit_sections(findings: Iterable[Finding], book: NameBook) -> list[Section]:
    """What limits the plan, by kind: headings that count distinct agencies and districts,
    each line one service (or one district out of reach)."""
    findings = tuple(findings)
    sections = []
    budgets = F.findings_of(findings, F.BUDGET_SPENT, F.FUNDER_EXHAUSTED)
    if budgets:
        sections.append(_section(t("Budgets spent in full"), budgets, book))
    expansion = F.findings_of(findings, F.EXPANSION_LIMIT)
    if expansion:
        count = _count_agencies(expansion, book)
        title = t("Agencies at their expansion limit ({count})", count=count)
        sections.append(_section(title, expansion, book))
    full = F.findings_of(findings, F.AGENCY_FULL)
    if full:
        title = t("Agencies full ({count})", count=_count_agencies(full, book))
        sections.append(_section(title, full, book))
    held = F.findings_of(findings, F.FLOOR_HELD)
    if held:
        count = len({d for f in held for d in f.district_ids})
        title = t("Districts held at the equity floor ({count})", count=count)
        sections.append(_section(title, held, book))
    reach = F.findings_of(findings, F.OUT_OF_REACH)
    if reach:
        sections.append(_section(t("Out of reach"), reach, book))
    below = F.findings_of(findings, F.BELOW_FLOOR)
    if below:
        sections.append(below_floor_section(below, book))
    return sections


def below_floor_section(findings: Sequence[Finding], book: NameBook) -> Section:
    """Districts below the floor, counted once, listed per service with their coverage."""
    count = len({d for f in findings for d in f.district_ids})
    floor = findings[0].floor if findings else None
    by_service: dict[str | None, list[Finding]] = {}
    for finding in findings:
        by_service.setdefault(finding.service_id, []).append(finding)
    lines = []
    for service_id, cells in by_service.items():
        cells = sorted(cells, key=lambda f: (f.share is None, f.share or 0.0, f.district_ids))
        named = [
            t(
                "{district} ({coverage})",
                district=book.district(f.district_ids[0]) if f.district_ids else "",
                coverage=percent(f.share),
            )
            if f.share is not None
            else book.district(f.district_ids[0] if f.district_ids else "")
            for f in cells
        ]
        lines.append(
            t(
                "{service}: {districts}",
                service=_capital(book.service(service_id)),
                districts=name_list(named, named=6),
            )
        )
    title = t(
        "Districts below the {floor} equity floor ({count})", floor=percent(floor), count=count
    )
    return Section(title, tuple(lines[:LISTED]), max(0, len(lines) - LISTED))


def _section(title: str, findings: Sequence[Finding], book: NameBook) -> Section:
    lines = [_capital(sentence(f, book)) for f in findings]
    return Section(title, tuple(lines[:LISTED]), max(0, len(lines) - LISTED))


def _count_agencies(findings: Sequence[Finding], book: NameBook) -> int:
    """Distinct agencies in these findings (masked ones are numbered per agency)."""
    return len({a for f in findings for a in f.agency_ids})


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def out_of_reach_table(findings: Iterable[Finding], book: NameBook) -> pd.DataFrame:
    """Demand out of reach, one row per district and service, most unmet first: district_id,
    district, service, unmet (units; NaN where the reader may not see the count), nearest
    (the nearest agency beyond the radius, as the reader may see it) and distance_km (NaN
    for a confidential agency), radius_km. What ArcGIS's location-allocation draws."""
    rows = []
    for f in F.findings_of(findings, F.OUT_OF_REACH):
        agency = f.agency_ids[0] if f.agency_ids else ""
        hidden = is_masked(agency) or agency not in book.agencies
        rows.append(
            {
                "district_id": f.district_ids[0] if f.district_ids else "",
                "district": book.district(f.district_ids[0]) if f.district_ids else "",
                "service": _capital(book.service(f.service_id)),
                "unmet": math.nan if f.units is None else f.units,
                "nearest": book.agency(agency),
                "distance_km": math.nan if hidden or f.distance_km is None else f.distance_km,
                "radius_km": math.nan if f.radius_km is None else f.radius_km,
            }
        )
    columns = ["district_id", "district", "service", "unmet", "nearest", "distance_km"]
    return pd.DataFrame(rows, columns=[*columns, "radius_km"])


def out_of_reach_by_district(findings: Iterable[Finding], book: NameBook) -> pd.DataFrame:
    """Demand out of reach per district (indexed by district_id): name and unmet, all
    services together (NaN when the count of any of them is hidden from the reader)."""
    table = out_of_reach_table(findings, book)
    grouped = table.groupby("district_id", sort=False)
    return pd.DataFrame(
        {
            "name": grouped["district"].first(),
            "unmet": grouped["unmet"].sum(min_count=1).where(~grouped["unmet"].apply(_any_nan)),
        }
    )


def _any_nan(values: pd.Series) -> bool:
    return bool(values.isna().any())


# --- why a scenario cannot hold -----------------------------------------------------------


def infeasible_reasons(findings: Iterable[Finding], book: NameBook) -> list[str]:
    """Why the scenario cannot hold, one sentence per cause."""
    return [sentence(f, book) for f in F.findings_of(findings, *F.INFEASIBLE_KINDS)]


def infeasible_fixes(findings: Iterable[Finding], book: NameBook) -> list[str]:
    """What would make the scenario hold, from its causes."""
    causes = F.findings_of(findings, *F.INFEASIBLE_KINDS)
    kinds = {f.kind for f in causes}
    fixes = []
    if kinds & {F.FLOOR_NO_AGENCY, F.FLOOR_CAPACITY_SHORT, F.FLOOR_CAPACITY_SHARED}:
        fixes.append(
            t(
                "lower the floor, widen the radius, raise the agencies' expansion limits or "
                "allow a new service at a nearer agency"
            )
        )
    for f in causes:
        if f.kind == F.FLOOR_NEEDS_FUNDER:
            fixes.append(
                t(
                    "raise {funder}'s budget by {amount}",
                    funder=book.funder(f.funder_id),
                    amount=book.money(f.amount),
                )
            )
        elif f.kind == F.FLOOR_NEEDS_BUDGET:
            fixes.append(t("raise the total budget by {amount}", amount=book.money(f.amount)))
    if kinds & {F.FLOOR_NEEDS_FUNDER, F.FLOOR_NEEDS_BUDGET}:
        fixes.append(t("or lower the floor, or make it soft (equity_mode: soft)"))
    if kinds == {F.INFEASIBLE_FLOOR}:
        fixes.append(t("lower the floor or make it soft (equity_mode: soft)"))
    return fixes


def infeasible_summary(findings: Iterable[Finding], book: NameBook) -> str:
    """ "<causes>. To fix: <fixes>." in one paragraph (the CLI's and the report's)."""
    findings = tuple(findings)
    reasons = infeasible_reasons(findings, book)
    shown = reasons[:LISTED]
    if len(reasons) > LISTED:
        shown.append(t("and {count} more", count=len(reasons) - LISTED))
    separator = t("; ")
    return t(
        "{causes}. To fix: {fixes}.",
        causes=separator.join(shown),
        fixes=separator.join(infeasible_fixes(findings, book)),
    )


# --- notes, totals and baselines ----------------------------------------------------------


def notes(findings: Iterable[Finding], book: NameBook) -> list[str]:
    """Notes on the search (a step that did not finish), the inputs and the demand."""
    kinds = (*F.UNFINISHED_KINDS, *F.NOTE_KINDS)
    return [_capital(sentence(f, book)) for f in F.findings_of(findings, *kinds)]


def baseline_lines(baselines: Baselines, book: NameBook) -> list[str]:
    """Each baseline: what it serves and spends, and the money it could not place."""
    lines = []
    for result in baselines:
        totals = result.totals
        if totals is None:
            lines.append(
                t(
                    "{name}: no plan ({status})",
                    name=baseline_name(result.name),
                    status=status_words(result.status),
                )
            )
            continue
        lines.append(
            t(
                "{name}: {served} served ({coverage}), {unmet} unmet, {spent} spent.",
                name=baseline_name(result.name),
                served=whole(totals.served),
                coverage=percent(totals.coverage),
                unmet=whole(totals.unmet),
                spent=book.money(totals.money_spent),
            )
        )
        unspent = unspent_note(result.name, totals, book)
        if unspent:
            lines.append(unspent)
    return lines


def unspent_note(name: str, totals: Totals, book: NameBook) -> str:
    """Why a baseline spends less than the budget, when it does ("" otherwise)."""
    left = totals.budget - totals.money_spent
    if name == "status_quo" or totals.budget <= 0 or left <= UNSPENT_SHARE * totals.budget:
        return ""
    return t(
        "{name} leaves {amount} of {budget} unspent: its rule buys only existing services at "
        "the nearest agencies within reach, up to their expansion limits and within what "
        "eligible funders may pay",
        name=baseline_name(name),
        amount=book.money(left),
        budget=book.money(totals.budget),
    )


__all__ = [
    "BASELINE_NAMES",
    "LISTED",
    "NAMED",
    "STATUS_WORDS",
    "NameBook",
    "Section",
    "agency_names",
    "baseline_lines",
    "baseline_name",
    "below_floor_section",
    "budget_value",
    "infeasible_fixes",
    "infeasible_reasons",
    "infeasible_summary",
    "limit_sections",
    "month_list",
    "name_list",
    "notes",
    "out_of_reach_by_district",
    "out_of_reach_table",
    "percent",
    "sentence",
    "status_line",
    "status_words",
    "unspent_note",
    "whole",
]
