"""Coverage gaps (断链): template segments and segment links the focal region lacks.

Two kinds of finding, part of the breakpoints (:mod:`~chaingraph.algorithms.breakpoints`):

* **missing_segment** - a template segment with no enterprise in the focal region;
* **broken_link** - a template link A -> B whose two segments are present locally
  but no local A enterprise supplies a local B enterprise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph._checks import required_template
from chaingraph.algorithms.common import (
    ranked,
    segment_label,
    text_column,
)
from chaingraph.algorithms.coverage import template_realisation
from chaingraph.model import (
    REGION,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import (
    enterprise_segments,
    focal_mask,
)

__all__ = ["NO_LINK_DATA", "find_broken_links", "find_missing_segments", "unjudged_links"]

#: Why a link-based finding was not made: the chain has no supply links there.
NO_LINK_DATA = "无供应关系数据 (no supply-link data)"

_MISSING_COLUMNS = ["segment", "name_zh", "name_en", "stage", "n_elsewhere",
                    "suppliers_present", "buyers_present", "score", "explanation"]


_BROKEN_COLUMNS = ["supplier_segment", "buyer_segment", "essential",
                   "n_supplier_enterprises", "n_buyer_enterprises", "n_outside_links",
                   "n_outside_suppliers", "outside_volume", "outside_regions", "score",
                   "explanation"]


# --- missing segments and broken links ------------------------------------------------
def find_missing_segments(G: Chain | Any, /, *, template: TemplateLike,
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
    >>> find_missing_segments(G, template=tpl)[["segment", "suppliers_present", "score"]]
      segment suppliers_present  score
    0    cell             [ore]    1.0
    """
    context = resolve(G, template=required_template(template), region=region)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    segments = enterprise_segments(chain, template)
    present, _ = template_realisation(chain, template, focal, segments)
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
    return ranked(frame, _MISSING_COLUMNS, top)


def _missing_text(template: SegmentTemplate, row: Any) -> str:
    label = segment_label(template, row.segment)
    names = [segment_label(template, s) for s in row.suppliers_present]
    buyers = [segment_label(template, s) for s in row.buyers_present]
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


def find_broken_links(G: Chain | Any, /, *, template: TemplateLike,
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
    >>> find_broken_links(G, template=tpl, region="本区")[["supplier_segment", "n_outside_links"]]
      supplier_segment  n_outside_links
    0              ore                1
    """
    context = resolve(G, template=required_template(template), region=region)
    chain, template = context.chain, context.template
    broken, unjudged = _unrealised(chain, template, region)
    segments = enterprise_segments(chain, template)
    broken = broken[~unjudged]
    if segments is None or len(broken) == 0:
        return ranked(pd.DataFrame(), _BROKEN_COLUMNS)
    focal = focal_mask(chain, region)
    src, dst = chain.link_codes
    regions = text_column(chain, REGION)
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
    return ranked(frame, _BROKEN_COLUMNS, top)


def _unrealised(chain: Chain, template: SegmentTemplate | None, region: Any
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """Template edges possible but not realised locally, and which lack link data.

    An edge A -> B is judged only when there is supply-link data for its buyer
    segment (at least one link into a focal B enterprise): an enterprise list without
    links, or a segment whose purchases were not surveyed, has no broken links.
    """
    focal = focal_mask(chain, region)
    segments = enterprise_segments(chain, template)
    _, edges = template_realisation(chain, template, focal, segments)
    broken = edges[edges["possible"] & ~edges["realised"]]
    if segments is None or len(broken) == 0:
        return broken, np.zeros(len(broken), dtype=bool)
    _, dst = chain.link_codes
    has_data = set(pd.unique(segments[dst[focal[dst]]]))
    return broken, ~broken["buyer"].isin(has_data).to_numpy()


def unjudged_links(G: Chain | Any, /, *, template: TemplateLike,
                   region: Any = None) -> pd.DataFrame:
    """Template links not judged as broken for lack of supply-link data.

    :func:`find_broken_links` judges a template edge A -> B only when some focal B
    enterprise has a recorded supplier; the others are listed here, so a report can
    say "无供应关系数据" instead of calling them broken.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, str or path
        The reference chain of the industry.
    region : str or list of str, optional
        The focal region (default: the whole chain).

    Returns
    -------
    DataFrame
        Columns ``supplier_segment`` and ``buyer_segment``, one row per template
        edge whose segments are both present locally but whose buyer segment has
        no supply links.

    Examples
    --------
    >>> chain = cg.Chain(pd.DataFrame({"id": ["a", "b"], "segment": ["ore", "car"]}),
    ...                  pd.DataFrame({"supplier": [], "buyer": []}))
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}, {"id": "car", "stage": "downstream"}],
    ...     "edges": [["ore", "car"]]})
    >>> unjudged_links(chain, template=tpl)
      supplier_segment buyer_segment
    0              ore           car
    """
    context = resolve(G, template=required_template(template), region=region)
    broken, unjudged = _unrealised(context.chain, context.template, region)
    pairs = broken[unjudged]
    return pd.DataFrame({"supplier_segment": pairs["supplier"].astype(object).to_numpy(),
                         "buyer_segment": pairs["buyer"].astype(object).to_numpy()})


def _broken_text(template: SegmentTemplate, row: Any) -> str:
    a = segment_label(template, row.supplier_segment)
    b = segment_label(template, row.buyer_segment)
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
