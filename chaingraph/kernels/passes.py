"""Single-pass measures on graphs: distance to a sink in a DAG, the minimum over what
lies downstream, weak components, and the links and weight between groups of nodes.

Like :mod:`chaingraph.kernels.graph`, every function takes the ``indptr`` /
``indices`` arrays of a square CSR adjacency (rows are suppliers) and
``method="auto" | "numba" | "scipy"``; the numba path is one compiled pass, the
scipy path scipy's C routines.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from chaingraph._engines import jit, resolve_method
from chaingraph.kernels.graph import (
    longest_path_levels,
    pattern_matrix,
    topological_order,
    transpose,
)

__all__ = ["divide_rows", "group_pair_totals", "min_downstream", "sink_levels",
           "weak_component_count"]


@jit
def _sink_pass_numba(indptr, indices, order):  # pragma: no cover - compiled
    level = np.zeros(indptr.shape[0] - 1, dtype=np.int64)
    for i in range(order.shape[0] - 1, -1, -1):  # successors first
        v = order[i]
        for j in range(indptr[v], indptr[v + 1]):
            if level[indices[j]] + 1 > level[v]:
                level[v] = level[indices[j]] + 1
    return level


def sink_levels(indptr: np.ndarray, indices: np.ndarray, *, method: str = "auto"
                ) -> np.ndarray:
    """Longest path (in links) from each node of a DAG to a node without successors.

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of a directed acyclic graph.
    method : {"auto", "numba", "scipy"}
        numba: :func:`~chaingraph.kernels.graph.topological_order` and one reverse
        pass, no transpose; scipy:
        :func:`longest_path_levels` of the transposed graph, minus one.

    Returns
    -------
    numpy.ndarray of int64
        0 for nodes without successors; every successor of a node has a smaller value.

    Raises
    ------
    ValueError
        When the graph has a cycle.

    Examples
    --------
    >>> sink_levels(np.array([0, 2, 3, 3]), np.array([1, 2, 2])).tolist()  # 0->1->2, 0->2
    [2, 1, 0]
    """
    n = len(indptr) - 1
    if resolve_method(method) == "numba":
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64)
        order = topological_order(indptr, indices)
        if len(order) != n:
            raise ValueError("sink_levels needs an acyclic graph (condense first)")
        return _sink_pass_numba(indptr, indices, order)
    return longest_path_levels(*transpose(indptr, indices), method=method) - 1


@jit
def _weak_count_numba(indptr, indices, n):  # pragma: no cover - compiled
    parent = np.arange(n)
    count = n
    for v in range(n):
        for j in range(indptr[v], indptr[v + 1]):
            a, b = v, indices[j]
            while parent[a] != a:  # find with path halving
                parent[a] = parent[parent[a]]
                a = parent[a]
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            if a != b:
                parent[max(a, b)] = min(a, b)
                count -= 1
    return count


def weak_component_count(indptr: np.ndarray, indices: np.ndarray, *,
                         method: str = "auto") -> int:
    """Number of weakly connected components (isolated nodes count one each).

    numba: union-find over the links (path halving), O(m alpha(n)); scipy:
    ``connected_components(connection="weak")``.

    Examples
    --------
    >>> weak_component_count(np.array([0, 1, 1, 1, 1]), np.array([1]))  # 0-1, 2, 3
    3
    """
    n = len(indptr) - 1
    if n == 0:
        return 0
    if resolve_method(method) == "numba":
        return int(_weak_count_numba(np.asarray(indptr, dtype=np.int64),
                                     np.asarray(indices, dtype=np.int64), n))
    A = pattern_matrix(indptr, indices)
    return int(csgraph.connected_components(A, directed=True, connection="weak")[0])


def group_pair_totals(src: np.ndarray, dst: np.ndarray, group: np.ndarray,
                      n_groups: int, weights: np.ndarray | None = None, *,
                      method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Number and total weight of the links between each ordered pair of groups.

    Links ``src[i] -> dst[i]`` whose ends are in the same group are left out.
    ``group``: each node's group (``0 .. n_groups - 1``); ``weights``: each link's
    (NaN counts as 0; None: every link weighs 1).

    Returns
    -------
    counts : numpy.ndarray of int64
    totals : numpy.ndarray of float64
        Both of length ``n_groups ** 2``, pair ``(a, b)`` at ``a * n_groups + b``;
        each pair's weights summed in link order (as ``numpy.bincount`` sums them).

    Notes
    -----
    numba: one pass over the links, no temporary array. numpy: integer pair keys
    and two ``bincount`` calls (about 25 bytes per link of temporaries).

    Examples
    --------
    >>> src, dst = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 1])
    >>> counts, totals = group_pair_totals(src, dst, np.array([0, 1, 1]), 2,
    ...                                    np.array([1.0, 2.0, 4.0, np.nan]),
    ...                                    method="scipy")
    >>> counts.tolist(), totals.tolist()
    ([0, 2, 0, 0], [0.0, 3.0, 0.0, 0.0])
    """
    k = max(int(n_groups), 1)
    if weights is None:
        weights = np.ones(len(src))
    if resolve_method(method) == "numba":
        return _group_pair_totals_numba(src, dst, group.astype(np.int64, copy=False), k,
                                        np.asarray(weights, dtype=np.float64))
    a, b = group[src], group[dst]
    keep = a != b
    key = a[keep].astype(np.int64) * k + b[keep]
    w = np.asarray(weights, dtype=np.float64)[keep]
    return (np.bincount(key, minlength=k * k),
            np.bincount(key, weights=np.where(np.isnan(w), 0.0, w), minlength=k * k))


@jit
def _group_pair_totals_numba(src, dst, group, k, weights):  # pragma: no cover
    counts = np.zeros(k * k, dtype=np.int64)
    totals = np.zeros(k * k)
    for i in range(src.shape[0]):
        a = group[src[i]]
        b = group[dst[i]]
        if a != b:
            key = a * k + b
            counts[key] += 1
            w = weights[i]
            totals[key] += 0.0 if w != w else w
    return counts, totals


@jit
def _divide_rows_numba(block, divisor, keep, out):  # pragma: no cover - compiled
    at = 0
    for i in range(block.shape[0]):
        if keep[i]:
            d = divisor[i]
            for j in range(block.shape[1]):
                out[at, j] = block[i, j] / d
            at += 1
    return at


def divide_rows(block: np.ndarray, divisor: np.ndarray, keep: np.ndarray,
                out: np.ndarray, *, method: str = "auto") -> int:
    """Write ``block[keep] / divisor[keep, None]`` into the first rows of ``out``.

    One pass without the copy of the kept rows that fancy indexing makes (at a
    million rows of 64 random ranks, 0.36 s became 0.1 s); the quotient is computed
    in ``block``'s dtype and rounded to ``out``'s, as ``numpy.divide(...,
    out=out, casting="unsafe")`` does, so both methods give the same bits.

    Parameters
    ----------
    block : numpy.ndarray (m, k)
    divisor : numpy.ndarray (m,)
    keep : numpy.ndarray of bool (m,)
    out : numpy.ndarray (at least ``keep.sum()`` rows, k)
    method : {"auto", "numba", "scipy"}

    Returns
    -------
    int
        The rows written (``keep.sum()``).

    Examples
    --------
    >>> out = np.zeros((2, 2), dtype=np.float32)
    >>> divide_rows(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([1, 2, 4]),
    ...             np.array([True, False, True]), out)
    2
    >>> out.tolist()
    [[1.0, 2.0], [1.25, 1.5]]
    """
    if resolve_method(method) == "numba":
        return int(_divide_rows_numba(block, divisor, keep, out))
    k = int(keep.sum())
    np.divide(block[keep], divisor[keep, None], out=out[:k], casting="unsafe")
    return k


@jit
def _min_downstream_numba(indptr, indices, order, values):  # pragma: no cover - compiled
    k = values.shape[1]
    for v in order:
        for a in range(indptr[v], indptr[v + 1]):
            w = indices[a]
            for j in range(k):
                if values[w, j] < values[v, j]:
                    values[v, j] = values[w, j]


def _min_downstream_numpy(indptr: np.ndarray, indices: np.ndarray, level: np.ndarray,
                          values: np.ndarray) -> None:
    A = pattern_matrix(indptr, indices)
    for d in range(1, int(level.max(initial=0)) + 1):
        nodes = np.flatnonzero(level == d)
        rows = A[nodes]
        mins = np.minimum.reduceat(values[rows.indices], rows.indptr[:-1], axis=0)
        values[nodes] = np.minimum(values[nodes], mins)


def min_downstream(indptr: np.ndarray, indices: np.ndarray, level: np.ndarray,
                   values: np.ndarray, *, method: str = "auto") -> np.ndarray:
    """Row-wise minimum of ``values`` over each node and everything downstream of it.

    Parameters
    ----------
    indptr, indices : int arrays
        CSR successor lists of a DAG (no self-loops).
    level : int array
        Longest distance of each node from a node without successors (0 for
        those): every successor of a node has a smaller level.
    values : float array (n, k)
        Updated in place and returned: row ``v`` becomes the element-wise minimum of
        the rows of ``v`` and of all nodes reachable from it.
    method : {"auto", "numba", "numpy"}
        numba: one pass over the nodes by increasing level, O((n + m) k); numpy:
        one vectorised ``minimum.reduceat`` per level (same result: minima are exact).

    Returns
    -------
    ndarray
        ``values``.

    Examples
    --------
    >>> from chaingraph.kernels.passes import min_downstream
    >>> indptr, indices = np.array([0, 1, 2, 2]), np.array([1, 2])  # 0 -> 1 -> 2
    >>> values = np.array([[3.0, 1.0], [2.0, 5.0], [4.0, 0.5]])
    >>> min_downstream(indptr, indices, np.array([2, 1, 0]), values,
    ...                method="numpy").tolist()
    [[2.0, 0.5], [2.0, 0.5], [4.0, 0.5]]
    """
    engine = resolve_method(method, choices=("numba", "numpy"))
    if engine == "numba":
        order = np.argsort(level, kind="stable")
        _min_downstream_numba(np.asarray(indptr, dtype=np.int64),
                              np.asarray(indices, dtype=np.int64), order, values)
    else:
        _min_downstream_numpy(indptr, indices, level, values)
    return values
