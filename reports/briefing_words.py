"""The council briefing's narrative and caveats in the reader's language.

Each `planner.briefing.Sentence` is a template filled from its values; a number is written
exactly as the briefing's tables write the same cell (`figure`, `share`, `amount`: the
helpers of reports.layout), so every number of the narrative can be found in the tables.
"""

from __future__ import annotations

from planner.briefing import Sentence
from planner.i18n import N_, fmt_percent, t
from reports.layout import cell_text

TEMPLATES = {
    "plan_spends_serves": N_(
        "“{plan}” spends {money_spent} {currency} of its {budget} {currency} budget and "
        "serves {coverage} of the demand it plans for ({served} units)."
    ),
    "plan_spends": N_(
        "“{plan}” spends {money_spent} {currency} of its {budget} {currency} budget."
    ),
    "cost_per_unit": N_("In “{plan}”, each unit served costs {money_per_unit_served} {currency}."),
    "lowest_district": N_(
        "In “{plan}”, the least-served district has {coverage} of its demand met."
    ),
    "more_coverage": N_(
        "“{plan}” serves more of the demand than “{reference}”: {coverage} against "
        "{reference_coverage}."
    ),
    "less_coverage": N_(
        "“{plan}” serves less of the demand than “{reference}”: {coverage} against "
        "{reference_coverage}."
    ),
    "same_coverage": N_("“{plan}” serves as much of the demand as “{reference}”: {coverage}."),
    "floor_price": N_(
        "In “{plan}”, the floor for {floor} costs {price_units} weighted units of unmet "
        "demand elsewhere."
    ),
    "funding_cliff": N_(
        "In “{plan}”, {cliff_units} units of capacity lose their funding in year {year}, "
        "when a grant ends."
    ),
    "flat_cost": N_(
        "In “{plan}”, keeping coverage at the first year's level every year would cost "
        "{extra_cost} {currency} more, {bridge_money} {currency} of it new money beyond the "
        "grants."
    ),
}

CAVEATS = {
    "forecast_not_certain": N_(
        "Demand is a forecast: months can come in higher or lower than planned for."
    ),
    "costs_as_given": N_(
        "Costs and expansion limits are as the agencies gave them; they are not audited."
    ),
    "demand_basis_differs": N_(
        "The plans plan for different demand (a quantile or unseen demand): their coverages "
        "are measured against different totals."
    ),
    "counts_suppressed": N_(
        "Small counts are suppressed for this reader: figures that would reveal fewer than "
        "{k} cases are left blank, and confidential shelters are not named or placed."
    ),
    "time_limit": N_("A solver stopped at its time limit: a plan may not be the best one."),
}

SHARES = ("coverage", "reference_coverage")
MONEY = ("money_spent", "budget", "money_per_unit_served")


def figure(value: float) -> str:
    """A number as the tables write it."""
    return cell_text(float(value))


def share(value: float) -> str:
    """A share as the tables write it."""
    return fmt_percent(float(value))


def say(sentence: Sentence, currency: str) -> str:
    """One sentence of the narrative in the current language."""
    values: dict[str, object] = {}
    for key, value in sentence.values.items():
        if key in SHARES:
            values[key] = share(value)
        elif key == "year":
            values[key] = str(int(value))
        elif isinstance(value, int | float):
            values[key] = figure(value)
        else:
            values[key] = t(str(value)) if key == "floor" else value
    return t(TEMPLATES[sentence.code], currency=currency, **values)


def narrative(sentences: tuple[Sentence, ...], currency: str) -> list[str]:
    return [say(sentence, currency) for sentence in sentences]


def caveat(code: str, k: int) -> str:
    return t(CAVEATS[code], k=k) if "{k}" in CAVEATS[code] else t(CAVEATS[code])
