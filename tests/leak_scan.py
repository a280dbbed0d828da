"""What a reader received, and the leaks in it (for the leak city of tests/leak_city.py).

`Received` gathers text and tables from any source: a page's element tree (every string
field of every element, every Arrow table: dataframes, charts' datasets, styled display
values), Vega-Lite specs, and files (CSV, Excel, JSON, HTML, PDF, zip of those).
`leaks(received, confidential=..., exact=...)` lists what must not be there for a reader:

- a confidential agency's name (any letter case) or its coordinates to 4 decimals (as text,
  with a decimal point or comma; as a number in a table, within 1e-4);
- a confidential agency's distance from a district, as text followed by "km";
- for a reader without exact counts: a count below k shown as a number, cell by cell: in a
  table whose rows name a district, a service and a period, a `cases` cell equal to the
  exact small count of that cell; in a table whose rows name a district and a service
  (a plan's coverage), a demand, served or unmet figure (units) that is a positive count of
  cases below k, or a `cases` figure below k.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tests.leak_city import K, exact_history, leak_package, secret


@dataclass
class Received:
    """Texts and tables a reader received, each with where it came from."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    frames: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def text(self, where: str, value: str) -> None:
        if value:
            self.texts.append((where, value))

    def frame(self, where: str, frame: pd.DataFrame) -> None:
        self.frames.append((where, frame))
        self.text(where, " | ".join(str(c) for c in frame.columns))
        for column in frame.columns:
            values = frame[column]
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                self.text(where, "\n".join(str(v) for v in values.dropna()))

    def extend(self, other: Received) -> None:
        self.texts += other.texts
        self.frames += other.frames
        self.files.update(other.files)
        self.unreadable += other.unreadable

    # --- files

    def file(self, where: str, name: str, data: bytes) -> None:
        """Read a file as a reader would open it."""
        self.files[f"{where}/{name}"] = data
        where = f"{where}/{name}"
        lower = name.lower()
        try:
            if lower.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for member in archive.namelist():
                        if not member.endswith("/"):
                            self.file(where, member, archive.read(member))
            elif lower.endswith(".xlsx"):
                self._excel(where, data)
            elif lower.endswith(".pdf"):
                self._pdf(where, data)
            elif lower.endswith(".csv"):
                text = data.decode("utf-8-sig")
                self.text(where, text)
                if text.strip():
                    self.frame(where, pd.read_csv(io.StringIO(text)))
            elif lower.endswith((".json", ".geojson")):
                text = data.decode("utf-8")
                self.text(where, text)
                self._json_tables(where, json.loads(text))
            else:
                self.text(where, data.decode("utf-8", errors="replace"))
        except Exception as exc:
            self.unreadable.append(f"{where}: {exc!r}")

    def _excel(self, where: str, data: bytes) -> None:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for sheet in book.worksheets:
            cells = [
                str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None
            ]
            self.text(f"{where}[{sheet.title}]", "\n".join(cells))
        for name, frame in pd.read_excel(io.BytesIO(data), sheet_name=None).items():
            self.frame(f"{where}[{name}]", frame)
            # a sheet may start with a title: try each of its first rows as the header
            for header in range(1, 4):
                if len(frame) > header:
                    again = pd.read_excel(io.BytesIO(data), sheet_name=name, header=header)
                    self.frame(f"{where}[{name}]@{header}", again)

    def _pdf(self, where: str, data: bytes) -> None:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        self.text(where, text)
        self.text(where, re.sub(r"\s+", " ", text))

    def _json_tables(self, where: str, value: Any) -> None:
        """Lists of records inside a JSON document (Vega-Lite datasets, GeoJSON properties)."""
        if isinstance(value, dict):
            if value.get("type") == "FeatureCollection" and isinstance(value.get("features"), list):
                rows = [f.get("properties") or {} for f in value["features"] if isinstance(f, dict)]
                if rows:
                    self.frames.append((where, pd.DataFrame(rows)))
            for child in value.values():
                self._json_tables(where, child)
        elif isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                flat = [
                    {k: v for k, v in row.items() if not isinstance(v, dict | list)}
                    for row in value
                ]
                if any(flat):
                    self.frames.append((where, pd.DataFrame(flat)))
            for child in value:
                self._json_tables(where, child)

    # --- a page's element tree

    def proto(self, where: str, message: Any, media: dict[str, tuple[bytes, str]]) -> None:
        """Every string and table of a protobuf message (an element of a page)."""
        from google.protobuf.message import Message

        for descriptor, value in message.ListFields():
            name = descriptor.name
            values = value if descriptor.is_repeated else [value]
            for item in values:
                if isinstance(item, Message):
                    self.proto(where, item, media)
                elif isinstance(item, str):
                    self.text(where, item)
                    if name == "spec" or item.lstrip().startswith(("{", "[")):
                        with contextlib.suppress(ValueError):
                            self._json_tables(where, json.loads(item))
                    if name == "url" and item:
                        self._media(where, item, media)
                    if name == "deferred_file_id" and item in media:  # a download made on click
                        data, file_name = media[item]
                        self.file(where, file_name or item, data)
                elif isinstance(item, bytes):
                    self._bytes(where, item)
                elif not isinstance(item, bool | int | float):
                    self.text(where, str(item))

    def _bytes(self, where: str, data: bytes) -> None:
        import pyarrow as pa

        try:
            table = pa.ipc.open_stream(data).read_all()
        except Exception:
            self.text(where, data.decode("utf-8", errors="replace"))
            return
        frame = table.to_pandas()
        self.frame(where, frame.reset_index())

    def _media(self, where: str, url: str, media: dict[str, tuple[bytes, str]]) -> None:
        file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id in media:
            data, name = media[file_id]
            self.file(where, name or file_id, data)


# --- the leaks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    districts: dict[str, str]
    services: dict[str, str]
    units_per_case: dict[str, float]
    periods: frozenset[str]
    small: dict[tuple[str, str, str], int]


def _keys() -> _Keys:
    package = leak_package()
    districts = {str(d): str(d) for d in package.districts["district_id"]}
    districts |= {
        str(n): str(d)
        for d, n in zip(package.districts["district_id"], package.districts["name"], strict=True)
    }
    services = {str(s): str(s) for s in package.services["service_id"]}
    services |= {
        str(n): str(s)
        for s, n in zip(package.services["service_id"], package.services["name"], strict=True)
    }
    units = package.services.set_index("service_id")["units_per_case"].astype(float).fillna(1.0)
    history = exact_history(package)
    small = history[(history["cases"] > 0) & (history["cases"] < K)]
    return _Keys(
        districts=districts,
        services=services,
        units_per_case={str(s): float(u) for s, u in units.items()},
        periods=frozenset(history["period"]),
        small={(r.district_id, r.service_id, r.period): int(r.cases) for r in small.itertuples()},
    )


def leaks(received: Received, *, confidential: bool, exact: bool) -> list[str]:
    """What this reader received and must not have (empty: nothing)."""
    found: list[str] = [f"could not read {u}" for u in received.unreadable]
    if not confidential:
        found += _confidential_leaks(received)
    if not exact:
        found += _small_count_leaks(received)
        found += _small_counts_in_words(received)
    return sorted(set(found))


def _confidential_leaks(received: Received) -> list[str]:
    known = secret()
    found = []
    names = [name.lower() for name in known.names]
    coordinate = re.compile(
        r"(?<![\d])(" + "|".join(re.escape(t) for t in known.coordinate_texts) + r")"
    )
    distance = re.compile(
        r"(?<![\d.,])(" + "|".join(re.escape(t) for t in known.distance_texts) + r")\s*km"
    )
    for where, text in received.texts:
        lower = text.lower()
        for name in names:
            if name in lower:
                found.append(f"{where}: confidential name {name!r}")
        for match in coordinate.finditer(text):
            found.append(
                f"{where}: confidential coordinate {match.group(1)!r}: {_around(text, match)}"
            )
        for match in distance.finditer(text):
            found.append(f"{where}: distance to a confidential place: {_around(text, match)}")
    for where, frame in received.frames:
        numbers = frame.select_dtypes("number")
        for value in known.coordinates:
            hits = np.isclose(numbers.to_numpy(dtype=float), value, atol=1e-4, rtol=0)
            if hits.any():
                columns = sorted({str(numbers.columns[j]) for j in np.argwhere(hits)[:, 1]})
                found.append(f"{where}: confidential coordinate {value} in column(s) {columns}")
    return found


def _around(text: str, match: re.Match[str]) -> str:
    return repr(text[max(0, match.start() - 60) : match.end() + 20])


def _key_column(frame: pd.DataFrame, keys: Iterable[str]) -> str | None:
    allowed = set(keys)
    for column in frame.columns:
        values = frame[column].dropna()
        if len(values) and values.astype(str).isin(allowed).all():
            return str(column)
    return None


def _period_column(frame: pd.DataFrame, periods: frozenset[str]) -> str | None:
    for column in frame.columns:
        values = frame[column].dropna()
        if len(values) and values.astype(str).str[:7].isin(periods).all():
            return str(column)
    return None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


COUNT_COLUMN = re.compile(r"case|dossier", re.IGNORECASE)
"""A column of counts of cases (English or French header, or the frame's own name)."""
UNIT_COLUMN = re.compile(r"(demand|served|unmet|demande|servi|non satisfait)\b", re.IGNORECASE)
"""A column of a plan's coverage in units: demand, served, unmet (a count of cases times the
service's units per case)."""
RATE_COLUMN = re.compile(r"per\b|par\b|/|share|part|%", re.IGNORECASE)
"""Rates and shares are not counts."""


def _small_count_leaks(received: Received) -> list[str]:
    keys = _keys()
    found = []
    for where, raw in received.frames:
        frame = raw.reset_index(drop=False) if not isinstance(raw.index, pd.RangeIndex) else raw
        frame = frame.loc[:, ~frame.columns.duplicated()]
        district = _key_column(frame, keys.districts)
        service = _key_column(frame, keys.services)
        if district is None or service is None:
            continue
        period = _period_column(frame, keys.periods)
        count_columns = [str(c) for c in frame.columns if COUNT_COLUMN.search(str(c))]
        count_columns = [c for c in count_columns if not RATE_COLUMN.search(c)]
        unit_columns = [str(c) for c in frame.columns if UNIT_COLUMN.match(str(c))]
        unit_columns = [c for c in unit_columns if not RATE_COLUMN.search(c)]
        for _, row in frame.iterrows():
            d = keys.districts[str(row[district])]
            s = keys.services[str(row[service])]
            if period is not None:
                exact = keys.small.get((d, s, str(row[period])[:7]))
                for column in count_columns:
                    value = _number(row[column])
                    if exact is not None and value is not None and value == exact:
                        found.append(
                            f"{where}: {d} {s} {str(row[period])[:7]} {column} = {value:g} "
                            f"(an exact count below {K})"
                        )
                continue
            for column in count_columns:
                value = _number(row[column])
                if value is not None and 0 < round(value) < K:
                    found.append(f"{where}: {d} {s} {column} = {value:g} (a count below {K})")
            for column in unit_columns:
                value = _number(row[column])
                cases = None if value is None else value / keys.units_per_case[s]
                if cases is not None and 0 < round(cases) < K:
                    found.append(
                        f"{where}: {d} {s} {column} = {value:g} units = {cases:g} cases "
                        f"(a count below {K})"
                    )
    return found


NUMBER_OF = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(units?|unités?|cases?|dossiers?)\b", re.IGNORECASE
)
ABOUT_NEED = re.compile(r"unmet|non satisf|demand|served|servi|cases|dossiers", re.IGNORECASE)


def _small_counts_in_words(received: Received) -> list[str]:
    """A sentence about one district and one service that gives a count of its cases (or of
    units of its demand, served or unmet) below k."""
    keys = _keys()
    package = leak_package()
    districts = [str(n) for n in package.districts["name"]]
    services = {
        str(n).lower(): str(s)
        for s, n in zip(package.services["service_id"], package.services["name"], strict=True)
    }
    found = []
    for where, text in received.texts:
        if text.lstrip().startswith(("{", "[")):
            continue  # specs and data: read as tables
        for segment in re.split(r"[\n;]|\.\s", text):
            if not ABOUT_NEED.search(segment):
                continue
            district = next((d for d in districts if d.lower() in segment.lower()), None)
            service = next((s for n, s in services.items() if n in segment.lower()), None)
            if district is None or service is None:
                continue
            for match in NUMBER_OF.finditer(segment):
                value = float(match.group(1).replace(",", "."))
                unit = match.group(2).lower()
                cases = (
                    value
                    if unit.startswith(("case", "dossier"))
                    else value / keys.units_per_case[service]
                )
                if 0 < round(cases) < K:
                    found.append(
                        f"{where}: {segment.strip()!r} gives {cases:g} case(s) (below {K})"
                    )
    return found
