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

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._checks import check_top
from chaingraph.algorithms.common import explain_per_kind, first_rows
from chaingraph.algorithms.concentration import (
    find_concentration,
    find_outside_dependence,
)
from chaingraph.algorithms.flow import (
    FlowResult,
    cut_table,
    find_min_cut,
    max_flow,
)
from chaingraph.algorithms.throughput import (
    DEFAULT_SAMPLES,
    EXACT_LIMIT,
    ThroughputScores,
    find_throughput,
    throughput_centrality,
    throughput_table,
)
from chaingraph.model import SEGMENT, VOLUME, Chain
from chaingraph.model.context import resolve, weighted
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.objects import filled, text_objects

__all__ = [
    "DEFAULT_SAMPLES",
    "EXACT_LIMIT",
    "HUB_THRESHOLD",
    "FlowResult",
    "ThroughputScores",
    "combine_bottlenecks",
    "find_bottlenecks",
    "find_concentration",
    "find_min_cut",
    "find_outside_dependence",
    "find_throughput",
    "max_flow",
    "throughput_centrality",
]



# --- combined -------------------------------------------------------------------------------
_COMBINED = ["kind", "enterprise", "supplier", "buyer", "segment", "score",
             "explanation"]
#: Throughput at or above which an enterprise is a ``throughput_hub``.
HUB_THRESHOLD = 0.25


def find_bottlenecks(
    G: Chain | nx.DiGraph, /, *, template: TemplateLike = None,
    region: Any = None, sources: Any = None, final: Any = None,
    capacity: str | None = None, amount: str = "output", weight: str | None = VOLUME,
    hub_threshold: float = HUB_THRESHOLD, samples: int | None = None,
    seed: int | np.random.Generator | None = None, method: str = "auto",
    flow: FlowResult | None = None, throughput: ThroughputScores | None = None,
    top: int | None = None, explain: int | None = None,
) -> pd.DataFrame:
    """All bottleneck findings in one table: cut, concentration, dependence, hubs.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template, region, sources, final, capacity, method
        As in :func:`max_flow`, :func:`find_concentration` and
        :func:`find_outside_dependence`.
    amount : {"output", "supply"}
        Amount for :func:`find_concentration`.
    weight, samples, seed
        As in :func:`throughput_centrality`.
    hub_threshold : float, default 0.25
        Throughput at or above which an enterprise is a ``throughput_hub``.
    flow : FlowResult, optional
        A :func:`max_flow` result already computed for this chain (with the same
        sources, final producers and capacities), to avoid computing it again.
    throughput : ThroughputScores, optional
        A :func:`throughput_centrality` result already computed, likewise.
    top : int, optional
        Keep the first ``top`` rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows of each kind only
        (None for the rest): they include the table's first ``explain`` rows, and
        those a report grouped by kind shows. Default every row.

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
    of the maximum flow, segment = the enterprise's (None for a link); flagged segments of :func:`find_concentration` (score =
    HHI) and :func:`find_outside_dependence` (score = the larger share); and
    enterprises with throughput at least ``hub_threshold`` (score = throughput).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 2.0}), ("cell", "car", {"volume": 9.0})])
    >>> table = cg.algorithms.bottlenecks.find_bottlenecks(G)
    >>> table[["kind", "enterprise", "supplier", "score"]].values.tolist()
    [['min_cut', None, 'ore', 1.0], ['throughput_hub', 'cell', None, 1.0]]

    On the bundled example district:

    >>> chain = cg.datasets.load_example()
    >>> table = cg.algorithms.bottlenecks.find_bottlenecks(
    ...     chain, region=chain.meta["focal_region"])
    >>> sorted(table["kind"].unique())
    ['concentration', 'min_cut', 'outside_dependence', 'throughput_hub']
    """
    G, weight = weighted(G, weight, volumes_used=True)  # the flow uses the volumes
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain, template = context.chain, context.template
    if flow is None:
        flow = max_flow(chain, sources=sources, final=final, capacity=capacity,
                        template=template, method=method)
    conc = dep = None
    if chain.has_column(SEGMENT):
        conc = find_concentration(chain, region=region, template=template, amount=amount)
        dep = find_outside_dependence(chain, region=region, template=template)
    if throughput is None:
        throughput = throughput_centrality(
            chain, sources=sources, final=final, template=template, weight=weight,
            samples=samples, seed=seed, method=method)
    explain = check_top(explain, "explain")
    top = check_top(top)
    # a cut row among the first k rows by score is among the first k cut rows
    needed = min((k for k in (explain, top) if k is not None), default=None)
    table = combine_bottlenecks(
        chain, flow=flow, concentration=conc, outside_dependence=dep,
        throughput=throughput_table(chain, throughput, None),
        hub_threshold=hub_threshold, explain=needed)
    return first_rows(explain_per_kind(table, explain), top)


def combine_bottlenecks(
    chain: Chain, /, *, flow: FlowResult | None, concentration: pd.DataFrame | None,
    outside_dependence: pd.DataFrame | None, throughput: pd.DataFrame | None,
    hub_threshold: float = HUB_THRESHOLD, explain: int | None = None,
) -> pd.DataFrame:
    """The combined bottleneck table from results already computed (one place).

    Used by :func:`find_bottlenecks` and by the report, which computes each part
    once. ``flow`` is a :func:`max_flow` result, the tables are those of
    :func:`find_concentration`, :func:`find_outside_dependence` and
    :func:`find_throughput`; None (or an empty table) leaves that kind out.
    ``explain``: the minimum-cut rows get their explanation for the first
    ``explain`` of them only (see :func:`find_min_cut`).

    Examples
    --------
    >>> chain = cg.as_chain(nx.DiGraph([("ore", "cell"), ("cell", "car")]))
    >>> combine_bottlenecks(chain, flow=None, concentration=None,
    ...                     outside_dependence=None, throughput=None).columns.tolist()
    ['kind', 'enterprise', 'supplier', 'buyer', 'segment', 'score', 'explanation']
    """
    parts = []
    if flow is not None:
        cut = cut_table(chain, flow, None, _cut_rows_to_explain(flow, explain))
        inside = cut["element"].isin(["link", "enterprise"]).to_numpy()
        if not inside.all():  # no copy of a million-row cut of links only
            cut = cut[inside]
        enterprise = cut["enterprise"].to_numpy(dtype=object)
        segment = np.full(len(cut), None, dtype=object)
        has = pd.notna(enterprise)
        segment[has] = chain.column(SEGMENT, default=None)[chain.codes_of(enterprise[has])]
        parts.append(pd.DataFrame({  # kind: one shared string, not a pyarrow column
            "kind": pd.Series(filled(len(cut), "min_cut"), index=cut.index, dtype=object),
            "enterprise": cut["enterprise"],
            "supplier": cut["supplier"], "buyer": cut["buyer"],
            "segment": pd.Series(segment, index=cut.index, dtype=object),
            "score": cut["score"], "explanation": cut["explanation"]}))
    for kind, table, who in (("concentration", concentration, "top1_enterprise"),
                             ("outside_dependence", outside_dependence, None)):
        if table is not None and len(table):
            table = table[table["flagged"].astype(bool)]
            parts.append(pd.DataFrame({
                "kind": kind, "enterprise": table[who] if who else None,
                "supplier": None, "buyer": None, "segment": table["segment"],
                "score": table["score"], "explanation": table["explanation"]}))
    if throughput is not None and len(throughput):
        hubs = throughput[throughput["throughput"] >= hub_threshold]
        parts.append(pd.DataFrame({
            "kind": "throughput_hub", "enterprise": hubs["enterprise"],
            "supplier": None, "buyer": None, "segment": hubs["segment"],
            "score": hubs["score"], "explanation": hubs["explanation"]}))
    return _stacked_by_score([p for p in parts if len(p)])


def _cut_rows_to_explain(flow: FlowResult, explain: int | None) -> int | None:
    """How many of the cut's rows to explain so that its first ``explain`` links and
    enterprises are: the table leaves out its source-supply and final-demand rows,
    and keeps the others in the cut's order (by capacity)."""
    explain = check_top(explain, "explain")
    if not explain:
        return explain
    inside = np.flatnonzero(flow.min_cut["element"].isin(["link", "enterprise"]).to_numpy())
    return int(inside[explain - 1]) + 1 if explain <= len(inside) else None


def _stacked_by_score(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts' :data:`_COMBINED` columns one below the other (text columns as
    objects), sorted by score, descending (stable: ties keep their order; NaN
    last), as ``concat(...).sort_values("score", ascending=False, kind="stable")``
    gives them, built a column at a time: a million-row minimum cut is not copied
    whole twice."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "score" else object)
                             for c in _COMBINED})
    score = np.concatenate([p["score"].to_numpy() for p in parts])
    order = np.argsort(-score, kind="stable")
    row = np.empty(len(order), dtype=np.intp)  # the sorted row of each stacked row
    row[order] = np.arange(len(order))
    columns: dict[str, Any] = {"score": score[order]}
    for c in _COMBINED:
        if c == "score":
            continue
        # each part's values put straight into their sorted rows: one pass over a
        # million-row cut's id strings, where stacking and then sorting took three
        out = np.empty(len(order), dtype=object)
        start = 0
        for p in parts:
            out[row[start:start + len(p)]] = text_objects(p[c])
            start += len(p)
        columns[c] = pd.Series(out, dtype=object, copy=False)
    return pd.DataFrame({c: columns[c] for c in _COMBINED}, copy=False)
