"""A report as an xlsx workbook: a Summary sheet, then one sheet per table (units in the
headers), numbers as numbers; text that a spreadsheet would run as a formula is quoted
(planner.cells), so no cell is a live formula."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from planner.cells import neutralise
from planner.i18n import t
from reports.content import ReportContent
from reports.layout import header, sheet


def render_xlsx(content: ReportContent) -> bytes:
    """A Summary sheet, then one sheet per table (units in the headers), numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook()
    _summary_sheet(book.active, content)
    for table in content.tables:
        _table_sheet(book.create_sheet(sheet(table.sheet)), table.frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(summary: Any, content: ReportContent) -> None:
    from openpyxl.styles import Alignment, Font

    summary.title = sheet("Summary")
    rows: list[Sequence[object]] = [
        (content.title,),
        (content.subtitle,),
        (),
        (t("Question"), content.question),
        *[(label, value) for label, value in content.assumptions],
        (),
        *[(t("Headline"), line) for line in content.headline],
        (),
        *[(t("Caveat"), line) for line in content.caveats],
        *[
            (t("Note: {sheet}", sheet=sheet(table.sheet)), table.note)
            for table in content.tables
            if table.note
        ],
    ]
    for row in rows:
        summary.append([neutralise(value) for value in row])
    summary["A1"].font = Font(bold=True, size=14)
    summary.column_dimensions["A"].width = 20
    summary.column_dimensions["B"].width = 120
    for cell in summary["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _table_sheet(target: Any, frame: Any) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = [header(c) for c in frame.columns]
    target.append([neutralise(column) for column in columns])
    for cell in target[1]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False):
        target.append([neutralise(_xlsx_value(v)) for v in values])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        target.column_dimensions[letter].width = min(60, max(12, len(column) + 2))
        if "share" in str(frame.columns[index - 1]):
            for cell in target[letter][1:]:
                cell.number_format = "0.0%"


def _xlsx_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return value
