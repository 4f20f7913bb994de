"""Deterministic chain layout shared by the static map and the interactive HTML map.

Segments become boxes in columns (upstream on the left): by template depth when a
template is given, else by the longest path between segment labels, else one box per
tier. Enterprises sit in a grid inside their segment box, sorted by focal first, then
output (largest first), then id, so the same input always gives the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.kernels.passes import group_pair_totals
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import as_template
from chaingraph.model.roles import focal_mask
from chaingraph.model.template import condensed_levels
from chaingraph.plotting._scene_data import ChainLayout

__all__ = ["ChainLayout", "chain_layout"]

OTHER = "(other)"
#: Bucket of enterprises whose segment cell is blank (未标注), drawn as its own column.
UNLABELLED = "(unlabelled)"
_NODE_COLUMNS = ("enterprise", "name", "segment", "region", "focal", "output", "tier",
                 "x", "y")
_COL_W, _BOX_W, _ROW_H, _HEAD_H, _GAP = 1.0, 0.78, 0.13, 0.22, 0.2


def _segment_columns(chain: Chain, template: SegmentTemplate | None,
                     seg: np.ndarray) -> tuple[dict[Any, int], dict[Any, str], dict[Any, Any]]:
    """Column, label and stage of every segment to draw."""
    if template is not None:
        depth = _template_depth(template)
        rows = template.segments
        labels = dict(zip(rows["id"], rows["name_zh"], strict=True))
        stages = dict(zip(rows["id"], rows["stage"], strict=True))
        cols = {s: depth[s] for s in template.segment_ids}
        return cols, labels, stages
    src, dst = chain.link_codes
    present = sorted({s for s in seg if s is not None}, key=str)
    H = nx.DiGraph()
    H.add_nodes_from(present)
    ok = (seg[src] != None) & (seg[dst] != None) & (seg[src] != seg[dst])  # noqa: E711
    H.add_edges_from(set(zip(seg[src][ok], seg[dst][ok], strict=True)))
    levels = condensed_levels(H)
    cols = {s: levels[s] for s in present}
    return cols, {s: str(s) for s in present}, dict.fromkeys(present)


def map_inputs(G: Any, template: Any, report: Any, region: Any, view: str,
               max_enterprises: int) -> tuple[Chain, SegmentTemplate | None, Any,
                                               ChainLayout]:
    """What the static and the interactive map both start from.

    The chain, its template (given, or the report's), the focal region (given, or the
    report's) and the deterministic layout.
    """
    context = resolve(G, template=resolve_template(template, report))
    chain, template = context.chain, context.template
    if region is None and report is not None:
        region = (getattr(report, "summary", None) or {}).get("region")
    # One layout per chain, template and options: a report's static and interactive
    # maps share it (the template is matched by identity, so it cannot go stale).
    options = (repr(region), view, max_enterprises)
    made = chain.cached("plotting.layouts", list)
    for tpl, key, layout in made:
        if tpl is template and key == options:
            return chain, template, region, layout
    layout = chain_layout(chain, template=template, region=region, view=view,
                          max_enterprises=max_enterprises)
    made[:] = [*made[-3:], (template, options, layout)]
    return chain, template, region, layout


def resolve_template(template: Any, report: Any = None) -> SegmentTemplate | None:
    """A template object, a built-in template name (``"nev"``), or the report's."""
    if template is None and report is not None:
        template = getattr(report, "template", None)
    return as_template(template)


def _template_depth(template: SegmentTemplate) -> dict[str, int]:
    """Longest-path column of each template segment, ignoring edges that run back
    against the stage order (recycling loops such as battery recycling -> lithium)."""
    rank = {"upstream": 0, "midstream": 1, "downstream": 2}
    stage = dict(zip(template.segments["id"], template.segments["stage"], strict=True))
    H = nx.DiGraph()
    H.add_nodes_from(template.segment_ids)
    H.add_edges_from((u, v) for u, v in zip(template.edges["supplier"],
                                            template.edges["buyer"], strict=True)
                     if rank.get(stage[u], 1) <= rank.get(stage[v], 1))
    levels = condensed_levels(H)
    return {s: levels[s] for s in template.segment_ids}


def _tier_segments(chain: Chain) -> np.ndarray:
    """Without segments: one pseudo-segment per tier (longest path from a source)."""
    from chaingraph.algorithms.structure import tiers

    tier = tiers(chain)
    return np.array([f"tier {tier[i]}" if i in tier else OTHER for i in chain.ids],
                    dtype=object)


def _grid(n: int) -> tuple[int, int]:
    ncols = max(1, min(6, math.ceil(math.sqrt(n / 2.5)))) if n else 1
    return ncols, max(1, math.ceil(n / ncols))


def chain_layout(G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
                 region: Any = None, view: str = "auto", max_enterprises: int = 300
                 ) -> ChainLayout:
    """Lay a chain out upstream -> downstream, deterministically.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate or str, optional
        Segment columns by template depth; template segments with no enterprise are
        laid out too (as ghosts). A name loads a built-in template.
    region : str or list, optional
        Focal region (None: every enterprise is focal).
    view : {"auto", "enterprise", "segment"}, default "auto"
        ``"auto"``: enterprises up to ``max_enterprises``, else segments.
    max_enterprises : int, default 300
        Threshold of the automatic view.

    Returns
    -------
    ChainLayout

    Raises
    ------
    ValueError
        For an unknown ``view``.

    Notes
    -----
    Columns: template depth (longest path from a root segment), or longest path in
    the segment graph (cycles condensed), or the enterprise tier. Within a column
    segments keep template order; within a box enterprises are sorted by (focal
    first, output descending, id). Complexity O(n log n + m).

    Examples
    --------
    >>> chain = cg.datasets.load_example()
    >>> tpl = cg.datasets.load_template("nev")
    >>> lay = cg.plotting.chain_layout(chain, template=tpl, view="segment")
    >>> lay.view, len(lay.segments)
    ('segment', 29)
    """
    if view not in ("auto", "enterprise", "segment"):
        raise ValueError(f"view must be 'auto', 'enterprise' or 'segment', got {view!r}")
    context = resolve(G, template=resolve_template(template))
    chain, template = context.chain, context.template
    if view == "auto":
        view = "enterprise" if chain.n_enterprises <= max_enterprises else "segment"
    seg = chain.column(SEGMENT, default=None).astype(object)  # a copy: set in place
    blank = pd.isna(seg) | (seg == "")
    seg[blank] = None
    if template is None and blank.all():
        seg = _tier_segments(chain)
        blank = np.zeros(len(seg), dtype=bool)
    cols, labels, stages = _segment_columns(chain, template, seg)
    known = pd.Series(seg, dtype=object).isin(list(cols)).to_numpy()
    seg[~known] = OTHER  # in place (seg is this function's own object array): one
    seg[blank] = UNLABELLED  # string for all such rows (np.where made one per row)
    for key, text in ((OTHER, "其他 other"), (UNLABELLED, "未标注 unlabelled")):
        if (seg == key).any():
            cols[key] = max(cols.values(), default=-1) + 1
            labels[key], stages[key] = text, None
    focal = focal_mask(chain, region)
    output = np.nan_to_num(chain.column(OUTPUT), nan=0.0)
    order = (list(template.segment_ids) if template is not None else
             sorted((s for s in cols if s not in (OTHER, UNLABELLED)), key=str)) + [
        k for k in (OTHER, UNLABELLED) if k in cols]
    # segments as integer codes (in sorted order), once for the boxes and the flows
    codes, uniques = pd.factorize(pd.Series(seg, dtype=object), sort=True)
    segs = _segment_table(order, cols, labels, stages, (codes, uniques), focal, output,
                          template)
    nodes = (_node_table(chain, seg, focal, output) if view == "enterprise" else
             pd.DataFrame({c: pd.Series(dtype=object) for c in _NODE_COLUMNS}))
    _place(segs, nodes, view)
    links = (_enterprise_links(chain, nodes) if view == "enterprise"
             else _segment_links(chain, (codes, uniques), segs))
    columns = (segs.groupby("column", sort=True)
               .agg(x=("x0", "min"), stage=("stage", _majority)).reset_index())
    columns["stage"] = pd.Series([s if isinstance(s, str) else None  # None, not NaN
                                  for s in columns["stage"]], dtype=object)
    return ChainLayout(view, segs, nodes, links, columns,
                       {"n_enterprises": chain.n_enterprises, "n_links": chain.n_links,
                        "region": region, "name": chain.meta.get("name"),
                        "segment_of": SegmentOf(chain, seg), "segments": seg})


class SegmentOf(Mapping):
    """Enterprise id -> the segment it is drawn in (read-only, looked up by code).

    A map names a few enterprises (leaders, the cut, single points of failure):
    looking each up through the chain's id index spares a million-entry dict.

    Examples
    --------
    >>> lay = cg.plotting.chain_layout(nx.DiGraph([("a", "b")]))
    >>> lay.meta["segment_of"].get("a"), lay.meta["segment_of"].get("zzz")
    ('tier 0', None)
    """

    def __init__(self, chain: Chain, segments: np.ndarray) -> None:
        self._chain, self._segments = chain, segments

    def __getitem__(self, key: Any) -> Any:
        try:
            position = self._chain.index.get_loc(key)
        except (TypeError, pd.errors.InvalidIndexError) as error:
            raise KeyError(key) from error
        if not isinstance(position, (int, np.integer)):
            raise KeyError(key)
        return self._segments[position]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._chain.ids)

    def __len__(self) -> int:
        return len(self._segments)


def _majority(values: pd.Series) -> Any:
    values = values.dropna()
    return values.mode().iloc[0] if len(values) else None


def _segment_table(order, cols, labels, stages, factorized, focal, output, template):
    codes, uniques = factorized
    frame = pd.DataFrame({"code": codes, "focal": focal, "output": output})
    frame["focal_output"] = np.where(focal, output, 0.0)
    counts = frame.groupby("code", sort=False).agg(  # integer keys: same sums
        n_total=("focal", "size"), n_focal=("focal", "sum"), output=("output", "sum"),
        focal_output=("focal_output", "sum"))
    counts.index = pd.Index(np.asarray(uniques, dtype=object)[counts.index.to_numpy()],
                            dtype=object, name="segment")
    segs = pd.DataFrame({"segment": pd.Series(order, dtype=object)})
    segs["label"] = [labels.get(s, str(s)) for s in order]
    segs["stage"] = pd.Series([stages.get(s) for s in order], dtype=object)  # None, not NaN
    segs["column"] = [cols[s] for s in order]
    segs = segs.join(counts, on="segment")
    for col in ("n_total", "n_focal"):
        segs[col] = segs[col].fillna(0).astype(np.int64)
    for col in ("output", "focal_output"):
        segs[col] = segs[col].fillna(0.0)
    segs["present"] = segs["n_focal"] > 0
    segs["in_template"] = [template is not None and s not in (OTHER, UNLABELLED)
                           for s in order]
    return segs


def _node_table(chain: Chain, seg, focal, output) -> pd.DataFrame:
    from chaingraph.algorithms.structure import tiers

    tier = tiers(chain)
    names = chain.column(NAME, default=None)
    nodes = pd.DataFrame({
        "enterprise": pd.Series(chain.ids, dtype=object),
        "name": pd.Series([n if isinstance(n, str) and n else str(i)
                           for n, i in zip(names, chain.ids, strict=True)], dtype=object),
        "segment": pd.Series(seg, dtype=object),
        "region": pd.Series(chain.column(REGION, default=None), dtype=object),
        "focal": focal, "output": output,
        "tier": [tier.get(i, -1) for i in chain.ids],
        "_key": [str(i) for i in chain.ids]})
    nodes = nodes.sort_values(["focal", "output", "_key"], ascending=[False, False, True],
                              kind="mergesort")
    return nodes.drop(columns="_key").reset_index(drop=True)


def _place(segs: pd.DataFrame, nodes: pd.DataFrame, view: str) -> None:
    """Fill box geometry (segs) and node positions (nodes) in place."""
    top_output = max(float(segs["output"].max()), 1.0) if len(segs) else 1.0
    heights = []
    for row in segs.itertuples(index=False):
        if view == "segment":
            heights.append(_HEAD_H + 0.15 + 0.9 * math.sqrt(row.output / top_output))
        else:
            heights.append(_HEAD_H + _grid(row.n_total)[1] * _ROW_H + 0.04)
    segs["height"] = heights
    segs["width"] = _BOX_W
    segs["x0"] = segs["column"] * _COL_W + (_COL_W - _BOX_W) / 2
    stack = segs.groupby("column")["height"].transform(lambda h: h.sum() + _GAP * (len(h) - 1))
    tallest = float(stack.max()) if len(stack) else 0.0
    y0 = np.empty(len(segs))
    for _, idx in segs.groupby("column", sort=True).groups.items():
        top = tallest - (tallest - float(stack.loc[idx[0]])) / 2
        for i in idx:
            y0[i] = top - segs.at[i, "height"]
            top = y0[i] - _GAP
    segs["y0"] = y0
    nodes["x"], nodes["y"] = np.nan, np.nan
    if view != "enterprise":
        return
    geometry = segs.set_index("segment")
    for segment, idx in nodes.groupby("segment", sort=False).groups.items():
        box = geometry.loc[segment]
        ncols, _ = _grid(len(idx))
        k = np.arange(len(idx))
        step = _BOX_W / ncols
        nodes.loc[idx, "x"] = box["x0"] + step * (k % ncols + 0.5)
        nodes.loc[idx, "y"] = box["y0"] + box["height"] - _HEAD_H - _ROW_H * (k // ncols + 0.5)


def _enterprise_links(chain: Chain, nodes: pd.DataFrame) -> pd.DataFrame:
    pos = nodes.set_index("enterprise")[["x", "y"]]
    links = chain.links
    keep = links["supplier"].to_numpy(dtype=object) != links["buyer"].to_numpy(dtype=object)
    links = links[keep]
    src = pos.reindex(pd.Index(links["supplier"], dtype=object)).to_numpy()
    dst = pos.reindex(pd.Index(links["buyer"], dtype=object)).to_numpy()
    volume = (links["volume"].to_numpy(dtype=np.float64, na_value=np.nan)
              if "volume" in links.columns else np.full(len(links), np.nan))
    return pd.DataFrame({"supplier": links["supplier"].astype(object).to_numpy(),
                         "buyer": links["buyer"].astype(object).to_numpy(),
                         "volume": volume, "x0": src[:, 0], "y0": src[:, 1],
                         "x1": dst[:, 0], "y1": dst[:, 1]})


def _segment_links(chain: Chain, factorized: tuple[np.ndarray, Any],
                   segs: pd.DataFrame) -> pd.DataFrame:
    # Segment pairs as integer keys (segments in sorted order, so pairs come out
    # sorted as a groupby would give them): one counting pass over the links into
    # a k x k table of the few segments, no sort and no 5M-row groupby.
    src, dst = chain.link_codes
    codes, uniques = factorized
    k = max(len(uniques), 1)
    volume = chain.column("volume", table="links") if chain.has_column(
        "volume", table="links") else None  # NaN counts as 0, as link_weights has it
    counts, volume = group_pair_totals(src, dst, codes, k, volume)
    pairs = np.flatnonzero(counts)  # sorted, as np.unique would give them
    names = np.asarray(uniques, dtype=object)
    flows = pd.DataFrame({
        "supplier": pd.Series(names[pairs // k], dtype=object),
        "buyer": pd.Series(names[pairs % k], dtype=object),
        "volume": volume[pairs], "n_links": counts[pairs].astype(np.int64)})
    geometry = segs.set_index("segment")
    a = geometry.reindex(pd.Index(flows["supplier"], dtype=object))
    b = geometry.reindex(pd.Index(flows["buyer"], dtype=object))
    flows["x0"] = (a["x0"] + a["width"]).to_numpy()
    flows["y0"] = (a["y0"] + a["height"] / 2).to_numpy()
    flows["x1"] = b["x0"].to_numpy()
    flows["y1"] = (b["y0"] + b["height"] / 2).to_numpy()
    return flows
