"""One table of a city data package: bytes in, typed frame and problems out.

Files are read as text and every cell is converted here, by the column specs of
`planner.schema`, so that each bad cell gets its own message with its line. The CSV is
parsed with the `csv` module rather than pandas so that line numbers stay exact with blank
lines and quoted cells that span lines (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from planner.cells import restore
from planner.i18n import N_, fmt_number, t
from planner.package_files import PackageLimits, kind_message, shown_name, size_text
from planner.problems import MoreProblems, Problem, Severity
from planner.schema import Column
from planner.settings import get_settings

LINE = "_line"
"""Column of a table's frame with the 1-based line (or feature) each row came from."""

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_INTEGER = re.compile(r"^[+-]?\d{1,400}$")

STORED_INT_MIN = -(2**31)
STORED_INT_MAX = 2**31 - 1
"""The whole numbers the database stores in an integer column (INTEGER is 32 bits on
PostgreSQL): a count outside this range is refused when the package is read, not when it
is imported."""


@dataclass
class Table:
    """A table as read: typed columns in schema order plus `LINE`; bad cells are NaN."""

    file: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    present: frozenset[str] = frozenset()
    """The columns the file has (its ids can be checked against only when its id column is)."""


def max_problems_per_file() -> int:
    return get_settings().max_problems_per_file


class ProblemCap:
    """The first problems of one kind in a file, and a count of the rest (not built at all).

    Readers keep at most `max_problems_per_file()` of each kind, so that a file with
    millions of bad cells costs no more memory than one with a few; `cap_problems` then
    keeps the first of the whole file and counts the rest.
    """

    def __init__(self, file: str, limit: int | None = None) -> None:
        self.file = file
        self.limit = max_problems_per_file() if limit is None else limit
        self.kept: list[Problem] = []
        self.more = 0

    def room(self) -> bool:
        """True when one more problem is to be built and `add`ed; else it is counted."""
        if len(self.kept) < self.limit:
            return True
        self.more += 1
        return False

    def add(self, problem: Problem) -> None:
        self.kept.append(problem)

    def problems(self) -> list[Problem]:
        if not self.more:
            return self.kept
        return [*self.kept, more_problems(self.file, self.more, self.more)]


def more_problems(file: str, count: int, hidden_errors: int) -> MoreProblems:
    """The line that stands for `count` problems of `file` not listed."""
    message = t("and {count} more problems in {file}", count=fmt_number(count), file=file)
    severity: Severity = "error" if hidden_errors else "warning"
    return MoreProblems(
        file, message=message, severity=severity, count=count, hidden_errors=hidden_errors
    )


def cap_problems(problems: Iterable[Problem], limit: int | None = None) -> list[Problem]:
    """The first `limit` problems of each file (default `HAVEN_MAX_PROBLEMS_PER_FILE`), in
    the order given, and after them one `MoreProblems` counting the rest of that file."""
    limit = max_problems_per_file() if limit is None else limit
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    capped: list[Problem] = []
    for file, found in by_file.items():
        listed = [p for p in found if not isinstance(p, MoreProblems)]
        counted = [p for p in found if isinstance(p, MoreProblems)]
        rest = listed[limit:]
        count = len(rest) + sum(p.count for p in counted)
        hidden_errors = sum(p.is_error for p in rest) + sum(p.hidden_errors for p in counted)
        capped.extend(listed[:limit])
        if count:
            capped.append(more_problems(file, count, hidden_errors))
    return capped


def read_text(
    path: Path, file: str, max_bytes: int | None = None
) -> tuple[str | None, list[Problem]]:
    """The text of a package file, or None with the reason it cannot be read as UTF-8 text.

    A link, a device or a file larger than `max_bytes` (default: `HAVEN_MAX_FILE_MB`) is
    refused unread: the check is made again while reading, so a file that grows meanwhile
    is refused too, and no byte of a refused file reaches a message.
    """
    limit = PackageLimits.from_settings().max_file_bytes if max_bytes is None else max_bytes
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None, [Problem(file, message=t("file is missing from the package"))]
    except OSError as exc:
        return None, [
            Problem(file, message=t("cannot be read ({value})", value=exc.strerror or exc))
        ]
    refused = kind_message(mode)
    if refused is not None:
        return None, [Problem(file, message=refused)]
    if not stat.S_ISREG(mode):
        return None, [Problem(file, message=t("file is missing from the package"))]
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return None, [
            Problem(file, message=t("cannot be read ({value})", value=exc.strerror or exc))
        ]
    if len(data) > limit:
        message = t(
            "is larger than the limit of {limit} for one file (HAVEN_MAX_FILE_MB)",
            limit=size_text(limit),
        )
        return None, [Problem(file, message=message)]
    return decode_text(data, file)


def decode_text(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Decode UTF-8 (with or without a byte-order mark); refuse binary and other encodings."""
    if data.startswith(b"PK\x03\x04"):
        return None, [
            Problem(
                file,
                message=t("is a zip or spreadsheet (.xlsx) file, not text; save it as CSV UTF-8"),
            )
        ]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(file, message=t("is UTF-16 text; save it with the UTF-8 encoding"))]
    if b"\x00" in data:
        return None, [Problem(file, message=t("holds binary data, not text"))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        return None, [
            Problem(
                file,
                line=line,
                message=t(
                    "is not UTF-8 text (byte 0x{byte}); save it with the UTF-8 encoding", byte=byte
                ),
            )
        ]
    if not text.strip():
        return None, [Problem(file, message=t("file is empty"))]
    return text, []


def parse_csv(text: str, file: str, columns: Sequence[Column]) -> Table:
    """Parse CSV text into a typed table by the column specs, with a problem per bad cell."""
    problems: list[Problem] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 1
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = [cell.strip() for cell in record], start
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        problems.append(
            Problem(file, line=reader.line_num, message=t("is not valid CSV ({exc})", exc=exc))
        )
        return Table(file, _empty_frame(columns), problems)
    if header is None:
        return Table(file, _empty_frame(columns), [Problem(file, message=t("file is empty"))])
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "';'" if ";" in header[0] else "a tab"
        message = t(
            "columns are separated by {separator}; separate them with ','", separator=separator
        )
        return Table(
            file, _empty_frame(columns), [Problem(file, line=header_line, message=message)]
        )
    problems.extend(_check_header(header, header_line, file, columns))
    raw = _raw_frame(header, rows, lines, file, problems)
    frame, cell_problems = convert_frame(raw, file, columns)
    return Table(file, frame, problems + cell_problems, frozenset(header))


def _check_header(
    header: list[str], line: int, file: str, columns: Sequence[Column]
) -> list[Problem]:
    problems: list[Problem] = []
    known = {c.name for c in columns}
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(
                Problem(file, line=line, column=shown_name(name), message=t("column appears twice"))
            )
        elif name and name not in known:
            problems.append(
                Problem(
                    file,
                    line=line,
                    column=shown_name(name),
                    message=t("unknown column (ignored)"),
                    severity="warning",
                )
            )
        seen.add(name)
    for column in columns:
        if column.required and column.name not in seen:
            problems.append(
                Problem(
                    file, line=line, column=column.name, message=t("required column is missing")
                )
            )
    return problems


_PERSON_PATTERNS: dict[str, tuple[str, ...]] = {
    N_("a person's name"): (
        "first_name", "firstname", "last_name", "lastname", "surname", "family_name",
        "given_name", "middle_name", "maiden_name", "full_name", "fullname", "person_name",
        "client_name", "victim_name", "survivor_name", "patient_name", "nickname",
    ),
    N_("a date of birth"): (
        "dob", "date_of_birth", "birth_date", "birthdate", "birthday", "birth_year",
    ),
    N_("an identity number"): (
        "ssn", "social_security", "social_insurance", "national_id", "passport",
        "alien_number", "a_number", "drivers_license", "driver_license", "medical_record",
        "mrn", "person_id", "client_id", "victim_id", "survivor_id", "patient_id",
    ),
    N_("a person's address or contact"): (
        "home_address", "residential_address", "home_phone", "mobile_phone",
        "cell_phone", "personal_email",
    ),
}  # fmt: skip
"""Column names (or parts between underscores) that mean one row describes a person."""

_CONTACT_PATTERNS = ("address", "street_address", "phone", "phone_number", "email")
"""A person's address or contact in case data; in agencies.csv they are the agency's own."""

_PERSON_NAME_FILES = ("demand.csv", "capacity.csv")
"""Files where a plain `name` column can only be a person's name."""


def person_column_problems(text: str, table: Table, columns: Sequence[Column]) -> list[Problem]:
    """An error for each column of a package file that looks like data about one person.

    The package reader calls it (not `parse_csv`, which also reads files of other formats,
    such as HSDS, where an organisation's e-mail is no person's). The error replaces the
    "unknown column" warning of that column.
    """
    known = {c.name for c in columns}
    line = next((i for i, row in enumerate(text.splitlines(), 1) if row.strip()), 1)
    found: list[Problem] = []
    for name in sorted(table.present - known):
        reason = person_column_reason(name, table.file)
        if reason is not None:
            message = t(
                "looks like a record about a person ({reason}); Haven holds aggregate counts only",
                reason=reason,
            )
            found.append(Problem(table.file, line=line, column=shown_name(name), message=message))
    if not found:
        return table.problems
    refused = {p.column for p in found}
    kept = [p for p in table.problems if not (p.column in refused and not p.is_error)]
    return kept + found


def person_column_reason(column: str, file: str) -> str | None:
    """Why a column name looks like data about one person, or None.

    Names are compared in lower case with spaces and hyphens as underscores, and match when
    a pattern is the whole name or a run of its underscore-separated parts
    (`client_date_of_birth` is a date of birth; `birthplace_count` is not).
    """
    normal = re.sub(r"[\s\-.]+", "_", column.strip().lower()).strip("_")
    if not normal:
        return None
    padded = f"_{normal}_"

    def matches(pattern: str) -> bool:
        return f"_{pattern}_" in padded

    for reason, patterns in _PERSON_PATTERNS.items():
        if any(matches(p) for p in patterns):
            return t(reason)
    if file != "agencies.csv" and any(matches(p) for p in _CONTACT_PATTERNS):
        return t("a person's address or contact")
    if file in _PERSON_NAME_FILES and normal == "name":
        return t("a person's name")
    return None


def _raw_frame(
    header: list[str], rows: list[list[str]], lines: list[int], file: str, problems: list[Problem]
) -> pd.DataFrame:
    width = len(header)
    kept: list[list[str]] = []
    kept_lines: list[int] = []
    found = ProblemCap(file)
    for record, line in zip(rows, lines, strict=True):
        extra = record[width:]
        if len(record) < width or any(cell.strip() for cell in extra):
            if found.room():
                message = t(
                    "has {count} cells but the header has {width}", count=len(record), width=width
                )
                found.add(Problem(file, line=line, message=message))
            continue
        kept.append([cell.strip() for cell in record[:width]])
        kept_lines.append(line)
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        positions.setdefault(name, i)
    data = {name: [r[i] for r in kept] for name, i in positions.items() if name}
    frame = pd.DataFrame(data, dtype=object, index=pd.RangeIndex(len(kept)))
    frame[LINE] = np.asarray(kept_lines, dtype="int64")
    problems.extend(found.problems())
    return frame


def _empty_frame(columns: Sequence[Column]) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: pd.Series([], dtype=object) for c in columns})
    frame[LINE] = pd.Series([], dtype="int64")
    return finish_frame(frame, columns)


def convert_frame(
    raw: pd.DataFrame, file: str, columns: Sequence[Column], where: str = "line"
) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert a frame of text cells (and `LINE`) column by column; fill defaults.

    `where` is "line" for CSV rows and "feature" for features of a geometry file.
    Columns absent from `raw` come out empty (then defaulted), without a message per cell.
    Returns the typed frame in
    schema order with `LINE` last, and a problem per bad cell.
    """
    problems: list[Problem] = []
    lines = raw[LINE].tolist()
    out: dict[str, list[object]] = {}
    for column in columns:
        present = column.name in raw.columns
        cells = raw[column.name].tolist() if present else [""] * len(raw)
        values: list[object] = []
        found = ProblemCap(file)
        # A column repeats its cells (ids, months, small counts): each distinct one is
        # converted once. Values are immutable (str, int, float, date), so sharing is safe.
        converted: dict[object, tuple[object, str | None]] = {}
        for cell, line in zip(cells, lines, strict=True):
            try:
                value, message = converted[cell]
            except KeyError:
                value, message = converted[cell] = convert_cell(cell, column)
            except TypeError:  # an unhashable cell (never from a CSV): converted as it is
                value, message = convert_cell(cell, column)
            if message is not None and present:  # a missing column is reported once, by name
                if found.room():
                    found.add(_at(file, where, line, column.name, message))
                value = None  # reported once here, not again by the checks that use it
            values.append(value)
        out[column.name] = values
        problems.extend(found.problems())
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)), dtype=object)
    frame[LINE] = raw[LINE].to_numpy(dtype="int64")
    return finish_frame(frame, columns), problems


def _at(file: str, where: str, number: int, column: str, message: str) -> Problem:
    if where == "feature":
        return Problem(file, feature=number, column=column, message=message)
    return Problem(file, line=number, column=column, message=message)


def convert_cell(cell: object, column: Column) -> tuple[object, str | None]:
    """A cell's value by its column's spec, or None with a message; empty is None."""
    text = cell_text(cell)
    if text == "":
        if column.required:
            return None, t("required value is empty")
        return None, None
    try:
        value = _parse(text, column)
    except ValueError as exc:
        return None, str(exc)
    return value, _range_message(text, value, column)


def cell_text(cell: object) -> str:
    """A cell as stripped text: None and NaN are empty, whole floats print as integers."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        if math.isnan(cell):
            return ""
        if cell.is_integer():
            return str(int(cell))
        return repr(cell)
    return str(cell).strip()


def _parse(text: str, column: Column) -> object:
    kind = column.kind
    if kind == "text":
        if column.choices is not None:
            if text.lower() not in column.choices:
                raise ValueError(
                    t(
                        "{value} is not one of: {choices}",
                        value=_shown_cell(text),
                        choices=", ".join(column.choices),
                    )
                )
            return text.lower()
        return restore(text)  # the quote a writer put before a formula-like text
    if kind == "int":
        if _INTEGER.match(text):  # exact, however long: no float rounding of large counts
            return int(text)
        number = _number(text, t("a whole number"))
        if not number.is_integer():
            raise ValueError(t("{value} is not a whole number", value=_shown_cell(text)))
        return int(number)
    if kind == "float":
        return _number(text, t("a number"))
    if kind == "bool":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(
            t(
                "{value} is not true or false (write true/false, yes/no or 1/0)",
                value=_shown_cell(text),
            )
        )
    if kind == "date":
        try:
            if not _DATE.match(text):
                raise ValueError
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(
                t("{value} is not a date (YYYY-MM-DD)", value=_shown_cell(text))
            ) from None
    if kind == "period":
        match = _PERIOD.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(t("{value} is not a period (YYYY-MM)", value=_shown_cell(text)))
        return text
    raise AssertionError(f"unknown column kind {kind}")  # pragma: no cover


def _number(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(t("{value} is not {what}", value=_shown_cell(text), what=what)) from None
    if not math.isfinite(number):
        raise ValueError(t("{value} is not {what}", value=_shown_cell(text), what=what))
    return number


def _range_message(text: str, value: object, column: Column) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if column.kind == "int" and not STORED_INT_MIN <= value <= STORED_INT_MAX:
        return t(
            "{value} is outside the whole numbers Haven stores ({minimum} to {maximum})",
            value=_shown_number(text),
            minimum=fmt_number(STORED_INT_MIN),
            maximum=fmt_number(STORED_INT_MAX),
        )
    if column.minimum is not None:
        if column.exclusive_minimum and value <= column.minimum:
            return t(
                "{value} is not above {minimum}",
                value=_shown_number(text),
                minimum=f"{column.minimum:g}",
            )
        if value < column.minimum:
            return t(
                "{value} is below {minimum}",
                value=_shown_number(text),
                minimum=f"{column.minimum:g}",
            )
    if column.maximum is not None and value > column.maximum:
        return t(
            "{value} is above {maximum}", value=_shown_number(text), maximum=f"{column.maximum:g}"
        )
    return None


def _shown_cell(text: str) -> str:
    """A cell quoted for a message, cut short: a 1 MB cell does not become a 1 MB line."""
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "…"


def _shown_number(text: str) -> str:
    """A long number cut to its first and last digits, so a 400-digit cell is one line."""
    return text if len(text) <= 24 else f"{text[:10]}…{text[-10:]} ({len(text)} characters)"


def finish_frame(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """Fill defaults and give each column its canonical dtype (NaN where empty or bad).

    text, date and period: pandas' string dtype; int: int64 when complete, else float64;
    float: float64; bool: bool when complete, else object.
    """
    result = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column.name]
        if column.default is not None:
            values = values.where(values.notna(), column.default)
        result[column.name] = _typed(values, column)
    result[LINE] = frame[LINE].astype("int64")
    return result


def _typed(values: pd.Series, column: Column) -> pd.Series:
    if column.kind in ("text", "date", "period"):
        return values.astype("str").where(values.notna(), np.nan).astype("str")
    if column.kind == "int":
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        return numbers.astype("int64") if numbers.notna().all() else numbers
    if column.kind == "float":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if values.notna().all():
        return values.astype(bool)
    return values.astype(object)


def duplicate_problems(
    table: Table, keys: Sequence[str], optional: Sequence[str] = (), where: str = "line"
) -> list[Problem]:
    """A problem for each row whose key repeats an earlier row's.

    Rows with an empty or bad key cell are skipped, except in the `optional` parts of the
    key (capacity's as_of, demand's source), where empty is a value like any other.
    """
    frame = table.frame
    required = [k for k in keys if k in frame.columns]
    if frame.empty or len(required) != len(keys):
        return []
    key_frame = frame[list(keys)].astype(object).where(frame[list(keys)].notna(), None)
    complete = pd.Series(True, index=frame.index)
    for name in keys:
        if name not in optional:
            complete &= key_frame[name].notna()
    # Found in one vectorised pass; only the repeated rows (usually none) are looked at.
    candidates = key_frame[complete]
    repeated = candidates.duplicated(keep="first")
    if not repeated.any():
        return []
    found = ProblemCap(table.file)
    first: dict[tuple[object, ...], int] = {}
    lines = frame[LINE]
    for index, row in zip(
        candidates.index, candidates.itertuples(index=False, name=None), strict=True
    ):
        key: tuple[object, ...] = tuple(row)
        if key not in first:
            first[key] = int(lines[index])
            continue
        if not found.room():
            continue
        shown = ", ".join("''" if v is None else _shown_cell(str(v)) for v in key)
        message = t(
            "{shown} is a duplicate (first on {where} {value})",
            shown=shown,
            where=where,
            value=first[key],
        )
        found.add(_at(table.file, where, int(lines[index]), ", ".join(keys), message))
    return found.problems()


def unknown_id_problems(
    table: Table, column: str, known: Iterable[str], what: str, where_known: str
) -> list[Problem]:
    """A problem for each row whose `column` names an id not in `known`."""
    known_ids = set(known)
    found = ProblemCap(table.file)
    frame = table.frame
    values = frame[column]
    unknown = values.notna() & ~values.isin(known_ids)  # vectorised: most files have none
    for value, line in zip(values[unknown], frame.loc[unknown, LINE], strict=True):
        if isinstance(value, str) and value not in known_ids and found.room():
            message = t(
                "{value} is not {what} in {where_known}",
                value=_shown_cell(value),
                what=what,
                where_known=where_known,
            )
            found.add(Problem(table.file, line=int(line), column=column, message=message))
    return found.problems()
