"""numba kernels of the shock cascade (imported only when ``method="numba"``).

The synchronous (Jacobi) iteration of Diem et al. (2022) is reproduced, step for
step, with work proportional to what the shock reaches. Each enterprise keeps its
input losses as running sums: the loss from each essential supplier sector
(``pair_loss``, one slot per buyer and supplier sector), from linear inputs
(``lin_loss``) and from lost demand (``u_loss``). When an enterprise's production
changes in a step (or, with replaceability, its market share ``sigma``), the change
is pushed along its links into its buyers' (downstream) or suppliers' (upstream)
sums, and only those are recomputed in the next step: every other enterprise would
be recomputed from unchanged inputs, so its value and its decrease (zero) are known
without work. The sums equal the published ones up to rounding (~1e-16).

Per-thread buffers are allocated once per chunk of scenarios and reset only where a
scenario touched them.
"""

from __future__ import annotations

import numpy as np

from chaingraph._engines import import_numba

numba = import_numba()

_TOUCH_D = 1
_TOUCH_U = 2
_CAND_D = 4
_CAND_U = 8
_DIRTY_D = 16
_DIRTY_U = 32
_SHOCK = 64
_MARKET = 1

_SMALL_MARKET = 1e-10

# model tuple positions
_F_PTR, _F_BUY, _F_LAM, _F_SLOT, _P_PTR, _B_PTR, _B_SUP, _B_LAM = range(8)
_WEIGHTS, _S_OUT, _MARKET_OF, _M_OUT0, _M_NPOS = range(8, 13)


@numba.njit(cache=True, nogil=True)
def new_buffers(n, n_pairs, n_markets):
    """Fresh per-thread buffers for ``n`` enterprises (the no-shock state)."""
    f8 = (np.ones(n), np.ones(n), np.ones(n), np.ones(n), np.ones(n),  # hd hu psd psu sig
          np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),  # c_d c_u lin_loss u_loss
          np.zeros(max(n_pairs, 1)), np.zeros(n), np.zeros(n),  # pair_loss new_d new_u
          np.zeros(n_markets), np.zeros(n_markets))  # m_avail m_tout
    i8 = (np.empty(n, np.int64), np.empty(n, np.int64),  # touched_d touched_u
          np.empty(2 * n, np.int64), np.empty(n, np.int64),  # changed_d changed_u
          np.empty(n, np.int64), np.empty(n, np.int64),  # next_d next_u
          np.empty(n, np.int64), np.empty(n, np.int64),  # dirty_d dirty_u
          np.empty(n_markets, np.int64), np.zeros(n_markets, np.int64))  # m_list m_tpos
    flags = (np.zeros(n, np.int8), np.zeros(n_markets, np.int8))
    counts = np.zeros(8, np.int64)  # n_td n_tu n_cd n_cu n_dd n_du
    return f8, i8, flags, counts


@numba.njit(cache=True, nogil=True)
def _touch_d(i, model, f8, i8, flags, counts, substitution):
    flags[0][i] |= _TOUCH_D
    i8[0][counts[0]] = i
    counts[0] += 1
    if substitution:
        c = model[_MARKET_OF][i]
        f8[13][c] += model[_S_OUT][i]
        if model[_S_OUT][i] > 0.0:
            i8[9][c] += 1


@numba.njit(cache=True, nogil=True)
def _update_sigma(model, f8, i8, flags, counts):
    """Recompute sigma for markets hit in the last step; queue firms whose changed."""
    hd, sigma, m_avail, m_tout = f8[0], f8[4], f8[12], f8[13]
    touched_d, changed_d, m_list, m_tpos = i8[0], i8[2], i8[8], i8[9]
    m_flags = flags[1]
    market, s_out, m_out0, m_npos = (model[_MARKET_OF], model[_S_OUT], model[_M_OUT0],
                                     model[_M_NPOS])
    n_m = 0
    for k in range(counts[2]):
        c = market[changed_d[k]]
        if not m_flags[c] & _MARKET:
            m_flags[c] |= _MARKET
            m_list[n_m] = c
            n_m += 1
            m_avail[c] = 0.0
    for k in range(counts[0]):
        i = touched_d[k]
        if m_flags[market[i]] & _MARKET:
            m_avail[market[i]] += hd[i] * s_out[i]
    for k in range(n_m):
        c = m_list[k]
        base = 0.0 if m_tpos[c] == m_npos[c] else m_out0[c] - m_tout[c]
        m_avail[c] = base + m_avail[c]
        if m_avail[c] <= _SMALL_MARKET:
            m_avail[c] = 1.0
    n_cd = counts[2]
    for k in range(counts[0]):
        i = touched_d[k]
        c = market[i]
        if m_flags[c] & _MARKET:
            value = min(1.0, s_out[i] / m_avail[c])
            if value != sigma[i]:
                sigma[i] = value
                changed_d[n_cd] = i
                n_cd += 1
    for k in range(n_m):
        m_flags[m_list[k]] = 0
    counts[2] = n_cd


@numba.njit(cache=True, nogil=True)
def _push(model, f8, i8, flags, counts):
    """Push changed contributions into the loss sums; collect the candidates."""
    hd, hu, sigma, c_d, c_u, lin_loss, u_loss, pair_loss = (
        f8[0], f8[1], f8[4], f8[5], f8[6], f8[7], f8[8], f8[9])
    changed_d, changed_u, next_d, next_u, dirty_d, dirty_u = (
        i8[2], i8[3], i8[4], i8[5], i8[6], i8[7])
    flag = flags[0]
    f_ptr, f_buy, f_lam, f_slot = (model[_F_PTR], model[_F_BUY], model[_F_LAM],
                                   model[_F_SLOT])
    b_ptr, b_sup, b_lam = model[_B_PTR], model[_B_SUP], model[_B_LAM]
    n_nd = 0
    for k in range(counts[2]):
        i = changed_d[k]
        value = sigma[i] * (1.0 - hd[i])
        delta = value - c_d[i]
        if delta == 0.0:
            continue
        c_d[i] = value
        for e in range(f_ptr[i], f_ptr[i + 1]):
            j = f_buy[e]
            if f_slot[e] >= 0:
                pair_loss[f_slot[e]] += f_lam[e] * delta
            else:
                lin_loss[j] += f_lam[e] * delta
            if not flag[j] & _CAND_D:
                flag[j] |= _CAND_D
                next_d[n_nd] = j
                n_nd += 1
                if not flag[j] & _DIRTY_D:
                    flag[j] |= _DIRTY_D
                    dirty_d[counts[4]] = j
                    counts[4] += 1
    n_nu = 0
    for k in range(counts[3]):
        j = changed_u[k]
        value = 1.0 - hu[j]
        delta = value - c_u[j]
        if delta == 0.0:
            continue
        c_u[j] = value
        for e in range(b_ptr[j], b_ptr[j + 1]):
            i = b_sup[e]
            u_loss[i] += b_lam[e] * delta
            if not flag[i] & _CAND_U:
                flag[i] |= _CAND_U
                next_u[n_nu] = i
                n_nu += 1
                if not flag[i] & _DIRTY_U:
                    flag[i] |= _DIRTY_U
                    dirty_u[counts[5]] = i
                    counts[5] += 1
    return n_nd, n_nu


@numba.njit(cache=True, nogil=True)
def _step(model, f8, i8, flags, counts, substitution):
    """One synchronous update; returns the largest decrease."""
    hd, hu, psd, psu = f8[0], f8[1], f8[2], f8[3]
    lin_loss, u_loss, pair_loss, new_d, new_u = f8[7], f8[8], f8[9], f8[10], f8[11]
    touched_u, changed_d, changed_u, next_d, next_u = i8[1], i8[2], i8[3], i8[4], i8[5]
    flag = flags[0]
    p_ptr = model[_P_PTR]
    if substitution and counts[2] > 0:
        _update_sigma(model, f8, i8, flags, counts)
    n_nd, n_nu = _push(model, f8, i8, flags, counts)
    for k in range(n_nd):
        j = next_d[k]
        worst = 0.0
        for s in range(p_ptr[j], p_ptr[j + 1]):
            if pair_loss[s] > worst:
                worst = pair_loss[s]
        value = min(1.0 - worst, 1.0 - lin_loss[j])
        if flag[j] & _SHOCK:
            value = min(psd[j], value)
        new_d[k] = max(0.0, value)
    for k in range(n_nu):
        i = next_u[k]
        value = 1.0 - u_loss[i]
        if flag[i] & _SHOCK:
            value = min(psu[i], value)
        new_u[k] = max(0.0, value)
    worst = 0.0
    n_cd = 0
    for k in range(n_nd):
        j = next_d[k]
        flag[j] &= ~_CAND_D
        drop = hd[j] - new_d[k]
        worst = max(worst, drop)
        if drop != 0.0:
            if not flag[j] & _TOUCH_D:
                _touch_d(j, model, f8, i8, flags, counts, substitution)
            hd[j] = new_d[k]
            changed_d[n_cd] = j
            n_cd += 1
    n_cu = 0
    for k in range(n_nu):
        i = next_u[k]
        flag[i] &= ~_CAND_U
        drop = hu[i] - new_u[k]
        worst = max(worst, drop)
        if drop != 0.0:
            if not flag[i] & _TOUCH_U:
                flag[i] |= _TOUCH_U
                touched_u[counts[1]] = i
                counts[1] += 1
            hu[i] = new_u[k]
            changed_u[n_cu] = i
            n_cu += 1
    counts[2] = n_cd
    counts[3] = n_cu
    return worst


@numba.njit(cache=True, nogil=True)
def run_scenario(firms, shock_d, shock_u, model, buf, substitution, tol, max_iter):
    """Run one scenario, leaving hd, hu in the buffers; return ``(T, status)``.

    status 1 = the stopping rule did not hold within ``max_iter`` updates.
    """
    f8, i8, flags, counts = buf
    hd, hu, psd, psu = f8[0], f8[1], f8[2], f8[3]
    flag = flags[0]
    counts[:] = 0
    for k in range(firms.shape[0]):
        i = firms[k]
        flag[i] |= _SHOCK
        psd[i] = 1.0 - shock_d[k]
        psu[i] = 1.0 - shock_u[k]
        if not flag[i] & _TOUCH_D:
            _touch_d(i, model, f8, i8, flags, counts, substitution)
        if not flag[i] & _TOUCH_U:
            flag[i] |= _TOUCH_U
            i8[1][counts[1]] = i
            counts[1] += 1
        if hd[i] != psd[i]:
            hd[i] = psd[i]
            i8[2][counts[2]] = i
            counts[2] += 1
        if hu[i] != psu[i]:
            hu[i] = psu[i]
            i8[3][counts[3]] = i
            counts[3] += 1
    steps = 0
    while True:
        if steps >= max_iter:
            return steps, 1
        worst = _step(model, f8, i8, flags, counts, substitution)
        steps += 1
        if worst <= tol:
            return steps, 0


@numba.njit(cache=True, nogil=True)
def _enqueue(j, amount, pend, queue, state, flag, bit, tol):
    """Add to j's pending change; queue j once it exceeds ``tol``."""
    pend[j] += abs(amount)
    if pend[j] > tol and not flag[j] & bit:
        flag[j] |= bit
        n = queue.shape[0]
        queue[(state[0] + state[1]) % n] = j
        state[1] += 1


@numba.njit(cache=True, nogil=True)
def _push_d(i, model, f8, i8, flags, counts, state, tol):
    hd, c_d, lin_loss, pair_loss, pend = f8[0], f8[5], f8[7], f8[9], f8[10]
    f_ptr, f_buy, f_lam, f_slot = (model[_F_PTR], model[_F_BUY], model[_F_LAM],
                                   model[_F_SLOT])
    flag = flags[0]
    delta = (1.0 - hd[i]) - c_d[i]
    c_d[i] = 1.0 - hd[i]
    for e in range(f_ptr[i], f_ptr[i + 1]):
        j = f_buy[e]
        amount = f_lam[e] * delta
        if f_slot[e] >= 0:
            pair_loss[f_slot[e]] += amount
        else:
            lin_loss[j] += amount
        if not flag[j] & _DIRTY_D:
            flag[j] |= _DIRTY_D
            i8[6][counts[4]] = j
            counts[4] += 1
        _enqueue(j, amount, pend, i8[4], state, flag, _CAND_D, tol)


@numba.njit(cache=True, nogil=True)
def _push_u(j, model, f8, i8, flags, counts, state, tol):
    hu, c_u, u_loss, pend = f8[1], f8[6], f8[8], f8[11]
    b_ptr, b_sup, b_lam = model[_B_PTR], model[_B_SUP], model[_B_LAM]
    flag = flags[0]
    delta = (1.0 - hu[j]) - c_u[j]
    c_u[j] = 1.0 - hu[j]
    for e in range(b_ptr[j], b_ptr[j + 1]):
        i = b_sup[e]
        amount = b_lam[e] * delta
        u_loss[i] += amount
        if not flag[i] & _DIRTY_U:
            flag[i] |= _DIRTY_U
            i8[7][counts[5]] = i
            counts[5] += 1
        _enqueue(i, amount, pend, i8[5], state, flag, _CAND_U, tol)


@numba.njit(cache=True, nogil=True)
def _drain_d(model, f8, i8, flags, counts, state, tol, budget):
    hd, psd, lin_loss, pair_loss, pend = f8[0], f8[2], f8[7], f8[9], f8[10]
    queue, flag, p_ptr = i8[4], flags[0], model[_P_PTR]
    pops = 0
    while state[1] > 0:
        if pops >= budget:
            return pops, 1
        j = queue[state[0]]
        state[0] = (state[0] + 1) % queue.shape[0]
        state[1] -= 1
        flag[j] &= ~_CAND_D
        pend[j] = 0.0
        pops += 1
        worst = 0.0
        for s in range(p_ptr[j], p_ptr[j + 1]):
            worst = max(worst, pair_loss[s])
        value = min(1.0 - worst, 1.0 - lin_loss[j])
        if flag[j] & _SHOCK:
            value = min(psd[j], value)
        value = max(0.0, value)
        if value != hd[j]:
            if not flag[j] & _TOUCH_D:
                _touch_d(j, model, f8, i8, flags, counts, False)
            hd[j] = value
            _push_d(j, model, f8, i8, flags, counts, state, tol)
    return pops, 0


@numba.njit(cache=True, nogil=True)
def _drain_u(model, f8, i8, flags, counts, state, tol, budget):
    hu, psu, u_loss, pend = f8[1], f8[3], f8[8], f8[11]
    queue, flag = i8[5], flags[0]
    pops = 0
    while state[1] > 0:
        if pops >= budget:
            return pops, 1
        i = queue[state[0]]
        state[0] = (state[0] + 1) % queue.shape[0]
        state[1] -= 1
        flag[i] &= ~_CAND_U
        pend[i] = 0.0
        pops += 1
        value = 1.0 - u_loss[i]
        if flag[i] & _SHOCK:
            value = min(psu[i], value)
        value = max(0.0, value)
        if value != hu[i]:
            if not flag[i] & _TOUCH_U:
                flag[i] |= _TOUCH_U
                i8[1][counts[1]] = i
                counts[1] += 1
            hu[i] = value
            _push_u(i, model, f8, i8, flags, counts, state, tol)
    return pops, 0


@numba.njit(cache=True, nogil=True)
def run_scenario_worklist(firms, shock_d, shock_u, model, buf, tol, max_iter):
    """Asynchronous worklist (chaotic relaxation) to the fixed point, no substitution.

    An enterprise is recomputed once the input loss pushed to it since its last
    update exceeds ``tol``; the queue is first-in first-out. Returns ``(updates,
    status)`` where updates counts enterprise recomputations.
    """
    f8, i8, flags, counts = buf
    hd, hu, psd, psu = f8[0], f8[1], f8[2], f8[3]
    flag = flags[0]
    counts[:] = 0
    for k in range(firms.shape[0]):
        i = firms[k]
        flag[i] |= _SHOCK
        psd[i] = hd[i] = 1.0 - shock_d[k]
        psu[i] = hu[i] = 1.0 - shock_u[k]
        if not flag[i] & _TOUCH_D:
            _touch_d(i, model, f8, i8, flags, counts, False)
        if not flag[i] & _TOUCH_U:
            flag[i] |= _TOUCH_U
            i8[1][counts[1]] = i
            counts[1] += 1
    budget = max_iter * hd.shape[0]
    state = np.zeros(2, np.int64)
    for k in range(firms.shape[0]):
        _push_d(firms[k], model, f8, i8, flags, counts, state, tol)
    pops_d, status_d = _drain_d(model, f8, i8, flags, counts, state, tol, budget)
    state[:] = 0
    for k in range(firms.shape[0]):
        _push_u(firms[k], model, f8, i8, flags, counts, state, tol)
    pops_u, status_u = _drain_u(model, f8, i8, flags, counts, state, tol, budget)
    return pops_d + pops_u, max(status_d, status_u)


@numba.njit(cache=True, nogil=True)
def summarize(buf, weights, out):
    """ESRI, ESRI_d, ESRI_u and the counts of affected / half-lost enterprises."""
    f8, i8, flags, counts = buf
    hd, hu, flag = f8[0], f8[1], flags[0]
    total = down = up = 0.0
    n_hit = n_half = 0
    for k in range(counts[0]):
        i = i8[0][k]
        down += weights[i] * (1.0 - hd[i])
        h = min(hd[i], hu[i])
        total += weights[i] * (1.0 - h)
        n_hit += h < 1.0
        n_half += h < 0.5
    for k in range(counts[1]):
        i = i8[1][k]
        up += weights[i] * (1.0 - hu[i])
        if not flag[i] & _TOUCH_D:
            total += weights[i] * (1.0 - hu[i])
            n_hit += hu[i] < 1.0
            n_half += hu[i] < 0.5
    out[0] = total
    out[1] = down
    out[2] = up
    out[3] = n_hit
    out[4] = n_half


@numba.njit(cache=True, nogil=True)
def reset(buf, model):
    """Put the buffers back to the no-shock state, touching only what was used."""
    f8, i8, flags, counts = buf
    hd, hu, psd, psu, sigma, c_d, c_u, lin_loss, u_loss, pair_loss = f8[:10]
    pend_d, pend_u = f8[10], f8[11]
    m_tout, m_tpos, flag = f8[13], i8[9], flags[0]
    p_ptr, market = model[_P_PTR], model[_MARKET_OF]
    for k in range(counts[0]):
        i = i8[0][k]
        hd[i] = psd[i] = sigma[i] = 1.0
        c_d[i] = 0.0
        m_tout[market[i]] = 0.0
        m_tpos[market[i]] = 0
        flag[i] = 0
    for k in range(counts[1]):
        i = i8[1][k]
        hu[i] = psu[i] = 1.0
        c_u[i] = 0.0
        flag[i] = 0
    for k in range(counts[4]):
        j = i8[6][k]
        lin_loss[j] = pend_d[j] = 0.0
        for s in range(p_ptr[j], p_ptr[j + 1]):
            pair_loss[s] = 0.0
        flag[j] = 0
    for k in range(counts[5]):
        i = i8[7][k]
        u_loss[i] = pend_u[i] = 0.0
        flag[i] = 0


@numba.njit(cache=True, nogil=True)
def _run_range(scen_ptr, scen_firm, scen_d, scen_u, model, n_pairs, substitution, tol,
               max_iter, worklist, start, step, out, out_t, out_status):
    buf = new_buffers(model[_WEIGHTS].shape[0], n_pairs, model[_M_OUT0].shape[0])
    row = np.zeros(5)
    for s in range(start, scen_ptr.shape[0] - 1, step):
        lo, hi = scen_ptr[s], scen_ptr[s + 1]
        if worklist:
            T, status = run_scenario_worklist(scen_firm[lo:hi], scen_d[lo:hi],
                                              scen_u[lo:hi], model, buf, tol, max_iter)
        else:
            T, status = run_scenario(scen_firm[lo:hi], scen_d[lo:hi], scen_u[lo:hi],
                                     model, buf, substitution, tol, max_iter)
        summarize(buf, model[_WEIGHTS], row)
        out[s, :] = row
        out_t[s] = T
        out_status[s] = status
        reset(buf, model)


@numba.njit(cache=True, parallel=True)
def run_many(scen_ptr, scen_firm, scen_d, scen_u, model, n_pairs, substitution, tol,
             max_iter, worklist, n_chunks, out, out_t, out_status):
    """Run every scenario; chunk c takes scenarios c, c + n_chunks, ... (balanced)."""
    for c in numba.prange(n_chunks):
        _run_range(scen_ptr, scen_firm, scen_d, scen_u, model, n_pairs, substitution,
                   tol, max_iter, worklist, c, n_chunks, out, out_t, out_status)


@numba.njit(cache=True, nogil=True)
def run_one(firms, shock_d, shock_u, model, n_pairs, substitution, tol, max_iter,
            worklist):
    """One scenario with full per-enterprise output ``(hd, hu, T, status)``."""
    buf = new_buffers(model[_WEIGHTS].shape[0], n_pairs, model[_M_OUT0].shape[0])
    if worklist:
        T, status = run_scenario_worklist(firms, shock_d, shock_u, model, buf, tol,
                                          max_iter)
    else:
        T, status = run_scenario(firms, shock_d, shock_u, model, buf, substitution,
                                 tol, max_iter)
    return buf[0][0], buf[0][1], T, status
