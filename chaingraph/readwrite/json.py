"""The JSON layout of a chain, and reading JSON tables.

Our layout (one file, UTF-8)::

    {"format": "chaingraph", "version": 1,
     "meta": {"name": ..., "unit": "yuan", ...},
     "schema": {"enterprises": {"id": "string", "output": "floating", ...},
                "links": {...}},
     "enterprises": [{"id": "宁德材料", "segment": "电芯", "output": 1.2e9, ...}, ...],
     "links": [{"supplier": "宁德材料", "buyer": "整车厂", "volume": 3.5e8, ...}, ...]}

Missing values are ``null``; ``schema`` records each column's kind so that reading
back restores it (a column mixing kinds of values is stored as text, with the kind
of each cell in ``schema["cells"]``). Reading also accepts networkx node-link JSON (``nodes`` plus
``links`` or ``edges`` with ``source``/``target``) and a plain list of records (one
table). JSON rows are numbered from 0 (the record's position in its list).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model import Chain
from chaingraph.readwrite._schema import (
    FORMAT_TAG,
    apply_stamp,
    frame_for_file,
    stamp_of,
)
from chaingraph.readwrite._sources import RawTable, fail, text_io
from chaingraph.readwrite.safety import atomic_path, json_dumps, json_records

__all__ = ["read_json_table", "read_json_tables", "write_json"]


def _load(path: Path) -> Any:
    name = path.name
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    try:
        return json.load(text_io(path.read_bytes()))
    except UnicodeDecodeError:
        raise fail("the file is neither UTF-8 nor GB18030 text", name) from None
    except ValueError as err:
        raise fail(f"not valid JSON: {err}", name) from None
    except RecursionError:
        raise fail("the JSON is nested too deeply to be a chain (expected lists of "
                   "records)", name) from None
    except OSError as err:
        raise fail(f"cannot read the file ({err.strerror or err})", name) from None


def _table(records: Any, file: str, key: str, schema: dict[str, Any] | None = None,
           role: str = "links") -> RawTable:
    if not isinstance(records, list):
        raise fail(f"{key!r} must be a list of records, got {type(records).__name__}",
                   file)
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if bad:
        raise fail(f"{key!r} record {bad[0]} is not an object "
                   "({'column': value, ...})", file)
    columns = list(dict.fromkeys(k for r in records for k in r))
    kinds = (schema or {}).get(role)
    kinds = kinds if isinstance(kinds, dict) else {}
    if not records:  # an empty list still has the columns its schema names
        columns = list(kinds) or (["supplier", "buyer"] if key in (
            "links", "edges") else [])
    data = {str(c): pd.Series([r.get(c) for r in records], dtype=object)
            for c in columns}
    frame = pd.DataFrame(data, index=range(len(records)))
    for col in frame.columns:
        frame[col] = _infer(frame[col])
    table = RawTable(frame, file, rows=None)
    if schema is not None:
        apply_stamp(table, schema, role)
    return table


def _infer(series: pd.Series) -> pd.Series:
    """Numbers stay numbers (floats as float64); everything else stays object."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "floating" or kind == "mixed-integer-float":
        return pd.to_numeric(series, errors="coerce").astype(np.float64)
    if kind == "integer" and series.notna().all():
        values = series.to_numpy(dtype=object)
        if all(-(2**63) <= v < 2**63 for v in values):
            return series.astype(np.int64)
        if all(0 <= v < 2**64 for v in values):
            return pd.Series(values.astype(np.uint64), index=series.index)
    return series


def read_json_tables(path: Path) -> tuple[RawTable | None, RawTable, dict[str, Any]]:
    """Enterprise table (or None), link table and metadata of a JSON chain."""
    data = _load(path)
    name = path.name
    if isinstance(data, list):
        return None, _table(data, name, "records"), {}
    if not isinstance(data, dict):
        raise fail("expected a JSON object with 'enterprises' and 'links'", name)
    ours = data.get("format") == FORMAT_TAG
    schema = data.get("schema") if ours else None
    schema = schema if isinstance(schema, dict) else ({} if ours else None)
    link_key = next((k for k in ("links", "edges") if k in data), None)
    ent_key = next((k for k in ("enterprises", "nodes") if k in data), None)
    if link_key is None:
        raise fail("a JSON chain needs a 'links' (or 'edges') list", name)
    links = _table(data[link_key], name, link_key, schema, "links")
    ents = None if ent_key is None else _table(
        data[ent_key], name, ent_key, schema, "enterprises")
    meta = data.get("meta") if ours else data.get("graph")
    return ents, links, dict(meta) if isinstance(meta, dict) else {}


def read_json_table(path: Path, role: str) -> RawTable:
    """One table from a JSON file: a list of records, or our layout's ``role`` list."""
    data = _load(path)
    if isinstance(data, dict):
        key = role if role in data else {"enterprises": "nodes", "links": "edges"}[role]
        if key not in data:
            raise fail(f"the JSON object has no {role!r} list", path.name)
        schema = data.get("schema") if data.get("format") == FORMAT_TAG else None
        schema = schema if isinstance(schema, dict) else None
        return _table(data[key], path.name, key, schema, role)
    return _table(data, path.name, "records")


def write_json(chain: Chain, path: Path) -> Path:
    """Write ``chain`` as one JSON file in our layout (see the module docstring).

    Encoded with the standard :mod:`json` module (never ``DataFrame.to_json``) and
    written atomically.
    """
    data = {**stamp_of(chain, "json"),
            "enterprises": json_records(frame_for_file(chain.enterprises, "json")),
            "links": json_records(frame_for_file(chain.links, "json"))}
    with atomic_path(path) as tmp:
        tmp.write_text(json_dumps(data), encoding="utf-8")
    return Path(path)
