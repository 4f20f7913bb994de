"""Compiled passes of the numba maximum-flow engine (see :mod:`chaingraph.kernels.maxflow`).

Each function works on the forward-star arrays of a
:class:`~chaingraph.kernels.maxflow.Network` and is called only when numba is
available; :mod:`~chaingraph.kernels.maxflow` gives the documented entry points and
the scipy equivalents (the same arrays, tested against each other).
"""

from __future__ import annotations

import numpy as np

from chaingraph._engines import jit

__all__ = ["DONE", "TOO_DEEP", "UNBOUNDED", "counting_order", "dinic", "fill_forward_star",
           "fill_tolerance", "forward_star", "residual_network", "residual_reach",
           "residual_table", "rows_by_head"]


def forward_star(tail, head, capacity, n):
    """The arrays of ``Network.__init__`` (int64 indices)."""
    m = tail.shape[0]
    first = np.zeros(n + 1, dtype=np.int64)
    out_head = np.empty(2 * m, dtype=np.int64)
    rev = np.empty(2 * m, dtype=np.int64)
    cap = np.zeros(2 * m)
    position = np.empty(m, dtype=np.int64)
    fill_forward_star(tail, head, capacity, first, out_head, rev, cap, position)
    return first, out_head, rev, cap, position


def residual_network(tail, head, capacity, n, rtol, out_head, rev, position):
    """:func:`forward_star` and :func:`residual_table` without the separate capacity
    array, into index arrays of the caller's integer type (int32 on any chain below
    2**31 residual arcs: half the memory of int64); returns ``first, table``."""
    first = np.zeros(n + 1, dtype=np.int64)
    table = np.zeros((2 * len(tail), 2))
    fill_forward_star(tail, head, capacity, first, out_head, rev, table[:, 0], position)
    fill_tolerance(table, rev, rtol)
    return first, table


@jit
def fill_forward_star(tail, head, capacity, first, out_head, rev, cap, position
                      ):  # pragma: no cover - compiled
    # residual arcs of a node are its forward arcs in input order, then its reverse
    # arcs in input order; ``first`` and ``cap`` come in zeroed
    m = tail.shape[0]
    n = first.shape[0] - 1
    for i in range(m):
        first[tail[i] + 1] += 1
        first[head[i] + 1] += 1
    for v in range(n):
        first[v + 1] += first[v]
    fill = first[:-1].copy()
    for i in range(m):
        a = fill[tail[i]]
        fill[tail[i]] += 1
        position[i] = a
        out_head[a] = head[i]
        cap[a] = capacity[i]
    for i in range(m):
        b = fill[head[i]]
        fill[head[i]] += 1
        out_head[b] = tail[i]
        a = position[i]
        rev[a] = b
        rev[b] = a


@jit
def counting_order(keys, n_keys):  # pragma: no cover - compiled
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        start[k + 1] += 1
    for i in range(n_keys):
        start[i + 1] += start[i]
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        k = keys[i]
        order[start[k]] = i
        start[k] += 1
    return order


@jit
def rows_by_head(tail, head, n):  # pragma: no cover - compiled
    # CSR arrays (first, heads) of the arcs grouped by tail, each row's heads in
    # increasing order, ties in input order: a stable counting sort by head, then
    # one by tail, as counting_order(tail[by_head]) over counting_order(head) gives,
    # without the three gathers of arc-sized arrays between them
    m = tail.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    first = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        start[head[i] + 1] += 1
        first[tail[i] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
        first[v + 1] += first[v]
    by_head = np.empty(m, dtype=np.int64)
    for i in range(m):
        by_head[start[head[i]]] = i
        start[head[i]] += 1
    heads = np.empty(m, dtype=np.int64)
    fill = first[:-1].copy()
    for k in range(m):
        i = by_head[k]
        heads[fill[tail[i]]] = head[i]
        fill[tail[i]] += 1
    return first, heads


#: :func:`dinic`'s status: the maximum flow was found; it is unbounded; a level
#: would not fit the level array's integer type (the flow so far is kept).
DONE, UNBOUNDED, TOO_DEEP = 0, 1, 2


@jit
def dinic(first, head, rev, re, s, t, level, current, stack):  # pragma: no cover
    # re[a, 0]: residual capacity of arc a; re[a, 1]: its tolerance (one cache line).
    # open_[a]: bit 1 when arc a has residual capacity above its tolerance, bit 2
    # when its reverse arc has: one byte per arc, read in arc order by both
    # searches (a backward search otherwise reads re[rev[a]], one cache miss per
    # arc: about a third of the time at 500,000 enterprises), kept with re.
    # level, current, stack: work arrays of n nodes, of the caller's integer types
    # (int16 levels and int32 arc positions keep more of them in cache); returns the
    # flow added to re's and a status (DONE, UNBOUNDED, or TOO_DEEP when a level
    # would overflow level's type: the caller goes on with a wider one).
    #
    # Each phase's levels are the distances from s (forward) or to t (backward),
    # whichever side of the network its search covers in fewer arcs: the flow's
    # blocking paths are shortest s-t paths either way. Late phases add little flow
    # while a forward search still covers the whole source side (all but a few
    # percent of a chain whose cut lies near its final producers); backward, they
    # cover only the nodes that can still reach t. The side is chosen from the
    # last search of each: the cheaper one runs, within the other's last cost, and
    # the other runs if it passes that (a phase costs at most both searches).
    n = first.shape[0] - 1
    queue = np.empty(n, dtype=np.int32)
    mark = np.empty(n, dtype=np.uint8)
    open_ = np.empty(head.shape[0], dtype=np.uint8)
    for a in range(head.shape[0]):
        b = rev[a]
        open_[a] = (1 if re[a, 0] > re[a, 1] else 0) | (2 if re[b, 0] > re[b, 1] else 0)
    total = 0.0
    big = np.iinfo(np.int64).max
    # arcs of the last search forward, backward: zero at first, so that the first
    # phase stops its forward search at once and searches backward, and the second
    # searches forward within that cost: each side is measured once
    cost = np.zeros(2, dtype=np.int64)
    deepest = np.iinfo(level.dtype).max
    while True:
        backward = cost[1] < cost[0]
        budget = cost[0] if backward else cost[1]
        depth = -1
        for _ in range(2):
            # breadth-first levels from the root over residual arcs above their
            # tolerance (backward: the reverse arcs, distances to t), up to the
            # other end's level (depth): a node at or past it is on no shortest
            # path between the two. depth -1: not reached; -2: the scan passed
            # the budget (then the other side is searched, without one)
            root, other = (t, s) if backward else (s, t)
            usable = 2 if backward else 1  # the bit of open_ this search reads
            level[:] = -1
            level[root] = 0
            queue[0] = root
            lo, hi = 0, 1
            found = n + 1
            scanned = 0
            while lo < hi:
                x = queue[lo]
                lo += 1
                lx = level[x] + 1
                if lx >= found:
                    break
                if lx >= deepest:
                    return total, TOO_DEEP
                scanned += first[x + 1] - first[x]
                if scanned > budget:
                    found = -2
                    break
                for a in range(first[x], first[x + 1]):
                    if not open_[a] & usable:
                        continue
                    y = head[a]
                    if level[y] < 0:
                        level[y] = lx
                        queue[hi] = y
                        hi += 1
                        if y == other:
                            found = lx
            cost[1 if backward else 0] = scanned
            depth = found if found <= n else -1
            if depth != -2:
                break
            backward, budget = not backward, big
        if depth < 0:
            break
        if not backward:
            # a forward phase's depth-first search would enter every node of the
            # level graph, most of which lead nowhere once little flow is left
            # (all the source side of a chain whose cut lies near its sources):
            # keep the levels of the nodes on a shortest s-t path only, found
            # backward from t over the residual arcs into each node (bit 2 of its
            # own arcs) that come from the level before
            mark[:] = 0
            mark[t] = 1
            queue[0] = t
            lo, hi = 0, 1
            while lo < hi:
                x = queue[lo]
                lo += 1
                lx = level[x] - 1
                if lx < 0:  # x is s
                    continue
                for a in range(first[x], first[x + 1]):
                    if open_[a] & 2:
                        y = head[a]
                        if level[y] == lx and not mark[y]:
                            mark[y] = 1
                            queue[hi] = y
                            hi += 1
            for x in range(n):
                if not mark[x]:
                    level[x] = -1
        current[:] = first[:-1]
        top = 0
        u = s
        while True:
            if u == t:
                f = np.inf
                for i in range(top):
                    if re[stack[i], 0] < f:
                        f = re[stack[i], 0]
                if not np.isfinite(f):
                    return total, UNBOUNDED
                total += f
                cut = -1
                for i in range(top):
                    a = stack[i]
                    b = rev[a]
                    re[a, 0] -= f
                    re[b, 0] += f
                    a_open = re[a, 0] > re[a, 1]
                    b_open = re[b, 0] > re[b, 1]
                    open_[a] = (1 if a_open else 0) | (2 if b_open else 0)
                    open_[b] = (1 if b_open else 0) | (2 if a_open else 0)
                    if cut < 0 and not a_open:
                        cut = i
                top = cut
                u = head[rev[stack[cut]]]
                continue
            advanced = False
            # forward: one level further from s, and nodes on t's level other than t
            # are dead ends; backward: one step closer to t (unreached nodes are -1)
            next_level = level[u] - 1 if backward else level[u] + 1
            while current[u] < first[u + 1]:
                a = current[u]
                v = head[a]
                if open_[a] & 1 and level[v] == next_level and (
                        backward or v == t or next_level < depth):
                    stack[top] = a
                    top += 1
                    u = v
                    advanced = True
                    break
                current[u] += 1
            if not advanced:
                if u == s:
                    break
                level[u] = -1
                top -= 1
                u = head[rev[stack[top]]]
                current[u] += 1
    return total, DONE


def residual_table(capacity, rev, rtol):
    """[residual capacity, tolerance] per residual arc (see ``tolerance()``)."""
    out = np.empty((capacity.shape[0], 2))
    out[:, 0] = capacity
    fill_tolerance(out, rev, rtol)
    return out


@jit
def fill_tolerance(table, rev, rtol):  # pragma: no cover - compiled
    # table[:, 1] from the capacities in table[:, 0] (see tolerance())
    for a in range(table.shape[0]):
        pair = max(table[a, 0], table[rev[a], 0])
        table[a, 1] = rtol * pair if np.isfinite(pair) else 0.0


@jit
def residual_reach(first, head, res, eps, s):  # pragma: no cover - compiled
    n = first.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    seen[s] = True
    queue[0] = s
    lo, hi = 0, 1
    while lo < hi:
        x = queue[lo]
        lo += 1
        for a in range(first[x], first[x + 1]):
            y = head[a]
            if not seen[y] and res[a] > eps[a]:
                seen[y] = True
                queue[hi] = y
                hi += 1
    return seen
