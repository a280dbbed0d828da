"""Reading an uploaded list-overlap file with the same reader as the CLI."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

import pandas as pd

from planner.hidden import read_list_counts


class Upload(Protocol):
    name: str

    def getvalue(self) -> bytes: ...


def read_uploaded_lists(upload: Upload) -> tuple[pd.DataFrame, list[str], str]:
    """The upload's list patterns, lists and count column; InvalidInput names its problems."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        return read_list_counts(path)
