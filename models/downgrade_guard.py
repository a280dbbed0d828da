"""A downgrade that would drop rows people cannot get back refuses unless forced.

Migrations that drop tables call `refuse_to_drop_rows(revision)` first; `DROPPED_BY` lists
the tables each revision's downgrade drops. When any of them holds a row the downgrade
stops, before anything is dropped, with a message that says how many of each would be lost
(`audit events: 19, accounts: 3`) and how to force it:

- `HAVEN_ALLOW_DESTRUCTIVE_DOWNGRADE=1` in the environment, or
- `alembic -x allow_destructive_downgrade=1 downgrade ...`, or
- `python -m models downgrade REVISION --force`, or
- `config.attributes["allow_destructive_downgrade"] = True` for code that drives Alembic.

The error is Alembic's `CommandError`, which its command line prints as one `FAILED:` line,
without a traceback. Take a backup before forcing: the audit log is gone once dropped.
"""

from __future__ import annotations

import os

from alembic import context, op
from alembic.util import CommandError
from sqlalchemy import inspect, text

from planner.i18n import N_, fmt_number, t

FORCE_VARIABLE = "HAVEN_ALLOW_DESTRUCTIVE_DOWNGRADE"
FORCE_OPTION = "allow_destructive_downgrade"
_YES = ("1", "true", "yes")


class DestructiveDowngrade(CommandError):
    """A downgrade would drop rows (audit events, accounts, cities) and was not forced."""

    def __init__(self, losses: dict[str, int]) -> None:
        self.losses = losses
        lost = ", ".join(f"{what}: {fmt_number(count)}" for what, count in losses.items())
        super().__init__(
            t(
                "this downgrade would drop rows ({lost}); nothing was changed. Back the "
                "database up, "
                "then set {variable}=1 (or pass -x {option}=1 to alembic, or --force to "
                "python -m models downgrade) to drop them",
                lost=lost,
                variable=FORCE_VARIABLE,
                option=FORCE_OPTION,
            )
        )


def forced() -> bool:
    """True when the operator asked for a destructive downgrade."""
    if os.environ.get(FORCE_VARIABLE, "").strip().lower() in _YES:
        return True
    if context.config is not None:
        if context.config.attributes.get(FORCE_OPTION):
            return True
        option = context.get_x_argument(as_dictionary=True).get(FORCE_OPTION, "")
        if str(option).strip().lower() in _YES:
            return True
    return False


DROPPED_BY: dict[str, dict[str, str]] = {
    "0001": {"city": N_("cities"), "scenario": N_("scenarios"), "plan_run": N_("plan runs")},
    "0002": {"audit_event": N_("audit events"), "user_account": N_("accounts")},
    "0006": {
        "capacity_archive": N_("archived capacity rows"),
        "hotline_contact": N_("hotline rows"),
    },
    "0007": {"population": N_("population groups"), "pathway": N_("pathways")},
}
"""The tables whose rows a revision's downgrade drops, and what their rows are called."""

NARROWED_BY: dict[str, dict[tuple[str, str], str]] = {
    "0007": {
        (
            "demand_observation",
            "population <> 'any' OR language <> '' OR exploitation <> 'unknown'",
        ): N_("demand rows by group, language or exploitation (summed back)"),
    },
}
"""Rows a revision's downgrade does not drop but changes beyond recovery: (table, the SQL
condition they meet), and what they are called."""


def refuse_to_drop_rows(revision: str) -> None:
    """Raise `DestructiveDowngrade` when the downgrade under way would drop rows, unless forced.

    Called first in `revision`'s downgrade; it counts the rows of every table that this
    downgrade and the later steps of the same command drop (down to the target revision),
    so that a refusal comes before anything is dropped, on SQLite too (where DDL is not
    undone with the transaction). In offline mode (`--sql`) there are no rows to count.
    """
    if context.is_offline_mode() or forced():
        return
    connection = op.get_bind()
    present = set(inspect(connection).get_table_names())
    losses: dict[str, int] = {}
    for undone in _undone(revision):
        for table, what in DROPPED_BY.get(undone, {}).items():
            if table not in present:
                continue
            count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            if count:
                losses[t(what)] = int(count)
        for (table, condition), what in NARROWED_BY.get(undone, {}).items():
            if table not in present:
                continue
            query = text(f"SELECT count(*) FROM {table} WHERE {condition}")
            count = connection.execute(query).scalar_one()
            if count:
                losses[t(what)] = int(count)
    if losses:
        raise DestructiveDowngrade(losses)


def _undone(revision: str) -> list[str]:
    """The guarded revisions this downgrade undoes, newest first: `revision` and those below
    it down to the target (all for `base`; only `revision` for a relative target like -1)."""
    argument = context.get_revision_argument()  # None for base
    target = "" if argument is None else str(argument)
    if target in ("", "base"):
        lower = [r for r in DROPPED_BY if r < revision]
    elif target in DROPPED_BY or target.isdigit():
        lower = [r for r in DROPPED_BY if target < r < revision]
    else:
        lower = []
    return sorted({revision, *lower}, reverse=True)
