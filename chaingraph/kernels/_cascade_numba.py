"""numba kernels of the shock cascade (imported only when ``method="numba"``).

The synchronous (Jacobi) iteration of Diem et al. (2022) is reproduced exactly, but
each step recomputes only the enterprises whose inputs changed in the previous step
(the buyers of enterprises whose ``hd`` changed, downstream; the suppliers of
enterprises whose ``hu`` changed, upstream; with replaceability also the buyers of
damaged enterprises whose market share ``sigma`` changed). Every other enterprise
would be recomputed from unchanged inputs, so its value and its decrease (zero) are
known without work. Work per scenario is therefore proportional to the links the
shock reaches, and the per-thread buffers are reset only where they were touched.

The arrays of the prepared model are documented in :mod:`chaingraph.kernels.cascade`.
"""

from __future__ import annotations

import numba
import numpy as np

_TOUCH_D = 1
_TOUCH_U = 2
_CAND_D = 4
_CAND_U = 8
_MARKET = 16  # on a market flag array: market changed this step

_SMALL_MARKET = 1e-10


@numba.njit(cache=True, nogil=True, inline="always")
def _downstream_value(j, hd, sigma, d_ptr, d_sup, d_lam, d_kind, d_sec, psd):
    ess_max = 0.0
    cur = 0.0
    cur_sec = -1
    lin = 0.0
    for e in range(d_ptr[j], d_ptr[j + 1]):
        sec = d_sec[e]
        if sec != cur_sec:
            if cur > ess_max:
                ess_max = cur
            cur = 0.0
            cur_sec = sec
        i = d_sup[e]
        lost = 1.0 - hd[i]
        if lost != 0.0:
            if d_kind[e] == 2:
                cur += sigma[i] * d_lam[e] * lost
            else:
                lin += sigma[i] * d_lam[e] * lost
    if cur > ess_max:
        ess_max = cur
    value = min(psd[j], 1.0 - ess_max, 1.0 - lin)
    return max(0.0, value)


@numba.njit(cache=True, nogil=True, inline="always")
def _upstream_value(i, hu, u_ptr, u_buy, u_lam, psu):
    lost = 0.0
    for e in range(u_ptr[i], u_ptr[i + 1]):
        lost += u_lam[e] * (1.0 - hu[u_buy[e]])
    return max(0.0, min(psu[i], 1.0 - lost))


@numba.njit(cache=True, nogil=True)
def _update_sigma(model, buf, n_changed_d, cand_d, n_cand_d):
    """Recompute market availability and sigma for markets hit this step."""
    (d_ptr, d_sup, d_lam, d_kind, d_sec, f_ptr, f_buy, u_ptr, u_buy, u_lam,
     b_ptr, b_sup, weights, s_out, market, m_out0, m_npos) = model
    (hd, hu, psd, psu, sigma, flags, touched_d, touched_u, changed_d, changed_u,
     next_d, next_u, new_d, new_u, m_flags, m_list, m_avail, m_tout, m_tpos, n_td) = buf
    n_m = 0
    for k in range(n_changed_d):
        c = market[changed_d[k]]
        if not m_flags[c] & _MARKET:
            m_flags[c] |= _MARKET
            m_list[n_m] = c
            n_m += 1
            m_avail[c] = 0.0
    for k in range(n_td):
        i = touched_d[k]
        c = market[i]
        if m_flags[c] & _MARKET:
            m_avail[c] += hd[i] * s_out[i]
    for k in range(n_m):
        c = m_list[k]
        base = 0.0 if m_tpos[c] == m_npos[c] else m_out0[c] - m_tout[c]
        m_avail[c] = base + m_avail[c]
        if m_avail[c] <= _SMALL_MARKET:
            m_avail[c] = 1.0
    for k in range(n_td):
        i = touched_d[k]
        c = market[i]
        if m_flags[c] & _MARKET:
            value = min(1.0, s_out[i] / m_avail[c])
            if value != sigma[i]:
                sigma[i] = value
                if hd[i] < 1.0:
                    for e in range(f_ptr[i], f_ptr[i + 1]):
                        j = f_buy[e]
                        if not flags[j] & _CAND_D:
                            flags[j] |= _CAND_D
                            cand_d[n_cand_d] = j
                            n_cand_d += 1
    for k in range(n_m):
        m_flags[m_list[k]] &= ~_MARKET
    return n_cand_d


@numba.njit(cache=True, nogil=True, inline="always")
def _touch_d(i, model, buf, n_td, substitution):
    s_out = model[13]
    market = model[14]
    flags = buf[5]
    touched_d = buf[6]
    m_tout = buf[17]
    m_tpos = buf[18]
    sigma = buf[4]
    flags[i] |= _TOUCH_D
    touched_d[n_td] = i
    sigma[i] = 1.0
    if substitution:
        c = market[i]
        m_tout[c] += s_out[i]
        if s_out[i] > 0.0:
            m_tpos[c] += 1
    return n_td + 1


@numba.njit(cache=True, nogil=True)
def run_scenario(firms, shock_d, shock_u, model, buf, substitution, tol, max_iter):
    """Run one scenario; leave hd, hu in ``buf``; return the counters.

    Returns ``(T, status, n_touched_d, n_touched_u)``; status 1 = ``max_iter`` hit.
    """
    (d_ptr, d_sup, d_lam, d_kind, d_sec, f_ptr, f_buy, u_ptr, u_buy, u_lam,
     b_ptr, b_sup, weights, s_out, market, m_out0, m_npos) = model
    (hd, hu, psd, psu, sigma, flags, touched_d, touched_u, changed_d, changed_u,
     next_d, next_u, new_d, new_u, m_flags, m_list, m_avail, m_tout, m_tpos, n_td0) = buf
    n_td = 0
    n_tu = 0
    n_cd = 0
    n_cu = 0
    for k in range(firms.shape[0]):
        i = firms[k]
        psd[i] = 1.0 - shock_d[k]
        psu[i] = 1.0 - shock_u[k]
        if not flags[i] & _TOUCH_D:
            n_td = _touch_d(i, model, buf, n_td, substitution)
        if not flags[i] & _TOUCH_U:
            flags[i] |= _TOUCH_U
            touched_u[n_tu] = i
            n_tu += 1
    for k in range(firms.shape[0]):
        i = firms[k]
        if hd[i] != psd[i]:
            hd[i] = psd[i]
            changed_d[n_cd] = i
            n_cd += 1
        if hu[i] != psu[i]:
            hu[i] = psu[i]
            changed_u[n_cu] = i
            n_cu += 1
    T = 0
    status = 0
    while True:
        if max_iter <= T:
            status = 1
            break
        # candidates: buyers of changed firms (downstream), suppliers (upstream)
        n_nd = 0
        for k in range(n_cd):
            i = changed_d[k]
            for e in range(f_ptr[i], f_ptr[i + 1]):
                j = f_buy[e]
                if not flags[j] & _CAND_D:
                    flags[j] |= _CAND_D
                    next_d[n_nd] = j
                    n_nd += 1
        if substitution and n_cd > 0:
            buf_t = (hd, hu, psd, psu, sigma, flags, touched_d, touched_u, changed_d,
                     changed_u, next_d, next_u, new_d, new_u, m_flags, m_list, m_avail,
                     m_tout, m_tpos, n_td)
            n_nd = _update_sigma(model, buf_t, n_cd, next_d, n_nd)
        n_nu = 0
        for k in range(n_cu):
            j = changed_u[k]
            for e in range(b_ptr[j], b_ptr[j + 1]):
                i = b_sup[e]
                if not flags[i] & _CAND_U:
                    flags[i] |= _CAND_U
                    next_u[n_nu] = i
                    n_nu += 1
        # synchronous step: all new values from the old state
        for k in range(n_nd):
            new_d[k] = _downstream_value(next_d[k], hd, sigma, d_ptr, d_sup, d_lam,
                                         d_kind, d_sec, psd)
        for k in range(n_nu):
            new_u[k] = _upstream_value(next_u[k], hu, u_ptr, u_buy, u_lam, psu)
        worst = 0.0
        n_cd = 0
        for k in range(n_nd):
            j = next_d[k]
            flags[j] &= ~_CAND_D
            drop = hd[j] - new_d[k]
            if drop > worst:
                worst = drop
            if new_d[k] != hd[j]:
                if not flags[j] & _TOUCH_D:
                    n_td = _touch_d(j, model, buf, n_td, substitution)
                hd[j] = new_d[k]
                changed_d[n_cd] = j
                n_cd += 1
        n_cu = 0
        for k in range(n_nu):
            i = next_u[k]
            flags[i] &= ~_CAND_U
            drop = hu[i] - new_u[k]
            if drop > worst:
                worst = drop
            if new_u[k] != hu[i]:
                if not flags[i] & _TOUCH_U:
                    flags[i] |= _TOUCH_U
                    touched_u[n_tu] = i
                    n_tu += 1
                hu[i] = new_u[k]
                changed_u[n_cu] = i
                n_cu += 1
        T += 1
        if worst <= tol:
            break
    return T, status, n_td, n_tu


@numba.njit(cache=True, nogil=True)
def summarize(buf, weights, n_td, n_tu, out):
    """ESRI, ESRI_d, ESRI_u and the counts of affected / half-lost enterprises."""
    hd = buf[0]
    hu = buf[1]
    flags = buf[5]
    touched_d = buf[6]
    touched_u = buf[7]
    total = 0.0
    down = 0.0
    up = 0.0
    n_hit = 0
    n_half = 0
    for k in range(n_td):
        i = touched_d[k]
        down += weights[i] * (1.0 - hd[i])
        h = min(hd[i], hu[i])
        total += weights[i] * (1.0 - h)
        if h < 1.0:
            n_hit += 1
            if h < 0.5:
                n_half += 1
    for k in range(n_tu):
        i = touched_u[k]
        up += weights[i] * (1.0 - hu[i])
        if not flags[i] & _TOUCH_D:
            total += weights[i] * (1.0 - hu[i])
            if hu[i] < 1.0:
                n_hit += 1
                if hu[i] < 0.5:
                    n_half += 1
    out[0] = total
    out[1] = down
    out[2] = up
    out[3] = n_hit
    out[4] = n_half


@numba.njit(cache=True, nogil=True)
def reset(buf, market, n_td, n_tu):
    """Put the buffers back to the no-shock state, touching only what was used."""
    hd = buf[0]
    hu = buf[1]
    psd = buf[2]
    psu = buf[3]
    flags = buf[5]
    touched_d = buf[6]
    touched_u = buf[7]
    m_tout = buf[17]
    m_tpos = buf[18]
    for k in range(n_td):
        i = touched_d[k]
        hd[i] = 1.0
        psd[i] = 1.0
        flags[i] = 0
        c = market[i]
        m_tout[c] = 0.0
        m_tpos[c] = 0
    for k in range(n_tu):
        i = touched_u[k]
        hu[i] = 1.0
        psu[i] = 1.0
        flags[i] = 0


@numba.njit(cache=True, nogil=True)
def new_buffers(n, n_markets):
    """Fresh per-thread buffers for ``n`` enterprises (the no-shock state)."""
    ones = np.ones(n)
    return (ones, ones.copy(), ones.copy(), ones.copy(), ones.copy(),
            np.zeros(n, np.int8), np.empty(n, np.int64), np.empty(n, np.int64),
            np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64),
            np.empty(n, np.int64), np.empty(n), np.empty(n),
            np.zeros(n_markets, np.int8), np.empty(n_markets, np.int64),
            np.zeros(n_markets), np.zeros(n_markets), np.zeros(n_markets, np.int64), 0)


@numba.njit(cache=True, nogil=True)
def _run_range(scen_ptr, scen_firm, scen_d, scen_u, model, substitution, tol, max_iter,
               start, step, out, out_t, out_status):
    n = model[12].shape[0]
    n_markets = model[15].shape[0]
    buf = new_buffers(n, n_markets)
    row = np.zeros(5)
    for s in range(start, scen_ptr.shape[0] - 1, step):
        lo = scen_ptr[s]
        hi = scen_ptr[s + 1]
        T, status, n_td, n_tu = run_scenario(
            scen_firm[lo:hi], scen_d[lo:hi], scen_u[lo:hi], model, buf, substitution,
            tol, max_iter)
        summarize(buf, model[12], n_td, n_tu, row)
        for c in range(5):
            out[s, c] = row[c]
        out_t[s] = T
        out_status[s] = status
        reset(buf, model[14], n_td, n_tu)


@numba.njit(cache=True, parallel=True)
def run_many(scen_ptr, scen_firm, scen_d, scen_u, model, substitution, tol, max_iter,
             n_chunks, out, out_t, out_status):
    """Run every scenario; chunk c takes scenarios c, c + n_chunks, ... (balanced)."""
    for c in numba.prange(n_chunks):
        _run_range(scen_ptr, scen_firm, scen_d, scen_u, model, substitution, tol,
                   max_iter, c, n_chunks, out, out_t, out_status)


@numba.njit(cache=True, nogil=True)
def run_one(firms, shock_d, shock_u, model, substitution, tol, max_iter):
    """One scenario with full per-enterprise output ``(hd, hu, T, status)``."""
    n = model[12].shape[0]
    buf = new_buffers(n, model[15].shape[0])
    T, status, n_td, n_tu = run_scenario(firms, shock_d, shock_u, model, buf,
                                         substitution, tol, max_iter)
    return buf[0], buf[1], T, status
