"""Full report tables as files: Parquet, or CSV when pyarrow is missing (private).

The bounded report files (JSON, Markdown, HTML, Excel) hold the first rows of each
table; these files hold every row, with the finders' own column names and codes
(unchanged by the report's language).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.readwrite.safety import atomic_path, neutralize_formula

__all__ = ["atomic_path", "table_files", "write_tables"]



def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _plain(value: Any) -> Any:
    """A value Parquet/CSV can hold: lists as JSON text, other objects as text."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, dict)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        items = list(items) if not isinstance(items, dict) else items
        return json.dumps(items, ensure_ascii=False, default=str)
    if value is None or isinstance(value, (str, bool, int, float, np.generic)):
        return value
    return str(value)


def _portable(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with mixed types become text (ids keep their text form)."""
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    for column in out.columns:
        if out[column].dtype != object:  # typed columns (str, numbers) stay as they are
            continue
        kind = pd.api.types.infer_dtype(out[column], skipna=True)
        if kind not in ("string", "empty", "boolean", "integer", "floating"):
            values = out[column].map(_plain)
            kinds = {type(v) for v in values if v is not None and v == v}
            if len(kinds) > 1:
                values = values.map(lambda v: None if v is None or v != v else str(v))
            out[column] = values
    out.columns = [str(c) for c in out.columns]
    return out.reset_index(drop=True)


#: Rows converted to Arrow and written at a time (a row group each), so that a
#: million-row table is never held twice, as pandas and as Arrow, while it is written.
PARQUET_CHUNK_ROWS = 131_072

#: Arrow type of a column that is all missing in the first chunk, by
#: ``pandas.api.types.infer_dtype`` of the whole column.
_KIND_TYPES = {"string": "string", "integer": "int64", "floating": "float64",
               "boolean": "bool"}


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    """One table as Parquet (read back by ``pd.read_parquet`` as it was written).

    Dictionary encoding only where values repeat (kinds, segments, regions): for
    ids and explanation sentences it costs time and saves no bytes. Text columns
    carry no min/max statistics (nobody filters a report table by its text range).
    Written :data:`PARQUET_CHUNK_ROWS` rows at a time.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    def arrow_of(start: int, schema: Any = None) -> Any:
        return pa.Table.from_pandas(table.iloc[start:start + PARQUET_CHUNK_ROWS],
                                    schema=schema, preserve_index=False, nthreads=1)

    first = arrow_of(0)
    schema = first.schema
    if len(table) > PARQUET_CHUNK_ROWS:  # a column missing in the first rows only
        typed = schema
        for i, field in enumerate(schema):
            kind = pd.api.types.infer_dtype(table[field.name], skipna=True) if (
                pa.types.is_null(field.type)) else None
            if kind in _KIND_TYPES:
                typed = typed.set(i, field.with_type(pa.type_for_alias(_KIND_TYPES[kind])))
        if not typed.equals(schema):
            schema, first = typed, arrow_of(0, typed)
    text = [f.name for f in schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    sample = first.slice(0, 2_000)  # cheap: distinct values of the first rows
    repeats = [name for name in text
               if 4 * len(set(sample[name].to_pylist())) <= max(len(sample), 64)]
    with pq.ParquetWriter(path, schema, use_dictionary=[
            f.name for f in schema if f.name not in text or f.name in repeats],
            write_statistics=[f.name for f in schema if f.name not in text]) as writer:
        writer.write_table(first)
        del first, sample
        for start in range(PARQUET_CHUNK_ROWS, len(table), PARQUET_CHUNK_ROWS):
            writer.write_table(arrow_of(start, schema))


def table_files(names: Iterable[str], folder: Path) -> dict[str, str]:
    """Name -> ``<folder name>/<file>`` that :func:`write_tables` writes each table to."""
    suffix = ".parquet" if _has_pyarrow() else ".csv"
    return {name: f"{folder.name}/{name}{suffix}" for name in names}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, *,
                 cancelled: Callable[[], bool] | None = None) -> dict[str, str]:
    """Write each table in full; returns name -> ``<folder name>/<file>``.

    ``cancelled`` (checked before each table) stops the writing early when it
    returns True: a caller writing the other report files meanwhile, in another
    thread, stops this one when it fails.
    """
    folder.mkdir(parents=True, exist_ok=True)
    parquet = _has_pyarrow()
    written = {}
    for name, frame in tables.items():
        if cancelled is not None and cancelled():
            break
        table = _portable(frame)
        path = folder / f"{name}.{'parquet' if parquet else 'csv'}"
        with atomic_path(path) as tmp:
            if parquet:
                _write_parquet(table, tmp)
            else:
                safe = table.map(neutralize_formula) if len(table) else table
                safe.to_csv(tmp, index=False, encoding="utf-8")
        written[name] = f"{folder.name}/{path.name}"
    return written
