"""Reports and words at the edge: a plan as a file for one audience (`build_report`), and
the plan's codes said in the reader's language (`reports.words`).

reports/ may import planner/ (the domain) and third-party packages only; ui/ and cli/ use
it. Layout: `plan_dir` and `context` (inputs), `view` and `cells` (what an audience may
see), `sections`, `tables`, `figures` (the content, `content`), `charts` (pure Altair
builders), `pdf`, `html`, `xlsx` (formats), `build` (the entry point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reports.build import FORMATS, build_report
    from reports.view import AUDIENCES

__all__ = ["AUDIENCES", "FORMATS", "build_report"]


def __getattr__(name: str) -> Any:
    """`build_report` and its constants on first use: `reports.words` alone (what the command
    line's `plan` prints with) does not load the PDF, HTML and spreadsheet writers."""
    if name in ("FORMATS", "build_report"):
        from reports import build

        return getattr(build, name)
    if name == "AUDIENCES":
        from reports import view

        return view.AUDIENCES
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
