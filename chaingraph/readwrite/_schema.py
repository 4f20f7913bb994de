"""Column kinds saved beside a chain so that text formats read back losslessly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMAT_TAG", "VERSION", "restore", "schema_of"]

FORMAT_TAG = "chaingraph"
VERSION = 1


def schema_of(frame: pd.DataFrame) -> dict[str, str]:
    """Column -> kind (``"integer"``, ``"floating"``, ``"boolean"``, ``"string"``, ...)."""
    out = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series.dtype):
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


def restore(series: pd.Series, kind: str) -> pd.Series:
    """Convert a column read from text back to ``kind``; leave it if it does not fit."""
    present = series.notna().to_numpy()
    if kind in ("integer", "floating", "mixed-integer-float"):
        number = pd.to_numeric(series, errors="coerce")
        if (number.notna().to_numpy() != present).any():
            return series
        if kind == "integer":
            values_ = number.to_numpy(dtype=np.float64, na_value=np.nan)[present]
            if not (np.isfinite(values_).all() and (values_ == np.round(values_)).all()):
                return series  # not integers after all (inf, 1.5): leave for validation
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
