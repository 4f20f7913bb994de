"""Industrial distribution maps (产业分布图): where each segment's enterprises sit.

:func:`plot_distribution` draws a region x segment heat map (enterprise counts or
output); :func:`plot_geography` a geographic view from enterprise coordinates
(``lon``/``lat``) and/or region outlines given as GeoJSON. Both use matplotlib only:
no web tiles, they work offline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.regions import as_region_context
from chaingraph.model import Chain
from chaingraph.model.lookup import TemplateLike
from chaingraph.plotting._style import PALETTE, cjk_ticks, plot_context

__all__ = ["plot_distribution", "plot_geography"]


def _new_axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return cjk_ticks(ax)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def plot_distribution(G: Chain | Any, /, *, template: TemplateLike = None,
                      level: str | int | None = None, home: str | None = None,
                      value: str = "count", ax: Any = None, annotate: bool = True
                      ) -> Any:
    """Region x segment heat map: how many enterprises (or how much output) where.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    template : SegmentTemplate or str, optional
        Segment order (upstream first) and Chinese segment names.
    level, home : optional
        Region level and home province (see
        :func:`~chaingraph.algorithms.regions.find_regions`).
    value : {"count", "output"}
        Enterprise counts, or output in 亿 (the chain's unit / 1e8).
    ax : matplotlib Axes, optional
    annotate : bool, default True
        Write each non-zero cell's value in it.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from chaingraph.plotting.distribution import plot_distribution
    >>> chain = cg.datasets.load_example_regions()
    >>> ax = plot_distribution(chain, template="nev", level="city")
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['湛川市', '潮岭市']
    """
    ctx = as_region_context(G, template, level, home)
    if value not in ("count", "output"):
        raise ValueError(f"value must be 'count' or 'output', got {value!r}")
    n_r, n_s = ctx.counts.shape
    if value == "count":
        matrix = ctx.counts.astype(float)
    else:
        ok = (ctx.segment_codes >= 0) & ~np.isnan(ctx.output)
        matrix = np.bincount(ctx.regions.codes[ok] * n_s + ctx.segment_codes[ok],
                             ctx.output[ok], minlength=n_r * n_s).reshape(n_r, n_s) / 1e8
    names = ctx.segments
    if ctx.template is not None:
        zh = dict(zip(ctx.template.segments["id"], ctx.template.segments["name_zh"],
                      strict=True))
        names = [str(zh.get(s, s)) for s in ctx.segments]
    with plot_context():
        ax = _new_axes(ax, (max(6.0, 0.35 * n_s + 2), max(2.5, 0.4 * n_r + 1.5)))
        shown = np.where(matrix > 0, matrix, np.nan)
        image = ax.imshow(shown, aspect="auto", cmap="YlOrRd")
        ax.set_xticks(range(n_s), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(n_r), ctx.regions.labels, fontsize=9)
        if annotate and n_r * n_s <= 2500:
            for r, s in zip(*np.nonzero(matrix > 0), strict=True):
                text = f"{matrix[r, s]:.0f}" if value == "count" else f"{matrix[r, s]:.1f}"
                ax.text(s, r, text, ha="center", va="center", fontsize=6)
        what = "企业数 enterprises" if value == "count" else "产值（亿）output (100m)"
        ax.figure.colorbar(image, ax=ax, label=what, shrink=0.8)
        ax.set_title(f"产业分布图 industrial distribution ({ctx.regions.level})")
    return ax


def _features(geojson: Any) -> list[dict[str, Any]]:
    if isinstance(geojson, (str, os.PathLike)):
        with open(geojson, encoding="utf-8") as handle:
            geojson = json.load(handle)
    if not isinstance(geojson, Mapping) or "features" not in geojson:
        raise ValueError("geojson must be a FeatureCollection (a dict or a file path)")
    return list(geojson["features"])


def _rings(geometry: Mapping[str, Any]) -> list[np.ndarray]:
    kind, coords = geometry.get("type"), geometry.get("coordinates", [])
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [np.asarray(poly[0], dtype=float) for poly in polygons if poly]


def plot_geography(G: Chain | Any, /, *, geojson: Any = None, name_property: str = "name",
                   template: TemplateLike = None,
                   level: str | int | None = None, home: str | None = None,
                   value: str = "count", ax: Any = None) -> Any:
    """Geographic view: region outlines shaded by value, enterprises as points.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain; enterprises with ``lon`` and ``lat`` are drawn as points
        coloured by region.
    geojson : dict or path, optional
        A GeoJSON FeatureCollection of region outlines (Polygon / MultiPolygon);
        a feature whose ``name_property`` equals a region label is shaded by
        that region's value.
    name_property : str, default "name"
    template, level, home : optional
        As in :func:`plot_distribution`.
    value : {"count", "output"}
        What shades the outlines.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        Neither coordinates nor outlines to draw.

    Examples
    --------
    >>> from chaingraph.plotting.distribution import plot_geography
    >>> chain = cg.datasets.load_example_regions()
    >>> ax = plot_geography(chain, geojson=cg.datasets.example_regions_geojson(),
    ...                     level="city")
    >>> len(ax.patches)
    4
    """
    ctx = as_region_context(G, template, level, home)
    lon, lat = (pd.to_numeric(pd.Series(ctx.chain.column(c)), errors="coerce").to_numpy(
        dtype=float) for c in ("lon", "lat"))
    has_points = bool((np.isfinite(lon) & np.isfinite(lat)).any())
    features = _features(geojson) if geojson is not None else []
    if not has_points and not features:
        raise ValueError("nothing to draw: the chain has no lon/lat columns with "
                         "values and no geojson was given")
    n_r = len(ctx.regions.labels)
    if value == "count":
        values = np.bincount(ctx.regions.codes, minlength=n_r).astype(float)
    else:
        ok = ~np.isnan(ctx.output)
        values = np.bincount(ctx.regions.codes[ok], ctx.output[ok], minlength=n_r) / 1e8
    by_label = dict(zip(ctx.regions.labels, values.tolist(), strict=True))
    from matplotlib import colormaps
    from matplotlib.patches import Polygon

    with plot_context():
        ax = _new_axes(ax, (8.0, 6.5))
        cmap = colormaps["Blues"]
        top = max(values.max(), 1e-12) if n_r else 1.0
        for feature in features:
            name = str(feature.get("properties", {}).get(name_property, ""))
            shade = cmap(0.15 + 0.75 * by_label[name] / top) if name in by_label else (
                0.92, 0.92, 0.92, 1.0)
            for ring in _rings(feature.get("geometry", {})):
                ax.add_patch(Polygon(ring, closed=True, facecolor=shade,
                                     edgecolor="#555555", linewidth=0.8))
                centre = ring.mean(axis=0)
                ax.text(centre[0], centre[1], name, ha="center", va="center",
                        fontsize=9, color="#222222")
        if has_points:
            ok = np.isfinite(lon) & np.isfinite(lat)
            for r, label in enumerate(ctx.regions.labels):
                here = ok & (ctx.regions.codes == r)
                if here.any():
                    ax.scatter(lon[here], lat[here], s=10, alpha=0.8, label=label,
                               color=PALETTE[r % len(PALETTE)], zorder=3)
            ax.legend(fontsize=8, loc="best", markerscale=1.5)
        ax.autoscale_view()
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("经度 lon")
        ax.set_ylabel("纬度 lat")
        ax.set_title("产业分布图（地理） geographic distribution")
    return ax
