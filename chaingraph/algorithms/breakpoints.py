"""Breakpoints (断点): where the chain is broken or hangs on a single thread.

Four kinds of finding:

* **missing_segment** - a template segment with no enterprise in the focal region;
* **broken_link** - a template link A -> B whose two segments are present locally
  but no local A enterprise supplies a local B enterprise;
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

from chaingraph._checks import check_top, required_template
from chaingraph.algorithms.roles import Selector, focal_mask, resolve_roles
from chaingraph.algorithms.structure import (
    _graph,
    _ranked,
    _segments,
    _template_realisation,
    _texts,
)
from chaingraph.datasets import as_template
from chaingraph.kernels.dominators import (
    dominator_tree,
    edge_dominates_head,
    subtree_sums,
)
from chaingraph.kernels.graph import edge_sources
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    VOLUME,
    Chain,
    SegmentTemplate,
    as_chain,
)

__all__ = [
    "find_breakpoints",
    "find_broken_links",
    "find_missing_segments",
    "find_single_points_of_failure",
    "find_single_sources",
]

logger = logging.getLogger(__name__)

_MISSING_COLUMNS = ["segment", "name_zh", "name_en", "stage", "n_elsewhere",
                    "suppliers_present", "buyers_present", "score", "explanation"]
_BROKEN_COLUMNS = ["supplier_segment", "buyer_segment", "essential",
                   "n_supplier_enterprises", "n_buyer_enterprises", "n_outside_links",
                   "n_outside_suppliers", "outside_volume", "outside_regions", "score",
                   "explanation"]
_SPOF_COLUMNS = ["element", "enterprise", "supplier", "buyer", "region", "in_focal",
                 "n_final_cut", "final_cut", "share_cut", "share_basis", "score",
                 "explanation"]
_SINGLE_COLUMNS = ["enterprise", "supplier", "buyer", "segment", "buyer_segment",
                   "supplier_region", "supplier_in_focal", "volume", "score",
                   "explanation"]
_BREAKPOINT_COLUMNS = ["kind", "element", "enterprise", "supplier", "buyer", "segment",
                       "supplier_segment", "buyer_segment", "in_focal", "n_final_cut",
                       "score", "explanation"]
#: How many cut final producers a SPOF row lists (the count is always exact).
MAX_LISTED = 10


def _labels(chain: Chain, codes: np.ndarray | None = None) -> np.ndarray:
    """Display label of each enterprise (or of ``codes``): its name, else its id."""
    names = _texts(chain, NAME, codes)
    ids = chain.ids if codes is None else chain.ids[codes]
    return np.array([str(i) if nm is None else str(nm) for i, nm in
                     zip(ids, names, strict=True)], dtype=object)


def _segment_label(template: SegmentTemplate | None, seg: Any) -> str:
    """Chinese name of a template segment (else its id / label)."""
    if template is None or seg is None:
        return str(seg)
    return _segment_names(template).get(seg, str(seg))


def _segment_names(template: SegmentTemplate) -> dict[str, str]:
    names = template.__dict__.get("_cg_segment_names")
    if names is None:
        names = {sid: (zh if isinstance(zh, str) and zh else sid) for sid, zh in zip(
            template.segments["id"], template.segments["name_zh"], strict=True)}
        template.__dict__["_cg_segment_names"] = names
    return names


# --- missing segments and broken links ------------------------------------------------
def find_missing_segments(G: Chain | Any, template: SegmentTemplate, /, *,
                          region: Any = None, top: int | None = None) -> pd.DataFrame:
    """Template segments with no enterprise in the focal region.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate
        The reference chain of the industry.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        Columns ``segment``, ``name_zh``, ``name_en``, ``stage``, ``n_elsewhere``
        (enterprises of the segment in the chain outside the focal region),
        ``suppliers_present`` / ``buyers_present`` (template supplier / buyer segments
        that are present locally, lists), ``score`` and ``explanation``; sorted by
        score, descending.

    See Also
    --------
    find_breakpoints, chaingraph.algorithms.structure.find_segment_coverage

    Notes
    -----
    A **missing segment** is a template segment with no enterprise in the focal
    region. ``score`` is 1.0 when at least one of its template neighbours is present
    locally (the gap breaks a local chain), else 0.5.

    Examples
    --------
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
    ...     {"id": "car", "stage": "downstream"}],
    ...     "edges": [["ore", "cell"], ["cell", "car"]]})
    >>> G = nx.DiGraph([("a", "b")])
    >>> nx.set_node_attributes(G, {"a": "ore", "b": "car"}, "segment")
    >>> find_missing_segments(G, tpl)[["segment", "suppliers_present", "score"]]
      segment suppliers_present  score
    0    cell             [ore]    1.0
    """
    chain = as_chain(G)
    template = required_template(template)
    focal = focal_mask(chain, region)
    segments = _segments(chain, template)
    present, _ = _template_realisation(chain, template, focal, segments)
    elsewhere = pd.Series(segments[~focal] if segments is not None else [],
                          dtype=object).value_counts()
    edges = template.edges
    rows = []
    for seg in template.segments.itertuples(index=False):
        if seg.id in present:
            continue
        ups = [s for s in edges.loc[edges["buyer"] == seg.id, "supplier"] if s in present]
        downs = [s for s in edges.loc[edges["supplier"] == seg.id, "buyer"]
                 if s in present]
        rows.append({"segment": seg.id, "name_zh": seg.name_zh, "name_en": seg.name_en,
                     "stage": seg.stage, "n_elsewhere": int(elsewhere.get(seg.id, 0)),
                     "suppliers_present": ups, "buyers_present": downs,
                     "score": 1.0 if ups or downs else 0.5})
    frame = pd.DataFrame(rows, columns=_MISSING_COLUMNS[:-1])
    frame["explanation"] = [_missing_text(template, r) for r in
                            frame.itertuples(index=False)]
    return _ranked(frame, _MISSING_COLUMNS, top)


def _missing_text(template: SegmentTemplate, row: Any) -> str:
    label = _segment_label(template, row.segment)
    names = [_segment_label(template, s) for s in row.suppliers_present]
    buyers = [_segment_label(template, s) for s in row.buyers_present]
    parts = []
    if names:
        parts.append(f"its template suppliers {', '.join(names)}")
    if buyers:
        parts.append(f"its template buyers {', '.join(buyers)}")
    context = (" and ".join(parts) + " are present locally, so the local chain breaks "
               "here") if parts else "none of its template neighbours is present locally"
    outside = (f"; {row.n_elsewhere} enterprises of it are in the chain outside the "
               "focal region") if row.n_elsewhere else ""
    return (f"Segment {label} ({row.stage}) has no enterprise in the focal region: "
            f"{context}{outside}")


def find_broken_links(G: Chain | Any, template: SegmentTemplate, /, *,
                      region: Any = None, top: int | None = None) -> pd.DataFrame:
    """Template links A -> B with both segments present locally but no local supply.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate
        The reference chain of the industry.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        Columns ``supplier_segment``, ``buyer_segment``, ``essential`` (template
        flag), ``n_supplier_enterprises`` / ``n_buyer_enterprises`` (in the focal
        region), ``n_outside_links`` (links from A enterprises outside the focal
        region into focal B enterprises), ``n_outside_suppliers``, ``outside_volume``
        (their total volume, NaN when unknown), ``outside_regions`` (region ->
        number of those links), ``score`` and ``explanation``; sorted by score,
        descending.

    See Also
    --------
    find_breakpoints

    Notes
    -----
    A **broken link** is a template edge A -> B such that A and B both have
    enterprises in the focal region but no focal A enterprise supplies a focal B
    enterprise. Every A input the focal B enterprises have then comes from outside
    the region; the row says how many links, suppliers and how much volume.
    ``score`` is 1.0 for an essential template edge and 0.5 otherwise.

    Examples
    --------
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}, {"id": "car", "stage": "downstream"}],
    ...     "edges": [["ore", "car"]]})
    >>> G = nx.DiGraph([("far", "b")])
    >>> G.add_node("a")
    >>> nx.set_node_attributes(G, {"a": "ore", "far": "ore", "b": "car"}, "segment")
    >>> nx.set_node_attributes(G, {"a": "本区", "far": "外省", "b": "本区"}, "region")
    >>> find_broken_links(G, tpl, region="本区")[["supplier_segment", "n_outside_links"]]
      supplier_segment  n_outside_links
    0              ore                1
    """
    chain = as_chain(G)
    template = required_template(template)
    focal = focal_mask(chain, region)
    segments = _segments(chain, template)
    _, edges = _template_realisation(chain, template, focal, segments)
    broken = edges[edges["possible"] & ~edges["realised"]]
    if segments is None or len(broken) == 0:
        return _ranked(pd.DataFrame(), _BROKEN_COLUMNS)
    src, dst = chain.link_codes
    regions = _texts(chain, REGION)
    volume = chain.column(VOLUME, table="links").astype(np.float64)
    keep = np.flatnonzero(focal[dst] & ~focal[src])  # filter before building columns
    inflow = pd.DataFrame({
        "a": segments[src[keep]], "b": segments[dst[keep]], "supplier": src[keep],
        "region": regions[src[keep]], "volume": volume[keep]}, index=keep)
    local_count = pd.Series(segments[focal], dtype=object).value_counts()
    rows = []
    for a, b, essential in broken[["supplier", "buyer", "essential"]].itertuples(
            index=False, name=None):
        links = inflow[(inflow["a"] == a) & (inflow["b"] == b)]
        rows.append({
            "supplier_segment": a, "buyer_segment": b, "essential": bool(essential),
            "n_supplier_enterprises": int(local_count.get(a, 0)),
            "n_buyer_enterprises": int(local_count.get(b, 0)),
            "n_outside_links": len(links),
            "n_outside_suppliers": int(links["supplier"].nunique()),
            "outside_volume": float(links["volume"].sum(min_count=1)),
            "outside_regions": {str(k): int(v) for k, v in
                                links["region"].value_counts().items()},
            "score": 1.0 if essential else 0.5})
    frame = pd.DataFrame(rows, columns=_BROKEN_COLUMNS[:-1])
    frame["explanation"] = [_broken_text(template, r) for r in
                            frame.itertuples(index=False)]
    return _ranked(frame, _BROKEN_COLUMNS, top)


def _broken_text(template: SegmentTemplate, row: Any) -> str:
    a = _segment_label(template, row.supplier_segment)
    b = _segment_label(template, row.buyer_segment)
    head = (f"Template link {a} -> {b} is broken in the focal region: it has "
            f"{row.n_supplier_enterprises} {a} and {row.n_buyer_enterprises} {b} "
            "enterprises but none of them supplies another; ")
    if row.n_outside_links == 0:
        return head + f"the local {b} enterprises have no recorded {a} supplier at all"
    where = ", ".join(f"{k} {v}" for k, v in sorted(
        row.outside_regions.items(), key=lambda kv: -kv[1])[:3])
    return head + (f"the local {b} enterprises buy 100% of their {a} inputs from "
                   f"outside the focal region ({row.n_outside_links} links from "
                   f"{row.n_outside_suppliers} suppliers; by region: {where})")


# --- single points of failure ---------------------------------------------------------
def _dominator_analysis(chain: Chain, sources: np.ndarray, considered: np.ndarray,
                        weights: np.ndarray, method: str) -> dict[str, Any]:
    """Dominator tree from a super-source joined to every source, and what it cuts."""
    n = chain.n_enterprises
    indptr, indices = _graph(chain)
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
        region: Any = None, links: bool = True, template: SegmentTemplate | None = None,
        method: str = "auto", max_listed: int = MAX_LISTED, top: int | None = None
) -> pd.DataFrame:
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
        by score, descending. ``attrs["unsupplied_final"]`` lists considered final
        producers that no source reaches at all (they are not caused by any single
        failure) and ``attrs["note"]`` says so in a sentence.

    See Also
    --------
    find_breakpoints

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
    chain = as_chain(G)
    template = as_template(template)
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
                        max_listed)
    if check_top(top) is not None:
        frame = frame.iloc[:top].reset_index(drop=True)
    unsupplied = chain.ids[considered & ~info["supplied"]].tolist()
    frame.attrs["unsupplied_final"] = unsupplied
    frame.attrs["note"] = (
        f"{len(unsupplied)} final producers have no supply path from any source at "
        "all (not caused by a single failure)") if unsupplied else ""
    if unsupplied:
        logger.info(frame.attrs["note"])
    return frame


def _link_rows(info: dict[str, Any], n: int, total: float) -> dict[str, Any]:
    tree = info["tree"]
    dominating = edge_dominates_head(info["indptr"], info["indices"], tree)
    m = info["n_edges"]
    src = edge_sources(info["indptr"])[:m]
    dst = info["indices"][:m]
    hit = np.flatnonzero(dominating[:m] & (info["count"][dst] > 0))
    heads = dst[hit]
    return {"element": "link", "codes": src[hit], "heads": heads,
            "cut": info["count"][heads], "share": info["weight"][heads] / total}


def _spof_frame(chain: Chain, parts: list[dict[str, Any]], info: dict[str, Any],
                focal: np.ndarray, basis: str, n_considered: int, max_listed: int
                ) -> pd.DataFrame:
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
        labels = _labels(chain, codes)
        frames.append(pd.DataFrame({
            "element": part["element"],
            "enterprise": pd.Series(ids[codes] if is_node else [None] * len(codes),
                                    dtype=object),
            "supplier": pd.Series([None] * len(codes) if is_node else ids[codes],
                                  dtype=object),
            "buyer": pd.Series([None] * len(codes) if is_node else ids[heads],
                               dtype=object),
            "region": pd.Series(_texts(chain, REGION, heads), dtype=object),
            "in_focal": focal[codes] & focal[heads],
            "n_final_cut": part["cut"].astype(np.int64),
            "final_cut": pd.Series([ids[b].tolist() for b in listed], dtype=object),
            "share_cut": part["share"].astype(np.float64), "share_basis": basis,
            "_what": (labels if is_node else np.array(
                [f"the link {a} -> {b}" for a, b in zip(
                    labels, _labels(chain, heads), strict=True)], dtype=object)),
        }))
    frame = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else (
        pd.DataFrame(columns=[*_SPOF_COLUMNS, "_what"]))
    frame["score"] = frame["share_cut"].astype(np.float64)
    flat = np.concatenate([*examples, np.empty(0, dtype=np.int64)])
    flat_labels = iter(_labels(chain, flat).tolist())
    frame["explanation"] = [
        _spof_text(what, cut, n_considered, share, basis,
                   [next(flat_labels) for _ in range(len(ex))])
        for what, cut, share, ex in zip(
            frame["_what"], frame["n_final_cut"], frame["share_cut"], examples,
            strict=True)]
    return _ranked(frame, _SPOF_COLUMNS)


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
def find_single_sources(G: Chain | Any, /, *, template: SegmentTemplate | None = None,
                        region: Any = None, top: int | None = None) -> pd.DataFrame:
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
    chain = as_chain(G)
    template = as_template(template)
    focal = focal_mask(chain, region)
    segments = _segments(chain, template)
    if segments is None:
        segments = np.full(chain.n_enterprises, None, dtype=object)
    src, dst = chain.link_codes
    keep = (src != dst) & focal[dst]
    src, dst = src[keep], dst[keep]
    volume = chain.column(VOLUME, table="links").astype(np.float64)[keep]
    seg_code = pd.factorize(pd.Series(segments, dtype=object), use_na_sentinel=True)[0]
    key = dst.astype(np.int64) * (int(seg_code.max(initial=0)) + 2) + (seg_code[src] + 1)
    counts = pd.Series(key).map(pd.Series(key).value_counts()).to_numpy()
    single = counts == 1
    if template is not None:
        single &= _needed(template, segments, src, dst)
    src, dst, volume = src[single], dst[single], volume[single]
    ids, labels, regions = chain.ids, _labels(chain), _texts(chain, REGION)
    frame = pd.DataFrame({
        "enterprise": pd.Series(ids[dst], dtype=object),
        "supplier": pd.Series(ids[src], dtype=object),
        "buyer": pd.Series(ids[dst], dtype=object),
        "segment": pd.Series(segments[src], dtype=object),
        "buyer_segment": pd.Series(segments[dst], dtype=object),
        "supplier_region": pd.Series(regions[src], dtype=object),
        "supplier_in_focal": focal[src], "volume": volume,
        "score": np.where(focal[src], 0.5, 1.0)})
    frame["explanation"] = [
        _single_text(template, labels[b], labels[s], seg, reg, inside)
        for b, s, seg, reg, inside in zip(dst, src, segments[src], regions[src],
                                          focal[src], strict=True)]
    return _ranked(frame, _SINGLE_COLUMNS, top)


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
    what = "inputs" if segment is None else f"{_segment_label(template, segment)} inputs"
    where = "region unknown" if region is None else f"region {region}"
    side = "inside" if inside else "outside"
    return (f"{buyer} buys all its {what} from one supplier, {supplier} ({where}, "
            f"{side} the focal region)")


# --- everything together --------------------------------------------------------------
def find_breakpoints(G: Chain | Any, /, *, template: SegmentTemplate | None = None,
                     region: Any = None, sources: Selector = None,
                     final: Selector = None, method: str = "auto",
                     top: int | None = None) -> pd.DataFrame:
    """All breakpoints of a chain in one table.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, optional
        Needed for missing segments and broken links (skipped without one).
    region : str or list of str, optional
        The focal region (default: the whole chain).
    sources, final : selector, optional
        Override who the sources / final producers are.
    method : {"auto", "numba", "scipy"}
        Engine for the dominator computation.
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        Columns ``kind`` ("missing_segment", "broken_link",
        "single_point_of_failure", "single_source"), ``element`` ("segment",
        "segment_link", "enterprise" or "link"), ``enterprise``, ``supplier``,
        ``buyer`` (enterprise ids), ``segment`` (the missing segment, the SPOF
        enterprise's segment, or a single source's input segment),
        ``supplier_segment``, ``buyer_segment`` (broken links), ``in_focal``,
        ``n_final_cut`` (SPOFs), ``score`` and ``explanation``; None / NaN where a
        column does not apply; sorted by score, descending. ``attrs`` carries the
        single-point-of-failure note (final producers no source reaches).

    See Also
    --------
    find_missing_segments, find_broken_links, find_single_points_of_failure,
    find_single_sources

    Notes
    -----
    Scores are on one 0-1 scale: missing segments 1.0 (a present neighbour) or 0.5;
    broken links 1.0 (essential) or 0.5; single points of failure the share of final
    output (or final producers) cut; single sources 1.0 (outside supplier) or 0.5.
    See each finder for the exact definitions.

    Examples
    --------
    >>> G = nx.DiGraph([("mine", "cell"), ("cell", "car")])
    >>> find_breakpoints(G)[["kind", "element", "enterprise", "supplier", "buyer"]]
                          kind     element enterprise supplier buyer
    0  single_point_of_failure  enterprise       mine     None  None
    1  single_point_of_failure  enterprise       cell     None  None
    2  single_point_of_failure        link       None     mine  cell
    3  single_point_of_failure        link       None     cell   car
    4            single_source        link       cell     mine  cell
    5            single_source        link        car     cell   car
    """
    chain = as_chain(G)
    template = as_template(template)
    segments = _segments(chain, template)
    parts = []
    if template is not None:
        missing = find_missing_segments(chain, template, region=region)
        parts.append(missing.assign(kind="missing_segment", element="segment"))
        broken = find_broken_links(chain, template, region=region)
        parts.append(broken.assign(kind="broken_link", element="segment_link"))
    spof = find_single_points_of_failure(chain, sources=sources, final=final,
                                         region=region, template=template, method=method)
    codes = chain.index.get_indexer(pd.Index(spof["enterprise"], dtype=object))
    seg_of = (segments[codes] if segments is not None else np.full(len(codes), None))
    parts.append(spof.assign(kind="single_point_of_failure", segment=pd.Series(
        np.where(codes >= 0, seg_of, None), dtype=object)))
    single = find_single_sources(chain, template=template, region=region)
    parts.append(single.assign(kind="single_source", element="link",
                               in_focal=True))
    frames = [p.reindex(columns=_BREAKPOINT_COLUMNS) for p in parts if len(p)]
    if not frames:
        out = _ranked(pd.DataFrame(), _BREAKPOINT_COLUMNS)
    else:
        out = _ranked(pd.concat(frames, ignore_index=True), _BREAKPOINT_COLUMNS, top)
        for col in ("enterprise", "supplier", "buyer", "segment", "supplier_segment",
                    "buyer_segment"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    out.attrs.update(spof.attrs)
    return out
