"""Failures of the world around a command (the database, the disk), said in one line.

A command wraps its service calls in `using_database()` and its writers in `writing(path)`;
either turns what went wrong into `CommandFailed`, whose message `cli.main` prints as
`error: ...` with exit code 1, never a traceback. `cli.main` also catches what a command did
not wrap (a database error or an OSError) with the same words, as the last guard.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planner.i18n import t


class CommandFailed(Exception):
    """The command cannot go on; `str(exc)` says why, in the reader's language."""


def database_message(exc: BaseException) -> str:
    """`cannot use the database (reason)`: the driver's first line, or the OS's reason."""
    return t("cannot use the database ({reason})", reason=database_reason(exc))


def database_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename is not None else ""
        return where + os_reason(exc)
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip() or type(original).__name__
    return text.splitlines()[0].strip()


def write_message(path: object, exc: OSError) -> str:
    """`cannot write {path}: {reason}`."""
    return t("cannot write {path}: {reason}", path=path, reason=os_reason(exc))


def os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


@contextmanager
def using_database() -> Iterator[None]:
    """Database errors (unreachable server, a file that cannot be opened or is full) and the
    OSError of making an SQLite file's folder, as `CommandFailed`."""
    # The service layer's errors are imported when a command uses the database, not before:
    # `plan` and `validate` never load the database's modules.
    from service.errors import AccessDenied, DatabaseError

    try:
        yield
    except AccessDenied:  # a PermissionError, but the rules' refusal, said as it is
        raise
    except (DatabaseError, OSError) as exc:
        raise CommandFailed(database_message(exc)) from exc


@contextmanager
def writing(path: Path | str, *, folder: bool = False) -> Iterator[None]:
    """OSError while writing `path` (a full disk, no permission, no such place) as
    `CommandFailed`; with `folder`, a path that is an existing file is refused first."""
    target = Path(path)
    if folder and target.exists() and not target.is_dir():
        raise CommandFailed(
            t("cannot write {path}: {reason}", path=path, reason=t("it is a file, not a folder"))
        )
    if not folder and target.is_dir():
        raise CommandFailed(
            t("cannot write {path}: {reason}", path=path, reason=t("it is a folder, not a file"))
        )
    try:
        yield
    except OSError as exc:
        if _is_refusal(exc):  # a PermissionError, but the rules' refusal, said as it is
            raise
        raise CommandFailed(write_message(path, exc)) from exc


def _is_refusal(exc: BaseException) -> bool:
    """Whether `exc` is the service layer's AccessDenied (only raised once service.access is
    loaded; service.errors, which re-exports it, may not be: the CLI imports lazily)."""
    access = sys.modules.get("service.access")  # where AccessDenied is defined
    return access is not None and isinstance(exc, access.AccessDenied)
