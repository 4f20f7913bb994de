"""Shock propagation through a supply network (generalized Leontief production).

The model is that of Diem, Borsos, Reisch, Kertész & Thurner (2022): every enterprise
produces with a generalized Leontief production function over its inputs grouped by
the *sector* (here: segment) that supplies them. An essentiality table says, for each
pair (supplier sector, buyer sector), whether the input is essential (2: production
falls with the worst-hit essential input, Leontief), non-essential (1: production
falls linearly with the lost share of all inputs) or irrelevant (0). A shock removes
production; the loss travels downstream (buyers lose supply) and upstream
(suppliers lose demand) until the stopping rule of the published method holds.

Sectors are matched **by label**: the essentiality table is a labelled table
(supplier sector rows, buyer sector columns) and every lookup goes through the labels,
so the order of its rows and columns is irrelevant, extra sectors are ignored and a
missing sector is an error. (The reference R implementation looks the table up by
position in one place and by name in another, so a table in another order silently
gives wrong numbers there; chaingraph cannot make that mistake.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._engines import resolve_method
from chaingraph.exceptions import ChainDataError, Problem
from chaingraph.kernels.cascade import CascadeModel, prepare_cascade, run_cascade
from chaingraph.model import NAME, SEGMENT, VOLUME, Chain, SegmentTemplate
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike, as_template
from chaingraph.model.objects import filled
from chaingraph.model.roles import select

__all__ = ["ShockResult", "essentiality_table", "simulate_shock"]

ESSENTIAL, LINEAR, IRRELEVANT = 2, 1, 0
_KEYWORDS = ("essential", "linear", "template")


def _label(value: Any) -> str | None:
    """Sector label as a string (3, 3.0 and "3" are the same sector); None if blank."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    text = str(value).strip()
    return text or None


def sector_labels(chain: Chain, sector: str | None) -> np.ndarray:
    """One label per enterprise; ChainDataError naming every enterprise without one."""
    if sector is None:
        return filled(chain.n_enterprises, "all")
    if not chain.has_column(sector):
        raise ChainDataError(Problem(
            f"no {sector!r} column: the propagation model groups inputs by sector; "
            "add the column or pass sector=None to treat the chain as one sector",
            "enterprises", None, sector))
    labels = np.array([_label(v) for v in chain.column(sector, default=None)], dtype=object)
    blank = np.flatnonzero(pd.isna(labels))
    if len(blank):
        # named by id: a position in the chain is no row of any file (added outside
        # enterprises, merged tables)
        problems = [Problem(f"enterprise {chain.ids[i]!r} has no {sector}: every "
                            "enterprise needs one (or pass sector=None)",
                            "enterprises", None, sector) for i in blank[:20]]
        if len(blank) > 20:
            problems.append(Problem(f"... and {len(blank) - 20} more enterprises "
                                    f"without {sector}", "enterprises", None, sector))
        raise ChainDataError(problems)
    return labels


def _table_from_input(essentiality: Any) -> pd.DataFrame:
    if isinstance(essentiality, (str, os.PathLike)):
        name = os.path.basename(str(essentiality))
        try:
            frame = pd.read_csv(essentiality, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise ChainDataError(Problem(
                f"essentiality file not found: {essentiality} (pass a CSV path or "
                "'essential', 'linear', 'template')", name)) from None
        except (OSError, ValueError, UnicodeDecodeError) as err:
            raise ChainDataError(Problem(
                f"cannot read the essentiality table ({type(err).__name__}: {err})",
                name)) from None
        return frame.set_index(frame.columns[0])
    if isinstance(essentiality, Mapping):
        return pd.DataFrame.from_dict(
            {k: dict(v) for k, v in essentiality.items()}, orient="index")
    if isinstance(essentiality, pd.DataFrame):
        frame = essentiality
        first = frame.columns[0] if len(frame.columns) else None
        if isinstance(frame.index, pd.RangeIndex) and first is not None and (
                str(first).lower() in ("sector", "supplier", "")
                or str(first).startswith("Unnamed")):
            frame = frame.set_index(first)
        return frame
    raise TypeError("essentiality must be None, 'essential', 'linear', 'template', a "
                    "DataFrame, a dict of dicts or a CSV path, got "
                    f"{type(essentiality).__name__}")


def _from_template(labels: list[str], template: SegmentTemplate) -> pd.DataFrame:
    table = pd.DataFrame(LINEAR, index=labels, columns=labels, dtype=np.int64)
    known = set(labels)
    edges = template.edges
    essential = edges["essential"] if "essential" in edges.columns else \
        pd.Series(True, index=edges.index)
    for sup, buy, ess in zip(edges["supplier"], edges["buyer"], essential, strict=True):
        sup, buy = _label(sup), _label(buy)
        if sup in known and buy in known:
            flag = True if pd.isna(ess) else bool(ess)
            table.loc[sup, buy] = ESSENTIAL if flag else LINEAR
    return table


def essentiality_table(G: Chain | nx.DiGraph, /, *, essentiality: Any = None,
                       template: TemplateLike = None,
                       sector: str | None = SEGMENT) -> pd.DataFrame:
    """The essentiality of each (supplier sector, buyer sector) pair in the chain.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain; its ``sector`` column gives each enterprise's sector.
    essentiality : str, DataFrame, dict, path or None
        ``"essential"`` (every input essential: pure Leontief), ``"linear"`` (every
        input non-essential), ``"template"`` (from ``template``), a labelled table
        (rows supplier sectors, columns buyer sectors, values 2 / 1 / 0), a dict of
        dicts ``{supplier: {buyer: value}}``, or a CSV path in the reference layout
        (first column the supplier sector, other headers the buyer sectors).
        ``None``: ``"template"`` when a template is given, else ``"essential"``.
    template : SegmentTemplate, optional
        For ``"template"``: a template edge marked essential gives 2, a non-essential
        edge 1, and every other pair (same segment, or no template edge) 1 — a
        purchase the data shows is never ignored, but only template edges can stop
        production.
    sector : str or None, default "segment"
        Enterprise column holding the sector; None puts every enterprise in one.

    Returns
    -------
    DataFrame
        Square int table over the sectors present (sorted labels): index supplier
        sector, columns buyer sector.

    Raises
    ------
    ChainDataError
        Enterprises without a sector, sectors missing from a given table, or values
        other than 0, 1, 2.

    Examples
    --------
    >>> from chaingraph.algorithms.propagation import essentiality_table
    >>> G = nx.DiGraph([("a", "b")])
    >>> nx.set_node_attributes(G, {"a": "ore", "b": "cell"}, "segment")
    >>> table = {"ore": {"cell": 2, "ore": 1}, "cell": {"cell": 1, "ore": 0}}
    >>> essentiality_table(G, essentiality=table)
          cell  ore
    cell     1    0
    ore      2    1
    """
    context = resolve(G, template=template)
    chain, template = context.chain, context.template
    labels = sorted(set(sector_labels(chain, sector)))
    if essentiality is None:
        essentiality = "template" if template is not None else "essential"
    if isinstance(essentiality, str) and essentiality in _KEYWORDS:
        if essentiality == "template":
            if template is None:
                raise ValueError("essentiality='template' needs template=...")
            return _from_template(labels, template)
        value = ESSENTIAL if essentiality == "essential" else LINEAR
        return pd.DataFrame(value, index=labels, columns=labels, dtype=np.int64)
    return _check_table(_table_from_input(essentiality), labels)


def _check_table(table: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    table = table.copy()
    table.index = [_label(v) for v in table.index]
    table.columns = [_label(v) for v in table.columns]
    problems = []
    for axis, name in ((table.index, "supplier (row)"), (table.columns, "buyer (column)")):
        missing = [s for s in labels if s not in set(axis)]
        if missing:
            problems.append(Problem(
                f"sector(s) {missing[:10]} of the chain are missing as {name} labels "
                f"of the essentiality table (it has {list(axis)[:10]}); sectors are "
                "matched by label, so add them", "essentiality"))
        if axis.duplicated().any():
            problems.append(Problem(f"duplicate {name} labels in the essentiality table",
                                    "essentiality"))
    if problems:
        raise ChainDataError(problems)
    sub = table.loc[labels, labels]
    values = sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isin(values, (0, 1, 2))
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise ChainDataError([
            Problem(f"essentiality must be 0, 1 or 2, got {sub.iat[r, c]!r}",
                    "essentiality", labels[r], labels[c]) for r, c in zip(rows, cols,
                                                                       strict=True)][:20])
    return pd.DataFrame(values.astype(np.int64), index=labels, columns=labels)


def prepare_propagation(chain: Chain, essentiality: Any, template: SegmentTemplate | None,
             sector: str | None, substitution: bool, weight: str | None = VOLUME
             ) -> CascadeModel:
    """Cascade model of a chain (sector codes follow the sorted labels)."""
    template = as_template(template)
    labels = sector_labels(chain, sector)
    table = essentiality_table(chain, essentiality=essentiality, template=template,
                               sector=sector)
    codes = pd.Index(table.index).get_indexer(labels)
    src, dst = chain.link_codes
    model = prepare_cascade(src, dst, chain.link_weights(weight, missing=0.0), codes,
                            table.to_numpy(), chain.n_enterprises,
                            market=codes if substitution else None)
    return model


def _shock_vector(chain: Chain, shock: Any, template: SegmentTemplate | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(codes, fractions lost) from ids, {id: fraction}, a selector or a Series."""
    if isinstance(shock, pd.Series):
        shock = shock.to_dict()
    if isinstance(shock, Mapping) and set(shock) <= {SEGMENT, "stage", "region"} and shock:
        codes = np.flatnonzero(select(chain, shock, template=as_template(template)))
        if not len(codes):
            raise ValueError(f"the selector {dict(shock)!r} names no enterprise")
        return codes, np.ones(len(codes))
    if isinstance(shock, Mapping):
        codes = chain.codes_of(list(shock))
        sizes = np.array([float(v) for v in shock.values()], dtype=np.float64)
    else:
        ids = [shock] if isinstance(shock, str) or not isinstance(shock, Iterable) \
            else list(shock)
        codes = chain.codes_of(ids)
        sizes = np.ones(len(codes))
    if np.isnan(sizes).any() or (sizes < 0).any() or (sizes > 1).any():
        raise ValueError("shock sizes are fractions of production lost, in [0, 1]")
    if len(np.unique(codes)) != len(codes):
        raise ValueError("an enterprise appears twice in the shock")
    return codes, sizes


@dataclass(frozen=True)
class ShockResult:
    """Outcome of one shock scenario.

    Attributes
    ----------
    enterprises : DataFrame
        One row per enterprise (chain order): ``enterprise``, ``name``, ``sector``,
        ``shock`` (initial loss), ``remaining_downstream`` (hd: production left after
        lost supply), ``remaining_upstream`` (hu: after lost demand), ``remaining``
        (min of both), ``loss`` (1 - remaining), ``output_lost`` (loss x sales).
    esri, esri_downstream, esri_upstream : float
        Output-weighted share of production lost (combined, downstream, upstream).
    output_lost : float
        Total sales lost (in the chain's volume unit).
    iterations : int
        Number of synchronous updates until the stopping rule held.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 4.0}), ("cell", "car", {"volume": 6.0})])
    >>> result = cg.simulate_shock(G, ["ore"], sector=None)  # one sector: all essential
    >>> result.enterprises[["enterprise", "remaining_downstream"]].values.tolist()
    [['ore', 0.0], ['cell', 0.0], ['car', 0.0]]
    >>> round(result.esri_downstream, 3), result.iterations
    (1.0, 3)
    """

    enterprises: pd.DataFrame
    esri: float
    esri_downstream: float
    esri_upstream: float
    output_lost: float
    iterations: int

    def __repr__(self) -> str:
        hit = int((self.enterprises["loss"] > 0).sum())
        return (f"<ShockResult: {100 * self.esri:.2f}% of output lost, {hit} enterprises "
                f"affected, {self.iterations} iterations>")


def simulate_shock(G: Chain | nx.DiGraph, shock: Any, /, *, essentiality: Any = None,
                   template: TemplateLike = None, sector: str | None = SEGMENT,
                   substitution: bool = False, tol: float = 1e-2,
                   scheme: str = "synchronous", max_iter: int = 1000,
                   method: str = "auto") -> ShockResult:
    """Propagate a shock through the chain: who loses how much production.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        Links carry ``volume`` (value sold by supplier to buyer; a chain without a
        volume column weighs every link 1, a link with no volume weighs 0).
    shock : id, list of ids, dict, Series or selector
        Enterprises that fail completely (ids), ``{id: fraction lost}`` for partial
        shocks (``{"宁德新材料": 0.4}`` = 40 % of its production lost), or a selector
        ``{"segment": ...}`` / ``{"region": ...}`` / ``{"stage": ...}`` failing a whole
        segment or region.
    essentiality, template, sector
        The production function; see :func:`essentiality_table`.
    substitution : bool, default False
        Replaceability: the lost output of a failed supplier is scaled by its market
        share in its own sector, ``sigma = min(1, s_out / available sector output)``.
    tol : float, default 1e-2
        Stop when no enterprise's production falls by more than ``tol`` in one
        update (the published method's default, ``eps``; use 1e-9 for the fixed point).
    scheme : {"synchronous", "worklist"}
        ``"synchronous"``: Jacobi updates with the published stopping rule, exactly
        as published. ``"worklist"`` (no substitution): asynchronous updates of
        only the enterprises whose pending input loss exceeds ``tol``, until none
        does: it goes to the fixed point itself (not to the published stopping
        point), so compare it with a synchronous run at a tight ``tol``. It pays
        off on open chains; where lost demand circulates in cycles (closed
        networks) it can be much slower than the synchronous scheme. With
        ``method="scipy"`` the synchronous scheme runs instead.
    max_iter : int, default 1000
        Cap on the number of updates.
    method : {"auto", "numba", "scipy"}
        Engine; both give the same numbers.

    Returns
    -------
    ShockResult
        ``iterations`` counts synchronous updates, or enterprise recomputations
        with ``scheme="worklist"``.

    Raises
    ------
    ChainDataError
        Missing sectors or a bad essentiality table.
    networkx.NodeNotFound
        A shocked enterprise that is not in the chain.
    ConvergenceError
        When ``max_iter`` updates do not meet the stopping rule (with substitution
        and link values below 1, see Notes).

    See Also
    --------
    systemic_risk : the same model, every enterprise failing in turn.

    Notes
    -----
    With ``hd`` (downstream) and ``hu`` (upstream) production levels starting at
    ``psi = 1 - shock``, each update computes, for buyer j in sector l and
    supplier sector k, ``pi[j, k] = 1 - sum_i sigma_i Lambda_d[i, j] (1 - hd_i)``
    and ``hd_j = max(0, min(psi_j, min_{k essential} pi[j, k],
    1 - sum_{k linear} (1 - pi[j, k])))``, with ``Lambda_d`` the share of j's inputs
    from sector k (essential) or of all its inputs (linear); upstream,
    ``hu_i = max(0, min(psi_i, 1 - sum_j Lambda_u[i, j] (1 - hu_j)))`` with
    ``Lambda_u`` the share of i's sales going to j. Weights are sales shares. The two
    cascades do not interact; an enterprise's production is ``min(hd, hu)``.
    Complexity: O(T x links reached) with numba; O(T x links) with scipy.
    With substitution a whole sector failing makes sigma jump (its market size is
    taken as 1): with link values < 1 the iteration can oscillate; keep amounts >= 1.

    References
    ----------
    C. Diem, A. Borsos, T. Reisch, J. Kertész, S. Thurner, "Quantifying firm-level
    economic systemic risk from nation-wide supply networks", Sci. Rep. 12, 7719 (2022).

    Examples
    --------
    >>> from chaingraph.algorithms.propagation import simulate_shock
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("ore", {"segment": "mine"}), ("cell", {"segment": "cell"}),
    ...                   ("car", {"segment": "car"})])
    >>> G.add_edge("ore", "cell", volume=10.0); G.add_edge("cell", "car", volume=20.0)
    >>> result = simulate_shock(G, {"ore": 0.4})
    >>> result.enterprises[["enterprise", "remaining"]].round(2).values.tolist()
    [['ore', 0.6], ['cell', 0.6], ['car', 0.6]]
    >>> round(result.esri, 2)
    0.4
    """
    context = resolve(G, template=template)
    chain, template = context.chain, context.template
    check_scheme(scheme)
    method = resolve_method(method)
    model = prepare_propagation(chain, essentiality, template, sector, substitution)
    codes, sizes = _shock_vector(chain, shock, template)
    hd, hu, T = run_cascade(model, codes, sizes, sizes, substitution=substitution,
                            tol=tol, max_iter=max_iter, method=method, scheme=scheme)
    return _shock_result(chain, model, sector, codes, sizes, hd, hu, T)


def check_scheme(scheme: str) -> None:
    if scheme not in ("synchronous", "worklist"):
        raise ValueError(f"scheme must be 'synchronous' or 'worklist', got {scheme!r}")


def _shock_result(chain: Chain, model: CascadeModel, sector: str | None,
                  codes: np.ndarray, sizes: np.ndarray, hd: np.ndarray, hu: np.ndarray,
                  T: int) -> ShockResult:
    shock = np.zeros(chain.n_enterprises)
    shock[codes] = sizes
    remaining = np.minimum(hd, hu)
    frame = pd.DataFrame({
        "enterprise": pd.Series(chain.ids, dtype=object),
        "name": chain.column(NAME, default=None) if chain.has_column(NAME)
        else pd.Series(chain.ids, dtype=object),
        "sector": sector_labels(chain, sector),
        "shock": shock, "remaining_downstream": hd, "remaining_upstream": hu,
        "remaining": remaining, "loss": 1.0 - remaining,
        "output_lost": (1.0 - remaining) * model.s_out})
    w = model.weights
    return ShockResult(frame, float(w @ (1 - remaining)), float(w @ (1 - hd)),
                       float(w @ (1 - hu)), float(frame["output_lost"].sum()), int(T))

