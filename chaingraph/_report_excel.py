"""report.xlsx: one formatted sheet per table, key findings first (private).

Values stay numeric with Excel number formats (amounts in 万元 with separators, shares
as percentages), every sheet has a frozen header row, a filter and column widths, and
text from the input data is always written as a string cell: a name such as
``=HYPERLINK(...)`` stays text, never a live formula. Each table holds its first
``rows`` rows; the summary sheet states every table's total.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_explain import display_frame
from chaingraph._report_render import section_title, shown_sections, summary_rows
from chaingraph._report_text import MONEY, SHARES, missing, yuan_per_unit
from chaingraph.labels import label

__all__ = ["EXCEL_MAX_ROWS", "excel_bytes"]

#: Data rows per Excel sheet at most (1,048,576 rows minus the header).
EXCEL_MAX_ROWS = 1_048_575
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INTEGER = frozenset({"rank", "tier", "n_enterprises", "n_elements", "n_final_cut",
                      "local_suppliers", "segment_rank", "n_focal", "n_links",
                      "chain_length_gain", "links_repaired"})


def _text(value: Any) -> str:
    return _ILLEGAL.sub("\ufffd", str(value))


def _money_header(column: str, lang: str, unit: Any) -> tuple[str, float]:
    """Header and divisor: yuan amounts are shown in 万元."""
    head = label("columns", column, lang)
    scale = yuan_per_unit(unit)
    if scale is None:
        return f"{head}（{unit}）" if lang == "zh" else f"{head} ({unit})", 1.0
    return (f"{head}（万元）" if lang == "zh" else f"{head} (万元, 10k yuan)"), 1e4 / scale


def _cells(frame: pd.DataFrame, divisors: list[float], lang: str
           ) -> list[list[Any]]:
    """Row values as written: numbers scaled (None when missing), text cleaned."""
    rows = []
    for row in frame.itertuples(index=False):
        out = []
        for value, div in zip(row, divisors, strict=True):
            if isinstance(value, (bool, np.bool_)):
                value = ("是" if value else "否") if lang == "zh" else (
                    "yes" if value else "no")
            if missing(value):
                out.append(None)
            elif isinstance(value, (int, float, np.integer, np.floating)):
                number = float(value) / div
                out.append(int(number) if number.is_integer() and abs(number) < 2**53
                           else number)
            else:
                out.append(_text(value))
        rows.append(out)
    return rows


def _width(value: Any) -> int:
    if isinstance(value, str):
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in value[:60]) + 2
    return len(f"{value:,.1f}") + 2 if isinstance(value, (int, float)) else 0


def _write_sheet(book: Any, name: str, frame: pd.DataFrame, lang: str, unit: Any,
                 note: str | None = None) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title=name[:31])
    headers, divisors, formats = [], [], []
    for column in frame.columns:
        if column in MONEY:
            head, div = _money_header(column, lang, unit)
        else:
            head, div = label("columns", column, lang), 1.0
        headers.append(_text(head))
        divisors.append(div)
        formats.append("#,##0.0" if column in MONEY else "0.0%" if column in SHARES else
                       "#,##0" if column in _INTEGER else "0.000")
    rows = _cells(frame, divisors, lang)
    widths = [max([6, _width(h), *(_width(r[j]) for r in rows)]) for j, h in
              enumerate(headers)]
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(60, width)
    sheet.freeze_panes = "A2"
    if headers:
        last = get_column_letter(len(headers))
        sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    bold = Font(bold=True)
    head_cells = []
    for head in headers:
        cell = WriteOnlyCell(sheet, value=head)
        cell.data_type = "s"
        cell.font = bold
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in rows:
        cells = []
        for value, fmt in zip(row, formats, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: never a formula
            elif value is not None:
                cell.number_format = fmt
            cells.append(cell)
        sheet.append(cells)
    if note:
        sheet.append([])
        cell = WriteOnlyCell(sheet, value=_text(note))
        cell.data_type = "s"
        sheet.append([cell])


def excel_bytes(report: Any, rows: int, lang: str, files: dict[str, str] | None = None
                ) -> bytes:
    """The workbook, built in memory (an interruption leaves no file)."""
    from openpyxl import Workbook

    names = report.names(lang)
    rows = min(rows, EXCEL_MAX_ROWS)
    book = Workbook(write_only=True)
    findings = report.key_findings_in(lang)[["rank", "category_label", "kind_label",
                                             "explanation"]]
    findings = findings.rename(columns={"category_label": "category",
                                        "kind_label": "kind"})
    _write_sheet(book, label("sheets", "key_findings", lang), findings, lang, names.unit,
                 note=section_title("ranking_rule", lang)[0])
    summary = pd.DataFrame(summary_rows(report, names), columns=["key", "value"])
    notes = []
    for section, table in shown_sections(report):
        if len(table) > rows:
            file = (files or {}).get(section)
            where = f"{file}" if file else ("完整表" if lang == "zh" else "the full table")
            notes.append((label("sheets", section, lang), (
                f"前 {rows:,} 行，共 {len(table):,} 行；完整表见 {where}" if lang == "zh"
                else f"first {rows:,} of {len(table):,} rows; all rows in {where}")))
    summary = pd.concat([summary, pd.DataFrame(notes, columns=["key", "value"])],
                        ignore_index=True)
    _write_sheet(book, label("sheets", "summary", lang), summary, lang, names.unit)
    for section, table in shown_sections(report):
        shown = display_frame(table, section, names, rows)
        _write_sheet(book, label("sheets", section, lang), shown, lang, names.unit)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
