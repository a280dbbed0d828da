"""Reports and words at the edge: a plan as a file for one audience (`build_report`), and
the plan's codes said in the reader's language (`reports.words`).

reports/ may import planner/ (the domain) and third-party packages only; ui/ and cli/ use
it. Layout: `plan_dir` and `context` (inputs), `view` and `cells` (what an audience may
see), `sections`, `tables`, `figures` (the content, `content`), `charts` (pure Altair
builders), `pdf`, `html`, `xlsx` (formats), `build` (the entry point).
"""

from reports.build import FORMATS, build_report
from reports.view import AUDIENCES

__all__ = ["AUDIENCES", "FORMATS", "build_report"]
