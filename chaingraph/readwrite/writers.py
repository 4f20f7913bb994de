"""Write a chain: CSV or Parquet directory, Excel workbook, JSON, GraphML, GEXF."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import networkx as nx
import pandas as pd

from chaingraph.exceptions import ChainGraphError
from chaingraph.model import Chain, as_chain
from chaingraph.readwrite._schema import FORMAT_TAG, VERSION, frame_for_file, stamp_of
from chaingraph.readwrite.safety import atomic_path, json_dumps, write_workbook

__all__ = ["write_chain"]

WRITE_FORMATS = ("csv", "excel", "parquet", "json", "graphml", "gexf")
_SUFFIXES = {".xlsx": "excel", ".json": "json", ".graphml": "graphml", ".gexf": "gexf",
             ".csv": "csv", ".parquet": "parquet"}
EXCEL_MAX_ROWS = 1_048_575


def write_chain(G: Chain | nx.DiGraph, path: str | PathLike, /, *,
                format: str | None = None) -> Path:
    """Write a chain in one of our formats; :func:`read_chain` reads it back losslessly.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    path : path
        Where to write: a directory for ``"csv"`` and ``"parquet"`` (created if
        needed), a file for the others.
    format : {"csv", "excel", "parquet", "json", "graphml", "gexf"}, optional
        Default: from the suffix (``.xlsx``, ``.json``, ``.graphml``, ``.gexf``);
        a path without one of these suffixes is a CSV directory.

    Returns
    -------
    pathlib.Path
        The file or directory written.

    Raises
    ------
    ValueError
        Unknown format.
    ChainGraphError
        The chain does not fit the format (more rows than an Excel sheet holds; ids
        sharing a text in a graph file).

    See Also
    --------
    read_chain, write_graphml, write_gexf

    Notes
    -----
    Layouts:

    * ``csv``: directory with ``enterprises.csv`` and ``links.csv`` (UTF-8 with BOM,
      so that Excel shows Chinese text) and ``meta.json`` (metadata and the kind of
      every column, so that ids, numbers and booleans read back as they were).
    * ``parquet``: directory with ``enterprises.parquet``, ``links.parquet``,
      ``meta.json``.
    * ``excel``: one workbook with sheets ``enterprises``, ``links`` and ``meta``.
    * ``json``: one file, see :mod:`chaingraph.readwrite.json`.
    * ``graphml`` / ``gexf``: see :mod:`chaingraph.readwrite.graph`.

    Reading a file written here gives back the same chain: same columns, dtypes
    and values. A column no format can type as it is (Python objects mixing kinds
    of values, ``None`` beside ``NaN`` or ``NaT``, empty or space-only text,
    ``inf``) is written as text and the kind of each cell is recorded in the
    schema (``schema["cells"]``, with a note naming the column in
    ``schema["notes"]``); a value of another kind of object (a ``Decimal``, a
    list) is written as its text, reads back as text, and the writer warns naming
    the column. Floats that Excel cannot hold in 16 significant digits are stored
    there as text, so every format is exact. Graph files list links grouped by
    supplier and name nodes by text: ids that differ but share a text (``7`` and
    ``"7"``) raise :class:`~chaingraph.exceptions.ChainGraphError` there.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> chain = cg.as_chain(nx.DiGraph([("007", "整车", {"volume": 5.0})], name="toy"))
    >>> folder = cg.write_chain(chain, pathlib.Path(tempfile.mkdtemp()) / "toy")
    >>> sorted(p.name for p in folder.iterdir())
    ['enterprises.csv', 'links.csv', 'meta.json']
    >>> back = cg.read_chain(folder)
    >>> back.ids.tolist(), back.meta["name"]
    (['007', '整车'], 'toy')
    """
    chain = as_chain(G)
    path = Path(path)
    fmt = _format(path, format)
    if fmt == "json":
        from chaingraph.readwrite.json import write_json

        return write_json(chain, path)
    if fmt in ("graphml", "gexf"):
        from chaingraph.readwrite.graph import write_gexf, write_graphml

        return (write_graphml if fmt == "graphml" else write_gexf)(chain, path)
    if fmt == "excel":
        return _write_excel(chain, path)
    return _write_directory(chain, path, fmt)


def _format(path: Path, format: str | None) -> str:
    if format is None:
        return _SUFFIXES.get(path.suffix.lower(), "csv")
    name = {"xlsx": "excel"}.get(format.lower(), format.lower())
    if name not in WRITE_FORMATS:
        raise ValueError(f"format must be one of {WRITE_FORMATS}, got {format!r}")
    return name


def _write_directory(chain: Chain, path: Path, fmt: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for role, frame in (("enterprises", chain.enterprises), ("links", chain.links)):
        if fmt == "csv":
            with atomic_path(path / f"{role}.csv") as tmp:
                frame_for_file(frame, "csv").to_csv(tmp, index=False,
                                                    encoding="utf-8-sig")
        else:
            with atomic_path(path / f"{role}.parquet") as tmp:
                _to_parquet(frame_for_file(frame, "parquet"), tmp)
    with atomic_path(path / "meta.json") as tmp:
        tmp.write_text(json_dumps(stamp_of(chain, fmt), indent=1), encoding="utf-8")
    return path


def _to_parquet(frame: pd.DataFrame, file: Path) -> None:
    """Parquet needs one type per column: mixed object columns are written as text."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object:
            kind = pd.api.types.infer_dtype(frame[col], skipna=True)
            if kind not in ("string", "integer", "floating", "boolean", "empty"):
                frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    frame.to_parquet(file, index=False)


def _write_excel(chain: Chain, path: Path) -> Path:
    if max(chain.n_enterprises, chain.n_links) > EXCEL_MAX_ROWS:
        raise ChainGraphError(
            f"an Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows; this chain has "
            f"{chain.n_enterprises:,} enterprises and {chain.n_links:,} links: write "
            "format='parquet' or 'csv' instead")
    stamp = stamp_of(chain, "excel")
    meta = pd.DataFrame({"key": ["format", "version", "meta", "schema"],
                         "value": [FORMAT_TAG, str(VERSION),
                                   json_dumps(stamp["meta"]),
                                   json_dumps(stamp["schema"])]}, dtype=object)
    with atomic_path(path) as tmp:
        write_workbook(tmp, {"enterprises": frame_for_file(chain.enterprises, "excel"),
                             "links": frame_for_file(chain.links, "excel"),
                             "meta": meta})
    return path
