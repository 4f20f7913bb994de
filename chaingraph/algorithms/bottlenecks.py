"""Bottlenecks (堵点、卡点): where the chain's flow is capped, funnelled or concentrated.

Four questions, one finder each, and :func:`find_bottlenecks` combining them:

* :func:`max_flow` / :func:`find_min_cut` — how much can flow from the sources to
  the final producers, and which links, enterprises, supplies or demands cap it;
* :func:`throughput_centrality` / :func:`find_throughput` — which enterprises the
  volume-weighted shortest supply paths funnel through;
* :func:`find_concentration` — segments dominated by one or a few enterprises;
* :func:`find_outside_dependence` — segments that buy mostly from outside the focal
  region or from abroad.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._engines import resolve_method
from chaingraph.algorithms._bottleneck_tables import (
    find_concentration as _find_concentration,
)
from chaingraph.algorithms._bottleneck_tables import (
    find_outside_dependence as _find_outside_dependence,
)
from chaingraph.algorithms._bottleneck_tables import fmt_amount, labels
from chaingraph.algorithms.roles import resolve_roles
from chaingraph.kernels import betweenness as _bc
from chaingraph.kernels import maxflow as _mf
from chaingraph.model import (
    CAPACITY,
    FOREIGN_REGIONS,
    NAME,
    OUTPUT,
    SEGMENT,
    VOLUME,
    Chain,
    SegmentTemplate,
    as_chain,
)

__all__ = [
    "DEFAULT_SAMPLES",
    "EXACT_LIMIT",
    "FlowResult",
    "ThroughputScores",
    "find_bottlenecks",
    "find_concentration",
    "find_min_cut",
    "find_outside_dependence",
    "find_throughput",
    "max_flow",
    "throughput_centrality",
]

#: Sources searched by :func:`throughput_centrality` when it samples by default.
DEFAULT_SAMPLES = 256
#: Up to this many sources, throughput centrality is computed exactly by default.
EXACT_LIMIT = 2000

_LINK, _ENTERPRISE, _SOURCE, _FINAL = 0, 1, 2, 3
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
    """

    value: float
    link_flow: pd.DataFrame
    enterprise_flow: pd.DataFrame
    min_cut: pd.DataFrame
    source_side: frozenset
    sink_side: frozenset
    cut_capacity: float
    capacity_basis: str
    method: str


class ThroughputScores(dict):
    """Throughput centrality per enterprise (a dict) with its precision attached.

    Attributes
    ----------
    exact : bool
        True when every source was searched.
    samples : int
        Sources searched (drawn with replacement when not exact).
    error_bound : float
        With probability at least ``1 - delta``, every estimate is within this of
        its exact value (0 when exact).
    delta : float
        Failure probability of the bound.
    """

    def __init__(self, values: dict[Any, float], *, exact: bool, samples: int,
                 error_bound: float, delta: float) -> None:
        super().__init__(values)
        self.exact, self.samples = exact, samples
        self.error_bound, self.delta = error_bound, delta


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
                  link_cap: np.ndarray) -> dict[str, Any]:
    """Node-split network: arcs (tail, head, capacity, kind, ref), S and T."""
    n = chain.n_enterprises
    ent_cap = chain.column(CAPACITY)
    output = chain.column(OUTPUT)
    split = np.isfinite(ent_cap)
    out_id = np.arange(n, dtype=np.int64)
    out_id[split] = n + np.arange(int(split.sum()))
    S = n + int(split.sum())
    T = S + 1
    src, dst = chain.link_codes
    proper = src != dst
    link_idx = np.flatnonzero(proper)
    split_idx = np.flatnonzero(split)
    source_idx, final_idx = np.flatnonzero(sources), np.flatnonzero(final)
    unbounded = sources & final & ~split & ~np.isfinite(output)
    if unbounded.any():
        who = chain.ids[unbounded][:5].tolist()
        raise ValueError(
            f"enterprise(s) {who} are both a source and a final producer with no "
            "capacity or output: the flow through them is unbounded (give a "
            "capacity, or choose sources / final producers that do not overlap)")
    tail = np.concatenate([out_id[src[link_idx]], split_idx, np.full(len(source_idx), S),
                           out_id[final_idx]])
    head = np.concatenate([dst[link_idx], out_id[split_idx], source_idx,
                           np.full(len(final_idx), T)])
    cap = np.concatenate([link_cap[link_idx], ent_cap[split_idx],
                          np.where(split[source_idx], ent_cap[source_idx], np.inf),
                          np.where(np.isfinite(output[final_idx]), output[final_idx],
                                   np.inf)])
    kind = np.repeat([_LINK, _ENTERPRISE, _SOURCE, _FINAL],
                     [len(link_idx), len(split_idx), len(source_idx), len(final_idx)])
    ref = np.concatenate([link_idx, split_idx, source_idx, final_idx])
    keep = cap > 0
    return {"n_nodes": T + 1, "S": S, "T": T, "tail": tail[keep].astype(np.int64),
            "head": head[keep].astype(np.int64), "cap": cap[keep], "kind": kind[keep],
            "ref": ref[keep]}


def max_flow(G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
             capacity: str | None = None, template: SegmentTemplate | None = None,
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
    splitting); enterprises without one are not split (unbounded). Each link
    ``u -> v`` is an arc ``u_out -> v_in`` whose capacity is the link's ``capacity``
    column (or the column named by ``capacity=``) when given, else its ``volume``;
    when the chain has no volumes at all every such link has capacity 1 (the flow
    then counts link-disjoint paths), and when it has volumes a link with neither
    capacity nor volume has capacity 0. Every final producer ``t`` feeds a
    super-sink ``T`` through ``t_out -> T`` with capacity = its ``output`` when
    given (its intake is bounded by what it sells), else unbounded. Self-loops and
    zero-capacity arcs are left out.

    The minimum cut is read from the residual network of the maximum flow: the arcs
    from the nodes still reachable from ``S`` to the others. Its capacity equals the
    flow value (max-flow min-cut theorem). Rows ``source_supply`` and
    ``final_demand`` say that the cap is a source's capacity or a final producer's
    demand, not an internal bottleneck.

    Method and complexity: Dinic's algorithm, O(V^2 E) worst case, near-linear per
    phase on layered supply chains; numba engine in float64 with a relative
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
    chain = as_chain(G)
    engine = resolve_method(method)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    link_cap, basis = _link_capacity(chain, capacity)
    net = _flow_network(chain, roles.sources, roles.final, link_cap)
    value, flow, side = _mf.solve(net["n_nodes"], net["tail"], net["head"], net["cap"],
                                  net["S"], net["T"], engine=engine)
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
    with np.errstate(divide="ignore", invalid="ignore"):
        link_sat = np.where(link_cap > 0, per_link / link_cap, np.nan)
    link_flow = pd.DataFrame({"supplier": pd.Series(ids[src], dtype=object),
                              "buyer": pd.Series(ids[dst], dtype=object),
                              "capacity": link_cap, "flow": per_link,
                              "saturation": link_sat})
    through = np.bincount(net["head"], weights=flow, minlength=net["n_nodes"])[:n]
    ent_cap = chain.column(CAPACITY)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent_sat = np.where(ent_cap > 0, through / ent_cap, np.nan)
    enterprise_flow = pd.DataFrame({"enterprise": pd.Series(ids, dtype=object),
                                    "capacity": ent_cap,
                                    "flow": through, "saturation": ent_sat})
    in_cut = side[net["tail"]] & ~side[net["head"]]
    ck, cr = kind[in_cut], ref[in_cut]
    is_l = ck == _LINK
    supplier = np.where(is_l, ids[src[np.where(is_l, cr, 0)]] if len(src) else None, None)
    buyer = np.where(is_l, ids[dst[np.where(is_l, cr, 0)]] if len(dst) else None, None)
    enterprise = np.where(is_l, None, ids[np.where(is_l, 0, cr)] if n else None)
    min_cut = pd.DataFrame({"element": _ELEMENTS[ck],
                            "supplier": pd.Series(supplier, dtype=object),
                            "buyer": pd.Series(buyer, dtype=object),
                            "enterprise": pd.Series(enterprise, dtype=object),
                            "capacity": cap[in_cut]})
    min_cut = min_cut.sort_values("capacity", ascending=False, kind="stable")
    cut_capacity = float(cap[in_cut].sum())
    if not math.isclose(cut_capacity, value, rel_tol=1e-6, abs_tol=1e-9):
        warnings.warn(f"maximum flow {value!r} and cut capacity {cut_capacity!r} differ "
                      "by more than 1e-6: the flow may be slightly below the maximum "
                      "(use method='numba' for an exact float flow)", RuntimeWarning,
                      stacklevel=3)
    return FlowResult(value=value, link_flow=link_flow, enterprise_flow=enterprise_flow,
                      min_cut=min_cut.reset_index(drop=True),
                      source_side=frozenset(ids[side[:n]].tolist()),
                      sink_side=frozenset(ids[~side[:n]].tolist()),
                      cut_capacity=cut_capacity, capacity_basis=basis, method=engine)


def find_min_cut(G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
                 capacity: str | None = None, template: SegmentTemplate | None = None,
                 method: str = "auto", top: int | None = None) -> pd.DataFrame:
    """The minimum cut between sources and final producers, explained.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final, capacity, template, method
        As in :func:`max_flow`.
    top : int, optional
        Keep the first ``top`` rows.

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
    chain = as_chain(G)
    result = max_flow(chain, sources=sources, final=final, capacity=capacity,
                      template=template, method=method)
    return _cut_table(chain, result, top)


def _cut_table(chain: Chain, result: FlowResult, top: int | None) -> pd.DataFrame:
    cut = result.min_cut.copy()
    label = dict(zip(chain.ids, labels(chain), strict=True))
    names = dict(zip(chain.ids, chain.column(NAME, default=None), strict=True))
    total = result.value
    cut["name"] = [names.get(e) if e is not None else None for e in cut["enterprise"]]
    cut["score"] = cut["capacity"] / total if total > 0 else 0.0
    amount = fmt_amount(total)
    texts = []
    for row in cut.itertuples(index=False):
        share = f"{row.score:.0%}"
        if row.element == "link":
            texts.append(f"link {label[row.supplier]} -> {label[row.buyer]} carries "
                         f"{share} of the maximum flow of {amount} and is saturated: it "
                         "is on the minimum cut, so the chain's throughput cannot grow "
                         "unless this cut's capacity grows")
        elif row.element == "enterprise":
            texts.append(f"enterprise {label[row.enterprise]} runs at its capacity of "
                         f"{fmt_amount(row.capacity)} ({share} of the maximum flow of "
                         f"{amount}): it is on the minimum cut, so the chain's "
                         "throughput cannot grow unless this cut's capacity grows")
        elif row.element == "source_supply":
            texts.append(f"source {label[row.enterprise]} supplies its full capacity of "
                         f"{fmt_amount(row.capacity)} ({share} of the maximum flow of "
                         f"{amount}): raw-material supply caps the flow here, not an "
                         "internal bottleneck")
        else:
            texts.append(f"final producer {label[row.enterprise]} takes in its full "
                         f"output of {fmt_amount(row.capacity)} ({share} of the maximum "
                         f"flow of {amount}): final demand caps the flow here, not an "
                         "internal bottleneck")
    cut["explanation"] = pd.Series(texts, index=cut.index, dtype=object)
    cut = cut[["element", "supplier", "buyer", "enterprise", "name", "capacity",
               "score", "explanation"]]
    cut = cut.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return cut.head(top) if top is not None else cut


# --- throughput centrality ----------------------------------------------------------------
def _end_weights(chain: Chain, mask: np.ndarray, weight: str | None, outgoing: bool
                 ) -> np.ndarray:
    """Weights of sources (out-volume) or final producers (in-volume), summing to 1."""
    values = np.zeros(chain.n_enterprises)
    if weight is not None and weight in chain._links.columns and chain.n_links:
        src, dst = chain.link_codes
        proper = src != dst
        w = chain.link_weights(weight, missing=0.0)
        values = np.bincount((src if outgoing else dst)[proper], weights=w[proper],
                             minlength=chain.n_enterprises)
    values = np.where(mask, values, 0.0)
    if values.sum() <= 0:
        values = mask.astype(np.float64)
    total = values.sum()
    return values / total if total > 0 else values


def throughput_centrality(
    G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
    template: SegmentTemplate | None = None, weight: str | None = VOLUME,
    samples: int | None = None, exact_limit: int = EXACT_LIMIT, delta: float = 0.05,
    seed: int | np.random.Generator | None = None, method: str = "auto",
) -> ThroughputScores:
    """Volume-weighted source-to-final betweenness of every enterprise.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final : selector, optional
        As in :func:`max_flow`.
    template : SegmentTemplate, optional
        Needed for ``{"stage": ...}`` selectors.
    weight : str or None, default "volume"
        Link column weighting the ends; None (or no such column): uniform weights.
    samples : int, optional
        Number of sources to sample. Default: exact when there are at most
        ``exact_limit`` weighted sources, else :data:`DEFAULT_SAMPLES`. A value at
        least the number of sources computes exactly.
    exact_limit : int, default 2000
        See ``samples``.
    delta : float, default 0.05
        Failure probability of the reported error bound.
    seed : int, Generator or None
        Randomness of the sampling.
    method : {"auto", "numba", "scipy"}
        Engine (see :mod:`chaingraph.kernels.betweenness`).

    Returns
    -------
    ThroughputScores
        A dict enterprise id -> throughput in [0, 1], with attributes ``exact``,
        ``samples``, ``error_bound`` and ``delta``.

    See Also
    --------
    find_throughput : the same as a ranked, explained table.

    Notes
    -----
    Definition. ``TC(v) = sum_{s, t} w_s w_t sigma_st(v) / sigma_st`` over sources
    ``s`` and final producers ``t`` with ``v != s, t``, where ``sigma_st`` counts
    the shortest (hop-count) supply paths from ``s`` to ``t`` and ``sigma_st(v)``
    those through ``v``; ``w_s`` is ``s``'s share of the sources' total
    out-volume and ``w_t`` is ``t``'s share of the final producers' total
    in-volume (uniform when there are no volumes). So ``TC(v)`` is the expected
    fraction of volume-weighted source-to-final shortest paths through ``v``.

    Method. Exact: Brandes' dependency accumulation, one breadth-first search per
    source, counting only final producers as targets; O(S (n + m)) for S sources.
    Sampled: ``k`` sources drawn with replacement with probability ``w_s``
    (importance sampling, unbiased); each draw's estimate lies in [0, 1], so by
    Hoeffding's inequality and a union bound over the n enterprises,
    ``P(max_v |TC_hat(v) - TC(v)| > sqrt(ln(2 n / delta) / (2 k))) <= delta``;
    that bound is ``error_bound``. O(k (n + m)).

    References
    ----------
    .. [1] Brandes, U. (2001). A faster algorithm for betweenness centrality.
       Journal of Mathematical Sociology 25(2), 163-177.
    .. [2] Brandes, U. (2008). On variants of shortest-path betweenness centrality
       and their generic computation. Social Networks 30(2), 136-145.
    .. [3] Hoeffding, W. (1963). Probability inequalities for sums of bounded random
       variables. JASA 58(301), 13-30.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("lith", "cell"), ("cell", "car"),
    ...                 ("cell", "bus")])
    >>> tc = cg.algorithms.bottlenecks.throughput_centrality(G)
    >>> {k: round(v, 2) for k, v in tc.items()}
    {'ore': 0.0, 'cell': 1.0, 'lith': 0.0, 'car': 0.0, 'bus': 0.0}
    >>> tc.exact, tc.error_bound
    (True, 0.0)
    """
    chain = as_chain(G)
    engine = resolve_method(method)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    a = _end_weights(chain, roles.sources, weight, outgoing=True)
    b = _end_weights(chain, roles.final, weight, outgoing=False)
    candidates = np.flatnonzero(a > 0)
    n = chain.n_enterprises
    k = DEFAULT_SAMPLES if samples is None else int(samples)
    if k < 1:
        raise ValueError(f"samples must be >= 1, got {samples!r}")
    exact = len(candidates) <= exact_limit if samples is None else k >= len(candidates)
    if exact:
        chosen, chosen_weight, bound, k = candidates, a[candidates], 0.0, len(candidates)
    else:
        rng = np.random.default_rng(seed)
        p = a[candidates] / a[candidates].sum()
        chosen, counts = np.unique(rng.choice(candidates, size=k, p=p),
                                   return_counts=True)
        chosen_weight = counts / k
        bound = math.sqrt(math.log(2 * n / delta) / (2 * k))
    A = chain.structure
    kernel = (_bc.weighted_betweenness_numba if engine == "numba"
              else _bc.weighted_betweenness_scipy)
    values = kernel(A.indptr, A.indices, chosen, chosen_weight, b) if len(chosen) \
        else np.zeros(n)
    return ThroughputScores(dict(zip(chain.ids.tolist(), values.tolist(), strict=True)),
                            exact=exact, samples=k, error_bound=bound, delta=delta)


def find_throughput(
    G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
    template: SegmentTemplate | None = None, weight: str | None = VOLUME,
    samples: int | None = None, exact_limit: int = EXACT_LIMIT, delta: float = 0.05,
    seed: int | np.random.Generator | None = None, method: str = "auto",
    top: int | None = None,
) -> pd.DataFrame:
    """Enterprises that the chain's supply paths funnel through, ranked.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final, template, weight, samples, exact_limit, delta, seed, method
        As in :func:`throughput_centrality`.
    top : int, optional
        Keep the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per enterprise with positive throughput, sorted by ``score``:
        ``enterprise``, ``name``, ``segment``, ``throughput``, ``error_bound``,
        ``score`` (= throughput), ``explanation``.

    See Also
    --------
    throughput_centrality : definition, method and error bound.

    Notes
    -----
    See :func:`throughput_centrality`.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car"), ("ore", "pack"),
    ...                 ("pack", "car")])
    >>> table = cg.algorithms.bottlenecks.find_throughput(G)
    >>> table[["enterprise", "throughput"]].values.tolist()
    [['cell', 0.5], ['pack', 0.5]]
    >>> print(table["explanation"].iat[0])
    cell lies on 50% of the volume-weighted shortest supply paths from sources to final producers
    """
    chain = as_chain(G)
    tc = throughput_centrality(chain, sources=sources, final=final, template=template,
                               weight=weight, samples=samples, exact_limit=exact_limit,
                               delta=delta, seed=seed, method=method)
    values = np.fromiter(tc.values(), dtype=np.float64, count=len(tc))
    keep = values > 1e-12
    table = pd.DataFrame({
        "enterprise": chain.ids[keep], "name": chain.column(NAME, default=None)[keep],
        "segment": chain.column(SEGMENT, default=None)[keep],
        "throughput": values[keep], "error_bound": tc.error_bound}).astype(
        {"enterprise": object, "name": object, "segment": object})
    table["score"] = table["throughput"]
    note = "" if tc.exact else (f" (estimated from {tc.samples} sampled sources: within "
                                f"±{tc.error_bound:.2f} with probability "
                                f"{1 - tc.delta:.0%})")
    label = labels(chain)[keep]
    table["explanation"] = pd.Series(
        [f"{who} lies on {v:.0%} of the volume-weighted shortest supply paths from "
         f"sources to final producers{note}" for who, v in zip(label, values[keep],
                                                                 strict=True)],
        dtype=object)
    table = table.sort_values("score", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    return table.head(top) if top is not None else table


# --- concentration and outside dependence -------------------------------------------------
def find_concentration(
    G: Chain | nx.DiGraph, /, *, region: Any = None,
    template: SegmentTemplate | None = None, by: str = "output",
    threshold: float = 0.25, top: int | None = None,
) -> pd.DataFrame:
    """Segments dominated by one or a few enterprises (Herfindahl-Hirschman index).

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    region : str or list, optional
        Focal region: only its enterprises are counted (default: all).
    template : SegmentTemplate, optional
        Adds segment names and stages.
    by : {"output", "supply"}
        Shares of enterprise ``output``, or of volume sold (sum of out-link
        volumes; the number of buyers when the chain has no volumes).
    threshold : float, default 0.25
        HHI (in [0, 1]) at or above which a segment is flagged.
    top : int, optional
        Keep the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per segment with focal enterprises, sorted by ``score``:
        ``segment``, ``segment_name``, ``stage``, ``n_enterprises``, ``total``,
        ``hhi``, ``hhi_points``, ``equivalent_number``, ``top1_enterprise``,
        ``top1_name``, ``top1_share``, ``flagged``, ``score`` (= hhi),
        ``explanation``.

    Notes
    -----
    Definition. ``HHI = sum_i s_i^2`` over the segment's focal enterprises, with
    ``s_i`` the enterprise's share of the segment's total ``by`` amount (missing
    amounts count 0; a segment whose amounts are all missing or 0 gets equal
    shares, said in the explanation). ``hhi_points = 10,000 HHI``;
    ``equivalent_number = 1 / HHI`` (the number of equal-sized enterprises with
    the same HHI). Flagged when ``HHI >= threshold`` (default 0.25 = 2,500 points,
    "highly concentrated" in the 2010 US DOJ/FTC Horizontal Merger Guidelines) or
    when one enterprise makes up the segment. Enterprises without a segment are
    left out. Complexity O(n + m).

    References
    ----------
    .. [1] U.S. Department of Justice and Federal Trade Commission (2010).
       Horizontal Merger Guidelines, section 5.3.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "c"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "cell", "b": "cell", "c": "car"}, "segment")
    >>> nx.set_node_attributes(G, {"a": 9.0, "b": 1.0, "c": 5.0}, "output")
    >>> table = cg.algorithms.bottlenecks.find_concentration(G)
    >>> table[["segment", "hhi", "top1_enterprise", "flagged"]].round(2).values.tolist()
    [['car', 1.0, 'c', True], ['cell', 0.82, 'a', True]]
    """
    return _find_concentration(as_chain(G), region=region, template=template, by=by,
                               threshold=threshold, top=top)


def find_outside_dependence(
    G: Chain | nx.DiGraph, /, *, region: Any = None,
    abroad: Iterable[str] = FOREIGN_REGIONS, by: str = "segment",
    template: SegmentTemplate | None = None, outside_threshold: float = 0.5,
    abroad_threshold: float = 0.3, top: int | None = None,
) -> pd.DataFrame:
    """Segments that buy their inputs mostly from outside the region or abroad.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    region : str or list, optional
        Focal region (default: all enterprises, so nothing is "outside"; abroad
        shares still count).
    abroad : iterable of str
        Region names meaning abroad (default ``model.FOREIGN_REGIONS``).
    by : {"segment", "input_segment"}
        One row per buyer segment, or per (buyer segment, supplier segment).
    template : SegmentTemplate, optional
        Adds segment names.
    outside_threshold, abroad_threshold : float
        Flag when the outside share (abroad share) is at or above this.
    top : int, optional
        Keep the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per buyer segment (and supplier segment for
        ``by="input_segment"``), sorted by ``score``: ``segment``,
        [``supplier_segment``], ``segment_name``, ``n_buyers``, ``n_links``,
        ``input_volume``, ``outside_volume``, ``outside_share``, ``abroad_volume``,
        ``abroad_share``, ``top_outside_segment``, ``top_outside_region``,
        ``top_outside_share``, ``flagged``, ``score`` (= the larger share),
        ``explanation``.

    Notes
    -----
    Definition. Over the focal buyers of a segment, ``input_volume`` is the
    total volume of the links into them (missing volumes count 0; the number of
    links when the chain has no volumes), ``outside_share`` the part bought from
    suppliers outside the focal region, and ``abroad_share`` the part bought from
    suppliers whose region is in ``abroad``. ``top_outside_*`` names the supplier
    segment / region with the largest outside volume. Self-loops are ignored.
    Complexity O(n + m).

    Examples
    --------
    >>> G = nx.DiGraph([("x", "c", {"volume": 3.0}), ("y", "c", {"volume": 1.0})])
    >>> nx.set_node_attributes(G, {"x": "境外", "y": "本区", "c": "本区"}, "region")
    >>> nx.set_node_attributes(G, {"x": "cell", "y": "cell", "c": "car"}, "segment")
    >>> table = cg.algorithms.bottlenecks.find_outside_dependence(G, region="本区")
    >>> table[["segment", "outside_share", "abroad_share", "flagged"]].values.tolist()
    [['car', 0.75, 0.75, True]]
    """
    return _find_outside_dependence(
        as_chain(G), region=region, abroad=abroad, by=by, template=template,
        outside_threshold=outside_threshold, abroad_threshold=abroad_threshold, top=top)


# --- combined -------------------------------------------------------------------------------
_COMBINED = ["kind", "enterprise", "supplier", "buyer", "segment", "score",
             "explanation"]


def find_bottlenecks(
    G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
    region: Any = None, sources: Any = None, final: Any = None,
    capacity: str | None = None, by: str = "output", weight: str | None = VOLUME,
    hub_threshold: float = 0.25, samples: int | None = None,
    seed: int | np.random.Generator | None = None, method: str = "auto",
    top: int | None = None,
) -> pd.DataFrame:
    """All bottleneck findings in one table: cut, concentration, dependence, hubs.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template, region, sources, final, capacity, method
        As in :func:`max_flow`, :func:`find_concentration` and
        :func:`find_outside_dependence`.
    by : {"output", "supply"}
        Amount for :func:`find_concentration`.
    weight, samples, seed
        As in :func:`throughput_centrality`.
    hub_threshold : float, default 0.25
        Throughput at or above which an enterprise is a ``throughput_hub``.
    top : int, optional
        Keep the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per finding, sorted by ``score``: ``kind`` in {"min_cut",
        "concentration", "outside_dependence", "throughput_hub"}, ``enterprise``,
        ``supplier``, ``buyer``, ``segment``, ``score`` (in [0, 1]),
        ``explanation``.

    Notes
    -----
    Rows: the internal elements of the minimum cut (links and enterprise
    capacities; source supply and final demand are not bottlenecks), score = share
    of the maximum flow; flagged segments of :func:`find_concentration` (score =
    HHI) and :func:`find_outside_dependence` (score = the larger share); and
    enterprises with throughput at least ``hub_threshold`` (score = throughput).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 2.0}), ("cell", "car", {"volume": 9.0})])
    >>> table = cg.algorithms.bottlenecks.find_bottlenecks(G)
    >>> table[["kind", "enterprise", "supplier", "score"]].values.tolist()
    [['min_cut', None, 'ore', 1.0], ['throughput_hub', 'cell', None, 1.0]]
    """
    chain = as_chain(G)
    segment = dict(zip(chain.ids, chain.column(SEGMENT, default=None), strict=True))
    parts = []
    cut = find_min_cut(chain, sources=sources, final=final, capacity=capacity,
                       template=template, method=method)
    cut = cut[cut["element"].isin(["link", "enterprise"])]
    parts.append(pd.DataFrame({
        "kind": "min_cut", "enterprise": cut["enterprise"], "supplier": cut["supplier"],
        "buyer": cut["buyer"],
        "segment": [segment.get(e) if e is not None else None
                    for e in cut["enterprise"]],
        "score": cut["score"], "explanation": cut["explanation"]}))
    if SEGMENT in chain._enterprises.columns:
        conc = find_concentration(chain, region=region, template=template, by=by)
        conc = conc[conc["flagged"]]
        parts.append(pd.DataFrame({
            "kind": "concentration", "enterprise": conc["top1_enterprise"],
            "supplier": None, "buyer": None, "segment": conc["segment"],
            "score": conc["score"], "explanation": conc["explanation"]}))
        dep = find_outside_dependence(chain, region=region, template=template)
        dep = dep[dep["flagged"]]
        parts.append(pd.DataFrame({
            "kind": "outside_dependence", "enterprise": None, "supplier": None,
            "buyer": None, "segment": dep["segment"], "score": dep["score"],
            "explanation": dep["explanation"]}))
    hubs = find_throughput(chain, sources=sources, final=final, template=template,
                           weight=weight, samples=samples, seed=seed, method=method)
    hubs = hubs[hubs["throughput"] >= hub_threshold]
    parts.append(pd.DataFrame({
        "kind": "throughput_hub", "enterprise": hubs["enterprise"], "supplier": None,
        "buyer": None, "segment": hubs["segment"], "score": hubs["score"],
        "explanation": hubs["explanation"]}))
    parts = [p.astype({c: object for c in _COMBINED if c != "score"}) for p in parts
             if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: pd.Series(dtype=float if c == "score" else object) for c in _COMBINED})
    table = table[_COMBINED].sort_values("score", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    return table.head(top) if top is not None else table
