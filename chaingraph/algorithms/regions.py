"""Each region's chain, the supply between regions, and counterpart pairing.

Answers "what does the chain look like region by region?" (:func:`find_regions`),
"who supplies whom across regions?" (:func:`find_region_flows`,
:func:`region_flow_matrix`) and "which region could fill this region's missing
segments?" (:func:`find_counterparts`). Regions come from
:func:`~chaingraph.algorithms.region_levels.region_index` (a ``level=`` of the
province / city / district / park hierarchy); abroad, outside-the-province and
unknown enterprises are buckets: reported, never ranked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.echelon import (
    DEFAULT_LABELS,
    DEFAULT_THRESHOLDS,
    UNIT_SCALES,
)
from chaingraph.algorithms.region_levels import RegionIndex, region_index
from chaingraph.amounts import format_amount
from chaingraph.kernels.dominators import immediate_dominators
from chaingraph.model import (
    OUTPUT,
    SEGMENT,
    VOLUME,
    Chain,
    SegmentTemplate,
    as_chain,
)
from chaingraph.model.lookup import TemplateLike, as_template

__all__ = [
    "RegionContext",
    "as_region_context",
    "find_regions",
    "region_context",
    "region_single_points",
    "segment_fit",
]

REGION_COLUMNS = [
    "region", "kind", "level", "n_enterprises", "output", "n_segments_present",
    "segments_present", "coverage", "completeness", "missing_segments",
    "input_volume", "local_supply_volume", "local_supply_share", "n_single_points",
    "single_points", "rung", "score", "explanation"]
MAX_LISTED = 10

Fit = Callable[[str, set], float] | pd.DataFrame | None


@dataclass(frozen=True)
class RegionContext:
    """What every regional analysis needs, computed once per chain and level.

    Attributes
    ----------
    chain : Chain
    template : SegmentTemplate or None
    regions : RegionIndex
    segments : list of str
        Segment ids (template order with a template, else sorted labels).
    segment_codes : numpy.ndarray of int64
        Each enterprise's position in ``segments`` (-1: none or not in template).
    counts : numpy.ndarray
        Enterprises per (region, segment): shape (n_regions, n_segments).
    output : numpy.ndarray of float
        Each enterprise's output (NaN when unknown).
    volume : numpy.ndarray of float
        Each link's volume (ones when the chain has no volumes).
    """

    chain: Chain
    template: SegmentTemplate | None
    regions: RegionIndex
    segments: list[str]
    segment_codes: np.ndarray
    counts: np.ndarray
    output: np.ndarray
    volume: np.ndarray

    @property
    def present(self) -> np.ndarray:
        """Segments present per region (bool, regions x segments)."""
        return self.counts > 0

    def segment_edges(self) -> list[tuple[int, int]]:
        """(supplier, buyer) segment positions: template edges, else observed pairs."""
        if self.template is not None:
            pos = {s: i for i, s in enumerate(self.segments)}
            return [(pos[a], pos[b]) for a, b in zip(
                self.template.edges["supplier"], self.template.edges["buyer"],
                strict=True)]
        src, dst = self.chain.link_codes
        a, b = self.segment_codes[src], self.segment_codes[dst]
        ok = (a >= 0) & (b >= 0) & (a != b)
        k = max(len(self.segments), 1)
        pairs = np.unique(a[ok] * k + b[ok])
        return [(int(p // k), int(p % k)) for p in pairs]


def region_context(G: Chain | Any, /, *, template: TemplateLike = None,
                   level: str | int | None = None, home: str | None = None
                   ) -> RegionContext:
    """Resolve regions, segments and amounts once for the regional analyses.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate or str, optional
        Segment template (object or built-in name).
    level : str or int, optional
        Region level (see :func:`~chaingraph.algorithms.region_levels.region_index`).
    home : str, optional
        Home province: enterprises elsewhere go to the 省外 bucket.

    Returns
    -------
    RegionContext

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> ctx = region_context(chain, template="nev", level="city")
    >>> ctx.regions.labels
    ['湛川市', '潮岭市', '澄岚市', '韶峰市', '境外', '省外']
    """
    chain = as_chain(G)
    template = as_template(template)
    regions = region_index(chain, level=level, home=home)
    raw = chain.column(SEGMENT, default=None).astype(object)
    codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    if template is not None:
        segments = template.segment_ids
        pos = {s: i for i, s in enumerate(segments)}
        table = np.array([pos.get(template.resolve(str(u)) or str(u), -1)
                          for u in uniques] + [-1], dtype=np.int64)
    else:
        labels = [str(u) for u in uniques if isinstance(u, str) and u.strip()]
        segments = sorted(set(labels))
        pos = {s: i for i, s in enumerate(segments)}
        table = np.array([pos.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    seg_codes = table[codes]
    n_r, n_s = len(regions.labels), len(segments)
    ok = seg_codes >= 0
    counts = np.bincount(regions.codes[ok] * n_s + seg_codes[ok],
                         minlength=n_r * n_s).reshape(n_r, n_s) if n_s else np.zeros(
        (n_r, 0), dtype=np.int64)
    return RegionContext(chain, template, regions, segments, seg_codes, counts,
                         chain.column(OUTPUT).astype(np.float64),
                         chain.link_weights(VOLUME))


def as_region_context(G: Any, template: Any = None, level: Any = None,
                      home: Any = None) -> RegionContext:
    """``G`` itself when it is a :class:`RegionContext`, else :func:`region_context`."""
    if isinstance(G, RegionContext):
        return G
    return region_context(G, template=template, level=level, home=home)


# --- per-region diagnosis -------------------------------------------------------------
def region_single_points(G: Chain | Any, /, *, level: str | int | None = None,
                         home: str | None = None) -> dict[str, list[Any]]:
    """Single points of failure of each region's own chain, from one dominator tree.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    level, home : optional
        Region level and home province (see :func:`find_regions`).

    Returns
    -------
    dict
        Region label -> enterprise ids (chain order) whose loss cuts one of the
        region's local final producers off from every local source; buckets and
        regions without any are left out.

    Notes
    -----
    A region's own chain is its enterprises and the links among them; sources and
    final producers are those of that sub-chain (no local supplier / no local
    buyer). The answer equals
    :func:`~chaingraph.find_single_points_of_failure` on each region's sub-chain,
    from ONE dominator tree over the local links of all regions. O(n + m).

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> spof = region_single_points(chain, level="city")
    >>> sorted(spof), len(spof["澄岚市"])
    (['湛川市', '潮岭市', '澄岚市', '韶峰市'], 15)
    """
    ctx = as_region_context(G, None, level, home)
    codes, regions = _local_single_points(ctx)
    ids = ctx.chain.ids
    out: dict[str, list[Any]] = {}
    for c, r in zip(codes.tolist(), regions.tolist(), strict=True):
        out.setdefault(ctx.regions.labels[r], []).append(ids[c])
    return out


def _local_single_points(ctx: RegionContext) -> tuple[np.ndarray, np.ndarray]:
    """(enterprise codes, region codes) of the single points of failure of each
    region's own chain, from ONE dominator tree over all regions' local links."""
    chain, codes = ctx.chain, ctx.regions.codes
    n = chain.n_enterprises
    src, dst = chain.link_codes
    ranked = ctx.regions.ranked[codes] if n else np.zeros(0, dtype=bool)
    local = (codes[src] == codes[dst]) & (src != dst) & ranked[src]
    s, d = src[local], dst[local]
    indeg = np.bincount(d, minlength=n)
    outdeg = np.bincount(s, minlength=n)
    sources = np.flatnonzero((indeg == 0) & (outdeg > 0))
    finals = np.flatnonzero((outdeg == 0) & (indeg > 0))
    # CSR with a super-source n joined to every local source
    order = np.argsort(s, kind="stable")
    indices = np.concatenate((d[order], sources)).astype(np.int64)
    counts = np.concatenate((np.bincount(s, minlength=n), [len(sources)]))
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    idom = immediate_dominators(indptr, indices, n)
    found: list[np.ndarray] = []
    current = idom[finals]
    while len(current):
        current = current[(current >= 0) & (current != n)]
        found.append(current)
        current = idom[current]
    spof = np.unique(np.concatenate([*found, np.empty(0, dtype=np.int64)]))
    return spof, codes[spof]


def _rungs(ctx: RegionContext, output: np.ndarray) -> list[str | None]:
    scale = UNIT_SCALES.get(str(ctx.chain.meta.get("unit", "yuan")).strip().lower())
    if scale is None:
        return [None] * len(output)
    order = np.argsort(-np.asarray(DEFAULT_THRESHOLDS))
    thresholds = np.asarray(DEFAULT_THRESHOLDS)[order]
    names = [DEFAULT_LABELS[i] for i in order]
    out = []
    for value in output * scale:
        reached = [nm for t, nm in zip(thresholds, names, strict=True) if value >= t]
        out.append(reached[0] if reached else f"below {names[-1]}")
    return out


def _completeness(ctx: RegionContext) -> tuple[np.ndarray, np.ndarray]:
    """Per region: template links possible (both segments present) and realised."""
    n_r, n_s = ctx.counts.shape
    edges = ctx.segment_edges() if ctx.template is not None else []
    if not edges or not n_s:
        return np.zeros(n_r), np.zeros(n_r)
    present = ctx.present
    a = np.array([e[0] for e in edges])
    b = np.array([e[1] for e in edges])
    possible = present[:, a] & present[:, b]
    src, dst = ctx.chain.link_codes
    codes, seg = ctx.regions.codes, ctx.segment_codes
    local = (codes[src] == codes[dst]) & (seg[src] >= 0) & (seg[dst] >= 0)
    key = np.unique((codes[src[local]] * n_s + seg[src[local]]) * n_s + seg[dst[local]])
    edge_key = a * n_s + b
    realised = np.isin(np.arange(n_r)[:, None] * n_s * n_s + edge_key[None, :], key)
    return possible.sum(axis=1), (possible & realised).sum(axis=1)


def find_regions(G: Chain | Any, /, *, template: TemplateLike = None,
                 level: str | int | None = None, home: str | None = None,
                 top: int | None = None) -> pd.DataFrame:
    """Diagnose every region's chain in one call: one row per region (and bucket).

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain (or a :func:`region_context` already resolved).
    template : SegmentTemplate or str, optional
        Segment template; needed for coverage, completeness and missing segments.
    level : str or int, optional
        Region level: ``"province"``, ``"city"``, ``"district"``, ``"park"`` or a
        path depth (default: the finest level present).
    home : str, optional
        Home province: enterprises elsewhere form the 省外 bucket.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        Columns ``region``, ``kind`` ("region" or a bucket: "abroad", "outside",
        "unknown"), ``level``, ``n_enterprises``, ``output`` (sum, NaN when none
        known), ``n_segments_present``, ``segments_present`` (list of segment ids),
        ``coverage`` (template segments present / all; None without a template),
        ``completeness`` (template links realised by a local link / template links
        with both segments present), ``missing_segments`` (list), ``input_volume``
        (volume bought by the region's enterprises), ``local_supply_volume``
        (of it, from suppliers in the region), ``local_supply_share``,
        ``n_single_points`` and ``single_points`` (single points of failure of the
        region's own chain, at most 10 listed), ``rung`` (echelon: 千亿级 / 百亿级 /
        十亿级 / below), ``score`` and ``explanation``. Regions come first,
        sorted by score; buckets last (score 0: never ranked).

    See Also
    --------
    find_region_flows, find_counterparts, chaingraph.find_segment_coverage,
    chaingraph.find_single_points_of_failure

    Notes
    -----
    ``score`` = coverage (with a template; else the share of the chain's segments
    present), ties broken by output. A region's **own chain** is its enterprises
    and the links among them; its **single points of failure** are the enterprises
    whose loss cuts one of its local final producers off from every local source
    (as :func:`~chaingraph.find_single_points_of_failure` on that sub-chain). All
    regions are done with ONE dominator tree over the local links (regions are
    disjoint pieces of that graph), and the rest with bincounts over enterprises
    and links: O(n + m + regions x segments). Without volumes, volumes are link
    counts.

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> table = find_regions(chain, template="nev", level="city")
    >>> table[["region", "kind", "n_enterprises", "coverage", "rung"]]
      region     kind  n_enterprises  coverage rung
    0    澄岚市   region            213  0.896552  千亿级
    1    潮岭市   region             30  0.655172  百亿级
    2    湛川市   region             19  0.482759  百亿级
    3    韶峰市   region             16  0.413793  百亿级
    4     境外   abroad             43       NaN  千亿级
    5     省外  outside             85       NaN  千亿级
    """
    ctx = as_region_context(G, template, level, home)
    regions, chain = ctx.regions, ctx.chain
    n_r = len(regions.labels)
    codes = regions.codes
    n_ent = np.bincount(codes, minlength=n_r)
    known = ~np.isnan(ctx.output)
    output = np.bincount(codes[known], ctx.output[known], minlength=n_r).astype(float)
    output[np.bincount(codes[known], minlength=n_r) == 0] = np.nan
    src, dst = chain.link_codes
    proper = src != dst
    bought = np.bincount(codes[dst[proper]], ctx.volume[proper], minlength=n_r)
    local = proper & (codes[src] == codes[dst])
    local_volume = np.bincount(codes[dst[local]], ctx.volume[local], minlength=n_r)
    spof, spof_region = _local_single_points(ctx)
    possible, realised = _completeness(ctx)
    present = ctx.present
    n_total = len(ctx.segments)
    rungs = _rungs(ctx, np.nan_to_num(output))
    ids = chain.ids
    rows = []
    for r, label in enumerate(regions.labels):
        is_region = regions.kinds[r] == "region"
        here = [ctx.segments[j] for j in np.flatnonzero(present[r])]
        missing = [ctx.segments[j] for j in np.flatnonzero(~present[r])] if (
            ctx.template is not None and is_region) else []
        mine = spof[spof_region == r]
        coverage = len(here) / n_total if n_total else None
        rows.append({
            "region": label, "kind": regions.kinds[r], "level": regions.level,
            "n_enterprises": int(n_ent[r]), "output": float(output[r]),
            "n_segments_present": len(here), "segments_present": here,
            "coverage": coverage if ctx.template is not None and is_region else None,
            "completeness": (realised[r] / possible[r]) if (
                ctx.template is not None and is_region and possible[r]) else None,
            "missing_segments": missing, "input_volume": float(bought[r]),
            "local_supply_volume": float(local_volume[r]) if is_region else 0.0,
            "local_supply_share": float(local_volume[r] / bought[r]) if (
                is_region and bought[r] > 0) else np.nan,
            "n_single_points": len(mine) if is_region else 0,
            "single_points": ids[mine[:MAX_LISTED]].tolist() if is_region else [],
            "rung": rungs[r],
            "score": (coverage or 0.0) if is_region else 0.0,
            "_tie": float(np.nan_to_num(output[r])),
        })
    frame = pd.DataFrame(rows, columns=[*REGION_COLUMNS[:-1], "_tie"])
    unit = str(chain.meta.get("unit", ""))
    frame["explanation"] = [_region_text(row, unit, ctx) for row in
                            frame.itertuples(index=False)]
    frame["_bucket"] = frame["kind"] != "region"
    frame = frame.sort_values(["_bucket", "score", "_tie"], ascending=[True, False, False],
                              kind="stable").reset_index(drop=True)
    frame = frame[REGION_COLUMNS]
    return frame if top is None else frame.head(max(int(top), 0)).reset_index(drop=True)


def _region_text(row: Any, unit: str, ctx: RegionContext) -> str:
    money = format_amount(row.output, unit)
    if row.kind != "region":
        return (f"{row.region} ({row.kind}, a bucket, not ranked): {row.n_enterprises:,} "
                f"enterprises, output {money}")
    parts = [f"{row.region}: {row.n_enterprises:,} enterprises, output {money}"]
    if ctx.template is not None:
        names = dict(zip(ctx.template.segments["id"], ctx.template.segments["name_zh"],
                         strict=True))
        missing = [str(names.get(s, s)) for s in row.missing_segments]
        shown = "、".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        parts.append(f"{row.n_segments_present} of {len(ctx.segments)} segments "
                     f"({row.coverage:.0%})" + (f", missing {shown}" if missing else ""))
    else:
        parts.append(f"{row.n_segments_present} segments")
    if row.input_volume > 0:
        parts.append(f"{row.local_supply_share:.0%} of its input bought locally")
    parts.append(f"{row.n_single_points} single points of failure in its own chain")
    if row.rung:
        parts.append(f"rung {row.rung}")
    return "; ".join(parts)


# --- counterpart pairing --------------------------------------------------------------
def segment_fit(G: Chain | Any, /, *, template: TemplateLike = None,
                level: str | int | None = None, home: str | None = None,
                fit: Fit = None) -> pd.DataFrame:
    """How well each segment fits each region: share of its neighbour segments present.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    template : SegmentTemplate or str, optional
        Neighbours are template suppliers and buyers of the segment; without a
        template, segments linked to it somewhere in the chain.
    level, home : optional
        Region level and home province.
    fit : DataFrame or callable, optional
        Replace the default: a regions x segments table (aligned to the chain's
        regions and segments, missing cells NaN), or ``fit(segment, present)``
        called with a segment id and the set of segments present in a region.
        This is the hook for other relatedness measures.

    Returns
    -------
    DataFrame
        Regions (index) x segments (columns), values in [0, 1]; NaN for a segment
        with no neighbours.

    Notes
    -----
    A simple, documented relatedness density: fit(r, s) = (number of s's
    neighbour segments present in r) / (number of s's neighbours). It is the
    default ``fit`` of :func:`find_counterparts` and
    :func:`~chaingraph.algorithms.transfer.plan_transfer`; pass your own
    regions x segments table (e.g. a relatedness density from
    input-output data) as ``fit=`` to replace it.

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> fit = segment_fit(chain, template="nev", level="city")
    >>> round(float(fit.loc["澄岚市", "battery_pack"]), 2)
    1.0
    """
    ctx = as_region_context(G, template, level, home)
    if fit is not None:
        return _given_fit(ctx, fit)
    n_s = len(ctx.segments)
    neighbours = np.zeros((n_s, n_s), dtype=bool)
    for a, b in ctx.segment_edges():
        neighbours[a, b] = neighbours[b, a] = True
    degree = neighbours.sum(axis=1)
    present = ctx.present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (present @ neighbours.T.astype(float)) / degree[None, :]
    return pd.DataFrame(values, index=pd.Index(ctx.regions.labels, name="region"),
                        columns=pd.Index(ctx.segments, name="segment"))


def _given_fit(ctx: RegionContext, fit: Any) -> pd.DataFrame:
    labels = pd.Index(ctx.regions.labels, name="region")
    columns = pd.Index(ctx.segments, name="segment")
    if isinstance(fit, pd.DataFrame):
        return fit.reindex(index=labels, columns=columns).astype(float)
    if not callable(fit):
        raise TypeError(f"fit must be a DataFrame or a callable, got {type(fit).__name__}")
    present = ctx.present
    return pd.DataFrame(
        [[float(fit(s, {ctx.segments[j] for j in np.flatnonzero(present[r])}))
          for s in ctx.segments] for r in range(len(labels))],
        index=labels, columns=columns)
