"""Problems found in input data, reported all at once as `file:line: column: message`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from planner.i18n import t

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file.

    `line` is the 1-based line of a text file (the CSV header is line 1, so the first data
    row is line 2); `feature` is the 1-based feature of a geometry file. Either, both or
    neither may be given; `column` names the field. `message` is written in the language
    current when the problem was found; `str()` words the location in the current one.
    """

    file: str
    line: int | None = None
    feature: int | None = None
    column: str | None = None
    message: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.feature is not None:
            where += t(": feature {feature}", feature=self.feature)
        parts = [where]
        if self.column:
            parts.append(self.column)
        if self.severity == "error":
            parts.append(self.message)
        else:
            parts.append(t("warning: {message}", message=self.message))
        return ": ".join(parts)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class MoreProblems(Problem):
    """Stands for `count` problems of `file` not listed (the first ones of the file are).

    Readers keep the first problems of each file (`HAVEN_MAX_PROBLEMS_PER_FILE`) so that a
    large bad file cannot print millions of lines; it is an error when any of them is.
    """

    count: int = 0
    hidden_errors: int = 0
    """How many of the `count` are errors (the rest are warnings)."""

    def __str__(self) -> str:
        return self.message


def error_count(problems: list[Problem]) -> int:
    """How many errors, those counted by a `MoreProblems` included."""
    return sum(p.hidden_errors if isinstance(p, MoreProblems) else p.is_error for p in problems)


class InvalidInput(Exception):
    """Raised with every problem found, so a caller can show them all and change nothing."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def _sort_key(p: Problem) -> tuple[str, bool, int, int, str]:
    return (p.file, isinstance(p, MoreProblems), p.line or 0, p.feature or 0, p.column or "")
