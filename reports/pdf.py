"""A report as an A4 PDF: summary, charts, maps (one a page), what limits the plan, then
the tables, one page per `ROWS_PER_PAGE` rows.

The PDF's built-in fonts cover Latin-1 (French included, but for œ): the text is folded
into it (`latin1`), U+00A0 standing in for the narrow no-break space French wants and the
euro written as its code.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from planner.i18n import t
from reports.content import ROWS_PER_PAGE, ReportContent
from reports.layout import frame_text, header, numeric_text
from reports.sections import SYNTHETIC
from reports.view import ReportTable

HEADER_HEIGHT = 10.5
BINDING_LINES = 14
_REPLACEMENTS = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2026": "...",
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2265": ">=",
    "\u2264": "<=",
    "\u00d7": "x",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u20ac": "EUR",
    "\u202f": "\u00a0",
}
_EURO_BEFORE = re.compile("\u20ac([0-9](?:[0-9.,\u00a0\u202f]*[0-9])?[KM]?)")


def latin1(text: str) -> str:
    """The text in the PDF's core fonts: "€1,000" reads "1,000 EUR", "œ" reads "oe"."""
    text = _EURO_BEFORE.sub(r"\1 EUR", text)
    for char, replacement in _REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Writer:
    """An FPDF document with the report's headings and paragraphs."""

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_title(latin1(title))
        self.pdf.set_creator("Haven")
        self.pdf.set_auto_page_break(auto=True, margin=12)
        self.pdf.set_margins(15, 15, 15)
        self.width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def heading(self, text: str, size: float = 13) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.multi_cell(
            self.width, size * 0.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(1.5)

    def paragraph(self, text: str, size: float = 9.5, style: str = "") -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(
            self.width, size * 0.47, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(1)

    def room(self) -> float:
        """Height left on the page (mm)."""
        return float(self.pdf.h - self.pdf.get_y() - self.pdf.b_margin)

    def image(self, png: bytes, height: float) -> None:
        """The image as large as fits the text width × `height` (mm), keeping its shape."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            pixels_wide, pixels_high = image.size
        scale = min(self.width / pixels_wide, height / pixels_high)
        self.pdf.image(io.BytesIO(png), w=pixels_wide * scale, h=pixels_high * scale)


def render_pdf(content: ReportContent) -> bytes:
    """A4 portrait: summary, charts, maps (one a page), binding limits, then the tables."""
    writer = _Writer(content.title)
    _summary_page(writer, content)
    _chart_pages(writer, content)
    writer.pdf.add_page()
    writer.heading(t("What limits the plan"), 13)
    for line in content.binding[:BINDING_LINES] or [t("Nothing binds.")]:
        writer.paragraph(f"- {line}", 8.5)
    for table in content.pdf_tables:
        _table_pages(writer, table)
    return bytes(writer.pdf.output())


def _summary_page(writer: _Writer, content: ReportContent) -> None:
    from fpdf.enums import XPos, YPos

    pdf = writer.pdf
    pdf.add_page()
    writer.heading(content.title, 16)
    writer.paragraph(content.subtitle, 8.5, "I")
    for caveat in content.caveats[:1]:
        if caveat.startswith(t(SYNTHETIC)):
            pdf.set_text_color(170, 0, 0)
            writer.paragraph(caveat, 9.5, "B")
            pdf.set_text_color(0, 0, 0)
    writer.heading(t("The question"), 12)
    writer.paragraph(content.question)
    writer.heading(t("Headline figures"), 12)
    for line in content.headline:
        writer.paragraph(f"- {line}")
    writer.heading(t("Assumptions"), 12)
    for label, value in content.assumptions:
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(38, 4.2, latin1(label))
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(writer.width - 38, 4.2, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    writer.heading(t("Caveats"), 12)
    for caveat in content.caveats:
        writer.paragraph(f"- {caveat}", 8.5)


def _chart_pages(writer: _Writer, content: ReportContent) -> None:
    """The charts on one page, then each map on a page of its own."""
    plots = [c for c in content.charts if not c.is_map]
    writer.pdf.add_page()
    writer.heading(t("Charts"), 13)
    box_height = writer.room() / max(len(plots), 1) - 4
    for chart in plots:
        writer.image(chart.png, box_height)
        writer.pdf.ln(4)
    for chart in (c for c in content.charts if c.is_map):
        writer.pdf.add_page()
        writer.heading(chart.title, 13)
        writer.image(chart.png, writer.room() - 2)


def _table_pages(writer: _Writer, table: ReportTable) -> None:
    text = frame_text(table.frame)
    columns = [header(c) for c in text.columns]
    widths = _widths(writer.pdf, text, writer.width)
    chunks = [text.iloc[i : i + ROWS_PER_PAGE] for i in range(0, max(len(text), 1), ROWS_PER_PAGE)]
    for number, chunk in enumerate(chunks):
        writer.pdf.add_page()
        suffix = (
            t(" (continued, {page}/{pages})", page=number + 1, pages=len(chunks)) if number else ""
        )
        writer.heading(table.title + suffix, 12)
        if table.note and not number:
            writer.paragraph(table.note, 8)
        _header_row(writer.pdf, columns, widths)
        writer.pdf.set_font("Helvetica", "", 7.5)
        for row in chunk.itertuples(index=False):
            for value, width in zip(row, widths, strict=True):
                align = "R" if numeric_text(str(value)) else "L"
                writer.pdf.cell(
                    width, 6, _fit(writer.pdf, str(value), width), border=1, align=align
                )
            writer.pdf.ln(6)


def _header_row(pdf: Any, columns: list[str], widths: list[float]) -> None:
    from fpdf.enums import XPos, YPos

    pdf.set_font("Helvetica", "B", 7)
    pdf.set_fill_color(225, 230, 235)
    top = pdf.get_y()
    for column, width in zip(columns, widths, strict=True):
        left = pdf.get_x()
        pdf.rect(left, top, width, HEADER_HEIGHT, style="DF")
        pdf.multi_cell(width, 3.4, latin1(column), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_xy(left + width, top)
    pdf.set_xy(pdf.l_margin, top + HEADER_HEIGHT)


def _widths(pdf: Any, text: pd.DataFrame, width: float) -> list[float]:
    """Column widths in proportion to their longest text (header words count less)."""
    pdf.set_font("Helvetica", "", 7.5)
    wants = []
    for column in text.columns:
        longest = max([pdf.get_string_width(latin1(str(v))) for v in text[column]] or [0.0])
        words = latin1(str(column)).split()
        head = max(
            [pdf.get_string_width(w) for w in words] + [pdf.get_string_width(" ".join(words)) / 3]
        )
        wants.append(max(longest, head, 12.0) + 3)
    total = sum(wants)
    return [width * w / total for w in wants]


def _fit(pdf: Any, text: str, width: float) -> str:
    text = latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."
