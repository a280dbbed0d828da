"""A report as one self-contained HTML page: inline style, charts as data URIs, no link."""

from __future__ import annotations

import base64
import html

import pandas as pd

from planner.i18n import get_language, t
from reports.content import ReportContent
from reports.layout import frame_text, header, numeric_text
from reports.sections import SYNTHETIC

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;
max-width:60em;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc}
.subtitle{color:#555;font-style:italic}.synthetic{color:#a00;font-weight:bold;
border:2px solid #a00;padding:.5em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}
td.n{text-align:right}th{background:#e1e6eb}img{max-width:100%;height:auto}
dl{display:grid;grid-template-columns:12em 1fr;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
"""

esc = html.escape


def render_html(content: ReportContent) -> str:
    """One self-contained page: inline style, charts as data URIs, no link to anything."""
    parts = _head(content) + _summary(content) + _figures(content)
    parts.append(f"<h2>{esc(t('What limits the plan'))}</h2>")
    parts.append(_list(content.binding or [t("Nothing binds.")]))
    for table in content.tables:
        if table.sheet == "Binding limits":
            continue
        parts.append(f"<h2>{esc(table.title)}</h2>")
        if table.note:
            parts.append(f"<p>{esc(table.note)}</p>")
        parts.append(_html_table(table.frame))
    parts.append(f"<h2>{esc(t('Caveats'))}</h2>")
    parts.append(_list(content.caveats))
    parts.append("</body></html>")
    return "\n".join(parts)


def _head(content: ReportContent) -> list[str]:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{get_language()}"><head><meta charset="utf-8">',
        f"<title>{esc(content.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(content.title)}</h1>",
        f'<p class="subtitle">{esc(content.subtitle)}</p>',
    ]
    parts += [
        f'<p class="synthetic">{esc(caveat)}</p>'
        for caveat in content.caveats
        if caveat.startswith(t(SYNTHETIC))
    ]
    return parts


def _summary(content: ReportContent) -> list[str]:
    return [
        f"<h2>{esc(t('The question'))}</h2><p>{esc(content.question)}</p>",
        f"<h2>{esc(t('Headline figures'))}</h2>",
        _list(content.headline),
        f"<h2>{esc(t('Assumptions'))}</h2><dl>",
        *[f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in content.assumptions],
        "</dl>",
    ]


def _figures(content: ReportContent) -> list[str]:
    if not content.charts:
        return []
    parts = [f"<h2>{esc(t('Charts and maps'))}</h2>"]
    for chart in content.charts:
        data = base64.b64encode(chart.png).decode("ascii")
        parts.append(
            f'<figure><img alt="{esc(chart.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(chart.title)}</figcaption></figure>"
        )
    return parts


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"


def _html_table(frame: pd.DataFrame) -> str:
    text = frame_text(frame)
    head = "".join(f"<th>{esc(header(c))}</th>" for c in text.columns)
    rows = []
    for row in text.itertuples(index=False):
        cells = "".join(
            f'<td class="n">{esc(v)}</td>' if numeric_text(v) else f"<td>{esc(v)}</td>"
            for v in map(str, row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
