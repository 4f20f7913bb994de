"""Maximum flow on a capacitated arc list: a numba float Dinic and a scipy path.

The network is given as parallel arrays ``tail``, ``head``, ``capacity`` over nodes
``0 .. n_nodes - 1`` (capacities float64, ``inf`` allowed; no duplicate arcs;
antiparallel pairs allowed). Both engines return the flow on every arc and the
source side of a minimum cut (nodes reachable from ``s`` in the residual network).
:func:`solve` wraps them and first renumbers nodes for memory locality.

Engines
-------
``"numba"``
    Dinic's algorithm on float64 residual capacities (breadth-first level graph,
    searched only up to the sink's level, since nodes at or past it cannot lie on
    a shortest augmenting path; iterative depth-first blocking flow with
    current-arc pointers, retreat to the first saturated arc after each
    augmentation). The network is built, renumbered and searched for the cut in
    compiled passes that give the same arrays as the scipy path. A residual capacity at or below
    ``rtol`` times the arc's own capacity counts as saturated (see
    :func:`tolerance`), so the result is exact up to that relative tolerance per
    arc, whatever the spread of magnitudes (0.001 to 1e12 yuan in one chain).
``"scipy"``
    :func:`scipy.sparse.csgraph.maximum_flow` (Dinic) works on int32 capacities
    only: larger integers silently wrap, and it computes ``capacity - flow`` in
    int32, which overflows unless the two capacities of an arc pair add up to at
    most ``2**31 - 1`` (checked: with capacities near ``2**31`` it returns wrong
    values). Capacities are therefore scaled to integers: every residual capacity is
    capped at an upper bound ``U`` of the remaining flow (this does not change the
    maximum flow value: some maximum flow has no cycle, so no arc carries more than
    the flow value), multiplied by ``scale = (2**30 - 1) / U`` and floored. The
    scaled flow is feasible for the float capacities. Iterative refinement: the
    flow still missing is at most the residual capacity of any s-t cut, and the
    nodes reachable through residual arcs of at least ``1 / scale`` give one whose
    arcs each hold less than one scaled unit; that sum is the next ``U``, and the
    next round solves the float residual network at the finer scale. It stops when
    no augmenting path above the tolerance is left (the residual search is the
    certificate of optimality), when ``U <= rtol * value`` (the flow is then within
    ``rtol`` of the maximum and the cut returned has capacity ``value + U``), or
    after ``max_rounds`` rounds (then the cut may not match the value, which
    :func:`chaingraph.algorithms.bottlenecks.max_flow` warns about). Each round
    typically gains 3 to 5 significant digits; 1M enterprises / 5M links take
    about 4 rounds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from chaingraph._engines import jit

__all__ = ["Network", "build_network", "counting_order", "locality_rank", "max_flow_numba",
           "max_flow_scipy", "solve", "source_side", "tolerance"]

INT32_MAX = 2**31 - 1
#: Largest scaled capacity: scipy computes ``capacity(u, v) - flow(u, v)`` in int32,
#: which overflows unless the capacities of each arc pair add to at most 2**31 - 1.
HALF_INT32 = INT32_MAX // 2


class Network:
    """Residual network in forward-star (CSR) form, one reverse arc per arc.

    Attributes
    ----------
    first : int64 array (n_nodes + 1)
        Residual arcs of node ``u`` are ``first[u]:first[u + 1]``.
    head, rev : int64 arrays (2 m)
        Head of each residual arc and the position of its paired arc.
    position : int64 array (m)
        Position of the forward residual arc of input arc ``i``.
    capacity : float64 array (2 m)
        Capacity of each residual arc (0 for reverse arcs).
    """

    __slots__ = ("capacity", "first", "head", "n_nodes", "position", "rev")

    def __init__(self, n_nodes: int, tail: np.ndarray, head: np.ndarray,
                 capacity: np.ndarray, *, engine: str = "scipy") -> None:
        self.n_nodes = n_nodes
        if engine == "numba":
            self.first, self.head, self.rev, self.capacity, self.position = _forward_star(
                np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64),
                np.asarray(capacity, dtype=np.float64), int(n_nodes))
            return
        m = len(tail)
        all_tail = np.concatenate([tail, head]).astype(np.int64)
        # stable counting sort by tail, O(m + n)
        order = counting_order(all_tail, n_nodes)
        position = np.empty(2 * m, dtype=np.int64)
        position[order] = np.arange(2 * m, dtype=np.int64)
        self.first = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(all_tail, minlength=n_nodes), out=self.first[1:])
        self.head = np.concatenate([head, tail]).astype(np.int64)[order]
        self.rev = np.concatenate([position[m:], position[:m]])[order]
        self.capacity = np.concatenate(
            [np.asarray(capacity, dtype=np.float64), np.zeros(m)])[order]
        self.position = position[:m]


@jit
def _forward_star(tail, head, capacity, n):  # pragma: no cover - compiled
    # the arrays of Network.__init__ in one pass: residual arcs of a node are its
    # forward arcs in input order, then its reverse arcs in input order
    m = tail.shape[0]
    first = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        first[tail[i] + 1] += 1
        first[head[i] + 1] += 1
    for v in range(n):
        first[v + 1] += first[v]
    fill = first[:-1].copy()
    out_head = np.empty(2 * m, dtype=np.int64)
    rev = np.empty(2 * m, dtype=np.int64)
    cap = np.zeros(2 * m)
    position = np.empty(m, dtype=np.int64)
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
    return first, out_head, rev, cap, position


def build_network(n_nodes: int, tail: np.ndarray, head: np.ndarray,
                  capacity: np.ndarray, *, engine: str = "scipy") -> Network:
    """Forward-star residual network of an arc list (see :class:`Network`).

    ``engine`` only chooses how it is built ("scipy": vectorised numpy with scipy's
    sort, "numba": one compiled pass); the arrays are the same.
    """
    return Network(n_nodes, tail, head, capacity, engine=engine)


@jit
def _counting_order_numba(keys, n_keys):  # pragma: no cover - compiled
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


def counting_order(keys: np.ndarray, n_keys: int, *, engine: str = "scipy"
                   ) -> np.ndarray:
    """Stable order sorting ``keys`` (ints in ``[0, n_keys)``), O(len + n_keys).

    ``engine="scipy"`` uses scipy's COO -> CSR conversion, ``"numba"`` a compiled
    counting sort; both give the same order.

    Examples
    --------
    >>> from chaingraph.kernels.maxflow import counting_order
    >>> counting_order(np.array([2, 0, 2, 1, 0]), 3).tolist()
    [1, 4, 3, 0, 2]
    """
    keys = np.asarray(keys, dtype=np.int64)
    if engine == "numba":
        return _counting_order_numba(keys, int(n_keys))
    m = len(keys)
    return sp.csr_array((np.ones(m, dtype=np.int8), (keys, np.arange(m, dtype=np.int64))),
                        shape=(n_keys, max(m, 1))).indices.astype(np.int64)


def tolerance(net: Network, rtol: float = 1e-12) -> np.ndarray:
    """Per residual arc: residual capacity at or below which it counts as saturated.

    ``rtol`` times the finite capacity of the arc pair (an arc and its reverse), so
    that rounding in ``capacity - flow`` on a 1e12-yuan link does not count as spare
    capacity, while a 0.001-yuan link keeps its own scale. Arcs of unbounded
    capacity (and their reverses) get 0.
    """
    pair = np.maximum(net.capacity, net.capacity[net.rev])
    return np.where(np.isfinite(pair), rtol * pair, 0.0)


@jit
def _dinic(first, head, rev, re, s, t):  # pragma: no cover
    # re[a, 0]: residual capacity of arc a; re[a, 1]: its tolerance (one cache line)
    n = first.shape[0] - 1
    level = np.empty(n, dtype=np.int32)
    queue = np.empty(n, dtype=np.int32)
    current = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    total = 0.0
    while True:
        # breadth-first levels over residual arcs above eps, up to the sink's level:
        # a node at or past it cannot be on a shortest augmenting path
        level[:] = -1
        level[s] = 0
        queue[0] = s
        lo, hi = 0, 1
        sink_level = n + 1
        while lo < hi:
            x = queue[lo]
            lo += 1
            lx = level[x] + 1
            if lx >= sink_level:
                break
            for a in range(first[x], first[x + 1]):
                y = head[a]
                if level[y] < 0 and re[a, 0] > re[a, 1]:
                    level[y] = lx
                    queue[hi] = y
                    hi += 1
                    if y == t:
                        sink_level = lx
        if level[t] < 0:
            break
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
                    return -1.0
                total += f
                cut = -1
                for i in range(top):
                    a = stack[i]
                    re[a, 0] -= f
                    re[rev[a], 0] += f
                    if cut < 0 and re[a, 0] <= re[a, 1]:
                        cut = i
                top = cut
                u = head[rev[stack[cut]]]
                continue
            advanced = False
            next_level = level[u] + 1
            while current[u] < first[u + 1]:
                a = current[u]
                v = head[a]
                # nodes on the sink's level other than the sink are dead ends
                if re[a, 0] > re[a, 1] and level[v] == next_level and (
                        v == t or next_level < sink_level):
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
    return total


@jit
def _residual_table(capacity, rev, rtol):  # pragma: no cover - compiled
    # [residual capacity, tolerance] per residual arc (see tolerance())
    out = np.empty((capacity.shape[0], 2))
    for a in range(capacity.shape[0]):
        pair = max(capacity[a], capacity[rev[a]])
        out[a, 0] = capacity[a]
        out[a, 1] = rtol * pair if np.isfinite(pair) else 0.0
    return out


def max_flow_numba(net: Network, s: int, t: int, *, rtol: float = 1e-12
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """Maximum s-t flow with the numba float Dinic engine.

    Returns
    -------
    value : float
    flow : float64 array
        Flow on each input arc (input order).
    side : bool array
        Source side of a minimum cut: nodes reachable from ``s`` through residual
        arcs above the tolerance (see :func:`source_side`).
    """
    table = _residual_table(net.capacity, net.rev, float(rtol))
    head = net.head.astype(np.int32) if net.n_nodes < 2**31 else net.head
    value = _dinic(net.first, head, net.rev, table, s, t)
    if value < 0:
        raise ValueError("the maximum flow is unbounded: a source reaches a final "
                         "producer through arcs without capacity")
    flow = table[net.rev[net.position], 0]
    # the residual search of source_side(), on the table in place (no copies)
    return float(value), flow, _residual_reach(net.first, head, table[:, 0],
                                               table[:, 1], int(s))


def _tails(net: Network) -> np.ndarray:
    return np.repeat(np.arange(net.n_nodes, dtype=np.int64), np.diff(net.first))


def max_flow_scipy(net: Network, s: int, t: int, *, rtol: float = 1e-12,
                   max_rounds: int = 12) -> tuple[float, np.ndarray, np.ndarray]:
    """Maximum s-t flow with scipy's integer Dinic and iterative refinement.

    Each round solves the scaled residual problem, then bounds the flow still
    missing by the residual capacity of an s-t cut (the nodes reachable through
    residual arcs of at least one scaled unit); the next round's scale is set by
    that bound. Stops when no augmenting path above the tolerance is left, or when
    the bound is at most ``rtol`` times the flow value (the returned side is then
    that cut, whose capacity exceeds the value by at most the bound), or after
    ``max_rounds`` rounds. See the module docstring. Returns like
    :func:`max_flow_numba`.
    """
    res = net.capacity.copy()
    eps = tolerance(net, rtol)
    tails = _tails(net)
    finite = np.isfinite(res) & (res > 0)
    bound = float(res[finite].sum()) if finite.any() else 0.0
    # residual arcs grouped by (tail, head): antiparallel input arcs share a group
    tail_order = counting_order(net.head, net.n_nodes)
    order = tail_order[counting_order(tails[tail_order], net.n_nodes)]
    skey = tails[order] * net.n_nodes + net.head[order]
    starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]]) if len(skey) else \
        np.zeros(0, dtype=np.int64)
    into_t = net.head[net.position] == t
    side = source_side(net, res, s, eps=eps)
    for _ in range(max_rounds):
        if not side[t] or bound <= 0:
            break
        capped = np.minimum(res, bound)
        scale = HALF_INT32 / bound
        pushed = _scaled_round(net, capped, scale, s, t, order, skey, starts)
        res -= pushed
        res[net.rev] += pushed
        np.maximum(res, 0, out=res)
        side = source_side(net, res, s, eps=eps)
        if not side[t]:
            break
        cut = source_side(net, res, s, eps=np.full(len(res), (1 - 1e-9) / scale))
        if cut[t]:
            bound = np.count_nonzero(capped > 0) / scale
            continue
        leaving = cut[tails] & ~cut[net.head]
        bound = float(np.minimum(res[leaving], bound).sum())
        value = float(res[net.rev[net.position]][into_t].sum())
        if bound <= rtol * value:
            side = cut
            break
    flow = res[net.rev[net.position]].copy()
    return float(flow[into_t].sum()), flow, side


def _scaled_round(net: Network, capped: np.ndarray, scale: float, s: int, t: int,
                  order: np.ndarray, skey: np.ndarray, starts: np.ndarray
                  ) -> np.ndarray:
    """One integer max flow on the scaled residual graph; flow per residual arc."""
    group_key = skey[starts]
    group_cap = np.add.reduceat(capped[order], starts) if len(starts) else capped[:0]
    values = np.minimum(np.floor(np.minimum(group_cap, HALF_INT32 / scale) * scale),
                        HALF_INT32)
    keep = values >= 1
    rows, cols = np.divmod(group_key[keep], net.n_nodes)
    A = sp.csr_array((values[keep].astype(np.int32), (rows, cols)),
                     shape=(net.n_nodes, net.n_nodes))
    A.sort_indices()
    pushed = np.zeros(len(capped))
    if A.nnz == 0:
        return pushed
    F = csgraph.maximum_flow(A, s, t, method="dinic").flow.tocoo()
    positive = F.data > 0
    fkey = F.row[positive].astype(np.int64) * net.n_nodes + F.col[positive]
    where = np.searchsorted(group_key, fkey)
    group_flow = np.zeros(len(group_key))
    group_flow[where] = F.data[positive] / scale
    # split each group's flow over its residual arcs, filling them in order
    sizes = np.diff(np.r_[starts, len(skey)])
    sorted_cap = capped[order]
    before = np.cumsum(sorted_cap) - sorted_cap
    before -= np.repeat(before[starts], sizes)
    share = np.clip(np.repeat(group_flow, sizes) - before, 0, sorted_cap)
    pushed[order] = share
    return pushed


@jit
def _residual_reach(first, head, res, eps, s):  # pragma: no cover - compiled
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


def source_side(net: Network, res: np.ndarray, s: int, *,
                eps: np.ndarray | None = None, rtol: float = 1e-12,
                engine: str = "scipy") -> np.ndarray:
    """Nodes reachable from ``s`` through residual arcs above ``eps`` (boolean mask).

    ``eps`` defaults to :func:`tolerance` with ``rtol``. ``engine`` chooses the
    search (scipy's breadth-first order or a compiled one; the same set).

    With a maximum flow, the arcs from this side to the other form a minimum cut.
    """
    if eps is None:
        eps = tolerance(net, rtol)
    if engine == "numba":
        return _residual_reach(net.first, net.head, res, eps, int(s))
    tails = _tails(net)
    keep = res > eps
    A = sp.csr_array((np.ones(int(keep.sum()), dtype=np.int8),
                      (tails[keep], net.head[keep])), shape=(net.n_nodes, net.n_nodes))
    order = csgraph.breadth_first_order(A, s, directed=True, return_predecessors=False)
    mask = np.zeros(net.n_nodes, dtype=bool)
    mask[order] = True
    return mask


@jit
def _search_order(first, head, root):  # pragma: no cover - compiled
    n = first.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    seen[root] = True
    order[0] = root
    lo, hi = 0, 1
    while lo < hi:
        x = order[lo]
        lo += 1
        for a in range(first[x], first[x + 1]):
            y = head[a]
            if not seen[y]:
                seen[y] = True
                order[hi] = y
                hi += 1
    return order[:hi]


def locality_rank(n_nodes: int, tail: np.ndarray, head: np.ndarray, root: int, *,
                  engine: str = "scipy") -> np.ndarray:
    """New node numbers in breadth-first order from ``root`` (unreached ones last).

    Numbering nodes in search order puts the nodes of one layer of the chain next
    to each other in memory, which roughly halves the time of the memory-bound
    flow search on large chains. ``engine`` chooses the search (scipy's
    breadth-first order or a compiled one over the arcs in the same order: the same
    numbering).
    """
    if engine == "numba":
        tail, head = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
        by_head = counting_order(head, n_nodes, engine="numba")  # each row sorted,
        by_tail = by_head[counting_order(tail[by_head], n_nodes, engine="numba")]  # as scipy's
        first = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n_nodes), out=first[1:])
        order = _search_order(first, head[by_tail], int(root))
    else:
        A = sp.csr_array((np.ones(len(tail), dtype=np.int8), (tail, head)),
                         shape=(n_nodes, n_nodes))
        order = csgraph.breadth_first_order(A, root, directed=True,
                                            return_predecessors=False)
    seen = np.zeros(n_nodes, dtype=bool)
    seen[order] = True
    order = np.concatenate([order, np.flatnonzero(~seen)])
    rank = np.empty(n_nodes, dtype=np.int64)
    rank[order] = np.arange(n_nodes, dtype=np.int64)
    return rank


def solve(n_nodes: int, tail: np.ndarray, head: np.ndarray, capacity: np.ndarray,
          s: int, t: int, *, engine: str = "numba", rtol: float = 1e-12,
          reorder: bool = True) -> tuple[float, np.ndarray, np.ndarray]:
    """Maximum s-t flow of an arc list and the source side of a minimum cut.

    Parameters
    ----------
    n_nodes : int
    tail, head : int arrays
        Arcs (no duplicates; antiparallel pairs allowed).
    capacity : float array
        Capacities (``inf`` allowed; no path of only unbounded arcs from s to t).
    s, t : int
    engine : {"numba", "scipy"}
    rtol : float
        Relative saturation tolerance (see :func:`tolerance`).
    reorder : bool
        Renumber nodes in breadth-first order first (see :func:`locality_rank`).

    Returns
    -------
    value : float
    flow : float64 array
        Flow on each arc (input order).
    side : bool array
        Nodes reachable from ``s`` in the residual network: the arcs leaving this
        set form a minimum cut.

    Examples
    --------
    >>> from chaingraph.kernels.maxflow import solve
    >>> tail, head = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3])
    >>> value, flow, side = solve(4, tail, head, np.array([2.0, 5.0, 1.5, 9.0]), 0, 3,
    ...                           engine="scipy")
    >>> value, flow.tolist(), side.tolist()
    (6.5, [1.5, 5.0, 1.5, 5.0], [True, True, False, False])
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    rank = locality_rank(n_nodes, tail, head, s, engine=engine) if reorder and len(
        tail) else np.arange(n_nodes, dtype=np.int64)
    net = build_network(n_nodes, rank[tail], rank[head], capacity, engine=engine)
    run = max_flow_numba if engine == "numba" else max_flow_scipy
    value, flow, side = run(net, int(rank[s]), int(rank[t]), rtol=rtol)
    return value, flow, side[rank]
