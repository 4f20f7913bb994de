"""Reachability, strongly connected components and longest-path levels on CSR arrays.

All functions take the ``indptr`` / ``indices`` arrays of a square CSR adjacency whose
rows are suppliers (an entry ``i -> j`` means i supplies j), as int64 arrays, and
``method="auto" | "numba" | "scipy"``. The numba path is the fast one; the scipy path
uses scipy's C graph routines and vectorised numpy, with no Python loop over nodes or
edges (only over BFS levels where noted).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from chaingraph._engines import jit, resolve_method

__all__ = [
    "condensation",
    "csr_arrays",
    "edge_sources",
    "longest_path_levels",
    "pattern_matrix",
    "reachable",
    "search_order",
    "strong_components",
    "tier_levels",
    "topological_order",
    "transpose",
]


def csr_arrays(A: sp.csr_array | sp.csr_matrix, *, drop_self_loops: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(indptr, indices)`` of a square sparse matrix as int64, sorted, loops dropped.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> A = sp.csr_array(np.array([[1, 1], [0, 0]]))
    >>> [a.tolist() for a in csr_arrays(A)]
    [[0, 1, 1], [1]]
    """
    A = sp.csr_array(A)
    A.sort_indices()
    indptr = A.indptr.astype(np.int64)
    indices = A.indices.astype(np.int64)
    if drop_self_loops:
        loop = edge_sources(indptr) == indices
        if loop.any():
            indptr, indices = _kept_entries(indptr, indices, ~loop)
    return indptr, indices


def _kept_entries(indptr: np.ndarray, indices: np.ndarray, keep: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays with only the stored entries where ``keep`` (a mask over them)."""
    rows = edge_sources(indptr)[keep]
    return (np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(indptr) - 1)))
                           ).astype(np.int64), indices[keep])


def edge_sources(indptr: np.ndarray, start: int = 0, stop: int | None = None
                 ) -> np.ndarray:
    """Row (supplier) of each stored entry of a CSR matrix, or of entries
    ``start:stop`` only (bounds >= 0: a block of a large matrix, not the whole).

    Examples
    --------
    >>> indptr = np.array([0, 2, 2, 5])
    >>> edge_sources(indptr).tolist(), edge_sources(indptr, 1, 4).tolist()
    ([0, 0, 2, 2, 2], [0, 2, 2])
    """
    if start < 0 or (stop is not None and stop < 0):
        raise ValueError(f"start and stop must be >= 0, got {start}, {stop}")
    n = len(indptr) - 1
    if start == 0 and (stop is None or stop >= indptr[-1]):
        return np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    stop = int(indptr[-1]) if stop is None else min(int(stop), int(indptr[-1]))
    if stop <= start:  # an empty block
        return np.zeros(0, dtype=np.int64)
    # rows first..last-1 hold the entries start..stop-1
    first = int(np.searchsorted(indptr, start, side="right")) - 1
    last = int(np.searchsorted(indptr, stop, side="left"))
    bounds = np.clip(indptr[first:last + 1], start, stop)
    return np.repeat(np.arange(first, last, dtype=np.int64), np.diff(bounds))


def transpose(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of the transposed graph (predecessor lists), sorted.

    Examples
    --------
    >>> [a.tolist() for a in transpose(np.array([0, 2, 2, 2]), np.array([1, 2]))]
    [[0, 0, 1, 2], [0, 0]]
    """
    T = pattern_matrix(indptr, indices).tocsc()  # CSC of A = CSR of A.T, rows sorted
    return T.indptr.astype(np.int64), T.indices.astype(np.int64)


def pattern_matrix(indptr: np.ndarray, indices: np.ndarray) -> sp.csr_array:
    """The square scipy matrix of CSR arrays (int8 ones: the pattern, for scipy's
    graph routines).

    Examples
    --------
    >>> pattern_matrix(np.array([0, 1, 1]), np.array([1])).toarray().tolist()
    [[0, 1], [0, 0]]
    """
    n = len(indptr) - 1
    return sp.csr_array((np.ones(len(indices), dtype=np.int8), indices, indptr),
                        shape=(n, n))


def _gather(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Out-edges of ``nodes``: ``(tails, heads)`` arrays (vectorised)."""
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    positions = offsets + np.arange(total, dtype=np.int64)
    return np.repeat(nodes, counts), indices[positions]


# --- reachability ---------------------------------------------------------------------
def _bfs_scipy(indptr: np.ndarray, indices: np.ndarray, seeds: np.ndarray, n: int
               ) -> np.ndarray:
    """BFS from a super-source joined to every seed (scipy's C breadth-first order)."""
    aug_indptr = np.concatenate((indptr, [indptr[-1] + len(seeds)]))
    aug_indices = np.concatenate((indices, seeds))
    order = csgraph.breadth_first_order(
        pattern_matrix(aug_indptr, aug_indices), n, directed=True,
        return_predecessors=False)
    seen = np.zeros(n, dtype=bool)
    seen[order[order < n]] = True
    return seen


@jit
def _search_numba(indptr, indices, roots):  # pragma: no cover - compiled
    n = indptr.shape[0] - 1
    seen = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    hi = 0
    for r in roots:
        if not seen[r]:
            seen[r] = True
            order[hi] = r
            hi += 1
    lo = 0
    while lo < hi:
        v = order[lo]
        lo += 1
        for a in range(indptr[v], indptr[v + 1]):
            w = indices[a]
            if not seen[w]:
                seen[w] = True
                order[hi] = w
                hi += 1
    for v in range(n):
        if not seen[v]:
            order[hi] = v
            hi += 1
    return order, seen


def search_order(indptr: np.ndarray, indices: np.ndarray, roots: np.ndarray
                 ) -> np.ndarray:
    """Breadth-first order from all roots at once, unreached nodes last (numba only).

    Renumbering nodes in this order keeps the nodes one search meets next to each
    other in memory, which speeds up the memory-bound searches on large chains.

    Examples
    --------
    >>> search_order(np.array([0, 1, 2, 2, 2]), np.array([1, 2]), np.array([0])).tolist()
    [0, 1, 2, 3]
    """
    return _search_numba(np.asarray(indptr, dtype=np.int64), indices,
                         np.asarray(roots, dtype=np.int64))[0]


def reachable(indptr: np.ndarray, indices: np.ndarray, seeds: np.ndarray, *,
              method: str = "auto") -> np.ndarray:
    """Mask of the nodes reachable from any seed (the seeds included).

    For backward reachability (everything upstream of the seeds) pass the arrays of
    :func:`transpose`.

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of the graph.
    seeds : numpy.ndarray of int or bool
        Seed node codes, or a boolean mask.
    method : {"auto", "numba", "scipy"}
        numba BFS, or scipy ``breadth_first_order`` from a super-source joined to
        every seed.

    Returns
    -------
    numpy.ndarray of bool

    Notes
    -----
    One breadth-first search: O(n + m) time.

    Examples
    --------
    >>> indptr, indices = np.array([0, 1, 1, 2]), np.array([1, 1])
    >>> reachable(indptr, indices, np.array([2]), method="scipy").tolist()
    [False, True, True]
    """
    n = len(indptr) - 1
    seeds = np.asarray(seeds)
    seeds = np.flatnonzero(seeds) if seeds.dtype == bool else seeds.astype(np.int64)
    if n == 0 or len(seeds) == 0:
        return np.zeros(n, dtype=bool)
    if resolve_method(method) == "numba":
        return _search_numba(indptr, indices, seeds)[1]
    return _bfs_scipy(indptr, indices, seeds, n)


# --- strongly connected components ----------------------------------------------------
def strong_components(indptr: np.ndarray, indices: np.ndarray) -> tuple[int, np.ndarray]:
    """Strongly connected components: ``(count, label of each node)``.

    Uses scipy's ``connected_components(connection="strong")`` (Pearce's algorithm,
    C, O(n + m)) for every method.

    Examples
    --------
    >>> strong_components(np.array([0, 1, 2, 2]), np.array([1, 0]))[0]
    2
    """
    n = len(indptr) - 1
    if n == 0:
        return 0, np.empty(0, dtype=np.int64)
    count, labels = csgraph.connected_components(
        pattern_matrix(indptr, indices), directed=True, connection="strong")
    return int(count), labels.astype(np.int64)


def condensation(indptr: np.ndarray, indices: np.ndarray, labels: np.ndarray,
                 count: int, *, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of the condensation DAG (one node per component, no duplicates).

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of the graph.
    labels : numpy.ndarray of int
        Component of each node (:func:`strong_components`); ``count`` components.
    method : {"auto", "numba", "scipy"}
        One compiled bucket pass (the arcs between components grouped by tail,
        repeats dropped with a mark per head, each row sorted), or a scipy sparse
        matrix summed and sorted. The same arrays either way.

    Returns
    -------
    (indptr, indices) : tuple of numpy.ndarray of int64
        Each row's heads sorted ascending.

    Examples
    --------
    >>> indptr, indices = np.array([0, 1, 2, 2]), np.array([1, 0])
    >>> [a.tolist() for a in condensation(indptr, indices, np.array([0, 0, 1]), 2)]
    [[0, 0, 0], []]
    >>> indptr, indices = np.array([0, 2, 3, 3]), np.array([1, 2, 2])
    >>> [a.tolist() for a in condensation(indptr, indices, np.array([1, 1, 0]), 2,
    ...                                   method="scipy")]
    [[0, 0, 1], [0]]
    """
    labels = np.asarray(labels, dtype=np.int64)
    if resolve_method(method) == "numba":
        return _condensation_numba(np.asarray(indptr, dtype=np.int64),
                                   np.asarray(indices, dtype=np.int64), labels,
                                   int(count))
    src = labels[edge_sources(indptr)]
    dst = labels[indices]
    keep = src != dst
    C = sp.csr_array((np.ones(int(keep.sum()), dtype=np.int8), (src[keep], dst[keep])),
                     shape=(count, count))
    C.sum_duplicates()
    C.sort_indices()
    return C.indptr.astype(np.int64), C.indices.astype(np.int64)


@jit
def _condensation_numba(indptr, indices, labels, count):  # pragma: no cover - compiled
    n = len(indptr) - 1
    start = np.zeros(count + 1, dtype=np.int64)  # room for each tail's arcs
    for v in range(n):
        start[labels[v] + 1] += indptr[v + 1] - indptr[v]
    for c in range(count):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    heads = np.empty(start[count], dtype=np.int64)
    for v in range(n):
        cv = labels[v]
        for a in range(indptr[v], indptr[v + 1]):
            cw = labels[indices[a]]
            if cw != cv:
                heads[fill[cv]] = cw
                fill[cv] += 1
    mark = np.full(count, -1, dtype=np.int64)  # the last tail each head was kept for
    out_ptr = np.zeros(count + 1, dtype=np.int64)
    at = 0
    for c in range(count):
        row = at
        for a in range(start[c], fill[c]):  # the arcs leaving component c
            w = heads[a]
            if mark[w] != c:
                mark[w] = c
                heads[at] = w  # at <= a: compacting in place
                at += 1
        if at - row > 16:
            heads[row:at].sort()
        else:  # insertion sort: most rows are short
            for i in range(row + 1, at):
                w = heads[i]
                j = i - 1
                while j >= row and heads[j] > w:
                    heads[j + 1] = heads[j]
                    j -= 1
                heads[j + 1] = w
        out_ptr[c + 1] = at
    return out_ptr, heads[:at].copy()


# --- longest paths on DAGs ------------------------------------------------------------
@jit
def _topological_numba(indptr, indices, n):  # pragma: no cover - compiled
    indeg = np.zeros(n, dtype=np.int64)
    for j in range(len(indices)):
        indeg[indices[j]] += 1
    order = np.empty(n, dtype=np.int64)
    tail = 0
    for v in range(n):
        if indeg[v] == 0:
            order[tail] = v
            tail += 1
    head = 0
    while head < tail:
        v = order[head]
        head += 1
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            indeg[u] -= 1
            if indeg[u] == 0:
                order[tail] = u
                tail += 1
    return order[:tail]


def topological_order(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Kahn's topological order of a DAG (compiled: call only when numba is available).

    Nodes on a cycle, or downstream of one, are left out, so the order is shorter
    than the number of nodes exactly when the graph has a cycle.

    Examples
    --------
    >>> topological_order(np.array([0, 1, 2, 2]), np.array([2, 0])).tolist()  # 1->0->2
    [1, 0, 2]
    """
    return _topological_numba(np.asarray(indptr, dtype=np.int64),
                              np.asarray(indices, dtype=np.int64), len(indptr) - 1)


@jit
def _levels_numba(indptr, indices, weights, order):  # pragma: no cover - compiled
    level = weights.copy()
    for v in order:  # every predecessor of a node comes before it
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            cand = level[v] + weights[u]
            if cand > level[u]:
                level[u] = cand
    return level


def _levels_scipy(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, n: int
                  ) -> tuple[np.ndarray, int]:
    """Kahn peeling, one vectorised round per level."""
    indeg = np.bincount(indices, minlength=n)
    level = weights.copy()
    frontier = np.flatnonzero(indeg == 0)
    done = 0
    while len(frontier):
        done += len(frontier)
        tails, heads = _gather(indptr, indices, frontier)
        if len(heads) == 0:
            break
        np.maximum.at(level, heads, level[tails] + weights[heads])
        touched, hits = np.unique(heads, return_counts=True)
        indeg[touched] -= hits
        frontier = touched[indeg[touched] == 0]
    return level, done


def longest_path_levels(indptr: np.ndarray, indices: np.ndarray, *,
                        weights: np.ndarray | None = None, method: str = "auto"
                        ) -> np.ndarray:
    """Heaviest path ending at each node of a DAG: ``L[v] = w[v] + max L[pred]``.

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of a directed acyclic graph.
    weights : numpy.ndarray of int64, optional
        Node weights (default 1: ``L[v]`` = number of nodes on the longest path
        ending at v).
    method : {"auto", "numba", "scipy"}
        numba Kahn queue, or vectorised Kahn peeling (one numpy round per level).

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ValueError
        When the graph has a cycle.

    Notes
    -----
    Kahn's topological order: O(n + m). The scipy path runs one vectorised round per
    level, so a graph with a very long path (depth d) costs d numpy calls.

    Examples
    --------
    >>> longest_path_levels(np.array([0, 1, 2, 2]), np.array([1, 2])).tolist()
    [1, 2, 3]
    """
    n = len(indptr) - 1
    w = np.ones(n, dtype=np.int64) if weights is None else np.asarray(
        weights, dtype=np.int64)
    if resolve_method(method) == "numba":
        order = topological_order(indptr, indices)
        level, done = _levels_numba(indptr, indices, w, order), len(order)
    else:
        level, done = _levels_scipy(indptr, indices, w, n)
    if done != n:
        raise ValueError("longest_path_levels needs an acyclic graph (condense first)")
    return level


def tier_levels(indptr: np.ndarray, indices: np.ndarray, seeds: np.ndarray, *,
                method: str = "auto", components: tuple[int, np.ndarray] | None = None,
                condensed: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
                ) -> np.ndarray:
    """Longest path (in links) from any seed to each node; -1 when not reachable.

    Strongly connected components are condensed first, so the members of a cycle
    share one level; the longest path is taken in the condensation of the part of
    the graph reachable from the seeds.

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of the graph.
    seeds : numpy.ndarray of int or bool
        The sources (codes or a mask).
    method : {"auto", "numba", "scipy"}
    components : (count, labels), optional
        The graph's strongly connected components, when already known (those of
        the reachable part are the same, restricted).
    condensed : callable, optional
        Returns :func:`condensation` of the whole graph by ``components`` (a cached
        one, say): with ``components``, its arcs out of reachable components are
        used instead of condensing the reachable part again (the same arcs).

    Returns
    -------
    numpy.ndarray of int64

    Notes
    -----
    BFS + SCC + Kahn on the condensation: O(n + m).

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 3, 4, 4]), np.array([1, 2, 2, 1])
    >>> tier_levels(indptr, indices, np.array([0]), method="scipy").tolist()
    [0, 1, 1, -1]
    """
    n = len(indptr) - 1
    reach = reachable(indptr, indices, seeds, method=method)
    if not reach.any():
        return np.full(n, -1, dtype=np.int64)
    if components is not None and condensed is not None:
        count, labels = components
        cindptr, cindices = condensed()
        live = np.zeros(count, dtype=bool)  # a component is reached whole or not at all
        live[labels[reach]] = True
        if not live.all():
            cindptr, cindices = _kept_entries(cindptr, cindices, live[edge_sources(cindptr)])
    else:
        sub_indptr, sub_indices = _kept_entries(indptr, indices, reach[edge_sources(indptr)])
        count, labels = (strong_components(sub_indptr, sub_indices) if components is None
                         else components)
        cindptr, cindices = condensation(sub_indptr, sub_indices, labels, count,
                                         method=method)
    levels = longest_path_levels(cindptr, cindices, method=method)
    return np.where(reach, levels[labels] - 1, -1)

