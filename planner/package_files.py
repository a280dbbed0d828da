"""The files of a package, checked before anything is extracted or parsed.

A package comes from people Haven cannot vouch for (an upload on the Data page, a .zip sent
by e-mail), so its files are checked against limits a city sets (`PackageLimits`, from the
`HAVEN_MAX_*` settings) before any byte of them is read as data:

- a .zip: the number of entries, each entry's and the whole package's uncompressed size and
  compression ratio, from the zip's central directory; then again while each entry is
  streamed out, so that a header that lies about its size gets no further. An entry whose
  name is absolute, has a `..` part, or is a link or a device is refused by name, and
  nothing is extracted;
- a folder: each file the reader opens must be a plain file (not a symbolic link, a device
  or a pipe) within the size limits.

A refused file is named, never read: no byte of it reaches a message.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from planner.i18n import fmt_number, t
from planner.problems import Problem
from planner.settings import get_settings

MB = 1_000_000
RATIO_FLOOR = MB
"""Entries (and packages) smaller than this are not held to the compression ratio: a small
file of repeated text compresses well without being a bomb."""
CHUNK = 64 * 1024
_IGNORED_TOPS = ("__MACOSX",)
_SHOWN_NAME = 120


@dataclass(frozen=True)
class PackageLimits:
    """How large a package may be; `from_settings()` reads HAVEN_MAX_* from the environment."""

    max_package_bytes: int = 250 * MB
    max_file_bytes: int = 100 * MB
    max_entries: int = 1000
    max_compression_ratio: float = 100.0

    @classmethod
    def from_settings(cls) -> PackageLimits:
        settings = get_settings()
        return cls(
            max_package_bytes=int(settings.max_package_mb * MB),
            max_file_bytes=int(settings.max_file_mb * MB),
            max_entries=settings.max_entries,
            max_compression_ratio=settings.max_compression_ratio,
        )


def size_text(size: float) -> str:
    """A size for messages: 1,234.5 MB, or 12.3 kB below a megabyte."""
    if size < MB:
        return t("{size} kB", size=fmt_number(size / 1000, 1))
    return t("{size} MB", size=fmt_number(size / MB, 1))


def shown_name(name: str) -> str:
    """A file or entry name as it may appear in a message: control characters replaced and
    cut short, so that a crafted name cannot forge lines of output."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return clean if len(clean) <= _SHOWN_NAME else clean[: _SHOWN_NAME - 1] + "…"


def shown_value(value: object) -> str:
    """A value quoted for a message (its repr), cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


# --- A folder ----------------------------------------------------------------------------


def folder_problems(folder: Path, names: tuple[str, ...], limits: PackageLimits) -> list[Problem]:
    """Problems with the files of a package folder that the reader would open.

    Those are the files named in `names` and the districts' side files (`districts.*`).
    Links are looked at, never followed.
    """
    problems: list[Problem] = []
    total = 0
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        return [Problem(folder.name, message=t("cannot be read ({reason})", reason=exc.strerror))]
    for entry in entries:
        if entry.name not in names and not entry.name.startswith("districts."):
            continue
        file = shown_name(entry.name)
        mode = entry.stat(follow_symlinks=False).st_mode
        message = kind_message(mode)
        if message is not None:
            problems.append(Problem(file, message=message))
            continue
        if not stat.S_ISREG(mode):
            continue  # a folder named like a file: the reader says it is missing
        size = entry.stat(follow_symlinks=False).st_size
        total += size
        if size > limits.max_file_bytes:
            problems.append(Problem(file, message=_file_too_large(size, limits)))
    if total > limits.max_package_bytes:
        problems.append(Problem(folder.name, message=_package_too_large(total, limits)))
    return problems


def kind_message(mode: int) -> str | None:
    """Why a file of this mode is refused (a link, a device, a pipe), or None for plain files
    and folders."""
    if stat.S_ISLNK(mode):
        return t("is a symbolic link; a package holds plain files only (not read)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return t("is a device; a package holds plain files only (not read)")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return t("is a pipe or a socket; a package holds plain files only (not read)")
    return None


def _file_too_large(size: int, limits: PackageLimits) -> str:
    return t(
        "is {size} uncompressed, above the limit of {limit} for one file (HAVEN_MAX_FILE_MB)",
        size=size_text(size),
        limit=size_text(limits.max_file_bytes),
    )


def _package_too_large(size: int, limits: PackageLimits) -> str:
    return t(
        "holds {size} uncompressed, above the limit of {limit} for a package "
        "(HAVEN_MAX_PACKAGE_MB)",
        size=size_text(size),
        limit=size_text(limits.max_package_bytes),
    )


def _ratio_too_high(size: int, compressed: int, limits: PackageLimits) -> str:
    return t(
        "expands {ratio} times ({size} from {compressed}), above the limit of {limit} times "
        "(HAVEN_MAX_COMPRESSION_RATIO)",
        ratio=fmt_number(size / max(compressed, 1), 0),
        size=size_text(size),
        compressed=size_text(compressed),
        limit=fmt_number(limits.max_compression_ratio, 0),
    )


# --- A .zip ------------------------------------------------------------------------------


@contextmanager
def extracted_zip(path: Path, limits: PackageLimits) -> Iterator[tuple[Path | None, list[Problem]]]:
    """The zip's files in a temporary folder (removed after the block), or None and the
    reasons the zip is refused. Nothing is written unless every entry passes the checks of
    the central directory; an entry that outgrows them while it is streamed stops it all."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
        yield None, [_unreadable(path, exc)]
        return
    with archive, tempfile.TemporaryDirectory(prefix="haven-package-") as tmp:
        problems = directory_problems(archive.infolist(), path, limits)
        if not problems:
            problems = _extract(archive, Path(tmp), path, limits)
        if problems:
            yield None, problems
            return
        yield Path(tmp), []


def _unreadable(path: Path, exc: BaseException) -> Problem:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return Problem(
        shown_name(path.name), message=t("is not a readable .zip file ({exc})", exc=reason)
    )


def directory_problems(
    infos: list[zipfile.ZipInfo], path: Path, limits: PackageLimits
) -> list[Problem]:
    """Every reason to refuse a zip, from its central directory alone (nothing is read)."""
    zip_name = shown_name(path.name)
    if len(infos) > limits.max_entries:
        too_many = t(
            "holds {count} entries, above the limit of {limit} (HAVEN_MAX_ENTRIES)",
            count=fmt_number(len(infos)),
            limit=fmt_number(limits.max_entries),
        )
        return [Problem(zip_name, message=too_many)]
    problems: list[Problem] = []
    seen: set[str] = set()
    total = compressed = 0
    for info in infos:
        if not info.filename.strip("/"):
            problems.append(
                Problem(zip_name, message=t("holds an entry without a name (not extracted)"))
            )
            continue
        name = shown_name(info.filename)
        message: str | None = entry_name_message(info.filename) or kind_message(
            info.external_attr >> 16
        )
        if message is None and info.filename.rstrip("/") in seen:
            message = t("appears twice in the .zip")
        seen.add(info.filename.rstrip("/"))
        if message is not None:
            problems.append(Problem(name, message=message))
            continue
        if info.filename.endswith("/"):
            continue
        total += info.file_size
        compressed += info.compress_size
        if info.file_size > limits.max_file_bytes:
            problems.append(Problem(name, message=_file_too_large(info.file_size, limits)))
        elif _too_compressed(info.file_size, info.compress_size, limits):
            problems.append(
                Problem(name, message=_ratio_too_high(info.file_size, info.compress_size, limits))
            )
    if total > limits.max_package_bytes:
        problems.append(Problem(zip_name, message=_package_too_large(total, limits)))
    elif not problems and _too_compressed(total, compressed, limits):
        problems.append(Problem(zip_name, message=_ratio_too_high(total, compressed, limits)))
    return problems


def _too_compressed(size: int, compressed: int, limits: PackageLimits) -> bool:
    return size > RATIO_FLOOR and size > limits.max_compression_ratio * max(compressed, 1)


def entry_name_message(name: str) -> str | None:
    """Why a zip entry's name is refused (outside the package's root), or None."""
    if "\x00" in name:
        return t("has a NUL character in its name (not extracted)")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return t("is an absolute path; entries must stay inside the package (not extracted)")
    if ".." in parts:
        return t("has a '..' part; entries must stay inside the package (not extracted)")
    return None


def _extract(
    archive: zipfile.ZipFile, root: Path, path: Path, limits: PackageLimits
) -> list[Problem]:
    """Stream each file entry out, counting bytes against its declared size and the limits."""
    total = 0
    for info in archive.infolist():
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.endswith("/") or not parts or parts[0] in _IGNORED_TOPS:
            continue
        target = root.joinpath(*parts)
        if not target.resolve().is_relative_to(root.resolve()):  # pragma: no cover - checked
            return [Problem(shown_name(info.filename), message=entry_name_message("..") or "")]
        allowed = min(info.file_size, limits.max_file_bytes)
        written = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("xb") as sink:
                while chunk := source.read(CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > allowed or total > limits.max_package_bytes:
                        message = t(
                            "expands beyond the {size} its .zip header declares or the limits "
                            "allow (not extracted)",
                            size=size_text(info.file_size),
                        )
                        return [Problem(shown_name(info.filename), message=message)]
                    sink.write(chunk)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):  # a file and a folder
            return [Problem(shown_name(info.filename), message=t("appears twice in the .zip"))]
        except (zipfile.BadZipFile, RuntimeError, ValueError, EOFError) as exc:
            return [_unreadable(path, exc)]
        except OSError as exc:  # the temporary folder: a full disk, a quota
            reason = exc.strerror or type(exc).__name__
            return [
                Problem(
                    shown_name(path.name),
                    message=t("cannot be extracted ({reason})", reason=reason),
                )
            ]
    return []
