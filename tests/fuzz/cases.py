"""The hostile-input corpus (issue 13): every bad package the attacker of issue 13 tried, as a
named case that builds it. The corpus grows: add a case here for each new way in, and the
tests in this folder run it through the reader, the command line and the database.

A case builds its input under a temporary folder and says a fragment its messages must
hold. Every case must be refused with clean one-line messages: no traceback, no byte of a
file outside the package, and nothing written to the database.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.package_factory import (
    append_row,
    edit_city,
    edit_feature,
    set_cell,
    write_tiny_package,
)

SECRET = "root:x:0:0:SECRET-LINE-OF-A-FILE-OUTSIDE-THE-PACKAGE"
"""The first line of a file outside every package; no message may ever hold it."""


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]
    """Build the input under the given temporary folder; return the path to read."""
    expect: str
    """A fragment that the messages must hold."""


def _package(tmp: Path) -> Path:
    return write_tiny_package(tmp / "city")


def _secret(tmp: Path) -> Path:
    path = tmp / "outside" / "passwd"
    path.parent.mkdir(exist_ok=True)
    path.write_text(SECRET + "\nbin:x:1:1\n", encoding="utf-8")
    return path


def _zip(tmp: Path, name: str, extra: dict[zipfile.ZipInfo | str, bytes]) -> Path:
    """The tiny package at the zip's root, with `extra` entries added or replacing files."""
    folder = _package(tmp)
    replaced = {n if isinstance(n, str) else n.filename for n in extra}
    path = tmp / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            if file.name not in replaced:
                archive.write(file, file.name)
        for entry, data in extra.items():
            archive.writestr(entry, data)
    return path


def _unix_entry(name: str, kind: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (kind | 0o777) << 16
    return info


def _cell(file: str, line: int, column: str, value: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = _package(tmp)
        set_cell(path, file, line, column, value)
        return path

    return build


def _zip_with(name: str, extra: dict[zipfile.ZipInfo | str, bytes]) -> Callable[[Path], Path]:
    return lambda tmp: _zip(tmp, name, extra)


def _replace_file(file: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = _package(tmp)
        (path / file).write_bytes(data)
        return path

    return build


# --- Builders of the cases that need more than one cell -----------------------------------


def zip_bomb(tmp: Path) -> Path:
    return _zip(tmp, "bomb.zip", {"services.csv": b"service_id,name\n" + b"0" * 30_000_000})


def zip_bomb_in_a_folder(tmp: Path) -> Path:
    return _zip(tmp, "nested.zip", {"city/extra/filler.txt": b" " * 20_000_000})


def lying_header(tmp: Path) -> Path:
    path = _zip(tmp, "liar.zip", {"notes.txt": b"z" * 3_000_000})
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, entry + 24, 64)  # notes.txt's uncompressed size: 64 bytes
    path.write_bytes(bytes(data))
    return path


def too_many_entries(tmp: Path) -> Path:
    return _zip(tmp, "many.zip", {f"junk/{i}.txt": b"" for i in range(1200)})


def symlink_in_folder(tmp: Path) -> Path:
    secret = _secret(tmp)
    path = _package(tmp)
    (path / "services.csv").unlink()
    (path / "services.csv").symlink_to(secret)
    return path


def symlinked_city_json(tmp: Path) -> Path:
    secret = _secret(tmp)
    path = _package(tmp)
    (path / "city.json").unlink()
    (path / "city.json").symlink_to(secret)
    return path


def symlinked_districts(tmp: Path) -> Path:
    secret = _secret(tmp)
    path = _package(tmp)
    (path / "districts.geojson").unlink()
    (path / "districts.geojson").symlink_to(secret)
    return path


def fifo_in_folder(tmp: Path) -> Path:
    path = _package(tmp)
    (path / "capacity.csv").unlink()
    os.mkfifo(path / "capacity.csv")
    return path


def dev_zero_linked(tmp: Path) -> Path:
    path = _package(tmp)
    (path / "demand.csv").unlink()
    (path / "demand.csv").symlink_to("/dev/zero")
    return path


def duplicate_entry(tmp: Path) -> Path:
    path = _zip(tmp, "twice.zip", {})
    import warnings

    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("city.json", b'{"name": "Evil", "currency": "EUR"}')
    return path


def noisy_csv(tmp: Path) -> Path:
    """A large bad CSV (the issue's 50 MB one, scaled to 120,000 rows)."""
    path = _package(tmp)
    header = (path / "demand.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = "\n".join(f"D1,legal_aid,2020-01,oops{i},nowhere" for i in range(120_000))
    (path / "demand.csv").write_text(f"{header}\n{rows}\n", encoding="utf-8")
    return path


def many_unknown_ids(tmp: Path) -> Path:
    path = _package(tmp)
    for i in range(80):
        append_row(
            path,
            "capacity.csv",
            {"agency_id": f"NOPE{i}", "service_id": "legal_aid", "capacity": "1"},
        )
    return path


def population_out_of_range(tmp: Path) -> Path:
    path = _package(tmp)
    edit_feature(path, 2, {"population": 2**64})
    return path


def city_not_an_object(tmp: Path) -> Path:
    path = _package(tmp)
    (path / "city.json").write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    return path


def city_name_formula(tmp: Path) -> Path:
    path = _package(tmp)
    edit_city(path, currency="=1+1")
    return path


def not_a_zip(tmp: Path) -> Path:
    path = tmp / "city.zip"
    path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    return path


def truncated_zip(tmp: Path) -> Path:
    path = _zip(tmp, "cut.zip", {})
    path.write_bytes(path.read_bytes()[:-40])
    return path


CASES: list[Case] = [
    # Zip bombs and lying sizes.
    Case("zip-bomb", zip_bomb, "(HAVEN_MAX_COMPRESSION_RATIO)"),
    Case("zip-bomb-in-a-folder", zip_bomb_in_a_folder, "(HAVEN_MAX_COMPRESSION_RATIO)"),
    Case("lying-header", lying_header, "is not a readable .zip file"),
    Case("too-many-entries", too_many_entries, "(HAVEN_MAX_ENTRIES)"),
    Case("not-a-zip", not_a_zip, "city.zip:"),
    Case("truncated-zip", truncated_zip, "cut.zip:"),
    # Zip slip.
    Case(
        "dotdot-city-json",
        _zip_with("slip.zip", {"../city.json": b'{"name": "Evil", "currency": "EUR"}'}),
        "../city.json: has a '..' part",
    ),
    Case(
        "dotdot-deep",
        _zip_with("slip2.zip", {"city/../../../../tmp/haven-pwned": b"x"}),
        "has a '..' part",
    ),
    Case(
        "backslash-dotdot",
        _zip_with("slip3.zip", {"..\\..\\services.csv": b"x"}),
        "has a '..' part",
    ),
    Case(
        "absolute-path",
        _zip_with("abs.zip", {"/etc/cron.d/haven": b"* * * * * root id"}),
        "/etc/cron.d/haven: is an absolute path",
    ),
    Case(
        "windows-drive",
        _zip_with("drive.zip", {"C:\\Windows\\haven.csv": b"x"}),
        "is an absolute path",
    ),
    Case("duplicate-entry", duplicate_entry, "city.json: appears twice in the .zip"),
    # Links and devices.
    Case(
        "zip-symlink",
        _zip_with("link.zip", {_unix_entry("services.csv", stat.S_IFLNK): b"/etc/passwd"}),
        "services.csv: is a symbolic link",
    ),
    Case(
        "zip-symlink-folder",
        _zip_with("link2.zip", {_unix_entry("data", stat.S_IFLNK): b"/etc"}),
        "data: is a symbolic link",
    ),
    Case(
        "zip-device",
        _zip_with("dev.zip", {_unix_entry("demand.csv", stat.S_IFCHR): b""}),
        "demand.csv: is a device",
    ),
    Case(
        "zip-fifo",
        _zip_with("fifo.zip", {_unix_entry("fifo", stat.S_IFIFO): b""}),
        "fifo: is a pipe or a socket",
    ),
    Case("folder-symlink-services", symlink_in_folder, "services.csv: is a symbolic link"),
    Case("folder-symlink-city", symlinked_city_json, "city.json: is a symbolic link"),
    Case("folder-symlink-districts", symlinked_districts, "districts.geojson: is a symbolic link"),
    Case("folder-fifo", fifo_in_folder, "capacity.csv: is a pipe or a socket"),
    Case("folder-dev-zero", dev_zero_linked, "demand.csv: is a symbolic link"),
    # Numbers the database cannot hold.
    Case(
        "cases-2-to-the-63",
        _cell("demand.csv", 2, "cases", str(2**63)),
        "demand.csv:2: cases: 9223372036854775808 is outside the whole numbers Haven stores",
    ),
    Case(
        "cases-huge",
        _cell("demand.csv", 3, "cases", "9" * 40),
        "demand.csv:3: cases:",
    ),
    Case(
        "cases-negative-huge",
        _cell("demand.csv", 4, "cases", str(-(2**63) - 1)),
        "demand.csv:4: cases:",
    ),
    Case(
        "population-2-to-the-64",
        population_out_of_range,
        "districts.geojson: feature 2: population: 18446744073709551616 is outside",
    ),
    Case("cost-inf", _cell("services.csv", 2, "unit_cost", "inf"), "unit_cost: 'inf' is not"),
    Case("cost-nan", _cell("services.csv", 3, "weight", "NaN"), "weight: 'NaN' is not"),
    Case("budget-1e400", _cell("funders.csv", 2, "budget", "1e400"), "budget: '1e400' is not"),
    Case("capacity-minus-inf", _cell("capacity.csv", 2, "capacity", "-inf"), "capacity:"),
    # Noise.
    Case("noisy-csv", noisy_csv, "more problems in demand.csv"),
    Case("many-unknown-ids", many_unknown_ids, "and 30 more problems in capacity.csv"),
    # Malformed files.
    Case("city-deeply-nested", city_not_an_object, "city.json:"),
    Case("city-currency-formula", city_name_formula, "currency: '=1+1' is not an ISO 4217"),
    Case("services-binary", _replace_file("services.csv", os.urandom(3000)), "services.csv:"),
    Case("services-utf16", _replace_file("services.csv", "a,b\n".encode("utf-16")), "UTF-16"),
    Case("agencies-empty", _replace_file("agencies.csv", b""), "agencies.csv: file is empty"),
    Case("districts-garbage", _replace_file("districts.geojson", b"{]"), "districts.geojson:"),
    Case(
        "csv-huge-cell",
        _cell("agencies.csv", 2, "lat", "9" * 200_000),
        "agencies.csv:2: is not valid CSV",
    ),
    Case("csv-nul-byte", _replace_file("funders.csv", b"funder_id,name\x00,budget\n"), "binary"),
]
