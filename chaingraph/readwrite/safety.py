"""Safe output: atomic files, text that stays text, JSON without pandas' encoder.

Shared by every writer in chaingraph (chain files, report files, the CLI):

* :class:`atomic_path` - write to a temporary name beside the destination and rename
  it over the destination only when the write finished; on any exception (a full
  disk, ``KeyboardInterrupt``) the temporary file is removed and the previous file is
  untouched.
* :func:`neutralize_formula` - the OWASP CSV-injection rule for one-way outputs
  (reports, CSVs meant for Excel): text starting with ``=``, ``+``, ``-``, ``@``, tab
  or carriage return gets a leading ``'``.
* :func:`escape_text` / :func:`unescape_text` - a reversible form of the same rule for
  files chaingraph reads back (``write_chain``), which also escapes characters that
  XML and Excel cannot hold (control characters, lone surrogates) as ``_xHHHH_``.
* :func:`json_records` / :func:`json_dumps` - JSON from DataFrames with the standard
  :mod:`json` module (``DataFrame.to_json`` on pandas 3 string columns can crash the
  process when interrupted).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._arrow_text import arrow_text, is_text_dtype
from chaingraph._atomic import atomic_path

__all__ = [
    "FORMULA_START",
    "atomic_path",
    "escape_frame",
    "escape_text",
    "json_columns",
    "json_dumps",
    "json_plain",
    "json_records",
    "neutralize_formula",
    "number_kind",
    "staged_folder",
    "unescape_frame",
    "unescape_text",
    "write_workbook",
]

#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters XML 1.0 and Excel cannot hold (or normalise away), and our escape marker.
#: An ``_`` is escaped when ``x`` and four hex digits follow it, whatever comes
#: next: the character after them may be escaped itself, and its marker's ``_``
#: would close a marker (``"_x0000\r"`` became ``"_x0000_x000D_"``, read back as
#: ``"\x00x000D_"``).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\r\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4})")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")
#: What openpyxl refuses in a cell (IllegalCharacterError), plus lone surrogates.
_ILLEGAL_IN_SHEETS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class staged_folder:
    """Yield a hidden staging folder inside ``folder``; move what was written there
    into ``folder`` on success, file by file (each an atomic rename).

    For outputs of many files written into a folder that may hold other files (the
    portfolio's dossiers, the regions tables): on any exception, including
    ``KeyboardInterrupt``, the staging folder is removed and ``folder`` is left as
    it was, not half old and half new. A file that cannot be replaced at the end (a
    folder of its name; on Windows, a file open in Excel) puts back the files
    already replaced before the error is raised. Files already in ``folder`` that
    the run does not write stay.

    Parameters
    ----------
    folder : path
        The destination folder (created if needed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_folder(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a", encoding="utf-8")
    ...     (tmp / "sub").mkdir()
    ...     _ = (tmp / "sub" / "b.txt").write_text("b", encoding="utf-8")
    >>> sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    ['a.txt', 'sub', 'sub/b.txt']
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def __enter__(self) -> Path:
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"{self.folder}: exists and is not a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=".chaingraph-staging-", dir=self.folder))
        return self.tmp

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        import shutil

        try:
            if kind is None:
                self._move_in()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _move_in(self) -> None:
        """Move every staged file into place; if one cannot be (a folder of its name,
        a file open in Excel on Windows), put back the files already replaced and
        remove the new ones, then raise."""
        backup = self.tmp / ".previous"
        done: list[tuple[Path, Path | None]] = []  # (target, its previous file)
        files = sorted(p for p in self.tmp.rglob("*")
                       if p.is_file() and backup not in p.parents)
        for path in files:  # a folder in the way is never moved aside (nor lost)
            target = self.folder / path.relative_to(self.tmp)
            if target.is_dir() and not target.is_symlink():
                raise IsADirectoryError(f"{target}: a folder is in the way of the file")
        try:
            for path in files:
                target = self.folder / path.relative_to(self.tmp)
                target.parent.mkdir(parents=True, exist_ok=True)
                previous = None
                if target.exists() or target.is_symlink():
                    previous = backup / path.relative_to(self.tmp)
                    previous.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, previous)  # fails first for an open file
                done.append((target, previous))
                os.replace(path, target)
        except BaseException:
            for target, previous in reversed(done):
                try:
                    if previous is not None and (previous.exists() or previous.is_symlink()):
                        os.replace(previous, target)
                    elif previous is None:
                        target.unlink(missing_ok=True)
                except OSError:  # pragma: no cover - the disk itself failed
                    pass
            raise


def neutralize_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading ``'``.

    Non-text values are returned unchanged.

    Examples
    --------
    >>> neutralize_formula('=HYPERLINK("http://evil.example","x")')
    '\\'=HYPERLINK("http://evil.example","x")'
    >>> neutralize_formula("宁德材料"), neutralize_formula(-5)
    ('宁德材料', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _escape_char(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def escape_text(value: Any, *, formulas: bool = False) -> Any:
    """Reversible safe form of a text cell (see :func:`unescape_text`).

    Characters XML and Excel cannot hold become ``_xHHHH_`` (an ``_`` followed by
    ``x`` and four hex digits becomes ``_x005F_``, so that no marker is read where
    there was none); with ``formulas=True`` text starting
    with a formula character or ``'`` also gets a leading ``'``.

    Examples
    --------
    >>> escape_text("a\\x01b"), escape_text("=1+1", formulas=True)
    ('a_x0001_b', "'=1+1")
    >>> unescape_text(escape_text("_x0041_ \\x00", formulas=True), formulas=True)
    '_x0041_ \\x00'
    """
    if not isinstance(value, str):
        return value
    text = _UNSAFE.sub(_escape_char, value)
    if formulas and text.startswith((*FORMULA_START, "'")):
        text = "'" + text
    return text


def unescape_text(value: Any, *, formulas: bool = False) -> Any:
    """Invert :func:`escape_text` (same ``formulas``)."""
    if not isinstance(value, str):
        return value
    if formulas and value.startswith("'"):
        value = value[1:]
    if "_x" in value:
        value = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def _text_columns(frame: pd.DataFrame) -> Iterable[Any]:
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_object_dtype(dtype) or is_text_dtype(dtype):
            yield col


def _text_hits(series: pd.Series, pattern: str, arrow_pattern: str) -> np.ndarray | None:
    """Mask of the text cells in which ``pattern`` matches (None: no text column).

    A pyarrow-backed column, and an object column of text (or None) only, is
    searched by Arrow's RE2 with ``arrow_pattern``, which must match the same cells:
    pandas hands a pattern RE2 cannot run (a lookahead), and any pattern on Python
    objects, to Python's ``re``, one cell at a time (7 of 8 s of ``write_chain`` at a
    million enterprises). Arrow text is valid UTF-8, so it holds no lone surrogates
    (an object column holding one keeps the cell-by-cell search).
    """
    arrow = arrow_text(series)
    if arrow is not None:
        import pyarrow.compute as pc

        hit = pc.match_substring_regex(arrow, arrow_pattern).fill_null(False)
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    try:
        return series.str.contains(pattern, regex=True, na=False).to_numpy(
            dtype=bool, na_value=False)
    except (AttributeError, TypeError):
        return None  # no text in this column


def _map_text(frame: pd.DataFrame, function: Any, pattern: str,
              arrow_pattern: str | None = None) -> pd.DataFrame:
    """Apply ``function`` to the text cells matching ``pattern`` (vectorised search;
    ``arrow_pattern``: the same pattern in RE2's syntax, default ``pattern``)."""
    out = frame.copy()
    for col in _text_columns(frame):
        series = out[col]
        hit = _text_hits(series, pattern, arrow_pattern or pattern)
        if hit is not None and hit.any():
            values = series.to_numpy(dtype=object, copy=True)
            values[hit] = [function(v) if isinstance(v, str) else v for v in values[hit]]
            out[col] = pd.Series(values, index=series.index, dtype=series.dtype)
    out.columns = [function(c) if isinstance(c, str) else c for c in frame.columns]
    return out


_FORMULA_PATTERN = "^[=+\\-@\t\r']"
#: :data:`_UNSAFE` in RE2's syntax, for Arrow text (no lookahead: the ``_`` matches
#: with what follows it; no surrogates, which UTF-8 cannot hold).
_UNSAFE_RE2 = r"[\x00-\x08\x0b\x0c\r\x0e-\x1f\x7f\x{FFFE}\x{FFFF}]|_x[0-9A-Fa-f]{4}"


def escape_frame(frame: pd.DataFrame, *, formulas: bool = False) -> pd.DataFrame:
    """A copy with every text cell and column name passed through :func:`escape_text`."""
    extra = "|" + _FORMULA_PATTERN if formulas else ""
    return _map_text(frame, lambda v: escape_text(v, formulas=formulas),
                     _UNSAFE.pattern + extra, _UNSAFE_RE2 + extra)


def unescape_frame(frame: pd.DataFrame, *, formulas: bool = False) -> pd.DataFrame:
    """A copy with every text cell and column name passed through :func:`unescape_text`."""
    pattern = "_x[0-9A-Fa-f]{4}_" + ("|^'" if formulas else "")
    return _map_text(frame, lambda v: unescape_text(v, formulas=formulas), pattern)


def json_plain(value: Any) -> Any:
    """A value as plain JSON: numpy scalars unwrapped, missing and non-finite -> None.

    Timestamps become ISO 8601 text; anything else not JSON-native becomes ``str``.

    Examples
    --------
    >>> json_plain(np.float64(2.5)), json_plain(float("nan")), json_plain(pd.NA)
    (2.5, None, None)
    >>> json_plain(pd.Timestamp("2024-01-02"))
    '2024-01-02T00:00:00'
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else str(value)
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_plain(v) for v in value.tolist()]
    return str(value)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as a list of ``{column: plain value}`` (no ``to_json``).

    Examples
    --------
    >>> json_records(pd.DataFrame({"id": ["a"], "x": [np.nan]}))
    [{'id': 'a', 'x': None}]
    """
    cols, columns = json_columns(frame)
    return [dict(zip(cols, values, strict=True)) for values in zip(*columns, strict=True)
            ] if columns else [{} for _ in range(len(frame))]


def json_columns(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """The column names as text and each column's :func:`json_plain` values: what
    :func:`json_records` puts in its records, column by column.

    Examples
    --------
    >>> json_columns(pd.DataFrame({"id": ["a"], 2: [np.nan]}))
    (['id', '2'], [['a'], [None]])
    """
    return ([str(c) for c in frame.columns],
            [_plain_column(frame.iloc[:, j]) for j in range(frame.shape[1])])


def number_kind(values: pd.Series) -> str | None:
    """numpy's kind letter (``"b"``, ``"i"``, ``"u"``, ``"f"``) of a column of numpy
    bools or numbers of up to 64 bits, whose ``tolist()`` gives Python bools, ints
    and floats; None for any other column (a long double is not a Python float), which
    writers convert value by value.

    Examples
    --------
    >>> number_kind(pd.Series([1.5])), number_kind(pd.Series([1], dtype="Int64"))
    ('f', None)
    """
    dtype = values.dtype
    return dtype.kind if (isinstance(dtype, np.dtype) and dtype.itemsize <= 8
                          and dtype.kind in "biuf") else None


def _plain_column(values: pd.Series) -> list[Any]:
    """:func:`json_plain` of each value: a numpy number or bool column at once
    (:func:`number_kind`)."""
    kind = number_kind(values)
    if kind in ("i", "u", "b"):
        return values.to_numpy().tolist()
    if kind == "f":
        array = values.to_numpy()
        plain = array.tolist()
        for i in np.flatnonzero(~np.isfinite(array)).tolist():
            plain[i] = None
        return plain
    return [json_plain(v) for v in values.to_numpy(dtype=object)]


def json_dumps(data: Any, *, indent: int | None = None) -> str:
    """``json.dumps`` of plain data: non-ASCII kept readable, lone surrogates escaped.

    Examples
    --------
    >>> json_dumps({"名称": "宁德", "x": np.int64(3)})
    '{"名称": "宁德", "x": 3}'
    """
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=json_plain,
                      allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only \\u escapes can carry them
        text = json.dumps(data, ensure_ascii=True, indent=indent, default=json_plain,
                          allow_nan=False)
    return text


def write_workbook(path: str | os.PathLike, sheets: dict[str, pd.DataFrame]) -> None:
    """Write DataFrames as sheets; every text cell is a string cell, never a formula.

    Characters a worksheet cannot hold (control characters) are written as
    ``_xHHHH_``; missing and non-finite numbers are written as blank cells. Write to
    an :class:`atomic_path`. For report workbooks as well as chain files.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_workbook(path, {"t": pd.DataFrame({"name": ["=1+1", "a\x01"]})})
    >>> cells = openpyxl.load_workbook(path)["t"]["A"]
    >>> [(c.value, c.data_type) for c in cells]
    [('name', 's'), ('=1+1', 's'), ('a_x0001_', 's')]
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(name)

        def cell(value: Any, sheet: Any = sheet) -> Any:
            if value is None or value is pd.NA or value is pd.NaT:
                return None
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, str):
                if _ILLEGAL_IN_SHEETS.search(value):
                    value = _ILLEGAL_IN_SHEETS.sub(_escape_char, value)
                text = WriteOnlyCell(sheet, value=None)
                text.value, text.data_type = value, "s"
                return text
            return value

        sheet.append([cell(str(c)) for c in frame.columns])
        columns = [frame.iloc[:, j].to_numpy(dtype=object)
                   for j in range(frame.shape[1])]
        for i in range(len(frame)):
            sheet.append([cell(c[i]) for c in columns])
    book.save(path)
