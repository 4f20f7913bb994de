"""A transfer plan: who moves where, chosen by a mixed-integer program (HiGHS).

See :func:`plan_transfer`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.regions import (
    Fit,
    RegionContext,
    region_context,
    region_single_points,
    segment_fit,
)
from chaingraph.amounts import format_amount
from chaingraph.exceptions import ConvergenceError
from chaingraph.model import Chain, as_chain
from chaingraph.model.lookup import TemplateLike

__all__ = ["DEFAULT_WEIGHTS", "origin_violations", "plan_objective", "plan_transfer"]

#: Objective weights: a destination breakpoint (missing segment) closed, the share
#: of a mover's supply volume internalised in its destination, its fit there, and
#: a cost per move (a move must earn more than this: fit alone never pays for one).
DEFAULT_WEIGHTS = {"breakpoints": 1.0, "supply": 1.0, "fit": 0.5, "move": 0.5}
PLAN_COLUMNS = [
    "enterprise", "name", "segment", "origin", "destination", "destination_region",
    "output", "closes_gap", "internal_share", "fit", "score", "explanation"]


def _candidates(chain: Chain, candidates: Iterable[Any]) -> np.ndarray:
    ids = list(candidates)
    codes = chain.lookup_codes(ids)
    for i, c in zip(ids, codes, strict=True):
        if c < 0:
            raise ValueError(f"candidate {i!r} is not in the chain")
    if len(set(codes.tolist())) != len(codes):
        raise ValueError("candidates: an id is given twice")
    return codes.astype(np.int64)


def _internal_shares(ctx: RegionContext, cand: np.ndarray, regions: np.ndarray
                     ) -> np.ndarray:
    """[candidate, destination]: share of the candidate's link volume that is with
    enterprises already in the destination's region."""
    src, dst = ctx.chain.link_codes
    proper = src != dst
    vol = ctx.volume[proper]
    s, d = src[proper], dst[proper]
    codes = ctx.regions.codes
    out = np.zeros((len(cand), len(regions)))
    for k, c in enumerate(cand.tolist()):
        mine = (s == c) | (d == c)
        total = vol[mine].sum()
        if total <= 0:
            continue
        other = np.where(s[mine] == c, d[mine], s[mine])
        for j, r in enumerate(regions.tolist()):
            out[k, j] = vol[mine][codes[other] == r].sum() / total
    return out


def _allowed(ctx: RegionContext, cand: np.ndarray, places: list[tuple[str, ...]],
             pairs: Mapping[str, Sequence[str]] | None) -> np.ndarray:
    """[candidate, destination]: may it move there (policy pairs, not its own region)?"""
    regions = ctx.regions
    dest_regions = np.array([regions.code(regions.label_of(p)) for p in places])
    own = regions.codes[cand]
    ok = own[:, None] != dest_regions[None, :]
    if pairs is None:
        return ok
    paths = [regions.path_of(c) for c in cand.tolist()]
    for k, path in enumerate(paths):
        names = {*path, regions.labels[own[k]]}
        targets = {t for key, values in pairs.items() if key in names
                   for t in ([values] if isinstance(values, str) else values)}
        for j, place in enumerate(places):
            ok[k, j] &= bool(targets & {*place, regions.label_of(place)})
    return ok


def plan_objective(gaps: np.ndarray, internal: np.ndarray, fit: np.ndarray,
                   assignment: Sequence[int], weights: Mapping[str, float]) -> float:
    """Objective of one assignment (destination index per candidate, -1: stays).

    ``gaps[k, j]``: the destination j's region lacks candidate k's segment (as a
    segment key, ``-1`` when it does not); each (region, segment) gap counts once.
    Used by :func:`plan_transfer` to report, and by tests as the brute-force oracle.
    """
    closed = {int(gaps[k, j]) for k, j in enumerate(assignment) if j >= 0
              and gaps[k, j] >= 0}
    value = weights["breakpoints"] * len(closed)
    for k, j in enumerate(assignment):
        if j >= 0:
            value += (weights["supply"] * internal[k, j] + weights["fit"] * fit[k, j]
                      - weights["move"])
    return float(value)


def origin_violations(ctx: RegionContext, moving: np.ndarray,
                      floor: float | None) -> list[str]:
    """Why moving these enterprise codes out breaks an origin region's own chain.

    Checks every origin region: no enterprise becomes a new single point of
    failure of its own chain; no staying enterprise with local suppliers drops
    below ``min(2, its number of local suppliers)``; and its coverage stays at
    least ``min(floor, coverage before)`` (``floor`` None: no segment is lost).
    Returns one sentence per problem (empty: fine).
    """
    codes = ctx.regions.codes
    problems = []
    n_seg = len(ctx.segments)
    spof = _origin_problems(ctx, moving) if len(moving) else {}
    for r in np.unique(codes[moving]).tolist():
        label = ctx.regions.labels[r]
        members = np.flatnonzero(codes == r)
        staying = np.setdiff1d(members, moving)
        new = spof.get(r, [])
        if new:
            problems.append(f"{label}: new single point of failure {', '.join(new)}")
        for v, need, have in _redundancy(ctx, r, moving):
            problems.append(f"{label}: {ctx.chain.ids[v]} keeps {have} of its local "
                            f"suppliers (needs {need})")
        if ctx.template is not None and n_seg:
            seg = ctx.segment_codes
            cov_before = len(set(seg[members][seg[members] >= 0].tolist())) / n_seg
            cov_after = len(set(seg[staying][seg[staying] >= 0].tolist())) / n_seg
            need = cov_before if floor is None else min(floor, cov_before)
            if cov_after < need - 1e-12:
                problems.append(f"{label}: coverage {cov_before:.0%} -> {cov_after:.0%}"
                                f" (floor {need:.0%})")
    return problems


def _local_suppliers(ctx: RegionContext, r: int) -> dict[int, np.ndarray]:
    """Enterprise code -> its distinct local suppliers (both ends in region r)."""
    src, dst = ctx.chain.link_codes
    codes = ctx.regions.codes
    local = (codes[src] == r) & (codes[dst] == r) & (src != dst)
    frame = pd.DataFrame({"s": src[local], "d": dst[local]}).drop_duplicates()
    return {int(d): g["s"].to_numpy() for d, g in frame.groupby("d")}


def _redundancy(ctx: RegionContext, r: int, moving: np.ndarray
                ) -> list[tuple[int, int, int]]:
    """(enterprise, needed, kept) for staying enterprises of region r that keep
    fewer than min(2, k) of their k local suppliers."""
    gone = set(moving.tolist())
    out = []
    for v, sups in _local_suppliers(ctx, r).items():
        if v in gone:
            continue
        need = min(2, len(sups))
        have = sum(1 for u in sups.tolist() if u not in gone)
        if have < need:
            out.append((v, need, have))
    return out


def _without(ctx: RegionContext, moving: np.ndarray) -> RegionContext:
    """The context with ``moving`` taken out of their regions (into a bucket)."""
    idx = ctx.regions
    codes = idx.codes.copy()
    codes[moving] = len(idx.labels)
    regions = replace(idx, codes=codes, labels=[*idx.labels, " moved"],
                      kinds=[*idx.kinds, "unknown"], paths=[*idx.paths, ()])
    return replace(ctx, regions=regions)


def _coverage_rows(ctx: RegionContext, cand: np.ndarray, floor: float | None
                   ) -> list[tuple[list[int], int, int]]:
    """Per origin: the (candidate positions, n) groups whose full departure loses a
    segment, and how many segments the origin may lose."""
    if ctx.template is None or not len(ctx.segments):
        return []
    codes, seg = ctx.regions.codes, ctx.segment_codes
    n_seg = len(ctx.segments)
    out = []
    for r in np.unique(codes[cand]).tolist():
        present = int((ctx.counts[r] > 0).sum())
        need = present / n_seg if floor is None else min(floor, present / n_seg)
        may_lose = int(np.floor(present - need * n_seg + 1e-9))
        groups = []
        for s in np.unique(seg[cand][codes[cand] == r]).tolist():
            if s < 0:
                continue
            members = [k for k, c in enumerate(cand.tolist())
                       if codes[c] == r and seg[c] == s]
            if len(members) == ctx.counts[r, s]:
                groups.append(members)
        out.append((groups, may_lose, r))
    return out


def _origin_problems(ctx: RegionContext, moving: np.ndarray) -> dict[int, list[str]]:
    """Origin region code -> new single points of failure of its own chain."""
    before = region_single_points(ctx)
    after = region_single_points(_without(ctx, moving))
    out: dict[int, list[str]] = {}
    for r in np.unique(ctx.regions.codes[moving]).tolist():
        label = ctx.regions.labels[r]
        new = sorted(map(str, set(after.get(label, [])) - set(before.get(label, []))))
        if new:
            out[r] = new
    return out


def _solve(c: np.ndarray, rows: list[tuple[dict[int, float], float, float]],
           integrality: np.ndarray) -> tuple[np.ndarray | None, str]:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    n = len(c)
    data, ri, ci, lo, hi = [], [], [], [], []
    for i, (coefs, low, high) in enumerate(rows):
        for j, v in coefs.items():
            ri.append(i)
            ci.append(j)
            data.append(v)
        lo.append(low)
        hi.append(high)
    constraints = [LinearConstraint(coo_array((data, (ri, ci)), shape=(len(rows), n)),
                                    lo, hi)] if rows else []
    res = milp(c, integrality=integrality, bounds=Bounds(0, 1), constraints=constraints)
    if res.x is None:
        return None, str(res.message)
    return res.x, str(res.message)


def plan_transfer(
    G: Chain | Any, /, *, candidates: Iterable[Any], destinations: Mapping[str, float],
    pairs: Mapping[str, Sequence[str]] | None = None,
    template: TemplateLike = None, level: str | int | None = None,
    home: str | None = None, coverage_floor: float | None = None,
    weights: Mapping[str, float] | None = None, fit: Fit = None, max_rounds: int = 200,
) -> pd.DataFrame:
    """Choose which candidate enterprises move to which destination parks.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (never changed).
    candidates : iterable of ids
        Enterprises that may move.
    destinations : dict
        Destination place (park, district or city; name or path) -> the output
        (in the chain's unit) it can host; ``float("inf")`` for no limit.
    pairs : dict, optional
        Policy pairs: origin -> allowed destinations. A key matches any part of a
        candidate's region path (e.g. its district or city), a value any part
        of a destination's path. None: any destination but the candidate's own
        region.
    template : SegmentTemplate or str, optional
        Needed for breakpoints closed (missing segments) and coverage.
    level, home : optional
        Region level of origins and destinations, and home province (see
        :func:`~chaingraph.algorithms.regions.find_regions`).
    coverage_floor : float, optional
        Each origin keeps coverage >= min(floor, its coverage). None: no origin
        loses a segment.
    weights : dict, optional
        Objective weights, keys as in :data:`DEFAULT_WEIGHTS`.
    fit : DataFrame or callable, optional
        Replaces the default fit (see
        :func:`~chaingraph.algorithms.regions.segment_fit`).
    max_rounds : int, default 200
        Cap on solve rounds (each adds cuts for origins that would get a new
        single point of failure).

    Returns
    -------
    DataFrame
        One row per move: ``enterprise``, ``name``, ``segment``, ``origin``,
        ``destination`` (the place), ``destination_region`` (its region at
        ``level``), ``output``, ``closes_gap`` (its segment is missing in the
        destination region), ``internal_share`` (share of its supply volume with
        enterprises already there), ``fit``, ``score`` (its part of the
        objective) and ``explanation``; sorted by score. ``attrs``:
        ``objective``, ``rounds``, ``status`` and ``destinations`` (capacity
        used per destination).

    Raises
    ------
    ValueError
        A candidate or destination not in the chain, or a negative capacity.
    chaingraph.ConvergenceError
        No plan satisfies the origin constraints within ``max_rounds``.

    Notes
    -----
    Maximises ``w_b * (destination gaps closed) + sum over moves of (w_s *
    internal_share + w_f * fit - w_move)``, where a gap is a (destination region,
    template segment) with no enterprise before the plan, counted once however
    many movers fill it. Constraints: each candidate moves at most once and only
    where ``pairs`` allow; each destination hosts at most its capacity of output;
    every origin keeps its coverage floor (linear); no origin's own chain gets a
    new single point of failure (checked after each solve with one dominator
    pass; a violating set of movers is cut off exactly and the program solved
    again). Solved with :func:`scipy.optimize.milp` (HiGHS branch and cut); on
    small cases the result equals an exhaustive search (see the tests).

    Examples
    --------
    >>> from chaingraph.algorithms.transfer_plan import plan_transfer
    >>> chain = cg.datasets.load_example_regions()
    >>> parks = {p["park"]: p["capacity"] for p in chain.meta["parks"]}
    >>> ent = chain.enterprises
    >>> movers = ent.query("district == '明湾示范区' and segment == 'body_chassis'")
    >>> plan = plan_transfer(chain, candidates=movers["id"], destinations=parks,
    ...                      template="nev", level="city")
    >>> sorted(plan["destination"].unique().tolist())
    ['湛川承接产业园', '潮岭产业转移工业园', '韶峰高新区']
    """
    chain = as_chain(G)
    ctx = region_context(chain, template=template, level=level, home=home)
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    cand = _candidates(chain, candidates)
    names = list(destinations)
    places = [ctx.regions.place(d) for d in names]
    caps = np.array([float(destinations[d]) for d in names])
    if (caps < 0).any():
        raise ValueError(f"destination capacity must be >= 0, got {dict(destinations)}")
    dest_regions = np.array([ctx.regions.code(ctx.regions.label_of(p)) for p in places],
                            dtype=np.int64)
    allowed = _allowed(ctx, cand, places, pairs)
    internal = _internal_shares(ctx, cand, dest_regions)
    fit_table = np.nan_to_num(segment_fit(ctx, fit=fit).to_numpy(dtype=float))
    seg = ctx.segment_codes[cand]
    n_s = max(len(ctx.segments), 1)
    fit_kj = np.where(seg[:, None] >= 0, fit_table[dest_regions[None, :],
                                                   np.maximum(seg, 0)[:, None]], 0.0)
    gaps = np.full(allowed.shape, -1, dtype=np.int64)
    if ctx.template is not None:
        missing = ctx.counts[dest_regions[None, :], np.maximum(seg, 0)[:, None]] == 0
        gaps = np.where(missing & (seg[:, None] >= 0),
                        dest_regions[None, :] * n_s + seg[:, None], -1)
    output = np.nan_to_num(ctx.output[cand])
    x_index = {(k, j): i for i, (k, j) in enumerate(zip(*np.nonzero(allowed), strict=True))}
    gap_keys = sorted({int(gaps[k, j]) for (k, j) in x_index if gaps[k, j] >= 0})
    y_index = {g: len(x_index) + i for i, g in enumerate(gap_keys)}
    cover = _coverage_rows(ctx, cand, coverage_floor)
    z_keys = [(o, tuple(g)) for groups, _, o in cover for g in groups]
    z_index = {key: len(x_index) + len(y_index) + i for i, key in enumerate(z_keys)}
    n_var = len(x_index) + len(y_index) + len(z_index)
    c = np.zeros(n_var)
    for (k, j), i in x_index.items():
        c[i] = -(w["supply"] * internal[k, j] + w["fit"] * fit_kj[k, j] - w["move"])
    for i in y_index.values():
        c[i] = -w["breakpoints"]
    rows = _rows(x_index, y_index, z_index, cover, gaps, output, caps, len(cand))
    rows += _redundancy_rows(ctx, cand, x_index)
    integrality = np.zeros(n_var)
    integrality[:len(x_index)] = 1
    for round_ in range(1, max_rounds + 1):  # noqa: B007 (reported after the loop)
        solution, status = _solve(c, rows, integrality)
        if solution is None:
            raise ConvergenceError(f"plan_transfer: no feasible plan ({status})")
        chosen = {k: j for (k, j), i in x_index.items() if solution[i] > 0.5}
        moving = cand[sorted(chosen)]
        problems = _origin_problems(ctx, moving) if len(moving) else {}
        if not problems:
            break
        for r in problems:
            mine = [k for k in range(len(cand)) if ctx.regions.codes[cand[k]] == r]
            moved = [k for k in mine if k in chosen]
            coefs = {i: (1.0 if k in moved else -1.0) for (k, j), i in x_index.items()
                     if k in mine}
            rows.append((coefs, -np.inf, len(moved) - 1))
    else:
        raise ConvergenceError(f"plan_transfer: origin constraints still violated after "
                               f"{max_rounds} rounds; raise max_rounds")
    return _plan_table(ctx, cand, chosen, names, places, dest_regions, gaps, internal,
                       fit_kj, output, caps, w, round_, status)


def _rows(x_index: dict, y_index: dict, z_index: dict, cover: list, gaps: np.ndarray,
          output: np.ndarray, caps: np.ndarray, n_cand: int) -> list:
    rows: list[tuple[dict[int, float], float, float]] = []
    for k in range(n_cand):
        coefs = {i: 1.0 for (kk, _), i in x_index.items() if kk == k}
        if coefs:
            rows.append((coefs, -np.inf, 1.0))
    for j, cap in enumerate(caps.tolist()):
        coefs = {i: float(output[k]) for (k, jj), i in x_index.items() if jj == j}
        if coefs and np.isfinite(cap):
            rows.append((coefs, -np.inf, cap))
    for g, iy in y_index.items():
        coefs = {i: -1.0 for (k, j), i in x_index.items() if gaps[k, j] == g}
        rows.append(({iy: 1.0, **coefs}, -np.inf, 0.0))
    for groups, may_lose, o in cover:
        for g in groups:
            iz = z_index[(o, tuple(g))]
            coefs = {i: 1.0 for (k, _), i in x_index.items() if k in g}
            rows.append(({iz: -1.0, **coefs}, -np.inf, len(g) - 1.0))
        if groups:
            rows.append(({z_index[(o, tuple(g))]: 1.0 for g in groups}, -np.inf,
                         float(may_lose)))
    return rows


def _redundancy_rows(ctx: RegionContext, cand: np.ndarray, x_index: dict) -> list:
    """Linear rows: a staying enterprise keeps min(2, k) of its k local suppliers."""
    position = {int(c): k for k, c in enumerate(cand.tolist())}
    moves: dict[int, list[int]] = {}
    for (k, _), i in x_index.items():
        moves.setdefault(k, []).append(i)
    rows = []
    for r in np.unique(ctx.regions.codes[cand]).tolist():
        for v, sups in _local_suppliers(ctx, r).items():
            movable = [position[u] for u in sups.tolist() if u in position
                       and position[u] in moves]
            slack = len(sups) - min(2, len(sups))
            if len(movable) <= slack:
                continue
            coefs = {i: 1.0 for k in movable for i in moves[k]}
            big = float(len(movable))
            for i in moves.get(position.get(v, -1), []):
                coefs[i] = -big  # no constraint when v moves too
            rows.append((coefs, -np.inf, float(slack)))
    return rows


def _plan_table(ctx: RegionContext, cand: np.ndarray, chosen: dict[int, int],
                names: list[str], places: list, dest_regions: np.ndarray,
                gaps: np.ndarray, internal: np.ndarray, fit_kj: np.ndarray,
                output: np.ndarray, caps: np.ndarray, w: Mapping[str, float],
                rounds: int, status: str) -> pd.DataFrame:
    chain, labels = ctx.chain, ctx.regions.labels
    share_of_gap: dict[int, int] = {}
    for k, j in chosen.items():
        if gaps[k, j] >= 0:
            share_of_gap[int(gaps[k, j])] = share_of_gap.get(int(gaps[k, j]), 0) + 1
    name_col = chain.column("name", default=None)
    rows = []
    for k, j in sorted(chosen.items()):
        c = int(cand[k])
        g = int(gaps[k, j])
        closes = g >= 0
        score = (w["breakpoints"] / share_of_gap[g] if closes else 0.0) + (
            w["supply"] * internal[k, j] + w["fit"] * fit_kj[k, j] - w["move"])
        s = ctx.segment_codes[c]
        rows.append({
            "enterprise": chain.ids[c], "name": name_col[c],
            "segment": ctx.segments[s] if s >= 0 else None,
            "origin": labels[ctx.regions.codes[c]], "destination": names[j],
            "destination_region": labels[dest_regions[j]], "output": float(output[k]),
            "closes_gap": closes, "internal_share": float(internal[k, j]),
            "fit": float(fit_kj[k, j]), "score": float(score)})
    frame = pd.DataFrame(rows, columns=PLAN_COLUMNS[:-1])
    unit = str(chain.meta.get("unit", ""))
    frame["explanation"] = [_plan_text(r, unit) for r in frame.itertuples(index=False)]
    frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(
        drop=True)
    used = frame.groupby("destination")["output"].sum()
    frame.attrs["objective"] = float(frame["score"].sum())
    frame.attrs["rounds"], frame.attrs["status"] = rounds, status
    frame.attrs["destinations"] = pd.DataFrame({
        "destination": names, "capacity": caps,
        "used": [float(used.get(d, 0.0)) for d in names]})
    return frame


def _plan_text(row: Any, unit: str) -> str:
    gain = (f"fills {row.destination_region}'s missing segment {row.segment}"
            if row.closes_gap else f"adds to {row.segment} in {row.destination_region}")
    return (f"{row.enterprise} ({row.name or row.segment}) moves from {row.origin} to "
            f"{row.destination}: {gain}; {row.internal_share:.0%} of its supply volume "
            f"is with enterprises there; fit {row.fit:.0%}; output "
            f"{format_amount(row.output, unit)}")
