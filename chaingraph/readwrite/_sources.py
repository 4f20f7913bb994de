"""Read one table from a file or DataFrame, with the row labels users see.

Every failure becomes a :class:`~chaingraph.exceptions.ChainDataError` naming the file:
a missing file, an unknown format, undecodable text, a broken workbook, an empty
sheet.
"""

from __future__ import annotations

import contextvars
import csv
import io
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._warnings import outside_stacklevel
from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.readwrite._headers import (
    HEADER_SCAN,
    UnitRow,
    is_header,
    title_and_unit,
    two_row_header,
    written_header,
)

__all__ = ["FORMATS", "RawTable", "detect_format", "read_csv_table", "read_excel_table",
           "read_parquet_table", "table_from_frame"]

#: File suffix -> format name.
FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "text",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
    ".parquet": "parquet", ".pq": "parquet", ".json": "json",
    ".graphml": "graphml", ".gexf": "gexf",
}
ENCODINGS = ("utf-8-sig", "gb18030")
#: CSV files at least this large are parsed with pyarrow when it is installed.
FAST_CSV_BYTES = 8 * 2**20
#: Set (by read_chain) to read CSV files with exact spreadsheet row numbers.
EXACT_ROWS: contextvars.ContextVar[bool] = contextvars.ContextVar("exact_rows",
                                                                  default=False)


@dataclass
class RawTable:
    """A table as read, with the user's column names and row labels."""

    frame: pd.DataFrame
    file: str | None
    rows: Any = None  # row label per positional row (None: positions)
    text: bool = False  # cells came from text (CSV) or a workbook: ids need str()
    schema: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    approximate: bool = False  # row labels may be off (blank lines skipped)
    header_row: int | None = None  # spreadsheet row of the header (files only)
    sheet: str | None = None  # workbook sheet it came from
    title: str | None = None  # text of a title row above the header
    unit_row: UnitRow | None = None  # a unit row above the header (单位：万元)
    dropped: list[tuple[Any, str, str]] = field(default_factory=list)  # row, kind, text
    own: bool = False  # written by write_chain: canonical columns, self-loops kept

    @property
    def unit(self) -> float | None:
        """The multiplier of the unit row's money unit (None: no such row or unit)."""
        return None if self.unit_row is None else self.unit_row.factor


def fail(message: str, file: str | None) -> ChainDataError:
    """A one-problem ChainDataError."""
    return ChainDataError([Problem(message, file)])


def detect_format(path: Path, format: str | None) -> str:
    """Format name from ``format`` or the suffix; a directory is a chain directory."""
    if format is not None:
        name = format.lower().lstrip(".")
        aliases = {"xlsx": "excel", "xls": "excel", "pq": "parquet", "tab": "tsv"}
        name = aliases.get(name, name)
        known = {*FORMATS.values(), "directory"}
        if name not in known:
            raise fail(f"unknown format {format!r} (expected one of "
                       f"{', '.join(sorted(known))})", path.name)
        return name
    if path.is_dir():
        return "directory"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and not path.exists():
        raise fail(f"file or directory not found: {path}", path.name or str(path))
    if fmt is None:
        raise fail(f"cannot tell the format of {path.name!r} from its suffix (known: "
                   f"{', '.join(sorted(FORMATS))}); pass format=...", path.name)
    return fmt


def table_from_frame(frame: pd.DataFrame, name: str) -> RawTable:
    """Wrap a user DataFrame (never modified); rows are named by its index labels."""
    if not isinstance(frame, pd.DataFrame):
        raise fail(f"expected a DataFrame or a path, got {type(frame).__name__}", name)
    return RawTable(frame.copy(deep=False), name, rows=frame.index.to_numpy())


def _finish(frame: pd.DataFrame, first_row: int, name: str,
            numbers: np.ndarray | None = None, *, keep: int = 0) -> RawTable:
    """Drop blank rows and unnamed blank columns (not the first ``keep`` columns: a
    sheet we wrote names them as written); label rows as in a spreadsheet."""
    if frame.shape[1] == 0:
        raise fail("the table is empty (expected a header row with column names)", name)
    unnamed = [c for j, c in enumerate(frame.columns)
               if j >= keep and str(c).startswith("Unnamed: ")]
    empty = [c for c in unnamed if frame[c].isna().all()]
    if empty:
        frame = frame.drop(columns=empty)
    rows = (numbers if numbers is not None and len(numbers) == len(frame)
            else np.arange(first_row, first_row + len(frame), dtype=np.int64))
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame, rows = frame[~blank].reset_index(drop=True), rows[~blank]
    return RawTable(frame, name, rows=rows, text=True)


def read_csv_table(path: Path, sep: str | None, name: str, *,
                   header_row: int | None = None, known: frozenset[str] = frozenset(),
                   written: bool = False) -> RawTable:
    """Read a delimited text file as strings: UTF-8 (with or without BOM), then GB18030.

    Large files are parsed with pyarrow (several times faster) unless
    :data:`EXACT_ROWS` is set; pyarrow skips blank lines, so its row numbers are
    approximate and :func:`~chaingraph.readwrite.read_chain` re-reads the files
    exactly before reporting any problem. ``written``: a file of a folder
    :func:`~chaingraph.readwrite.write_chain` wrote, whose first line is its only
    header row (no title, unit or second header row is looked for: a column named
    ``" "`` over text cells is not a header spanning two columns).
    """
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    for encoding in ENCODINGS:
        try:
            delimiter = sep if sep is not None else _sniff(path, encoding)
            skip, above = (0, []) if written else _csv_header(
                path, delimiter, encoding, header_row, known)
            two = None if written else _csv_two_rows(path, delimiter, encoding, skip)
            fast = None if skip or two else _read_csv_fast(path, delimiter, encoding, name)
            if fast is not None:
                return fast
            # a second header row is skipped; the names come from both rows
            frame = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False,
                                na_values=[""], skip_blank_lines=False,
                                encoding=encoding,
                                skiprows=[*range(skip), skip + 1] if two else skip)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise fail("the file is empty (expected a header row with column names)",
                       name) from None
        except (pd.errors.ParserError, ValueError, csv.Error, OSError) as err:
            raise _text_error(err, name) from None
        if two:
            header, described = two
            _warn_two_rows(name, described)
            frame.columns = _column_names(header, name)
        else:
            _note_duplicate_headers(path, delimiter, encoding, name, skip)
        table = _finish(frame, skip + 2 + bool(two), name)
        table.header_row = skip + 1
        table.title, table.unit_row = title_and_unit(above)
        return table
    raise fail("the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8",
               name)


def _text_error(err: Exception, name: str) -> ChainDataError:
    """The parser's error, with the row named when it says which line is ragged."""
    text = " ".join(str(err).split())
    if isinstance(err, OSError) and err.strerror:
        text = err.strerror
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if found:
        expected, line, saw = found.groups()
        return ChainDataError([Problem(
            f"this row has {saw} cells but the header has {expected} columns (a stray "
            "delimiter, or a cell with a comma that is not quoted)", name, int(line))])
    return fail(f"cannot read the file as delimited text: {text}", name)


def _note_duplicate_headers(path: Path, sep: str, encoding: str, name: str,
                            skip: int = 0) -> None:
    """Warn when two columns share a name (pandas renames the second ``name.1``).

    ``skip``: rows above the header (title, unit and blank rows).
    """
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=sep)
        for _ in range(skip):
            next(reader, None)
        header = next(reader, [])
    seen: dict[str, int] = {}
    for j, cell in enumerate(header, start=1):
        label = cell.strip()
        if label and label in seen:
            warnings.warn(
                f"{name}: columns {seen[label]} and {j} are both named {label!r}; the "
                f"second is read as {label + '.1'!r} (rename or drop one of them)",
                ChainDataWarning, stacklevel=4)
        seen.setdefault(label, j)


def _read_csv_fast(path: Path, sep: str, encoding: str, name: str) -> RawTable | None:
    """pyarrow's parser for large files (None: not applicable or it failed)."""
    if EXACT_ROWS.get() or path.stat().st_size < FAST_CSV_BYTES:
        return None
    try:
        import pyarrow  # noqa: F401

        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                            na_values=[""], encoding=encoding, engine="pyarrow")
    except UnicodeDecodeError:
        raise
    except Exception:  # ImportError, ArrowInvalid (ragged rows, newlines in cells)
        return None
    table = _finish(frame, 2, name)
    table.approximate = True
    return table


def _csv_header(path: Path, sep: str, encoding: str, header_row: int | None,
                known: frozenset[str]) -> tuple[int, list[list[str]]]:
    """Lines to skip before the header, and the non-blank lines above it."""
    if header_row is not None:
        skip = max(int(header_row) - 1, 0)
    else:
        with path.open(encoding=encoding, newline="") as handle:
            lines = []
            for cells in csv.reader(handle, delimiter=sep):
                lines.append(cells)
                if len(lines) > HEADER_SCAN:
                    break
        skip = 0
        for i, cells in enumerate(lines):
            if is_header(cells, known):
                skip = i
                break
            if sum(bool(c.strip()) for c in cells) > 3:  # a table row, not a title
                break
        if skip == 0:
            return 0, []
    with path.open(encoding=encoding, newline="") as handle:
        above = [cells for _, cells in zip(range(skip), csv.reader(handle, delimiter=sep),
                                           strict=False)]
    return skip, [c for c in above if any(x.strip() for x in c)]


def _csv_two_rows(path: Path, sep: str, encoding: str, skip: int
                  ) -> tuple[tuple[Any, ...], list[str]] | None:
    """:func:`~chaingraph.readwrite._headers.two_row_header` of the header line
    (after ``skip`` lines) and the line below it; None when that line is data."""
    with path.open(encoding=encoding, newline="") as handle:
        lines = [cells for _, cells in zip(range(skip + 2), csv.reader(
            handle, delimiter=sep), strict=False)][skip:]
    return two_row_header(lines[0], lines[1]) if len(lines) == 2 else None


def _warn_two_rows(name: str, described: list[str]) -> None:
    warnings.warn(f"{name}: two header rows; {'; '.join(described)} (choose another "
                  "column with columns=/--columns)", ChainDataWarning, stacklevel=outside_stacklevel())


def _column_names(header: Any, name: str) -> list[str]:
    """Column names of a header row, as pandas names them: ``Unnamed: j`` for a blank
    cell, ``name.1`` for a second column of one name (with a warning naming it)."""
    names, seen = [], {}
    for j, cell in enumerate(header):
        label = f"Unnamed: {j}" if _blank(cell) else str(cell).strip()
        count = seen.get(label, 0)
        if count and not _blank(cell):
            warnings.warn(f"{name}: two columns are both named {label!r} (column "
                          f"{j + 1} is read as {label + '.' + str(count)!r}); rename or "
                          "drop one of them", ChainDataWarning, stacklevel=outside_stacklevel())
        seen[label] = count + 1
        names.append(label if count == 0 else f"{label}.{count}")
    return names


def _sniff(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding) as handle:
        sample = handle.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _rows_to_table(rows: Any, name: str, header_row: int | None = None,
                   known: frozenset[str] = frozenset(),
                   written: Sequence[str] | None = None) -> RawTable:
    """Build a table from (row number, cells) pairs.

    The header is row ``header_row`` when given, else the first row whose cells are
    known headers (see :func:`~chaingraph.readwrite._headers.find_header`), else the
    first non-blank row. Rows above it give the title and a unit (单位：万元).
    ``written``: the columns of a sheet write_chain wrote; a header that reads as
    them is read as written (see
    :func:`~chaingraph.readwrite._headers.written_header`), one edited since is read as any other.
    """
    above: list[tuple[int, Any]] = []  # rows above the header (title, unit)
    pending: list[tuple[int, Any]] = []  # rows while no header is found yet
    header, first, numbers, data = None, 0, [], []
    scanned = 0
    for number, cells in rows:
        if header is not None:
            numbers.append(number)
            data.append(cells)
            continue
        nonblank = any(not _blank(c) for c in cells)
        if header_row is not None:
            if number == header_row:
                header, first = cells, number
            elif nonblank:
                above.append((number, cells))
            continue
        if not nonblank and not pending:
            continue
        if nonblank and is_header(cells, known):
            header, first, above = cells, number, pending
            continue
        pending.append((number, cells))
        scanned += nonblank
        wide = sum(not _blank(c) for c in cells) > 3  # a table row, not a title
        if scanned > HEADER_SCAN or wide:  # no known header: the first non-blank row
            (first, header), rest = pending[0], pending[1:]
            numbers, data = [n for n, _ in rest], [c for _, c in rest]
    if header is None and pending and header_row is None:
        (first, header), rest = pending[0], pending[1:]
        numbers, data = [n for n, _ in rest], [c for _, c in rest]
    if header is None:
        where = f" (no row {header_row})" if header_row is not None else ""
        raise fail(f"the sheet is empty{where} (expected a header row with column "
                   "names)", name)
    as_written = written_header(header, written)
    if (as_written is None and data
            and (two := two_row_header(header, data[0])) is not None):
        header, described = two
        numbers, data = numbers[1:], data[1:]
        _warn_two_rows(name, described)
    names = as_written if as_written is not None else _column_names(header, name)
    width = len(names)
    body = [tuple(row[:width]) + (None,) * (width - len(row)) for row in data]
    frame = pd.DataFrame(body, columns=names, dtype=object) if body else pd.DataFrame(
        {n: pd.Series([], dtype=object) for n in names})
    frame = frame.map(lambda v: None if _blank(v) else v)
    table = _finish(frame, first + 1, name, np.asarray(numbers, dtype=np.int64),
                    keep=0 if as_written is None else len(written or ()))
    table.header_row = first
    table.title, table.unit_row = title_and_unit([c for _, c in above if c is not header])
    return table


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def read_excel_table(path: Path, sheet: str | int | None, name: str,
                     role: str | None = None, *, header_row: int | None = None,
                     known: frozenset[str] = frozenset(), shown: str | None = None,
                     written: Sequence[str] | None = None) -> RawTable:
    """Read one sheet (by name, position, or ``None``: the first) of a workbook.

    ``header_row`` (a spreadsheet row number) skips header detection; ``known``
    adds column names (the user's mapping) that mark a header row; ``written``: the
    columns of a sheet write_chain wrote (see :func:`_rows_to_table`).
    """
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    sheets = excel_sheets(path, name, visible=sheet is None)
    label = _pick_sheet(sheets, sheet, name)
    if shown is None:
        shown = name if len(sheets) == 1 else f"{name}[{label}]"
    if path.suffix.lower() == ".xls":
        return _read_xls(path, label, shown, header_row, known)
    import openpyxl

    from chaingraph.readwrite._cells import note_merges, sheet_rows

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    merged: list[tuple[int, int, int]] = []
    try:
        table = _rows_to_table(sheet_rows(path, book, label, shown, merged), shown,
                               header_row, known, written)
        note_merges(merged, shown, int(table.rows[0]) if len(table.rows) else None)
        return table
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile,
            ET.ParseError) as err:
        if isinstance(err, ChainDataError):
            raise
        raise fail(f"cannot read the sheet {label!r} ({type(err).__name__}: {err}); "
                   "is the workbook damaged?", shown) from None
    finally:
        book.close()


#: How a file saved with an .xls name begins, by what it really is.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real .xls (Excel 97-2003)
_ZIP = b"PK\x03\x04"  # an .xlsx workbook


def _check_xls(path: Path, name: str) -> None:
    """An .xls file that is not an Excel 97-2003 workbook: say what it is (systems
    often export an .xlsx workbook, an HTML page or text under an .xls name)."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if not head:
        raise fail("the file is empty (expected an Excel workbook)", name)
    if head.startswith(_OLE2):
        return
    if head.startswith(_ZIP):
        raise fail("this .xls file is an .xlsx workbook (Excel 2007 and later) with "
                   "the wrong suffix: rename it to .xlsx", name)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise fail("this .xls file is a web page (HTML or XML), as some systems export "
                   "tables: open it in Excel and save it as .xlsx or CSV", name)
    raise fail("this .xls file is not an Excel workbook (it may be text: save it as "
               "CSV, or open it in Excel and save it as .xlsx)", name)


def excel_sheets(path: Path, name: str, *, visible: bool = True) -> list[str]:
    """Sheet names of a workbook (ChainDataError when it is not one).

    ``visible=True``: hidden sheets are left out, with a note.
    """
    if path.suffix.lower() == ".xls":
        _check_xls(path, name)
        try:
            return list(pd.ExcelFile(path, engine="xlrd").sheet_names)
        except ImportError:
            raise fail("reading .xls needs the xlrd package (pip install xlrd); or save "
                       "the workbook as .xlsx", name) from None
        except Exception as err:
            raise fail(f"cannot read the workbook: {err}", name) from None
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, InvalidFileException, KeyError, ...
        raise fail(f"cannot read the workbook ({type(err).__name__}: {err}); is it an "
                   ".xlsx file?", name) from None
    try:
        if visible:
            from chaingraph.readwrite._cells import visible_sheets

            return visible_sheets(book, name)
        return list(book.sheetnames)
    finally:
        book.close()


def _pick_sheet(sheets: list[str], sheet: str | int | None, name: str) -> str:
    if sheet is None:
        return sheets[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(sheets):
            return sheets[sheet]
    elif str(sheet) in sheets:
        return str(sheet)
    raise fail(f"no sheet {sheet!r} in the workbook (sheets: {', '.join(sheets)})", name)


def _read_xls(path: Path, label: str, shown: str, header_row: int | None,
              known: frozenset[str]) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=label, header=None, dtype=object,
                              engine="xlrd")
    except Exception as err:
        raise fail(f"cannot read the workbook: {err}", shown) from None
    rows = ((i + 1, tuple(r)) for i, r in enumerate(frame.itertuples(index=False)))
    return _rows_to_table(rows, shown, header_row, known)


def read_parquet_table(path: Path, name: str) -> RawTable:
    """Read a Parquet file (types as stored; rows are numbered from 0)."""
    if not path.exists():
        raise fail(f"file not found: {path}", name)
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise fail("reading Parquet needs pyarrow (pip install chaingraph[parquet])",
                   name) from None
    except Exception as err:  # pyarrow.ArrowInvalid, OSError, ...
        raise fail(f"cannot read the file as Parquet ({type(err).__name__}: {err})",
                   name) from None
    return RawTable(frame, name, rows=None)


def text_io(data: bytes) -> io.StringIO:
    """Decode bytes as UTF-8 (BOM allowed) or GB18030."""
    for encoding in ENCODINGS:
        try:
            return io.StringIO(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "neither UTF-8 nor GB18030")
