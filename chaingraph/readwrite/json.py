"""The JSON layout of a chain, and reading JSON tables.

Our layout (one file, UTF-8)::

    {"format": "chaingraph", "version": 1,
     "meta": {"name": ..., "unit": "yuan", ...},
     "schema": {"enterprises": {"id": "string", "output": "floating", ...},
                "links": {...}},
     "enterprises": [{"id": "宁德材料", "segment": "电芯", "output": 1.2e9, ...}, ...],
     "links": [{"supplier": "宁德材料", "buyer": "整车厂", "volume": 3.5e8, ...}, ...]}

Missing values are ``null``; ``schema`` records each column's kind so that reading
back restores it. Reading also accepts networkx node-link JSON (``nodes`` plus
``links`` or ``edges`` with ``source``/``target``) and a plain list of records (one
table). JSON rows are numbered from 0 (the record's position in its list).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model import Chain
from chaingraph.readwrite._schema import FORMAT_TAG, VERSION, restore, schema_of
from chaingraph.readwrite._sources import RawTable, fail, text_io

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


def _table(records: Any, file: str, key: str, schema: dict[str, str] | None = None
           ) -> RawTable:
    if not isinstance(records, list):
        raise fail(f"{key!r} must be a list of records, got {type(records).__name__}",
                   file)
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if bad:
        raise fail(f"{key!r} record {bad[0]} is not an object "
                   "({'column': value, ...})", file)
    columns = list(dict.fromkeys(k for r in records for k in r))
    if not records:  # an empty list still has the columns its schema names
        columns = list(schema or {}) or (["supplier", "buyer"] if key in (
            "links", "edges") else [])
    data = {str(c): pd.Series([r.get(c) for r in records], dtype=object)
            for c in columns}
    frame = pd.DataFrame(data, index=range(len(records)))
    for col in frame.columns:
        frame[col] = _infer(frame[col])
    for col, kind in (schema or {}).items():
        if col in frame.columns:
            frame[col] = restore(frame[col], kind)
    return RawTable(frame, file, rows=None)


def _infer(series: pd.Series) -> pd.Series:
    """Numbers stay numbers (floats as float64); everything else stays object."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "floating" or kind == "mixed-integer-float":
        return pd.to_numeric(series, errors="coerce").astype(np.float64)
    if kind == "integer" and series.notna().all():
        return series.astype(np.int64)
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
    schema = {k: v for k, v in schema.items() if isinstance(v, dict)} if isinstance(
        schema, dict) else {}
    link_key = next((k for k in ("links", "edges") if k in data), None)
    ent_key = next((k for k in ("enterprises", "nodes") if k in data), None)
    if link_key is None:
        raise fail("a JSON chain needs a 'links' (or 'edges') list", name)
    links = _table(data[link_key], name, link_key, schema.get("links"))
    ents = None if ent_key is None else _table(
        data[ent_key], name, ent_key, schema.get("enterprises"))
    meta = data.get("meta") if ours else data.get("graph")
    return ents, links, dict(meta) if isinstance(meta, dict) else {}


def read_json_table(path: Path, role: str) -> RawTable:
    """One table from a JSON file: a list of records, or our layout's ``role`` list."""
    data = _load(path)
    if isinstance(data, dict):
        key = role if role in data else {"enterprises": "nodes", "links": "edges"}[role]
        if key not in data:
            raise fail(f"the JSON object has no {role!r} list", path.name)
        schema = data.get("schema")
        schema = schema.get(role) if isinstance(schema, dict) else None
        schema = schema if isinstance(schema, dict) else None
        return _table(data[key], path.name, key, schema)
    return _table(data, path.name, "records")


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [str(c) for c in frame.columns]
    return [dict(zip(cols, map(_plain, row), strict=True))
            for row in frame.itertuples(index=False, name=None)]


def write_json(chain: Chain, path: Path) -> Path:
    """Write ``chain`` as one JSON file in our layout (see the module docstring)."""
    data = {
        "format": FORMAT_TAG,
        "version": VERSION,
        "meta": chain.meta,
        "schema": {"enterprises": schema_of(chain.enterprises),
                   "links": schema_of(chain.links)},
        "enterprises": _records(chain.enterprises),
        "links": _records(chain.links),
    }
    with Path(path).open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, default=_plain_default)
    return Path(path)


def _plain_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
