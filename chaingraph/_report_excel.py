"""report.xlsx: one formatted sheet per table, key findings first (private).

Values stay numeric with Excel number formats (amounts in 万元 with separators, shares
as percentages), every sheet has a frozen header row, a filter and column widths, and
text from the input data is always written as a string cell: a name such as
``=HYPERLINK(...)`` stays text, never a live formula. Each table holds its first
``rows`` rows; the summary sheet states every table's total.

The workbook is written by :class:`_Book`, a small SpreadsheetML writer (shared
strings, one styles part, frozen header, filter, widths): openpyxl's per-cell objects
cost about 100 microseconds a cell, which made a 14-sheet report take seconds.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_render import section_title, shown_sections, summary_rows
from chaingraph._report_text import MONEY, SHARES, missing, yuan_per_unit
from chaingraph.labels import label
from chaingraph.readwrite.safety import number_kind

__all__ = ["EXCEL_MAX_ROWS", "excel_bytes"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Fonts, number formats and the cell styles _HEADER.._DECIMAL (bold header; 万元
#: with separators; percent; integer; three decimals).
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}"><numFmts count="3">'
    '<numFmt numFmtId="164" formatCode="#,##0.0"/><numFmt numFmtId="165" '
    'formatCode="0.0%"/><numFmt numFmtId="166" formatCode="0.000"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    + "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0" '
              'applyNumberFormat="1"/>' for i in (164, 165, 3, 166))
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')

#: Data rows per Excel sheet at most (1,048,576 rows minus the header).
EXCEL_MAX_ROWS = 1_048_575
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INTEGER = frozenset({"rank", "tier", "n_enterprises", "n_elements", "n_final_cut",
                      "local_suppliers", "segment_rank", "n_focal", "n_links",
                      "chain_length_gain", "links_repaired", "input_links"})


#: Cell styles (indices into styles.xml's cellXfs, see :data:`_STYLES`).
_HEADER, _MONEY, _SHARE, _COUNT, _DECIMAL = 1, 2, 3, 4, 5


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
           ) -> tuple[list[list[Any]], list[list[Any]]]:
    """Row values as written (numbers scaled, None when missing; text cleaned),
    and the same values by column."""
    columns = [_column_cells(frame.iloc[:, j], div, lang)
               for j, div in enumerate(divisors)]
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else [
        [] for _ in range(len(frame))]
    return rows, columns


def _column_cells(values: pd.Series, div: float, lang: str) -> list[Any]:
    """One column's cells: a numpy number column at once (the values of
    :func:`_cell`), anything else value by value."""
    kind = number_kind(values)
    if kind not in ("f", "i", "u"):  # bools are written as words
        cells = values.tolist()
        if all(type(v) is str or v is None or (type(v) is float and v != v)
               for v in cells) and not _ILLEGAL.search(
                   "".join([v for v in cells if type(v) is str])):
            # text and missing cells only, no character to replace: _cell's values
            # without a call per cell
            return [v if type(v) is str else None for v in cells]
        return [_cell(value, div, lang) for value in cells]
    raw = values.to_numpy(dtype=np.float64)  # float(value), per value
    with np.errstate(over="ignore"):  # inf once scaled stays inf, as in _cell
        number = raw / div
    whole = np.isfinite(number) & (np.floor(number) == number) & (np.abs(number) < 2**53)
    cells = number.tolist()
    for i in np.flatnonzero(~np.isfinite(raw)).tolist():  # missing (NaN, inf): blank
        cells[i] = None
    for i in np.flatnonzero(whole).tolist():
        cells[i] = int(cells[i])
    return cells


def _cell(value: Any, div: float, lang: str) -> Any:
    """A value as written: a number scaled (None when missing), text cleaned."""
    if isinstance(value, (bool, np.bool_)):
        value = ("是" if value else "否") if lang == "zh" else (
            "yes" if value else "no")
    if missing(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value) / div
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return _text(value)


#: Characters drawn two columns wide (CJK and beyond, U+2E80 on).
_WIDE = re.compile("[\u2e80-\U0010ffff]")


def _width(value: Any) -> int:
    """Display width of a cell in columns (wide characters count 2; first 60)."""
    if isinstance(value, str):
        text = value[:60]
        return len(text) + 2 if text.isascii() else len(text) + len(
            _WIDE.findall(text)) + 2
    return len(f"{value:,.1f}") + 2 if isinstance(value, (int, float)) else 0


def _column_width(header: str, cells: list[Any]) -> int:
    """``min(60, max(6, _width(header), _width(cell) for every cell))``.

    Each distinct text is measured once, and the scan stops once a cell reaches
    60. Of the numbers only the largest and the smallest are formatted: the width
    of ``f"{v:,.1f}"`` grows with ``v`` from 0 up and with ``-v`` below it.
    """
    best = max(6, _width(header))
    seen: set[str] = set()
    high = low = None
    for value in cells:
        if best >= 60:
            return 60
        if isinstance(value, str):
            if value not in seen:
                seen.add(value)
                best = max(best, _width(value))
        elif isinstance(value, (int, float)) and math.isfinite(value):
            # inf, -inf and nan print as at most 6 columns: never wider than the least
            if high is None or value > high:
                high = value
            if low is None or value < low:
                low = value
    for value in (high, low):
        if value is not None:
            best = max(best, _width(value))
    return min(60, best)


def _column_letter(j: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _quoted(sheet: str) -> str:
    """A sheet name as a formula reference: 'name' with quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:D11 -> $A$1:$D$11."""
    return re.sub(r"([A-Z]+)([0-9]+)", r"$\1$\2", ref)


class _Book:
    """A minimal write-only workbook: shared strings, styles, frozen header, filter.

    Text is always a shared-string cell (``t="s"``), so nothing from the data can
    become a formula; numbers are ``<v>`` values with a number-format style. The
    parts are the ones openpyxl writes, in the same order, without its per-cell
    objects (about 1 microsecond per cell instead of 100). Deterministic: fixed
    zip timestamps, no creation date.
    """

    def __init__(self) -> None:
        self.sheets: list[tuple[str, str, str | None]] = []  # name, xml, filter
        self.strings: dict[str, int] = {}

    def _string(self, text: str) -> int:
        index = self.strings.get(text)
        if index is None:
            index = self.strings[text] = len(self.strings)
        return index

    def add_sheet(self, name: str, headers: list[str], rows: list[list[Any]],
                  styles: list[int], widths: list[int], note: str | None) -> None:
        letters = [_column_letter(j) for j in range(1, len(headers) + 1)]
        out = [f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
        last = len(rows) + 1 + (2 if note else 0)
        out.append(f'<dimension ref="A1:{letters[-1] if letters else "A"}{last}"/>')
        out.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
                   'topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection '
                   'pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                   '<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            out.append("<cols>" + "".join(
                f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>'
                for j, w in enumerate(widths, start=1)) + "</cols>")
        out.append("<sheetData>")
        string = self._string
        out.append('<row r="1">' + "".join(
            f'<c r="{c}1" s="{_HEADER}" t="s"><v>{string(h)}</v></c>'
            for c, h in zip(letters, headers, strict=True)) + "</row>")
        for r, row in enumerate(rows, start=2):
            cells = []
            for c, value, style in zip(letters, row, styles, strict=True):
                if value is None or value == "":  # an empty cell, as openpyxl reads it
                    continue
                if isinstance(value, str):  # text stays text: never a formula
                    cells.append(f'<c r="{c}{r}" t="s"><v>{string(value)}</v></c>')
                else:
                    cells.append(f'<c r="{c}{r}" s="{style}"><v>{value!r}</v></c>')
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
        if note:
            r = len(rows) + 3  # after one empty row
            out.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{string(note)}</v></c></row>')
        out.append("</sheetData>")
        ref = f"A1:{letters[-1]}{max(1, len(rows) + 1)}" if letters else None
        if ref:
            out.append(f'<autoFilter ref="{ref}"/>')
        out.append("</worksheet>")
        taken, base, k = {n for n, _, _ in self.sheets}, name, 1
        while name in taken:  # unique sheet names, as openpyxl would make them
            name, k = f"{base[:31 - len(str(k))]}{k}", k + 1
        self.sheets.append((name, "".join(out), ref))

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (name, _, _) in enumerate(self.sheets, start=1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_escape(_quoted(name))}!{_absolute(ref)}</definedName>"
            for i, (name, _, ref) in enumerate(self.sheets) if ref)
        return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
                '<bookViews><workbookView activeTab="0"/></bookViews>'
                f"<sheets>{sheets}</sheets>"
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

    def to_bytes(self) -> bytes:
        n = len(self.sheets)
        strings = "".join(f'<si><t xml:space="preserve">{_escape(t)}</t></si>'
                          for t in self.strings)
        parts = {
            "[Content_Types].xml": (
                f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                f'ContentType="{_CT}.sheet.main+xml"/>'
                + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                          f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
                + f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" '
                f'ContentType="{_CT}.sharedStrings+xml"/></Types>'),
            "_rels/.rels": (
                f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": (
                f'{_HEAD}<Relationships xmlns="{_PKG}">'
                + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                          f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
                + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" '
                'Target="styles.xml"/>'
                f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" '
                'Target="sharedStrings.xml"/></Relationships>'),
            "xl/styles.xml": _STYLES,
            "xl/sharedStrings.xml": (
                f'{_HEAD}<sst xmlns="{_MAIN}" uniqueCount="{len(self.strings)}">'
                f"{strings}</sst>"),
            **{f"xl/worksheets/sheet{i}.xml": xml
               for i, (_, xml, _) in enumerate(self.sheets, start=1)},
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, text in parts.items():
                info = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"))
        return buffer.getvalue()


def _write_sheet(book: _Book, name: str, frame: pd.DataFrame, lang: str, unit: Any,
                 note: str | None = None) -> None:
    headers, divisors, styles = [], [], []
    for column in frame.columns:
        if column in MONEY:
            head, div = _money_header(column, lang, unit)
        else:
            head, div = label("columns", column, lang), 1.0
        headers.append(_text(head))
        divisors.append(div)
        styles.append(_MONEY if column in MONEY else _SHARE if column in SHARES else
                      _COUNT if column in _INTEGER else _DECIMAL)
    rows, columns = _cells(frame, divisors, lang)
    widths = [_column_width(h, column) for h, column in zip(headers, columns, strict=True)]
    book.add_sheet(name[:31], headers, rows, styles, widths, note and _text(note))


def excel_bytes(report: Any, rows: int, lang: str, files: dict[str, str] | None = None
                ) -> bytes:
    """The workbook, built in memory (an interruption leaves no file)."""
    names = report.names(lang)
    rows = min(rows, EXCEL_MAX_ROWS)
    book = _Book()
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
    for section, _ in shown_sections(report):
        shown = report.shown_table(section, lang=lang, rows=rows)
        _write_sheet(book, label("sheets", section, lang), shown, lang, names.unit)
    return book.to_bytes()
