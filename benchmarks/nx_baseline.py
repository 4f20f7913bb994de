"""A plain networkx implementation of chaingraph's definitions (the speed baseline).

The national-scale issue asks chaingraph to be at least 50x faster than "a plain
networkx implementation of the same definitions". This module is that baseline:
it works on an ``nx.DiGraph`` (dict-of-dicts, pure Python) and calls the networkx
algorithm a competent user would reach for (``nx.condensation``,
``nx.immediate_dominators``, ``nx.maximum_flow``'s preflow-push, ``nx.pagerank``,
Brandes accumulation, ``nx.descendants``), without deliberate slowness. It is also
an independent oracle: ``tests/test_benchmarks.py`` checks that it gives the same
answers as chaingraph on small networks, so the timings compare like with like.

Graph form: nodes are enterprise ids with attributes ``segment``, ``region``,
``output``, ``capacity``; edges ``u -> v`` (u supplies v) with ``volume`` and
``capacity``. Missing amounts are absent attributes (as ``Chain.to_networkx``
writes them). :func:`graph_from_chain` builds such a graph from a chain.

Definitions are those of the common brief and the chaingraph docstrings; each
function's docstring names the chaingraph function it mirrors.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.flow import preflow_push

__all__ = [
    "broken_links_nx",
    "concentration_nx",
    "demand_pull_nx",
    "diagnose_nx",
    "graph_from_chain",
    "leader_scores_nx",
    "link_single_points_of_failure_nx",
    "max_flow_nx",
    "missing_segments_nx",
    "outside_dependence_nx",
    "roles_nx",
    "single_points_of_failure_nx",
    "throughput_nx",
    "tiers_nx",
]

FOREIGN_REGIONS = frozenset({"abroad", "foreign", "overseas", "境外", "国外", "海外", "国际"})
_ROOT = "__nx_baseline_super_source__"
_SINK = "__nx_baseline_super_sink__"


# --- building the graph and the roles -----------------------------------------------
def graph_from_chain(chain: Any) -> nx.DiGraph:
    """Build the dict-of-dicts graph from a chain's two tables (what a user would do).

    Missing (NaN / None) attributes are left out, as ``Chain.to_networkx`` does.
    """
    ent, links = chain._enterprises, chain._links
    G = nx.DiGraph()
    node_cols = [c for c in ("segment", "region", "output", "capacity", "name")
                 if c in ent.columns]
    cols = [ent[c].tolist() for c in node_cols]
    G.add_nodes_from(
        (v, {k: x for k, x in zip(node_cols, row, strict=True) if _given(x)})
        for v, *row in zip(ent["id"].tolist(), *cols, strict=True))
    edge_cols = [c for c in ("volume", "capacity") if c in links.columns]
    cols = [links[c].tolist() for c in edge_cols]
    G.add_edges_from(
        (u, v, {k: x for k, x in zip(edge_cols, row, strict=True) if _given(x)})
        for u, v, *row in zip(links["supplier"].tolist(), links["buyer"].tolist(), *cols,
                              strict=True))
    return G


def _given(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def roles_nx(G: nx.DiGraph, /, *, sources: Iterable | None = None,
             final: Iterable | None = None) -> tuple[set, set, set]:
    """``(sources, final, isolated)`` as in ``chaingraph.algorithms.roles``.

    Source: no supplier but at least one buyer; final producer: no buyer but at least
    one supplier; isolated: no links (self-loops ignored). Explicit id lists override.
    """
    has_in = {v for v in G if any(u != v for u in G._pred[v])}
    has_out = {v for v in G if any(w != v for w in G._succ[v])}
    isolated = {v for v in G if v not in has_in and v not in has_out}
    src = set(sources) if sources is not None else has_out - has_in
    fin = set(final) if final is not None else has_in - has_out
    return src, fin, isolated


def _focal(G: nx.DiGraph, region: Any) -> set:
    if region is None:
        return set(G)
    regions = {region} if isinstance(region, str) else set(region)
    return {v for v, r in G.nodes(data="region") if r in regions}


# --- structure ------------------------------------------------------------------------
def tiers_nx(G: nx.DiGraph, /, *, sources: Iterable | None = None) -> dict:
    """Longest supply path (in links) from any source; cycles condensed first.

    Mirrors ``chaingraph.algorithms.structure.tiers``. Enterprises not downstream of
    any source are left out of the result (they have no tier).
    """
    src, _, _ = roles_nx(G, sources=sources)
    C = nx.condensation(G)
    comp = C.graph["mapping"]
    start = {comp[s] for s in src}
    level: dict[int, int] = {}
    for c in nx.topological_sort(C):
        best = 0 if c in start else -1
        for p in C._pred[c]:
            if p in level:
                best = max(best, level[p] + 1)
        if best >= 0:
            level[c] = best
    return {v: level[comp[v]] for v in G if comp[v] in level}


def missing_segments_nx(G: nx.DiGraph, template: Any, /, *, region: Any = None) -> list:
    """Template segments with no enterprise in the focal region (template order)."""
    focal = _focal(G, region)
    present = {G.nodes[v].get("segment") for v in focal}
    return [s for s in template.segments["id"] if s not in present]


def broken_links_nx(G: nx.DiGraph, template: Any, /, *, region: Any = None) -> list:
    """Template edges A -> B, A and B present locally, with no local A -> B link."""
    focal = _focal(G, region)
    seg = dict(G.nodes(data="segment"))
    present = {seg[v] for v in focal}
    realised = {(seg[u], seg[v]) for u, v in G.edges if u in focal and v in focal}
    return [(a, b) for a, b in zip(template.edges["supplier"], template.edges["buyer"],
                                   strict=True)
            if a in present and b in present and (a, b) not in realised]


# --- single points of failure -------------------------------------------------------
def _dominator_counts(H: nx.DiGraph, targets: Iterable, keep: Any) -> dict:
    """For each node kept by ``keep``, the targets it strictly dominates (from _ROOT)."""
    H.add_node(_ROOT)
    idom = nx.immediate_dominators(H, _ROOT)
    cut: dict[Any, list] = defaultdict(list)
    for t in targets:
        if t not in idom:  # not reachable from any source
            continue
        u = idom[t]
        while u != _ROOT:
            if keep(u):
                cut[u].append(t)
            u = idom[u]
    return cut


def _spof_frame(G: nx.DiGraph, cut: dict, finals: list, key_cols: list,
                keys: Any) -> pd.DataFrame:
    out = {t: G.nodes[t].get("output") for t in finals}
    if any(x is not None for x in out.values()):
        weight = {t: out[t] or 0.0 for t in finals}
    else:
        weight = dict.fromkeys(finals, 1.0)
    total = sum(weight.values())
    rows = []
    for k, ts in cut.items():
        share = sum(weight[t] for t in ts) / total if total > 0 else 0.0
        rows.append((*keys(k), len(ts), sorted(ts, key=str), share))
    frame = pd.DataFrame(rows, columns=[*key_cols, "n_final_cut", "final_cut", "share"])
    return frame.sort_values(["share", "n_final_cut"], ascending=False, kind="stable")


def _considered_finals(G: nx.DiGraph, src: set, fin: set, region: Any) -> list:
    focal = _focal(G, region)
    return [t for t in G if t in fin and t in focal]


def single_points_of_failure_nx(G: nx.DiGraph, /, *, sources: Iterable | None = None,
                                final: Iterable | None = None,
                                region: Any = None) -> pd.DataFrame:
    """Enterprises whose removal cuts a (focal) final producer off from every source.

    v is a SPOF when it strictly dominates a final producer in the dominator tree of
    the whole chain rooted at a super-source joined to every source. Columns:
    enterprise, n_final_cut, final_cut (sorted list), share (of the considered final
    producers' output; count share when outputs are unknown).
    """
    src, fin, _ = roles_nx(G, sources=sources, final=final)
    H = nx.DiGraph(G.edges)
    H.add_nodes_from(G)
    H.add_edges_from((_ROOT, s) for s in src)
    finals = _considered_finals(G, src, fin, region)
    cut = _dominator_counts(H, finals, lambda u: True)
    return _spof_frame(G, cut, finals, ["enterprise"], lambda k: (k,))


def link_single_points_of_failure_nx(G: nx.DiGraph, /, *,
                                     sources: Iterable | None = None,
                                     final: Iterable | None = None,
                                     region: Any = None) -> pd.DataFrame:
    """Links whose removal cuts a final producer off: edge dominators by subdivision.

    Columns: supplier, buyer, n_final_cut, final_cut, share.
    """
    src, fin, _ = roles_nx(G, sources=sources, final=final)
    H = nx.DiGraph()
    H.add_nodes_from(G)
    for u, v in G.edges:
        if u != v:
            H.add_edge(u, ("__link__", u, v))
            H.add_edge(("__link__", u, v), v)
    H.add_edges_from((_ROOT, s) for s in src)
    finals = _considered_finals(G, src, fin, region)

    def is_link(u: Any) -> bool:
        return isinstance(u, tuple) and len(u) == 3 and u[0] == "__link__"

    cut = _dominator_counts(H, finals, is_link)
    return _spof_frame(G, cut, finals, ["supplier", "buyer"], lambda k: (k[1], k[2]))


# --- max flow -----------------------------------------------------------------------
def _flow_network(G: nx.DiGraph, src: set, fin: set, capacity: str | None) -> nx.DiGraph:
    """Node-split network with the library's capacity rules (no attribute = unbounded)."""
    has_volume = any("volume" in d for _, _, d in G.edges(data=True))
    R = nx.DiGraph()
    for v, d in G.nodes(data=True):
        if "capacity" in d:
            R.add_edge(("in", v), ("out", v), capacity=d["capacity"])
        else:
            R.add_edge(("in", v), ("out", v))
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        if capacity is not None:
            cap = d.get(capacity, 0.0)
        elif "capacity" in d:
            cap = d["capacity"]
        elif has_volume:
            cap = d.get("volume", 0.0)
        else:
            cap = 1.0
        R.add_edge(("out", u), ("in", v), capacity=cap)
    for s in src:
        if "capacity" in G.nodes[s]:
            R.add_edge(_ROOT, ("in", s), capacity=G.nodes[s]["capacity"])
        else:
            R.add_edge(_ROOT, ("in", s))
    for t in fin:
        if "output" in G.nodes[t]:
            R.add_edge(("out", t), _SINK, capacity=G.nodes[t]["output"])
        else:
            R.add_edge(("out", t), _SINK)
    return R


def max_flow_nx(G: nx.DiGraph, /, *, sources: Iterable | None = None,
                final: Iterable | None = None, capacity: str | None = None) -> dict:
    """Maximum flow from all sources to all final producers (preflow-push).

    Node splitting: v_in -> v_out capped by the enterprise's ``capacity``; S -> source
    by the source's capacity; link u_out -> v_in by the link's capacity, else volume
    (0 when missing among given volumes), else 1 when no link has a volume; final
    producer t_out -> T by its ``output``. No attribute = unbounded.

    Returns ``{"value", "link_flow" (dict (u, v) -> flow), "cut_links" (set of
    links), "cut_enterprises" (set), "cut_sources" (set), "cut_finals" (set)}``.
    """
    src, fin, _ = roles_nx(G, sources=sources, final=final)
    R = _flow_network(G, src, fin, capacity)
    residual = preflow_push(R, _ROOT, _SINK)
    value = residual.graph["flow_value"]
    link_flow = {(u[1], v[1]): residual[u][v]["flow"]
                 for u, v in R.edges if u[0] == "out" and v != _SINK and v[0] == "in"}
    # S side of the minimum cut: reachable from S through unsaturated residual arcs
    # (preflow-push's residual keeps "inf" capacities as a large finite number).
    seen = {_ROOT}
    queue = deque([_ROOT])
    while queue:
        u = queue.popleft()
        for v, attr in residual._succ[u].items():
            if v not in seen and attr["flow"] < attr["capacity"]:
                seen.add(v)
                queue.append(v)
    cut = [(u, v) for u, v in R.edges if u in seen and v not in seen]
    return {
        "value": value,
        "link_flow": link_flow,
        "cut_links": {(u[1], v[1]) for u, v in cut
                      if u != _ROOT and v != _SINK and u[0] == "out"},
        "cut_enterprises": {u[1] for u, v in cut if u != _ROOT and u[0] == "in"},
        "cut_sources": {v[1] for u, v in cut if u == _ROOT},
        "cut_finals": {u[1] for u, v in cut if v == _SINK},
    }


# --- throughput centrality -----------------------------------------------------------
def _endpoint_weights(G: nx.DiGraph, nodes: set, out: bool) -> dict:
    """Share of total out-volume (sources) or in-volume (finals); uniform without volumes."""
    adj = G._succ if out else G._pred
    vol = {v: sum(d.get("volume", 0.0) for w, d in adj[v].items() if w != v) for v in nodes}
    total = sum(vol.values())
    if total <= 0 or not any("volume" in d for _, _, d in G.edges(data=True)):
        return dict.fromkeys(nodes, 1.0 / len(nodes)) if nodes else {}
    return {v: x / total for v, x in vol.items()}


def throughput_nx(G: nx.DiGraph, /, *, sources: Iterable | None = None,
                  final: Iterable | None = None, samples: int | None = None,
                  seed: int | None = None) -> dict:
    """Volume-weighted source -> final shortest-path betweenness.

    TC(v) = sum_{s, t} w_s w_t sigma_st(v) / sigma_st (v != s, t), by Brandes
    accumulation from each source with networkx's BFS helper. With ``samples``
    (fewer than the sources), that many sources are drawn with replacement with
    probability w_s, in graph order with ``numpy.random.default_rng(seed)`` as
    chaingraph does, and the estimate is the mean of the per-source dependencies
    (importance sampling).
    """
    from networkx.algorithms.centrality.betweenness import (
        _single_source_shortest_path_basic,
    )

    src, fin, _ = roles_nx(G, sources=sources, final=final)
    ws = _endpoint_weights(G, src, out=True)
    wt = _endpoint_weights(G, fin, out=False)
    tc = dict.fromkeys(G, 0.0)
    order = [v for v in G if v in src and ws[v] > 0]  # graph order, as chaingraph
    if samples is None or samples >= len(order):
        plan = [(s, ws[s]) for s in order]
    else:
        rng = np.random.default_rng(seed)
        p = np.array([ws[s] for s in order])
        picks = rng.choice(len(order), size=samples, p=p / p.sum())
        plan = [(order[i], 1.0 / samples) for i in picks]
    for s, factor in plan:
        S, P, sigma, _ = _single_source_shortest_path_basic(G, s)
        delta = dict.fromkeys(S, 0.0)
        while S:
            w = S.pop()
            coeff = (delta[w] + wt.get(w, 0.0)) / sigma[w]
            for v in P[w]:
                delta[v] += sigma[v] * coeff
            if w != s:
                tc[w] += factor * delta[w]
    return tc


# --- concentration, outside dependence -----------------------------------------------
def concentration_nx(G: nx.DiGraph, /, *, region: Any = None,
                     by: str = "output") -> pd.DataFrame:
    """Herfindahl-Hirschman index of each segment's focal enterprises.

    Shares of ``output`` (``by="output"``) or of volume sold (``by="supply"``).
    Columns: segment, n_enterprises, hhi, top1_enterprise, top1_share.
    """
    focal = _focal(G, region)
    groups: dict[Any, list] = defaultdict(list)
    for v in focal:
        seg = G.nodes[v].get("segment")
        if seg is None:
            continue
        if by == "output":
            x = G.nodes[v].get("output", 0.0)
        else:
            x = sum(d.get("volume", 0.0) for w, d in G._succ[v].items() if w != v)
        groups[seg].append((v, x))
    rows = []
    for seg, members in groups.items():
        total = sum(x for _, x in members)
        if total > 0:
            hhi = sum((x / total) ** 2 for _, x in members)
            top, x = max(members, key=lambda m: m[1])
            rows.append((seg, len(members), hhi, top, x / total))
        else:
            rows.append((seg, len(members), float("nan"), None, float("nan")))
    return pd.DataFrame(rows, columns=["segment", "n_enterprises", "hhi",
                                       "top1_enterprise", "top1_share"])


def outside_dependence_nx(G: nx.DiGraph, /, *, region: Any = None,
                          abroad: Iterable = FOREIGN_REGIONS) -> pd.DataFrame:
    """Per buyer segment: volume bought by focal buyers, share from outside / abroad.

    Columns: segment, input_volume, outside_share, abroad_share.
    """
    focal = _focal(G, region)
    abroad = set(abroad)
    acc: dict[Any, list] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for u, v, d in G.edges(data=True):
        if v not in focal or u == v:
            continue
        seg = G.nodes[v].get("segment")
        if seg is None:
            continue
        x = d.get("volume", 0.0)
        row = acc[seg]
        row[0] += x
        if u not in focal:
            row[1] += x
        if G.nodes[u].get("region") in abroad:
            row[2] += x
    rows = [(seg, t, o / t if t > 0 else float("nan"), a / t if t > 0 else float("nan"))
            for seg, (t, o, a) in acc.items()]
    return pd.DataFrame(rows, columns=["segment", "input_volume", "outside_share",
                                       "abroad_share"])


# --- demand pull and leaders ------------------------------------------------------------
def demand_pull_nx(G: nx.DiGraph, /, *, alpha: float = 0.85, tol: float = 1e-10,
                   max_iter: int = 1000) -> dict:
    """PageRank on supplier -> buyer links weighted by volume.

    Transition weights = share of the supplier's sales going to each buyer; a link
    without a volume counts as a median-volume link (all links weigh 1 when none has
    a volume). ``tol`` is an absolute L1 tolerance: networkx stops when the change
    is below ``N * tol``, so it is divided by N.
    """
    known = [d["volume"] for _, _, d in G.edges(data=True)
             if "volume" in d and d["volume"] > 0]
    fill = float(np.median(known)) if known else 1.0
    H = nx.DiGraph()
    H.add_nodes_from(G)
    H.add_weighted_edges_from((u, v, d.get("volume", fill) if known else 1.0)
                              for u, v, d in G.edges(data=True))
    return nx.pagerank(H, alpha=alpha, tol=tol / max(len(H), 1), max_iter=max_iter,
                       weight="weight")


#: chaingraph.algorithms.leaders.DEFAULT_WEIGHTS
LEADER_WEIGHTS = {"output_share": 0.35, "local_suppliers": 0.20,
                  "downstream_reach": 0.15, "demand_pull": 0.30}


def leader_scores_nx(G: nx.DiGraph, /, *, region: Any = None,
                     weights: Mapping[str, float] | None = None,
                     reach_sample: int | None = None) -> pd.DataFrame:
    """Chain-leader components and score of the focal enterprises (leaders.py).

    output_share = output / focal total output; local_suppliers = distinct focal
    suppliers (normalised: mean of count / max and bought volume / max when links
    have volumes); downstream_reach = share of the other enterprises reachable
    downstream (``nx.descendants``); demand_pull = :func:`demand_pull_nx`. Each
    component is divided by its maximum over the focal enterprises; the score is the
    weighted mean. ``reach_sample``: count reach for only that many focal
    enterprises drawn at random (the others get 0) and record in ``attrs`` the seconds spent and
    the fraction done, so a benchmark can extrapolate the full cost.
    """
    import time

    weights = {**LEADER_WEIGHTS, **dict(weights or {})}
    focal_set = _focal(G, region)
    focal = [v for v in G if v in focal_set]
    has_volume = any("volume" in d for _, _, d in G.edges(data=True))
    n = len(G)
    total = sum(G.nodes[v].get("output", 0.0) for v in focal)
    pull = demand_pull_nx(G)
    todo = focal if reach_sample is None or reach_sample >= len(focal) else [
        focal[i] for i in np.random.default_rng(0).choice(len(focal), reach_sample,
                                                          replace=False)]
    t0 = time.perf_counter()
    reach = {v: len(nx.descendants(G, v)) / max(n - 1, 1) for v in todo}
    reach_seconds = time.perf_counter() - t0
    frame = pd.DataFrame({
        "enterprise": focal,
        "output_share": [G.nodes[v].get("output", 0.0) / total if total > 0 else 0.0
                         for v in focal],
        "local_suppliers": [sum(1 for u in G._pred[v] if u in focal_set and u != v)
                            for v in focal],
        "local_supplier_volume": [sum(d.get("volume", 0.0) for u, d in G._pred[v].items()
                                      if u in focal_set and u != v) for v in focal],
        "downstream_reach": [reach.get(v, 0.0) for v in focal],
        "demand_pull": [pull[v] for v in focal],
    })
    norm = {col: _by_max(frame[col]) for col in frame.columns[1:]}
    if has_volume:
        norm["local_suppliers"] = (norm["local_suppliers"]
                                   + norm["local_supplier_volume"]) / 2
    total_w = sum(weights.values())
    frame["score"] = sum(w * norm[k] for k, w in weights.items()) / total_w
    frame.attrs.update(reach_seconds=reach_seconds,
                       reach_fraction=len(todo) / len(focal) if focal else 1.0)
    return frame.sort_values("score", ascending=False, kind="stable")


def _by_max(values: pd.Series) -> pd.Series:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


# --- everything ---------------------------------------------------------------------
def diagnose_nx(G: nx.DiGraph, template: Any = None, /, *, region: Any = None,
                samples: int | None = 256, seed: int = 0,
                reach_sample: int | None = None) -> dict:
    """Run every baseline analysis once; returns a dict of comparable outputs."""
    src, fin, iso = roles_nx(G)
    out: dict[str, Any] = {
        "n_sources": len(src), "n_final": len(fin), "n_isolated": len(iso),
        "tiers": tiers_nx(G),
        "spof": single_points_of_failure_nx(G, region=region),
        "link_spof": link_single_points_of_failure_nx(G, region=region),
        "flow": max_flow_nx(G),
        "throughput": throughput_nx(G, samples=samples if samples and len(src) > samples
                                    else None, seed=seed),
        "concentration": concentration_nx(G, region=region),
        "outside_dependence": outside_dependence_nx(G, region=region),
        "leaders": leader_scores_nx(G, region=region, reach_sample=reach_sample),
    }
    if template is not None:
        out["missing_segments"] = missing_segments_nx(G, template, region=region)
        out["broken_links"] = broken_links_nx(G, template, region=region)
    return out
