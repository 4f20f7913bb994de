"""Columns a file format cannot hold as they are, stored as text with one kind per cell.

A column of Python objects that mixes kinds of values (text and numbers, ``NaT``
and text, integers beyond 64 bits, ``None`` beside ``NaN``, empty strings) has no
type in CSV, Excel, Parquet, JSON, GraphML or GEXF. :func:`typed_text` writes
such a column as text and returns one letter per cell saying what the cell was;
the letters go into the schema beside the tables (``schema["cells"]``) and
:func:`from_typed_text` gives back the same values. A float column holding
``inf`` is stored the same way (JSON and Excel cannot hold ``inf``), and so are the
dtypes no format holds: timedelta, period and complex read back in the dtype recorded
beside the tables, intervals as text (with the warning).

Letters: ``s`` text, ``i`` integer, ``f`` float, ``b`` boolean, ``t`` timestamp,
``D`` ``numpy.datetime64`` (``NaT[unit]`` for its ``NaT``), ``n`` ``None``, ``N`` ``NaN``, ``T`` ``NaT``,
``A`` ``pd.NA``, ``x`` another kind of object (written as its text and read back
as text: the writer warns, naming the column).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._arrow_text import arrow_text, is_text_dtype
from chaingraph.exceptions import ChainDataWarning

__all__ = ["CELL_KINDS", "cell_kinds", "from_typed_text", "needs_typed_text", "typed_text"]

CELL_KINDS = {"s": "text", "i": "integer", "f": "float", "b": "boolean",
              "t": "timestamp", "D": "datetime64", "n": "None", "N": "NaN",
              "T": "NaT", "A": "NA", "x": "other (read back as text)"}
_MISSING = {"n": None, "N": math.nan, "T": pd.NaT, "A": pd.NA}


def needs_typed_text(series: pd.Series) -> bool:
    """Whether a column must be stored as typed text (see the module docstring)."""
    dtype = series.dtype
    if (pd.api.types.is_timedelta64_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
            or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype))):
        return True  # no format holds them: their text, with the writer's warning
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64)
        return bool(np.isinf(values).any())
    if is_text_dtype(series.dtype):
        return bool((series == "").any())
    if series.dtype == object:
        text = arrow_text(series)  # all text or None: only an empty text needs it
        if text is not None:
            import pyarrow.compute as pc

            return bool(pc.any(pc.equal(text, "")).as_py())
        return not all(v is None or (isinstance(v, str) and v != "")
                       for v in series.to_numpy(dtype=object))
    return False


def _cell(value: Any) -> tuple[str, str | None]:
    if value is None:
        return "n", None
    if value is pd.NA:
        return "A", None
    if value is pd.NaT:
        return "T", None
    if isinstance(value, (bool, np.bool_)):
        return "b", str(bool(value))
    if isinstance(value, (int, np.integer)):
        return "i", str(int(value))
    if isinstance(value, (float, np.floating)):
        return ("N", None) if math.isnan(value) else ("f", repr(float(value)))
    if isinstance(value, str):
        return "s", value
    if isinstance(value, np.datetime64):  # NaT keeps its unit: NaT[ns]
        unit = np.datetime_data(value.dtype)[0]
        return "D", f"NaT[{unit}]" if np.isnat(value) else str(value)
    if isinstance(value, dt.datetime):
        return "t", pd.Timestamp(value).isoformat()
    return "x", str(value)


def cell_kinds(series: pd.Series) -> str:
    """One letter per cell: what :func:`typed_text` records."""
    return "".join(_cell(v)[0] for v in series.to_numpy(dtype=object))


def _read_back_typed(dtype: Any) -> bool:
    """Whether the text of a column of this dtype reads back in it (the dtype is
    recorded beside the tables and its text parses back exactly)."""
    return (pd.api.types.is_timedelta64_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)
            or pd.api.types.is_complex_dtype(dtype))


def typed_text(series: pd.Series, column: str = "") -> tuple[pd.Series, str]:
    """The column as text (``None`` where missing) and its cell letters.

    Examples
    --------
    >>> text, kinds = typed_text(pd.Series(["a", 7, None, float("nan"), pd.NaT, ""],
    ...                                    dtype=object))
    >>> text.tolist(), kinds
    (['a', '7', None, None, None, ''], 'sinNTs')
    >>> from_typed_text(text, kinds).tolist()
    ['a', 7, None, nan, NaT, '']
    """
    cells = [_cell(v) for v in series.to_numpy(dtype=object)]
    kinds = "".join(c for c, _ in cells)
    if "x" in kinds and not _read_back_typed(series.dtype):
        shown = sorted({type(v).__name__ for v, c in zip(series, kinds, strict=True)
                        if c == "x"})
        warnings.warn(f"column {column!r} holds values of type {', '.join(shown)} that "
                      "no chain file can hold: written as their text, they read back "
                      "as text", ChainDataWarning, stacklevel=4)
    return pd.Series([t for _, t in cells], index=series.index, dtype=object), kinds


def _value(kind: str, cell: Any) -> Any:
    if kind in _MISSING:
        return _MISSING[kind]
    missing = cell is None or (not isinstance(cell, str) and pd.isna(cell))
    text = "" if missing else str(cell)
    if kind == "i":
        return int(text)
    if kind == "f":
        return float(text)
    if kind == "b":
        return {"True": True, "False": False}[text]
    if kind == "t":
        return pd.Timestamp(text)
    if kind == "D":
        return (np.datetime64("NaT", text[4:-1]) if text.startswith("NaT[")
                else np.datetime64(text))
    return text


def from_typed_text(series: pd.Series, kinds: str, dtype: str | None = None
                    ) -> pd.Series:
    """Invert :func:`typed_text`; a column that does not match its letters (a file
    edited by hand) is returned as it is, for validation to judge."""
    if len(kinds) != len(series):
        return series
    try:
        values = [_value(k, c) for k, c in zip(kinds, series.to_numpy(dtype=object),
                                               strict=True)]
    except (ValueError, KeyError, OverflowError):
        return series
    out = pd.Series(values, index=series.index, dtype=object)
    if dtype and dtype != "object":
        try:
            return out.astype(dtype)
        except (TypeError, ValueError):
            return out
    return out
