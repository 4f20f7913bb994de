"""Counterpart pairing (对口帮扶): which regions could fill a region's gaps.

For each region's missing or weak segments, the other regions that hold enterprises
in them, ranked by their capacity, the links they already have into the region, and
how well the segment fits the region: by default the mean of the share of its template
neighbours present there and the region's relatedness density in it (Hidalgo et al.
2007, from the regions x segments table of the chain at this level).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.regions import (
    Fit,
    RegionContext,
    as_region_context,
    segment_fit,
)
from chaingraph.algorithms.relatedness import relatedness_density
from chaingraph.amounts import format_amount
from chaingraph.model import CAPACITY, Chain
from chaingraph.model.lookup import TemplateLike

__all__ = ["find_counterparts"]

COUNTERPART_COLUMNS = [
    "region", "segment", "gap", "partner_region", "partner_enterprises",
    "partner_capacity", "capacity_share", "existing_volume", "existing_share", "fit",
    "relatedness_density", "policy_pair", "score", "explanation"]


def _density(ctx: RegionContext) -> np.ndarray:
    """Relatedness density per (region, segment) over the real regions (NaN for
    buckets, and everywhere when fewer than two real regions hold enterprises)."""
    ranked = np.flatnonzero(ctx.regions.ranked & (ctx.counts.sum(axis=1) > 0))
    out = np.full(ctx.counts.shape, np.nan)
    if len(ranked) >= 2:
        table = pd.DataFrame(ctx.counts[ranked].astype(float))
        out[ranked] = relatedness_density(table).to_numpy()
    return out


def _default_fit(ctx: RegionContext, density: np.ndarray) -> np.ndarray:
    """Mean of the template-neighbour share and the density (either alone when the
    other is undefined; NaN when both are)."""
    both = np.stack([segment_fit(ctx).to_numpy(dtype=float), density])
    count = np.isfinite(both).sum(axis=0)
    total = np.nansum(both, axis=0)
    return np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0)


def _capacity(ctx: RegionContext) -> tuple[np.ndarray, str]:
    """Capacity per enterprise: ``capacity``, else ``output``, else 1 (and which)."""
    for name, values in (("capacity", ctx.chain.column(CAPACITY)), ("output", ctx.output)):
        values = np.asarray(values, dtype=np.float64)
        if len(values) and not np.isnan(values).all():
            return np.nan_to_num(values), name
    return np.ones(ctx.chain.n_enterprises), "enterprises"


def _policy_pairs(pairs: Mapping[str, Sequence[str]] | None, labels: list[str]
                  ) -> np.ndarray | None:
    """Symmetric allowed-partner matrix over region labels (None: all allowed)."""
    if pairs is None:
        return None
    pos = {label: i for i, label in enumerate(labels)}
    allowed = np.zeros((len(labels), len(labels)), dtype=bool)
    for a, partners in pairs.items():
        if isinstance(partners, str):
            partners = [partners]
        for b in [a, *partners]:
            if b not in pos:
                raise ValueError(f"pairs: region {b!r} is not in the chain at this "
                                 f"level (regions: {', '.join(labels[:12])})")
        for b in partners:
            allowed[pos[a], pos[b]] = allowed[pos[b], pos[a]] = True
    return allowed


def find_counterparts(
    G: Chain | Any, /, *, template: TemplateLike = None,
    level: str | int | None = None, home: str | None = None,
    region: str | Sequence[str] | None = None,
    pairs: Mapping[str, Sequence[str]] | None = None, fit: Fit = None,
    weak: int = 1, per_gap: int | None = 3, top: int | None = None,
) -> pd.DataFrame:
    """For each region's missing or weak segments, rank the regions that could help.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or RegionContext
        The chain.
    template : SegmentTemplate or str, optional
        Segment template: gaps are template segments. Without one, the chain's
        own segment labels.
    level, home : optional
        Region level and home province (see
        :func:`~chaingraph.algorithms.regions.find_regions`).
    region : str or list of str, optional
        Only these regions' gaps (default: every region; buckets never).
    pairs : dict, optional
        Policy pairs, e.g. ``{"广州市": ["清远市", "梅州市"]}``: only paired regions
        are partners (pairs work both ways).
    fit : DataFrame or callable, optional
        Replaces the default fit (see Notes and
        :func:`~chaingraph.algorithms.regions.segment_fit`).
    weak : int, default 1
        A present segment with at most this many enterprises in the region is
        "weak" (0: only missing segments).
    per_gap : int, optional, default 3
        Keep the best ``per_gap`` partners per (region, segment); None: all.
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        One row per (region, segment, partner): ``region``, ``segment``, ``gap``
        ("missing" or "weak"), ``partner_region``, ``partner_enterprises``,
        ``partner_capacity`` (capacity, else output, else enterprise count, of
        the partner's enterprises in the segment), ``capacity_share`` (of all
        eligible partners'), ``existing_volume`` (supply from the partner's
        segment enterprises into the region), ``existing_share`` (of the region's
        purchases from that segment elsewhere), ``fit``,
        ``relatedness_density`` (of the region in the segment, shown whatever
        ``fit``; NaN when undefined), ``policy_pair``, ``score`` and
        ``explanation``; sorted by score, descending.

    See Also
    --------
    chaingraph.algorithms.regions.find_regions

    Notes
    -----
    score = (capacity_share + existing_share + fit) / 3, each in [0, 1] (a NaN
    fit counts 0). The default **fit** of segment ``s`` in the receiving region
    ``r`` is the mean of two relatedness measures, both in [0, 1]: the share of
    ``s``'s template neighbours (suppliers and buyers) present in ``r``
    (:func:`~chaingraph.algorithms.regions.segment_fit`), and ``r``'s relatedness
    density in ``s`` (:func:`chaingraph.relatedness_density` on the real regions'
    enterprise counts at this level, self-term excluded): how much of what ``r``
    has is related to ``s`` by co-location across regions. Either alone when the
    other is undefined (no template neighbours; fewer than two real regions). Partners are real regions only: abroad, outside-the-province
    and unknown buckets are never proposed. O(n + m + regions^2 x segments).

    Examples
    --------
    >>> from chaingraph.algorithms.counterparts import find_counterparts
    >>> chain = cg.datasets.load_example_regions()
    >>> pairs = chain.meta["policy_pairs"]  # 澄岚市 -> the three destination cities
    >>> cp = find_counterparts(chain, template="nev", level="city", region="韶峰市")
    >>> cp.iloc[0][["region", "segment", "partner_region"]].tolist()
    ['韶峰市', 'graphite', '潮岭市']
    >>> paired = find_counterparts(chain, template="nev", level="city", pairs=pairs,
    ...                            region="韶峰市")
    >>> sorted(set(paired["partner_region"]))
    ['澄岚市']
    """
    ctx = as_region_context(G, template, level, home)
    labels, ranked = ctx.regions.labels, ctx.regions.ranked
    n_r, n_s = ctx.counts.shape
    wanted = np.flatnonzero(ranked) if region is None else np.array(
        [ctx.regions.code(r) for r in ([region] if isinstance(region, str) else region)])
    allowed = _policy_pairs(pairs, labels)
    density = _density(ctx)
    fit_values = np.nan_to_num(_default_fit(ctx, density) if fit is None else
                               segment_fit(ctx, fit=fit).to_numpy(dtype=float))
    cap, cap_name = _capacity(ctx)
    codes, seg = ctx.regions.codes, ctx.segment_codes
    ok = seg >= 0
    capacity = np.bincount(codes[ok] * n_s + seg[ok], cap[ok],
                           minlength=n_r * n_s).reshape(n_r, n_s)
    src, dst = ctx.chain.link_codes
    link_ok = (seg[src] >= 0) & (src != dst)
    key = (codes[src[link_ok]] * n_s + seg[src[link_ok]]) * n_r + codes[dst[link_ok]]
    inflow = np.bincount(key, ctx.volume[link_ok], minlength=n_r * n_s * n_r).reshape(
        n_r, n_s, n_r)  # [partner, segment, buyer region]
    rows = []
    for r in wanted.tolist():
        gaps = np.flatnonzero(ctx.counts[r] <= weak)
        for s in gaps.tolist():
            partners = np.flatnonzero(ranked & (ctx.counts[:, s] > 0)
                                      & (np.arange(n_r) != r))
            if allowed is not None:
                partners = partners[allowed[r, partners]]
            if not len(partners):
                continue
            caps = capacity[partners, s]
            vols = inflow[partners, s, r]
            cap_share = caps / caps.sum() if caps.sum() > 0 else np.zeros(len(caps))
            vol_share = vols / vols.sum() if vols.sum() > 0 else np.zeros(len(vols))
            score = (cap_share + vol_share + fit_values[r, s]) / 3
            order = np.argsort(-score, kind="stable")[:per_gap]
            for k in order.tolist():
                p = int(partners[k])
                rows.append({
                    "region": labels[r], "segment": ctx.segments[s],
                    "gap": "missing" if ctx.counts[r, s] == 0 else "weak",
                    "partner_region": labels[p],
                    "partner_enterprises": int(ctx.counts[p, s]),
                    "partner_capacity": float(caps[k]),
                    "capacity_share": float(cap_share[k]),
                    "existing_volume": float(vols[k]),
                    "existing_share": float(vol_share[k]),
                    "fit": float(fit_values[r, s]),
                    "relatedness_density": float(density[r, s]),
                    "policy_pair": allowed is not None, "score": float(score[k])})
    frame = pd.DataFrame(rows, columns=COUNTERPART_COLUMNS[:-1])
    unit = str(ctx.chain.meta.get("unit", ""))
    names = _segment_names(ctx)
    frame["explanation"] = [_text(row, names, cap_name, unit, fit is None)
                            for row in frame.itertuples(index=False)]
    order = np.argsort(-frame["score"].to_numpy(dtype=float), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    return frame if top is None else frame.head(max(int(top), 0)).reset_index(drop=True)


def _segment_names(ctx: RegionContext) -> dict[str, str]:
    if ctx.template is None:
        return {}
    return {str(k): str(v) for k, v in zip(
        ctx.template.segments["id"], ctx.template.segments["name_zh"], strict=True)}


def _text(row: Any, names: dict[str, str], cap_name: str, unit: str,
          default_fit: bool) -> str:
    label = names.get(row.segment, row.segment)
    gap = "has no" if row.gap == "missing" else "has only a few"
    amount = (f"{row.partner_capacity:,.0f} enterprises" if cap_name == "enterprises"
              else f"{cap_name} {format_amount(row.partner_capacity, unit)}")
    linked = (f", already supplies it {format_amount(row.existing_volume, unit)} "
              f"({row.existing_share:.0%} of what it buys of {label} from partners)"
              if row.existing_volume > 0 else ", no existing supply into it")
    density = ("undefined" if not np.isfinite(row.relatedness_density) else
               f"{row.relatedness_density:.2f}")
    fit = (f"fit {row.fit:.0%}: mean of the share of {label}'s template neighbours "
           f"present in {row.region} and {row.region}'s relatedness density in it "
           f"({density})" if default_fit else
           f"fit {row.fit:.0%} (given); relatedness density {density}")
    return (f"{row.region} {gap} {label} enterprises; {row.partner_region} has "
            f"{row.partner_enterprises} ({amount}, {row.capacity_share:.0%} of the "
            f"partners'){linked}; {fit}" + (" (policy pair)" if row.policy_pair else ""))
