"""`python -m planner forecast` and `python -m planner hidden` (registered by cli/main.py).

Handlers return the exit code: 0 on success, 1 on invalid input with every message on
stderr (`file:line: column: what is wrong`), never a stack trace.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from planner.cells import neutralise_frame
from planner.i18n import N_, fmt_number, t
from planner.problems import InvalidInput, Problem

FORECAST_HELP = N_("""\
Forecast demand (cases) for every district and service of a city data package, for the
months after the last observed one: the model chosen per service by a rolling-origin
backtest, the mean and the requested quantiles. PATH may also be a CSV of long series
(columns series_id, period 'YYYY-MM', y).""")

HIDDEN_HELP = N_("""\
Estimate the hidden population by multiple systems estimation from a CSV of list overlaps:
one 0/1 column per list and a count column (count, n, freq or frequency; text columns are
ignored). Prints the observed total, the model chosen by BIC, the estimated total and its
95% profile-likelihood interval.""")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `forecast` and `hidden` subcommands."""
    p = subparsers.add_parser(
        "forecast",
        help=t("forecast demand per district and service, with quantiles"),
        description=t(FORECAST_HELP),
    )
    p.add_argument("path", type=Path, metavar="PATH", help=t("a package folder or .zip, or a CSV"))
    p.add_argument("--horizon", type=int, default=12, help=t("months to forecast (default: 12)"))
    p.add_argument(
        "--quantiles",
        default="0.1,0.5,0.9",
        help=t("comma-separated quantiles strictly between 0 and 1 (default: 0.1,0.5,0.9)"),
    )
    p.add_argument(
        "--out", type=Path, default=None, help=t("CSV file to write (default: standard output)")
    )
    p.set_defaults(handler=run_forecast)

    p = subparsers.add_parser(
        "hidden",
        help=t("estimate the hidden population from list overlaps (MSE)"),
        description=t(HIDDEN_HELP),
    )
    p.add_argument("file", type=Path, metavar="FILE.csv", help=t("the list-overlap counts"))
    p.add_argument("--count-column", default=None, help=t("name of the count column"))
    p.add_argument("--json", action="store_true", help=t("print the result as a JSON object"))
    p.set_defaults(handler=run_hidden)


def _fail(problems: list[Problem]) -> int:
    for problem in problems:
        print(str(problem), file=sys.stderr)
    return 1


def _parse_quantiles(text: str) -> list[float] | None:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        return None
    if not values or any(not 0 < q < 1 for q in values):
        return None
    return sorted(set(values))


def run_forecast(args: argparse.Namespace) -> int:
    from planner import forecast as fc

    path: Path = args.path
    quantiles = _parse_quantiles(args.quantiles)
    if quantiles is None:
        return _fail(
            [
                Problem(
                    "--quantiles",
                    message=t(
                        "{value} is not a list of numbers between 0 and 1",
                        value=repr(args.quantiles),
                    ),
                )
            ]
        )
    if args.horizon < 1 or args.horizon > 120:
        return _fail(
            [
                Problem(
                    "--horizon", message=t("{value} is not between 1 and 120", value=args.horizon)
                )
            ]
        )
    if not path.exists():
        return _fail([Problem(str(path), message=t("no such file or folder"))])
    try:
        if path.is_file() and path.suffix.lower() == ".csv":
            result = _forecast_csv(path, args.horizon, quantiles)
        else:
            from planner.package import read_package

            package = read_package(path)
            result = fc.forecast_package(package, args.horizon, quantiles)
    except InvalidInput as exc:
        return _fail(exc.problems)
    except ValueError as exc:
        return _fail([Problem(path.name, message=str(exc))])
    result = neutralise_frame(result)
    if args.out is None:
        result.to_csv(sys.stdout, index=False)
    else:
        try:
            result.to_csv(args.out, index=False)
        except OSError as exc:
            return _fail(
                [Problem(str(args.out), message=t("cannot write: {reason}", reason=exc.strerror))]
            )
        print(
            t("wrote {count} rows to {out}", count=fmt_number(len(result)), out=args.out),
            file=sys.stderr,
        )
    return 0


def _forecast_csv(path: Path, horizon: int, quantiles: list[float]) -> Any:
    import pandas as pd

    from planner import forecast as fc

    name = path.name
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput([Problem(name, message=t("not UTF-8 text"))]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(
            [Problem(name, message=t("not a readable CSV ({reason})", reason=exc))]
        ) from None
    missing = [c for c in ("series_id", "period", "y") if c not in frame.columns]
    if missing:
        raise InvalidInput(
            [
                Problem(name, line=1, column=c, message=t("required column is missing"))
                for c in missing
            ]
        )
    problems = []
    y = pd.to_numeric(frame["y"], errors="coerce")
    for row in y.index[(y.isna() & frame["y"].notna()) | (y < 0)]:
        problems.append(
            Problem(
                name,
                line=int(row) + 2,
                column="y",
                message=t("{value} is not >= 0", value=frame["y"][row]),
            )
        )
    periods = pd.to_datetime(frame["period"].astype(str), format="%Y-%m", errors="coerce")
    for row in periods.index[periods.isna()]:
        problems.append(
            Problem(
                name,
                line=int(row) + 2,
                column="period",
                message=t("{value} is not YYYY-MM", value=repr(frame["period"][row])),
            )
        )
    if problems:
        raise InvalidInput(problems)
    frame["y"] = y
    if frame["y"].notna().sum() == 0:
        raise InvalidInput([Problem(name, column="y", message=t("no values"))])
    return fc.forecast(frame, horizon, quantiles, "M")


def run_hidden(args: argparse.Namespace) -> int:
    from planner import hidden

    try:
        frame, lists, count = hidden.read_list_counts(args.file, args.count_column)
    except InvalidInput as exc:
        return _fail(exc.problems)
    try:
        result = hidden.estimate_hidden(frame, lists, count)
    except ValueError as exc:
        return _fail([Problem(args.file.name, message=str(exc))])
    data = result.to_dict()
    if args.json:
        print(json.dumps({k: _json_number(v) for k, v in data.items()}))
        return 0
    print(t("lists:     {lists}", lists=", ".join(result.lists)))
    print(t("observed:  {observed}", observed=result.observed))
    print(t("model:     {model} (stepwise by BIC)", model=result.model))
    print(t("estimate:  {estimate}", estimate=fmt_number(result.estimate)))
    print(
        t(
            "95% CI:    {lower} to {upper} (profile likelihood)",
            lower=fmt_number(result.lower),
            upper=fmt_number(result.upper),
        )
    )
    print(t("total / observed: {ratio}", ratio=fmt_number(result.multiplier, 2)))
    return 0


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
