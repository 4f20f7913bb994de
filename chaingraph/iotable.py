"""The input-output table type: intermediate flows, final demand, output, inputs.

:class:`IOTable` holds one balanced table, single-regional (sector labels) or
multi-regional (a ``(region, sector)`` MultiIndex), validates it, and answers the
standard questions with the array kernels of :mod:`chaingraph.kernels.leontief`:
coefficients, Leontief and Ghosh inverses, multipliers, linkages, hypothetical
extraction and upstreamness. Readers for published layouts are in
:mod:`chaingraph.readwrite.iotables`; finders (one row per sector, ``score`` and
``explanation``) in :mod:`chaingraph.algorithms.input_output`.

Long module (about 550 lines): the table type with its validation and one method per indicator, each a thin call into :mod:`chaingraph.kernels.leontief`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.kernels import leontief as K

__all__ = ["DEFAULT_BALANCE_TOLERANCE", "IOTable"]

#: Relative tolerance of the balance checks: ``|difference_i| <= tol * max(|x_i|, 1)``.
#: 1e-3 absorbs the rounding of tables published in whole 万元 (a sum of ~150 cells,
#: each rounded by up to 0.5).
DEFAULT_BALANCE_TOLERANCE = 1e-3

_TRADE = {
    "exports": re.compile(r"^(出口|exports?|export of goods.*)$", re.I),
    "imports": re.compile(r"^(进口|减[:：]?进口|imports?|less[:：]? imports?)$", re.I),
    "inventories": re.compile(r"^(存货增加|存货变动|changes? in inventor(y|ies)|"
                              r"inventor(y|ies)( change)?)$", re.I),
}


def _frame(data: Any, index: pd.Index | None, columns: pd.Index | None,
           what: str) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        return data
    if sp.issparse(data):
        data = data.toarray()
    arr = np.asarray(data, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ChainDataError(Problem(f"{what} must be 2-D, got shape {arr.shape}", what))
    rows = index if index is not None and len(index) == arr.shape[0] else None
    cols = columns if columns is not None and len(columns) == arr.shape[1] else None
    return pd.DataFrame(arr, index=rows, columns=cols)


def _numbers(frame: pd.DataFrame, what: str, problems: list[Problem]) -> np.ndarray:
    try:
        arr = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        problems.append(Problem("non-numeric cells: every cell must be a number", what))
        return np.zeros(frame.shape)
    bad = np.argwhere(~np.isfinite(arr))
    for i, j in bad[:10]:
        problems.append(Problem(f"missing or infinite value in column {frame.columns[j]!r}",
                                what, frame.index[i]))
    return np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)


class IOTable:
    """An input-output table: ``Z`` (n x n), final demand ``Y``, gross output ``x``.

    Rows of ``Z`` sell, columns buy: ``Z[i, j]`` is what sector ``i`` supplies to
    sector ``j``, the same direction as a chain's links (supplier -> buyer).

    Parameters
    ----------
    Z : DataFrame, array or scipy sparse matrix, shape (n, n)
        Intermediate flows. A DataFrame's index and columns are the sector labels
        (the same labels; columns are put in the index's order); a 2-level
        ``(region, sector)`` MultiIndex makes a multi-regional table.
    Y : DataFrame, Series or array, shape (n, k), optional
        Final demand by category (consumption, investment, exports, ...; for a
        multi-regional table, columns ``(region, category)``). Default: one column,
        ``x - Z 1``.
    x : Series or array, shape (n,), optional
        Gross output. Default ``Z 1 + Y 1``.
    V : DataFrame or array, shape (p, n), optional
        Primary inputs (value added, imports, taxes ...), one row each.
    satellites : DataFrame or array, shape (q, n), optional
        Satellite accounts (employment, emissions ...), one row each.
    sectors : sequence, optional
        Sector labels for array input (default ``"s0", "s1", ...``).
    names : Mapping or Series, optional
        Sector label -> display name (e.g. codes -> Chinese names).
    trade : dict, optional
        Final-demand columns holding ``exports``, ``imports`` and ``inventories``
        (for the open-economy upstreamness). Default: recognised by name (出口, 进口,
        存货增加, exports, imports, changes in inventories).
    meta : dict, optional
        ``name``, ``unit``, ``year``, ``source`` ...
    tolerance : float, default :data:`DEFAULT_BALANCE_TOLERANCE`
        Balance checks: gross output = intermediate + final use (rows), and, with
        ``V``, = intermediate + primary inputs (columns), within
        ``tolerance * max(|x_i|, 1)``.
    unbalanced : {"error", "warn"}, default "error"
        What an unbalanced table does: raise, or warn (naming the sectors) and go on.

    Raises
    ------
    ChainDataError
        Non-square ``Z``, labels that do not match between blocks, missing or
        non-numeric cells, negative gross output, an unbalanced table.

    Examples
    --------
    Miller & Blair (2009, sec. 2.3), the two-sector example:

    >>> t = cg.IOTable([[150, 500], [200, 100]], x=[1000, 2000],
    ...                sectors=["agriculture", "manufacturing"])
    >>> t.A.round(2)
                   agriculture  manufacturing
    agriculture           0.15           0.25
    manufacturing         0.20           0.05
    >>> t.L.round(3)
                   agriculture  manufacturing
    agriculture          1.254          0.330
    manufacturing        0.264          1.122
    >>> cg.IOTable([[1, 2], [3, 4]], x=[-1, 10])
    Traceback (most recent call last):
    ...
    chaingraph.exceptions.ChainDataError: ...negative gross output...
    """

    def __init__(self, Z: Any, Y: Any = None, x: Any = None, *, V: Any = None,
                 satellites: Any = None, sectors: Any = None,
                 names: Mapping[Hashable, str] | pd.Series | None = None,
                 trade: Mapping[str, Hashable] | None = None,
                 meta: Mapping[str, Any] | None = None,
                 tolerance: float = DEFAULT_BALANCE_TOLERANCE,
                 unbalanced: str = "error") -> None:
        if unbalanced not in ("error", "warn"):
            raise ValueError(f"unbalanced must be 'error' or 'warn', got {unbalanced!r}")
        problems: list[Problem] = []
        labels = None if sectors is None else pd.Index(list(sectors)) if not isinstance(
            sectors, pd.Index) else sectors
        if sp.issparse(Z):
            n0 = Z.shape[0]
            if Z.shape != (n0, n0):
                raise ChainDataError(Problem(f"Z must be square, got shape {Z.shape}", "Z"))
            self._Z: Any = sp.csc_array(Z, dtype=float)
            labels = labels if labels is not None else pd.Index(
                [f"s{i}" for i in range(n0)])
        else:
            Zf = _frame(Z, labels, labels, "Z")
            if Zf.shape[0] != Zf.shape[1]:
                raise ChainDataError(Problem(
                    f"Z must be square (sectors x sectors), got {Zf.shape[0]} rows and "
                    f"{Zf.shape[1]} columns", "Z"))
            if labels is None:
                labels = Zf.index if not isinstance(Zf.index, pd.RangeIndex) else (
                    pd.Index([f"s{i}" for i in range(len(Zf))]))
                if isinstance(Zf.columns, pd.RangeIndex) and not isinstance(
                        Zf.index, pd.RangeIndex):
                    Zf.columns = Zf.index
                elif isinstance(Zf.index, pd.RangeIndex):
                    Zf.index = Zf.columns = labels
            if not labels.is_unique:
                dup = labels[labels.duplicated()].unique().tolist()
                raise ChainDataError(Problem(f"duplicate sector labels {dup[:10]}", "Z"))
            self._check_labels(Zf.columns, labels, "Z columns", problems)
            if not problems:
                Zf = Zf.reindex(columns=labels)
            self._Z = _numbers(Zf, "Z", problems)
        self.sectors: pd.Index = labels
        n = len(labels)
        self.final_demand, self._Y = self._block_rows(Y, "Y", problems)
        self._x = self._vector(x, problems)
        self.primary_inputs, self._V = self._block_cols(V, "V", problems)
        self.satellite_rows, self._S = self._block_cols(satellites, "satellites", problems)
        if problems:
            raise ChainDataError(problems)
        zrow = np.asarray(self._Z.sum(axis=1)).ravel()
        if self._x is None and self._Y is None:
            raise ChainDataError(Problem("give final demand Y or gross output x", "table"))
        if self._Y is None:
            self._Y = (self._x - zrow)[:, None]
            self.final_demand = pd.Index(["final demand"])
        if self._x is None:
            self._x = zrow + self._Y.sum(axis=1)
        neg = np.flatnonzero(self._x < 0)
        if len(neg):
            raise ChainDataError([Problem(f"negative gross output {self._x[i]:g}: gross "
                                          f"output must be >= 0", "x", labels[i])
                                  for i in neg[:20]])
        self.names = pd.Series(names, dtype=object).reindex(labels) if names is not None \
            else None
        self.meta: dict[str, Any] = dict(meta or {})
        self.tolerance = float(tolerance)
        self.trade = self._trade(trade)
        self._check_balance(zrow, unbalanced)
        if n == 0:
            raise ChainDataError(Problem("the table has no sectors", "Z"))

    # --- construction helpers ----------------------------------------------------------
    @staticmethod
    def _check_labels(found: pd.Index, expected: pd.Index, what: str,
                      problems: list[Problem]) -> None:
        if len(found) != len(expected) or set(found) != set(expected):
            extra = [v for v in found if v not in set(expected)][:5]
            lacking = [v for v in expected if v not in set(found)][:5]
            problems.append(Problem(
                f"labels do not match the sectors of Z: unexpected {extra}, missing "
                f"{lacking} ({len(found)} labels, {len(expected)} sectors)", what))

    def _block_rows(self, data: Any, what: str, problems: list[Problem]):
        if data is None:
            return pd.Index([]), None
        frame = _frame(data, self.sectors, None, what)
        if isinstance(frame.index, pd.RangeIndex) and len(frame) == len(self.sectors):
            frame.index = self.sectors
        self._check_labels(frame.index, self.sectors, f"{what} rows", problems)
        if problems:
            return frame.columns, None
        frame = frame.reindex(self.sectors)
        return frame.columns, _numbers(frame, what, problems)

    def _block_cols(self, data: Any, what: str, problems: list[Problem]):
        if data is None:
            return pd.Index([]), np.zeros((0, len(self.sectors)))
        if isinstance(data, pd.Series):
            data = data.to_frame().T
        frame = _frame(data, None, self.sectors, what)
        if isinstance(frame.columns, pd.RangeIndex) and frame.shape[1] == len(self.sectors):
            frame.columns = self.sectors
        self._check_labels(frame.columns, self.sectors, f"{what} columns", problems)
        if problems:
            return frame.index, None
        return frame.index, _numbers(frame.reindex(columns=self.sectors), what, problems)

    def _vector(self, x: Any, problems: list[Problem]) -> np.ndarray | None:
        if x is None:
            return None
        if isinstance(x, pd.DataFrame):
            x = x.iloc[:, 0]
        if isinstance(x, pd.Series) and not isinstance(x.index, pd.RangeIndex):
            self._check_labels(x.index, self.sectors, "x", problems)
            if problems:
                return None
            x = x.reindex(self.sectors)
        arr = np.asarray(x, dtype=float).ravel()
        if len(arr) != len(self.sectors):
            problems.append(Problem(f"x has {len(arr)} values for {len(self.sectors)} "
                                    "sectors", "x"))
            return None
        bad = np.flatnonzero(~np.isfinite(arr))
        problems += [Problem("missing gross output", "x", self.sectors[i]) for i in bad[:10]]
        return arr

    def _trade(self, trade: Mapping[str, Hashable] | None) -> dict[str, Hashable]:
        if trade is not None:
            unknown = set(trade) - set(_TRADE)
            missing = [c for c in trade.values() if c not in self.final_demand]
            if unknown or missing:
                raise ChainDataError(Problem(
                    f"trade must map {sorted(_TRADE)} to final-demand columns; unknown "
                    f"keys {sorted(unknown)}, columns not in Y {missing}", "Y"))
            return dict(trade)
        found: dict[str, Hashable] = {}
        if isinstance(self.final_demand, pd.MultiIndex):
            return found
        for col in self.final_demand:
            for role, pattern in _TRADE.items():
                if role not in found and pattern.match(str(col).strip()):
                    found[role] = col
        return found

    def _check_balance(self, zrow: np.ndarray, unbalanced: str) -> None:
        x, tol = self._x, self.tolerance * np.maximum(np.abs(self._x), 1.0)
        file = str(self.meta.get("source") or "table")
        found = []
        rows = zrow + self._Y.sum(axis=1) - x
        for i in np.flatnonzero(np.abs(rows) > tol):
            found.append(Problem(f"unbalanced row: intermediate + final use = "
                                 f"{x[i] + rows[i]:.6g} but gross output = {x[i]:.6g}",
                                 file, self.sectors[i]))
        if len(self.primary_inputs):
            cols = np.asarray(self._Z.sum(axis=0)).ravel() + self._V.sum(axis=0) - x
            for j in np.flatnonzero(np.abs(cols) > tol):
                found.append(Problem(f"unbalanced column: intermediate + primary inputs = "
                                     f"{x[j] + cols[j]:.6g} but gross output = {x[j]:.6g}",
                                     file, None, str(self.sectors[j])))
        if not found:
            return
        hint = (f" (tolerance {self.tolerance:g} of gross output; pass unbalanced='warn' "
                "to accept the table)")
        if unbalanced == "error":
            raise ChainDataError([Problem(p.message + hint, p.file, p.row, p.column)
                                  for p in found[:50]])
        shown = "; ".join(f"{p.row if p.row is not None else p.column}: {p.message}"
                          for p in found[:10])
        warnings.warn(f"{len(found)} unbalanced sector(s) accepted{hint}: {shown}",
                      ChainDataWarning, stacklevel=3)

    # --- the blocks --------------------------------------------------------------------
    def __repr__(self) -> str:
        kind = f"{len(self.regions)} regions, " if self.is_multiregional else ""
        return f"<IOTable: {kind}{self.n_sectors} sectors, {len(self.final_demand)} " \
               f"final-demand columns>"

    @property
    def n_sectors(self) -> int:
        """Number of sectors (rows of ``Z``; region-sector pairs when multi-regional)."""
        return len(self.sectors)

    @property
    def is_multiregional(self) -> bool:
        """True when the sectors are ``(region, sector)`` pairs."""
        return isinstance(self.sectors, pd.MultiIndex) and self.sectors.nlevels == 2

    @property
    def regions(self) -> pd.Index:
        """The regions, in order (empty for a single-regional table)."""
        if not self.is_multiregional:
            return pd.Index([])
        return self.sectors.get_level_values(0).unique()

    @property
    def Z(self) -> pd.DataFrame:
        """Intermediate flows (dense DataFrame)."""
        Z = self._Z.toarray() if sp.issparse(self._Z) else self._Z
        return pd.DataFrame(Z, index=self.sectors, columns=self.sectors)

    @property
    def Y(self) -> pd.DataFrame:
        """Final demand by category."""
        return pd.DataFrame(self._Y, index=self.sectors, columns=self.final_demand)

    @property
    def x(self) -> pd.Series:
        """Gross output."""
        return pd.Series(self._x, index=self.sectors, name="output")

    @property
    def y(self) -> pd.Series:
        """Total final demand per sector (row sums of ``Y``)."""
        return pd.Series(self._Y.sum(axis=1), index=self.sectors, name="final_demand")

    @property
    def V(self) -> pd.DataFrame:
        """Primary inputs (empty when not given)."""
        return pd.DataFrame(self._V, index=self.primary_inputs, columns=self.sectors)

    @property
    def satellites(self) -> pd.DataFrame:
        """Satellite accounts (empty when not given)."""
        return pd.DataFrame(self._S, index=self.satellite_rows, columns=self.sectors)

    @property
    def value_added(self) -> pd.Series:
        """Primary inputs per sector, ``v = x - Z^T 1`` (balance of the column)."""
        v = self._x - np.asarray(self._Z.sum(axis=0)).ravel()
        return pd.Series(v, index=self.sectors, name="value_added")

    def matrices(self) -> tuple[Any, np.ndarray, np.ndarray]:
        """``(Z, x, y)`` as arrays (``Z`` sparse when the table was given sparse)."""
        return self._Z, self._x, self._Y.sum(axis=1)

    # --- coefficients and inverses -----------------------------------------------------
    def _square(self, M: Any) -> pd.DataFrame:
        M = M.toarray() if sp.issparse(M) else M
        return pd.DataFrame(M, index=self.sectors, columns=self.sectors)

    @property
    def A(self) -> pd.DataFrame:
        """Technical coefficients ``A = Z diag(x)^-1``."""
        return self._square(K.technical_coefficients(self._Z, self._x))

    @property
    def B(self) -> pd.DataFrame:
        """Allocation coefficients ``B = diag(x)^-1 Z``."""
        return self._square(K.allocation_coefficients(self._Z, self._x))

    @property
    def L(self) -> pd.DataFrame:
        """Leontief inverse ``(I - A)^-1`` (dense: n^2 memory)."""
        return self._square(self.leontief.columns(0, self.n_sectors))

    @property
    def G(self) -> pd.DataFrame:
        """Ghosh inverse ``(I - B)^-1`` (dense: n^2 memory)."""
        return self._square(self.ghosh.columns(0, self.n_sectors))

    @cached_property
    def leontief(self) -> K.Factorization:
        """The factorisation of ``I - A`` every Leontief quantity is solved with."""
        return K.Factorization(K.technical_coefficients(self._Z, self._x))

    @cached_property
    def ghosh(self) -> K.Factorization:
        """The factorisation of ``I - B``."""
        return K.Factorization(K.allocation_coefficients(self._Z, self._x))

    # --- questions -------------------------------------------------------------------
    def output_multipliers(self) -> pd.Series:
        """Column sums of ``L``: total output per unit of the sector's final demand."""
        return pd.Series(K.output_multipliers(self.leontief), index=self.sectors,
                         name="output_multiplier")

    def satellite_multipliers(self, *, primary_inputs: bool = False) -> pd.DataFrame:
        """Total (direct + indirect) satellite per unit of final demand, ``s L``.

        ``s`` = the satellite rows (or, with ``primary_inputs``, the primary-input
        rows, giving e.g. value-added multipliers) divided by gross output.
        """
        rows, data = ((self.primary_inputs, self._V) if primary_inputs
                      else (self.satellite_rows, self._S))
        s = data * K._safe_inverse(self._x)[None, :]
        out = K.satellite_multipliers(self.leontief, s) if len(rows) else s
        return pd.DataFrame(out, index=rows, columns=self.sectors)

    def linkages(self, *, forward: str = "ghosh", variation: bool = False) -> pd.DataFrame:
        """Backward and forward linkages (powers / sensitivities of dispersion).

        Parameters
        ----------
        forward : {"ghosh", "leontief"}, default "ghosh"
            Forward linkage from the rows of ``G`` (supply-driven, the default) or
            of ``L`` (Rasmussen's original).
        variation : bool, default False
            Add ``backward_cv`` and ``forward_cv``, coefficients of variation of
            the column of ``L`` and the row of the forward inverse (O(n^3)).

        Returns
        -------
        DataFrame
            Index: sectors; columns ``backward_linkage``, ``forward_linkage`` (and
            the two coefficients of variation).
        """
        if forward not in ("ghosh", "leontief"):
            raise ValueError(f"forward must be 'ghosh' or 'leontief', got {forward!r}")
        fwd = self.ghosh if forward == "ghosh" else self.leontief
        if forward == "ghosh" and (self._x > 0).all():
            # G = diag(x)^-1 L diag(x): G 1 = (L x) / x, no second factorisation
            g = self.leontief.solve(self._x) / self._x
            forward_linkage = g * (len(g) / g.sum())
        else:
            forward_linkage = K.forward_linkage(fwd)
        out = pd.DataFrame({"backward_linkage": K.backward_linkage(self.leontief),
                            "forward_linkage": forward_linkage}, index=self.sectors)
        if variation:
            out["backward_cv"] = K.variation_coefficients(self.leontief, axis=0)
            out["forward_cv"] = K.variation_coefficients(fwd, axis=1)
        return out

    def extraction(self) -> pd.DataFrame:
        """Hypothetical extraction of every sector: output lost, backward and forward.

        Returns
        -------
        DataFrame
            Index: sectors; ``extraction_backward`` and ``extraction_forward``
            (absolute, the table's unit) and the ``..._share`` of total output.
        """
        back, fwd = K.extraction_losses(self._Z, self._x, self._Y.sum(axis=1),
                                        v=self.value_added.to_numpy(),
                                        factorization=self.leontief)
        total = self._x.sum()
        return pd.DataFrame({"extraction_backward": back, "extraction_forward": fwd,
                             "extraction_backward_share": back / total if total else back,
                             "extraction_forward_share": fwd / total if total else fwd},
                            index=self.sectors)

    def extract(self, sector: Hashable, *, kind: str = "backward") -> pd.Series:
        """Gross output after extracting one sector (one direct solve, no update).

        ``kind="backward"`` zeroes the sector's column of ``A`` (it buys nothing
        from the others); ``"forward"`` zeroes its row of ``B`` (it sells nothing).
        """
        if kind not in ("backward", "forward"):
            raise ValueError(f"kind must be 'backward' or 'forward', got {kind!r}")
        if sector not in self.sectors:
            raise KeyError(f"unknown sector {sector!r}")
        j = self.sectors.get_loc(sector)
        if kind == "backward":
            A = np.array(self.A.to_numpy())
            A[:, j] = 0.0
            out = K.Factorization(A).solve(self._Y.sum(axis=1))
        else:
            B = np.array(self.B.to_numpy())
            B[j, :] = 0.0
            out = K.Factorization(B).solve(self.value_added.to_numpy(), transpose=True)
        return pd.Series(out, index=self.sectors, name="output")

    def upstreamness(self, *, open_economy: bool = True) -> pd.Series:
        """Average distance from final use (Antràs et al. 2012), >= 1.

        With ``open_economy`` and recognised ``exports`` / ``imports`` /
        ``inventories`` columns (:attr:`trade`), the open-economy adjustment is
        applied; imports count as positive numbers whatever their sign in ``Y``.
        A :class:`~chaingraph.exceptions.ChainDataError` names each sector where
        ``x - X + M - N <= 0`` (the adjustment is undefined; no silent fallback,
        see :func:`chaingraph.kernels.leontief.upstreamness`).
        """
        kw: dict[str, np.ndarray] = {}
        if open_economy:
            for role, col in self.trade.items():
                values = self.Y[col].to_numpy()
                if role == "imports" and values.sum() < 0:
                    values = -values
                kw[role] = values
        if not kw and (self._x > 0).all():  # U = G 1 = (L x) / x
            values = self.leontief.solve(self._x) / self._x
        else:
            try:
                values = K.upstreamness(self._Z, self._x, labels=self.sectors, **kw)
            except ValueError as error:
                raise ChainDataError(Problem(str(error), "Y")) from None
        return pd.Series(values, index=self.sectors, name="upstreamness")

    def downstreamness(self) -> pd.Series:
        """Column sums of ``L`` (output downstreamness, Miller & Temurshoev 2017)."""
        return self.output_multipliers().rename("downstreamness")
