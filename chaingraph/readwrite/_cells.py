"""Cell-level reading of .xlsx sheets: merged cells, formulas without results, hidden sheets.

openpyxl in read-only mode gives the values of a sheet row by row. Three things in
real workbooks would otherwise be read silently wrong:

* a cell range merged down a column (``所属环节`` merged over its enterprises) holds
  its value in the first cell only: the value is filled down, with a note;
* a formula cell without a saved result (a workbook written by a program and never
  opened in Excel) has no value: it is read as its formula text, with a note naming
  the cells, so that an amount column reports the cell instead of a silent blank;
* a hidden sheet is not a sheet the user sees: it is skipped, with a note.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import column_index_from_string as column_index
from openpyxl.utils.cell import coordinate_from_string, get_column_letter

from chaingraph._warnings import outside_stacklevel
from chaingraph.exceptions import ChainDataWarning

__all__ = ["note_merges", "sheet_rows", "visible_sheets"]

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CHUNK = 1 << 20


def visible_sheets(book: Any, name: str) -> list[str]:
    """Names of the visible sheets (a note names the hidden ones skipped)."""
    states = {ws.title: getattr(ws, "sheet_state", "visible") for ws in book.worksheets}
    hidden = [s for s in book.sheetnames if states.get(s, "visible") != "visible"]
    shown = [s for s in book.sheetnames if s not in hidden]
    if hidden and shown:
        warnings.warn(f"{name}: hidden sheet(s) {', '.join(map(repr, hidden))} not read "
                      "(unhide a sheet, or pass sheet=..., to read it)",
                      ChainDataWarning, stacklevel=4)
        return shown
    return list(book.sheetnames)


def _scan(path: Path, member: str) -> tuple[list[tuple[bytes, bytes]], bool]:
    """Merged ranges and whether any formula is present, streaming the sheet's XML."""
    merges: list[tuple[bytes, bytes]] = []
    formulas, tail = False, b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                data = tail + chunk
                formulas = formulas or _FORMULA.search(data) is not None
                merges += _MERGE.findall(data)
                cut = data.rfind(b"<")
                tail = data[cut:] if cut >= 0 else b""
                merges = list(dict.fromkeys(merges))
    except (KeyError, OSError, zipfile.BadZipFile):
        return [], False
    return merges, formulas


def _ranges(merges: list[tuple[bytes, bytes]]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of ranges merged down one column (1-based)."""
    out = []
    for first, last in merges:
        (c1, r1), (c2, r2) = (coordinate_from_string(x.decode()) for x in (first, last))
        if c1 == c2 and r2 > r1:
            out.append((column_index(c1), r1, r2))
    return out


def sheet_rows(path: Path, book: Any, label: str, shown: str,
               merged: list[tuple[int, int, int]]
               ) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cell values) of one sheet, merged cells filled down, formulas noted.

    The ranges merged down a column are added to ``merged`` (column, first row, last
    row); :func:`note_merges` tells the user of those that reach the data."""
    sheet = book[label]
    member = getattr(sheet, "_worksheet_path", None)
    merges, formulas = _scan(path, member.lstrip("/")) if member else ([], False)
    fill = _ranges(merges)
    rows = sheet.iter_rows(values_only=True)
    if formulas:
        rows = _with_formulas(path, label, rows, shown)
    if not fill:
        yield from enumerate(rows, start=1)
        return
    merged.extend(fill)
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for column, first, last in fill:
        starts.setdefault(first, []).append((column, first, last))
    active: list[tuple[int, int, Any]] = []  # (column, last row, value)
    for number, cells in enumerate(rows, start=1):
        active = [a for a in active if a[1] >= number]
        if active:
            values = list(cells)
            for column, _, value in active:
                values += [None] * (column - len(values))
                values[column - 1] = value
            cells = tuple(values)
        for column, _, last in starts.get(number, []):
            value = cells[column - 1] if column <= len(cells) else None
            active.append((column, last, value))
        yield number, cells


def note_merges(merged: list[tuple[int, int, int]], shown: str, first_data: int | None
                ) -> None:
    """Warn of the cells merged down into data rows (row ``first_data`` on; None: no
    data rows): each is read as the value of its first cell. Merges within the
    header rows (a two-row header, a title) change no data and are not named."""
    if first_data is None:
        return
    ranges = [f"{get_column_letter(c)}{a}:{get_column_letter(c)}{b}" for c, a, b in merged
              if b >= first_data]
    if not ranges:
        return
    more = f" and {len(ranges) - 5} more" if len(ranges) > 5 else ""
    warnings.warn(f"{shown}: merged cells {', '.join(ranges[:5])}{more} are read as the "
                  "value of their first cell in every row they cover",
                  ChainDataWarning, stacklevel=outside_stacklevel())


def _with_formulas(path: Path, label: str, rows: Iterator[tuple[Any, ...]], shown: str
                   ) -> Iterator[tuple[Any, ...]]:
    """Rows where a formula without a saved result is replaced by its formula text."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    missing: list[str] = []
    try:
        source = book[label].iter_rows(values_only=True)
        for number, (values, texts) in enumerate(zip(rows, source, strict=False),
                                                  start=1):
            if any(v is None and isinstance(t, str) and t.startswith("=")
                   for v, t in zip(values, texts, strict=False)):
                cells = list(values)
                for j, (v, t) in enumerate(zip(values, texts, strict=False)):
                    if v is None and isinstance(t, str) and t.startswith("="):
                        cells[j] = t
                        missing.append(f"{get_column_letter(j + 1)}{number}")
                values = tuple(cells)
            yield values
    finally:
        book.close()
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        warnings.warn(
            f"{shown}: cells {', '.join(missing[:10])}{more} hold formulas without a "
            "saved result (the workbook was written by a program and never saved in "
            "Excel/WPS); they are read as their formula text: open and save the "
            "workbook in Excel or WPS, or paste values", ChainDataWarning, stacklevel=4)
