"""The chain data model: enterprises, supply links, segment templates.

A chain is a directed graph whose nodes are enterprises and whose edges are supply
links from supplier to buyer (upstream to downstream). It has two shapes:

* :class:`Chain`, the columnar form: an enterprise table, a link table and integer
  arrays (CSR) for the kernels. It is what every analysis works on, and what a
  1-million-enterprise network is loaded into.
* a networkx ``DiGraph``, the form people explore with. :meth:`Chain.to_networkx`
  and :meth:`Chain.from_networkx` convert between the two without loss; every
  analysis accepts either (see :func:`as_chain`).

A :class:`SegmentTemplate` is the reference chain of an industry: its segments
(环节) with their stage, and the segment-to-segment supply edges.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph.amounts import parse_amounts
from chaingraph.exceptions import (
    ChainDataError,
    ChainDataWarning,
    Problem,
    TemplateError,
)

__all__ = [
    "BUYER",
    "CAPACITY",
    "DOWNSTREAM",
    "ENTERPRISE_FIELDS",
    "FOREIGN_REGIONS",
    "ID",
    "LINK_FIELDS",
    "MIDSTREAM",
    "NAME",
    "OUTPUT",
    "OUTSIDE_REGION",
    "PRODUCT",
    "REGION",
    "SEGMENT",
    "STAGES",
    "SUPPLIER",
    "UPSTREAM",
    "VOLUME",
    "Chain",
    "SegmentTemplate",
    "as_chain",
]

# --- attribute names -----------------------------------------------------------------
ID = "id"
NAME = "name"
SEGMENT = "segment"
REGION = "region"
OUTPUT = "output"
CAPACITY = "capacity"
SUPPLIER = "supplier"
BUYER = "buyer"
VOLUME = "volume"
PRODUCT = "product"

ENTERPRISE_FIELDS = (ID, NAME, SEGMENT, REGION, OUTPUT, CAPACITY)
LINK_FIELDS = (SUPPLIER, BUYER, VOLUME, CAPACITY, PRODUCT)
ENTERPRISE_AMOUNTS = (OUTPUT, CAPACITY)
LINK_AMOUNTS = (VOLUME, CAPACITY)

UPSTREAM, MIDSTREAM, DOWNSTREAM = "upstream", "midstream", "downstream"
STAGES = (UPSTREAM, MIDSTREAM, DOWNSTREAM)

#: Region given to enterprises that a loader adds because links name them
#: (``unknown="add"``): they sit outside every focal region.
OUTSIDE_REGION = "outside"
#: Region names that mean "abroad" for outside-dependence analyses.
FOREIGN_REGIONS = frozenset(
    {"abroad", "foreign", "overseas", "境外", "国外", "海外", "国际"}
)
#: Metadata keys that travel with a chain.
META_KEYS = ("name", "unit", "currency", "year", "source")
DEFAULT_META = {"unit": "yuan", "currency": "CNY"}


def _location(rows: Any, position: int) -> Any:
    """Row label shown to users for positional row ``position``."""
    return rows[position] if rows is not None else position


class _Collector:
    """Collect problems for one table, located by file, row label and column."""

    def __init__(self, file: str | None, rows: Any, columns: Mapping[str, str]):
        self.file, self.rows, self.columns = file, rows, columns
        self.problems: list[Problem] = []

    def add(self, message: str, position: int | None = None, column: str | None = None):
        row = None if position is None else _location(self.rows, position)
        shown = None if column is None else self.columns.get(column, column)
        self.problems.append(Problem(message, self.file, row, shown))

    def add_many(self, message: str, positions: Iterable[int], column: str | None,
                 limit: int = 50) -> None:
        positions = list(positions)
        for position in positions[:limit]:
            self.add(message, position, column)
        if len(positions) > limit:
            self.add(f"... and {len(positions) - limit} more rows like this", None, column)


#: ``pandas.api.types.infer_dtype`` kinds of id columns that need no per-cell check.
_PLAIN_ID_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "boolean",
                             "empty", "decimal"})


def _clean_ids(series: pd.Series, col: str, out: _Collector) -> Any:
    """Return ids with strings stripped and blanks missing; report blank/unhashable ids.

    Vectorised for the common columns (text or numbers): a text column stays in its
    string dtype (no Python objects at national scale), others become a new object
    array; only columns mixing odd types are checked cell by cell.
    """
    if isinstance(series.dtype, pd.StringDtype):
        text = series.str.strip()
        blank = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool, na_value=False)
        if blank.any():
            text = text.mask(blank)
            out.add_many("blank id: every row needs one", np.flatnonzero(blank), col)
        return text.array
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.to_numpy(copy=True)  # int64 ids: nothing to clean, fast lookups
    values = series.to_numpy(dtype=object, copy=True)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        values, blank = _strip_text(pd.Series(values, dtype=object))
    elif kind in _PLAIN_ID_KINDS:
        blank = pd.isna(values)
    else:
        blank = _check_id_cells(values, col, out)
    if blank.any():
        values[blank] = None
        out.add_many("blank id: every row needs one", np.flatnonzero(blank), col)
    return values


def _strip_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Stripped strings as an object array, and the mask of blank cells."""
    text = series.str.strip()
    blank = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool, na_value=False)
    return text.to_numpy(dtype=object, copy=True), blank


def _check_id_cells(values: np.ndarray, col: str, out: _Collector) -> np.ndarray:
    """Cell-by-cell check of a column mixing types: strip strings, find blanks."""
    blank = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None or v is pd.NA or v is pd.NaT or (
                isinstance(v, (float, np.datetime64)) and np.isnan(v)):
            blank[i] = True
        elif isinstance(v, str):
            values[i] = v.strip()
            blank[i] = not values[i]
        elif not isinstance(v, Hashable) or not _hashes(v):
            out.add(f"{v!r} cannot be an id (not hashable)", i, col)
            blank[i] = True
    return blank


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view: arrays a Chain hands out never alias writable state."""
    view = array.view()
    view.flags.writeable = False
    return view


def _hashes(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _coerce_amounts(frame: pd.DataFrame, columns: Iterable[str], out: _Collector,
                    scale: float) -> None:
    """Parse amount columns in place (on our own copy), reporting bad cells."""
    for col in columns:
        if col not in frame.columns:
            continue
        parsed, bad = parse_amounts(frame[col], scale=scale)
        for position, reason in bad:
            out.add(reason, position, col)
        negative = np.flatnonzero(parsed < 0)
        out.add_many("negative amount: amounts must be >= 0", negative, col)
        frame[col] = parsed


def _check_columns(frame: pd.DataFrame, required: Iterable[str], out: _Collector) -> bool:
    missing = [c for c in required if c not in frame.columns]
    for col in missing:
        shown = out.columns.get(col, col)
        out.problems.append(Problem(
            f"missing required column {shown!r} (found: {', '.join(map(str, frame.columns))};"
            " pass a column mapping if it has another name)", out.file, None, shown))
    return not missing


class Chain:
    """An industrial chain in columnar form: enterprises, supply links and metadata.

    Build one with :meth:`from_frames` (validating), :meth:`from_networkx`, or the
    loaders in :mod:`chaingraph.readwrite`. A chain is immutable: analyses never change
    it, and methods that "change" it return a new chain.

    Invariants (guaranteed by validation): enterprise ids are unique and not blank;
    every link names two known enterprises; no (supplier, buyer) pair appears twice;
    amounts (``output``, ``capacity``, ``volume``) are finite and >= 0, or NaN when
    not given; self-loops appear only when asked for (``self_loops="keep"``).

    Parameters
    ----------
    enterprises : DataFrame
        One row per enterprise, column ``id`` plus any of ``name``, ``segment``,
        ``region``, ``output``, ``capacity`` and free-form columns. Not validated:
        use :meth:`from_frames` for untrusted data.
    links : DataFrame
        One row per link, columns ``supplier`` and ``buyer`` plus any of ``volume``,
        ``capacity``, ``product`` and free-form columns.
    meta : dict, optional
        ``name``, ``unit``, ``currency``, ``year``, ``source`` and anything else.

    Examples
    --------
    >>> ent = pd.DataFrame({"id": ["矿业", "电池", "整车"], "segment": ["ore", "cell", "car"]})
    >>> lk = pd.DataFrame({"supplier": ["矿业", "电池"], "buyer": ["电池", "整车"],
    ...                    "volume": ["12万", "3.5亿"]})
    >>> chain = cg.Chain.from_frames(ent, lk)
    >>> chain
    <Chain: 3 enterprises, 2 links>
    >>> chain.links["volume"].tolist()
    [120000.0, 350000000.0]
    >>> sorted(chain.to_networkx().edges)
    [('电池', '整车'), ('矿业', '电池')]
    """

    __slots__ = ("__dict__", "_enterprises", "_links", "_meta")

    def __init__(self, enterprises: pd.DataFrame, links: pd.DataFrame,
                 meta: Mapping[str, Any] | None = None) -> None:
        self._enterprises = enterprises.reset_index(drop=True)
        self._links = links.reset_index(drop=True)
        self._meta = {**DEFAULT_META, **(dict(meta) if meta else {})}

    # --- construction ------------------------------------------------------------------
    @classmethod
    def from_frames(
        cls,
        enterprises: pd.DataFrame | None,
        links: pd.DataFrame,
        *,
        meta: Mapping[str, Any] | None = None,
        template: SegmentTemplate | None = None,
        unknown: str = "error",
        self_loops: str = "error",
        duplicates: str = "error",
        scale: float = 1.0,
        files: tuple[str | None, str | None] = ("enterprises", "links"),
        rows: tuple[Any, Any] = (None, None),
        columns: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {}),
    ) -> Chain:
        """Validate two tables and build a chain, reporting every problem at once.

        Parameters
        ----------
        enterprises : DataFrame or None
            Enterprise table with an ``id`` column. ``None``: enterprises are taken
            from the links (every supplier and buyer, with no attributes).
        links : DataFrame
            Link table with ``supplier`` and ``buyer`` columns.
        meta : dict, optional
            Chain metadata (``name``, ``unit``, ``currency``, ``year``, ``source``).
        template : SegmentTemplate, optional
            When given, every non-blank ``segment`` must be one of its segments (by id,
            Chinese or English name); segments are stored as template ids.
        unknown : {"error", "add"}, default "error"
            Links naming an enterprise not in the table: report it, or add it as an
            outside enterprise (region ``"outside"``, attribute ``added=True``).
        self_loops : {"error", "keep", "drop"}, default "error"
            Links from an enterprise to itself.
        duplicates : {"error", "sum"}, default "error"
            Several rows for one (supplier, buyer) pair: report them, or merge them
            (amounts summed, products joined with ``"; "``).
        scale : float, default 1.0
            Multiplier for plain-number amounts (e.g. ``1e4`` for a sheet in 万元).
        files, rows, columns
            How to name the tables, rows and columns in error messages: file names,
            the row labels to show for each positional row (e.g. spreadsheet row
            numbers), and canonical-to-user column names. Loaders fill these in.

        Returns
        -------
        Chain

        Raises
        ------
        ChainDataError
            With every problem found: missing columns, blank or duplicate ids,
            unknown enterprises, self-loops, duplicate links, bad amounts, segments
            not in the template.

        Examples
        --------
        >>> ent = pd.DataFrame({"id": ["a", "a"], "output": ["1", "-2"]})
        >>> lk = pd.DataFrame({"supplier": ["a"], "buyer": ["zz"]})
        >>> cg.Chain.from_frames(ent, lk)
        Traceback (most recent call last):
        ...
        chaingraph.exceptions.ChainDataError: 3 problems in the input:
          - enterprises, row 1, column 'id': duplicate id 'a' (first seen in row 0)
          - enterprises, row 1, column 'output': negative amount: amounts must be >= 0
          - links, row 0, column 'buyer': unknown enterprise 'zz' (not in the enterprise table; pass unknown='add' to add it as an outside enterprise)
        """
        for name, value, allowed in (("unknown", unknown, ("error", "add")),
                                     ("self_loops", self_loops, ("error", "keep", "drop")),
                                     ("duplicates", duplicates, ("error", "sum"))):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        ent_out = _Collector(files[0], rows[0], columns[0])
        link_out = _Collector(files[1], rows[1], columns[1])
        links = links.copy(deep=False)
        has_links = _check_columns(links, (SUPPLIER, BUYER), link_out)
        if has_links:
            for col in (SUPPLIER, BUYER):
                links[col] = _clean_ids(links[col], col, link_out)
        if enterprises is None:
            enterprises = _enterprises_from_links(links if has_links else None)
        enterprises = enterprises.copy(deep=False)
        has_ids = _check_columns(enterprises, (ID,), ent_out)
        if has_ids:
            enterprises[ID] = _clean_ids(enterprises[ID], ID, ent_out)
            dup = (enterprises[ID].duplicated(keep=False).to_numpy()
                   & enterprises[ID].notna().to_numpy())
            first: dict[Any, int] = {}
            for i in np.flatnonzero(dup):
                key = enterprises[ID].iat[i]
                if key in first:
                    ent_out.add(f"duplicate id {key!r} (first seen in row "
                                f"{_location(ent_out.rows, first[key])})", i, ID)
                else:
                    first[key] = i
        _coerce_amounts(enterprises, ENTERPRISE_AMOUNTS, ent_out, scale)
        if template is not None and SEGMENT in enterprises.columns:
            enterprises[SEGMENT] = template._map_segments(enterprises[SEGMENT], ent_out)
        _coerce_amounts(links, LINK_AMOUNTS, link_out, scale)
        cache: dict[str, Any] = {}
        if has_ids and has_links:
            enterprises, links, cache = _resolve_links(
                enterprises, links, link_out, unknown, self_loops, duplicates)
        problems = ent_out.problems + link_out.problems
        if problems:
            raise ChainDataError(problems)
        chain = cls(enterprises, links, meta)
        chain.__dict__.update(cache)  # link codes computed while validating
        _warn_partial_amounts(chain)
        return chain

    @classmethod
    def from_networkx(
        cls, G: nx.DiGraph, /, *, mapping: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Chain:
        """Build a chain from a networkx directed graph (without changing it).

        Parameters
        ----------
        G : networkx.DiGraph
            Nodes are enterprises, edges ``u -> v`` mean u supplies v. Node and edge
            attributes become columns; ``G.graph`` becomes the metadata.
        mapping : dict, optional
            Attribute renames to the canonical names, e.g. ``{"weight": "volume"}``.
        **kwargs
            Passed to :meth:`from_frames` (``template``, ``self_loops``, ...).
            Self-loops present in ``G`` are kept unless ``self_loops`` says otherwise.

        Returns
        -------
        Chain

        Raises
        ------
        networkx.NetworkXNotImplemented
            For undirected graphs and multigraphs.
        ChainDataError
            For bad attribute values (negative volumes, ...).

        Examples
        --------
        >>> G = nx.DiGraph([("mine", "smelter", {"weight": 5.0})])
        >>> chain = cg.Chain.from_networkx(G, mapping={"weight": "volume"})
        >>> chain.links[["supplier", "buyer", "volume"]].values.tolist()
        [['mine', 'smelter', 5.0]]
        """
        if not G.is_directed():
            raise nx.NetworkXNotImplemented("not implemented for undirected type")
        if G.is_multigraph():
            raise nx.NetworkXNotImplemented(
                "not implemented for multigraph type: merge parallel edges first")
        mapping = dict(mapping or {})
        nodes = list(G.nodes)
        node_rows = [{k: v for k, v in data.items() if k != ID} for _, data in G.nodes(data=True)]
        enterprises = pd.DataFrame(node_rows, index=range(len(nodes))).rename(columns=mapping)
        # integer node ids stay an int64 column, as read_chain keeps them
        id_dtype = np.int64 if nodes and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            and -2**63 <= v < 2**63 for v in nodes) else object
        enterprises.insert(0, ID, pd.Series(nodes, dtype=id_dtype))
        edge_rows = [{SUPPLIER: u, BUYER: v,
                      **{k: w for k, w in d.items() if k not in (SUPPLIER, BUYER)}}
                     for u, v, d in G.edges(data=True)]
        links = pd.DataFrame(edge_rows, columns=None if edge_rows else [SUPPLIER, BUYER])
        links = links.rename(columns=mapping)
        for col in (SUPPLIER, BUYER):
            links[col] = links[col].astype(id_dtype)
        kwargs.setdefault("self_loops", "keep")
        kwargs.setdefault("files", ("graph nodes", "graph edges"))
        meta = {**G.graph, **kwargs.pop("meta", {})}
        return cls.from_frames(enterprises, links, meta=meta, **kwargs)

    # --- the two tables and metadata ---------------------------------------------------
    @property
    def enterprises(self) -> pd.DataFrame:
        """Enterprise table (a copy: changing it does not change the chain)."""
        return self._enterprises.copy()

    @property
    def links(self) -> pd.DataFrame:
        """Link table (a copy: changing it does not change the chain)."""
        return self._links.copy()

    @property
    def meta(self) -> dict[str, Any]:
        """Metadata: ``name``, ``unit``, ``currency``, ``year``, ``source``, ..."""
        return dict(self._meta)

    @property
    def n_enterprises(self) -> int:
        """Number of enterprises."""
        return len(self._enterprises)

    @property
    def n_links(self) -> int:
        """Number of links."""
        return len(self._links)

    def __len__(self) -> int:
        return self.n_enterprises

    def __repr__(self) -> str:
        name = self._meta.get("name")
        label = f" {name!r}" if name else ""
        return f"<Chain{label}: {self.n_enterprises} enterprises, {self.n_links} links>"

    def column(self, name: str, *, table: str = "enterprises", default: Any = np.nan
               ) -> np.ndarray:
        """Return one column as a numpy array (``default`` everywhere when absent).

        Numeric columns come back as float64 (NaN for missing), others as object.

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b", {"volume": 2})]))
        >>> chain.column("volume", table="links").tolist()
        [2.0]
        >>> chain.column("region", default=None).tolist()
        [None, None]
        """
        frame = self._enterprises if table == "enterprises" else self._links
        if name in frame.columns:
            series = frame[name]
            if pd.api.types.is_numeric_dtype(series.dtype):
                return _read_only(series.to_numpy(dtype=np.float64, na_value=np.nan))
            return _read_only(series.to_numpy(dtype=object))
        n = len(frame)
        return np.full(n, default, dtype=np.float64 if isinstance(default, float) else object)

    # --- integer form for kernels ------------------------------------------------------
    @cached_property
    def index(self) -> pd.Index:
        """Enterprise ids as a pandas Index; position = integer code used by kernels."""
        return pd.Index(self._enterprises[ID].to_numpy(dtype=object), dtype=object)

    @cached_property
    def ids(self) -> np.ndarray:
        """Enterprise ids as a read-only object array (position = integer code)."""
        return _read_only(self.index.to_numpy())

    @cached_property
    def link_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(supplier_codes, buyer_codes)``: read-only integer positions of link ends."""
        codes = self._links.attrs.get("_codes")
        if codes is None:
            ids = self._enterprises[ID]
            codes = _lookup(ids, self._links[SUPPLIER]), _lookup(ids, self._links[BUYER])
        return _read_only(codes[0]), _read_only(codes[1])

    def codes_of(self, ids: Iterable[Any]) -> np.ndarray:
        """Integer codes of enterprise ids; raises ``NodeNotFound`` for unknown ids."""
        ids = list(ids)
        codes = self.index.get_indexer(pd.Index(ids, dtype=object))
        if (codes < 0).any():
            missing = [i for i, c in zip(ids, codes, strict=True) if c < 0][:5]
            raise nx.NodeNotFound(f"enterprise(s) not in the chain: {missing}")
        return codes.astype(np.int64)

    def link_weights(self, weight: str | None = VOLUME, *, missing: float = 0.0
                     ) -> np.ndarray:
        """Per-link weights: the column ``weight`` (NaN -> ``missing``), or ones.

        With ``weight=VOLUME`` and no volume column at all, every link weighs 1.
        """
        if weight is None or weight not in self._links.columns:
            return np.ones(self.n_links)
        values = self.column(weight, table="links").astype(np.float64)
        return np.where(np.isnan(values), missing, values)

    def adjacency(self, weight: str | None = VOLUME) -> sp.csr_array:
        """Supplier x buyer sparse matrix: ``A[i, j]`` = weight of link i -> j.

        Examples
        --------
        >>> G = nx.DiGraph([("a", "b", {"volume": 2.0}), ("b", "c", {"volume": 3.0})])
        >>> cg.as_chain(G).adjacency().toarray().tolist()
        [[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]]
        """
        src, dst = self.link_codes
        n = self.n_enterprises
        return sp.csr_array((self.link_weights(weight), (src, dst)), shape=(n, n))

    @cached_property
    def structure(self) -> sp.csr_array:
        """Unweighted adjacency (CSR, int8 ones, sorted indices), cached for kernels."""
        src, dst = self.link_codes
        n = self.n_enterprises
        A = sp.csr_array((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        A.sort_indices()
        return A

    # --- conversions -------------------------------------------------------------------
    def to_networkx(self) -> nx.DiGraph:
        """Return a new ``DiGraph`` with every attribute (NaN attributes are omitted).

        Examples
        --------
        >>> G = nx.DiGraph([("a", "b", {"volume": 2.0})])
        >>> H = cg.as_chain(G).to_networkx()
        >>> list(H.edges(data=True))
        [('a', 'b', {'volume': 2.0})]
        """
        G = nx.DiGraph(**self._meta)
        attrs = [c for c in self._enterprises.columns if c != ID]
        for row in self._enterprises.itertuples(index=False, name=None):
            G.add_node(row[0], **_present(zip(attrs, row[1:], strict=True)))
        lattrs = [c for c in self._links.columns if c not in (SUPPLIER, BUYER)]
        cols = [SUPPLIER, BUYER, *lattrs]
        for row in self._links[cols].itertuples(index=False, name=None):
            G.add_edge(row[0], row[1], **_present(zip(lattrs, row[2:], strict=True)))
        return G

    def with_tables(self, enterprises: pd.DataFrame | None = None,
                    links: pd.DataFrame | None = None, **kwargs: Any) -> Chain:
        """Return a new, validated chain with one or both tables replaced."""
        return Chain.from_frames(
            self._enterprises if enterprises is None else enterprises,
            self._links if links is None else links,
            meta=kwargs.pop("meta", self._meta), **{"self_loops": "keep", **kwargs})

    def subchain(self, ids: Iterable[Any]) -> Chain:
        """Chain induced by the given enterprises (links among them only)."""
        keep = np.zeros(self.n_enterprises, dtype=bool)
        keep[self.codes_of(ids)] = True
        src, dst = self.link_codes
        return Chain(self._enterprises[keep], self._links[keep[src] & keep[dst]], self._meta)


def _enterprises_from_links(links: pd.DataFrame | None) -> pd.DataFrame:
    """Enterprise table of the suppliers and buyers named in (cleaned) links."""
    if links is None:
        return pd.DataFrame({ID: pd.Series([], dtype=object)})
    ids = pd.concat([links[SUPPLIER], links[BUYER]], ignore_index=True)
    return pd.DataFrame({ID: ids[ids.notna()].unique()})


def _present(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out = {}
    for key, value in pairs:
        if value is None or value is pd.NA:
            continue
        if isinstance(value, float) and np.isnan(value):
            continue
        out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def _resolve_links(enterprises: pd.DataFrame, links: pd.DataFrame, out: _Collector,
                   unknown: str, self_loops: str, duplicates: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Check link ends, self-loops and duplicate pairs; add or merge as asked.

    Also returns what was computed on the way and stays valid for the chain (the
    ``link_codes`` cached property), so kernels need not redo it.
    """
    blank = links[SUPPLIER].isna().to_numpy() | links[BUYER].isna().to_numpy()
    codes = {}
    for col in (SUPPLIER, BUYER):
        code = _lookup(enterprises[ID], links[col])
        missing = np.flatnonzero((code < 0) & ~blank)
        if len(missing) and unknown == "add":
            values = links[col].to_numpy(dtype=object)
            new = pd.unique(values[missing])
            extra = pd.DataFrame({ID: pd.Series(new, dtype=object)})
            extra[REGION], extra["added"] = OUTSIDE_REGION, True
            enterprises = pd.concat([enterprises, extra], ignore_index=True)
            code = _lookup(enterprises[ID], links[col])
        else:
            values = links[col].to_numpy(dtype=object) if len(missing) else None
            for i in missing[:50]:
                out.add(f"unknown enterprise {values[i]!r} (not in the enterprise table; "
                        "pass unknown='add' to add it as an outside enterprise)", i, col)
            if len(missing) > 50:
                out.add(f"... and {len(missing) - 50} more links to unknown enterprises",
                        None, col)
        codes[col] = code
    # ids added for unknown buyers are appended: supplier codes stay valid
    src, dst = codes[SUPPLIER].astype(np.int64), codes[BUYER].astype(np.int64)
    valid = (src >= 0) & (dst >= 0)
    loops = np.flatnonzero(valid & (src == dst))
    if len(loops) and self_loops == "error":
        out.add_many("self-loop: an enterprise cannot supply itself (pass "
                     "self_loops='keep' or 'drop' if this is intended)", loops, BUYER)
    elif len(loops) and self_loops == "drop":
        keep = np.ones(len(links), dtype=bool)
        keep[loops] = False
        links, src, dst, valid = links[keep], src[keep], dst[keep], valid[keep]
    key = src * (len(enterprises) + 1) + dst
    ordered = np.sort(key[valid])  # sorting is far faster than hashing 5M keys
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():
        dup = pd.Series(key).duplicated(keep=False).to_numpy() & valid
    else:
        dup = np.zeros(len(key), dtype=bool)
    cache: dict[str, Any] = {"link_codes": (_read_only(src), _read_only(dst))}
    if dup.any() and duplicates == "error":
        _report_duplicate_links(links, key, dup, out)
    elif dup.any():
        links = _merge_duplicates(links.assign(_key=key))
        cache = {}
    return enterprises.reset_index(drop=True), links.reset_index(drop=True), cache


def _report_duplicate_links(links: pd.DataFrame, key: np.ndarray, dup: np.ndarray,
                            out: _Collector) -> None:
    first: dict[int, int] = {}
    for i in np.flatnonzero(dup):
        k = int(key[i])
        if k in first:
            out.add(f"duplicate link {links[SUPPLIER].iat[i]!r} -> "
                    f"{links[BUYER].iat[i]!r} (first in row "
                    f"{_location(out.rows, first[k])}; pass duplicates='sum' to merge)",
                    i, BUYER)
        else:
            first[k] = i


def _lookup(ids: pd.Series, targets: pd.Series) -> np.ndarray:
    """Position (int64) of each target among ``ids`` (first occurrence); -1 if absent.

    Text columns are matched with pyarrow's hash lookup when available, integer
    columns through an int64 index; anything else through an object index.
    """
    both_text = (isinstance(ids.dtype, pd.StringDtype)
                 and isinstance(targets.dtype, pd.StringDtype))
    if both_text and ids.dtype.storage == targets.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(targets.array), value_set=pa.array(ids.array),
                            skip_nulls=True)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    if (pd.api.types.is_integer_dtype(ids.dtype)
            and pd.api.types.is_integer_dtype(targets.dtype)):
        index = pd.Index(ids.to_numpy())
        if index.is_unique:
            return index.get_indexer(targets.to_numpy()).astype(np.int64)
    index = _first_index(ids)
    values = pd.Index(targets.to_numpy(dtype=object), dtype=object)
    return index.get_indexer(values).astype(np.int64)


def _first_index(ids: pd.Series) -> pd.Index:
    """Index of ids for lookups; with duplicate ids (already reported) the first wins."""
    values = ids.to_numpy(dtype=object)
    index = pd.Index(values, dtype=object)
    if index.is_unique:
        return index
    return pd.Index(pd.unique(values), dtype=object)


def _merge_duplicates(links: pd.DataFrame) -> pd.DataFrame:
    agg: dict[str, Any] = {}
    for col in links.columns:
        if col == "_key":
            continue
        if col in LINK_AMOUNTS:
            agg[col] = lambda s: s.sum(min_count=1)
        elif col == PRODUCT:
            agg[col] = lambda s: "; ".join(dict.fromkeys(str(v) for v in s if pd.notna(v)))
        else:
            agg[col] = "first"
    merged = links.groupby("_key", sort=False).agg(agg)
    return merged.reset_index(drop=True)


def _warn_partial_amounts(chain: Chain) -> None:
    for table, frame, cols in (("enterprise", chain._enterprises, ENTERPRISE_AMOUNTS),
                               ("link", chain._links, LINK_AMOUNTS)):
        for col in cols:
            if col in frame.columns:
                missing = int(frame[col].isna().sum())
                if 0 < missing < len(frame):
                    warnings.warn(
                        f"{missing} of {len(frame)} {table}s have no {col!r}; analyses "
                        f"treat a missing {col} as unknown (see each analysis's Notes)",
                        ChainDataWarning, stacklevel=3)


def as_chain(data: Chain | nx.DiGraph, /, **kwargs: Any) -> Chain:
    """Return ``data`` as a :class:`Chain` (a Chain is returned as is).

    Every analysis calls this once on its input, so users may pass either form.

    Parameters
    ----------
    data : Chain or networkx.DiGraph
        The chain.
    **kwargs
        Passed to :meth:`Chain.from_networkx` when ``data`` is a graph.

    Returns
    -------
    Chain

    Raises
    ------
    TypeError
        For anything else.

    Examples
    --------
    >>> cg.as_chain(nx.DiGraph([(1, 2)]))
    <Chain: 2 enterprises, 1 links>
    """
    if isinstance(data, Chain):
        return data
    if isinstance(data, nx.Graph):
        return Chain.from_networkx(data, **kwargs)
    raise TypeError(
        f"expected a chaingraph.Chain or a networkx.DiGraph, got {type(data).__name__}")


# --- segment templates -------------------------------------------------------------------
class SegmentTemplate:
    """The reference chain of an industry: segments and segment-to-segment supply edges.

    Parameters
    ----------
    segments : DataFrame
        Columns ``id``, ``name_zh``, ``name_en``, ``stage`` (upstream / midstream /
        downstream), optional ``description``.
    edges : DataFrame
        Columns ``supplier`` and ``buyer`` (segment ids), optional ``essential``
        (bool, default True: the buyer segment cannot produce without this input).
    meta : dict, optional
        ``id``, ``name_zh``, ``name_en``, ``basis`` (what the structure is based on),
        ``description``, ``version``.

    Examples
    --------
    >>> tpl = cg.SegmentTemplate.from_dict({
    ...     "id": "toy", "segments": [
    ...         {"id": "ore", "name_zh": "矿石", "name_en": "Ore", "stage": "upstream"},
    ...         {"id": "car", "name_zh": "整车", "name_en": "Car", "stage": "downstream"}],
    ...     "edges": [["ore", "car"]]})
    >>> tpl
    <SegmentTemplate 'toy': 2 segments, 1 edges>
    >>> tpl.resolve("整车"), tpl.stage_of("ore")
    ('car', 'upstream')
    """

    def __init__(self, segments: pd.DataFrame, edges: pd.DataFrame,
                 meta: Mapping[str, Any] | None = None) -> None:
        self.meta = dict(meta or {})
        self.segments, self.edges = _validate_template(segments, edges, self.meta)
        labels: dict[str, str] = {}
        for row in self.segments.itertuples(index=False):
            for label in (row.id, row.name_zh, row.name_en):
                if isinstance(label, str) and label:
                    labels.setdefault(_norm_label(label), row.id)
        self._labels = labels

    @property
    def name(self) -> str:
        """Template id (e.g. ``"nev"``)."""
        return str(self.meta.get("id", "template"))

    @property
    def segment_ids(self) -> list[str]:
        """Segment ids in template order."""
        return self.segments["id"].tolist()

    def __repr__(self) -> str:
        return (f"<SegmentTemplate {self.name!r}: {len(self.segments)} segments, "
                f"{len(self.edges)} edges>")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentTemplate:
        """Build a template from a dict (the parsed YAML/JSON layout).

        The layout is ``{"id", "name_zh", "name_en", "basis", "segments": [{"id",
        "name_zh", "name_en", "stage"}, ...], "edges": [[supplier, buyer], ...] or
        [{"supplier", "buyer", "essential"}, ...]}``.
        """
        if not isinstance(data, Mapping) or "segments" not in data:
            raise TemplateError("a template needs a 'segments' list (and an 'edges' list)")
        segments = pd.DataFrame(list(data["segments"]))
        rows = []
        for edge in data.get("edges", []) or []:
            if isinstance(edge, Mapping):
                rows.append(dict(edge))
            elif isinstance(edge, (list, tuple)) and len(edge) in (2, 3):
                row = {"supplier": edge[0], "buyer": edge[1]}
                if len(edge) == 3:
                    row["essential"] = edge[2]
                rows.append(row)
            else:
                raise TemplateError(f"template edge {edge!r} is not [supplier, buyer]")
        edges = pd.DataFrame(rows, columns=None if rows else ["supplier", "buyer"])
        meta = {k: v for k, v in data.items() if k not in ("segments", "edges")}
        return cls(segments, edges, meta)

    def to_dict(self) -> dict[str, Any]:
        """The template as a plain dict (inverse of :meth:`from_dict`)."""
        segments = [_present(row.items()) for row in self.segments.to_dict("records")]
        edges = [_present(row.items()) for row in self.edges.to_dict("records")]
        return {**self.meta, "segments": segments, "edges": edges}

    def to_networkx(self) -> nx.DiGraph:
        """Segment graph: nodes are segment ids with their attributes."""
        G = nx.DiGraph(**self.meta)
        for row in self.segments.to_dict("records"):
            G.add_node(row["id"], **_present((k, v) for k, v in row.items() if k != "id"))
        for row in self.edges.to_dict("records"):
            G.add_edge(row["supplier"], row["buyer"],
                       **_present((k, v) for k, v in row.items()
                                  if k not in ("supplier", "buyer")))
        return G

    def resolve(self, label: Any) -> str | None:
        """Template segment id for an id, Chinese name or English name (else None)."""
        if not isinstance(label, str):
            return None
        return self._labels.get(_norm_label(label))

    def stage_of(self, segment: str) -> str | None:
        """Stage of a segment (id or name), or None when it is not in the template."""
        sid = self.resolve(segment)
        if sid is None:
            return None
        return str(self.segments.loc[self.segments["id"] == sid, "stage"].iat[0])

    @cached_property
    def depth(self) -> dict[str, int]:
        """Position of each segment along the template: longest path from a root.

        Cycles in the template (recycling loops) are condensed first.
        """
        G = self.to_networkx()
        C = nx.condensation(G)
        level: dict[int, int] = {}
        for c in nx.topological_sort(C):
            level[c] = max((level[p] + 1 for p in C.predecessors(c)), default=0)
        mapping = C.graph["mapping"]
        return {s: level[mapping[s]] for s in self.segment_ids}

    def _map_segments(self, column: pd.Series, out: _Collector) -> pd.Series:
        """Segment labels -> template ids, resolving each distinct label once."""
        codes, labels = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
        resolved = np.empty(len(labels) + 1, dtype=object)
        resolved[:] = None
        for k, label in enumerate(labels):
            if isinstance(label, str) and not label.strip():
                continue
            sid = self.resolve(str(label))
            if sid is None:
                positions = np.flatnonzero(codes == k)
                out.add_many(f"segment {str(label)!r} is not in template {self.name!r} "
                             f"(known: {', '.join(self.segment_ids[:8])}, ...; use an "
                             "id, Chinese or English name)", positions, SEGMENT, limit=3)
            else:
                resolved[k] = sid
        return pd.Series(resolved[codes], index=column.index, dtype=object)


def _norm_label(label: str) -> str:
    return " ".join(label.strip().lower().replace("_", " ").split())


def _validate_template(segments: pd.DataFrame, edges: pd.DataFrame,
                       meta: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    name = meta.get("id", "template")
    problems = []
    segments = segments.copy()
    edges = edges.copy()
    for col in ("id", "stage"):
        if col not in segments.columns:
            raise TemplateError(f"template {name!r}: segments need an {col!r} column")
    for col in ("name_zh", "name_en"):
        if col not in segments.columns:
            segments[col] = segments["id"]
    segments["id"] = segments["id"].astype(str)
    dup = segments["id"][segments["id"].duplicated()].tolist()
    if dup:
        problems.append(f"duplicate segment ids {dup}")
    bad_stage = segments.loc[~segments["stage"].isin(STAGES), "id"].tolist()
    if bad_stage:
        problems.append(f"segments {bad_stage} have a stage not in {STAGES}")
    for col in ("supplier", "buyer"):
        if col not in edges.columns:
            raise TemplateError(f"template {name!r}: edges need a {col!r} column")
        edges[col] = edges[col].astype(str)
    known = set(segments["id"])
    for row in edges.itertuples(index=False):
        for end in (row.supplier, row.buyer):
            if end not in known:
                problems.append(f"edge {row.supplier} -> {row.buyer} names unknown "
                                f"segment {end!r}")
        if row.supplier == row.buyer:
            problems.append(f"edge {row.supplier} -> {row.buyer} is a self-loop")
    if edges.duplicated(["supplier", "buyer"]).any():
        problems.append("duplicate edges")
    if "essential" not in edges.columns:
        edges["essential"] = True
    edges["essential"] = edges["essential"].fillna(True).astype(bool)
    if problems:
        raise TemplateError(f"template {name!r}: " + "; ".join(problems))
    return segments.reset_index(drop=True), edges.reset_index(drop=True)
