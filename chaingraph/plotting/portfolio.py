"""Portfolio charts: the echelon ladder across chains, and the chains side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.portfolio import DEFAULT_PLAN, chain_outputs, parse_targets
from chaingraph.amounts import format_amount
from chaingraph.model import OUTPUT, REGION, SEGMENT
from chaingraph.plotting._style import COLORS, PALETTE, cjk_ticks, plot_context
from chaingraph.readwrite.portfolio import Portfolio

__all__ = ["plot_echelon_plan", "plot_portfolio_map"]


def _new_axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return cjk_ticks(ax)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def plot_echelon_plan(P: Portfolio | pd.DataFrame, /, *, targets: Any = DEFAULT_PLAN,
                      ax: Any = None) -> Any:
    """The echelon ladder across chains: each chain's output against the plan's rungs.

    Parameters
    ----------
    P : Portfolio or DataFrame
        The portfolio, or a table with ``chain`` and ``output`` (yuan).
    targets : str, dict or list, default ``"2000亿:1,100亿:4,10亿:10"``
        The plan (:func:`chaingraph.algorithms.portfolio.parse_targets`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One log-scale bar per chain (largest on top), each rung a dashed line
        labelled with chains reached / wanted (red when short).

    Examples
    --------
    >>> ax = cg.plotting.plot_echelon_plan(cg.datasets.load_example_portfolio())
    >>> len(ax.patches)
    6
    """
    table = chain_outputs(P) if isinstance(P, Portfolio) else P
    table = table.sort_values("output", ascending=True, kind="stable")
    output = np.clip(table["output"].to_numpy(dtype=float), 1.0, None)
    plan = parse_targets(targets)
    with plot_context():
        ax = _new_axes(ax, (9, max(3, 0.45 * len(table) + 2)))
        y = np.arange(len(table))
        reached = [any(v >= t for t, _ in plan) for v in output]
        ax.barh(y, output, height=0.6, color=[COLORS["focal"] if r else COLORS["outside"]
                                              for r in reached])
        ax.set_xscale("log")
        ax.set_yticks(y, [str(c) for c in table["chain"]])
        for yi, value in zip(y, output, strict=True):
            ax.text(value * 1.08, yi, format_amount(value), va="center", fontsize=8)
        for threshold, wanted in plan:
            achieved = int((output >= threshold).sum())
            color = "#555555" if achieved >= wanted else COLORS["missing"]
            ax.axvline(threshold, color=color, linestyle="--", linewidth=0.9)
            ax.text(threshold, len(table) - 0.4,
                    f" {format_amount(threshold)}: {achieved}/{wanted}", fontsize=9,
                    va="bottom", color=color)
        low = min(min(t for t, _ in plan) / 3, output.min() / 2)
        high = max(max(t for t, _ in plan) * 3, output.max() * 3)
        ax.set_xlim(low, high)
        ax.set_ylim(-0.6, len(table) + 0.4)
        ax.set_xlabel("chain output in the district (yuan, log scale)")
        ax.set_title("Echelon plan 梯队目标: chains at or above each rung / wanted",
                     loc="left", fontsize=12)
    return ax


def _stage_rank(P: Portfolio, name: str, codes: np.ndarray) -> np.ndarray:
    """Vertical position of members: the template depth of their segment (0 top)."""
    template = P.template(name)
    view_segments = P.chain(name).column(SEGMENT, default=None)
    ids = P.pool.ids[codes]
    view_ids = P.chain(name).ids
    where = pd.Index(view_ids, dtype=object).get_indexer(pd.Index(ids, dtype=object))
    segments = view_segments[where]
    if template is None:
        return np.zeros(len(codes))
    depth = template.depth
    deepest = max(depth.values()) or 1
    return np.array([depth.get(s, deepest) / deepest if isinstance(s, str) else 0.5
                     for s in segments], dtype=float)


def plot_portfolio_map(P: Portfolio, /, *, ax: Any = None, seed: int = 0) -> Any:
    """The chains side by side, with the enterprises they share.

    Parameters
    ----------
    P : Portfolio
    ax : matplotlib Axes, optional
    seed : int, default 0
        Horizontal jitter of the dots within each chain's column.

    Returns
    -------
    matplotlib.axes.Axes
        One column per chain; each district member a dot (area ~ output) at its
        segment's depth in the chain's template (upstream at the top); enterprises
        in several chains drawn as stars joined by red lines across their chains.

    Examples
    --------
    >>> ax = cg.plotting.plot_portfolio_map(cg.datasets.load_example_portfolio())
    >>> len(ax.get_xticks())
    6
    """
    rng = np.random.default_rng(seed)
    pool = P.pool
    focal = np.ones(pool.n_enterprises, dtype=bool) if P.region is None else (
        pool.column(REGION, default=None).astype(object) == P.region)
    output = np.nan_to_num(pool.column(OUTPUT))
    scale = np.sqrt(output / output.max()) * 300 + 4 if output.max() > 0 else \
        np.full(len(output), 10.0)
    memberships = list(P.memberships)
    positions: dict[int, list[tuple[float, float]]] = {}
    with plot_context():
        ax = _new_axes(ax, (max(6, 1.6 * len(P) + 2), 6))
        for x, name in enumerate(P):
            codes = P.codes(name)
            codes = codes[focal[codes]]
            y = _stage_rank(P, name, codes)
            xs = x + rng.uniform(-0.3, 0.3, len(codes))
            shared = np.array([len(memberships[c]) > 1 for c in codes], dtype=bool)
            ax.scatter(xs[~shared], y[~shared], s=scale[codes[~shared]], alpha=0.5,
                       color=PALETTE[x % len(PALETTE)], linewidths=0)
            ax.scatter(xs[shared], y[shared], s=scale[codes[shared]] + 60, marker="*",
                       color=COLORS["missing"], zorder=3)
            for c, xi, yi in zip(codes[shared], xs[shared], y[shared], strict=True):
                positions.setdefault(int(c), []).append((xi, yi))
        for points in positions.values():
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, color=COLORS["missing"], linewidth=0.8, alpha=0.7)
        ax.set_xticks(range(len(P)), [str(n) for n in P])
        ax.set_xlim(-0.6, len(P) - 0.4)
        ax.invert_yaxis()
        ax.set_yticks([0, 0.5, 1], ["upstream 上游", "midstream 中游", "downstream 下游"])
        ax.set_title(f"Portfolio map 产业链全景 ({len(positions)} shared enterprises 跨链企业)",
                     loc="left", fontsize=12)
    return ax
