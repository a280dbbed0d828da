"""Hostile packages (issue 13): limits a city sets, names outside the package, links and
devices, out-of-range numbers, and a cap on the problems listed per file.

Each test fails on the reader of commit bb154ea (which extracted everything, followed
links, let 2^63 through and listed every problem) and passes now.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.package import read_package, validate_package
from planner.problems import InvalidInput, MoreProblems, error_count
from planner.settings import get_settings
from tests.package_factory import append_row, edit_feature, set_cell, write_tiny_package

SECRET = "root:x:0:0:SECRET-LINE-OF-A-FILE-OUTSIDE\n"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_tiny_package(tmp_path / "city")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set HAVEN_* variables for one test; the cached settings are read again around it."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def limit(env: pytest.MonkeyPatch, **values: object) -> None:
    for name, value in values.items():
        env.setenv(f"HAVEN_{name.upper()}", str(value))
    get_settings.cache_clear()


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_package(path)]


def zip_of(folder: Path, zip_path: Path, extra: dict[zipfile.ZipInfo | str, bytes] | None = None):
    """The package's files at the zip's root, then `extra` entries (names as given)."""
    replaced = {name for name in extra or {} if isinstance(name, str)}
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            if file.name not in replaced:
                archive.write(file, file.name)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return zip_path


def special(name: str, kind: int, data: bytes = b"") -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode is in the high bits of external_attr
    info.external_attr = (kind | 0o777) << 16
    return info


def assert_refused_unread(path: Path, expected: list[str]) -> None:
    """Only the refusals: nothing was parsed (no message about cells), nothing echoed."""
    found = messages(path)
    assert found == expected
    assert not any("SECRET" in m or "root:x" in m for m in found)
    with pytest.raises(InvalidInput):
        read_package(path)


# --- Limits from the central directory -------------------------------------------------


def test_a_zip_bomb_is_refused_by_its_compression_ratio(package: Path, tmp_path: Path) -> None:
    bomb = b"service_id,name\n" + b"a" * 20_000_000  # 20 MB that deflates to ~20 kB
    path = zip_of(package, tmp_path / "bomb.zip", {"notes.txt": bomb})
    [message] = messages(path)
    assert message.startswith("notes.txt: expands ")
    assert "above the limit of 100 times (HAVEN_MAX_COMPRESSION_RATIO)" in message


def test_one_file_above_the_file_limit_is_named(
    package: Path, tmp_path: Path, settings_env: pytest.MonkeyPatch
) -> None:
    limit(settings_env, max_file_mb=0.5)
    path = zip_of(package, tmp_path / "big.zip", {"services.csv": os.urandom(600_000)})
    found = messages(path)
    assert found == [
        "services.csv: is 600.0 kB uncompressed, above the limit of 500.0 kB for one file "
        "(HAVEN_MAX_FILE_MB)"
    ]


def test_the_whole_package_above_the_package_limit(
    package: Path, tmp_path: Path, settings_env: pytest.MonkeyPatch
) -> None:
    limit(settings_env, max_package_mb=0.002)
    path = zip_of(package, tmp_path / "city.zip")
    size = sum(f.stat().st_size for f in package.iterdir()) / 1000
    assert messages(path) == [
        f"city.zip: holds {size:.1f} kB uncompressed, above the limit of 2.0 kB for a package "
        "(HAVEN_MAX_PACKAGE_MB)"
    ]


def test_too_many_entries(package: Path, tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    limit(settings_env, max_entries=20)
    extra: dict[zipfile.ZipInfo | str, bytes] = {f"junk/{i}.txt": b"x" for i in range(30)}
    path = zip_of(package, tmp_path / "many.zip", extra)
    assert messages(path) == [
        "many.zip: holds 38 entries, above the limit of 20 (HAVEN_MAX_ENTRIES)"
    ]


def test_a_header_that_lies_about_its_size_gets_no_further(package: Path, tmp_path: Path) -> None:
    """The central directory says 100 bytes; the entry inflates to 5 MB."""
    path = zip_of(package, tmp_path / "liar.zip", {"notes.txt": b"z" * 5_000_000})
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")  # the last central directory record: notes.txt
    assert data[entry + 46 : entry + 46 + 9] == b"notes.txt"
    struct.pack_into("<I", data, entry + 24, 100)  # its uncompressed size
    path.write_bytes(bytes(data))
    found = messages(path)
    assert len(found) == 1 and found[0].startswith("liar.zip: is not a readable .zip file")
    assert "notes.txt" in found[0]


def test_limits_are_read_from_the_environment(
    package: Path, settings_env: pytest.MonkeyPatch
) -> None:
    limit(settings_env, max_file_mb=0.0008)  # the tiny package's demand is larger
    size = (package / "demand.csv").stat().st_size / 1000
    assert messages(package) == [
        f"demand.csv: is {size:.1f} kB uncompressed, above the limit of 0.8 kB for one file "
        "(HAVEN_MAX_FILE_MB)"
    ]


# --- Names outside the package, links and devices ---------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../city.json", "has a '..' part; entries must stay inside the package (not extracted)"),
        ("a/../../x.csv", "has a '..' part; entries must stay inside the package (not extracted)"),
        ("..\\city.json", "has a '..' part; entries must stay inside the package (not extracted)"),
        (
            "/etc/cron.d/haven",
            "is an absolute path; entries must stay inside the package (not extracted)",
        ),
        ("C:/x.csv", "is an absolute path; entries must stay inside the package (not extracted)"),
    ],
)
def test_zip_slip_entries_are_refused_by_name(
    package: Path, tmp_path: Path, entry: str, message: str
) -> None:
    path = zip_of(package, tmp_path / "slip.zip", {entry: b'{"name": "Evil", "currency": "EUR"}'})
    assert_refused_unread(path, [f"{entry}: {message}"])
    assert not (tmp_path / "city.json").exists()


def test_a_symlink_entry_in_a_zip_is_refused(package: Path, tmp_path: Path) -> None:
    (package / "services.csv").unlink()
    link = special("services.csv", stat.S_IFLNK)
    path = zip_of(package, tmp_path / "link.zip", {link: b"/etc/passwd"})
    assert_refused_unread(
        path, ["services.csv: is a symbolic link; a package holds plain files only (not read)"]
    )


def test_a_device_entry_in_a_zip_is_refused(package: Path, tmp_path: Path) -> None:
    device = special("dev/zero", stat.S_IFCHR)
    path = zip_of(package, tmp_path / "dev.zip", {device: b""})
    assert_refused_unread(
        path, ["dev/zero: is a device; a package holds plain files only (not read)"]
    )


def test_a_symlinked_file_in_a_folder_is_refused_and_not_echoed(
    package: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(SECRET, encoding="utf-8")
    (package / "services.csv").unlink()
    (package / "services.csv").symlink_to(secret)
    assert_refused_unread(
        package, ["services.csv: is a symbolic link; a package holds plain files only (not read)"]
    )


def test_a_pipe_in_a_folder_is_refused_without_blocking(package: Path) -> None:
    (package / "demand.csv").unlink()
    os.mkfifo(package / "demand.csv")
    assert_refused_unread(
        package, ["demand.csv: is a pipe or a socket; a package holds plain files only (not read)"]
    )


def test_a_duplicate_entry_is_refused(package: Path, tmp_path: Path) -> None:
    path = zip_of(package, tmp_path / "twice.zip")
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr("city.json", b'{"name": "Evil"}')
    assert_refused_unread(path, ["city.json: appears twice in the .zip"])


def test_a_crafted_name_cannot_forge_lines(package: Path, tmp_path: Path) -> None:
    path = zip_of(package, tmp_path / "crlf.zip", {"../x\nservices.csv:2: fine": b""})
    [message] = messages(path)
    assert "\n" not in message and message.startswith("../x?services.csv:2: fine: has a '..'")


def test_a_normal_zip_still_reads(package: Path, tmp_path: Path) -> None:
    path = zip_of(package, tmp_path / "ok.zip", {"__MACOSX/._city.json": b"\x00\x01"})
    assert read_package(path).city.name == read_package(package).city.name


# --- Numbers the database cannot store -------------------------------------------------


@pytest.mark.parametrize(
    "value", ["9223372036854775808", "99999999999999999999999", "2147483648", "1e30"]
)
def test_counts_above_what_the_database_stores_are_refused(package: Path, value: str) -> None:
    set_cell(package, "demand.csv", 2, "cases", value)
    shown = value if value != "1e30" else "1e30"
    assert messages(package) == [
        f"demand.csv:2: cases: {shown} is outside the whole numbers Haven stores "
        "(-2,147,483,648 to 2,147,483,647)"
    ]


def test_a_population_above_the_range_names_its_feature(package: Path) -> None:
    edit_feature(package, 1, {"population": 2**63})
    assert messages(package) == [
        "districts.geojson: feature 1: population: 9223372036854775808 is outside the whole "
        "numbers Haven stores (-2,147,483,648 to 2,147,483,647)"
    ]


def test_the_largest_stored_count_is_accepted(package: Path) -> None:
    set_cell(package, "demand.csv", 2, "cases", "2147483647")
    assert read_package(package).demand["cases"].max() == 2147483647


def test_a_very_long_number_is_shown_short(package: Path) -> None:
    set_cell(package, "demand.csv", 2, "cases", "1" * 300)
    [message] = messages(package)
    assert message == (
        "demand.csv:2: cases: 1111111111…1111111111 (300 characters) is outside the whole "
        "numbers Haven stores (-2,147,483,648 to 2,147,483,647)"
    )
    set_cell(package, "demand.csv", 2, "cases", "1" * 5000)
    [message] = messages(package)
    assert message == f"demand.csv:2: cases: {'1' * 57!r}… is not a whole number"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "Infinity"])
def test_floats_that_are_not_finite_are_refused(package: Path, value: str) -> None:
    set_cell(package, "services.csv", 2, "unit_cost", value)
    assert messages(package) == [f"services.csv:2: unit_cost: {value!r} is not a number"]


# --- Problems capped per file ---------------------------------------------------------


def test_problems_are_capped_per_file_with_a_count(package: Path) -> None:
    for i in range(120):
        append_row(
            package,
            "demand.csv",
            {"district_id": "D1", "service_id": "legal_aid", "period": f"{1900 + i}-01"}
            | {"cases": "-1"},
        )
    problems = validate_package(package)
    listed = [p for p in problems if p.file == "demand.csv"]
    assert len(listed) == 51
    assert isinstance(listed[-1], MoreProblems)
    assert str(listed[-1]) == "and 70 more problems in demand.csv"
    assert error_count(problems) == 120
    assert all(":" in str(p) for p in listed[:50])
    with pytest.raises(InvalidInput) as raised:
        read_package(package)
    assert str(raised.value).splitlines()[-1] == "and 70 more problems in demand.csv"


def test_the_cap_is_a_setting(package: Path, settings_env: pytest.MonkeyPatch) -> None:
    limit(settings_env, max_problems_per_file=3)
    for line in (2, 3, 4, 5, 6):
        set_cell(package, "demand.csv", line, "cases", "x")
    found = messages(package)
    assert found[-1] == "and 2 more problems in demand.csv"
    assert len(found) == 4


def test_a_large_bad_csv_lists_a_few_lines(package: Path) -> None:
    header = (package / "demand.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = "\n".join("D1,legal_aid,2020-01,oops" for _ in range(100_000))
    (package / "demand.csv").write_text(f"{header}\n{rows}\n", encoding="utf-8")
    problems = validate_package(package)
    assert len([p for p in problems if p.file == "demand.csv"]) == 51
    assert str(problems[-1]) == "and 99,950 more problems in demand.csv"


def test_a_full_disk_while_extracting_is_a_message(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    path = zip_of(package, tmp_path / "city.zip")
    real_open = Path.open

    def full(self: Path, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if "x" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", full)
    assert messages(path) == ["city.zip: cannot be extracted (No space left on device)"]
