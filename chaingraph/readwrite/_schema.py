"""Column kinds saved beside a chain so that text formats read back losslessly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph._arrow_text import arrow_text, edge_space, is_text_dtype
from chaingraph.readwrite._typed import (
    CELL_KINDS,
    cell_kinds,
    from_typed_text,
    needs_typed_text,
    typed_text,
)

__all__ = ["FORMAT_TAG", "VERSION", "apply_stamp", "frame_for_file", "restore",
           "schema_of", "stamp_of"]

FORMAT_TAG = "chaingraph"
VERSION = 1
#: Integers beyond this are stored as text in Excel (a double holds 53 bits).
EXACT_FLOAT_INT = 2**53
_INT64 = (-(2**63), 2**63 - 1)


def schema_of(frame: pd.DataFrame) -> dict[str, str]:
    """Column -> kind (``"integer"``, ``"floating"``, ``"boolean"``, ``"string"``, ...)."""
    out = {}
    for col in frame.columns:
        series = frame[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[str(col)] = "categorical"
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            out[str(col)] = "datetime64"
        elif pd.api.types.is_bool_dtype(series.dtype):
            out[str(col)] = "boolean"
        elif pd.api.types.is_integer_dtype(series.dtype):
            out[str(col)] = "integer"
        elif pd.api.types.is_float_dtype(series.dtype):
            out[str(col)] = "floating"
        else:
            out[str(col)] = pd.api.types.infer_dtype(series, skipna=True)
    return out


def _to_bool(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    return {"true": True, "false": False, "1": True, "0": False}.get(text, value)


def restore(series: pd.Series, kind: str, dtype: str | None = None) -> pd.Series:
    """Convert a column read from text back to ``kind``; leave it if it does not fit.

    ``dtype`` (the column's dtype when written, if recorded) is restored when the
    values fit it.
    """
    out = _restore(series, kind)
    if dtype == "object":  # missing cells of a Python-object column are None
        return out.astype(object).where(out.notna(), None)
    if dtype and str(out.dtype) != dtype:
        try:
            cast = out.astype(dtype)
        except (TypeError, ValueError, OverflowError):
            return out
        # a narrower float column (float32) was written as its shortest text, which
        # reads back as the nearest float64: its own dtype gives back its values
        if kind == "datetime64" or _same(cast, out) or (
                kind == "floating" and dtype in ("float32", "float16")):
            return cast
    return out


def _same(cast: pd.Series, out: pd.Series) -> bool:
    try:
        return bool((cast.isna().to_numpy() == out.isna().to_numpy()).all() and (
            cast.dropna().astype(object).to_numpy() == out.dropna().astype(object)
            .to_numpy()).all())
    except (TypeError, ValueError):
        return False


def _big_ints(series: pd.Series, present: np.ndarray) -> pd.Series | None:
    """Integers written as text that do not fit int64: exact Python ints (or None)."""
    values = np.empty(len(series), dtype=object)
    values[:] = None
    try:
        values[present] = [int(str(v).strip()) for v in series.to_numpy()[present]]
    except (TypeError, ValueError):
        return None
    if present.all() and all(0 <= v < 2**64 for v in values):
        return pd.Series(values.astype(np.uint64), index=series.index)
    return pd.Series(values, index=series.index, dtype=object)


def _restore(series: pd.Series, kind: str) -> pd.Series:
    present = series.notna().to_numpy()
    if kind == "categorical":
        return series.astype("category")
    if kind in ("datetime64", "datetime"):
        try:
            return pd.Series(pd.to_datetime(series, format="ISO8601"), index=series.index)
        except (TypeError, ValueError, OverflowError):
            return series
    if kind == "integer" and present.any() and not pd.api.types.is_numeric_dtype(
            series.dtype):
        number = pd.to_numeric(series, errors="coerce")
        values = number.to_numpy(dtype=np.float64, na_value=np.nan)
        if pd.api.types.is_float_dtype(number.dtype) and np.nanmax(
                np.abs(values), initial=0.0) >= EXACT_FLOAT_INT:
            exact = _big_ints(series, present)  # beyond a double's 53 bits: exactly
            if exact is not None:
                if present.all() and all(_INT64[0] <= v <= _INT64[1] for v in exact):
                    return exact.astype(np.int64)
                return exact
    if kind in ("integer", "floating", "mixed-integer-float"):
        number = pd.to_numeric(series, errors="coerce")
        if (number.notna().to_numpy() != present).any():
            return series
        if kind == "integer":
            values_ = number.to_numpy(dtype=np.float64, na_value=np.nan)[present]
            if not (np.isfinite(values_).all() and (values_ == np.round(values_)).all()):
                return series  # not integers after all (inf, 1.5): leave for validation
            if pd.api.types.is_integer_dtype(number.dtype):
                return number  # int64, or uint64 beyond int64
            if present.all():
                return number.astype(np.int64)
            values = np.empty(len(series), dtype=object)
            values[:] = None
            values[present] = [int(v) for v in number.to_numpy()[present]]
            return pd.Series(values, index=series.index, dtype=object)
        return number.astype(np.float64)
    if kind == "boolean":
        values = [_to_bool(v) if p else None for v, p in zip(series, present, strict=True)]
        if not all(isinstance(v, bool) for v, p in zip(values, present, strict=True) if p):
            return series
        dtype = bool if present.all() else object
        return pd.Series(values, index=series.index, dtype=dtype)
    return series


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(frame[c].dtype) for c in frame.columns}


def stamp_of(chain: Any, fmt: str = "json") -> dict[str, Any]:
    """Format tag, metadata, column kinds and dtypes saved beside a chain.

    ``schema["text"]`` says how text cells were escaped (see
    :func:`chaingraph.readwrite.safety.escape_text`): ``"escaped"`` (Excel, Parquet,
    graph files) or ``"escaped+formulas"`` (CSV).
    """
    from chaingraph.readwrite.safety import json_plain

    schema: dict[str, Any] = {"enterprises": schema_of(chain.enterprises),
                              "links": schema_of(chain.links),
                              "dtypes": {"enterprises": _dtypes(chain.enterprises),
                                         "links": _dtypes(chain.links)}}
    if fmt != "json":
        schema["text"] = "escaped+formulas" if fmt == "csv" else "escaped"
    links = chain.links
    if fmt in ("graphml", "gexf"):  # graph files list links grouped by supplier
        links = links.iloc[np.argsort(chain.link_codes[0], kind="stable")]
    cells, notes = {}, []
    for role, frame in (("enterprises", chain.enterprises), ("links", links)):
        typed = {str(c): cell_kinds(frame[c]) for c in frame.columns
                 if needs_typed_text(frame[c])}
        if typed:
            cells[role] = typed
        notes += [f"{role} column {c!r} holds values {fmt} cannot type as they are "
                  f"({', '.join(CELL_KINDS[k] for k in sorted(set(v)))}): stored as "
                  "text, the kind of each cell is in schema.cells" for c, v in typed.items()]
    if cells:
        schema["cells"], schema["notes"] = cells, notes
    categories = {role: {str(c): {"categories": json_plain(list(frame[c].cat.categories)),
                                  "ordered": bool(frame[c].cat.ordered),
                                  "dtype": str(frame[c].cat.categories.dtype)}
                         for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)}
                  for role, frame in (("enterprises", chain.enterprises),
                                      ("links", chain.links))}
    if any(categories.values()):
        schema["categories"] = categories
    return {"format": FORMAT_TAG, "version": VERSION, "meta": json_plain(chain.meta),
            "schema": schema}


#: What ``infer_dtype`` calls an object column holding no integer but bools.
_NO_INTEGERS = frozenset({"string", "empty", "floating", "boolean"})


def _as_text_if(series: pd.Series, too_big: Any) -> pd.Series:
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in _NO_INTEGERS:
        return series  # nothing too_big could be asked about
    if not any(too_big(v) for v in values if isinstance(v, (int, np.integer))):
        return series
    return pd.Series([str(v) if isinstance(v, (int, np.integer))
                      and not isinstance(v, bool) else v for v in values],
                     index=series.index, dtype=object)


def _floats_for_excel(series: pd.Series) -> pd.Series:
    """Floats that 16 significant digits (what Excel keeps) would change, and
    ``-0.0`` (a cell keeps no sign of zero), as text."""
    values = series.to_numpy(dtype=np.float64)
    with np.errstate(over="ignore"):
        rounded = np.array([float(f"{v:.16g}") for v in values]) if len(values) else values
    lossy = np.isfinite(values) & ((rounded != values) | ((values == 0)
                                                          & np.signbit(values)))
    if not lossy.any():
        return series
    out = series.astype(object)
    out[lossy] = [repr(float(v)) for v in values[lossy]]
    return out


def frame_for_file(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """A copy of a chain table ready for ``fmt``, text escaped (read back exactly).

    Columns of mixed kinds of values (and float columns holding ``inf``) become
    typed text (:mod:`chaingraph.readwrite._typed`). Datetimes become ISO 8601 text
    and categoricals their values (except in Parquet); integers an Excel double
    cannot hold exactly, and Python integers beyond 64 bits in Parquet, become
    text. :func:`stamp_of` records what to restore. Text is escaped except for JSON.
    """
    from chaingraph.readwrite.safety import escape_frame

    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if needs_typed_text(series):
            out[col] = typed_text(series, str(col))[0]
            continue
        if fmt != "parquet" and isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object).where(series.notna(), None)
        if fmt != "parquet" and pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = series.map(lambda t: t.isoformat(), na_action="ignore")
            series = text.astype(object).where(series.notna(), None)
        if fmt == "excel" and pd.api.types.is_float_dtype(series.dtype):
            series = _floats_for_excel(series)
        elif fmt == "excel" and (pd.api.types.is_integer_dtype(series.dtype)
                                 or series.dtype == object):
            series = _as_text_if(series, lambda v: abs(int(v)) > EXACT_FLOAT_INT)
        elif fmt == "parquet" and series.dtype == object:
            series = _as_text_if(series, lambda v: not _INT64[0] <= int(v) < 2**64)
        out[col] = series
    if fmt == "json":
        return out
    out = escape_frame(out, formulas=fmt == "csv")
    for col in out.columns:
        out[col] = _spaces_marked(out[col])
    return out


def _spaces_marked(series: pd.Series) -> pd.Series:
    """Text of spaces only (which spreadsheets read as blank) with its first space
    escaped (``_x0020_``), so that it reads back as itself."""
    if is_text_dtype(series.dtype):
        blank = ((series.str.strip() == "") & (series != "")).to_numpy(
            dtype=bool, na_value=False)
    elif series.dtype == object:
        values = series.to_numpy(dtype=object)
        text = arrow_text(values)  # a blank text starts with a space: only those
        where = (np.flatnonzero(edge_space(text)) if text is not None
                 else np.arange(len(values)))
        blank = np.zeros(len(values), dtype=bool)
        blank[where] = [isinstance(v, str) and v != "" and not v.strip()
                        for v in values[where]]
    else:
        return series
    if not blank.any():
        return series
    out = series.astype(object)
    out[blank] = [f"_x{ord(v[0]):04X}_{v[1:]}" for v in out[blank]]
    return out


def _with_categories(series: pd.Series, spec: dict[str, Any]) -> pd.Series:
    """A categorical column with the categories (and order) it was written with.

    The categories' dtype, when recorded, types both them and the cells (a file of
    text gives ``"1"`` for the category ``1``, Parquet ``1.0`` beside a missing cell);
    a cell that is then not one of the categories leaves the column as read.
    """
    labels = spec.get("categories")
    if not isinstance(labels, list):
        return series
    dtype = spec.get("dtype")
    values = series.astype(object)
    present = values.notna().to_numpy()
    seen = pd.unique(values[present])  # each distinct cell typed once
    try:
        index = _typed_labels(labels, dtype)
        typed = _typed_labels(list(seen), dtype, text_ok=True)
    except (TypeError, ValueError, OverflowError):
        return series  # not what was written: as read
    if not set(typed.tolist()) <= set(index.tolist()):
        return series
    cells = np.empty(len(values), dtype=object)
    cells[present] = values[present].map(dict(zip(seen, typed, strict=True))).to_numpy()
    return pd.Series(pd.Categorical(cells, categories=index,
                                    ordered=bool(spec.get("ordered"))),
                     index=series.index, name=series.name)


def _typed_labels(values: list[Any], dtype: Any, *, text_ok: bool = False) -> pd.Index:
    """``values`` in the categories' dtype (text cells parsed when ``text_ok``)."""
    if not dtype or dtype in ("object", "str", "string"):
        if all(isinstance(v, str) for v in values):  # text: in its own text dtype
            return pd.Index(values, dtype=dtype or None)
        raise ValueError("categories of mixed kinds")
    if dtype == "bool":
        words = {"true": True, "false": False}
        out = [words.get(v.strip().lower()) if isinstance(v, str) and text_ok else v
               for v in values]
        if not all(isinstance(v, (bool, np.bool_)) for v in out):
            raise ValueError("not booleans")
        return pd.Index(out, dtype=bool)
    return pd.Index(pd.Series(values, dtype=object).astype(dtype))

def _part(mapping: Any, key: str) -> dict[str, Any]:
    part = mapping.get(key) if isinstance(mapping, dict) else None
    return part if isinstance(part, dict) else {}


def _written_names(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` with the column names it was written with, when its header reads
    as those names do (a name with edge spaces is read stripped, a blank one as
    ``Unnamed: j``), column for column; else as it is."""
    read = [str(c) for c in frame.columns]
    if len(read) != len(names) or read == names:
        return frame
    if not all(r == n or r == (n.strip() or f"Unnamed: {j}")
               for j, (r, n) in enumerate(zip(read, names, strict=True))):
        return frame
    return frame.set_axis(names, axis=1)


def apply_stamp(table: Any, schema: dict[str, Any], role: str) -> None:
    """Restore a table of a file we wrote: unescape text, restore kinds and dtypes.

    ``table`` (a ``RawTable``) is changed in place and marked as ours: its columns
    are canonical names (no alias matching) and self-loops are kept.
    """
    from chaingraph.readwrite.safety import unescape_frame

    mode = schema.get("text")
    frame = table.frame
    if mode in ("escaped", "escaped+formulas"):
        frame = unescape_frame(frame, formulas=mode == "escaped+formulas")
    kinds = _part(schema, role)
    dtypes = _part(_part(schema, "dtypes"), role)
    cells = _part(_part(schema, "cells"), role)
    categories = _part(_part(schema, "categories"), role)
    frame = _written_names(frame, list(kinds))
    absent = [c for c in kinds if c not in frame.columns]
    if absent:  # a column with no value at all (not written by graph files)
        frame = frame.assign(**{c: pd.Series([None] * len(frame), index=frame.index,
                                             dtype=object) for c in absent})
        frame = frame[[*[c for c in kinds if c in frame.columns],
                       *[c for c in frame.columns if c not in kinds]]]
    for col, kind in kinds.items():
        if isinstance(cells.get(col), str):
            frame[col] = from_typed_text(frame[col], cells[col], dtypes.get(col))
        elif isinstance(kind, str):
            frame[col] = restore(frame[col], kind, dtypes.get(col))
        if kind == "categorical" and isinstance(categories.get(col), dict):
            frame[col] = _with_categories(frame[col], categories[col])
    table.frame, table.own, table.text, table.schema = frame, True, False, {}
