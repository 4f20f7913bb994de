"""Standalone interactive HTML chain map: inline SVG + JavaScript, no network needed."""

from __future__ import annotations

import html
import json
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from chaingraph.amounts import format_amount
from chaingraph.labels import map_text
from chaingraph.model import Chain, SegmentTemplate
from chaingraph.plotting._style import COLORS, STAGE_LABELS
from chaingraph.plotting.layout import ChainLayout, map_inputs
from chaingraph.plotting.scene import node_colors, shared_findings

__all__ = ["HTMLMap", "html_map", "write_html_map"]

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font-family: "Noto Sans CJK SC", "Noto Sans SC",
  "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; background: #fff; }}
#cg-head {{ padding: 6px 12px; font-size: 14px; border-bottom: 1px solid #ddd; }}
#cg-head small {{ color: #666; }}
#cg-svg {{ width: 100%; height: calc(100% - 64px); cursor: grab; display: block; }}
#cg-tip {{ position: fixed; display: none; max-width: 420px; background: #fffffa;
  border: 1px solid #999; padding: 6px 8px; font-size: 12px; pointer-events: none;
  box-shadow: 1px 1px 4px rgba(0,0,0,.2); z-index: 10; }}
.bad {{ color: {missing}; }}
#cg-legend span {{ margin-right: 14px; font-size: 12px; }}
</style>
</head>
<body>
<div id="cg-head"><b>{title}</b> <small>{subtitle}</small><br>
<span id="cg-legend">{legend}</span></div>
<svg id="cg-svg" xmlns="http://www.w3.org/2000/svg"></svg>
<div id="cg-tip"></div>
<script type="application/json" id="chaingraph-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""


class HTMLMap:
    """A standalone interactive chain map: shows itself in Jupyter, saves to a file.

    Attributes
    ----------
    html : str
        The whole page (UTF-8, no external resources).

    See Also
    --------
    html_map : builds one.

    Examples
    --------
    >>> m = cg.plotting.html_map(nx.DiGraph([("矿", "厂")]))
    >>> m._repr_html_().startswith("<iframe srcdoc=")
    True
    """

    def __init__(self, page: str) -> None:
        self.html = page

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ddd" '
                'sandbox="allow-scripts"></iframe>')

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        from chaingraph.readwrite.safety import atomic_path

        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.html, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<HTMLMap: {len(self.html):,} characters>"


def _amount(value: Any, unit: str) -> str:
    return format_amount(value if isinstance(value, (int, float)) else None, unit)


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no '<', '>', '&' or line separators left raw."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _finite(value: Any) -> float:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def _bands(layout: ChainLayout) -> list[dict[str, Any]]:
    fills = dict(zip(("upstream", "midstream", "downstream"), COLORS["band"], strict=True))
    runs: list[list[Any]] = []
    for row in layout.columns.itertuples(index=False):
        if runs and runs[-1][0] == row.stage:
            runs[-1][2] = row.column
        else:
            runs.append([row.stage, row.column, row.column])
    return [{"x0": first + 0.02, "x1": last + 0.98, "stage": stage,
             "label": STAGE_LABELS.get(stage, ""), "fill": fills.get(stage, "#F4F4F4"),
             "color": COLORS.get(stage, "#666666")} for stage, first, last in runs]


def _segment_rows(layout, found, has_template, unit, spof_by_segment):
    rows = []
    for s in layout.segments.itertuples(index=False):
        rows.append({
            "id": str(s.segment), "label": str(s.label), "stage": s.stage,
            "x0": _finite(s.x0), "y0": _finite(s.y0), "w": _finite(s.width),
            "h": _finite(s.height), "n_focal": int(s.n_focal), "n_total": int(s.n_total),
            "counts": f"{s.n_focal}/{s.n_total}", "output_text": _amount(s.output, unit),
            "missing": s.segment in found["missing"],
            "ghost": bool(has_template and not s.present),
            "tags": found["tags"].get(s.segment, []),
            "marks": (f"{spof_by_segment[s.segment]} single point(s) of failure"
                      if spof_by_segment.get(s.segment) else "")})
    return rows


def _node_rows(layout, found, color_by, template, highlight, unit):
    nodes = layout.nodes
    if not len(nodes):
        return []
    colors, _ = node_colors(nodes, color_by, template)
    v = np.nan_to_num(nodes["output"].to_numpy(dtype=float), nan=0.0)
    radius = (3 + 11 * np.sqrt(np.clip(v, 0, None) / v.max()) if v.max() > 0
              else np.full(len(v), 6.0))
    rank = {e: i + 1 for i, e in enumerate(found["leaders"])}
    labelled = set(found["leaders"]) | set(highlight)
    rows = []
    for row, color, r in zip(nodes.itertuples(index=False), colors, radius, strict=True):
        e = row.enterprise
        rows.append({
            "id": str(e), "name": str(row.name), "segment": str(row.segment),
            "region": "-" if row.region is None or row.region != row.region else str(row.region),
            "output_text": _amount(row.output, unit), "tier": int(row.tier),
            "x": _finite(row.x), "y": _finite(row.y), "r": round(float(r), 2),
            "focal": bool(row.focal), "color": color, "spof": e in found["spof"],
            "cut": e in found["cut_nodes"], "hl": e in highlight,
            "leader": rank.get(e, 0), "notes": found["notes"].get(e, [])[:4],
            "label": (f"{rank[e]}. {row.name}" if e in rank else str(row.name))
            if e in labelled else ""})
    return rows


def _link_rows(layout, found, unit, names):
    links = layout.links.dropna(subset=["x0", "x1"])
    v = np.nan_to_num(links["volume"].to_numpy(dtype=float), nan=0.0)
    top = v.max() if len(v) and v.max() > 0 else 1.0
    segment_view = layout.view == "segment"
    width = (1.0 + 9 * np.sqrt(v / top)) if segment_view else (0.4 + 3 * np.sqrt(v / top))
    cut_pairs = found["cut_links"]
    if segment_view:
        seg = layout.meta["segment_of"]
        cut_pairs = {(seg.get(a), seg.get(b)) for a, b in cut_pairs}
    rows = []
    for row, w, volume in zip(links.itertuples(index=False), width, v, strict=True):
        pair = (row.supplier, row.buyer)
        rows.append({"s": str(row.supplier), "b": str(row.buyer),
                     "sname": names.get(row.supplier, str(row.supplier)),
                     "bname": names.get(row.buyer, str(row.buyer)),
                     "x0": _finite(row.x0), "y0": _finite(row.y0), "x1": _finite(row.x1),
                     "y1": _finite(row.y1), "w": round(float(w), 2),
                     "v_text": _amount(volume, unit), "cut": pair in cut_pairs,
                     "spof": pair in found["spof_links"]})
    return rows


def _page_data(chain: Chain, layout: ChainLayout, found: dict[str, Any],
               template: SegmentTemplate | None, color_by: Any, highlight: set[Any]
               ) -> dict[str, Any]:
    unit = str(chain.meta.get("unit", ""))
    seg_of = layout.meta["segment_of"]
    spof_by_segment: dict[Any, int] = {}
    for e in found["spof"]:
        spof_by_segment[seg_of.get(e)] = spof_by_segment.get(seg_of.get(e), 0) + 1
    if layout.view == "segment":
        names = dict(zip(layout.segments["segment"], layout.segments["label"].astype(str),
                         strict=True))
    else:
        names = dict(zip(layout.nodes["enterprise"], layout.nodes["name"], strict=True))
    segs = layout.segments
    top = float((segs["y0"] + segs["height"]).max()) if len(segs) else 1.0
    width = float(segs["column"].max()) + 1 if len(segs) else 1.0
    colors = {k: v for k, v in COLORS.items() if isinstance(k, str) and isinstance(v, str)}
    return {"view": layout.view, "top": round(top + 0.1, 4), "width": width,
            "colors": colors, "bands": _bands(layout),
            "segments": _segment_rows(layout, found, template is not None, unit,
                                      spof_by_segment),
            "nodes": _node_rows(layout, found, color_by, template, highlight, unit),
            "links": _link_rows(layout, found, unit, names)}


def _legend_html(found: dict[str, Any], view: str, lang: str | None = None) -> str:
    items = ['<span style="color:{c}">●</span> {t}'.format(
        c=COLORS["focal"], t=map_text("focal_filled", lang)),
        "○ " + map_text("outside", lang)] if view == "enterprise" else []
    items.append("— " + map_text("link", lang))
    if found["missing"]:
        items.append(f'<span class="bad">▭ {map_text("missing", lang)}</span>')
    if found["spof"] or found["spof_links"]:
        items.append(f'<span class="bad">◯ {map_text("spof", lang)}</span>')
    if found["cut_links"] or found["cut_nodes"]:
        items.append(f'<span style="color:{COLORS["cut"]}">━ '
                     f'{map_text("cut_short", lang)}</span>')
    items.append(map_text("help", lang))
    return "".join(f"<span>{item}</span>" for item in items)


def html_map(G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
             report: Any = None, region: Any = None, view: str = "auto",
             max_enterprises: int = 300, color_by: str | None = "region",
             highlight: Any = None, title: str | None = None,
             lang: str | None = None) -> HTMLMap:
    """Build an interactive chain map: one standalone HTML page (no network needed).

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template, report, region, view, max_enterprises, color_by, highlight
        As in :func:`plot_chain_map` (same layout, same highlights).
    title : str, optional
        Page title (default: the chain's name).
    lang : {"zh", "en"}, optional
        Language of the subtitle and legend (default: the report's, else English).

    Returns
    -------
    HTMLMap
        Shows itself in Jupyter (an iframe); ``.save(path)`` writes the file.

    See Also
    --------
    write_html_map : build and save in one call.
    plot_chain_map : the static map.

    Notes
    -----
    The page inlines its data (JSON, with ``<``, ``>`` and ``&`` escaped so no text
    can close the script) and a small SVG viewer: drag to pan, wheel to zoom, hover
    for enterprise details and findings. When drawn it sets ``document.title`` and
    ``data-nodes`` / ``data-links`` attributes on ``<body>``.

    Examples
    --------
    >>> m = cg.plotting.html_map(cg.datasets.load_example(), view="segment")
    >>> "<svg" in m.html and 'charset="utf-8"' in m.html
    True
    """
    chain, template, region, layout = map_inputs(G, template, report, region, view,
                                                 max_enterprises)
    found = shared_findings(report)
    highlight = set(highlight or ())
    data = _page_data(chain, layout, found, template, color_by, highlight)
    lang = lang if lang is not None else getattr(report, "lang", None)
    name = title or str(chain.meta.get("name") or map_text("chain", lang))
    where = map_text("where", lang, region=region) if region is not None else ""
    view_name = map_text(f"{layout.view}_view", lang)
    subtitle = map_text("counts", lang, n=chain.n_enterprises, m=chain.n_links,
                        view=view_name) + where
    script = (resources.files("chaingraph.plotting") / "assets" / "viewer.js").read_text(
        encoding="utf-8")
    page = _PAGE.format(title=html.escape(name), subtitle=html.escape(subtitle),
                        legend=_legend_html(found, layout.view, lang), missing=COLORS["missing"],
                        data=_json_for_script(data), script=script.replace("</", "<\\/"))
    return HTMLMap(page)


def write_html_map(G: Chain | nx.DiGraph, path: str | os.PathLike, /, **kwargs: Any
                   ) -> Path:
    """Write the interactive chain map to ``path`` (a standalone UTF-8 HTML file).

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    path : str or PathLike
        Where to write (``.html``).
    **kwargs
        As in :func:`html_map` (``template``, ``report``, ``region``, ...).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = cg.plotting.write_html_map(cg.datasets.load_example(),
    ...                                      pathlib.Path(tmp) / "map.html")
    ...     out.stat().st_size > 10_000
    True
    """
    return html_map(G, **kwargs).save(path)
