"""A plan's codes in words: its status and the names of the baselines, for every reader
(the app, the reports, the CLI). The words are English message ids, translated where shown.
"""

from __future__ import annotations

from planner.i18n import N_, t

BASELINE_NAMES = {
    "status_quo": N_("Status quo (no new money)"),
    "population": N_("Split by population"),
    "demand": N_("Split by forecast demand"),
}
STATUS_WORDS = {
    "optimal": N_("optimal"),
    "time_limit": N_("time limit"),
    "infeasible": N_("infeasible"),
    "unbounded": N_("unbounded"),
    "not_solved": N_("not solved"),
    "error": N_("solver error"),
}
"""The solver's status codes (planner.optimise.solvers.SolverRun.status) in words."""


def status_words(status: object) -> str:
    """A plan's status code in words, in the current language."""
    return t(STATUS_WORDS.get(str(status), str(status)))


def baseline_name(key: str) -> str:
    """A baseline's name, in the current language (an unknown key as it is)."""
    return t(BASELINE_NAMES.get(key, key))
