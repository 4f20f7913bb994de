"""Orderly industrial transfer (产业有序转移): move enterprises between regions.

:func:`simulate_transfer` moves enterprises (by id, or a share of a segment's
capacity in a region) to a destination region or park and compares every region
before and after; the chain itself is never changed. :func:`plan_transfer`
(:mod:`chaingraph.algorithms.transfer_plan`) chooses who moves where.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.region_levels import RegionIndex
from chaingraph.algorithms.regions import (
    RegionContext,
    find_regions,
    region_context,
    region_single_points,
)
from chaingraph.amounts import format_amount
from chaingraph.model import (
    BUYER,
    CAPACITY,
    ID,
    OUTPUT,
    REGION,
    SUPPLIER,
    VOLUME,
    Chain,
    as_chain,
)
from chaingraph.model.lookup import TemplateLike

__all__ = ["TransferResult", "move_enterprises", "simulate_transfer"]

TRANSFER_COLUMNS = [
    "region", "kind", "output_before", "output_after", "output_change",
    "n_enterprises_before", "n_enterprises_after", "segments_before", "segments_after",
    "segments_gained", "segments_lost", "coverage_before", "coverage_after",
    "local_supply_before", "local_supply_after", "breakpoints_before",
    "breakpoints_after", "breakpoints_closed", "breakpoints_opened", "closed", "opened",
    "rung_before", "rung_after", "changed", "score", "explanation"]
BENEFIT_COLUMNS = [
    "enterprise", "source_enterprise", "origin", "destination", "output", "tax",
    "years", "origin_share", "origin_output", "destination_output", "origin_tax",
    "destination_tax", "explanation"]
SPLIT_SUFFIX = "-moved"


@dataclass(frozen=True)
class TransferResult:
    """Outcome of :func:`simulate_transfer`.

    Attributes
    ----------
    chain : Chain
        The chain after the transfer (a new chain).
    moved : list
        Ids that moved (for a split, the ids of the moving parts).
    regions : DataFrame
        One row per region (and bucket), before and after (see
        :func:`simulate_transfer`).
    benefits : DataFrame
        The benefit-sharing view: one row per moved enterprise or part.
    before, after : DataFrame
        :func:`~chaingraph.algorithms.regions.find_regions` before and after.

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> result = cg.simulate_transfer(chain, move="E0001", to="潮岭市", level="city")
    >>> result.chain.n_enterprises == chain.n_enterprises, result.moved
    (True, ['E0001'])
    """

    chain: Chain
    moved: list[Any]
    regions: pd.DataFrame
    benefits: pd.DataFrame
    before: pd.DataFrame = field(repr=False)
    after: pd.DataFrame = field(repr=False)


def _place_columns(index: RegionIndex, path: tuple[str, ...]) -> dict[str, Any]:
    """Enterprise column values that put an enterprise at ``path``."""
    if index.columns == (REGION,):
        paths = any(len(p) > 1 for p in index.places.values())
        return {REGION: "/".join(path) if paths else path[-1]}
    values: dict[str, Any] = {}
    for k, col in enumerate(index.columns):
        values[col] = path[k] if k < len(path) else np.nan
    return values


def move_enterprises(G: Chain | Any, ids: Iterable[Any], to: str, /, *,
                     level: str | int | None = None, home: str | None = None) -> Chain:
    """A new chain with the given enterprises moved to place ``to`` (links kept).

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (not changed).
    ids : iterable
        Enterprise ids.
    to : str
        A place in the chain: a region at any level (city, district, park), by
        full path or unambiguous name.
    level, home : optional
        How regions are read (see
        :func:`~chaingraph.algorithms.region_levels.region_index`).

    Returns
    -------
    Chain

    Raises
    ------
    ValueError
        An id or a place not in the chain (the message names it).

    Notes
    -----
    The hierarchy columns (or the ``region`` path) are set to the place's path;
    with hierarchy columns, a plain ``region`` column gets the place's name;
    ``lon``/``lat`` become the mean of the enterprises already at the place.

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> after = move_enterprises(chain, ["E0001"], "韶峰高新区")
    >>> after.enterprises.set_index("id").loc["E0001", ["city", "park"]].tolist()
    ['韶峰市', '韶峰高新区']
    """
    chain = as_chain(G)
    ctx = region_context(chain, level=level, home=home)
    return _moved_chain(ctx, _codes(chain, ids), ctx.regions.place(to))


def _codes(chain: Chain, ids: Iterable[Any]) -> np.ndarray:
    ids = list(ids)
    codes = chain.lookup_codes(ids)
    missing = [i for i, c in zip(ids, codes, strict=True) if c < 0]
    if missing:
        raise ValueError(f"enterprise {missing[0]!r} is not in the chain"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    return codes.astype(np.int64)


def _moved_chain(ctx: RegionContext, codes: np.ndarray, path: tuple[str, ...],
                 enterprises: pd.DataFrame | None = None,
                 links: pd.DataFrame | None = None) -> Chain:
    chain = ctx.chain
    ent = chain.enterprises if enterprises is None else enterprises
    values = _place_columns(ctx.regions, path)
    if ctx.regions.columns != (REGION,) and REGION in ent.columns:
        values[REGION] = path[-1]
    for col, value in values.items():
        if col not in ent.columns:
            ent[col] = pd.Series(np.nan, index=ent.index, dtype=object)
        if not (ent[col].dtype == object or pd.api.types.is_string_dtype(ent[col].dtype)):
            ent[col] = ent[col].astype(object)
        ent.iloc[codes, ent.columns.get_loc(col)] = value
    if "lon" in ent.columns and "lat" in ent.columns:
        old = ctx.regions
        at = np.zeros(chain.n_enterprises, dtype=bool)
        for label, p in zip(old.labels, old.paths, strict=True):
            if p[:len(path)] == path and len(p) >= len(path):
                at |= old.mask(label)
        at[codes[codes < len(at)]] = False
        lon = pd.to_numeric(pd.Series(chain.column("lon")[at]), errors="coerce").to_numpy(
            dtype=float)
        lat = pd.to_numeric(pd.Series(chain.column("lat")[at]), errors="coerce").to_numpy(
            dtype=float)
        for col, values in (("lon", lon), ("lat", lat)):
            mean = float(np.nanmean(values)) if np.isfinite(values).any() else np.nan
            if not pd.api.types.is_float_dtype(ent[col].dtype):
                ent[col] = ent[col].astype(object)
            ent.iloc[codes, ent.columns.get_loc(col)] = mean
    return Chain(ent, chain.links if links is None else links, chain.meta)


def _split(chain: Chain, codes: np.ndarray, share: float
           ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, list[Any]]:
    """Split each enterprise into a staying (1 - share) and a moving (share) part.

    Returns the new tables, the codes of the moving parts and their ids.
    """
    ent, links = chain.enterprises, chain.links
    new_ids = [f"{chain.ids[c]}{SPLIT_SUFFIX}" for c in codes]
    clash = [i for i in new_ids if i in chain.index]
    if clash:
        raise ValueError(f"cannot split: id {clash[0]!r} already exists in the chain")
    parts = ent.iloc[codes].copy()
    parts[ID] = pd.Series(new_ids, index=parts.index, dtype=object)
    for col in (OUTPUT, CAPACITY, "tax"):
        if col in ent.columns:
            parts[col] = parts[col] * share
            ent.loc[ent.index[codes], col] = ent[col].iloc[codes] * (1 - share)
    ent = pd.concat([ent.astype({ID: object}), parts], ignore_index=True)
    amounts = [c for c in (VOLUME, CAPACITY) if c in links.columns]
    for old, new in zip(chain.ids[codes].tolist(), new_ids, strict=True):
        touching = (links[SUPPLIER] == old) | (links[BUYER] == old)
        copy = links[touching].copy()
        for col in (SUPPLIER, BUYER):
            copy[col] = copy[col].astype(object).where(copy[col] != old, new)
        for col in amounts:
            copy[col] = copy[col] * share
            links.loc[touching, col] = links.loc[touching, col] * (1 - share)
        links = pd.concat([links.astype({SUPPLIER: object, BUYER: object}), copy],
                          ignore_index=True)
    moving = np.arange(chain.n_enterprises, chain.n_enterprises + len(codes))
    return ent, links, moving, new_ids


def _selection(ctx: RegionContext, move: Any, segment: str | None, origin: str | None,
               share: float | None) -> tuple[np.ndarray, float]:
    """Codes of the enterprises to move, and the share of each that moves."""
    chain = ctx.chain
    if share is None:
        share = 1.0
    if not (isinstance(share, (int, float)) and 0 < float(share) <= 1):
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    if move is not None:
        if segment is not None or origin is not None:
            raise ValueError("give either move=ids or segment= and origin=, not both")
        ids = [move] if isinstance(move, (str, int, np.integer)) else list(move)
        if not ids:
            raise ValueError("move: no enterprise ids given")
        return _codes(chain, ids), float(share)
    if segment is None or origin is None:
        raise ValueError("give move=ids, or segment= and origin= (with share=)")
    r = ctx.regions.code(origin)
    if segment not in ctx.segments:
        raise ValueError(f"segment {segment!r} is not in the chain (segments: "
                         f"{', '.join(ctx.segments[:10])}, ...)")
    s = ctx.segments.index(segment)
    codes = np.flatnonzero((ctx.regions.codes == r) & (ctx.segment_codes == s))
    if not len(codes):
        raise ValueError(f"region {origin!r} has no enterprise in segment {segment!r}")
    return codes, float(share)


def simulate_transfer(
    G: Chain | Any, /, *, to: str, move: Any = None, segment: str | None = None,
    origin: str | None = None, share: float | None = None,
    template: TemplateLike = None, level: str | int | None = None,
    home: str | None = None, years: int = 3, origin_share: float = 0.5,
    tax_rate: float | None = None, systemic_risk: bool = False,
) -> TransferResult:
    """Move enterprises to another region or park and compare every region.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (never changed).
    to : str
        Destination: a place in the chain (region at any level: city, district,
        park), by full path or unambiguous name.
    move : id or list of ids, optional
        Enterprises to move whole (or, with ``share``, that share of each).
    segment, origin : str, optional
        Instead of ids: the enterprises of ``segment`` in region ``origin``.
    share : float in (0, 1], optional
        Share of each selected enterprise's capacity that moves (default 1: the
        whole enterprise). Below 1 each enterprise is split into a staying part
        (same id) and a moving part (id + ``"-moved"``): output, capacity and the
        volume and capacity of every link are split in the same proportion.
    template : SegmentTemplate or str, optional
        For coverage, missing segments and breakpoints.
    level, home : optional
        Region level and home province (see
        :func:`~chaingraph.algorithms.regions.find_regions`).
    years : int, default 3
        Benefit-sharing period.
    origin_share : float, default 0.5
        Share of the moved output and tax counted to the origin during that period
        (the rest to the destination; after it, all to the destination).
    tax_rate : float, optional
        Tax as a share of output, when the enterprise table has no ``tax`` column.
    systemic_risk : bool, default False
        Also compare the largest systemic risk (ESRI, see
        :func:`~chaingraph.systemic_risk`) of each region's enterprises:
        columns ``max_esri_before`` and ``max_esri_after``. Costs one ESRI run per
        state (one when nothing is split: the network is unchanged).

    Returns
    -------
    TransferResult
        ``regions`` has one row per region and bucket: ``region``, ``kind``,
        ``output_before``, ``output_after``, ``output_change``,
        ``n_enterprises_before``/``after``, ``segments_before``/``after``
        (number of segments present), ``segments_gained``, ``segments_lost``
        (lists), ``coverage_before``/``after``, ``local_supply_before``/``after``
        (local supply share), ``breakpoints_before``/``after``,
        ``breakpoints_closed``, ``breakpoints_opened`` (counts), ``closed``,
        ``opened`` (lists), ``rung_before``/``after``, ``changed``, ``score``
        (|output change| / total output) and ``explanation``; changed regions
        first. ``benefits`` has one row per moving enterprise or part.

    Raises
    ------
    ValueError
        A destination, origin, segment or id not in the chain, or a share
        outside (0, 1] (the message names it).

    Notes
    -----
    Links are kept: a moved enterprise keeps its suppliers and buyers, which may
    now be in another region. A region's **breakpoints** are its missing template
    segments (断链) and the single points of failure of its own chain (see
    :func:`~chaingraph.algorithms.regions.region_single_points`); closed = before
    and not after, opened = after and not before. Total output is conserved.
    Both states are diagnosed with :func:`~chaingraph.algorithms.regions.find_regions`
    (one pass each).

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> result = simulate_transfer(chain, move=["E0001"], to="韶峰市",
    ...                            template="nev", level="city")
    >>> result.moved
    ['E0001']
    >>> r = result.regions.set_index("region")
    >>> bool(r.loc["韶峰市", "output_change"] == -r.loc["澄岚市", "output_change"])
    True
    """
    chain = as_chain(G)
    before = region_context(chain, template=template, level=level, home=home)
    path = before.regions.place(to)
    codes, part = _selection(before, move, segment, origin, share)
    if not 0 <= origin_share <= 1:
        raise ValueError(f"origin_share must be in [0, 1], got {origin_share}")
    origins = [before.regions.labels[c] for c in before.regions.codes[codes]]
    if part < 1:
        ent, links, moving, moved = _split(chain, codes, part)
        after_chain = _moved_chain(before, moving, path, ent, links)
    else:
        moved = chain.ids[codes].tolist()
        after_chain = _moved_chain(before, codes, path)
    after = region_context(after_chain, template=before.template, level=level,
                           home=home)
    table = _compare(before, after)
    if systemic_risk:
        table = _with_risk(table, before, after, part < 1)
    benefits = _benefits(after_chain, moved, chain.ids[codes].tolist(), origins,
                         after.regions.label_of(path), years, origin_share, tax_rate)
    return TransferResult(after_chain, moved, table, benefits,
                          find_regions(before), find_regions(after))


def _breakpoints(ctx: RegionContext, table: pd.DataFrame) -> dict[str, set[str]]:
    spof = region_single_points(ctx)
    out = {}
    for row in table.itertuples(index=False):
        out[row.region] = ({f"missing segment {s}" for s in row.missing_segments}
                           | {f"single point {e}" for e in spof.get(row.region, [])})
    return out


def _compare(before: RegionContext, after: RegionContext) -> pd.DataFrame:
    a, b = find_regions(before), find_regions(after)
    bp_a, bp_b = _breakpoints(before, a), _breakpoints(after, b)
    a, b = a.set_index("region"), b.set_index("region")
    total = float(np.nansum(a["output"]))
    rows = []
    for region in list(dict.fromkeys([*a.index, *b.index])):
        x = a.loc[region] if region in a.index else None
        y = b.loc[region] if region in b.index else None
        seg_a = set(x["segments_present"]) if x is not None else set()
        seg_b = set(y["segments_present"]) if y is not None else set()
        pa, pb = bp_a.get(region, set()), bp_b.get(region, set())
        out_a = float(np.nan_to_num(x["output"])) if x is not None else 0.0
        out_b = float(np.nan_to_num(y["output"])) if y is not None else 0.0
        rows.append({
            "region": region, "kind": (x if x is not None else y)["kind"],
            "output_before": out_a, "output_after": out_b,
            "output_change": out_b - out_a,
            "n_enterprises_before": int(x["n_enterprises"]) if x is not None else 0,
            "n_enterprises_after": int(y["n_enterprises"]) if y is not None else 0,
            "segments_before": len(seg_a), "segments_after": len(seg_b),
            "segments_gained": sorted(seg_b - seg_a), "segments_lost": sorted(seg_a - seg_b),
            "coverage_before": x["coverage"] if x is not None else None,
            "coverage_after": y["coverage"] if y is not None else None,
            "local_supply_before": x["local_supply_share"] if x is not None else np.nan,
            "local_supply_after": y["local_supply_share"] if y is not None else np.nan,
            "breakpoints_before": len(pa), "breakpoints_after": len(pb),
            "breakpoints_closed": len(pa - pb), "breakpoints_opened": len(pb - pa),
            "closed": sorted(pa - pb), "opened": sorted(pb - pa),
            "rung_before": x["rung"] if x is not None else None,
            "rung_after": y["rung"] if y is not None else None})
    frame = pd.DataFrame(rows)
    frame["changed"] = ((frame["output_change"] != 0)
                        | (frame["n_enterprises_before"] != frame["n_enterprises_after"])
                        | (frame["breakpoints_closed"] + frame["breakpoints_opened"] > 0))
    frame["score"] = frame["output_change"].abs() / total if total > 0 else 0.0
    frame["explanation"] = [_change_text(r) for r in frame.itertuples(index=False)]
    frame = frame.sort_values(["changed", "score"], ascending=[False, False],
                              kind="stable").reset_index(drop=True)
    return frame[TRANSFER_COLUMNS]


def _change_text(row: Any) -> str:
    if not row.changed:
        return f"{row.region}: unchanged"
    parts = [f"{row.region}: output {format_amount(row.output_before)} -> "
             f"{format_amount(row.output_after)}"]
    if row.segments_gained:
        parts.append(f"gains segments {', '.join(row.segments_gained)}")
    if row.segments_lost:
        parts.append(f"loses segments {', '.join(row.segments_lost)}")
    parts.append(f"{row.breakpoints_closed} breakpoints closed, "
                 f"{row.breakpoints_opened} opened")
    if row.rung_before != row.rung_after:
        parts.append(f"rung {row.rung_before} -> {row.rung_after}")
    return "; ".join(parts)


def _benefits(chain: Chain, moved: list[Any], sources: list[Any], origins: list[str],
              destination: str, years: int, origin_share: float,
              tax_rate: float | None) -> pd.DataFrame:
    codes = chain.codes_of(moved)
    output = np.nan_to_num(chain.column(OUTPUT)[codes])
    tax_column = chain.column("tax")
    tax = tax_column[codes] if not np.isnan(tax_column).all() else (
        output * tax_rate if tax_rate is not None else np.full(len(codes), np.nan))
    frame = pd.DataFrame({
        "enterprise": pd.Series(moved, dtype=object),
        "source_enterprise": pd.Series(sources, dtype=object),
        "origin": origins, "destination": destination, "output": output,
        "tax": tax, "years": int(years), "origin_share": float(origin_share)})
    frame["origin_output"] = frame["output"] * origin_share
    frame["destination_output"] = frame["output"] * (1 - origin_share)
    frame["origin_tax"] = frame["tax"] * origin_share
    frame["destination_tax"] = frame["tax"] * (1 - origin_share)
    frame["explanation"] = [
        f"{e} moves from {o} to {d}: for {years} years {origin_share:.0%} of its output "
        f"{format_amount(v)}" + (f" and tax {format_amount(t)}" if t == t else "")
        + f" count to {o}, {1 - origin_share:.0%} to {d}; afterwards all to {d}"
        for e, o, d, v, t in zip(frame["enterprise"], frame["origin"],
                                 frame["destination"], frame["output"], frame["tax"],
                                 strict=True)]
    return frame[BENEFIT_COLUMNS]


def _with_risk(table: pd.DataFrame, before: RegionContext, after: RegionContext,
               changed_network: bool) -> pd.DataFrame:
    """Add the largest ESRI of each region's enterprises, before and after."""
    from chaingraph.algorithms.systemic_risk import systemic_risk as esri

    def largest(ctx: RegionContext, values: pd.Series) -> dict[str, float]:
        risk = values.reindex(pd.Index(ctx.chain.ids, dtype=object)).to_numpy(dtype=float)
        out: dict[str, float] = {}
        for r, label in enumerate(ctx.regions.labels):
            mine = risk[ctx.regions.codes == r]
            out[label] = float(np.nanmax(mine)) if np.isfinite(mine).any() else np.nan
        return out

    sector = "segment" if pd.notna(before.chain.column("segment", default=None)).any() \
        else None
    first = esri(before.chain, template=before.template, sector=sector).set_index(
        "enterprise")["esri"]
    second = esri(after.chain, template=after.template, sector=sector).set_index(
        "enterprise")["esri"] if changed_network else first
    table = table.copy()
    table["max_esri_before"] = table["region"].map(largest(before, first))
    table["max_esri_after"] = table["region"].map(largest(after, second))
    return table
