"""Input-output questions: key sectors, hypothetical extraction, the sector chain.

One row per sector (per region and sector for a multi-regional table), spelled the same
in every finder: ``region`` (multi-regional only), ``sector``, ``name``. The formulas and
the conventions chosen are on the how-to page *Input-output tables*.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.iotable import IOTable
from chaingraph.model import (
    BUYER,
    ID,
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    SUPPLIER,
    VOLUME,
    Chain,
    as_chain,
)

__all__ = [
    "KEY_SECTOR_KINDS",
    "LINKAGE_TOLERANCE",
    "complete_links",
    "find_extraction",
    "find_implied_links",
    "find_induced_output",
    "find_key_sectors",
    "sector_chain",
    "sector_indicators",
]

#: ``key_sector`` values: both linkages above 1, backward only, forward only, neither.
KEY_SECTOR_KINDS = ("key", "backward", "forward", "neither")
#: A linkage counts as above average only when it exceeds ``1 + LINKAGE_TOLERANCE``;
#: a linkage of exactly 1 (the average) is not above average.
LINKAGE_TOLERANCE = 1e-9


def _labels(table: IOTable) -> pd.DataFrame:
    """``region`` (multi-regional), ``sector`` and ``name`` columns."""
    idx = table.sectors
    if table.is_multiregional:
        out = pd.DataFrame({"region": idx.get_level_values(0).astype(object),
                            "sector": idx.get_level_values(1).astype(object)})
    else:
        out = pd.DataFrame({"sector": pd.Series(list(idx), dtype=object)})
    names = table.names.to_numpy() if table.names is not None else [None] * len(idx)
    out["name"] = [str(n) if isinstance(n, str) and n else str(s)
                   for n, s in zip(names, out["sector"], strict=True)]
    return out


def _kind(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    b, f = backward > 1 + LINKAGE_TOLERANCE, forward > 1 + LINKAGE_TOLERANCE
    return np.select([b & f, b, f], list(KEY_SECTOR_KINDS[:3]), KEY_SECTOR_KINDS[3])


def sector_indicators(table: IOTable, /, *, forward: str = "ghosh",
                      open_economy: bool = True) -> pd.DataFrame:
    """Every per-sector indicator of a table, one row per sector in table order.

    Parameters
    ----------
    table : IOTable
    forward : {"ghosh", "leontief"}, default "ghosh"
        Forward linkage from ``G`` rows (default) or ``L`` rows.
    open_economy : bool, default True
        Open-economy upstreamness when the table has exports/imports columns.

    Returns
    -------
    DataFrame
        ``region`` (multi-regional only), ``sector``, ``name``, ``output``,
        ``output_multiplier``, ``backward_linkage``, ``forward_linkage``,
        ``key_sector`` (one of :data:`KEY_SECTOR_KINDS`), ``upstreamness``,
        ``downstreamness``, ``extraction_backward``, ``extraction_forward`` (output
        lost, table unit) and their ``..._share`` of total output.

    Notes
    -----
    One factorisation of ``I - A`` (and of ``I - B`` for the Ghosh linkage);
    extraction needs the diagonal of ``L`` (blocked solves, O(n^3) dense).

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import sector_indicators
    >>> t = cg.datasets.load_example_io_table()
    >>> sector_indicators(t)[["sector", "key_sector", "upstreamness"]].round(2)
      sector key_sector  upstreamness
    0     农业    neither          2.37
    1    采矿业    forward          3.58
    2    制造业   backward          2.61
    3   电力热力        key          3.07
    4    建筑业   backward          1.05
    5    服务业    neither          1.95
    """
    link = table.linkages(forward=forward)
    ext = table.extraction()
    out = _labels(table)
    multipliers = table.output_multipliers().to_numpy()
    out["output"] = table.x.to_numpy()
    out["output_multiplier"] = multipliers
    out["backward_linkage"] = link["backward_linkage"].to_numpy()
    out["forward_linkage"] = link["forward_linkage"].to_numpy()
    out["key_sector"] = _kind(out["backward_linkage"].to_numpy(),
                              out["forward_linkage"].to_numpy())
    out["upstreamness"] = table.upstreamness(open_economy=open_economy).to_numpy()
    out["downstreamness"] = multipliers
    for col in ext.columns:
        out[col] = ext[col].to_numpy()
    return out


def _finish(out: pd.DataFrame, top: int | None) -> pd.DataFrame:
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def find_key_sectors(table: IOTable, /, *, forward: str = "ghosh", variation: bool = True,
                     top: int | None = None) -> pd.DataFrame:
    """Key sectors: backward and forward linkages above the economy's average.

    Parameters
    ----------
    table : IOTable
    forward : {"ghosh", "leontief"}, default "ghosh"
        Forward linkage from ``G`` (supply-driven) or ``L`` rows (Rasmussen).
    variation : bool, default True
        Add the coefficients of variation ``backward_cv``/``forward_cv`` (O(n^3)).
    top : int, optional
        Keep the ``top`` best rows.

    Returns
    -------
    DataFrame
        One row per sector: ``region`` (multi-regional only), ``sector``, ``name``,
        ``key_sector`` (``key`` both > 1, ``backward`` only, ``forward`` only,
        ``neither``), ``backward_linkage``, ``forward_linkage``, ``backward_cv``,
        ``forward_cv``, ``output_multiplier``, ``output``, ``score`` (the smaller
        of the two linkages, so key sectors rank first) and ``explanation``.

    Notes
    -----
    Backward linkage (power of dispersion) ``n (1^T L)_j / (1^T L 1)``; forward
    linkage (sensitivity of dispersion) ``n (G 1)_i / (1^T G 1)`` (Rasmussen 1956;
    Ghosh-based as recommended by Miller & Blair 2009, sec. 12.2). A linkage of
    exactly 1 is average, not above: see :data:`LINKAGE_TOLERANCE`.

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import find_key_sectors
    >>> t = cg.datasets.load_example_io_table()
    >>> find_key_sectors(t, top=2)[["sector", "key_sector", "score"]].round(3)
      sector key_sector  score
    0   电力热力        key  1.055
    1    采矿业    forward  0.999
    """
    link = table.linkages(forward=forward, variation=variation)
    out = _labels(table)
    b, f = link["backward_linkage"].to_numpy(), link["forward_linkage"].to_numpy()
    out["key_sector"] = _kind(b, f)
    out["backward_linkage"], out["forward_linkage"] = b, f
    out["backward_cv"] = link["backward_cv"].to_numpy() if variation else np.nan
    out["forward_cv"] = link["forward_cv"].to_numpy() if variation else np.nan
    out["output_multiplier"] = table.output_multipliers().to_numpy()
    out["output"] = table.x.to_numpy()
    out["score"] = np.minimum(b, f)
    words = {"key": "key sector (关键部门): pulls and pushes more than average",
             "backward": "backward-oriented: pulls more than average (强后向关联)",
             "forward": "forward-oriented: pushes more than average (强前向关联)",
             "neither": "weakly linked: both linkages at or below average"}
    out["explanation"] = [
        f"{r.name}: backward linkage {r.backward_linkage:.2f}, forward linkage "
        f"{r.forward_linkage:.2f}; {words[r.key_sector]}; a unit of final demand "
        f"raises total output by {r.output_multiplier:.2f}"
        for r in out.itertuples(index=False)]
    return _finish(out, top)


def find_extraction(table: IOTable, /, *, top: int | None = None) -> pd.DataFrame:
    """Hypothetical extraction of every sector: how much output the economy loses.

    Returns
    -------
    DataFrame
        One row per sector: ``region`` (multi-regional only), ``sector``, ``name``,
        ``output``, ``extraction_backward``, ``extraction_forward`` (output lost,
        table unit), ``extraction_backward_share``, ``extraction_forward_share``
        (of total output), ``score`` (the larger share) and ``explanation``.

    Notes
    -----
    Backward: the sector buys no intermediate inputs (its column of ``A`` is 0),
    ``xb = (I - Ab)^-1 y``; forward: it sells no intermediates (its row of ``B``
    is 0), ``xf^T = v^T (I - Bf)^-1``. Loss ``sum(x - xb)``. All sectors at once by
    Sherman-Morrison updates of one factorisation
    (:func:`chaingraph.kernels.leontief.extraction_losses`); Miller & Blair 2009,
    sec. 12.2.

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import find_extraction
    >>> t = cg.datasets.load_example_io_table()
    >>> find_extraction(t, top=1)[["sector", "extraction_backward", "score"]].round(3)
      sector  extraction_backward  score
    0    制造业            19651.486  0.387
    """
    ext = table.extraction()
    out = _labels(table)
    out["output"] = table.x.to_numpy()
    for col in ext.columns:
        out[col] = ext[col].to_numpy()
    out["score"] = np.maximum(out["extraction_backward_share"],
                              out["extraction_forward_share"])
    unit = table.meta.get("unit", "")
    out["explanation"] = [
        f"{r.name}: without its purchases the economy loses {r.extraction_backward:,.0f}"
        f" {unit} of output ({r.extraction_backward_share:.1%}); without its sales "
        f"{r.extraction_forward:,.0f} {unit} ({r.extraction_forward_share:.1%})"
        for r in out.itertuples(index=False)]
    return _finish(out, top)


def find_induced_output(table: IOTable, /, *, top: int | None = None) -> pd.DataFrame:
    """Multi-regional: each region's output and value added induced by each region's demand.

    Returns
    -------
    DataFrame
        One row per (producing ``region``, ``demand_region``): ``output`` (``L y_s``
        summed over the region's sectors), ``value_added`` (value added embodied,
        ``v_hat L y_s``), ``value_added_share`` (of the demand region's total),
        ``in_trade`` (True when the two regions differ: value added in trade),
        ``score`` (= ``value_added``) and ``explanation``.

    Raises
    ------
    ValueError
        For a single-regional table, or final demand without ``(region, category)``
        columns.

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import find_induced_output
    >>> idx = pd.MultiIndex.from_tuples([("北", "a"), ("南", "a")])
    >>> Y = pd.DataFrame([[10.0, 0.0], [0.0, 10.0]], index=idx,
    ...                  columns=pd.MultiIndex.from_tuples([("北", "c"), ("南", "c")]))
    >>> t = cg.IOTable(pd.DataFrame([[0.0, 5.0], [5.0, 0.0]], index=idx, columns=idx), Y)
    >>> find_induced_output(t)[["region", "demand_region", "output"]].round(2)
      region demand_region  output
    0      北             北   11.25
    1      南             南   11.25
    2      北             南    3.75
    3      南             北    3.75
    """
    if not table.is_multiregional or not isinstance(table.final_demand, pd.MultiIndex):
        raise ValueError("find_induced_output needs a multi-regional table with "
                         "(region, category) final-demand columns")
    demand = table.Y.T.groupby(level=0, sort=False).sum().T  # sectors x demand regions
    induced = table.leontief.solve(demand.to_numpy())
    x = table.x.to_numpy()
    vc = np.divide(table.value_added.to_numpy(), x, out=np.zeros_like(x), where=x != 0)
    producing = table.sectors.get_level_values(0)
    rows = []
    for k, dest in enumerate(demand.columns):
        out_by = pd.Series(induced[:, k]).groupby(producing, sort=False).sum()
        va_by = pd.Series(vc * induced[:, k]).groupby(producing, sort=False).sum()
        total = va_by.sum()
        for region in out_by.index:
            rows.append({"region": region, "demand_region": dest,
                         "output": out_by[region], "value_added": va_by[region],
                         "value_added_share": va_by[region] / total if total else 0.0,
                         "in_trade": region != dest})
    out = pd.DataFrame(rows)
    out["score"] = out["value_added"]
    out["explanation"] = [
        f"final demand of {r.demand_region} induces {r.output:,.1f} of output and "
        f"{r.value_added:,.1f} of value added ({r.value_added_share:.1%}) in {r.region}"
        for r in out.itertuples(index=False)]
    return _finish(out, top)


def sector_chain(table: IOTable, /, *, threshold: float = 0.0,
                 self_loops: bool = False) -> Chain:
    """The table as a chain: sectors as enterprises, flows ``Z`` as link volumes.

    Parameters
    ----------
    table : IOTable
    threshold : float, default 0.0
        Keep a flow ``Z[i, j]`` only when its technical coefficient ``A[i, j]`` (share
        of the buyer's output) exceeds this; 0 keeps every positive flow.
    self_loops : bool, default False
        Keep the diagonal (a sector's purchases from itself).

    Returns
    -------
    Chain
        Enterprises: ``id`` (the sector; ``"region|sector"`` for multi-regional),
        ``name``, ``segment`` (the sector), ``region`` (multi-regional), ``output``.
        Links: ``supplier``, ``buyer``, ``volume`` (``Z``), ``coefficient`` (``A``).

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import sector_chain
    >>> chain = sector_chain(cg.datasets.load_example_io_table(), threshold=0.05)
    >>> chain.n_enterprises, chain.n_links
    (6, 13)
    >>> cg.find_leaders(chain, top=1)["enterprise"].tolist()
    ['制造业']
    """
    labels = _labels(table)
    ids = [f"{r}|{s}" for r, s in zip(labels["region"], labels["sector"], strict=True)] \
        if table.is_multiregional else [str(s) for s in labels["sector"]]
    enterprises = pd.DataFrame({ID: ids, NAME: labels["name"],
                                SEGMENT: labels["sector"].astype(str),
                                OUTPUT: table.x.to_numpy()})
    if table.is_multiregional:
        enterprises[REGION] = labels["region"].astype(str).to_numpy()
    Z, A = table.Z.to_numpy(), table.A.to_numpy()
    keep = (Z > 0) & (threshold < A)
    if not self_loops:
        np.fill_diagonal(keep, False)
    i, j = np.nonzero(keep)
    links = pd.DataFrame({SUPPLIER: np.asarray(ids, dtype=object)[i],
                          BUYER: np.asarray(ids, dtype=object)[j],
                          VOLUME: Z[i, j], "coefficient": A[i, j]})
    meta = {k: v for k, v in table.meta.items() if k in ("name", "unit", "year", "source")}
    return Chain.from_frames(enterprises, links, meta=meta,
                             self_loops="keep" if self_loops else "error")


def _segment_sector(table: IOTable, sectors: Mapping[Any, Hashable]) -> dict[Any, int]:
    bad = [s for s in sectors.values() if s not in table.sectors]
    if bad:
        raise ValueError(f"sectors maps to labels not in the table: {bad[:10]}")
    return {seg: table.sectors.get_loc(sec) for seg, sec in sectors.items()}


def find_implied_links(G: Chain | nx.DiGraph, /, *, table: IOTable,
                       sectors: Mapping[Any, Hashable], threshold: float = 0.05,
                       top: int | None = None) -> pd.DataFrame:
    """Links an IO table implies that a firm chain lacks (to complete it).

    For every pair of mapped segments ``s -> t`` (``s != t``) whose sectors ``p, q``
    have a technical coefficient ``A[p, q] >= threshold``, every enterprise of ``t``
    with no supplier in ``s`` gets one implied supplier: the enterprise of ``s``
    with the largest output (ties: first in the table).

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        Firm chain with a ``segment`` column.
    table : IOTable
        The input-output table.
    sectors : dict
        Segment -> sector label of the table (unmapped segments are ignored).
    threshold : float, default 0.05
        Smallest coefficient (share of the buyer sector's output) that implies a link.
    top : int, optional

    Returns
    -------
    DataFrame
        One row per implied link: ``supplier``, ``buyer``, ``supplier_segment``,
        ``buyer_segment``, ``supplier_sector``, ``buyer_sector``, ``coefficient``,
        ``volume`` (coefficient x buyer output; NaN when unknown), ``score``
        (= ``coefficient``) and ``explanation``.

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import find_implied_links
    >>> t = cg.IOTable([[150, 500], [200, 100]], x=[1000, 2000], sectors=["农业", "工业"])
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("f", {"segment": "farm", "output": 10.0}),
    ...                   ("m", {"segment": "mill", "output": 40.0})])
    >>> find_implied_links(G, table=t, sectors={"farm": "农业", "mill": "工业"}
    ...                    )[["supplier", "buyer", "coefficient", "volume"]]
      supplier buyer  coefficient  volume
    0        f     m         0.25    10.0
    1        m     f         0.20     2.0
    """
    chain = as_chain(G)
    where = _segment_sector(table, sectors)
    A = table.A.to_numpy()
    ent = chain.enterprises
    seg = ent[SEGMENT] if SEGMENT in ent.columns else pd.Series([None] * len(ent))
    out_col = pd.to_numeric(ent[OUTPUT], errors="coerce") if OUTPUT in ent.columns else (
        pd.Series(np.nan, index=ent.index))
    links = chain.links
    has = set(zip(links[SUPPLIER].map(dict(zip(ent[ID], seg, strict=True))),
                  links[BUYER], strict=True))
    rows = []
    members = {s: ent.index[(seg == s).to_numpy()] for s in where}
    for s, p in where.items():
        if not len(members[s]):
            continue
        best = out_col.loc[members[s]].fillna(0.0).to_numpy()
        source = ent[ID].iat[members[s][int(np.argmax(best))]]
        for t, q in where.items():
            if s == t or A[p, q] < threshold or A[p, q] <= 0:
                continue
            for b in members[t]:
                buyer = ent[ID].iat[b]
                if (s, buyer) in has or buyer == source:
                    continue
                rows.append({"supplier": source, "buyer": buyer, "supplier_segment": s,
                             "buyer_segment": t, "supplier_sector": table.sectors[p],
                             "buyer_sector": table.sectors[q], "coefficient": A[p, q],
                             "volume": A[p, q] * out_col.iat[b]})
    columns = ["supplier", "buyer", "supplier_segment", "buyer_segment",
               "supplier_sector", "buyer_sector", "coefficient", "volume"]
    out = pd.DataFrame(rows, columns=columns)
    out["score"] = out["coefficient"].astype(float)
    out["explanation"] = [
        f"inferred: sector {r.buyer_sector} buys {r.coefficient:.1%} of its output from "
        f"{r.supplier_sector}, but {r.buyer} has no supplier in segment "
        f"{r.supplier_segment}; {r.supplier} is its largest enterprise"
        for r in out.itertuples(index=False)]
    return _finish(out, top)


def complete_links(G: Chain | nx.DiGraph, /, *, table: IOTable,
                   sectors: Mapping[Any, Hashable], threshold: float = 0.05) -> Chain:
    """A new chain with the links of :func:`find_implied_links` added, marked inferred.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        Firm chain with a ``segment`` column (not changed).
    table : IOTable
        The input-output table.
    sectors : dict
        Segment -> sector label of the table.
    threshold : float, default 0.05
        Smallest technical coefficient that implies a link.

    Returns
    -------
    Chain
        The chain's links plus the implied ones; link column ``inferred`` is True for
        the added links and False for the chain's own.

    Examples
    --------
    >>> from chaingraph.algorithms.input_output import complete_links
    >>> t = cg.IOTable([[150, 500], [200, 100]], x=[1000, 2000], sectors=["农业", "工业"])
    >>> G = nx.DiGraph([("f", "m")])
    >>> nx.set_node_attributes(G, {"f": "farm", "m": "mill"}, "segment")
    >>> done = complete_links(G, table=t, sectors={"farm": "农业", "mill": "工业"})
    >>> done.links[["supplier", "buyer", "inferred"]]
      supplier buyer  inferred
    0        f     m     False
    1        m     f      True
    """
    chain = as_chain(G)
    found = find_implied_links(chain, table=table, sectors=sectors, threshold=threshold)
    own = chain.links.assign(inferred=False)
    added = found[["supplier", "buyer", "volume"]].assign(inferred=True)
    links = pd.concat([own, added], ignore_index=True) if len(added) else own
    return Chain.from_frames(chain.enterprises, links, meta=chain.meta, self_loops="keep")
