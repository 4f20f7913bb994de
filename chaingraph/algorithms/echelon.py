"""Echelon (梯队): where a chain's total output stands on the "100-10-1 billion" ladder.

Chinese industrial policy grades industry clusters by annual output: 千亿级 (at least
100 billion yuan), 百亿级 (10 billion) and 十亿级 (1 billion). This module totals the
focal region's output (and each region's), places it on that ladder, and measures
progress against targets.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._checks import top_rows
from chaingraph.algorithms.leaders import _format_amount
from chaingraph.algorithms.roles import focal_mask
from chaingraph.exceptions import ChainDataWarning
from chaingraph.model import OUTPUT, REGION, Chain, as_chain

__all__ = ["DEFAULT_LABELS", "DEFAULT_THRESHOLDS", "UNIT_SCALES", "find_echelon"]

#: The ladder, in yuan: 100 billion, 10 billion, 1 billion.
DEFAULT_THRESHOLDS = (1e11, 1e10, 1e9)
#: Their names.
DEFAULT_LABELS = ("千亿级", "百亿级", "十亿级")
#: Amount units a chain's ``meta["unit"]`` may name, and their size in yuan.
UNIT_SCALES: dict[str, float] = {
    "yuan": 1.0, "元": 1.0, "cny": 1.0, "rmb": 1.0,
    "千元": 1e3, "thousand yuan": 1e3,
    "万元": 1e4, "万": 1e4, "wan yuan": 1e4, "10k yuan": 1e4,
    "百万元": 1e6, "million yuan": 1e6,
    "亿元": 1e8, "亿": 1e8, "yi yuan": 1e8, "100m yuan": 1e8,
    "billion yuan": 1e9,
}


def _scale(chain: Chain, unit: str | float | None) -> float:
    """Yuan per unit of the chain's amounts (``unit`` overrides ``meta["unit"]``)."""
    if isinstance(unit, (int, float)) and not isinstance(unit, bool):
        if not unit > 0:
            raise ValueError(f"unit must be a positive number of yuan, got {unit}")
        return float(unit)
    name = str(unit if unit is not None else chain.meta.get("unit", "yuan"))
    scale = UNIT_SCALES.get(name.strip().lower())
    if scale is None:
        raise ValueError(f"unknown amount unit {name!r} (known: {', '.join(UNIT_SCALES)});"
                         " pass unit=<yuan per unit> to find_echelon")
    return scale


def _ladder(thresholds: Sequence[float], labels: Sequence[str]
            ) -> tuple[np.ndarray, list[str]]:
    if len(thresholds) != len(labels) or not len(thresholds):
        raise ValueError(f"need one label per threshold, got {len(thresholds)} "
                         f"thresholds and {len(labels)} labels")
    values = np.asarray(thresholds, dtype=np.float64)
    if not (np.isfinite(values).all() and (values > 0).all()):
        raise ValueError(f"thresholds must be positive numbers, got {thresholds}")
    order = np.argsort(-values, kind="stable")
    return values[order], [labels[i] for i in order]


def _targets(targets: Any, focal_label: str) -> dict[str, float]:
    if targets is None:
        return {}
    if isinstance(targets, Mapping):
        out = {str(k): float(v) for k, v in targets.items()}
    else:
        out = {focal_label: float(targets)}
    bad = {k: v for k, v in out.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValueError(f"targets must be positive amounts in yuan, got {bad}")
    return out


def find_echelon(
    G: Chain | nx.DiGraph, /, *, region: Any = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    labels: Sequence[str] = DEFAULT_LABELS, targets: Any = None,
    unit: str | float | None = None, by_region: bool = True, top: int | None = None,
) -> pd.DataFrame:
    """Place the focal region's (and each region's) total output on the echelon ladder.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain, with an ``output`` column (annual output).
    region : str or list of str, optional
        Focal region; None: the whole chain.
    thresholds : sequence of float, default (1e11, 1e10, 1e9)
        Rungs of the ladder, in yuan (any order).
    labels : sequence of str, default ("千亿级", "百亿级", "十亿级")
        One name per threshold.
    targets : float or dict, optional
        Output targets in yuan: one number for the focal group, or a dict from
        group name (a region, or the focal group's name) to target, e.g.
        ``{"示范区": 1e11}``.
    unit : str or float, optional
        Unit of the chain's amounts: a name (``"万元"``, ``"亿元"``, see
        :data:`UNIT_SCALES`) or yuan per unit. Default ``chain.meta["unit"]``.
    by_region : bool, default True
        Add one row per region when the chain has a ``region`` column.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per group, sorted by ``score``: ``group`` (the focal region's
        name, or "whole chain"; region names), ``level`` ("focal" or "region"),
        ``n_enterprises``, ``n_with_output``, ``output`` (yuan), ``rung`` (highest
        label reached, or "below <lowest label>"), ``rung_threshold``,
        ``next_rung``, ``next_threshold``, ``distance_to_next`` (yuan; None/NaN at
        the top), ``target``, ``progress`` (output / target), ``gap`` (target -
        output, at least 0), ``score`` (output / top threshold) and
        ``explanation``.

    Raises
    ------
    ValueError
        Unknown unit, mismatched thresholds and labels, bad targets, or a region
        no enterprise is in.

    Warns
    -----
    ChainDataWarning
        When the chain's currency is not CNY (the ladder is in yuan).

    See Also
    --------
    chaingraph.algorithms.leaders.find_leaders

    Notes
    -----
    A group's output is the sum of its enterprises' ``output`` times the unit's
    size in yuan (missing outputs are left out and counted in ``n_with_output``).
    Its rung is the largest threshold not above the output. Double counting: the
    sum of outputs counts intermediate goods once per stage, as cluster
    statistics usually do. O(n).

    Examples
    --------
    >>> from chaingraph.algorithms.echelon import find_echelon
    >>> G = nx.DiGraph([("a", "b")])
    >>> nx.set_node_attributes(G, {"a": 1.0e9, "b": 5.0e9}, "output")
    >>> table = find_echelon(G, targets=2e10)
    >>> table[["group", "rung", "next_rung", "distance_to_next", "progress"]]
             group rung next_rung  distance_to_next  progress
    0  whole chain  十亿级       百亿级      4.000000e+09       0.3
    >>> print(table["explanation"][0])
    whole chain: total output 60亿 yuan from 2 enterprises is at the 十亿级 rung (>= 10亿 yuan); 40亿 yuan short of 百亿级; 30% of the target 200亿 yuan (gap 140亿 yuan)
    """
    chain = as_chain(G)
    scale = _scale(chain, unit)
    currency = str(chain.meta.get("currency", "CNY"))
    if currency.upper() not in ("CNY", "RMB", "人民币"):
        warnings.warn(f"the chain's currency is {currency!r}; the echelon ladder is in "
                      "yuan (CNY): convert amounts or pass thresholds in that currency",
                      ChainDataWarning, stacklevel=2)
    values, names = _ladder(thresholds, labels)
    focal = focal_mask(chain, region)
    focal_label = "whole chain" if region is None else (
        region if isinstance(region, str) else " + ".join(map(str, region)))
    wanted = _targets(targets, focal_label)
    output = chain.column(OUTPUT) * scale
    groups = [(focal_label, "focal", focal)]
    if by_region and REGION in chain._enterprises.columns:
        column = chain.column(REGION, default=None).astype(object)
        for name in pd.unique(column[pd.notna(column)]):
            if name != focal_label:
                groups.append((str(name), "region", column == name))
    rows = [_row(label, level, output[mask], values, names, wanted.get(label))
            for label, level, mask in groups]
    out = pd.DataFrame(rows)
    out["next_rung"] = pd.Series([r["next_rung"] for r in rows], dtype=object)
    out["explanation"] = [_explain(row, chain) for row in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return top_rows(out, top)


def _row(label: str, level: str, output: np.ndarray, values: np.ndarray,
         names: list[str], target: float | None) -> dict[str, Any]:
    known = output[np.isfinite(output)]
    total = float(known.sum())
    reached = np.flatnonzero(values <= total)
    rung = names[reached[0]] if len(reached) else f"below {names[-1]}"
    above = np.flatnonzero(values > total)
    nxt = above[-1] if len(above) else None
    return {
        "group": label, "level": level, "n_enterprises": len(output),
        "n_with_output": len(known), "output": total, "rung": rung,
        "rung_threshold": float(values[reached[0]]) if len(reached) else np.nan,
        "next_rung": names[nxt] if nxt is not None else None,
        "next_threshold": float(values[nxt]) if nxt is not None else np.nan,
        "distance_to_next": float(values[nxt] - total) if nxt is not None else np.nan,
        "target": np.nan if target is None else target,
        "progress": np.nan if target is None else total / target,
        "gap": np.nan if target is None else max(target - total, 0.0),
        "score": total / values[0]}


def _explain(row: Any, chain: Chain) -> str:
    money = _format_amount
    text = (f"{row.group}: total output {money(row.output)} from {row.n_enterprises} "
            f"enterprises")
    if row.n_with_output < row.n_enterprises:
        text += f" ({row.n_enterprises - row.n_with_output} without output data)"
    if np.isfinite(row.rung_threshold):
        text += f" is at the {row.rung} rung (>= {money(row.rung_threshold)})"
    else:
        text += f" is {row.rung}"
    if isinstance(row.next_rung, str):
        text += f"; {money(row.distance_to_next)} short of {row.next_rung}"
    else:
        text += "; top rung reached"
    if np.isfinite(row.target):
        text += (f"; {row.progress:.0%} of the target {money(row.target)}"
                 + (f" (gap {money(row.gap)})" if row.gap > 0 else " (target met)"))
    return text
