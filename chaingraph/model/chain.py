"""The chain data model: enterprises, supply links and metadata.

A chain is a directed graph whose nodes are enterprises and whose edges are supply
links from supplier to buyer (upstream to downstream). It has two shapes:

* :class:`Chain`, the columnar form: an enterprise table, a link table and integer
  arrays (CSR) for the kernels. It is what every analysis works on, and what a
  1-million-enterprise network is loaded into.
* a networkx ``DiGraph``, the form people explore with. :meth:`Chain.to_networkx`
  and :meth:`Chain.from_networkx` convert between the two without loss; every
  analysis accepts either (see :func:`as_chain`).

Long module (about 525 lines): the one chain type, its constructors from tables and
from networkx, and its read-only accessors; the validation it calls is in
:mod:`chaingraph.model.validation`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph._warnings import outside_stacklevel
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.model.fields import (
    BUYER,
    DEFAULT_META,
    ENTERPRISE_AMOUNTS,
    ID,
    LINK_AMOUNTS,
    SEGMENT,
    SUPPLIER,
    VOLUME,
)
from chaingraph.model.idlookup import OwnCodes, is_arrow_text, lookup, scan_positions
from chaingraph.model.objects import filled, text_objects
from chaingraph.model.validation import (
    Collector,
    check_columns,
    clean_ids,
    coerce_amounts,
    enterprises_from_links,
    map_segments,
    present_items,
    read_only,
    report_duplicate_ids,
    resolve_links,
    warn_partial_amounts,
    weight_as_volume,
)

if TYPE_CHECKING:
    from chaingraph.model.template import SegmentTemplate

__all__ = ["Chain", "as_chain"]

_T = TypeVar("_T")
#: Graph attribute by which :meth:`Chain.to_networkx` says that the edges' ``weight``
#: is a link column of its own, not the volume (read by :meth:`Chain.from_networkx`).
WEIGHT_IS_VOLUME = "chaingraph_weight_is_volume"
#: Graph attribute beside :data:`WEIGHT_IS_VOLUME`: the edges it was written for
#: (:func:`_weight_check`), so that a graph changed since is noticed.
WEIGHT_CHECK = "chaingraph_weight_check"
#: :meth:`Chain.lookup_codes` scans the ids (instead of hashing them all) for at
#: most one id in this many enterprises,
SCAN_SHARE = 16
#: on chains of at least this many enterprises (below, the hash table is cheap),
SCAN_MIN_ENTERPRISES = 50_000
#: the first this many times per chain (many small lookups: the hash table pays).
SCAN_CALLS = 8


def _weight_check(weights: pd.Series | None, n_edges: int) -> list[float]:
    """[edges, edges with a weight, exact sum of the numeric weights]: the same for
    a chain's link column and the edges :meth:`Chain.to_networkx` made of it (in any
    order), and changed by an edge added or removed or a weight edited."""
    if weights is None:
        return [n_edges, 0, 0.0]
    values = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return [n_edges, int(weights.notna().sum()),
            math.fsum(values[np.isfinite(values)].tolist())]


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

    __slots__ = ("__dict__", "_cache", "_enterprises", "_links", "_meta")

    def __init__(self, enterprises: pd.DataFrame, links: pd.DataFrame,
                 meta: Mapping[str, Any] | None = None, *,
                 link_codes: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self._enterprises = enterprises.reset_index(drop=True)
        self._links = links.reset_index(drop=True)
        self._meta = {**DEFAULT_META, **(dict(meta) if meta else {})}
        self._cache: dict[str, Any] = {}
        if link_codes is not None:  # trusted: computed by the caller for these tables
            self.__dict__["link_codes"] = (read_only(link_codes[0]),
                                           read_only(link_codes[1]))

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_cache"):  # set last in __init__: the chain is built
            raise AttributeError(
                f"a Chain is immutable (cannot set {name!r}): build a new one with "
                "with_tables(), subchain() or Chain.from_frames()")
        object.__setattr__(self, name, value)

    def __getstate__(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Pickle the tables and cached properties, not the analyses' cache."""
        return dict(self.__dict__), {"_enterprises": self._enterprises,
                                     "_links": self._links, "_meta": self._meta}

    def __setstate__(self, state: tuple[dict[str, Any], dict[str, Any]]) -> None:
        """Unpickle (and copy) without going through the immutability guard."""
        values, slots = state
        self.__dict__.update(values)
        for name, value in slots.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_cache", {})

    # --- derived values, computed once per chain ---------------------------------------
    def cached(self, key: Hashable, compute: Callable[[], _T], *,
               owner: object = None) -> _T:
        """Return ``compute()``, computed once per chain and kept under ``key``.

        Analyses keep what they derive from the chain's tables (CSR arrays, strongly
        connected components, tiers) here instead of recomputing it per call. A chain
        never changes, and every method that "changes" one returns a new chain with an
        empty cache, so a cached value cannot go stale. Keys are namespaced by the
        caller (``"structure.tiers"``, ...). A value that also derives from another
        object (a template, an array) names it as ``owner``: the entry is kept per
        owner object (by identity, holding it, so its id is never reused).

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
        >>> chain.cached("demo.n", lambda: chain.n_links * 10)
        10
        >>> chain.cached("demo.n", lambda: 0)  # computed once
        10
        >>> a, b = object(), object()
        >>> chain.cached("demo.owned", lambda: 1, owner=a), chain.cached(
        ...     "demo.owned", lambda: 2, owner=b)
        (1, 2)
        >>> chain.cached("demo.owned", lambda: 3, owner=a)  # a's entry
        1
        """
        if owner is None:
            try:
                return self._cache[key]
            except KeyError:
                value = self._cache[key] = compute()
                return value
        entry = self._cache.get((key, id(owner)))
        if entry is None or entry[0] is not owner:
            entry = self._cache[(key, id(owner))] = (owner, compute())
        return entry[1]

    def is_cached(self, key: Hashable) -> bool:
        """Whether :meth:`cached` holds a value under ``key`` (one without an owner).

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
        >>> chain.is_cached("demo.n"), chain.cached("demo.n", lambda: 1), chain.is_cached(
        ...     "demo.n")
        (False, 1, True)
        """
        return key in self._cache

    def has_column(self, name: str, *, table: str = "enterprises") -> bool:
        """Whether the enterprise (or link) table has a column ``name``.

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b", {"volume": 2})]))
        >>> chain.has_column("volume", table="links"), chain.has_column("region")
        (True, False)
        """
        frame = self._enterprises if table == "enterprises" else self._links
        return name in frame.columns

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
        link_codes: Mapping[str, np.ndarray] | None = None,
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
        link_codes : dict, optional
            ``{"supplier": codes, "buyer": codes}``: the position of each link end
            among the enterprise ids as given (-1: not found), when a loader has
            already looked them up. A hint only: used where cleaning changes no id,
            and each code is checked against the ids, so a wrong one costs time,
            never a wrong chain. (A loader's
            :class:`~chaingraph.model.idlookup.OwnCodes`, looked up on these very
            cells, is taken unchecked.)

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
        ent_out = Collector(files[0], rows[0], columns[0])
        link_out = Collector(files[1], rows[1], columns[1])
        links = links.copy(deep=False)
        has_links = check_columns(links, (SUPPLIER, BUYER), link_out)
        # a loader's own codes stay OwnCodes (taken unchecked); others are checked
        hints = (OwnCodes(link_codes) if isinstance(link_codes, OwnCodes)
                 else dict(link_codes or {}))
        if has_links:
            for col in (SUPPLIER, BUYER):
                links[col], same = clean_ids(links[col], col, link_out)
                if not same:
                    hints.pop(col, None)
        if enterprises is None:
            enterprises = enterprises_from_links(links if has_links else None)
        enterprises = enterprises.copy(deep=False)
        has_ids = check_columns(enterprises, (ID,), ent_out)
        if has_ids:
            enterprises[ID], same = clean_ids(enterprises[ID], ID, ent_out)
            if not report_duplicate_ids(enterprises[ID], ent_out) or not same:
                hints.clear()
        coerce_amounts(enterprises, ENTERPRISE_AMOUNTS, ent_out, scale)
        if template is not None and SEGMENT in enterprises.columns:
            enterprises[SEGMENT] = map_segments(template, enterprises[SEGMENT], ent_out)
        coerce_amounts(links, LINK_AMOUNTS, link_out, scale)
        cache: dict[str, Any] = {}
        if has_ids and has_links:
            enterprises, links, cache = resolve_links(
                enterprises, links, link_out, unknown, self_loops, duplicates, hints)
        problems = ent_out.problems + link_out.problems
        if problems:
            raise ChainDataError(problems)
        chain = cls(enterprises, links, meta, link_codes=cache.get("link_codes"))
        warn_partial_amounts(chain._enterprises, chain._links)
        return chain

    @classmethod
    def from_networkx(
        cls, G: nx.DiGraph, /, *, mapping: Mapping[str, str] | None = None,
        weight: str | None = "weight", **kwargs: Any
    ) -> Chain:
        """Build a chain from a networkx directed graph (without changing it).

        Parameters
        ----------
        G : networkx.DiGraph
            Nodes are enterprises, edges ``u -> v`` mean u supplies v. Node and edge
            attributes become columns; ``G.graph`` becomes the metadata.
        mapping : dict, optional
            Attribute renames to the canonical names, e.g. ``{"amount": "volume"}``.
        weight : str or None, default "weight"
            Edge attribute used as the link ``volume``, as in networkx: by default a
            ``volume`` attribute, else ``weight``. Another name picks that attribute
            (it must exist on some edge). When no edge has one, every link weighs 1
            and a one-line :class:`~chaingraph.exceptions.ChainDataWarning` says so;
            ``weight=None`` asks for unit weights without the warning. A graph
            made by :meth:`to_networkx` from a chain with a ``weight`` link column
            and no volume keeps ``weight`` as that column (the graph says so).
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
        >>> chain = cg.Chain.from_networkx(G)
        >>> chain.links[["supplier", "buyer", "volume"]].values.tolist()
        [['mine', 'smelter', 5.0]]
        """
        if not G.is_directed():
            raise nx.NetworkXNotImplemented("not implemented for undirected type")
        if G.is_multigraph():
            raise nx.NetworkXNotImplemented(
                "not implemented for multigraph type: merge parallel edges first")
        mapping = dict(mapping or {})
        onto_ends = sorted(k for k, v in mapping.items() if v in (ID, SUPPLIER, BUYER))
        if onto_ends:
            raise ValueError(f"mapping renames {onto_ends} to an id or a link end: the "
                             "nodes are the ids and the edges' ends the suppliers and "
                             "buyers")
        _check_mapping_onto_attributes(G, mapping)
        nodes = list(G.nodes)
        # the graph's own attribute dicts (not copied: DataFrame does not change them)
        enterprises = pd.DataFrame([data for _, data in G.nodes(data=True)],
                                   index=range(len(nodes)))
        # attributes renamed as the rows are built; the ends under keys no attribute
        # has, so that attributes named supplier/buyer show as columns of their own
        ends = {SUPPLIER: "\0supplier", BUYER: "\0buyer"}
        edge_rows = [{ends[SUPPLIER]: u, ends[BUYER]: v,
                      **{mapping.get(k, k): w for k, w in d.items()}}
                     for u, v, d in G.edges(data=True)]
        links = pd.DataFrame(edge_rows, columns=None if edge_rows else list(ends.values()))
        # what the graph itself gives (the node is the id, the edge's ends the supplier
        # and buyer) is not kept from attributes of that name unless a mapping renames it
        lost = [(what, name) for what, frame, names in (
            ("node", enterprises, (ID,)), ("edge", links, (SUPPLIER, BUYER)))
            for name in names if name in frame.columns and name not in mapping]
        if lost:
            warnings.warn(
                f"networkx graph: {', '.join(f'{w} attribute {n!r}' for w, n in lost)} "
                "not kept (nodes are the ids and edge ends the suppliers and buyers); "
                "rename the attribute, e.g. mapping={'id': 'code'}, to keep it",
                ChainDataWarning, stacklevel=outside_stacklevel())
            enterprises = enterprises.drop(columns=[ID], errors="ignore")
            links = links.drop(columns=[n for w, n in lost if w == "edge"])
        enterprises = enterprises.rename(columns=mapping)
        links = links.rename(columns={v: k for k, v in ends.items()})
        # integer node ids stay an int64 column, as read_chain keeps them
        id_dtype = np.int64 if nodes and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            and -2**63 <= v < 2**63 for v in nodes) else object
        enterprises.insert(0, ID, pd.Series(nodes, dtype=id_dtype))
        if G.graph.get(WEIGHT_IS_VOLUME) is False and weight == "weight":
            weight = None  # a chain's own weight column (to_networkx): not the volume
            _check_weight_mark(G.graph.get(WEIGHT_CHECK), links)
        links = weight_as_volume(links, weight, explicit=VOLUME in mapping.values())
        for col in (SUPPLIER, BUYER):
            links[col] = links[col].astype(id_dtype)
        kwargs.setdefault("self_loops", "keep")
        kwargs.setdefault("files", ("graph nodes", "graph edges"))
        meta = {k: v for k, v in G.graph.items() if k not in (WEIGHT_IS_VOLUME, WEIGHT_CHECK)}
        meta.update(kwargs.pop("meta", {}))
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
            def convert() -> np.ndarray:
                series = frame[name]
                if pd.api.types.is_numeric_dtype(series.dtype):
                    return read_only(series.to_numpy(dtype=np.float64, na_value=np.nan))
                return read_only(text_objects(series))

            # Converted once per chain (text columns cost ~40 ms per 100k rows each
            # time); the array is read-only, so sharing it is safe.
            return self.cached(f"column:{table}:{name}", convert)
        n = len(frame)
        if isinstance(default, float):
            return np.full(n, default)
        # a numpy scalar as the Python value np.full gave: one object for all rows
        return filled(n, default.item() if isinstance(default, np.generic) else default)

    def column_at(self, name: str, codes: Any, *, table: str = "enterprises",
                  default: Any = np.nan) -> np.ndarray:
        """``column(name, table=table, default=default)[codes]``, converting those rows only.

        A text column stored as pyarrow (what Parquet and large CSV files give) is
        taken by ``codes`` before its cells become Python strings, unless the whole
        column was converted already: a finder that names 150,000 of a million
        enterprises converts 150,000 names, not a million. ``codes``: positions or
        a boolean mask. The values are those of :meth:`column`.

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
        >>> chain.column_at("id", [1]).tolist(), chain.column_at("region", [0], default=None)
        (['b'], array([None], dtype=object))
        """
        codes = np.asarray(codes)
        if codes.dtype == bool:
            codes = np.flatnonzero(codes)
        frame = self._enterprises if table == "enterprises" else self._links
        series = frame[name] if name in frame.columns else None
        if (series is None or self.is_cached(f"column:{table}:{name}")
                or not is_arrow_text(series)):
            return self.column(name, table=table, default=default)[codes]
        return text_objects(series.iloc[codes.astype(np.intp, copy=False)])

    # --- integer form for kernels ------------------------------------------------------
    @cached_property
    def index(self) -> pd.Index:
        """Enterprise ids as a pandas Index; position = integer code used by kernels."""
        return pd.Index(self._enterprises[ID].to_numpy(dtype=object), dtype=object)

    @cached_property
    def ids(self) -> np.ndarray:
        """Enterprise ids as a read-only object array (position = integer code)."""
        return read_only(self.index.to_numpy())

    @cached_property
    def link_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(supplier_codes, buyer_codes)``: read-only integer positions of link ends."""
        codes = self._links.attrs.get("_codes")
        if codes is None:
            ids = self._enterprises[ID]
            codes = lookup(ids, self._links[SUPPLIER]), lookup(ids, self._links[BUYER])
        return read_only(codes[0]), read_only(codes[1])

    def lookup_codes(self, ids: Iterable[Any]) -> np.ndarray:
        """Integer code (int64) of each id; -1 where it is no enterprise's id (None).

        A few text ids among many (at most one in :data:`SCAN_SHARE` of a chain of
        at least :data:`SCAN_MIN_ENTERPRISES`, the first :data:`SCAN_CALLS` times)
        are found by one scan of the ids; otherwise, and from then on, through
        :attr:`index` (whose hash table, built on its first lookup, costs 0.2-0.3 s
        at a million enterprises). The codes are the same either way.

        Examples
        --------
        >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
        >>> chain.lookup_codes(["b", "z"]).tolist()
        [1, -1]
        """
        ids = ids if isinstance(ids, (list, np.ndarray)) else list(ids)
        column = self._enterprises[ID]
        scans = self.cached("chain.id_scans", lambda: [0])
        if (len(column) >= SCAN_MIN_ENTERPRISES and len(ids) * SCAN_SHARE <= len(column)
                and scans[0] < SCAN_CALLS and is_arrow_text(column)
                and all(type(i) is str or i is None for i in ids)):
            scans[0] += 1
            try:
                return scan_positions(column, list(ids))
            except (UnicodeEncodeError, ValueError):  # not UTF-8 (a lone surrogate)
                pass  # no id is such text: the hash table says -1 the usual way
        scans[0] = SCAN_CALLS  # the hash table is built now: use it from now on
        return self.index.get_indexer(pd.Index(ids, dtype=object)).astype(np.int64)

    def codes_of(self, ids: Iterable[Any]) -> np.ndarray:
        """Integer codes of enterprise ids; raises ``NodeNotFound`` for unknown ids."""
        ids = list(ids)
        codes = self.lookup_codes(ids)
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

        The metadata becomes ``G.graph``. A chain whose links have a ``weight``
        column but no ``volume`` marks the graph
        (``G.graph["chaingraph_weight_is_volume"] = False``, with
        ``G.graph["chaingraph_weight_check"]``: the number of edges, of weights and
        their sum) so that :meth:`from_networkx` keeps ``weight`` as that column
        instead of reading it as the volume, the networkx habit for other graphs. If
        the edges change before, it says so in a warning (delete the mark to read
        ``weight`` as the volume).

        Examples
        --------
        >>> G = nx.DiGraph([("a", "b", {"volume": 2.0})])
        >>> H = cg.as_chain(G).to_networkx()
        >>> list(H.edges(data=True))
        [('a', 'b', {'volume': 2.0})]
        """
        G = nx.DiGraph(**self._meta)
        if "weight" in self._links.columns and VOLUME not in self._links.columns:
            G.graph[WEIGHT_IS_VOLUME] = False
            G.graph[WEIGHT_CHECK] = _weight_check(self._links["weight"], self.n_links)
        attrs = [c for c in self._enterprises.columns if c != ID]
        for row in self._enterprises.itertuples(index=False, name=None):
            G.add_node(row[0], **present_items(zip(attrs, row[1:], strict=True)))
        lattrs = [c for c in self._links.columns if c not in (SUPPLIER, BUYER)]
        cols = [SUPPLIER, BUYER, *lattrs]
        for row in self._links[cols].itertuples(index=False, name=None):
            G.add_edge(row[0], row[1], **present_items(zip(lattrs, row[2:], strict=True)))
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


def _check_weight_mark(check: Any, links: pd.DataFrame) -> None:
    """Warn when a graph's edges changed since :meth:`Chain.to_networkx` marked its
    ``weight`` as the chain's own column (the mark is still followed)."""
    if check is None:
        return
    now = _weight_check(links["weight"] if "weight" in links.columns else None,
                        len(links))
    if list(check) == now:
        return
    def shown(value: Any) -> str:
        return f"{value:g}" if isinstance(value, (int, float)) else repr(value)

    edges, weights, total = (shown(v) for v in (list(check) + [None] * 3)[:3])
    warnings.warn(
        f"networkx graph: G.graph[{WEIGHT_IS_VOLUME!r}] (set by Chain.to_networkx) says "
        "the edges' weight is the chain's own link column, not the volume, but the "
        f"edges changed since ({edges} edges, {weights} with a weight summing to "
        f"{total} then; {now[0]} edges, {now[1]} summing to {shown(now[2])} now): weight "
        "is kept as that column; delete the graph attribute to read it as the volume",
        ChainDataWarning, stacklevel=outside_stacklevel())


def _check_mapping_onto_attributes(G: nx.DiGraph, mapping: Mapping[Any, Any]) -> None:
    """A mapping onto a name some node or edge also has as an attribute of its own
    (``{"amount": "volume"}`` beside a ``volume``) is an error naming both: one of
    the two values would be lost on every such node or edge. One pass over the
    attributes, only when a mapping is given."""
    onto = {k: v for k, v in mapping.items() if v not in mapping and k != v}
    if not onto:
        return
    for what, items in (("node", G.nodes(data=True)), ("edge", G.edges(data=True))):
        for item in items:
            data = item[-1]
            for key, target in onto.items():
                if key in data and target in data:
                    raise ValueError(
                        f"mapping renames the {what} attribute {key!r} to {target!r}, "
                        f"which that {what} already has (e.g. {item[:-1]!r}): rename "
                        f"{target!r} too, or drop one of them")


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
