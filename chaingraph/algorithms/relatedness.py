"""Relatedness: which segments a region can grow into, from what it already has.

From a region x segment table (enterprise counts or output, or straight from a chain's
``region`` and ``segment`` columns): revealed comparative advantage (location
quotient), presence, the proximity of two segments (Hidalgo et al. 2007) and the
relatedness density of each region and segment. Density feeds the 补链/延链 candidate
score (:func:`chaingraph.find_extension_candidates`, ``relatedness=``; computed from
the chain by :func:`focal_density` in :func:`chaingraph.diagnose`) and the default fit
of counterpart pairing (:func:`chaingraph.algorithms.counterparts.find_counterparts`).

Conventions (stated, since the literature differs):

* presence ``M[r, s] = 1`` when ``RCA[r, s] >= threshold`` (default 1);
* proximity ``phi[p, q] = C[p, q] / max(k_p, k_q)`` with ``C = M^T M`` (regions where
  both are present) and ubiquity ``k = 1^T M``; ``phi[p, p] = 1`` for a present
  segment, 0 for a segment no region has;
* density ``w[r, s] = sum_q M[r, q] phi[q, s] / sum_q phi[q, s]``, with ``q != s``
  by default (Hidalgo et al. 2007; EconGeo) or all ``q`` with ``self_term=True``
  (py-ecomplexity); 0 when the denominator is 0.

Density is always within [0, 1]: every term has ``0 <= M[r, q] <= 1`` and
``phi[q, s] >= 0``, so ``0 <= sum_q M phi <= sum_q phi``. (The implementation that
exceeds 1 for sub-national regions, py-ecomplexity issue #6, normalises by a
different sum.)
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainDataError
from chaingraph.model import OUTPUT, REGION, SEGMENT, Chain, as_chain

__all__ = [
    "find_related_segments",
    "focal_density",
    "presence",
    "proximity",
    "region_segment_table",
    "relatedness_density",
    "revealed_advantage",
]


def region_segment_table(G: Chain | nx.DiGraph, /, *, value: str = "count") -> pd.DataFrame:
    """Regions x segments table of a chain: enterprise counts or output.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        A chain with ``region`` and ``segment`` columns (enterprises with a blank
        region or segment are left out; a chain without either column gives an
        empty table).
    value : {"count", "output"}, default "count"
        Number of enterprises, or the sum of their ``output``.

    Returns
    -------
    DataFrame
        Index: regions; columns: segments; sorted labels; zeros where none.

    Examples
    --------
    >>> table = cg.region_segment_table(cg.load_example())
    >>> int(table.to_numpy().sum()) <= cg.load_example().n_enterprises
    True
    """
    if value not in ("count", "output"):
        raise ValueError(f"value must be 'count' or 'output', got {value!r}")
    chain = as_chain(G)
    ent = chain.enterprises
    blank = pd.Series([None] * len(ent), index=ent.index, dtype=object)
    r = ent[REGION] if REGION in ent.columns else blank
    s = ent[SEGMENT] if SEGMENT in ent.columns else blank
    keep = (r.notna() & s.notna()).to_numpy()
    if not keep.any():
        return pd.DataFrame(index=pd.Index([], name=REGION, dtype=object),
                            columns=pd.Index([], name=SEGMENT, dtype=object), dtype=float)
    v = (pd.to_numeric(ent[OUTPUT], errors="coerce").fillna(0.0).to_numpy(dtype=float)[keep]
         if value == "output" and OUTPUT in ent.columns else None)
    rows, regions = _sorted_codes(r[keep])
    cols, segments = _sorted_codes(s[keep])
    # each (region, segment) summed in row order (plain sums: pandas' grouped sums
    # are compensated, so an output table may differ from a pivot table's in the
    # last bits)
    cells = np.bincount(rows * len(segments) + cols, weights=v,
                        minlength=len(regions) * len(segments))
    return pd.DataFrame(cells.astype(float).reshape(len(regions), len(segments)),
                        index=pd.Index(regions, name=REGION).astype(str),
                        columns=pd.Index(segments, name=SEGMENT).astype(str))


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the labels ``str(value)`` and those labels, sorted.

    A text column (pyarrow text, most of all) is factorised as it is, without a
    Python string per row; any other is turned into text first (``1`` and ``1.0``
    are two labels, as their text is).
    """
    if not isinstance(values.dtype, pd.StringDtype) and not (
            values.dtype == object and pd.api.types.infer_dtype(values) == "string"):
        values = values.astype(str)
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques, dtype=object)


def _values(data: pd.DataFrame) -> np.ndarray:
    arr = data.to_numpy(dtype=float)
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise ValueError("the region x segment table must hold finite values >= 0")
    return arr


def revealed_advantage(data: pd.DataFrame, /) -> pd.DataFrame:
    """Revealed comparative advantage (location quotient) of each region and segment.

    ``RCA[r, s] = (X[r, s] / X[r, :]) / (X[:, s] / X)`` (Balassa 1965); 0 where a
    region or segment total is 0.

    Parameters
    ----------
    data : DataFrame
        Regions x segments, values >= 0 (counts or output).

    Returns
    -------
    DataFrame
        Same shape and labels.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [2.0, 0.0], "b": [2.0, 4.0]}, index=["r1", "r2"])
    >>> cg.revealed_advantage(X)
          a         b
    r1  2.0  0.666667
    r2  0.0  1.333333
    """
    X = _values(data)
    total = X.sum()
    rows, cols = X.sum(axis=1, keepdims=True), X.sum(axis=0, keepdims=True)
    expected = rows * cols / total if total > 0 else np.zeros_like(X)
    rca = np.divide(X, expected, out=np.zeros_like(X), where=expected > 0)
    return pd.DataFrame(rca, index=data.index, columns=data.columns)


def presence(data: pd.DataFrame, /, *, threshold: float = 1.0) -> pd.DataFrame:
    """Binary presence: 1 where ``RCA >= threshold``.

    Parameters
    ----------
    data : DataFrame
        Regions x segments (counts or output).
    threshold : float, default 1.0
        Smallest RCA that counts as present (a positive value with ``threshold=0``
        counts any activity; use a tiny positive threshold for that).

    Returns
    -------
    DataFrame
        0/1 integers, same labels.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [2.0, 0.0], "b": [2.0, 4.0]}, index=["r1", "r2"])
    >>> cg.presence(X)
        a  b
    r1  1  0
    r2  0  1
    """
    rca = revealed_advantage(data).to_numpy()
    M = ((rca >= threshold) & (rca > 0)).astype(np.int64)
    return pd.DataFrame(M, index=data.index, columns=data.columns)


def proximity(M: pd.DataFrame, /) -> pd.DataFrame:
    """Proximity of every two segments, ``phi = C / max(k_p, k_q)`` (Hidalgo et al. 2007).

    Parameters
    ----------
    M : DataFrame
        Regions x segments presence (0/1), e.g. from :func:`presence`.

    Returns
    -------
    DataFrame
        Segments x segments, symmetric, in [0, 1].

    Examples
    --------
    >>> M = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]})
    >>> cg.proximity(M)
         a    b    c
    a  1.0  0.5  0.5
    b  0.5  1.0  0.0
    c  0.5  0.0  1.0
    """
    P = _values(M)
    C = P.T @ P
    k = np.diag(C)
    denom = np.maximum(k[:, None], k[None, :])
    phi = np.divide(C, denom, out=np.zeros_like(C), where=denom > 0)
    return pd.DataFrame(phi, index=M.columns, columns=M.columns)


def relatedness_density(data: pd.DataFrame, /, *, threshold: float = 1.0,
                        self_term: bool = False) -> pd.DataFrame:
    """Relatedness density of each region and segment, in [0, 1].

    How much of what is related to segment ``s`` region ``r`` already has:
    ``w[r, s] = sum_q M[r, q] phi[q, s] / sum_q phi[q, s]``.

    Parameters
    ----------
    data : DataFrame
        Regions x segments (counts or output).
    threshold : float, default 1.0
        RCA threshold of presence.
    self_term : bool, default False
        Include ``q = s`` in both sums (py-ecomplexity's convention); by default it
        is excluded (Hidalgo et al. 2007, EconGeo), so a region's own presence in
        ``s`` does not raise its density in ``s``.

    Returns
    -------
    DataFrame
        Regions x segments.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]},
    ...                  index=["r1", "r2", "r3"])
    >>> cg.relatedness_density(X, threshold=1e-9).round(3)
          a    b    c
    r1  0.5  1.0  1.0
    r2  0.5  1.0  1.0
    r3  0.5  0.0  0.0
    """
    M = presence(data, threshold=threshold)
    phi = np.array(proximity(M).to_numpy(), dtype=float)
    if not self_term:
        np.fill_diagonal(phi, 0.0)
    num = M.to_numpy(dtype=float) @ phi
    den = phi.sum(axis=0, keepdims=True)
    w = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return pd.DataFrame(np.clip(w, 0.0, 1.0), index=data.index, columns=data.columns)


def find_related_segments(G: Chain | nx.DiGraph | pd.DataFrame, /, *, region: Any = None,
                          value: str = "count", threshold: float = 1.0,
                          self_term: bool = False, top: int | None = None) -> pd.DataFrame:
    """Segments ranked by relatedness density: what each region can grow into.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or DataFrame
        A chain (its regions and segments, see :func:`region_segment_table`) or a
        regions x segments table.
    region : str or list of str, optional
        Keep these regions (default: all).
    value : {"count", "output"}, default "count"
        What a chain's table counts.
    threshold : float, default 1.0
        RCA threshold of presence.
    self_term : bool, default False
        Density convention (see :func:`relatedness_density`).
    top : int, optional
        Keep the ``top`` best rows.

    Returns
    -------
    DataFrame
        One row per region and segment: ``region``, ``segment``, ``density``,
        ``rca``, ``present`` (bool), ``value``, ``score`` (= ``density``) and
        ``explanation``; sorted by score.

    Examples
    --------
    >>> rows = cg.find_related_segments(cg.load_example(), region="明湾示范区")
    >>> bool(rows["density"].between(0, 1).all())
    True
    """
    data = G if isinstance(G, pd.DataFrame) else region_segment_table(G, value=value)
    rca = revealed_advantage(data)
    density = relatedness_density(data, threshold=threshold, self_term=self_term)
    regions = list(data.index) if region is None else (
        [region] if isinstance(region, str) or not hasattr(region, "__iter__")
        else list(region))
    unknown = [r for r in regions if r not in data.index]
    if unknown:
        raise ValueError(f"unknown region(s) {unknown[:5]}; known: "
                         f"{list(data.index)[:10]}")
    rows = []
    for r in regions:
        for s in data.columns:
            rows.append({"region": r, "segment": s, "density": float(density.at[r, s]),
                         "rca": float(rca.at[r, s]),
                         "present": bool(rca.at[r, s] >= threshold and rca.at[r, s] > 0),
                         "value": float(data.at[r, s])})
    out = pd.DataFrame(rows, columns=["region", "segment", "density", "rca", "present",
                                      "value"])
    out["score"] = out["density"]
    out["explanation"] = [
        f"{r.region}: {r.density:.0%} of what is related to {r.segment} is present "
        f"(relatedness density); {'has' if r.present else 'lacks'} {r.segment} "
        f"(RCA {r.rca:.2f})" for r in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def focal_density(G: Chain | nx.DiGraph, /, *, region: Any, value: str = "count",
                  threshold: float = 1.0, self_term: bool = False) -> pd.Series:
    """Relatedness density of the focal region for every segment, from the chain itself.

    The chain's own regions x segments table (:func:`region_segment_table`), with
    the focal regions merged into one row (a list of regions is one focal area,
    as everywhere else), gives :func:`relatedness_density`; its focal row is
    returned: "how much of what this region has is related to each segment".

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        A chain with ``region`` and ``segment`` columns.
    region : str or list of str
        The focal region (or regions, merged into one).
    value : {"count", "output"}, default "count"
        What the table counts.
    threshold : float, default 1.0
        RCA threshold of presence.
    self_term : bool, default False
        Density convention (see :func:`relatedness_density`).

    Returns
    -------
    Series
        Segment -> density in [0, 1], named ``relatedness_density``.

    Raises
    ------
    ChainDataError
        When density cannot be computed, with the reason: no focal region, no
        enterprise with both a region and a segment, a focal region no such
        enterprise is in, or no other region to compare with (with one region
        every present segment has RCA 1 and proximity carries no information).

    Examples
    --------
    >>> d = cg.focal_density(cg.load_example(), region="明湾示范区")
    >>> bool(d.between(0, 1).all()), d.name
    (True, 'relatedness_density')
    >>> round(float(d["body_chassis"]), 2)
    0.53
    """
    if region is None:
        raise ChainDataError("relatedness density needs a focal region (region=); "
                             "none was given")
    data = region_segment_table(G, value=value)
    if data.empty:
        raise ChainDataError("relatedness density needs enterprises with both a region "
                             "and a segment; the chain has none (fill the region column)")
    regions = [region] if isinstance(region, str) or not hasattr(region, "__iter__") \
        else list(region)
    missing = [r for r in regions if r not in data.index]
    if missing:
        raise ChainDataError(f"relatedness density: no enterprise with a segment is in "
                             f"focal region(s) {missing[:5]}")
    rest = data.drop(index=regions)
    if rest.empty:
        raise ChainDataError(f"relatedness density needs at least one region besides "
                             f"the focal {' + '.join(map(str, regions))} (found only "
                             f"{len(data)} region(s))")
    label = regions[0] if len(regions) == 1 else " + ".join(map(str, regions))
    focal = data.loc[regions].sum(axis=0).to_frame(name=label).T
    table = pd.concat([focal, rest])
    density = relatedness_density(table, threshold=threshold, self_term=self_term)
    out = density.iloc[0].astype(float).rename("relatedness_density")
    out.index.name = SEGMENT
    return out
