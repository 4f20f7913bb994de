"""Read input-output tables in the layouts statistical offices publish.

A published table is one sheet: title and unit rows, a header row of column labels
(sectors, then final-demand categories, then total output), a label column of row
labels (sectors, then primary inputs, then total input), numbers in between. The
reader finds the sectors as the labels that appear **both** as a row label and as a
column label (never a total label); see :func:`read_io_table` for the rules.

Long module (about 520 lines): one reader for the published layouts, whose label rules (totals, codes beside names, suppressed cells, two-level headers) belong together.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.iotable import DEFAULT_BALANCE_TOLERANCE, IOTable

__all__ = ["SUPPRESSED", "TOTAL_LABELS", "io_table_from_grid", "io_table_from_pymrio",
           "read_io_table"]

#: Labels that name a total, never a sector (compared case-insensitively, spaces
#: collapsed). As a column: gross output; as a row: gross input.
TOTAL_LABELS = frozenset({"总产出", "总投入", "总产品", "合计", "总计", "total output",
                          "total input", "output", "input", "total", "x",
                          "gross output", "gross input"})
#: Cell values that mark a suppressed (confidential or unavailable) number; read as 0
#: with a warning naming the cells.
SUPPRESSED = frozenset({"...", "…", "……", "(d)", "—", "——", "–", "-", "--", ":",
                        "(x)", "(s)", "(z)", "*"})
_SUBTOTAL = re.compile(r"(合计|小计|总计|^total\b|\btotal$)", re.I)
_IMPORTS = re.compile(r"^(进口|imports?)$", re.I)
_SEARCH_ROWS, _SEARCH_COLS = 40, 4


def _norm(value: Any) -> str | None:
    """A label as text, or None for a blank cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = " ".join(str(value).split())
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text or None


def _is_total(label: str | None) -> bool:
    return label is not None and label.lower() in TOTAL_LABELS


def _is_subtotal(label: str | None) -> bool:
    return label is not None and not _is_total(label) and bool(_SUBTOTAL.search(label))


def _number(value: Any) -> float | None:
    """A cell as a float; None when it is not a number (text or a marker)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, bool):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    try:
        return float(text)
    except ValueError:
        return None


def _read_grid(path: Path, sheet: Any) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            return pd.read_excel(path, sheet_name=0 if sheet is None else sheet,
                                 header=None, dtype=object)
        except ValueError as error:
            raise ChainDataError(Problem(f"cannot read sheet {sheet!r}: {error}",
                                         path.name)) from None
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ChainDataError(Problem("cannot decode the file (UTF-8 or GBK)", path.name))
    dialect = "excel-tab" if suffix in (".tsv", ".tab") else "excel"
    rows = list(csv.reader(text.splitlines(), dialect=dialect))
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)


def read_io_table(path: str | Path, /, *, sheet: Any = None, regions: bool | None = None,
                  satellites: Iterable[str] = (), tolerance: float =
                  DEFAULT_BALANCE_TOLERANCE, unbalanced: str = "error") -> IOTable:
    """Read an input-output table from CSV or Excel in a published layout.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.tsv`` (UTF-8 or GBK) or ``.xlsx``/``.xls``.
    sheet : str or int, optional
        Excel sheet (default: the first).
    regions : bool, optional
        Multi-regional layout (two header rows, two label columns: region, sector).
        Default: detected.
    satellites : iterable of str
        Row labels below the sectors that are satellite accounts (employment,
        emissions), not primary inputs.
    tolerance, unbalanced
        Balance checks, as for :class:`~chaingraph.iotable.IOTable`.

    Returns
    -------
    IOTable

    Raises
    ------
    ChainDataError
        No sectors found, duplicate sectors, text in a number cell, numbers without
        a label, an unbalanced table (naming file, row and column).

    Notes
    -----
    The layout rules:

    * rows above the header (title, unit) are skipped: the header row and label
      column are the pair whose labels match most;
    * **sectors** are the labels found both as row labels and as column labels, in
      row order, except :data:`TOTAL_LABELS` (总产出, 总投入, 合计, total, x ...);
    * other columns are final-demand categories, except the total column (gross
      output) and subtotals (labels with 合计/小计/total, e.g. 最终使用合计), which
      are dropped; other rows are primary inputs (增加值, imports ...), except the
      total row (gross input, checked against gross output) and subtotals;
    * two label columns whose first holds codes and second names (or two header
      rows): the first is the sector label, the second its name (``table.names``);
    * two header rows and two label columns whose first repeats (regions, merged
      cells filled forward): a multi-regional table, sectors ``(region, sector)``;
    * cells in :data:`SUPPRESSED` (``...``, ``(D)``, ``—``) are 0, with a warning
      naming them; blank cells are 0;
    * with no total column, gross output is ``Z 1 + Y 1``; an imports column (进口)
      printed as positive numbers is subtracted when that (and only that) balances
      the table, with a warning.

    Examples
    --------
    >>> from chaingraph.readwrite.iotables import read_io_table
    >>> table = read_io_table(cg.datasets.example_io_table_path())
    >>> table
    <IOTable: 6 sectors, 5 final-demand columns>
    >>> table.sectors.tolist()
    ['农业', '采矿业', '制造业', '电力热力', '建筑业', '服务业']
    """
    path = Path(path)
    if not path.exists():
        raise ChainDataError(Problem("file not found", str(path)))
    grid = _read_grid(path, sheet)
    name = path.name if sheet is None else f"{path.name}, sheet {sheet!r}"
    return io_table_from_grid(grid, file=name, regions=regions, satellites=satellites,
                              tolerance=tolerance, unbalanced=unbalanced)


def _labels(cells: Iterable[Any]) -> list[str | None]:
    return [_norm(v) for v in cells]


def _ffill(labels: list[str | None]) -> list[str | None]:
    out, last = [], None
    for v in labels:
        last = v if v is not None else last
        out.append(last)
    return out


def _text(label: str | None) -> str | None:
    """A label that is text, not a number (numbers are data, not sector names)."""
    return label if label is not None and _number(label) is None else None


def _score(rows: list, cols: list) -> int:
    keys = {k for k in rows if k is not None and not _is_total(_last(k))}
    return len(keys & {k for k in cols if k is not None})


def _last(key: Any) -> str | None:
    return key[-1] if isinstance(key, tuple) else key


class _Layout:
    """Where the labels are: header rows, label columns, and what the pair means."""

    def __init__(self, heads: list[int], labs: list[int], kind: str, key: int = 0):
        self.heads, self.labs, self.kind, self.key = heads, labs, kind, key


def _find_layout(G: list[list[str | None]], regions: bool | None) -> _Layout | None:
    nr, nc = len(G), len(G[0]) if G else 0
    best = (0, 0, 0)
    for h in range(min(_SEARCH_ROWS, nr - 1)):
        for c in range(min(_SEARCH_COLS, nc - 1)):
            s = _score([_text(G[i][c]) for i in range(h + 1, nr)],
                       [_text(v) for v in G[h][c + 1:]])
            if s and s >= best[0]:  # ties: the lower, inner pair (sectors, not regions)
                best = (s, h, c)
    score, h, c = best
    if score == 0:
        return None
    if regions is not False:
        for top, left in ((h - 1, c - 1), (h, c)):  # the sector or the region level
            if top < 0 or left < 0 or top + 1 >= nr or left + 1 >= nc:
                continue
            pair = _score(
                list(zip(_ffill([G[i][left] for i in range(top + 2, nr)]),
                         [G[i][left + 1] for i in range(top + 2, nr)], strict=True)),
                list(zip(_ffill(G[top][left + 2:]), G[top + 1][left + 2:], strict=True)))
            if pair > score or (regions and pair):
                return _Layout([top, top + 1], [left, left + 1], "regions")
    if regions:
        raise ChainDataError(Problem("regions=True but no two-level (region, sector) "
                                     "header and label columns were found"))
    for d in (-1, 1):
        if _codes_beside(G, h, c, d):
            return _Layout(sorted([h, h + d]), sorted([c, c + d]), "codes",
                           key=0 if d == -1 else 1)
    return _Layout([h], [c], "plain")


def _codes_beside(G: list, h: int, c: int, d: int) -> bool:
    """Is there a code row/column at offset d of the names row h / column c?"""
    hh, cc = h + d, c + d
    if not (0 <= hh < len(G) and 0 <= cc < len(G[0])):
        return False
    first_row, first_col = max(h, hh) + 1, max(c, cc) + 1
    row_names = {G[h][j] for j in range(first_col, len(G[0]))}
    col_names = {G[i][c] for i in range(first_row, len(G))}
    rows = [G[i][cc] for i in range(first_row, len(G))
            if G[i][c] in row_names and not _is_total(G[i][c])]
    cols = [G[hh][j] for j in range(first_col, len(G[0]))
            if G[h][j] in col_names and not _is_total(G[h][j])]
    return (len(rows) >= 2 and None not in rows and None not in cols
            and len(set(rows)) == len(rows) and set(rows) == set(cols))


def io_table_from_grid(grid: pd.DataFrame, /, *, file: str = "table",
                       regions: bool | None = None, satellites: Iterable[str] = (),
                       tolerance: float = DEFAULT_BALANCE_TOLERANCE,
                       unbalanced: str = "error") -> IOTable:
    """Build an :class:`~chaingraph.iotable.IOTable` from a sheet's raw cells.

    ``grid`` is the sheet as read with ``header=None`` (row 0 = spreadsheet row 1);
    the layout rules are those of :func:`read_io_table`.

    Parameters
    ----------
    grid : DataFrame
        The raw cells.
    file : str, default "table"
        Name used in error messages.
    regions, satellites, tolerance, unbalanced
        As for :func:`read_io_table`.

    Returns
    -------
    IOTable

    Examples
    --------
    >>> from chaingraph.readwrite.iotables import io_table_from_grid
    >>> grid = pd.DataFrame([["单位：万元", None, None, None, None],
    ...                      [None, "农业", "工业", "最终使用", "总产出"],
    ...                      ["农业", 150, 500, 350, 1000], ["工业", 200, 100, 1700, 2000],
    ...                      ["增加值", 650, 1400, None, None],
    ...                      ["总投入", 1000, 2000, None, None]])
    >>> t = io_table_from_grid(grid)
    >>> t.A.round(2).to_numpy().tolist()
    [[0.15, 0.25], [0.2, 0.05]]
    """
    G = [_labels(row) for row in grid.itertuples(index=False)]
    layout = _find_layout(G, regions)
    if layout is None:
        raise ChainDataError(Problem(
            "no sectors found: no label appears both as a row label and as a column "
            "label (the header row and the label column must name the same sectors)",
            file))
    heads, labs, multi = layout.heads, layout.labs, layout.kind == "regions"
    first = heads[-1] + 1
    data_cols = list(range(labs[-1] + 1, grid.shape[1]))
    col_parts = [_ffill([G[h][j] for j in data_cols]) if multi and k == 0 else
                 [G[h][j] for j in data_cols] for k, h in enumerate(heads)]
    row_parts = [_ffill([G[i][c] for i in range(first, len(G))]) if multi and k == 0 else
                 [G[i][c] for i in range(first, len(G))] for k, c in enumerate(labs)]
    names = None
    if multi:
        col_keys = list(zip(*col_parts, strict=True))
        row_keys = list(zip(*row_parts, strict=True))
    elif layout.kind == "codes":
        k = layout.key
        col_keys = [a if a is not None else b for a, b in
                    zip(col_parts[k], col_parts[1 - k], strict=True)]
        row_keys = [a if a is not None else b for a, b in
                    zip(row_parts[k], row_parts[1 - k], strict=True)]
        names = row_parts[1 - k]
    else:
        col_keys, row_keys = col_parts[0], row_parts[0]
    return _Builder(grid, file, first, data_cols, row_keys, col_keys, multi,
                    names=names, satellites=set(satellites)).build(tolerance, unbalanced)


class _Builder:
    """Split a located grid into blocks and parse the numbers."""

    def __init__(self, grid, file, first, data_cols, row_keys, col_keys, multi, *,
                 names, satellites):
        self.grid, self.file, self.first = grid, file, first
        self.data_cols, self.multi, self.names = data_cols, multi, names
        self.row_keys, self.col_keys, self.satellites = row_keys, col_keys, satellites
        self.problems: list[Problem] = []
        self.suppressed: list[str] = []

    def cell(self, i: int, j: int) -> float:
        """Number in data row i (relative) and data column j (relative)."""
        value = self.grid.iat[self.first + i, self.data_cols[j]]
        label = _norm(value)
        if label is None:
            return 0.0
        number = _number(value)
        if number is not None and np.isfinite(number):
            return number
        where = f"row {self.first + i + 1}, column {self.col_keys[j]!r}"
        if label.lower() in SUPPRESSED:
            self.suppressed.append(f"{where} ({label!r})")
            return 0.0
        self.problems.append(Problem(f"not a number: {label!r} (a number, blank or a "
                                     f"suppression mark such as '...' expected)",
                                     self.file, self.first + i + 1, str(self.col_keys[j])))
        return 0.0

    def block(self, rows: list[int], cols: list[int]) -> np.ndarray:
        return np.array([[self.cell(i, j) for j in cols] for i in rows], dtype=float
                        ).reshape(len(rows), len(cols))

    def _has_data(self, i: int) -> bool:
        return any(_norm(self.grid.iat[self.first + i, c]) is not None
                   for c in self.data_cols)

    def build(self, tolerance: float, unbalanced: str) -> IOTable:
        col_index = {}
        for j, k in enumerate(self.col_keys):
            if k is not None and not (isinstance(k, tuple) and k[1] is None):
                col_index.setdefault(k, j)
        sectors, seen = [], {}
        for i, k in enumerate(self.row_keys):
            if k is None or _is_total(_last(k)) or k not in col_index:
                continue
            if k in seen:
                self.problems.append(Problem(f"sector {k!r} appears twice as a row label "
                                             f"(first in row {self.first + seen[k] + 1})",
                                             self.file, self.first + i + 1))
            seen.setdefault(k, i)
            sectors.append(i)
        keys = [self.row_keys[i] for i in sectors]
        sector_set = set(keys)
        s_cols = [col_index[k] for k in keys]
        total_col, fd_cols, dropped = None, [], []
        for j, k in enumerate(self.col_keys):
            if k in sector_set and col_index[k] == j:
                continue
            label = _last(k) if not (self.multi and isinstance(k, tuple) and _is_total(
                k[0])) else k[0]
            if k is None or label is None:
                if any(_norm(self.grid.iat[r, self.data_cols[j]]) is not None
                       for r in range(self.first, len(self.grid))):
                    self.problems.append(Problem("numbers under a column with no label",
                                                 self.file, None, f"#{self.data_cols[j] + 1}"))
                continue
            if _is_total(label) and total_col is None:
                total_col = j
            elif _is_subtotal(label) or _is_total(label):
                dropped.append(str(k))
            else:
                fd_cols.append(j)
        total_row, v_rows, s_rows = None, [], []
        for i, k in enumerate(self.row_keys):
            if i in seen.values() or k is None:
                if k is None and self._has_data(i):
                    self.problems.append(Problem("numbers in a row with no label",
                                                 self.file, self.first + i + 1))
                continue
            label = _last(k) if not (self.multi and _is_total(k[0])) else k[0]
            if label is None or not self._has_data(i):
                continue
            if _is_total(label) and total_row is None:
                total_row = i
            elif _is_subtotal(label) or _is_total(label):
                dropped.append(str(k))
            elif str(label) in self.satellites:
                s_rows.append(i)
            else:
                v_rows.append(i)
        if not sectors:
            raise ChainDataError(Problem("no sectors found", self.file))
        Z = self.block(sectors, s_cols)
        Y = self.block(sectors, fd_cols)
        x = self.block(sectors, [total_col])[:, 0] if total_col is not None else None
        V = self.block(v_rows, s_cols)
        S = self.block(s_rows, s_cols)
        gross_in = self.block([total_row], s_cols)[0] if total_row is not None else None
        if self.problems:
            raise ChainDataError(self.problems)
        if self.suppressed:
            warnings.warn(f"{len(self.suppressed)} suppressed cell(s) read as 0 in "
                          f"{self.file}: {'; '.join(self.suppressed[:20])}",
                          ChainDataWarning, stacklevel=4)
        index = pd.MultiIndex.from_tuples(keys, names=["region", "sector"]) if (
            self.multi) else pd.Index(keys, name="sector")
        fd_keys = [self.col_keys[j] for j in fd_cols]
        fd_index = pd.MultiIndex.from_tuples(fd_keys) if self.multi else pd.Index(fd_keys)
        Y = self._imports_sign(Z, Y, x, fd_index, tolerance)
        if gross_in is not None:
            ref = x if x is not None else Z.sum(axis=1) + Y.sum(axis=1)
            bad = np.flatnonzero(np.abs(gross_in - ref) > tolerance * np.maximum(
                np.abs(ref), 1.0))
            if len(bad):
                found = [Problem(f"total input {gross_in[j]:.6g} differs from gross "
                                 f"output {ref[j]:.6g} (tolerance {tolerance:g})",
                                 self.file, None, str(keys[j])) for j in bad[:20]]
                if unbalanced == "error":
                    raise ChainDataError(found)
                warnings.warn("; ".join(map(str, found)), ChainDataWarning, stacklevel=4)
        names = None
        if self.names is not None:
            names = dict(zip(keys, [self.names[i] for i in sectors], strict=True))
        row_names = [str(_last(self.row_keys[i])) for i in v_rows]
        return IOTable(pd.DataFrame(Z, index=index, columns=index),
                       pd.DataFrame(Y, index=index, columns=fd_index),
                       None if x is None else pd.Series(x, index=index),
                       V=pd.DataFrame(V, index=row_names, columns=index) if v_rows else None,
                       satellites=pd.DataFrame(S, index=[str(_last(self.row_keys[i]))
                                                         for i in s_rows], columns=index)
                       if s_rows else None,
                       names=names, meta={"source": self.file, "dropped": dropped},
                       tolerance=tolerance, unbalanced=unbalanced)

    def _imports_sign(self, Z, Y, x, fd_index, tolerance) -> np.ndarray:
        if x is None or self.multi:
            return Y
        cols = [j for j, c in enumerate(fd_index) if _IMPORTS.match(str(c))]
        if len(cols) != 1:
            return Y
        j = cols[0]
        tol = tolerance * np.maximum(np.abs(x), 1.0)
        base = Z.sum(axis=1) + Y.sum(axis=1)
        if np.all(np.abs(base - x) <= tol):
            return Y
        flipped = base - 2 * Y[:, j]
        if np.all(np.abs(flipped - x) <= tol):
            warnings.warn(f"{self.file}: the imports column {fd_index[j]!r} holds positive "
                          "numbers and the table balances only when they are subtracted: "
                          "read as negative final demand", ChainDataWarning, stacklevel=5)
            Y = Y.copy()
            Y[:, j] = -Y[:, j]
        return Y


def io_table_from_pymrio(io: Any, /, *, unbalanced: str = "warn",
                         tolerance: float = DEFAULT_BALANCE_TOLERANCE) -> IOTable:
    """Build a multi-regional :class:`~chaingraph.iotable.IOTable` from a pymrio system.

    Parameters
    ----------
    io : pymrio.IOSystem
        With ``Z`` and ``Y`` (and ``x``, else ``Z 1 + Y 1``). The ``F`` account of
        every extension becomes satellite rows named ``"extension: stressor"``.
    unbalanced, tolerance
        As for :class:`~chaingraph.iotable.IOTable`.

    Returns
    -------
    IOTable

    Raises
    ------
    ChainDataError
        When the system has no ``Z`` and ``Y``.

    Notes
    -----
    pymrio (GPL) is an optional dependency, never vendored: install it yourself.

    Examples
    --------
    >>> from chaingraph.readwrite.iotables import io_table_from_pymrio
    >>> class Toy:  # anything with pymrio's attributes
    ...     Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["a", "b"],
    ...                      columns=["a", "b"])
    ...     Y = pd.DataFrame({"fd": [350.0, 1700.0]}, index=["a", "b"])
    >>> io_table_from_pymrio(Toy()).x.tolist()
    [1000.0, 2000.0]
    """
    Z, Y = getattr(io, "Z", None), getattr(io, "Y", None)
    if Z is None or Y is None:
        raise ChainDataError(Problem("the pymrio system has no Z or Y: load or "
                                     "calculate it first", "pymrio"))
    x = getattr(io, "x", None)
    x = x.iloc[:, 0] if isinstance(x, pd.DataFrame) else x
    blocks = []
    getter = getattr(io, "get_extensions", None)
    for ext_name in (list(getter()) if callable(getter) else []):
        F = getattr(getattr(io, ext_name, None), "F", None)
        if isinstance(F, pd.DataFrame) and F.columns.equals(Z.columns):
            labels = ["/".join(map(str, k)) if isinstance(k, tuple) else str(k)
                      for k in F.index]
            blocks.append(pd.DataFrame(F.to_numpy(dtype=float), columns=Z.columns,
                                       index=[f"{ext_name}: {k}" for k in labels]))
    satellites = pd.concat(blocks) if blocks else None
    return IOTable(Z, Y, x, satellites=satellites, tolerance=tolerance,
                   unbalanced=unbalanced,
                   meta={"source": f"pymrio: {getattr(io, 'name', '')}"})
