"""Maximum flow and minimum cut of a chain (private module).

Users reach these through :mod:`chaingraph.algorithms.bottlenecks`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._engines import resolve_method
from chaingraph.algorithms.common import explain_rows, first_rows, labels_of
from chaingraph.amounts import format_amount
from chaingraph.kernels import maxflow as _mf
from chaingraph.model import (
    CAPACITY,
    NAME,
    OUTPUT,
    VOLUME,
    Chain,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import resolve_roles

__all__ = ["FlowResult", "cut_table", "find_min_cut", "max_flow"]

_LINK, _ENTERPRISE, _SOURCE, _FINAL = (_mf.ARC_LINK, _mf.ARC_SPLIT, _mf.ARC_SOURCE,
                                       _mf.ARC_FINAL)
_ELEMENTS = np.array(["link", "enterprise", "source_supply", "final_demand"], dtype=object)


@dataclass(frozen=True)
class FlowResult:
    """Maximum flow from the sources to the final producers, and a minimum cut.

    Attributes
    ----------
    value : float
        Maximum flow value (in the chain's amount unit, or in links when the chain
        has no volumes).
    link_flow : DataFrame
        One row per link: ``supplier``, ``buyer``, ``capacity``, ``flow``,
        ``saturation`` (flow / capacity; NaN for capacity 0).
    enterprise_flow : DataFrame
        One row per enterprise: ``enterprise``, ``capacity`` (NaN = unbounded),
        ``flow`` (throughput), ``saturation``.
    min_cut : DataFrame
        The minimum cut: ``element`` in {"link", "enterprise", "source_supply",
        "final_demand"}, ``supplier``, ``buyer``, ``enterprise``, ``capacity``,
        sorted by capacity. Its capacities add up to ``cut_capacity``.
    source_side, sink_side : frozenset
        Enterprises that can (cannot) still receive more supply from the sources
        in the residual network of the maximum flow.
    cut_capacity : float
        Total capacity of the cut; equals ``value`` up to rounding.
    capacity_basis : str
        Where link capacities came from: a column name, "volume" or "unit".
    method : str
        Engine used.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 5.0}),
    ...                 ("cell", "car", {"volume": 3.0})])
    >>> result = cg.max_flow(G)
    >>> type(result).__name__, result.value, result.capacity_basis
    ('FlowResult', 3.0, 'volume')
    >>> result.min_cut[["element", "supplier", "buyer", "capacity"]]
      element supplier buyer  capacity
    0    link     cell   car       3.0
    """

    value: float
    min_cut: pd.DataFrame
    cut_capacity: float
    capacity_basis: str
    method: str
    #: Arrays the per-link and per-enterprise tables and the two sides are built
    #: from, on first access (at 1M enterprises / 5M links they cost seconds and
    #: hundreds of MB, and a report needs only the cut).
    arrays: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def link_flow(self) -> pd.DataFrame:
        """One row per link: supplier, buyer, capacity, flow, saturation."""
        a = self.arrays
        ids, src, dst = a["ids"], a["src"], a["dst"]
        with np.errstate(divide="ignore", invalid="ignore"):
            sat = np.where(a["link_cap"] > 0, a["per_link"] / a["link_cap"], np.nan)
        return pd.DataFrame({"supplier": pd.Series(ids[src], dtype=object),
                             "buyer": pd.Series(ids[dst], dtype=object),
                             "capacity": a["link_cap"], "flow": a["per_link"],
                             "saturation": sat})

    @cached_property
    def enterprise_flow(self) -> pd.DataFrame:
        """One row per enterprise: enterprise, capacity, flow, saturation."""
        a = self.arrays
        with np.errstate(divide="ignore", invalid="ignore"):
            sat = np.where(a["ent_cap"] > 0, a["through"] / a["ent_cap"], np.nan)
        return pd.DataFrame({"enterprise": pd.Series(a["ids"], dtype=object),
                             "capacity": a["ent_cap"], "flow": a["through"],
                             "saturation": sat})

    @cached_property
    def source_side(self) -> frozenset:
        """Enterprises still reachable from the sources in the residual network."""
        return frozenset(self.arrays["ids"][self.arrays["side"]].tolist())

    @cached_property
    def sink_side(self) -> frozenset:
        """Enterprises not reachable from the sources in the residual network."""
        return frozenset(self.arrays["ids"][~self.arrays["side"]].tolist())


# --- maximum flow ---------------------------------------------------------------------
def _link_capacity(chain: Chain, capacity: str | None) -> tuple[np.ndarray, str]:
    """Capacity of every link and where it came from (see :func:`max_flow`)."""
    links = chain._links
    if capacity is not None and capacity not in links.columns:
        raise ValueError(f"link column {capacity!r} not found (columns: "
                         f"{', '.join(map(str, links.columns))})")
    column = capacity or CAPACITY
    given = chain.column(column, table="links") if column in links.columns else \
        np.full(chain.n_links, np.nan)
    volume = chain.column(VOLUME, table="links")
    has_volume = bool(np.isfinite(volume).any())
    fallback = np.where(np.isfinite(volume), volume, 0.0) if has_volume else 1.0
    values = np.where(np.isfinite(given), given, fallback).astype(np.float64)
    if np.isfinite(given).all() and chain.n_links:
        basis = column
    else:
        basis = VOLUME if has_volume else "unit"
    return values, basis


def _flow_network(chain: Chain, sources: np.ndarray, final: np.ndarray,
                  link_cap: np.ndarray, method: str = "auto") -> dict[str, Any]:
    """Node-split network: arcs (tail, head, capacity, kind, ref), S and T.

    ``kind`` and ``ref`` name each arc (a link, an enterprise's split, a source's
    supply, a final producer's demand, and which one); :func:`_arc_arrays` gives
    its ends and capacity from them, so those can be dropped during the search.
    ``split`` marks the enterprises split in two (:func:`_split_enterprises`).
    """
    n = chain.n_enterprises
    bounded = np.isfinite(chain.column(CAPACITY))
    split = _split_enterprises(chain, sources, final, link_cap)
    S = n + int(split.sum())
    T = S + 1
    src, dst = chain.link_codes
    source_idx, final_idx = np.flatnonzero(sources), np.flatnonzero(final)
    unbounded = sources & final & ~bounded & ~np.isfinite(chain.column(OUTPUT))
    if unbounded.any():
        who = chain.ids[unbounded][:5].tolist()
        raise ValueError(
            f"enterprise(s) {who} are both a source and a final producer with no "
            "capacity or output: the flow through them is unbounded (give a "
            "capacity, or choose sources / final producers that do not overlap)")
    link_idx, split_idx = np.flatnonzero(src != dst), np.flatnonzero(split)
    kind = np.repeat(np.array([_LINK, _ENTERPRISE, _SOURCE, _FINAL], dtype=np.int8),
                     [len(link_idx), len(split_idx), len(source_idx), len(final_idx)])
    ref = np.concatenate([link_idx, split_idx, source_idx, final_idx])
    # int32 node and row numbers where they fit: kind and ref live as long as the search
    index = np.int32 if max(T + 1, len(ref)) < 2**31 else np.int64
    net = {"n_nodes": T + 1, "S": S, "T": T, "split": split, "kind": kind,
           "ref": ref.astype(index)}
    net.update(_arc_arrays(chain, net, link_cap, method))
    positive = net["cap"] > 0
    if positive.all():  # the usual case: no copy of the arc arrays (5 x 3M at 500k)
        return net
    keep = np.flatnonzero(positive)  # zero-capacity arcs are left out
    return {k: v[keep] if k in _ARC_KEYS else v for k, v in net.items()}


#: The arrays of :func:`_flow_network` with one entry per arc.
_ARC_KEYS = ("kind", "ref", "tail", "head", "cap")


def _split_enterprises(chain: Chain, sources: np.ndarray, final: np.ndarray,
                       link_cap: np.ndarray) -> np.ndarray:
    """The enterprises split into ``v_in -> v_out``: those with a capacity that can
    bind.

    An enterprise whose capacity exceeds, by more than a relative 1e-9, what its
    arcs can bring in (its links' capacities, and its supply as a source) or take
    out (its links' and its demand as a final producer) carries less than its
    capacity in every flow: its split arc never saturates. It is left whole, which
    changes neither the maximum flow's value nor the minimum cut read from the
    residual network (in the split network both its halves are reached from the
    sources or neither is: the split arc always has residual capacity, and once
    flow leaves ``v_out`` its reverse arc has too, up to the per-arc tolerance: with
    less than 1e-12 of its capacity flowing through it, the split network's cut may
    hold arcs into ``v_in`` that are none, and the whole node's is the exact one).
    The flows on links and through enterprises are those of another maximum flow
    when there are several. On chains whose capacities leave room (those of
    :func:`chaingraph.datasets.generate_chain` do) this halves the nodes searched:
    500,000 enterprises' flow took 1.4-1.5 s instead of 2.0-2.3 s.
    """
    capacity = chain.column(CAPACITY)
    bounded = np.isfinite(capacity)
    if not bounded.any():
        return bounded
    n = chain.n_enterprises
    src, dst = chain.link_codes
    link = src != dst  # self-loops are no arcs
    # what the arcs carry at most: arcs of no capacity (0 or below, as a column named
    # by capacity= may give) are left out of the network, so they count 0
    weight = np.maximum(link_cap[link], 0.0)
    # float64 also without links (bincount of nothing gives integers)
    into = np.bincount(dst[link], weights=weight, minlength=n).astype(np.float64)
    into += np.where(sources, np.where(bounded, np.maximum(capacity, 0.0), np.inf), 0.0)
    output = chain.column(OUTPUT)
    out = np.bincount(src[link], weights=weight, minlength=n).astype(np.float64)
    out += np.where(final, np.where(np.isfinite(output), np.maximum(output, 0.0), np.inf),
                    0.0)
    return bounded & ~(capacity > np.minimum(into, out) * (1 + 1e-9))


def _arc_arrays(chain: Chain, net: dict[str, Any], link_cap: np.ndarray,
                method: str = "auto") -> dict[str, np.ndarray]:
    """``tail``, ``head`` and ``cap`` of the arcs ``net["kind"]``, ``net["ref"]``.

    A link ``u -> v`` is ``u_out -> v``; an enterprise ``v`` split in two
    (``net["split"]``) is ``v -> v_out`` (its out-node numbered after the
    enterprises); a source ``s`` is fed by ``S -> s``; a final producer ``t`` feeds
    ``t_out -> T`` (:func:`chaingraph.kernels.maxflow.fill_arcs`).
    """
    n = chain.n_enterprises
    ent_cap, output = chain.column(CAPACITY), chain.column(OUTPUT)
    split = net["split"]
    index = net["ref"].dtype
    out_id = np.arange(n, dtype=index)
    out_id[split] = n + np.arange(int(split.sum()), dtype=index)
    src, dst = chain.link_codes
    tail, head, cap = _mf.fill_arcs(net["kind"], net["ref"], src, dst, link_cap, ent_cap,
                                    output, out_id, net["S"], net["T"], method=method)
    return {"tail": tail, "head": head, "cap": cap}


def max_flow(G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
             capacity: str | None = None, template: TemplateLike = None,
             method: str = "auto") -> FlowResult:
    """Maximum flow from all sources to all final producers, with a minimum cut.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final : selector, optional
        Sources and final producers (see :func:`chaingraph.algorithms.roles.select`);
        default: enterprises without suppliers / without buyers.
    capacity : str, optional
        Link column holding link capacities (default ``"capacity"``).
    template : SegmentTemplate, optional
        Needed for ``{"stage": ...}`` selectors.
    method : {"auto", "numba", "scipy"}
        Engine: numba's float Dinic, or scipy's integer Dinic with scaling and
        iterative refinement (see :mod:`chaingraph.kernels.maxflow`).

    Returns
    -------
    FlowResult

    Raises
    ------
    ValueError
        When the ``capacity`` column does not exist, or an enterprise is both a
        source and a final producer with no capacity and no output (unbounded flow).

    See Also
    --------
    find_min_cut : the cut as a finder table with explanations.

    Notes
    -----
    Definition. A super-source ``S`` feeds every source ``s`` (arc capacity: the
    source's ``capacity`` if given, else unbounded). Every enterprise ``v`` with a
    ``capacity`` is split into ``v_in -> v_out`` with that capacity (node
    splitting); enterprises without one are not split (unbounded), nor are those
    whose capacity exceeds what their arcs can bring in or take out (it cannot
    bind: the value and the cut are the same). Each link ``u -> v`` is an arc
    ``u_out -> v_in`` whose capacity is the link's ``capacity`` column (or the
    column named by ``capacity=``) when given, else its ``volume``; when the chain
    has no volumes at all every such link has capacity 1 (the flow then counts
    link-disjoint paths), and when it has volumes a link with neither capacity nor
    volume has capacity 0. Every final producer ``t`` feeds a
    super-sink ``T`` through ``t_out -> T`` with capacity = its ``output`` when
    given (its intake is bounded by what it sells), else unbounded. Self-loops and
    zero-capacity arcs are left out.

    The minimum cut is read from the residual network of the maximum flow: the arcs
    from the nodes still reachable from ``S`` to the others. Its capacity equals the
    flow value (max-flow min-cut theorem). Rows ``source_supply`` and
    ``final_demand`` say that the cap is a source's capacity or a final producer's
    demand, not an internal bottleneck.

    Method and complexity: Dinic's algorithm, O(V^2 E) worst case, near-linear per
    phase on layered supply chains (each phase searches from the source or from the
    sink, whichever side takes fewer arcs); numba engine in float64 with a relative
    tolerance of 1e-12; scipy engine exact to the same tolerance after iterative
    refinement of scaled integer flows.

    References
    ----------
    .. [1] Ford, L. R. and Fulkerson, D. R. (1956). Maximal flow through a network.
       Canadian Journal of Mathematics 8, 399-404.
    .. [2] Dinitz, Y. (1970). Algorithm for solution of a problem of maximum flow in
       networks with power estimation. Soviet Math. Doklady 11, 1277-1280.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("mine", "smelter", volume=5.0)
    >>> G.add_edge("smelter", "cell", volume=3.0)
    >>> G.add_edge("mine", "cell", volume=1.0)
    >>> result = cg.algorithms.bottlenecks.max_flow(G)
    >>> result.value
    4.0
    >>> result.min_cut[["element", "supplier", "buyer", "capacity"]].values.tolist()
    [['link', 'smelter', 'cell', 3.0], ['link', 'mine', 'cell', 1.0]]
    """
    context = resolve(G, template=template, sources=sources, final=final)
    chain, template = context.chain, context.template
    engine = resolve_method(method)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    link_cap, basis = _link_capacity(chain, capacity)
    net = _flow_network(chain, roles.sources, roles.final, link_cap, engine)
    # the search holds the residual network: the arcs' ends and capacities (and the
    # link capacities) are handed over and freed, then rebuilt from kind and ref
    del link_cap
    arcs = [net.pop("tail"), net.pop("head"), net.pop("cap")]
    value, flow, side = _mf.solve_arcs(net["n_nodes"], arcs, net["S"], net["T"],
                                       engine=engine)
    link_cap, _ = _link_capacity(chain, capacity)
    net.update(_arc_arrays(chain, net, link_cap, engine))
    return _flow_result(chain, net, link_cap, value, flow, side, basis, engine)


def _flow_result(chain: Chain, net: dict[str, Any], link_cap: np.ndarray, value: float,
                 flow: np.ndarray, side: np.ndarray, basis: str, engine: str
                 ) -> FlowResult:
    n = chain.n_enterprises
    ids = chain.ids
    kind, ref, cap = net["kind"], net["ref"], net["cap"]
    src, dst = chain.link_codes
    is_link = kind == _LINK
    per_link = np.zeros(chain.n_links)
    per_link[ref[is_link]] = flow[is_link]
    through = np.bincount(net["head"], weights=flow, minlength=net["n_nodes"])[:n]
    arrays = {"ids": ids, "src": src, "dst": dst, "link_cap": link_cap,
              "per_link": per_link, "ent_cap": chain.column(CAPACITY),
              "through": through, "side": side[:n].copy()}
    in_cut = np.flatnonzero(side[net["tail"]] & ~side[net["head"]])
    # largest capacity first, ties in arc order (a stable descending sort, as
    # DataFrame.sort_values(ascending=False, kind="stable"); capacities are > 0)
    in_cut = in_cut[np.argsort(-cap[in_cut], kind="stable")]
    ck, cr = kind[in_cut], ref[in_cut]
    is_l = ck == _LINK
    # enterprise codes of the cut's rows (-1 where a column is None), kept for tables
    # that take text from the chain's own columns instead of looking the ids up again
    link = np.where(is_l, cr, 0)
    codes = {"supplier": np.where(is_l, src[link], -1) if len(src) else np.full(len(cr), -1),
             "buyer": np.where(is_l, dst[link], -1) if len(dst) else np.full(len(cr), -1),
             "enterprise": np.where(is_l, -1, cr)}
    arrays["cut_codes"] = codes
    supplier, buyer, enterprise = (_ids_at(ids, code) for code in codes.values())
    min_cut = pd.DataFrame({"element": _ELEMENTS[ck],
                            "supplier": pd.Series(supplier, dtype=object),
                            "buyer": pd.Series(buyer, dtype=object),
                            "enterprise": pd.Series(enterprise, dtype=object),
                            "capacity": cap[in_cut]})
    # the cut's id columns as built: while the frame's columns are still these
    # buffers, the codes above give its ids (see chaingraph._report_cut)
    arrays["cut_columns"] = {name: min_cut[name] for name in codes}
    cut_capacity = float(cap[np.sort(in_cut)].sum())  # summed in arc order
    if not math.isclose(cut_capacity, value, rel_tol=1e-6, abs_tol=1e-9):
        warnings.warn(f"maximum flow {value!r} and cut capacity {cut_capacity!r} differ "
                      "by more than 1e-6: the flow may be slightly below the maximum "
                      "(use method='numba' for an exact float flow)", RuntimeWarning,
                      stacklevel=3)
    return FlowResult(value=value, min_cut=min_cut,
                      cut_capacity=cut_capacity, capacity_basis=basis, method=engine,
                      arrays=arrays)


def _ids_at(ids: np.ndarray, code: np.ndarray) -> np.ndarray:
    """The id at each code (object), None where the code is -1: one take of the
    codes present (all of a link column's, few of an enterprise column's)."""
    present = code >= 0
    if present.all():
        return ids.take(code)
    out = np.full(len(code), None, dtype=object)
    out[present] = ids.take(code[present])
    return out


def find_min_cut(G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
                 capacity: str | None = None, template: TemplateLike = None,
                 method: str = "auto", top: int | None = None,
                 explain: int | None = None) -> pd.DataFrame:
    """The minimum cut between sources and final producers, explained.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final, capacity, template, method
        As in :func:`max_flow`.
    top : int, optional
        Keep the first ``top`` rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows only (None for the
        rest); default every row.

    Returns
    -------
    DataFrame
        One row per cut element, sorted by ``score``: ``element`` (link,
        enterprise, source_supply, final_demand), ``supplier``, ``buyer``,
        ``enterprise``, ``name`` (of the enterprise), ``capacity``, ``score``
        (capacity share of the cut = share of the maximum flow it carries),
        ``explanation``.

    See Also
    --------
    max_flow : the flow itself, per link and per enterprise.

    Notes
    -----
    The cut is the one nearest the sources (see :func:`max_flow`); its capacity
    equals the maximum flow. Raising capacities outside it cannot raise the flow.
    Complexity: one maximum flow.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 2.0}), ("cell", "car", {"volume": 9.0})])
    >>> cut = cg.algorithms.bottlenecks.find_min_cut(G)
    >>> cut[["element", "supplier", "buyer", "score"]].values.tolist()
    [['link', 'ore', 'cell', 1.0]]
    >>> print(cut["explanation"].iat[0])
    link ore -> cell carries 100% of the maximum flow of 2 and is saturated: it is on the minimum cut, so the chain's throughput cannot grow unless this cut's capacity grows
    """
    context = resolve(G, template=template, sources=sources, final=final)
    chain, template = context.chain, context.template
    result = max_flow(chain, sources=sources, final=final, capacity=capacity,
                      template=template, method=method)
    return cut_table(chain, result, top, explain)


def cut_table(chain: Chain, result: FlowResult, top: int | None,
              explain: int | None = None) -> pd.DataFrame:
    """The :func:`find_min_cut` table of an already computed flow."""
    cut = result.min_cut.copy()
    total = result.value
    enterprise = cut["enterprise"].to_numpy(dtype=object)
    has = pd.notna(enterprise)
    name = np.full(len(cut), None, dtype=object)
    name[has] = chain.column_at(NAME, chain.codes_of(enterprise[has]), default=None)
    cut["name"] = name.tolist()  # dtype inferred as before
    cut["score"] = cut["capacity"] / total if total > 0 else 0.0
    cut = cut[["element", "supplier", "buyer", "enterprise", "name", "capacity", "score"]]
    cut = first_rows(cut.sort_values("score", ascending=False, kind="stable")
                     .reset_index(drop=True), top)
    amount = format_amount(total)
    return explain_rows(cut, lambda rows: _cut_explanations(chain, rows, amount), explain)


def _cut_explanations(chain: Chain, cut: pd.DataFrame, amount: str) -> list[str]:
    """One sentence per cut row (see :func:`find_min_cut`), built column-wise."""
    element = cut["element"].to_numpy(dtype=object)
    share = np.array([f"{x:.0%}" for x in cut["score"].tolist()], dtype=object)
    texts = np.empty(len(cut), dtype=object)
    tail = "so the chain's throughput cannot grow unless this cut's capacity grows"
    is_link = element == "link"
    if is_link.any():  # labels looked up by code, one f-string per row
        sup = labels_of(chain, chain.codes_of(cut["supplier"].to_numpy(dtype=object)[is_link]))
        buy = labels_of(chain, chain.codes_of(cut["buyer"].to_numpy(dtype=object)[is_link]))
        texts[is_link] = [
            f"link {s} -> {b} carries {p} of the maximum flow of {amount} and is "
            f"saturated: it is on the minimum cut, {tail}"
            for s, b, p in zip(sup.tolist(), buy.tolist(), share[is_link].tolist(),
                               strict=True)]
    words = {"enterprise": ("enterprise {} runs at its capacity of {} ({} of the maximum "
                            f"flow of {amount}): it is on the minimum cut, {tail}"),
             "source_supply": ("source {} supplies its full capacity of {} ({} of the "
                               f"maximum flow of {amount}): raw-material supply caps "
                               "the flow here, not an internal bottleneck"),
             "final_demand": ("final producer {} takes in its full output of {} ({} of "
                              f"the maximum flow of {amount}): final demand caps the "
                              "flow here, not an internal bottleneck")}
    rows = np.flatnonzero(~is_link)
    who = labels_of(chain, chain.codes_of(cut["enterprise"].to_numpy(dtype=object)[rows])
                    ).tolist()
    capacity = cut["capacity"].to_numpy()[rows].tolist()
    for i, w, c in zip(rows.tolist(), who, capacity, strict=True):
        texts[i] = words.get(element[i], words["final_demand"]).format(
            w, format_amount(c), share[i])
    return texts.tolist()
