"""Segment tables behind :mod:`chaingraph.algorithms.bottlenecks` (private).

The public functions, with their documentation, are
:func:`chaingraph.algorithms.bottlenecks.find_concentration` and
:func:`chaingraph.algorithms.bottlenecks.find_outside_dependence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.roles import focal_mask
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    VOLUME,
    Chain,
    SegmentTemplate,
)

__all__ = ["find_concentration", "find_outside_dependence", "fmt_amount", "labels"]


def fmt_amount(x: float) -> str:
    """Short amount for explanations: ``1.2亿``, ``3.5万``, ``12``."""
    if not np.isfinite(x):
        return "unbounded"
    size = abs(x)
    if size >= 1e8:
        return f"{x / 1e8:.3g}亿"
    if size >= 1e4:
        return f"{x / 1e4:.3g}万"
    return f"{x:.3g}"


def labels(chain: Chain) -> np.ndarray:
    """Display label of each enterprise: its name when given, else its id."""
    names = chain.column(NAME, default=None)
    ids = chain.ids
    out = np.empty(len(ids), dtype=object)
    for i, (name, ident) in enumerate(zip(names, ids, strict=True)):
        out[i] = name if isinstance(name, str) and name.strip() else str(ident)
    return out


def _has_segment(values: np.ndarray) -> np.ndarray:
    return np.array([v is not None and v is not pd.NA and v == v and str(v).strip() != ""
                     for v in values], dtype=bool)


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
    return table.head(top) if top is not None else table


# --- concentration ------------------------------------------------------------------------
_CONCENTRATION = ["segment", "segment_name", "stage", "n_enterprises", "total", "hhi",
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
    raise ValueError(f"by must be 'output' or 'supply', got {by!r}")


def find_concentration(chain: Chain, *, region: Any, template: SegmentTemplate | None,
                       by: str, threshold: float, top: int | None) -> pd.DataFrame:
    """See :func:`chaingraph.algorithms.bottlenecks.find_concentration`."""
    amount = _amounts(chain, by)
    segment = chain.column(SEGMENT, default=None)
    keep = focal_mask(chain, region) & _has_segment(segment)
    frame = pd.DataFrame({
        "enterprise": pd.Series(chain.ids[keep], dtype=object),
        "name": pd.Series(chain.column(NAME, default=None)[keep], dtype=object),
        "label": pd.Series(labels(chain)[keep], dtype=object),
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
    table["segment_name"], table["stage"] = _segment_info(template, table["segment"])
    top_label = first["label"].reindex(table["segment"]).to_numpy()
    table["explanation"] = [
        _concentration_text(row, label, by, threshold)
        for row, label in zip(table.itertuples(index=False), top_label, strict=True)]
    return _finish(table[_CONCENTRATION], top)


def _concentration_text(row: Any, top: str, by: str, threshold: float) -> str:
    seg = _seg_label(row.segment, row.segment_name)
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
_DEPENDENCE = ["segment", "supplier_segment", "segment_name", "n_buyers", "n_links",
               "input_volume", "outside_volume", "outside_share", "abroad_volume",
               "abroad_share", "top_outside_segment", "top_outside_region",
               "top_outside_share", "flagged", "score", "explanation"]
_NONE = "(none)"


def _link_frame(chain: Chain, region: Any, abroad: Iterable[str]) -> pd.DataFrame:
    src, dst = chain.link_codes
    focal = focal_mask(chain, region)
    segment = chain.column(SEGMENT, default=None)
    regions = chain.column(REGION, default=None).astype(object)
    volume = chain.link_weights(VOLUME, missing=0.0)
    keep = (src != dst) & focal[dst] & _has_segment(segment)[dst]
    src, dst = src[keep], dst[keep]
    supplier_segment = np.where(_has_segment(segment)[src], segment[src], _NONE)
    supplier_region = np.where(_has_segment(regions)[src], regions[src], _NONE)
    return pd.DataFrame({
        "segment": pd.Series(segment[dst], dtype=object),
        "supplier_segment": pd.Series(supplier_segment, dtype=object),
        "supplier_region": pd.Series(supplier_region, dtype=object),
        "buyer": dst, "volume": volume[keep], "outside": ~focal[src],
        "abroad": np.isin(regions[src], np.array(list(abroad), dtype=object))})


def _top_outside(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Per group of ``keys``: the value of ``column`` with the largest outside volume."""
    out = frame[frame["outside"] & (frame["volume"] > 0)]
    sums = out.groupby([*keys, column], sort=True)["volume"].sum().reset_index(column)
    if sums.empty:
        return pd.DataFrame(columns=[column, "volume"])
    best = sums.loc[sums.groupby(level=list(range(len(keys))))["volume"].idxmax()] \
        if len(keys) > 1 else sums.loc[sums.groupby(level=0)["volume"].idxmax()]
    return best[~best.index.duplicated()]


def find_outside_dependence(chain: Chain, *, region: Any, abroad: Iterable[str], by: str,
                            template: SegmentTemplate | None, outside_threshold: float,
                            abroad_threshold: float, top: int | None) -> pd.DataFrame:
    """See :func:`chaingraph.algorithms.bottlenecks.find_outside_dependence`."""
    if by not in ("segment", "input_segment"):
        raise ValueError(f"by must be 'segment' or 'input_segment', got {by!r}")
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
    table["segment_name"], _ = _segment_info(template, table["segment"])
    table["flagged"] = ((table["outside_share"] >= outside_threshold)
                        | (table["abroad_share"] >= abroad_threshold))
    table["score"] = np.maximum(table["outside_share"], table["abroad_share"])
    table = table.astype({"top_outside_segment": object, "top_outside_region": object})
    table = table.where(table.notna(), None).astype(dict.fromkeys(("input_volume", "outside_volume", "outside_share", "abroad_volume", "abroad_share", "top_outside_share", "score"), float))
    table["explanation"] = [_dependence_text(row, by) for row in
                            table.itertuples(index=False)]
    return _finish(table[columns], top)


def _dependence_text(row: Any, by: str) -> str:
    seg = _seg_label(row.segment, row.segment_name)
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
