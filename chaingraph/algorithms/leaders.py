"""Chain leaders (链主): the focal enterprises that organise the chain around them.

A chain leader is large (output share), buys from many local suppliers (it anchors a
local supplier base), reaches far downstream, and absorbs the output of important
suppliers (demand pull). Each component is measured, normalised to [0, 1] by dividing
by its largest value among the focal enterprises, and combined with documented
weights (:data:`DEFAULT_WEIGHTS`, overridable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph.algorithms.common import (
    condensation_of,
    explain_rows,
    first_rows,
    flags,
    strong_components_of,
)
from chaingraph.amounts import format_amount
from chaingraph.kernels.graph import reachable
from chaingraph.kernels.pagerank import pagerank
from chaingraph.kernels.passes import divide_rows, min_downstream, sink_levels
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    VOLUME,
    Chain,
    SegmentTemplate,
    as_chain,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import focal_mask

__all__ = ["DEFAULT_WEIGHTS", "designated_hits", "find_leaders", "leader_scores"]

#: Default weights of the four normalised components of the leader score.
DEFAULT_WEIGHTS: dict[str, float] = {
    "output_share": 0.35,
    "local_suppliers": 0.20,
    "downstream_reach": 0.15,
    "demand_pull": 0.30,
}
#: Up to this many focal enterprises, downstream reach is counted exactly.
EXACT_REACH_LIMIT = 8_192
_CHUNK = 1024  # sources per bit-parallel pass (16 uint64 words)
_RANK_ROWS = 65_536  # rows of random ranks drawn at a time


def _condensation(chain: Chain) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
    """Strongly connected components: labels, condensed DAG (CSR), component sizes
    (the chain's cached components, shared with the tiers)."""
    n_comp, labels = strong_components_of(chain)
    cindptr, cindices = condensation_of(chain)
    C = sp.csr_array((np.ones(len(cindices)), cindices, cindptr), shape=(n_comp, n_comp))
    return labels, C, np.bincount(labels, minlength=n_comp)


def _levels(C: sp.csr_array) -> np.ndarray:
    """Longest-path distance of each DAG node from a node without predecessors."""
    n = C.shape[0]
    indeg = np.diff(C.T.tocsr().indptr).astype(np.int64)
    level = np.full(n, -1, dtype=np.int64)
    frontier = np.flatnonzero(indeg == 0)
    depth = 0
    while len(frontier):
        level[frontier] = depth
        succ = C[frontier].indices if len(frontier) < n else C.indices
        indeg -= np.bincount(succ, minlength=n)
        frontier = np.flatnonzero((indeg == 0) & (level < 0))
        depth += 1
    return level


def _exact_reach(C: sp.csr_array, sizes: np.ndarray, comps: np.ndarray) -> np.ndarray:
    """Enterprises reachable from each component in ``comps`` (itself included)."""
    n = C.shape[0]
    level = _levels(C)
    CT = C.T.tocsr()
    order = [np.flatnonzero(level == d) for d in range(1, level.max() + 1)]
    counts = np.zeros(len(comps), dtype=np.float64)
    for start in range(0, len(comps), _CHUNK):
        chunk = comps[start:start + _CHUNK]
        words = (len(chunk) + 63) // 64
        bits = np.zeros((n, words), dtype=np.uint64)
        pos = np.arange(len(chunk))
        np.bitwise_or.at(bits, (chunk, pos // 64),
                         np.left_shift(np.uint64(1), (pos % 64).astype(np.uint64)))
        for nodes in order:  # forward: a node inherits its predecessors' source bits
            rows = CT[nodes]
            starts = rows.indptr[:-1]
            bits[nodes] |= np.bitwise_or.reduceat(bits[rows.indices], starts, axis=0)
        for lo in range(0, n, 65536):
            block = bits[lo:lo + 65536].view(np.uint8)
            flags = np.unpackbits(block, axis=1, bitorder="little")[:, :len(chunk)]
            counts[start:start + len(chunk)] += sizes[lo:lo + 65536] @ flags
    return counts


def _estimated_reach(C: sp.csr_array, sizes: np.ndarray, samples: int,
                     seed: Any, method: str = "auto", comps: np.ndarray | None = None
                     ) -> np.ndarray:
    """Cohen's min-rank estimate of the enterprises reachable from each component.

    ``comps``: the components whose reach is wanted (default: all). Only they and
    what lies downstream of them get ranks (at 1M enterprises 40-70 % of the
    chain: 100-150 MB of samples fewer); each keeps the draws it has when every
    component is drawn, so their estimates are the same, bit for bit. Other
    components' estimates are NaN.
    """
    rng = np.random.default_rng(seed)
    n = C.shape[0]
    indptr, indices = C.indptr, C.indices
    graph_method = "scipy" if method == "numpy" else method  # the graph kernels' name
    keep = (np.ones(n, dtype=bool) if comps is None else
            reachable(indptr.astype(np.int64, copy=False),
                      indices.astype(np.int64, copy=False), comps, method=graph_method))
    if not keep.all():  # the part downstream of comps: closed under successors
        new = (np.cumsum(keep) - 1).astype(indices.dtype)  # the kernels' own dtypes
        indices = new[indices[np.repeat(keep, np.diff(indptr))]]
        indptr = np.concatenate(([0], np.cumsum(np.diff(indptr)[keep]))).astype(
            C.indptr.dtype)
    level = sink_levels(indptr, indices, method=graph_method)  # distance to a sink
    ranks = np.empty((len(level), samples), dtype=np.float32)
    draws = np.empty((min(_RANK_ROWS, n), samples))
    at = 0
    for lo in range(0, n, _RANK_ROWS):  # the same draws as one call, less memory
        hi = min(lo + _RANK_ROWS, n)
        block = draws[:hi - lo]
        rng.standard_exponential(out=block)  # = rng.exponential(), into one buffer
        at += divide_rows(block, sizes[lo:hi], keep[lo:hi], ranks[at:],
                          method=graph_method)
    draws = block = None  # the draw buffer (and its view) freed before the search
    min_downstream(indptr, indices, level, ranks, method=method)
    out = np.full(n, np.nan)
    out[keep] = (samples - 1) / ranks.sum(axis=1, dtype=np.float64)
    return out


def _downstream_reach(chain: Chain, codes: np.ndarray, samples: int | None,
                      seed: Any) -> np.ndarray:
    """Share of the other enterprises reachable downstream from each of ``codes``."""
    n = chain.n_enterprises
    if n <= 1 or not len(codes):
        return np.zeros(len(codes))
    labels, C, sizes = _condensation(chain)
    if samples is None and len(codes) <= EXACT_REACH_LIMIT:
        comps, inverse = np.unique(labels[codes], return_inverse=True)
        reach = _exact_reach(C, sizes.astype(np.float64), comps)[inverse]
    else:
        wanted = labels[codes]
        reach = _estimated_reach(C, sizes, samples or 64, seed,
                                 comps=np.unique(wanted))[wanted]
    return np.clip((reach - 1) / (n - 1), 0.0, 1.0)


def _sales_weights(chain: Chain) -> np.ndarray:
    """Link volumes; a link without a volume counts as a median-volume link."""
    if not chain.has_column(VOLUME, table="links"):
        return np.ones(chain.n_links)
    volume = chain.column(VOLUME, table="links")
    known = volume[np.isfinite(volume) & (volume > 0)]
    fill = float(np.median(known)) if len(known) else 1.0
    return np.where(np.isnan(volume), fill, volume)


def _components(chain: Chain, focal: np.ndarray, samples: int | None,
                seed: Any) -> pd.DataFrame:
    """Raw and normalised components for the focal enterprises."""
    codes = np.flatnonzero(focal)
    output = np.nan_to_num(chain.column(OUTPUT))
    total = output[codes].sum()
    share = output[codes] / total if total > 0 else np.zeros(len(codes))
    n_local, v_local = _local_supply(chain, focal, codes)
    pull = _demand_pull(chain, codes)
    # the link-sized arrays of the two above are freed before the reach's samples
    reach = _downstream_reach(chain, codes, samples, seed)
    frame = pd.DataFrame({
        "code": codes, "output_share": share, "local_suppliers": n_local,
        "local_supplier_volume": v_local, "downstream_reach": reach,
        "demand_pull": pull})
    local_norm = _norm(n_local)
    if chain.has_column(VOLUME, table="links"):
        local_norm = (local_norm + _norm(v_local)) / 2
    frame["output_share_norm"] = _norm(share)
    frame["local_suppliers_norm"] = local_norm
    frame["downstream_reach_norm"] = _norm(reach)
    frame["demand_pull_norm"] = _norm(pull)
    return frame


def _local_supply(chain: Chain, focal: np.ndarray, codes: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Number and volume of each of ``codes``' suppliers inside the focal region."""
    src, dst = chain.link_codes
    local = focal[src] & focal[dst] & (src != dst)
    buyers = dst[local]
    volume = np.nan_to_num(chain.column(VOLUME, table="links")[local])
    n = chain.n_enterprises
    return (np.bincount(buyers, minlength=n)[codes].astype(np.float64),
            np.bincount(buyers, weights=volume, minlength=n)[codes])


def _demand_pull(chain: Chain, codes: np.ndarray) -> np.ndarray:
    """PageRank of ``codes`` on the sales-weighted supply graph."""
    n = chain.n_enterprises
    if not n:
        return np.zeros(0)
    src, dst = chain.link_codes
    A = sp.csr_array((_sales_weights(chain), (src, dst)), shape=(n, n))
    # the chain's cached components and condensation (the tiers' and the reach's)
    return pagerank(A, components=strong_components_of(chain),
                    condensed=lambda: condensation_of(chain))[0][codes]


def _norm(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else np.zeros(len(values))


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    merged = {**DEFAULT_WEIGHTS, **dict(weights or {})}
    unknown = set(merged) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown leader weight(s) {sorted(unknown)}; expected keys "
                         f"{list(DEFAULT_WEIGHTS)}")
    if any(w < 0 or not np.isfinite(w) for w in merged.values()):
        raise ValueError(f"leader weights must be finite and >= 0, got {merged}")
    total = sum(merged.values())
    if total <= 0:
        raise ValueError("at least one leader weight must be positive")
    return {k: w / total for k, w in merged.items()}


def _scored(chain: Chain, region: Any, weights: Mapping[str, float] | None,
            samples: int | None, seed: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    w = _weights(weights)
    frame = _components(chain, focal_mask(chain, region), samples, seed)
    frame["score"] = sum(w[k] * frame[f"{k}_norm"] for k in w) if len(frame) else 0.0
    return frame, w


def leader_scores(G: Chain | nx.DiGraph, /, *, region: Any = None,
                  weights: Mapping[str, float] | None = None,
                  samples: int | None = None, seed: Any = None) -> dict[Any, float]:
    """Chain-leader (链主) score of each focal enterprise, in [0, 1].

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (edges supplier -> buyer).
    region : str or list of str, optional
        Focal region; None scores every enterprise.
    weights : dict, optional
        Weights of the components, merged into :data:`DEFAULT_WEIGHTS`
        (``output_share``, ``local_suppliers``, ``downstream_reach``,
        ``demand_pull``); they are rescaled to sum 1.
    samples : int, optional
        Estimate downstream reach with this many min-rank samples instead of
        counting it exactly (the default above 8,192 focal enterprises uses 64).
    seed : int, numpy Generator or None
        Randomness of the reach estimate (unused when counting exactly).

    Returns
    -------
    dict
        Enterprise id -> score, for focal enterprises.

    Raises
    ------
    ValueError
        Unknown or negative weights; a region no enterprise is in.

    See Also
    --------
    find_leaders : the components, ranks and explanations.

    Notes
    -----
    See :func:`find_leaders` for the definition.

    Examples
    --------
    >>> from chaingraph.algorithms.leaders import leader_scores
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 5}), ("cell", "car", {"volume": 9})])
    >>> nx.set_node_attributes(G, {"ore": 1, "cell": 2, "car": 7}, "output")
    >>> {k: round(v, 2) for k, v in leader_scores(G).items()}
    {'ore': 0.32, 'cell': 0.55, 'car': 0.85}
    """
    chain = as_chain(G)
    frame, _ = _scored(chain, region, weights, samples, seed)
    return dict(zip(chain.ids[frame["code"].to_numpy()], frame["score"].tolist(),
                    strict=True))


def find_leaders(G: Chain | nx.DiGraph, /, *, region: Any = None,
                 template: TemplateLike = None,
                 weights: Mapping[str, float] | None = None, top: int | None = None,
                 samples: int | None = None, seed: Any = None,
                 explain: int | None = None) -> pd.DataFrame:
    """Rank focal enterprises as chain leaders (链主), with each score explained.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (edges supplier -> buyer), with ``output`` and link ``volume``
        where known.
    region : str or list of str, optional
        Focal region; None ranks every enterprise.
    template : SegmentTemplate, optional
        Used to show segment names in explanations.
    weights : dict, optional
        Component weights, merged into :data:`DEFAULT_WEIGHTS`.
    top : int, optional
        Keep only the ``top`` best rows.
    samples, seed
        See :func:`leader_scores`.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows only (None for the
        rest); default every row.

    Returns
    -------
    DataFrame
        One row per focal enterprise, sorted by ``score`` descending: ``enterprise``,
        ``name``, ``segment``, ``region``, ``output``, ``output_share``,
        ``local_suppliers`` (count), ``local_supplier_volume``,
        ``downstream_reach``, ``demand_pull``, the four ``*_norm`` components,
        ``score``, ``rank`` (1 = best), ``segment_rank`` (within its segment),
        ``designated`` (the chain's ``is_leader`` column, if any) and
        ``explanation``. :func:`designated_hits` counts designated leaders among
        the top ``k`` (``k`` = number designated).

    Raises
    ------
    ValueError
        Unknown or negative weights; a region no enterprise is in.

    See Also
    --------
    leader_scores : the scores alone.

    Notes
    -----
    Components, for each focal enterprise ``v``:

    * ``output_share``: ``output(v) / sum of focal output`` (missing output = 0);
    * ``local_suppliers``: number of distinct focal suppliers of ``v`` and the
      volume it buys from them (normalised: the mean of count / max count and
      volume / max volume; count only when links have no volume);
    * ``downstream_reach``: share of the other enterprises of the chain reachable
      from ``v`` along supply links;
    * ``demand_pull``: PageRank on the supplier -> buyer graph whose transition
      weights are the share of the supplier's sales going to each buyer
      (importance flows to the buyers that absorb important suppliers' output;
      links without volume count as a median-volume link; damping 0.85).

    Each component is divided by its maximum over the focal enterprises (0 when
    all are 0); the score is the weighted mean. Exact reach is a bit-parallel
    propagation over the condensation (O(m * n_focal / 64)); above 8,192 focal
    enterprises, Cohen's min-rank estimator with 64 samples (relative error about
    13 %) runs in O(64 m). PageRank is O(m) per iteration.

    References
    ----------
    .. [1] Cohen (1997), "Size-estimation framework with applications to
       transitive closure and reachability", J. Comput. Syst. Sci. 55(3).

    Examples
    --------
    >>> from chaingraph.algorithms.leaders import find_leaders
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 5}), ("cell", "car", {"volume": 9})])
    >>> nx.set_node_attributes(G, {"ore": 1, "cell": 2, "car": 7}, "output")
    >>> find_leaders(G)[["enterprise", "score", "rank"]].round(2)
      enterprise  score  rank
    0        car   0.85     1
    1       cell   0.55     2
    2        ore   0.32     3
    >>> find_leaders(G)["explanation"][0]
    'car ranks 1 of 3 as chain leader (score 0.85): 70.0% of focal output, buys from 1 local suppliers, 9 yuan, reaches 0.0% of the chain downstream, demand pull 1.00 of the highest'
    """
    context = resolve(G, template=template, region=region)
    chain, template = context.chain, context.template
    frame, _ = _scored(chain, region, weights, samples, seed)
    codes = frame.pop("code").to_numpy()
    out = pd.DataFrame({
        "enterprise": pd.Series(chain.ids[codes], dtype=object),
        "name": chain.column_at(NAME, codes, default=None),
        "segment": chain.column(SEGMENT, default=None)[codes],
        "region": chain.column(REGION, default=None)[codes],
        "output": chain.column(OUTPUT)[codes]})
    out = pd.concat([out, frame.reset_index(drop=True)], axis=1)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(np.int64)
    seg = out["segment"].astype(object).where(out["segment"].notna(), "")
    out["segment_rank"] = out.groupby(seg)["score"].rank(
        ascending=False, method="min").astype(np.int64)
    designated = chain.has_column("is_leader")
    if designated:
        # a CSV's "False" is no, not a non-empty string (every enterprise had been
        # a designated leader); 是/否, 1/0, √ as everywhere
        out["designated"] = flags(chain.column("is_leader", default=False)[codes])
    ranked_of = len(out)  # "ranks r of N": N counts every focal enterprise
    out = first_rows(out.sort_values(["score", "enterprise"], ascending=[False, True],
                                     key=_sort_key, kind="stable").reset_index(drop=True),
                     top)
    names = _segment_names(chain, template)
    return explain_rows(out, lambda rows: _explanations(rows, chain, names, designated,
                                                        ranked_of), explain)


def designated_hits(leaders: pd.DataFrame, /) -> tuple[int, int] | None:
    """How many designated leaders rank among the top ``k`` (``k`` = number designated).

    Parameters
    ----------
    leaders : DataFrame
        A full :func:`find_leaders` table (without ``top``).

    Returns
    -------
    tuple of int or None
        ``(hits, k)``; None when the table has no ``designated`` column.

    Examples
    --------
    >>> table = find_leaders(cg.datasets.load_example(), region="明湾示范区")
    >>> designated_hits(table)
    (3, 3)
    """
    if "designated" not in leaders.columns:
        return None
    designated = leaders["designated"].astype(bool)
    k = int(designated.sum())
    return int(designated.iloc[:k].sum()), k


def _sort_key(column: pd.Series) -> pd.Series:
    return column if column.name == "score" else column.astype(str)


def _segment_names(chain: Chain, template: SegmentTemplate | None) -> dict[Any, str]:
    """Segment label -> display name (the template's Chinese name when it resolves)."""
    if template is None:
        return {}
    zh = dict(zip(template.segments["id"], template.segments["name_zh"], strict=True))
    out = {}
    for label in pd.unique(pd.Series(chain.column(SEGMENT, default=None), dtype=object)):
        sid = template.resolve(label) if isinstance(label, str) else None
        if sid is not None:
            out[label] = zh[sid]
    return out


def _explanations(out: pd.DataFrame, chain: Chain, names: dict[Any, str],
                  designated: bool, ranked_of: int) -> list[str]:
    """One sentence per row (plain loop over numpy columns: fast at 1M rows)."""
    n = len(out)
    unit = chain.meta.get("unit", "yuan")
    volumes = chain.has_column(VOLUME, table="links")
    columns = [out[c].to_numpy(dtype=object) for c in (
        "enterprise", "name", "segment", "rank", "score", "output_share",
        "local_suppliers", "local_supplier_volume", "downstream_reach",
        "demand_pull_norm")]
    flags = out["designated"].to_numpy() if designated else np.zeros(n, dtype=bool)
    texts = []
    for (ent, name, segment, rank, score, share, n_local, v_local, reach, pull), flag \
            in zip(zip(*columns, strict=True), flags, strict=True):
        label = name if isinstance(name, str) and name else str(ent)
        segment = names.get(segment, segment) if isinstance(segment, str) else None
        where = f" ({segment})" if segment else ""
        bought = f", {format_amount(v_local, unit)}" if volumes else ""
        text = (f"{label}{where} ranks {rank} of {ranked_of} as chain leader (score "
                f"{score:.2f}): {share:.1%} of focal output, buys from "
                f"{int(n_local)} local suppliers{bought}, reaches {reach:.1%} of the "
                f"chain downstream, demand pull {pull:.2f} of the highest")
        if designated:
            text += "; designated leader" if flag else "; not designated"
        texts.append(text)
    return texts
