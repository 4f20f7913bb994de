"""Fragility: where the chain hangs on a single thread.

Two kinds of finding, part of the breakpoints (:mod:`~chaingraph.algorithms.breakpoints`):

* **single_point_of_failure** - an enterprise (or a link) whose loss cuts a final
  producer off from every source;
* **single_source** - a local buyer that gets a needed input segment from exactly one
  supplier.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import (
    labels_of,
    proper_csr,
    ranked,
    segment_label,
    text_column,
)
from chaingraph.algorithms.tiers import tier_array
from chaingraph.kernels.dominators import (
    dominator_tree,
    edge_dominates_head,
    subtree_sums,
)
from chaingraph.model import (
    OUTPUT,
    REGION,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import (
    Selector,
    enterprise_segments,
    focal_mask,
    label_codes,
    resolve_roles,
)

__all__ = ["MAX_LISTED", "find_single_points_of_failure", "find_single_sources",
           "unsupplied_final"]

logger = logging.getLogger(__name__)

_SPOF_COLUMNS = ["element", "enterprise", "supplier", "buyer", "region", "in_focal",
                 "n_final_cut", "final_cut", "share_cut", "share_basis", "score",
                 "explanation"]


_SINGLE_COLUMNS = ["enterprise", "supplier", "buyer", "segment", "buyer_segment",
                   "supplier_region", "supplier_in_focal", "volume", "score",
                   "explanation"]


#: How many cut final producers a SPOF row lists (the count is always exact).
MAX_LISTED = 10


# --- single points of failure ---------------------------------------------------------
def _dominator_analysis(chain: Chain, sources: np.ndarray, considered: np.ndarray,
                        weights: np.ndarray, method: str) -> dict[str, Any]:
    """Dominator tree from a super-source joined to every source, and what it cuts."""
    n = chain.n_enterprises
    indptr, indices = proper_csr(chain)
    seeds = np.flatnonzero(sources)
    aug_indptr = np.concatenate((indptr, [indptr[-1] + len(seeds)])).astype(np.int64)
    aug_indices = np.concatenate((indices, seeds)).astype(np.int64)
    dom_method = "networkx" if method in ("scipy", "networkx") else method
    sums_method = "scipy" if dom_method == "networkx" else method
    tree = dominator_tree(aug_indptr, aug_indices, n, method=dom_method)
    supplied = considered & tree.reachable[:n]
    count = np.append(supplied.astype(np.int64), 0)
    weight = np.append(np.where(supplied, weights, 0.0), 0.0)
    return {
        "tree": tree, "indptr": aug_indptr, "indices": aug_indices,
        "supplied": supplied,
        "count": subtree_sums(tree, count, method=sums_method),
        "weight": subtree_sums(tree, weight, method=sums_method),
        "own_count": count, "own_weight": weight,
        "n_edges": len(indices),
    }


def _final_weights(chain: Chain, considered: np.ndarray) -> tuple[np.ndarray, str]:
    """Output of each considered final producer, or ones when outputs are unknown."""
    output = chain.column(OUTPUT).astype(np.float64)
    chosen = output[considered]
    if len(chosen) and not np.isnan(chosen).any() and chosen.sum() > 0:
        return np.nan_to_num(output), "output"
    return np.ones(chain.n_enterprises), "count"


def find_single_points_of_failure(
        G: Chain | Any, /, *, sources: Selector = None, final: Selector = None,
        region: Any = None, links: bool = True, template: TemplateLike = None,
        method: str = "auto", max_listed: int = MAX_LISTED, top: int | None = None,
        explain: int | None = None) -> pd.DataFrame:
    """Enterprises and links whose loss cuts a final producer off from every source.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final : selector, optional
        Override who the sources / final producers are.
    region : str or list of str, optional
        The focal region: only its final producers are considered (the supply paths
        may run anywhere in the chain).
    template : SegmentTemplate, optional
        Needed only when ``sources`` or ``final`` select by stage.
    links : bool, default True
        Also report links (element ``"link"``).
    method : {"auto", "numba", "scipy"}
        numba dominators, or networkx's (much slower) with scipy counting.
    max_listed : int, default 10
        At most this many cut final producers are listed per row.
    top : int, optional
        Keep only the ``top`` highest-scoring rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows only (None for the
        rest); default every row.

    Returns
    -------
    DataFrame
        Columns ``element`` ("enterprise" or "link"), ``enterprise`` (None for
        links), ``supplier``, ``buyer`` (None for enterprises), ``region`` (of the
        enterprise; of the buyer for links), ``in_focal`` (the enterprise; for links:
        both ends), ``n_final_cut`` (exact), ``final_cut`` (ids, at most
        ``max_listed``), ``share_cut`` (share of the considered final producers'
        output, or of their number when outputs are unknown), ``share_basis``
        ("output" or "count"), ``score`` (= share_cut) and ``explanation``; sorted
        by score, descending. Final producers that no source reaches at all are
        not caused by any single failure: :func:`unsupplied_final` lists them.

    See Also
    --------
    find_breakpoints, unsupplied_final

    Notes
    -----
    An enterprise v is a **single point of failure** when removing it leaves at least
    one considered final producer (one in the focal region) with no supply path from
    any source. Equivalently v strictly dominates that final producer in the
    dominator tree of the whole chain rooted at a super-source joined to every
    source: supply from outside the region counts. Sources can be single points of
    failure (the sole source upstream of a final producer). A **link** u -> v is a
    single point of failure when removing it disconnects a considered final producer;
    it lies on every supply path to v exactly when u is the only predecessor of v
    reachable without passing through v, and then it cuts the final producers that v
    dominates (v included).

    Method: semi-NCA dominators (numba) or
    ``networkx.immediate_dominators``; counts and output shares are dominator-subtree
    sums; the listed final producers come from preorder intervals of the tree. Cost
    O(n + m) per dominator pass (two passes on acyclic chains).

    Examples
    --------
    >>> G = nx.DiGraph([("mine", "cell"), ("cell", "car"), ("cell", "bus"),
    ...                 ("mine2", "bus")])
    >>> spof = find_single_points_of_failure(G)
    >>> spof[["element", "enterprise", "supplier", "buyer", "n_final_cut"]]
          element enterprise supplier buyer  n_final_cut
    0  enterprise       mine     None  None            1
    1  enterprise       cell     None  None            1
    2        link       None     mine  cell            1
    3        link       None     cell   car            1
    >>> spof["explanation"][0]
    'Removing mine cuts 1 of 2 final producers (50.0% of them) off from every source: car'
    """
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    considered = roles.final & focal
    weights, basis = _final_weights(chain, considered)
    info = _dominator_analysis(chain, roles.sources, considered, weights, method)
    total = float(weights[considered].sum())
    n = chain.n_enterprises
    strict = info["count"][:n] - info["own_count"][:n]
    nodes = np.flatnonzero(strict > 0)
    node_rows = {"element": "enterprise", "codes": nodes, "heads": nodes,
                 "cut": strict[nodes],
                 "share": (info["weight"][nodes] - info["own_weight"][nodes]) / total}
    parts = [node_rows]
    if links:
        parts.append(_link_rows(info, n, total))
    frame = _spof_frame(chain, parts, info, focal, basis, int(considered.sum()),
                        max_listed, top, explain)
    unsupplied = int((considered & ~info["supplied"]).sum())
    if unsupplied:
        logger.info("%d final producers have no supply path from any source at all "
                    "(not caused by a single failure; see unsupplied_final)", unsupplied)
    return frame


def _link_rows(info: dict[str, Any], n: int, total: float) -> dict[str, Any]:
    tree = info["tree"]
    dominating = edge_dominates_head(info["indptr"], info["indices"], tree)
    m = info["n_edges"]
    dst = info["indices"][:m]
    hit = np.flatnonzero(dominating[:m] & (info["count"] > 0)[dst])
    heads = dst[hit]
    # the supplier of each hit entry: its CSR row
    src = np.searchsorted(info["indptr"], hit, side="right") - 1
    return {"element": "link", "codes": src, "heads": heads,
            "cut": info["count"][heads], "share": info["weight"][heads] / total}


def _spof_frame(chain: Chain, parts: list[dict[str, Any]], info: dict[str, Any],
                focal: np.ndarray, basis: str, n_considered: int, max_listed: int,
                top: int | None, explain: int | None) -> pd.DataFrame:
    ids, tree = chain.ids, info["tree"]
    finals = np.flatnonzero(info["supplied"])
    frames, examples = [], []
    for part in parts:
        codes, heads = part["codes"], part["heads"]
        is_node = part["element"] == "enterprise"
        # a node SPOF's own entry is dropped below, so list one more
        _, members = tree.nodes_below(heads, finals, limit=max_listed + is_node)
        listed = [below[below != head][:max_listed] if is_node else below
                  for head, below in zip(heads.tolist(), members, strict=True)]
        examples.extend(b[:3] for b in listed)
        labels = labels_of(chain, codes)
        frames.append(pd.DataFrame({
            "element": part["element"],
            "enterprise": pd.Series(ids[codes] if is_node else [None] * len(codes),
                                    dtype=object),
            "supplier": pd.Series([None] * len(codes) if is_node else ids[codes],
                                  dtype=object),
            "buyer": pd.Series([None] * len(codes) if is_node else ids[heads],
                               dtype=object),
            "region": pd.Series(text_column(chain, REGION, heads), dtype=object),
            "in_focal": focal[codes] & focal[heads],
            "n_final_cut": part["cut"].astype(np.int64),
            "final_cut": pd.Series([ids[b].tolist() for b in listed], dtype=object),
            "share_cut": part["share"].astype(np.float64), "share_basis": basis,
            "_what": (labels if is_node else np.array(
                [f"the link {a} -> {b}" for a, b in zip(
                    labels, labels_of(chain, heads), strict=True)], dtype=object)),
        }))
    frame = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else (
        pd.DataFrame(columns=[*_SPOF_COLUMNS, "_what"]))
    frame["score"] = frame["share_cut"].astype(np.float64)
    frame["_examples"] = pd.Series(examples, dtype=object)

    def build(rows: pd.DataFrame) -> list[str]:
        shown = rows["_examples"].tolist()
        flat = np.concatenate([*shown, np.empty(0, dtype=np.int64)])
        flat_labels = iter(labels_of(chain, flat).tolist())
        return [_spof_text(what, cut, n_considered, share, basis,
                           [next(flat_labels) for _ in range(len(ex))])
                for what, cut, share, ex in zip(
                    rows["_what"], rows["n_final_cut"], rows["share_cut"], shown,
                    strict=True)]

    return ranked(frame, _SPOF_COLUMNS, top, build=build, explain=explain)


def _spof_text(what: str, cut: int, n_considered: int, share: float, basis: str,
               examples: list[str]) -> str:
    of = "of final output" if basis == "output" else "of them"
    more = ", ..." if cut > len(examples) else ""
    return (f"Removing {what} cuts {cut:,} of {n_considered:,} final producers "
            f"({_percent(share)} {of}) off from every source: "
            f"{', '.join(examples)}{more}")


def _percent(share: float) -> str:
    """A share as a percentage that stays informative when tiny."""
    value = 100 * share
    return f"{value:.1f}%" if value >= 0.1 or value == 0 else f"{value:.2g}%"


# --- single sources -------------------------------------------------------------------
def find_single_sources(G: Chain | Any, /, *, template: TemplateLike = None,
                        region: Any = None, top: int | None = None,
                        explain: int | None = None) -> pd.DataFrame:
    """Local buyers that get a needed input segment from exactly one supplier.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, optional
        Says which input segments each segment needs (its essential template
        supplier segments).
    region : str or list of str, optional
        The focal region: only its buyers are considered (suppliers may be anywhere).
    top : int, optional
        Keep only the ``top`` highest-scoring rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows only (None for the
        rest); default every row.

    Returns
    -------
    DataFrame
        Columns ``enterprise`` (the buyer), ``supplier``, ``buyer``, ``segment``
        (the input segment; None when segments are unknown), ``buyer_segment``,
        ``supplier_region``, ``supplier_in_focal``, ``volume`` (of the link, NaN when
        unknown), ``score`` and ``explanation``; sorted by score, descending.

    See Also
    --------
    find_breakpoints, find_single_points_of_failure

    Notes
    -----
    A **single source** is a (buyer, input segment) pair with exactly one supplier.
    The needed segments of a buyer are the template's essential supplier segments of
    its segment when a template is given (a needed segment with no supplier at all is
    not a single source: see :func:`find_broken_links`), else every segment it buys
    from; suppliers with no segment form one group, and without a ``segment`` column
    all of a buyer's suppliers form one group. ``score`` is 1.0 when the sole
    supplier is outside the focal region and 0.5 when it is local. Cost O(m).

    Examples
    --------
    >>> G = nx.DiGraph([("s1", "car"), ("s2", "car"), ("s3", "car")])
    >>> nx.set_node_attributes(G, {"s1": "cell", "s2": "cell", "s3": "tyre"}, "segment")
    >>> find_single_sources(G)[["enterprise", "supplier", "segment"]]
      enterprise supplier segment
    0        car       s3    tyre
    """
    context = resolve(G, template=template, region=region)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    segments = enterprise_segments(chain, template)
    if segments is None:  # one group of suppliers per buyer
        segments = np.full(chain.n_enterprises, None, dtype=object)
        seg_code = np.full(chain.n_enterprises, -1, dtype=np.int64)
    else:
        seg_code = label_codes(chain, segments)[0]
    src, dst = chain.link_codes
    keep = (src != dst) & focal[dst]
    src, dst = src[keep], dst[keep]
    volume = chain.column(VOLUME, table="links").astype(np.float64)[keep]
    key = dst.astype(np.int64) * (int(seg_code.max(initial=0)) + 2) + (seg_code[src] + 1)
    group = pd.factorize(key)[0]  # hashed, not sorted: a third of value_counts' time
    counts = np.bincount(group)[group] if len(group) else np.zeros(0, dtype=np.int64)
    single = counts == 1
    if template is not None:
        single &= _needed(template, segments, src, dst)
    src, dst, volume = src[single], dst[single], volume[single]
    ids, regions = chain.ids, text_column(chain, REGION)
    frame = pd.DataFrame({
        "enterprise": pd.Series(ids[dst], dtype=object),
        "supplier": pd.Series(ids[src], dtype=object),
        "buyer": pd.Series(ids[dst], dtype=object),
        "segment": pd.Series(segments[src], dtype=object),
        "buyer_segment": pd.Series(segments[dst], dtype=object),
        "supplier_region": pd.Series(regions[src], dtype=object),
        "supplier_in_focal": focal[src], "volume": volume,
        "score": np.where(focal[src], 0.5, 1.0), "_src": src, "_dst": dst})

    def build(rows: pd.DataFrame) -> list[str]:
        src, dst = rows["_src"].to_numpy(), rows["_dst"].to_numpy()
        return [_single_text(template, b, s, seg, reg, inside)
                for b, s, seg, reg, inside in zip(
                    labels_of(chain, dst), labels_of(chain, src), segments[src],
                    regions[src], focal[src], strict=True)]

    return ranked(frame, _SINGLE_COLUMNS, top, build=build, explain=explain)


def _needed(template: SegmentTemplate, segments: np.ndarray, src: np.ndarray,
            dst: np.ndarray) -> np.ndarray:
    """Is each link's supplier segment an essential template input of its buyer's?"""
    known = pd.Index(template.segment_ids, dtype=object)
    code = known.get_indexer(pd.Index(segments, dtype=object))
    k = len(known) + 1
    essential = template.edges[template.edges["essential"]]
    pairs = (known.get_indexer(essential["supplier"]) * k
             + known.get_indexer(essential["buyer"]))
    a, b = code[src], code[dst]
    return (a >= 0) & (b >= 0) & np.isin(a * k + b, pairs)


def _single_text(template: SegmentTemplate | None, buyer: str, supplier: str,
                 segment: Any, region: Any, inside: bool) -> str:
    what = "inputs" if segment is None else f"{segment_label(template, segment)} inputs"
    where = "region unknown" if region is None else f"region {region}"
    side = "inside" if inside else "outside"
    return (f"{buyer} buys all its {what} from one supplier, {supplier} ({where}, "
            f"{side} the focal region)")


def unsupplied_final(G: Chain | Any, /, *, sources: Selector = None,
                     final: Selector = None, region: Any = None,
                     template: TemplateLike = None, method: str = "auto") -> list[Any]:
    """Focal final producers that no source reaches at all (no supply path).

    They are left out of :func:`find_single_points_of_failure`: no single failure
    cuts them off, they are cut off already.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final : selector, optional
        Override who the sources / final producers are.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    template : SegmentTemplate, str or path, optional
        Needed for ``{"stage": ...}`` selectors.
    method : {"auto", "numba", "scipy"}
        Engine for the reachability kernel.

    Returns
    -------
    list
        Enterprise ids, in chain order.

    Examples
    --------
    >>> G = nx.DiGraph([("mine", "car"), ("x", "y"), ("y", "x"), ("y", "z")])
    >>> unsupplied_final(G, sources=["mine"])
    ['z']
    """
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain = context.chain
    roles = context.roles
    level = tier_array(chain, roles.sources, method)
    return chain.ids[roles.final & context.focal & (level < 0)].tolist()
