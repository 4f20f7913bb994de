"""GraphML and GEXF (Gephi): write a chain as a graph file, read one back.

Both go through networkx. Graph files keep node ids as text; the writers store the
chain's metadata and column kinds (a JSON string: the graph attribute
``chaingraph`` in GraphML, the ``<meta><description>`` of GEXF), so reading a file
we wrote restores ids, amounts and free-form attributes exactly. Files from other
tools are read too: node attributes become enterprise columns, edge attributes
link columns, matched through the alias table (``weight`` -> ``volume``, ...).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from os import PathLike
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainGraphError
from chaingraph.model import BUYER, ID, SUPPLIER, Chain, as_chain
from chaingraph.readwrite._schema import (
    FORMAT_TAG,
    apply_stamp,
    frame_for_file,
    restore,
    stamp_of,
)
from chaingraph.readwrite._sources import RawTable, fail
from chaingraph.readwrite.safety import atomic_path, escape_text, json_dumps

__all__ = ["graph_tables", "write_gexf", "write_graphml"]

_GEXF_EXTRA = ("label",)
#: Attribute names networkx's GEXF writer turns into XML attributes of ``<node>`` /
#: ``<edge>`` (``weight`` must be a number there): a column of that name is written
#: under its escaped name (first letter as ``_xHHHH_``), which reading unescapes.
_GEXF_RESERVED = {
    "enterprises": frozenset({"id", "label", "pid", "start", "end", "viz", "parents",
                              "slices", "spells", "key", "networkx_key"}),
    "links": frozenset({"id", "label", "weight", "type", "start", "end", "slices",
                        "spells", "key", "networkx_key"})}
_GRAPH_DEFAULTS = ("node_default", "edge_default", "mode", FORMAT_TAG)


def _stamp(chain: Chain, fmt: str) -> str:
    return json_dumps(stamp_of(chain, fmt))


def _writable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _present(value: Any) -> bool:
    return not (value is None or value is pd.NA or value is pd.NaT
                or (isinstance(value, float) and math.isnan(value)))


def _file_column(name: str, fmt: str, role: str) -> str:
    """The attribute name of column ``name`` (already escaped) in a graph file."""
    if fmt == "gexf" and name in _GEXF_RESERVED[role]:
        return f"_x{ord(name[0]):04X}_{name[1:]}"
    return name


def _graph_for_file(chain: Chain, fmt: str) -> nx.DiGraph:
    """The chain as a DiGraph of file-safe values (text escaped, missing omitted)."""
    G = nx.DiGraph()
    ents = frame_for_file(chain.enterprises, fmt)
    links = frame_for_file(chain.links, fmt)
    for role, table, ends in (("enterprises", ents, [ID]),
                              ("links", links, [SUPPLIER, BUYER])):
        names = [c if c in ends else _file_column(str(c), fmt, role)
                 for c in table.columns]
        columns = [table.iloc[:, j].to_numpy(dtype=object) for j in range(len(names))]
        for i in range(len(table)):
            row = {n: _writable(c[i]) for n, c in zip(names, columns, strict=True)
                   if _present(c[i])}
            keys = [row.pop(e) for e in ends]
            if len(keys) == 1:
                G.add_node(keys[0], **row)
            else:
                G.add_edge(keys[0], keys[1], **row)
        if G.number_of_nodes() != len(ents):
            _same_text_ids(chain, ents[ID])
    G.graph = {escape_text(str(k)): escape_text(_writable(v))
               for k, v in chain.meta.items() if _present(v)}
    return G


def _same_text_ids(chain: Chain, text: pd.Series) -> None:
    clash = text[text.duplicated(keep=False)]
    shown = ", ".join(repr(v) for v in chain.enterprises[ID][clash.index][:4])
    raise ChainGraphError(
        f"ids {shown} are different values with the same text: a graph file names "
        "nodes by text, so it cannot keep them apart; write the chain as JSON, CSV, "
        "Parquet or Excel instead (these record the kind of every id)")


def write_graphml(G: Chain | nx.DiGraph, path: str | PathLike, /) -> Path:
    """Write a chain as GraphML (UTF-8), with its metadata and column kinds.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    path : path
        File to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ChainGraphError
        Two ids differ but share a text (``7`` and ``"7"``): a graph file names
        nodes by text.

    See Also
    --------
    read_chain_graph, write_gexf, write_chain

    Examples
    --------
    >>> import tempfile, pathlib
    >>> chain = cg.as_chain(nx.DiGraph([("007", "整车", {"volume": 5.0})]))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "chain.graphml"
    >>> back = cg.read_chain_graph(cg.write_graphml(chain, path))
    >>> back.links[["supplier", "buyer", "volume"]].values.tolist()
    [['007', '整车', 5.0]]
    """
    chain = as_chain(G)
    graph = _graph_for_file(chain, "graphml")
    graph.graph[FORMAT_TAG] = _stamp(chain, "graphml")
    with atomic_path(path) as tmp:
        nx.write_graphml(graph, tmp, encoding="utf-8")
    return Path(path)


def write_gexf(G: Chain | nx.DiGraph, path: str | PathLike, /) -> Path:
    """Write a chain as GEXF 1.2 for Gephi, with its metadata and column kinds.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    path : path
        File to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ChainGraphError
        Two ids differ but share a text (``7`` and ``"7"``): a graph file names
        nodes by text.

    See Also
    --------
    read_chain_graph, write_graphml, write_chain

    Examples
    --------
    >>> import tempfile, pathlib
    >>> chain = cg.as_chain(nx.DiGraph([("a", "b", {"volume": 5.0})]))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "chain.gexf"
    >>> cg.read_chain_graph(cg.write_gexf(chain, path)).n_links
    1
    """
    chain = as_chain(G)
    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", version="1.2draft")
    writer.add_graph(_graph_for_file(chain, "gexf"))
    meta = writer.xml.find("meta")
    if meta is None:  # pragma: no cover - networkx always writes <meta>
        meta = ET.SubElement(writer.xml, "meta")
    ET.SubElement(meta, "description").text = _stamp(chain, "gexf")
    with atomic_path(path) as tmp:
        writer.write(tmp)
    return Path(path)


def _read_graph(path: Path, fmt: str) -> tuple[nx.Graph, dict[str, Any]]:
    name = path.name
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    try:
        if fmt == "graphml":
            G = nx.read_graphml(path)
            stamp = G.graph.get(FORMAT_TAG)
        else:
            G = nx.read_gexf(path)
            stamp = _gexf_description(path)
    except Exception as err:  # ParseError, NetworkXError, KeyError, ValueError, ...
        raise fail(f"cannot read the file as {fmt.upper()} ({type(err).__name__}: "
                   f"{err})", name) from None
    if fmt == "graphml" and "None" in G and _node_without_id(path):
        raise fail("a <node> has no id attribute: every node needs one", name)
    if not G.is_directed():
        raise fail("the graph is undirected: a chain needs directed supplier -> buyer "
                   "links", name)
    try:
        info = json.loads(stamp) if isinstance(stamp, str) else {}
    except ValueError:
        info = {}
    return G, info if isinstance(info, dict) and info.get("format") == FORMAT_TAG else {}


def _node_without_id(path: Path) -> bool:
    return any(element.tag.rsplit("}", 1)[-1] == "node" and element.get("id") is None
               for element in ET.parse(path).getroot().iter())


def _gexf_description(path: Path) -> str | None:
    for element in ET.parse(path).getroot().iter():
        if element.tag.rsplit("}", 1)[-1] == "description":
            return element.text
    return None


def _frame(rows: list[dict[str, Any]], first: list[str]) -> pd.DataFrame:
    columns = list(dict.fromkeys([*first, *(k for r in rows for k in r)]))
    return pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object)
                         for c in columns}, index=range(len(rows)))


def graph_tables(path: Path, fmt: str) -> tuple[RawTable, RawTable, dict[str, Any]]:
    """Enterprise and link tables (and metadata) of a GraphML or GEXF file."""
    G, info = _read_graph(path, fmt)
    ours = bool(info)
    nodes = []
    for node, data in G.nodes(data=True):
        row = {k: v for k, v in data.items() if k != ID}
        if fmt == "gexf" and row.get("label") == str(node):
            row.pop("label")
        nodes.append({ID: node, **row})
    edges = [{SUPPLIER: u, BUYER: v,
              **{k: w for k, w in d.items()
                 if k not in (SUPPLIER, BUYER) and not (fmt == "gexf" and k == "id")}}
             for u, v, d in G.edges(data=True)]
    schema = info.get("schema", {}) if ours else {}
    schema = schema if isinstance(schema, dict) else {}
    tables = []
    for role, rows, first in (("enterprises", nodes, [ID]),
                              ("links", edges, [SUPPLIER, BUYER])):
        kinds = schema.get(role, {})
        kinds = kinds if isinstance(kinds, dict) else {}
        absent = [c if c in first else _file_column(escape_text(c), fmt, role)
                  for c in kinds]
        frame = _frame(rows, [*first, *absent])  # columns no element has
        table = RawTable(frame, path.name, rows=None)
        if ours:
            apply_stamp(table, schema, role)
        else:
            for col in frame.columns:
                frame[col] = restore(frame[col], _kind(frame[col]))
        tables.append(table)
    meta = info.get("meta") if ours else {
        k: v for k, v in G.graph.items() if k not in _GRAPH_DEFAULTS}
    return tables[0], tables[1], dict(meta) if isinstance(meta, dict) else {}


def _kind(series: pd.Series) -> str:
    return pd.api.types.infer_dtype(series, skipna=True)
