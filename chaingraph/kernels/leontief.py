"""Leontief and Ghosh input-output maths on plain arrays.

Pure functions of numpy arrays or scipy sparse matrices; they know nothing of chains or
labelled tables (:class:`chaingraph.iotable.IOTable` wraps them). Conventions (Miller &
Blair, *Input-Output Analysis*, 2nd ed., 2009, ch. 2 and 12):

* ``Z[i, j]``: sales of sector ``i`` to sector ``j`` (rows sell, columns buy);
* ``x``: gross output; ``y``: final demand (row sums of the final-demand block);
* ``A = Z diag(x)^-1`` (technical coefficients), ``L = (I - A)^-1`` (Leontief inverse),
  ``B = diag(x)^-1 Z`` (allocation coefficients), ``G = (I - B)^-1`` (Ghosh inverse).
  A sector with zero output has a zero column of ``A`` and a zero row of ``B``.

Nothing here forms a dense inverse unless asked (:func:`leontief_inverse`): every
quantity is a solve with one LU factorisation (:class:`Factorization`: dense LAPACK
below :data:`DENSE_LIMIT` sectors or for dense input, SuperLU otherwise). The
hypothetical extraction of every sector is a rank-one (Sherman-Morrison) update of
that one factorisation; it needs the diagonal of ``L``, obtained by solving in blocks.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = [
    "DENSE_LIMIT",
    "Factorization",
    "allocation_coefficients",
    "backward_linkage",
    "diagonal_of_inverse",
    "extraction_losses",
    "forward_linkage",
    "ghosh_inverse",
    "leontief_inverse",
    "output_multipliers",
    "satellite_multipliers",
    "technical_coefficients",
    "upstreamness",
    "variation_coefficients",
]

#: Tables up to this many sectors are factorised densely (LAPACK) even when sparse.
DENSE_LIMIT = 2000
#: Columns solved at once when a kernel needs many columns of an inverse.
_BLOCK = 512


def _as_matrix(M: Any) -> np.ndarray | sp.csc_array:
    if sp.issparse(M):
        return sp.csc_array(M, dtype=float)
    return np.asarray(M, dtype=float)


def _safe_inverse(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


def technical_coefficients(Z: Any, x: Any) -> Any:
    """Technical coefficients ``A = Z diag(x)^-1`` (columns of zero output are 0).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import technical_coefficients
    >>> technical_coefficients(np.array([[150., 500.], [200., 100.]]), [1000., 2000.])
    array([[0.15, 0.25],
           [0.2 , 0.05]])
    """
    Z, inv = _as_matrix(Z), _safe_inverse(x)
    return sp.csc_array(Z @ sp.diags_array(inv)) if sp.issparse(Z) else Z * inv[None, :]


def allocation_coefficients(Z: Any, x: Any) -> Any:
    """Allocation coefficients ``B = diag(x)^-1 Z`` (rows of zero output are 0).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import allocation_coefficients
    >>> allocation_coefficients(np.array([[150., 500.], [200., 100.]]), [1000., 2000.])
    array([[0.15, 0.5 ],
           [0.1 , 0.05]])
    """
    Z, inv = _as_matrix(Z), _safe_inverse(x)
    return sp.csc_array(sp.diags_array(inv) @ Z) if sp.issparse(Z) else Z * inv[:, None]


class Factorization:
    """One LU factorisation of ``I - M`` (``M`` = ``A`` or ``B``), solved many times.

    Parameters
    ----------
    M : array or sparse matrix, shape (n, n)
        Coefficient matrix.
    method : {"auto", "dense", "sparse"}, default "auto"
        ``auto``: dense LAPACK for dense input or up to :data:`DENSE_LIMIT` sectors,
        SuperLU (``scipy.sparse.linalg.splu``) for larger sparse input.

    Raises
    ------
    ValueError
        When ``I - M`` is singular (a block of sectors that only sells to itself with
        coefficients summing to 1 or more: no finite Leontief inverse).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import Factorization
    >>> f = Factorization(np.array([[0.15, 0.25], [0.2, 0.05]]))
    >>> f.solve(np.array([350.0, 1700.0])).round(6)  # x = L y (Miller & Blair 2.3)
    array([1000., 2000.])
    """

    def __init__(self, M: Any, *, method: str = "auto") -> None:
        if method not in ("auto", "dense", "sparse"):
            raise ValueError(f"method must be 'auto', 'dense' or 'sparse', got {method!r}")
        M = _as_matrix(M)
        n = M.shape[0]
        if M.ndim != 2 or M.shape != (n, n):
            raise ValueError(f"coefficient matrix must be square, got shape {M.shape}")
        self.n = n
        dense = method == "dense" or (method == "auto" and (
            not sp.issparse(M) or n <= DENSE_LIMIT))
        self.dense = dense
        if dense:
            IM = -(M.toarray() if sp.issparse(M) else M)
            IM[np.diag_indices(n)] += 1.0
            with warnings.catch_warnings():  # singularity is reported below
                warnings.simplefilter("ignore", la.LinAlgWarning)
                lu, piv = la.lu_factor(IM, overwrite_a=True, check_finite=True)
            if n and np.min(np.abs(np.diag(lu))) <= 1e-14 * max(1.0, np.abs(lu).max()):
                raise ValueError("I - A is singular: the table has no Leontief inverse")
            self._lu = (lu, piv)
        else:
            IM = sp.csc_array(sp.eye_array(n, format="csc") - M)
            try:
                self._lu = spla.splu(IM)
            except RuntimeError as error:
                raise ValueError("I - A is singular: the table has no Leontief "
                                 f"inverse ({error})") from None

    def solve(self, b: np.ndarray, *, transpose: bool = False) -> np.ndarray:
        """Solve ``(I - M) x = b`` (or ``(I - M)^T x = b`` when ``transpose``)."""
        b = np.asarray(b, dtype=float)
        if self.dense:
            out = la.lu_solve(self._lu, b, trans=1 if transpose else 0)
        else:
            out = self._lu.solve(b, trans="T" if transpose else "N")
        if not np.all(np.isfinite(out)):
            raise ValueError("I - A is singular: the table has no Leontief inverse")
        return out

    def columns(self, start: int, stop: int) -> np.ndarray:
        """Columns ``start:stop`` of the inverse ``(I - M)^-1``."""
        E = np.zeros((self.n, stop - start))
        E[np.arange(start, stop), np.arange(stop - start)] = 1.0
        return self.solve(E)


def leontief_inverse(A: Any) -> np.ndarray:
    """The dense Leontief inverse ``L = (I - A)^-1`` (O(n^2) memory: ask for it).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import leontief_inverse
    >>> leontief_inverse(np.array([[0.15, 0.25], [0.2, 0.05]])).round(3)
    array([[1.254, 0.33 ],
           [0.264, 1.122]])
    """
    f = Factorization(A)
    return f.columns(0, f.n)


def ghosh_inverse(B: Any) -> np.ndarray:
    """The dense Ghosh inverse ``G = (I - B)^-1``.

    Examples
    --------
    >>> from chaingraph.kernels.leontief import ghosh_inverse
    >>> ghosh_inverse(np.array([[0.15, 0.5], [0.1, 0.05]])).round(3)
    array([[1.254, 0.66 ],
           [0.132, 1.122]])
    """
    return leontief_inverse(B)


def _factor(M: Any) -> Factorization:
    return M if isinstance(M, Factorization) else Factorization(M)


def output_multipliers(A: Any) -> np.ndarray:
    """Output multipliers, the column sums ``1^T L`` (also the downstreamness).

    ``A`` may be a :class:`Factorization` of ``I - A``.

    Examples
    --------
    >>> from chaingraph.kernels.leontief import output_multipliers
    >>> output_multipliers(np.array([[0.15, 0.25], [0.2, 0.05]])).round(4)
    array([1.5181, 1.4521])
    """
    f = _factor(A)
    return f.solve(np.ones(f.n), transpose=True)


def satellite_multipliers(A: Any, s: Any) -> np.ndarray:
    """Satellite multipliers ``s L`` for coefficient rows ``s`` (shape (k, n) or (n,)).

    ``s`` holds direct coefficients (value added, jobs or emissions per unit of
    output); the result is the total (direct and indirect) per unit of final demand.

    Examples
    --------
    >>> from chaingraph.kernels.leontief import satellite_multipliers
    >>> A = np.array([[0.15, 0.25], [0.2, 0.05]])
    >>> satellite_multipliers(A, [0.65, 0.70]).round(4)  # value-added multipliers
    array([1., 1.])
    """
    f = _factor(A)
    s = np.asarray(s, dtype=float)
    return f.solve(s.T, transpose=True).T


def backward_linkage(A: Any) -> np.ndarray:
    """Power of dispersion ``n (1^T L)_j / (1^T L 1)`` (Rasmussen 1956).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import backward_linkage
    >>> backward_linkage(np.array([[0.15, 0.25], [0.2, 0.05]])).round(4)
    array([1.0222, 0.9778])
    """
    m = output_multipliers(A)
    total = m.sum()
    return m * (len(m) / total) if total else m


def forward_linkage(M: Any) -> np.ndarray:
    """Sensitivity of dispersion ``n (W 1)_i / (1^T W 1)`` for ``W = (I - M)^-1``.

    Pass ``B`` for the Ghosh-based forward linkage (the default of
    :meth:`chaingraph.iotable.IOTable.linkages`) or ``A`` for the Leontief-row variant.

    Examples
    --------
    >>> from chaingraph.kernels.leontief import forward_linkage
    >>> forward_linkage(np.array([[0.15, 0.5], [0.1, 0.05]])).round(4)  # B
    array([1.2083, 0.7917])
    """
    f = _factor(M)
    r = f.solve(np.ones(f.n))
    total = r.sum()
    return r * (len(r) / total) if total else r


def variation_coefficients(M: Any, *, axis: int = 0) -> np.ndarray:
    """Coefficients of variation of the columns (``axis=0``) or rows of ``(I - M)^-1``.

    ``V_j = sqrt(sum_i (w_ij - mean_j)^2 / (n - 1)) / mean_j`` with
    ``mean_j = sum_i w_ij / n`` (Hazari 1970): a low value means the sector's pull
    (column) or push (row) spreads evenly over the economy. O(n^3) for dense tables;
    solved in blocks of columns (O(n * 512) memory).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import variation_coefficients
    >>> variation_coefficients(np.array([[0.15, 0.25], [0.2, 0.05]])).round(4)
    array([0.9223, 0.7714])
    """
    f = _factor(M)
    n = f.n
    s1, s2 = np.zeros(n), np.zeros(n)
    for start in range(0, n, _BLOCK):
        stop = min(n, start + _BLOCK)
        W = f.columns(start, stop)
        if axis == 0:
            s1[start:stop], s2[start:stop] = W.sum(axis=0), (W * W).sum(axis=0)
        else:
            s1 += W.sum(axis=1)
            s2 += (W * W).sum(axis=1)
    mean = s1 / n
    var = np.maximum(s2 - n * mean * mean, 0.0) / max(n - 1, 1)
    return np.divide(np.sqrt(var), mean, out=np.full(n, np.nan), where=mean != 0)


def diagonal_of_inverse(M: Any) -> np.ndarray:
    """The diagonal of ``(I - M)^-1`` from one factorisation (blocked solves).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import diagonal_of_inverse
    >>> diagonal_of_inverse(np.array([[0.15, 0.25], [0.2, 0.05]])).round(4)
    array([1.2541, 1.1221])
    """
    f = _factor(M)
    n = f.n
    if f.dense:
        return _dense_diagonal(f._lu, n)
    out = np.empty(n)
    for start in range(0, n, _BLOCK):
        stop = min(n, start + _BLOCK)
        W = f.columns(start, stop)
        out[start:stop] = W[np.arange(start, stop), np.arange(stop - start)]
    return out


def _dense_diagonal(factors: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    """Diagonal of the inverse from ``P L U``, skipping the known zeros.

    Column ``j`` of the inverse is ``U^-1 L^-1 e_i`` with ``i`` = the row ``j`` was
    pivoted to; the forward solve starts at row ``i`` and the backward solve needs
    rows ``>= min(i, j)`` only. With little pivoting (the rule for ``I - A``, whose
    columns are diagonally dominant) that is about ``2n^3/3`` flops instead of
    ``2n^3``.
    """
    lu, piv = factors
    perm = np.arange(n)
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    out = np.empty(n)
    for i0 in range(0, n, _BLOCK):
        i1 = min(n, i0 + _BLOCK)
        b = i1 - i0
        cols = perm[i0:i1]  # original indices whose pivoted row is i0..i1
        E = np.zeros((n - i0, b), order="F")
        E[np.arange(b), np.arange(b)] = 1.0
        z = la.solve_triangular(lu[i0:, i0:], E, lower=True, unit_diagonal=True,
                                check_finite=False)
        lo = min(i0, int(cols.min()))
        zz = np.zeros((n - lo, b), order="F")
        zz[i0 - lo:] = z
        x = la.solve_triangular(lu[lo:, lo:], zz, lower=False, check_finite=False)
        out[cols] = x[cols - lo, np.arange(b)]
    return out


def extraction_losses(
    Z: Any, x: Any, y: Any, *, v: Any = None, method: str = "auto",
    factorization: Factorization | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Output lost when each sector is extracted, backward and forward, all at once.

    Backward: column ``j`` of ``A`` set to 0, ``xb = (I - Ab)^-1 y``; forward: row ``j``
    of ``B`` set to 0, ``xf^T = v^T (I - Bf)^-1`` with ``v = x - Z^T 1`` (primary
    inputs). Loss = ``sum(x - xb)`` (or ``xf``), with ``x = L y`` (``= v^T G``).

    Parameters
    ----------
    Z, x, y : arrays
        Intermediate flows (n, n), gross output (n,), final demand totals (n,).
    v : array, optional
        Primary inputs per sector (default ``x - Z^T 1``).
    method : {"auto", "dense", "sparse"}
        Factorisation (see :class:`Factorization`).
    factorization : Factorization, optional
        An existing factorisation of ``I - A`` to reuse.

    Returns
    -------
    (backward, forward) : tuple of arrays
        Absolute output losses, in the table's unit.

    Notes
    -----
    ``I - Ab = (I - A) + a_j e_j^T`` is a rank-one update, so by Sherman-Morrison
    ``xb = x - (L a_j) x_j / (1 + (L a_j)_j)``; with ``L a_j = L e_j - e_j`` the loss is
    ``x_j (1^T L e_j - 1) / L_jj``. Likewise the forward loss is
    ``xf_j ((G 1)_j - 1) / G_jj`` with ``xf = v^T G``. One factorisation, the
    multipliers, ``G 1`` and the diagonals of ``L`` and ``G``: no inversion per sector
    (Miller & Blair 2009, sec. 12.2; Dietzenbacher & Lahr 2013).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import extraction_losses
    >>> Z = np.array([[150., 500.], [200., 100.]])
    >>> x = np.array([1000., 2000.])
    >>> back, fwd = extraction_losses(Z, x, x - Z.sum(axis=1))
    >>> back.round(2), fwd.round(2)
    (array([413.16, 805.88]), array([728.95, 452.94]))
    """
    Z = _as_matrix(Z)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    col_sums = np.asarray(Z.sum(axis=0)).ravel()
    v = x - col_sums if v is None else np.asarray(v, dtype=float)
    fa = factorization if factorization is not None else Factorization(
        technical_coefficients(Z, x), method=method)
    xb = fa.solve(y)
    m = fa.solve(np.ones(len(x)), transpose=True)
    dl = diagonal_of_inverse(fa)
    back = xb * (m - 1.0) / dl
    positive = x > 0
    if positive.all():
        # G = diag(x)^-1 L diag(x) when every output is positive: no second solve.
        g_diag = dl
        g_rows = fa.solve(x) / x
        xf = fa.solve(v / x, transpose=True) * x  # v^T G = (L^T (v / x)) * x
    else:
        fb = Factorization(allocation_coefficients(Z, x), method=method)
        g_diag = diagonal_of_inverse(fb)
        g_rows = fb.solve(np.ones(len(x)))
        xf = fb.solve(v, transpose=True)
    fwd = xf * (g_rows - 1.0) / g_diag
    return back, fwd


def upstreamness(
    Z: Any, x: Any, *, exports: Any = None, imports: Any = None,
    inventories: Any = None, labels: Any = None
) -> np.ndarray:
    """Upstreamness ``U = (I - Delta)^-1 1`` (Antràs, Chor, Fally & Hillberry 2012).

    ``Delta_ij = Z_ij / (x_i - X_i + M_i - N_i)`` with exports ``X``, imports ``M``
    (positive numbers) and inventory changes ``N`` when given (the open-economy
    adjustment); without them ``Delta = B`` and ``U = G 1``. ``U >= 1``; 1 means all
    output goes to final use.

    ``labels`` (one per sector) name the sectors in errors.

    Raises
    ------
    ValueError
        When the adjusted domestic absorption ``x - X + M - N`` is not positive for a
        sector that sells intermediates: the adjustment factor ``x / (x - X + M -
        N)`` of Antràs et al. is undefined there (a re-export hub, or exports and
        imports in other units or signs). The message names each such sector with
        its ``x``, ``X``, ``M``, ``N``. No fallback is applied: replacing the
        adjustment for some sectors only would mix two definitions in one vector
        and, through the inverse, change every other sector's value too; the
        caller chooses (fix the table, or the closed-economy ``U = G 1``).

    Examples
    --------
    >>> from chaingraph.kernels.leontief import upstreamness
    >>> upstreamness(np.array([[150., 500.], [200., 100.]]), [1000., 2000.]).round(4)
    array([1.9142, 1.2541])
    """
    Z = _as_matrix(Z)
    x = np.asarray(x, dtype=float)
    denom = x.copy()
    parts = {}
    for name, values, sign in (("exports", exports, -1.0), ("imports", imports, 1.0),
                               ("inventories", inventories, -1.0)):
        if values is not None:
            parts[name] = np.asarray(values, dtype=float)
            denom += sign * parts[name]
    sells = np.asarray((abs(Z) if sp.issparse(Z) else np.abs(Z)).sum(axis=1)).ravel() > 0
    bad = np.flatnonzero(sells & ~(denom > 0))
    if len(bad):
        raise ValueError(_absorption_message(bad, x, parts, denom, labels))
    return Factorization(allocation_coefficients(Z, denom)).solve(np.ones(len(x)))


def _absorption_message(bad: np.ndarray, x: np.ndarray, parts: dict[str, np.ndarray],
                        denom: np.ndarray, labels: Any) -> str:
    names = list(labels) if labels is not None else list(range(len(x)))
    shown = []
    for i in bad[:10].tolist():
        values = ", ".join(f"{k} {v[i] + 0.0:g}" for k, v in parts.items())  # no -0
        shown.append(f"{names[i]!r} (output {x[i]:g}, {values}: "
                     f"x - X + M - N = {denom[i]:g})")
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    return (f"upstreamness: the open-economy adjustment x / (x - X + M - N) is "
            f"undefined for {len(bad)} sector(s) selling intermediates whose output "
            f"minus exports plus imports minus inventory changes is not positive: "
            f"{'; '.join(shown)}{more}. Check the exports/imports columns (units, "
            f"signs, re-exports), or use the closed-economy measure "
            f"(open_economy=False)")
