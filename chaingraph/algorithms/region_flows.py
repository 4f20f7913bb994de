"""Supply between regions: who supplies whom, overall and by segment pair.

:func:`find_region_flows` is the tidy table (one row per region pair, or per region
pair and segment pair) and :func:`region_flow_matrix` the supplier x buyer matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.regions import as_region_context
from chaingraph.amounts import format_amount
from chaingraph.model import Chain
from chaingraph.model.lookup import TemplateLike

__all__ = ["find_region_flows", "region_flow_matrix"]

FLOW_COLUMNS = ["supplier_region", "buyer_region", "volume", "n_links",
                "share_of_buyer_input", "score", "explanation"]


def find_region_flows(G: Chain | Any, /, *, level: str | int | None = None,
                      home: str | None = None, by_segment: bool = False,
                      template: TemplateLike = None,
                      top: int | None = None) -> pd.DataFrame:
    """Supply volume from region to region (tidy): one row per region pair.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    level, home : optional
        Region level and home province (see :func:`find_regions`).
    by_segment : bool, default False
        One row per (supplier region, buyer region, supplier segment, buyer
        segment) instead.
    template : SegmentTemplate or str, optional
        Maps segment labels to template ids when ``by_segment``.
    top : int, optional
        Keep only the ``top`` largest flows.

    Returns
    -------
    DataFrame
        Columns ``supplier_region``, ``buyer_region`` (and [``supplier_segment``],
        [``buyer_segment``] when ``by_segment``), ``volume`` (sum of link volumes;
        link counts when the chain has no volumes), ``n_links``,
        ``share_of_buyer_input`` (of the buyer region's purchases), ``score`` (share
        of all volume) and ``explanation``; sorted by volume, descending. A
        region's flow to itself is its local supply. Buckets appear as regions do.

    See Also
    --------
    region_flow_matrix : the same as a supplier x buyer matrix.

    Notes
    -----
    Self-loops are left out. One bincount over the links: O(m).

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> from chaingraph.algorithms.region_flows import find_region_flows
    >>> flows = find_region_flows(chain, level="city")
    >>> flows[["supplier_region", "buyer_region", "n_links"]].head(3)
      supplier_region buyer_region  n_links
    0             澄岚市          澄岚市      355
    1              境外          澄岚市      146
    2              境外           境外       46
    """
    ctx = as_region_context(G, template, level, home)
    labels = ctx.regions.labels
    src, dst = ctx.chain.link_codes
    proper = src != dst
    codes = ctx.regions.codes
    frame = pd.DataFrame({"supplier_region": codes[src[proper]],
                          "buyer_region": codes[dst[proper]],
                          "volume": ctx.volume[proper]})
    keys = ["supplier_region", "buyer_region"]
    if by_segment:
        segs = np.array([*ctx.segments, None], dtype=object)
        frame["supplier_segment"] = segs[ctx.segment_codes[src[proper]]]
        frame["buyer_segment"] = segs[ctx.segment_codes[dst[proper]]]
        keys += ["supplier_segment", "buyer_segment"]
    grouped = frame.groupby(keys, sort=False, dropna=False)["volume"].agg(
        volume="sum", n_links="size").reset_index()
    bought = frame.groupby("buyer_region")["volume"].sum().astype(float)
    total = float(frame["volume"].sum())
    grouped["share_of_buyer_input"] = (grouped["volume"] / grouped["buyer_region"].map(
        bought)).where(grouped["buyer_region"].map(bought) > 0)
    grouped["score"] = grouped["volume"] / total if total > 0 else 0.0
    for col in ("supplier_region", "buyer_region"):
        grouped[col] = pd.Series(np.array(labels, dtype=object)[grouped[col]],
                                 dtype=object)
    unit = str(ctx.chain.meta.get("unit", ""))
    grouped["explanation"] = [
        f"{a} supplies {b} {format_amount(v, unit)} over {n:,} links "
        f"({s:.1%} of {b}'s purchases)" if a != b else
        f"{a} supplies itself {format_amount(v, unit)} over {n:,} links "
        f"({s:.1%} of its purchases: local supply)"
        for a, b, v, n, s in zip(grouped["supplier_region"], grouped["buyer_region"],
                                 grouped["volume"], grouped["n_links"],
                                 grouped["share_of_buyer_input"].fillna(0), strict=True)]
    order = np.argsort(-grouped["volume"].to_numpy(), kind="stable")
    columns = [*keys, *FLOW_COLUMNS[2:]]
    out = grouped.iloc[order].reset_index(drop=True)[columns]
    return out if top is None else out.head(max(int(top), 0)).reset_index(drop=True)


def region_flow_matrix(G: Chain | Any, /, *, level: str | int | None = None,
                       home: str | None = None, supplier_segment: str | None = None,
                       buyer_segment: str | None = None,
                       template: TemplateLike = None) -> pd.DataFrame:
    """Supply volume as a matrix: supplier regions (rows) x buyer regions (columns).

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    level, home : optional
        Region level and home province (see :func:`find_regions`).
    supplier_segment, buyer_segment : str, optional
        Only links from / to enterprises of these segments (one segment pair).
    template : SegmentTemplate or str, optional
        Maps segment labels to template ids.

    Returns
    -------
    DataFrame
        Square, every region and bucket on both axes (zeros where no supply), in
        the order of :func:`find_regions`' regions then buckets.

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> from chaingraph.algorithms.region_flows import region_flow_matrix
    >>> M = region_flow_matrix(chain, level="city")
    >>> M.shape, bool(M.loc["澄岚市", "澄岚市"] > 0)
    ((6, 6), True)
    """
    ctx = as_region_context(G, template, level, home)
    flows = find_region_flows(ctx, by_segment=supplier_segment is not None
                              or buyer_segment is not None)
    if supplier_segment is not None:
        flows = flows[flows["supplier_segment"] == supplier_segment]
    if buyer_segment is not None:
        flows = flows[flows["buyer_segment"] == buyer_segment]
    labels = ctx.regions.labels
    matrix = flows.pivot_table(index="supplier_region", columns="buyer_region",
                               values="volume", aggfunc="sum", fill_value=0.0)
    matrix = matrix.reindex(index=labels, columns=labels, fill_value=0.0).astype(float)
    matrix.index.name, matrix.columns.name = "supplier_region", "buyer_region"
    return matrix
