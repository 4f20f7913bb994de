"""Static chain map (产业链图谱): segments as boxes, enterprises as nodes, findings marked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from chaingraph.labels import map_text
from chaingraph.plotting._scene_data import ChainLayout, MapScene
from chaingraph.plotting._style import (
    COLORS,
    STAGE_LABELS,
    cjk_ticks,
    plot_context,
)

if TYPE_CHECKING:  # the drawing of a scene needs neither (see plotting._scene_data)
    import networkx as nx
    import pandas as pd

    from chaingraph.model import Chain, SegmentTemplate

__all__ = ["draw_map_scene", "plot_chain_map"]


def _draw_bands(ax: Any, layout: ChainLayout, top: float) -> None:
    from matplotlib.patches import Rectangle

    cols = layout.columns
    bands = dict(zip(("upstream", "midstream", "downstream"), COLORS["band"], strict=True))
    runs: list[list[Any]] = []
    for row in cols.itertuples(index=False):
        if runs and runs[-1][0] == row.stage:
            runs[-1][2] = row.column
        else:
            runs.append([row.stage, row.column, row.column])
    for stage, first, last in runs:
        x0, x1 = first * 1.0 + 0.02, last * 1.0 + 0.98
        ax.add_patch(Rectangle((x0, -0.1), x1 - x0, top + 0.1, facecolor=bands.get(
            stage, "#F4F4F4"), edgecolor="none", zorder=0, gid="band"))
        if stage in STAGE_LABELS:
            ax.text((x0 + x1) / 2, top + 0.08, STAGE_LABELS[stage], ha="center",
                    va="bottom", fontsize=11,
                    color=COLORS[stage], zorder=5)


def _draw_boxes(ax: Any, layout: ChainLayout, found: dict[str, Any],
                has_template: bool) -> None:
    from matplotlib.patches import FancyBboxPatch

    for row in layout.segments.itertuples(index=False):
        missing = row.segment in found["missing"]
        ghost = missing or (has_template and not row.present)
        box = FancyBboxPatch(
            (row.x0, row.y0), row.width, row.height, boxstyle="round,pad=0,rounding_size=0.04",
            facecolor="white" if ghost else COLORS["box"],
            edgecolor=COLORS["missing"] if missing else COLORS["box_edge"],
            linestyle="--" if ghost else "-", linewidth=1.6 if missing else 0.8,
            alpha=0.9, zorder=1, gid=("missing:" if missing else "segment:") + str(row.segment))
        ax.add_patch(box)
        counts = f"{row.n_focal}/{row.n_total}" if layout.meta["region"] is not None \
            else f"{row.n_total}"
        ax.text(row.x0 + 0.03, row.y0 + row.height - 0.035, f"{row.label}  {counts}",
                ha="left", va="top", fontsize=7.5, zorder=6,
                color=COLORS["missing"] if missing else "#333333")
        tags = found["tags"].get(row.segment, [])
        if tags:
            ax.text(row.x0 + row.width - 0.02, row.y0 + row.height + 0.01, " ".join(tags),
                    ha="right", va="bottom", fontsize=7, color="white", zorder=7,
                    gid="tag:" + str(row.segment),
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": COLORS["leader"],
                          "edgecolor": "none"})


def _widths(volume: np.ndarray, low: float, high: float) -> np.ndarray:
    v = np.nan_to_num(np.asarray(volume, dtype=float), nan=0.0)
    top = v.max() if len(v) and v.max() > 0 else 1.0
    return low + (high - low) * np.sqrt(v / top)


def _draw_links(ax: Any, layout: ChainLayout, found: dict[str, Any]) -> None:
    from matplotlib.collections import LineCollection

    links = layout.links.dropna(subset=["x0", "x1"])
    segments = np.stack([links[["x0", "y0"]].to_numpy(), links[["x1", "y1"]].to_numpy()],
                        axis=1) if len(links) else np.zeros((0, 2, 2))
    ax.add_collection(LineCollection(segments, linewidths=_widths(links["volume"], 0.25, 3.0),
                                     colors=COLORS["link"], alpha=0.35, zorder=2,
                                     gid="links"))
    pairs = list(zip(links["supplier"], links["buyer"], strict=True))
    for key, color, style, gid in (("cut_links", COLORS["cut"], "-", "min-cut-links"),
                                   ("spof_links", COLORS["spof"], "--", "spof-links")):
        mask = np.array([p in found[key] for p in pairs], dtype=bool)
        if mask.any():
            ax.add_collection(LineCollection(segments[mask], linewidths=2.0, colors=color,
                                             linestyles=style, alpha=0.95, zorder=3,
                                             gid=gid))


def _node_sizes(output: pd.Series) -> np.ndarray:
    v = np.nan_to_num(output.to_numpy(dtype=float), nan=0.0)
    if not len(v) or v.max() <= 0:
        return np.full(len(v), 60.0)  # no outputs given: one size for all
    return 14 + 260 * np.sqrt(np.clip(v, 0, None) / v.max())


def _draw_nodes(ax: Any, layout: ChainLayout, found: dict[str, Any],
                colors: list[str], highlight: frozenset[Any]) -> None:
    nodes = layout.nodes
    colors = np.array(colors, dtype=object)
    sizes = _node_sizes(nodes["output"])
    focal = nodes["focal"].to_numpy(dtype=bool)
    xy = nodes[["x", "y"]].to_numpy()
    ax.scatter(xy[focal, 0], xy[focal, 1], s=sizes[focal], c=list(colors[focal]),
               edgecolors="white", linewidths=0.6, zorder=4, gid="nodes-focal")
    ax.scatter(xy[~focal, 0], xy[~focal, 1], s=sizes[~focal], facecolors="white",
               edgecolors=list(colors[~focal]), linewidths=1.3, zorder=4,
               gid="nodes-outside")
    ids = nodes["enterprise"]
    for key, color, gid in (("spof", COLORS["spof"], "spof"),
                            ("cut_nodes", COLORS["cut"], "min-cut-enterprises")):
        mask = ids.isin(list(found[key])).to_numpy()
        if mask.any():
            ax.scatter(xy[mask, 0], xy[mask, 1], s=sizes[mask] + 120, facecolors="none",
                       edgecolors=color, linewidths=2.0, zorder=5, gid=gid)
    mask = ids.isin(list(highlight)).to_numpy()
    if mask.any():
        ax.scatter(xy[mask, 0], xy[mask, 1], s=sizes[mask] + 200, facecolors="none",
                   edgecolors=COLORS["leader"], linewidths=2.2, zorder=5, gid="highlight")


def _draw_labels(ax: Any, layout: ChainLayout, chosen: list[Any],
                 found: dict[str, Any]) -> None:
    pos = layout.nodes.set_index("enterprise")
    rank = {e: i + 1 for i, e in enumerate(found["leaders"])}
    for i, enterprise in enumerate(chosen):
        row = pos.loc[enterprise]
        text = f"{rank[enterprise]}. {row['name']}" if enterprise in rank else row["name"]
        dy = (14 + 13 * (i // 2 % 3)) * (1 if i % 2 == 0 else -1)
        ax.annotate(text, (row["x"], row["y"]), xytext=(8, dy), textcoords="offset points",
                    fontsize=7.5, ha="left", va="center", zorder=8, color="#222222",
                    gid="label:" + str(enterprise),
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                          "edgecolor": COLORS["leader"] if enterprise in rank else "#999999",
                          "alpha": 0.9, "linewidth": 0.8},
                    arrowprops={"arrowstyle": "-", "color": "#666666", "linewidth": 0.6})


def _draw_segment_flows(ax: Any, layout: ChainLayout,
                        cut_pairs: frozenset[tuple[Any, Any]]) -> None:
    """Segment flows: one arrow per segment pair, as a single artist (gid
    ``segment-flows``; its ``flows`` table says which pair each arrow is)."""
    from chaingraph.plotting._arrows import add_flow_arrows

    links = layout.links.dropna(subset=["x0", "x1"])
    add_flow_arrows(ax, links, _widths(links["volume"], 0.6, 9.0), set(cut_pairs))


def _mark_segments(ax: Any, layout: ChainLayout,
                   marks: dict[Any, tuple[int, list[str]]], lang: str | None = None
                   ) -> None:
    """Segment view: SPOF counts and leader names under the boxes."""
    for row in layout.segments.itertuples(index=False):
        n_spof, leaders = marks.get(row.segment, (0, []))
        lines = []
        if n_spof:
            lines.append(map_text("spof_count", lang, n=n_spof))
        lines += [f"★ {name}" for name in leaders]
        if lines:
            color = COLORS["spof"] if n_spof else COLORS["leader"]
            ax.text(row.x0 + 0.03, row.y0 + 0.03, "\n".join(lines), fontsize=6.5,
                    ha="left", va="bottom", color=color, zorder=7,
                    gid="marks:" + str(row.segment))


def _legend(ax: Any, layout: ChainLayout, found: dict[str, Any], colors: dict[str, str],
            region: Any, lang: str | None = None) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    if layout.view == "enterprise" and region is not None:
        handles += [Line2D([], [], marker="o", linestyle="", markersize=8,
                           markerfacecolor=COLORS["focal"], markeredgecolor="white",
                           label=map_text("focal_in", lang, region=region)),
                    Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                           markeredgecolor=COLORS["outside"], markersize=8,
                           label=map_text("outside", lang))]
    elif layout.view == "enterprise":
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=8,
                              markerfacecolor=COLORS["focal"], markeredgecolor="white",
                              label=map_text("enterprise", lang)))
    else:
        handles.append(Patch(facecolor=COLORS["box"], edgecolor=COLORS["box_edge"],
                             label=map_text("segment", lang)))
    handles += [Line2D([], [], color=c, marker="o", linestyle="", label=name)
                for name, c in list(colors.items())[:8]]
    handles.append(Line2D([], [], color=COLORS["link"], linewidth=2,
                          label=map_text("link", lang)))
    if found["missing"]:
        handles.append(Patch(facecolor="white", edgecolor=COLORS["missing"], linestyle="--",
                             label=map_text("missing", lang)))
    if found["spof"] or found["spof_links"]:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                              markeredgecolor=COLORS["spof"], markeredgewidth=2,
                              markersize=10, label=map_text("spof", lang)))
    if found["cut_links"] or found["cut_nodes"]:
        handles.append(Line2D([], [], color=COLORS["cut"], linewidth=3,
                              label=map_text("cut", lang)))
    if found["tags"]:
        handles.append(Patch(facecolor=COLORS["leader"], label=map_text("candidate", lang)))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01),
              ncol=min(4, len(handles)), fontsize=8, frameon=False)


def plot_chain_map(G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
                   report: Any = None, region: Any = None, ax: Any = None,
                   view: str = "auto", max_enterprises: int = 300,
                   color_by: str | None = "region", highlight: Iterable[Any] | None = None,
                   label: Any = "leaders", title: str | None = None,
                   lang: str | None = None) -> Any:
    """Draw the chain map: segments upstream -> downstream, enterprises, findings.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate or str, optional
        Segment boxes in template order, columns by template depth; segments without
        a focal enterprise are drawn as dashed ghosts. A name (``"nev"``) loads a
        built-in template.
    report : ChainReport, optional
        From :func:`chaingraph.report.diagnose`: missing segments (dashed red
        boxes), single points of failure (red rings), minimum-cut links and
        enterprises (orange), 补链/延链/强链 tags, leaders (labelled). Its template
        and region are used when not given here.
    region : str or list, optional
        Focal region: its enterprises are filled, others hollow.
    ax : matplotlib Axes, optional
        Where to draw (a new figure sized to the chain otherwise).
    view : {"auto", "enterprise", "segment"}, default "auto"
        Enterprises up to ``max_enterprises``, else segments (boxes sized by output,
        arrows by inter-segment volume).
    max_enterprises : int, default 300
    color_by : str or None, default "region"
        ``"region"``, ``"stage"``, ``"focal"``/None, or another enterprise column.
    highlight : iterable of ids, optional
        Enterprises to ring and label.
    label : "leaders", "all", None or list of ids, default "leaders"
        Which enterprises get name labels (leaders: the report's top 5, else the
        5 largest focal enterprises).
    title : str, optional
        Default: the chain's name, region and size.
    lang : {"zh", "en"}, optional
        Language of the title, legend and marks (default: the report's, else
        English).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For a bad ``view``, ``color_by`` or ``label``.
    TypeError
        For a ``template`` that is neither a template nor a name.

    See Also
    --------
    map_scene, draw_map_scene : the same in two steps (what is drawn, then drawing it).
    chain_layout : the positions used here.
    html_map : the same map, interactive.

    Notes
    -----
    Node area grows with the square root of output; link width with the square root
    of volume. The layout is deterministic (no random placement). Never calls
    ``plt.show`` or ``savefig``; use :func:`save_figure`.

    Examples
    --------
    >>> chain = cg.datasets.load_example()
    >>> tpl = cg.datasets.load_template("nev")
    >>> ax = cg.plotting.plot_chain_map(chain, template=tpl, region="明湾示范区")
    >>> ax.get_title(loc="left")[:6]
    '明湾示范区新'
    """
    from chaingraph.plotting.scene import map_scene

    scene = map_scene(G, template=template, report=report, region=region, view=view,
                      max_enterprises=max_enterprises, color_by=color_by,
                      highlight=highlight, label=label, title=title, lang=lang)
    return draw_map_scene(scene, ax=ax)


def draw_map_scene(scene: MapScene, /, *, ax: Any = None) -> Any:
    """Draw a :class:`MapScene` (the chain map of :func:`plot_chain_map`).

    Parameters
    ----------
    scene : MapScene
        From :func:`map_scene`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure sized to the chain otherwise).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> scene = cg.plotting.map_scene(cg.datasets.load_example(), view="segment")
    >>> ax = cg.plotting.draw_map_scene(scene)
    >>> ax.get_title(loc="left") == scene.title
    True
    """
    with plot_context():
        ax = _axes(ax, scene.layout)
        _draw_map(ax, scene)
        ax.set_title(scene.title, fontsize=13, loc="left")
    return ax


def _axes(ax: Any, layout: ChainLayout) -> Any:
    if ax is not None:
        return cjk_ticks(ax)
    import matplotlib.pyplot as plt

    ncols = int(layout.segments["column"].max()) + 1 if len(layout.segments) else 1
    top = float((layout.segments["y0"] + layout.segments["height"]).max()) \
        if len(layout.segments) else 1.0
    _fig, ax = plt.subplots(figsize=(min(40, max(10, 2.3 * ncols)),
                                    min(40, max(6, 1.25 * top + 1.5))), layout="constrained")
    return ax


def _draw_map(ax: Any, scene: MapScene) -> None:
    layout, found = scene.layout, scene.found
    segs = layout.segments
    top = float((segs["y0"] + segs["height"]).max()) if len(segs) else 1.0
    ncols = int(segs["column"].max()) + 1 if len(segs) else 1
    _draw_bands(ax, layout, top + 0.05)
    _draw_boxes(ax, layout, found, scene.has_template)
    if layout.view == "enterprise":
        _draw_links(ax, layout, found)
        _draw_nodes(ax, layout, found, scene.colors, scene.highlight)
        _draw_labels(ax, layout, scene.labels, found)
    else:
        _draw_segment_flows(ax, layout, scene.cut_pairs)
        _mark_segments(ax, layout, scene.marks, scene.lang)
    ax.set_xlim(-0.05, ncols + 0.05)
    ax.set_ylim(-0.15, top + 0.45)
    ax.set_axis_off()
    _legend(ax, layout, found, scene.legend if layout.view == "enterprise" else {},
            scene.region, scene.lang)


