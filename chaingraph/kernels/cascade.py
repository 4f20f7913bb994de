"""Shock cascades on integer-coded supply networks (Diem et al. 2022), two engines.

The model is prepared once from link arrays (:func:`prepare_cascade`) and then run
for many scenarios (:func:`run_cascades`) or one scenario with per-enterprise output
(:func:`run_cascade`). A scenario is a set of enterprises with a shock in [0, 1]
each (the fraction of production lost initially): ``psi = 1 - shock``.

Engines
-------
``"numba"``
    Exact synchronous iteration with a worklist (only enterprises whose inputs
    changed are recomputed), scenarios in parallel with ``numba.prange``.
``"scipy"``
    Vectorised sparse iteration on a block of scenarios at once (dense
    n x block state); each scenario stops by its own rule. Same numbers.

Prepared arrays (int64 / float64)
---------------------------------
``f_ptr, f_buy, f_lam, f_slot``
    Relevant links (W > 0, essentiality 1 or 2) grouped by supplier: buyer,
    Lambda_d, and the buyer's essential-input slot (one slot per buyer and supplier
    sector; -1 for a linear input).
``p_ptr``
    Slots of each buyer: ``p_ptr[j]:p_ptr[j+1]``.
``b_ptr, b_sup, b_lam``
    Links with W > 0 grouped by buyer: supplier and Lambda_u = W / s_out.
``weights, s_out, market, m_out0, m_npos``
    Output weights, out-strengths, market (replaceability) code per enterprise,
    total out-strength and number of enterprises with s_out > 0 per market.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from chaingraph.exceptions import ConvergenceError

__all__ = ["CascadeModel", "prepare_cascade", "run_cascade", "run_cascades"]

_SMALL_MARKET = 1e-10
#: Result columns of :func:`run_cascades`.
COLUMNS = ("esri", "esri_downstream", "esri_upstream", "n_affected", "n_half")


@dataclass(frozen=True)
class CascadeModel:
    """The prepared network (see the module docstring for the arrays)."""

    n: int
    arrays: tuple = field(repr=False)
    n_sectors: int = 0
    n_pairs: int = 0
    parts: dict = field(default_factory=dict, repr=False)

    @property
    def weights(self) -> np.ndarray:
        """Output weight of each enterprise (out-strength share)."""
        return self.arrays[8]

    @property
    def s_out(self) -> np.ndarray:
        """Out-strength (total sales) of each enterprise."""
        return self.arrays[9]


def _own(array: np.ndarray) -> np.ndarray:
    """Writeable, contiguous array (numba compiles read-only arrays separately)."""
    if array.flags.writeable and array.flags.c_contiguous:
        return array
    return np.array(array, copy=True, order="C")


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr


def prepare_cascade(src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
                    sector: np.ndarray, essentiality: np.ndarray, n: int, *,
                    market: np.ndarray | None = None) -> CascadeModel:
    """Build the cascade arrays from links and integer sector codes.

    Parameters
    ----------
    src, dst : int arrays
        Supplier and buyer code of each link (duplicates are summed).
    weight : float array
        Value of each link (>= 0).
    sector : int array
        Sector code (0..m-1) of each enterprise.
    essentiality : (m, m) int array
        ``E[k, l]``: 2 essential, 1 linear, 0 irrelevant for inputs from sector k to
        a buyer in sector l.
    n : int
        Number of enterprises.
    market : int array, optional
        Market code per enterprise for replaceability (None: no replaceability).

    Returns
    -------
    CascadeModel
    """
    W = sp.coo_array((np.asarray(weight, dtype=np.float64),
                      (np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64))),
                     shape=(n, n)).tocsr()
    W.sum_duplicates()
    coo = W.tocoo()
    src, dst = coo.row.astype(np.int64), coo.col.astype(np.int64)  # supplier-sorted
    w = coo.data.astype(np.float64)
    sector = np.asarray(sector, dtype=np.int64)
    m = max(int(essentiality.shape[0]), 1)
    s_out = np.bincount(src, weights=w, minlength=n)
    s_in = np.bincount(dst, weights=w, minlength=n)
    key = dst * m + sector[src]  # inputs by sector: Pi[j, sector of i], per link
    uniq, inverse = np.unique(key, return_inverse=True)
    pi_link = np.bincount(inverse, weights=w, minlength=len(uniq))[inverse]
    kind = np.asarray(essentiality, dtype=np.int64)[sector[src], sector[dst]]
    keep = (w > 0) & (kind > 0)
    ks, kd, kind = src[keep], dst[keep], kind[keep]
    lam = np.where(kind == 2, w[keep] / pi_link[keep], w[keep] / s_in[kd])
    ess = kind == 2
    pairs, slot_of = np.unique(key[keep][ess], return_inverse=True)
    slot = np.full(len(ks), -1, dtype=np.int64)
    slot[ess] = slot_of
    p_ptr = _ptr(pairs // m, n)
    pos = w > 0
    ps, pd_ = src[pos], dst[pos]
    lam_u = w[pos] / s_out[ps]
    order = np.argsort(pd_, kind="stable")
    total = s_out.sum()
    weights = s_out / total if total > 0 else np.zeros(n)
    market = (np.zeros(n, dtype=np.int64) if market is None
              else np.asarray(market, dtype=np.int64))
    n_markets = int(market.max()) + 1 if n else 1
    m_out0 = np.bincount(market, weights=s_out, minlength=n_markets)
    m_npos = np.bincount(market, weights=(s_out > 0), minlength=n_markets).astype(np.int64)
    arrays = tuple(_own(a) for a in (
        _ptr(ks, n), kd, lam, slot, p_ptr, _ptr(pd_, n), ps[order], lam_u[order],
        weights, s_out, market, m_out0, m_npos))
    parts = {"ks": ks, "kd": kd, "lam": lam, "slot": slot, "pair_buyer": pairs // m,
             "ps": ps, "pd": pd_, "lam_u": lam_u}
    return CascadeModel(n=n, arrays=arrays, n_sectors=m, n_pairs=len(pairs), parts=parts)


def _scenario_arrays(scenarios):
    ptr, firms, shock_d, shock_u = scenarios
    return (_own(np.asarray(ptr, dtype=np.int64)), _own(np.asarray(firms, dtype=np.int64)),
            _own(np.asarray(shock_d, dtype=np.float64)),
            _own(np.asarray(shock_u, dtype=np.float64)))


def _raise_unconverged(status: np.ndarray, max_iter: int) -> None:
    bad = np.flatnonzero(status)
    if len(bad):
        raise ConvergenceError(
            f"{len(bad)} scenario(s) (first: number {int(bad[0])}) did not meet the "
            f"stopping rule in max_iter={max_iter} steps. With substitution=True this "
            "happens when a whole market fails and link values are small (< 1): "
            "express amounts in a unit where every enterprise's sales are >= 1, or "
            "raise max_iter")


def run_cascades(model: CascadeModel, scenarios, *, substitution: bool = False,
                 tol: float = 1e-2, max_iter: int = 1000, method: str = "numba",
                 scheme: str = "synchronous", n_threads: int | None = None,
                 block: int | None = None):
    """Run many scenarios; return ``(table, T)``.

    ``scenarios`` is ``(ptr, firms, shock_d, shock_u)``: scenario s shocks
    ``firms[ptr[s]:ptr[s+1]]`` by the given fractions. ``table`` is an (S, 5) float
    array with the :data:`COLUMNS`; ``T`` the number of updates per scenario.
    ``scheme="worklist"`` (numba only, no substitution): asynchronous updates until
    no enterprise has more than ``tol`` of unprocessed input loss; ``T`` then
    counts enterprise recomputations. The scipy engine always runs the synchronous
    scheme.

    Raises
    ------
    ConvergenceError
        When a scenario needs more than ``max_iter`` updates.
    """
    ptr, firms, shock_d, shock_u = _scenario_arrays(scenarios)
    S = len(ptr) - 1
    out = np.zeros((S, len(COLUMNS)))
    out_t = np.zeros(S, dtype=np.int64)
    status = np.zeros(S, dtype=np.int8)
    worklist = _worklist(scheme, substitution, method)
    if S == 0:
        return out, out_t
    if method == "numba":
        from chaingraph._engines import import_numba
        from chaingraph.kernels import _cascade_numba as nb

        numba = import_numba()

        chunks = max(1, min(S, n_threads or numba.get_num_threads()))
        nb.run_many(ptr, firms, shock_d, shock_u, model.arrays, model.n_pairs,
                    bool(substitution), float(tol), int(max_iter), worklist, chunks, out,
                    out_t, status)
    else:
        block = block or max(1, min(S, int(2e7 // max(model.n, 1))))
        for lo in range(0, S, block):
            hi = min(S, lo + block)
            sub = (ptr[lo:hi + 1] - ptr[lo], firms[ptr[lo]:ptr[hi]],
                   shock_d[ptr[lo]:ptr[hi]], shock_u[ptr[lo]:ptr[hi]])
            hd, hu, t, st = _scipy_block(model, sub, substitution, tol, max_iter)
            out[lo:hi] = _scipy_summary(model, hd, hu)
            out_t[lo:hi] = t
            status[lo:hi] = st
    _raise_unconverged(status, max_iter)
    return out, out_t


def _worklist(scheme: str, substitution: bool, method: str) -> bool:
    if scheme not in ("synchronous", "worklist"):
        raise ValueError(f"scheme must be 'synchronous' or 'worklist', got {scheme!r}")
    if scheme == "worklist" and substitution:
        raise ValueError("scheme='worklist' does not support substitution=True; use "
                         "scheme='synchronous'")
    return scheme == "worklist" and method == "numba"


def run_cascade(model: CascadeModel, firms, shock_d, shock_u, *,
                substitution: bool = False, tol: float = 1e-2, max_iter: int = 1000,
                method: str = "numba", scheme: str = "synchronous"
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """Run one scenario; return ``(hd, hu, T)`` for every enterprise."""
    worklist = _worklist(scheme, substitution, method)
    firms = _own(np.asarray(firms, dtype=np.int64))
    shock_d = _own(np.asarray(shock_d, dtype=np.float64))
    shock_u = _own(np.asarray(shock_u, dtype=np.float64))
    if method == "numba":
        from chaingraph.kernels import _cascade_numba as nb

        hd, hu, T, status = nb.run_one(firms, shock_d, shock_u, model.arrays,
                                       model.n_pairs, bool(substitution), float(tol),
                                       int(max_iter), worklist)
        _raise_unconverged(np.array([status]), max_iter)
        return hd, hu, int(T)
    scen = (np.array([0, len(firms)], dtype=np.int64), firms, shock_d, shock_u)
    hd, hu, t, st = _scipy_block(model, scen, substitution, tol, max_iter)
    _raise_unconverged(st, max_iter)
    return hd[:, 0], hu[:, 0], int(t[0])


# --- vectorised scipy engine ----------------------------------------------------------
def _scipy_operators(model: CascadeModel):
    n, p = model.n, model.parts
    lin = p["slot"] < 0
    L = sp.csr_array((p["lam"][lin], (p["kd"][lin], p["ks"][lin])), shape=(n, n))
    ess = ~lin
    P = sp.csr_array((p["lam"][ess], (p["slot"][ess], p["ks"][ess])),
                     shape=(model.n_pairs, n))
    U = sp.csr_array((p["lam_u"], (p["ps"], p["pd"])), shape=(n, n))
    return L, P, p["pair_buyer"], U


def _scipy_block(model: CascadeModel, scenarios, substitution, tol, max_iter):
    """Synchronous iteration for a block of scenarios as dense n x b arrays."""
    ptr, firms, shock_d, shock_u = scenarios
    n, b = model.n, len(ptr) - 1
    L, P, pair_buyer, U = _scipy_operators(model)
    s_out, market, m_out0 = model.arrays[9], model.arrays[10], model.arrays[11]
    col = np.repeat(np.arange(b), np.diff(ptr))
    psd = np.ones((n, b))
    psu = np.ones((n, b))
    psd[firms, col] = 1.0 - shock_d
    psu[firms, col] = 1.0 - shock_u
    hd, hu = psd.copy(), psu.copy()
    T = np.zeros(b, dtype=np.int64)
    status = np.zeros(b, dtype=np.int8)
    active = np.arange(b)
    starts = np.flatnonzero(np.r_[True, pair_buyer[1:] != pair_buyer[:-1]]) \
        if len(pair_buyer) else np.zeros(0, dtype=np.int64)
    M = sp.csr_array((np.ones(n), (market, np.arange(n))), shape=(len(m_out0), n))
    for _ in range(max_iter):
        if not len(active):
            break
        d, u = hd[:, active], hu[:, active]
        lost = 1.0 - d
        if substitution:
            avail = M @ (d * s_out[:, None])
            avail[avail <= _SMALL_MARKET] = 1.0
            lost = lost * np.minimum(1.0, s_out[:, None] / avail[market])
        ess_loss = np.zeros_like(d)
        if len(starts):
            per_pair = P @ lost
            ess_loss[pair_buyer[starts]] = np.maximum.reduceat(per_pair, starts, axis=0)
        new_d = np.maximum(0.0, np.minimum(np.minimum(psd[:, active], 1.0 - ess_loss),
                                           1.0 - L @ lost))
        new_u = np.maximum(0.0, np.minimum(psu[:, active], 1.0 - U @ (1.0 - u)))
        worst = np.maximum((d - new_d).max(axis=0, initial=0.0),
                           (u - new_u).max(axis=0, initial=0.0))
        hd[:, active], hu[:, active] = new_d, new_u
        T[active] += 1
        active = active[worst > tol]
    status[active] = 1
    return hd, hu, T, status


def _scipy_summary(model: CascadeModel, hd: np.ndarray, hu: np.ndarray) -> np.ndarray:
    w = model.weights
    h = np.minimum(hd, hu)
    return np.column_stack([w @ (1.0 - h), w @ (1.0 - hd), w @ (1.0 - hu),
                            (h < 1.0).sum(axis=0), (h < 0.5).sum(axis=0)])
