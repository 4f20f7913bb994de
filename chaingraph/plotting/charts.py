"""Charts: segment flow matrix, echelon ladder, leader scores, resilience curves."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.model import Chain, SegmentTemplate
from chaingraph.model.context import resolve
from chaingraph.plotting._style import COLORS, PALETTE, cjk_ticks, plot_context
from chaingraph.plotting.layout import chain_layout, resolve_template

__all__ = ["plot_echelon", "plot_leaders", "plot_resilience_curve", "plot_segment_flows"]

_COMPONENTS = ("output_share", "local_suppliers", "downstream_reach", "demand_pull")
_COMPONENT_LABELS = {"output_share": "output share 产值占比",
                     "local_suppliers": "local suppliers 本地配套",
                     "downstream_reach": "downstream reach 下游带动",
                     "demand_pull": "demand pull 需求拉动"}


def _new_axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return cjk_ticks(ax)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def _yi(value: float) -> str:
    if not np.isfinite(value) or value == 0:
        return ""
    return f"{value / 1e8:,.1f}" if value >= 1e7 else f"{value / 1e8:.2g}"


def plot_segment_flows(G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
                       region: Any = None, ax: Any = None, weight: str = "volume",
                       annotate: bool = True) -> Any:
    """Heat-matrix of supply volume between segments: who supplies whom.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate or str, optional
        Segment order and Chinese names (upstream first); otherwise segments are
        ordered by their longest-path column.
    region : str or list, optional
        Only links whose buyer is in the focal region are counted.
    ax : matplotlib Axes, optional
    weight : str, default "volume"
        Link column summed (links without it count as 0; no column: link counts).
    annotate : bool, default True
        Write each non-zero cell's value (亿 units) in it.

    Returns
    -------
    matplotlib.axes.Axes
        Rows: supplier segments; columns: buyer segments; colour: log volume.

    Examples
    --------
    >>> chain = cg.datasets.load_example()
    >>> ax = cg.plotting.plot_segment_flows(chain, template=cg.datasets.load_template("nev"))
    >>> len(ax.get_xticklabels())
    29
    """
    context = resolve(G, template=resolve_template(template))
    chain, template = context.chain, context.template
    layout = chain_layout(chain, template=template, region=region, view="segment")
    segs = layout.segments.sort_values(["column"], kind="mergesort")
    order = list(segs["segment"])
    labels = dict(zip(segs["segment"], segs["label"].astype(str), strict=True))
    seg_of = layout.meta["segments"]  # by enterprise code
    src, dst = chain.link_codes
    from chaingraph.model.roles import focal_mask

    keep = focal_mask(chain, region)[dst] & (src != dst)
    frame = pd.DataFrame({"s": list(seg_of[src[keep]]), "b": list(seg_of[dst[keep]]),
                          "v": chain.link_weights(weight, missing=0.0)[keep]})
    matrix = frame.pivot_table(index="s", columns="b", values="v", aggfunc="sum",
                               fill_value=0.0).reindex(index=order, columns=order,
                                                       fill_value=0.0)
    with plot_context():
        ax = _new_axes(ax, (max(8, 0.38 * len(order) + 3), max(6, 0.34 * len(order) + 2)))
        _draw_matrix(ax, matrix.to_numpy(dtype=float), [labels[s] for s in order], annotate)
        unit = "亿 " + str(chain.meta.get("unit", "")) if weight == "volume" else weight
        ax.set_title(f"Supply between segments (rows supply columns; {unit})",
                     loc="left", fontsize=12)
    return ax


def _draw_matrix(ax: Any, values: np.ndarray, labels: list[str], annotate: bool) -> None:
    from matplotlib.colors import LogNorm

    shown = np.where(values > 0, values, np.nan)
    positive = values[values > 0]
    norm = LogNorm(vmin=positive.min(), vmax=positive.max()) if len(positive) and \
        positive.min() < positive.max() else None
    image = ax.imshow(shown, cmap="YlOrRd", norm=norm, aspect="auto")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("buyer segment (下游)")
    ax.set_ylabel("supplier segment (上游)")
    ax.figure.colorbar(image, ax=ax, shrink=0.7, label="volume")
    if annotate and len(labels) <= 40:
        top = np.nanmax(shown) if len(positive) else 1.0
        for i, j in zip(*np.nonzero(values > 0), strict=True):
            ax.text(j, i, _yi(values[i, j]), ha="center", va="center", fontsize=6,
                    color="white" if values[i, j] > top / 8 else "#333333")


def _table(data: Any, name: str) -> pd.DataFrame:
    """A report's ``name`` table, or ``data`` itself when it is already a table."""
    if isinstance(data, pd.DataFrame):
        return data
    table = getattr(data, name, None)
    if isinstance(table, pd.DataFrame):
        return table
    raise TypeError(f"expected a DataFrame or a ChainReport with a {name!r} table, got "
                    f"{type(data).__name__}")


def plot_echelon(echelon: Any, /, *, ax: Any = None,
                 thresholds: tuple[float, ...] = (1e11, 1e10, 1e9),
                 labels: tuple[str, ...] = ("千亿级", "百亿级", "十亿级")) -> Any:
    """The 100-10-1 billion ladder (千亿/百亿/十亿): groups placed on it, with targets.

    Parameters
    ----------
    echelon : DataFrame or ChainReport
        From :func:`chaingraph.algorithms.echelon.find_echelon`, or a report (its
        ``echelon`` table is used): columns ``group``, ``output`` and optionally ``target``,
        ``rung``.
    ax : matplotlib Axes, optional
    thresholds, labels
        Rungs of the ladder (yuan) and their names.

    Returns
    -------
    matplotlib.axes.Axes
        Log-scale bars of output per group, rungs as dashed lines, targets as
        diamonds.

    Raises
    ------
    ValueError
        Without ``group`` and ``output`` columns.

    Examples
    --------
    >>> chain = cg.datasets.load_example()
    >>> table = cg.algorithms.echelon.find_echelon(chain, region="明湾示范区")
    >>> ax = cg.plotting.plot_echelon(table)
    >>> len(ax.patches) == len(table)
    True
    """
    echelon = _table(echelon, "echelon")
    if not {"group", "output"} <= set(echelon.columns):
        raise ValueError("plot_echelon needs a table with 'group' and 'output' columns "
                         "(from find_echelon)")
    table = echelon.sort_values("output", ascending=True, kind="mergesort")
    output = table["output"].to_numpy(dtype=float)
    with plot_context():
        ax = _new_axes(ax, (9, max(3, 0.45 * len(table) + 1.8)))
        y = np.arange(len(table))
        colors = [COLORS["focal"] if lvl == "focal" else COLORS["outside"]
                  for lvl in table.get("level", pd.Series(["region"] * len(table)))]
        ax.barh(y, np.clip(output, 1.0, None), color=colors, height=0.6)
        ax.set_xscale("log")
        ax.set_yticks(y, [str(g) for g in table["group"]])
        for yi, value in zip(y, output, strict=True):
            ax.text(value * 1.08, yi, f"{value / 1e8:,.1f}亿", va="center", fontsize=8)
        if "target" in table.columns and table["target"].notna().any():
            t = table["target"].to_numpy(dtype=float)
            ax.scatter(t, y, marker="D", color=COLORS["missing"], zorder=3, label="target")
            ax.legend(loc="lower right", fontsize=8)
        for value, name in zip(thresholds, labels, strict=True):
            ax.axvline(value, color="#555555", linestyle="--", linewidth=0.8)
            ax.text(value, len(table) - 0.4, f" {name}", fontsize=9, va="bottom")
        low = min(min(thresholds) / 3, np.nanmin(np.clip(output, 1.0, None)) / 2)
        high = max(max(thresholds) * 3, np.nanmax(output) * 3)
        ax.set_xlim(low, high)
        ax.set_ylim(-0.6, len(table) + 0.2)
        ax.set_xlabel("total output (yuan, log scale)")
        ax.set_title("Echelon ladder 千亿-百亿-十亿 (100-10-1 billion)", loc="left",
                     fontsize=12)
    return ax


def plot_leaders(leaders: Any, /, *, top: int = 15, ax: Any = None,
                 weights: dict[str, float] | None = None) -> Any:
    """Horizontal bars of chain-leader scores, stacked by weighted component.

    Parameters
    ----------
    leaders : DataFrame or ChainReport
        From :func:`chaingraph.algorithms.leaders.find_leaders`, or a report (its
        ``leaders`` table is used): ``enterprise``, ``score`` and the ``<component>_norm`` columns.
    top : int, default 15
        Number of leaders shown (best at the top).
    ax : matplotlib Axes, optional
    weights : dict, optional
        Component weights used for the scores (default: ``DEFAULT_WEIGHTS``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        Without ``enterprise`` and ``score`` columns.

    Examples
    --------
    >>> table = cg.algorithms.leaders.find_leaders(cg.datasets.load_example(),
    ...                                            region="明湾示范区")
    >>> ax = cg.plotting.plot_leaders(table, top=5)
    >>> len(ax.get_yticklabels())
    5
    """
    from chaingraph.algorithms.leaders import DEFAULT_WEIGHTS

    leaders = _table(leaders, "leaders")
    if not {"enterprise", "score"} <= set(leaders.columns):
        raise ValueError("plot_leaders needs 'enterprise' and 'score' columns "
                         "(from find_leaders)")
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    table = leaders.sort_values("score", ascending=False, kind="mergesort").head(top)
    table = table.iloc[::-1]
    names = table["name"] if "name" in table.columns else table["enterprise"]
    with plot_context():
        ax = _new_axes(ax, (10, max(3, 0.42 * len(table) + 1.6)))
        y = np.arange(len(table))
        left = np.zeros(len(table))
        parts = [c for c in _COMPONENTS if f"{c}_norm" in table.columns]
        for i, comp in enumerate(parts):
            value = weights.get(comp, 0.0) * table[f"{comp}_norm"].to_numpy(dtype=float)
            value = np.nan_to_num(value)
            ax.barh(y, value, left=left, color=PALETTE[i], height=0.65,
                    label=f"{_COMPONENT_LABELS[comp]} ×{weights.get(comp, 0):.2f}")
            left += value
        if not parts:
            ax.barh(y, table["score"].to_numpy(dtype=float), color=PALETTE[0], height=0.65)
        ax.set_yticks(y, [str(n) for n in names], fontsize=9)
        for yi, score in zip(y, table["score"].to_numpy(dtype=float), strict=True):
            ax.text(score + 0.01, yi, f"{score:.2f}", va="center", fontsize=8)
        ax.set_xlabel("leader score (sum of weighted, normalised components)")
        ax.set_title("Chain leaders 链主 (score components)", loc="left", fontsize=12)
        if parts:
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xlim(0, max(1.05, float(table["score"].max()) + 0.1) if len(table) else 1)
    return ax


def plot_resilience_curve(curve: pd.DataFrame, /, *, ax: Any = None) -> Any:
    """Output kept as enterprises are removed, one line per removal strategy.

    Parameters
    ----------
    curve : DataFrame
        From :func:`chaingraph.algorithms.scenarios.resilience_curve`: ``strategy``,
        ``fraction_removed`` (or ``share_removed`` / ``n_removed`` / ``removed``),
        ``output_kept`` (or ``output_kept_share``), optional ``output_kept_low`` /
        ``output_kept_high`` (shaded band).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When the x or y column is missing.

    Examples
    --------
    >>> curve = pd.DataFrame({"strategy": ["random"] * 3 + ["esri"] * 3,
    ...                       "fraction_removed": [0, 0.1, 0.2] * 2,
    ...                       "output_kept": [1, 0.9, 0.8, 1, 0.6, 0.3]})
    >>> ax = cg.plotting.plot_resilience_curve(curve)
    >>> len(ax.get_lines())
    2
    """
    x = next((c for c in ("fraction_removed", "share_removed", "n_removed", "removed")
              if c in curve.columns), None)
    y = next((c for c in ("output_kept", "output_kept_share") if c in curve.columns), None)
    if x is None or y is None:
        raise ValueError("plot_resilience_curve needs 'fraction_removed' (or "
                         "'share_removed'/'n_removed') and 'output_kept' columns")
    groups = curve.groupby("strategy", sort=False) if "strategy" in curve.columns \
        else [("curve", curve)]
    share = x in ("fraction_removed", "share_removed")
    with plot_context():
        ax = _new_axes(ax, (7.5, 4.8))
        for i, (name, part) in enumerate(groups):
            part = part.sort_values(x, kind="mergesort")
            xs = part[x].to_numpy(dtype=float) * (100 if share else 1)
            ys = part[y].to_numpy(dtype=float) * 100
            ax.plot(xs, ys, marker="o", markersize=3, color=PALETTE[i % len(PALETTE)],
                    label=str(name))
            if {"output_kept_low", "output_kept_high"} <= set(part.columns):
                ax.fill_between(xs, part["output_kept_low"].to_numpy(dtype=float) * 100,
                                part["output_kept_high"].to_numpy(dtype=float) * 100,
                                color=PALETTE[i % len(PALETTE)], alpha=0.15, linewidth=0)
        ax.set_xlabel("enterprises removed (%)" if share else "enterprises removed")
        ax.set_ylabel("output kept (%)")
        ax.set_ylim(0, 105)
        ax.grid(alpha=0.3)
        ax.legend(title="removal strategy", fontsize=8)
        ax.set_title("Resilience: output kept as enterprises fail", loc="left", fontsize=12)
    return ax
