"""Loaders and writers: tables (CSV, TSV, Excel, Parquet, JSON), graphs, templates.

* :func:`read_chain` - one loader for every table format and for DataFrames, with
  column mapping and the alias table :data:`ALIASES`; errors name file, row, column.
* :func:`write_chain` - CSV or Parquet directory, Excel workbook, JSON, GraphML, GEXF.
* :func:`read_chain_graph`, :func:`write_graphml`, :func:`write_gexf` - graph files.
* :func:`read_template`, :func:`write_template` - segment templates (YAML, JSON).
"""

from __future__ import annotations

from chaingraph.readwrite._aliases import ALIASES
from chaingraph.readwrite._loading import load_summary
from chaingraph.readwrite.graph import write_gexf, write_graphml
from chaingraph.readwrite.portfolio import Portfolio, read_portfolio
from chaingraph.readwrite.tables import read_chain, read_chain_graph
from chaingraph.readwrite.templates import read_template, write_template
from chaingraph.readwrite.writers import write_chain

__all__ = [
    "ALIASES",
    "Portfolio",
    "load_summary",
    "read_chain",
    "read_chain_graph",
    "read_portfolio",
    "read_template",
    "write_chain",
    "write_gexf",
    "write_graphml",
    "write_template",
]
