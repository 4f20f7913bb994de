"""Segment concentration and outside dependence (private module).

Users reach :func:`find_concentration` and :func:`find_outside_dependence` through
:mod:`chaingraph.algorithms.bottlenecks`; this module also holds the explanation
helpers shared by the other bottleneck modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.algorithms.common import first_rows, labels_of, text_column
from chaingraph.amounts import format_amount
from chaingraph.model import (
    FOREIGN_REGIONS,
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import focal_mask

__all__ = ["find_concentration", "find_outside_dependence", "fmt_amount"]


def fmt_amount(x: float) -> str:
    """Short amount for explanations (:func:`chaingraph.amounts.format_amount`)."""
    return format_amount(x)


def _segment_info(template: SegmentTemplate | None, segments: pd.Series
                  ) -> tuple[list[Any], list[Any]]:
    if template is None:
        return [None] * len(segments), [None] * len(segments)
    table = template.segments.set_index("id")
    names = [table["name_zh"].get(s) if s in table.index else None for s in segments]
    stages = [table["stage"].get(s) if s in table.index else None for s in segments]
    return names, stages


def _seg_label(segment: Any, name: Any) -> str:
    return f"{name} ({segment})" if isinstance(name, str) and name != segment else \
        str(segment)


def _finish(table: pd.DataFrame, top: int | None) -> pd.DataFrame:
    table = table.sort_values("score", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    return first_rows(table, top)


# --- concentration ------------------------------------------------------------------------
_CONCENTRATION = ["segment", "name_zh", "stage", "n_enterprises", "total", "hhi",
                  "hhi_points", "equivalent_number", "top1_enterprise", "top1_name",
                  "top1_share", "flagged", "score", "explanation"]


def _amounts(chain: Chain, by: str) -> np.ndarray:
    if by == "output":
        values = chain.column(OUTPUT)
        return np.where(np.isfinite(values), values, 0.0)
    if by == "supply":
        src, dst = chain.link_codes
        proper = src != dst
        weights = chain.link_weights(VOLUME, missing=0.0)
        return np.bincount(src[proper], weights=weights[proper],
                           minlength=chain.n_enterprises)
    raise ValueError(f"amount must be 'output' or 'supply', got {by!r}")


def _concentration(chain: Chain, *, region: Any, template: SegmentTemplate | None,
                       by: str, threshold: float, top: int | None) -> pd.DataFrame:
    """See :func:`chaingraph.algorithms.bottlenecks.find_concentration`."""
    amount = _amounts(chain, by)
    segment = chain.column(SEGMENT, default=None)
    keep = focal_mask(chain, region) & pd.notna(text_column(chain, SEGMENT))
    frame = pd.DataFrame({
        "enterprise": pd.Series(chain.ids[keep], dtype=object),
        "name": pd.Series(chain.column_at(NAME, keep, default=None), dtype=object),
        "label": pd.Series(labels_of(chain, keep), dtype=object),
        "segment": pd.Series(segment[keep], dtype=object), "amount": amount[keep]})
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _CONCENTRATION})
    groups = frame.groupby("segment", sort=True)
    total = groups["amount"].transform("sum").to_numpy()
    size = groups["amount"].transform("size").to_numpy()
    equal = total <= 0
    frame["share"] = np.where(equal, 1.0 / size, frame["amount"] / np.where(
        equal, 1.0, total))
    frame["square"] = frame["share"] ** 2
    frame["equal"] = equal
    groups = frame.groupby("segment", sort=True)
    table = groups.agg(n_enterprises=("amount", "size"), total=("amount", "sum"),
                       hhi=("square", "sum"), equal=("equal", "first"))
    first = frame.loc[groups["share"].idxmax()].set_index("segment")
    table["top1_enterprise"] = first["enterprise"]
    table["top1_name"] = first["name"]
    table["top1_share"] = first["share"]
    table = table.reset_index()
    table["segment"] = table["segment"].astype(object)
    table["hhi_points"] = table["hhi"] * 10_000
    table["equivalent_number"] = 1.0 / table["hhi"]
    table["flagged"] = (table["hhi"] >= threshold) | (table["n_enterprises"] == 1)
    table["score"] = table["hhi"]
    table["name_zh"], table["stage"] = _segment_info(template, table["segment"])
    top_label = first["label"].reindex(table["segment"]).to_numpy()
    table["explanation"] = [
        _concentration_text(row, label, by, threshold)
        for row, label in zip(table.itertuples(index=False), top_label, strict=True)]
    return _finish(table[_CONCENTRATION], top)


def _concentration_text(row: Any, top: str, by: str, threshold: float) -> str:
    seg = _seg_label(row.segment, row.name_zh)
    what = "output" if by == "output" else "sales volume"
    note = f" (no {what} given: equal shares assumed)" if row.equal else ""
    if row.n_enterprises == 1:
        return (f"segment {seg} has a single enterprise, {top}: losing it empties the "
                f"segment{note}")
    if row.flagged:
        return (f"segment {seg} is highly concentrated: HHI {row.hhi_points:,.0f} points "
                f"(>= {threshold * 10_000:,.0f}); {top} holds {row.top1_share:.0%} of "
                f"its {what} among {row.n_enterprises} enterprises (like "
                f"{row.equivalent_number:.1f} equal-sized ones){note}")
    return (f"segment {seg} is not highly concentrated: HHI {row.hhi_points:,.0f} points "
            f"(< {threshold * 10_000:,.0f}) over {row.n_enterprises} enterprises; the "
            f"largest, {top}, holds {row.top1_share:.0%} of its {what}{note}")


# --- outside dependence ---------------------------------------------------------------------
_DEPENDENCE = ["segment", "supplier_segment", "name_zh", "n_buyers", "n_links",
               "input_volume", "outside_volume", "outside_share", "abroad_volume",
               "abroad_share", "top_outside_segment", "top_outside_region",
               "top_outside_share", "flagged", "score", "explanation"]
_NONE = "(none)"


def _link_frame(chain: Chain, region: Any, abroad: Iterable[str]) -> pd.DataFrame:
    src, dst = chain.link_codes
    focal = focal_mask(chain, region)
    segment = text_column(chain, SEGMENT)  # blank cells None (cleaned once per chain)
    regions = text_column(chain, REGION)
    has_segment, has_region = pd.notna(segment), pd.notna(regions)
    volume = chain.link_weights(VOLUME, missing=0.0)
    keep = (src != dst) & focal[dst] & has_segment[dst]
    src, dst = src[keep], dst[keep]
    supplier_segment = np.where(has_segment[src], segment[src], _NONE)
    supplier_region = np.where(has_region[src], regions[src], _NONE)
    return pd.DataFrame({
        "segment": pd.Series(segment[dst], dtype=object),
        "supplier_segment": pd.Series(supplier_segment, dtype=object),
        "supplier_region": pd.Series(supplier_region, dtype=object),
        "buyer": dst, "volume": volume[keep], "outside": ~focal[src],
        "abroad": np.isin(regions[src], np.array(list(abroad), dtype=object))})


def _top_outside(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Per group of ``keys``: the value of ``column`` with the largest outside volume."""
    out = frame[frame["outside"] & (frame["volume"] > 0)]
    sums = out.groupby([*keys, column], sort=True)["volume"].sum().reset_index()
    if sums.empty:
        return pd.DataFrame(columns=[column, "volume"])
    best = sums.loc[sums.groupby(keys, sort=True)["volume"].idxmax()]
    return best.set_index(keys)[[column, "volume"]]


def _outside_dependence(chain: Chain, *, region: Any, abroad: Iterable[str], by: str,
                            template: SegmentTemplate | None, outside_threshold: float,
                            abroad_threshold: float, top: int | None) -> pd.DataFrame:
    """See :func:`chaingraph.algorithms.bottlenecks.find_outside_dependence`."""
    if by not in ("segment", "input_segment"):
        raise ValueError(f"group_by must be 'segment' or 'input_segment', got {by!r}")
    keys = ["segment"] if by == "segment" else ["segment", "supplier_segment"]
    columns = _DEPENDENCE if by == "input_segment" else [
        c for c in _DEPENDENCE if c != "supplier_segment"]
    frame = _link_frame(chain, region, abroad)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame["outside_volume"] = frame["volume"] * frame["outside"]
    frame["abroad_volume"] = frame["volume"] * frame["abroad"]
    table = frame.groupby(keys, sort=True).agg(
        n_buyers=("buyer", "nunique"), n_links=("volume", "size"),
        input_volume=("volume", "sum"), outside_volume=("outside_volume", "sum"),
        abroad_volume=("abroad_volume", "sum"))
    safe = table["input_volume"].where(table["input_volume"] > 0, np.nan)
    table["outside_share"] = (table["outside_volume"] / safe).fillna(0.0)
    table["abroad_share"] = (table["abroad_volume"] / safe).fillna(0.0)
    best_segment = _top_outside(frame, keys, "supplier_segment") \
        if by == "segment" else None
    best_region = _top_outside(frame, keys, "supplier_region")
    if best_segment is not None:
        table["top_outside_segment"] = best_segment["supplier_segment"].reindex(
            table.index).astype(object)
        table["top_outside_share"] = (best_segment["volume"].reindex(table.index)
                                      / safe).astype(float)
    table["top_outside_region"] = best_region["supplier_region"].reindex(
        table.index).astype(object)
    table = table.reset_index()
    if by == "input_segment":
        table["top_outside_segment"] = np.where(table["outside_volume"] > 0,
                                                table["supplier_segment"], None)
        table["top_outside_share"] = table["outside_share"]
    table["name_zh"], _ = _segment_info(template, table["segment"])
    table["flagged"] = ((table["outside_share"] >= outside_threshold)
                        | (table["abroad_share"] >= abroad_threshold))
    table["score"] = np.maximum(table["outside_share"], table["abroad_share"])
    table = table.astype({"top_outside_segment": object, "top_outside_region": object})
    table = table.where(table.notna(), None).astype(dict.fromkeys(("input_volume", "outside_volume", "outside_share", "abroad_volume", "abroad_share", "top_outside_share", "score"), float))
    table["explanation"] = [_dependence_text(row, by) for row in
                            table.itertuples(index=False)]
    return _finish(table[columns], top)


def _dependence_text(row: Any, by: str) -> str:
    seg = _seg_label(row.segment, row.name_zh)
    shares = (f"{row.outside_share:.0%} from outside the focal region and "
              f"{row.abroad_share:.0%} from abroad")
    if by == "input_segment":
        text = (f"segment {seg} buys {fmt_amount(row.input_volume)} of inputs from "
                f"segment {row.supplier_segment}, {shares}")
    else:
        text = f"segment {seg} buys {shares} (input {fmt_amount(row.input_volume)})"
    if row.outside_volume > 0:
        text += f"; most outside supply comes from region {row.top_outside_region}"
        if by == "segment":
            text += (f" and segment {row.top_outside_segment} "
                     f"({row.top_outside_share:.0%} of input)")
    return text


# --- public functions (re-exported by chaingraph.algorithms.bottlenecks) ---------------
def find_concentration(
    G: Chain | nx.DiGraph, /, *, region: Any = None,
    template: TemplateLike = None, amount: str = "output",
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
    amount : {"output", "supply"}
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
        ``segment``, ``name_zh``, ``stage``, ``n_enterprises``, ``total``,
        ``hhi``, ``hhi_points``, ``equivalent_number``, ``top1_enterprise``,
        ``top1_name``, ``top1_share``, ``flagged``, ``score`` (= hhi),
        ``explanation``.

    Notes
    -----
    Definition. ``HHI = sum_i s_i^2`` over the segment's focal enterprises, with
    ``s_i`` the enterprise's share of the segment's total ``amount`` (missing
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
    context = resolve(G, template=template, region=region)
    return _concentration(context.chain, region=region, template=context.template,
                          by=amount, threshold=threshold, top=top)


def find_outside_dependence(
    G: Chain | nx.DiGraph, /, *, region: Any = None,
    abroad: Iterable[str] = FOREIGN_REGIONS, group_by: str = "segment",
    template: TemplateLike = None, outside_threshold: float = 0.5,
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
    group_by : {"segment", "input_segment"}
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
        ``group_by="input_segment"``), sorted by ``score``: ``segment``,
        [``supplier_segment``], ``name_zh``, ``n_buyers``, ``n_links``,
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
    context = resolve(G, template=template, region=region)
    return _outside_dependence(
        context.chain, region=region, abroad=abroad, by=group_by,
        template=context.template, outside_threshold=outside_threshold, abroad_threshold=abroad_threshold, top=top)
