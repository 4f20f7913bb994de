"""Source-to-target weighted betweenness (Brandes) on a CSR supply graph.

For a set of sources ``s`` with weights ``a_s`` and target weights ``b_t``, both
engines compute ``sum_s a_s * delta_s(v)`` for every node ``v``, where

    delta_s(v) = sum_{t != s, t != v} b_t * sigma_st(v) / sigma_st

and ``sigma_st`` counts shortest (hop-count) directed paths from ``s`` to ``t``,
``sigma_st(v)`` those through ``v``. The source itself gets nothing from its own
search (``v != s``). Brandes' recursion gives ``delta_s`` from one breadth-first
search: ``delta_s(v) = sigma_sv * sum_{w: v -> w, d(w) = d(v) + 1}
(b_w + delta_s(w)) / sigma_sw``.

Engines
-------
``"numba"``: one breadth-first search per source, in parallel over a fixed number of
chunks of sources (:data:`CHUNKS`), run as many at a time as the calling thread may
use numba threads (:func:`~chaingraph._engines.parallel_threads`, asked again before
each group: a budget raised while it runs is used at once), O(n + m) time per source
and O(n) memory per chunk running; nodes are first renumbered in breadth-first order
for memory locality. The chunks' sums are added in chunk order, so the result is
the same, to the last bit, whatever the number of threads.
``"scipy"``: batches of sources searched together with sparse-times-dense products,
level by level (frontier matrix ``rows x batch``), O(m * batch) work per batch
level-restricted to the frontier rows, O(n * batch) memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from chaingraph._engines import jit, parallel_threads
from chaingraph.kernels.graph import search_order

__all__ = ["CHUNKS", "parallel_kernel", "weighted_betweenness_numba",
           "weighted_betweenness_scipy"]

#: Chunks of sources the numba engine searches in parallel (fewer when there are
#: fewer sources). A constant, not the thread count, so that the floating-point
#: sums, added chunk by chunk, do not depend on how many threads run them; each
#: chunk running holds one row of output (8 MB per million enterprises).
CHUNKS = 8

#: Replaced by ``numba.prange`` (:func:`parallel_kernel`) before the kernel is first
#: compiled (numba is only imported when the numba engine is used).
prange = range


@jit(parallel=True)
def _brandes_chunks(indptr, indices, sources, source_weight, target_weight,
                    chunks, n_chunks):  # pragma: no cover
    # row r of the output: the sum over the sources of chunk chunks[r] (the sources
    # at positions chunks[r], chunks[r] + n_chunks, ...); per-node state packed in
    # 16 bytes (4 nodes per cache line, so that 1M nodes fit in a last-level
    # cache): distance, then sigma, which the backward pass replaces by the node's
    # coefficient (b_w + delta_w) / sigma_w once its own delta is known (successors
    # are done before their predecessors), because the searches are bound by
    # random memory access
    n = indptr.shape[0] - 1
    out = np.zeros((chunks.shape[0], n))
    k = sources.shape[0]
    for c in prange(chunks.shape[0]):
        state = np.zeros((n, 2))
        for v in range(n):
            state[v, 0] = -1.0
        order = np.empty(n, dtype=np.int64)
        for i in range(chunks[c], k, n_chunks):
            s = sources[i]
            ws = source_weight[i]
            state[s, 0] = 0.0
            state[s, 1] = 1.0
            order[0] = s
            lo, hi = 0, 1
            while lo < hi:
                v = order[lo]
                lo += 1
                dv = state[v, 0] + 1.0
                sv = state[v, 1]
                for a in range(indptr[v], indptr[v + 1]):
                    w = indices[a]
                    dw = state[w, 0]
                    if dw < 0:
                        state[w, 0] = dv
                        state[w, 1] = sv
                        order[hi] = w
                        hi += 1
                    elif dw == dv:
                        state[w, 1] += sv
            for j in range(hi - 1, -1, -1):
                v = order[j]
                dv = state[v, 0] + 1.0
                acc = 0.0
                for a in range(indptr[v], indptr[v + 1]):
                    w = indices[a]
                    if state[w, 0] == dv:
                        acc += state[w, 1]  # (b_w + delta_w) / sigma_w
                sigma = state[v, 1]
                delta = sigma * acc
                if j > 0:
                    out[c, v] += ws * delta
                state[v, 1] = (target_weight[v] + delta) / sigma
            for j in range(hi):
                v = order[j]
                state[v, 0] = -1.0
                state[v, 1] = 0.0
    return out


def parallel_kernel() -> Any:
    """The chunked search kernel, with ``prange`` set to numba's before its first
    call compiles it: compiled with the plain ``range`` it would run serially, and
    numba's cache would keep that version for later runs. Call the kernel only
    through this (numba only).

    Examples
    --------
    >>> from chaingraph._engines import has_numba
    >>> parallel_kernel().__name__ if has_numba() else "_brandes_chunks"
    '_brandes_chunks'
    """
    from chaingraph._engines import import_numba

    globals()["prange"] = import_numba().prange
    return _brandes_chunks


@jit
def _permute(indptr, indices, order, rank):  # pragma: no cover
    """CSR of the graph with node ``order[i]`` renumbered ``i``."""
    n = indptr.shape[0] - 1
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        v = order[i]
        new_indptr[i + 1] = new_indptr[i] + indptr[v + 1] - indptr[v]
    new_indices = np.empty(indices.shape[0], dtype=np.int32)
    for i in range(n):
        v = order[i]
        pos = new_indptr[i]
        for a in range(indptr[v], indptr[v + 1]):
            new_indices[pos] = rank[indices[a]]
            pos += 1
    return new_indptr, new_indices


def weighted_betweenness_numba(indptr: np.ndarray, indices: np.ndarray,
                               sources: np.ndarray, source_weight: np.ndarray,
                               target_weight: np.ndarray, *, reorder: bool = True
                               ) -> np.ndarray:
    """``sum_s source_weight[s] * delta_s(v)`` with the numba engine (see module).

    Parameters
    ----------
    indptr, indices : int arrays
        CSR out-neighbour lists (supplier rows), no duplicate entries.
    sources : int array
        Source nodes (a node may repeat: each occurrence counts).
    source_weight : float array
        Weight of each entry of ``sources``.
    target_weight : float array
        Weight ``b_t`` of every node (0 for non-targets).
    reorder : bool
        Renumber nodes in breadth-first order from the sources first, so that the
        memory-bound searches touch nearby memory (about 15% faster at 1M nodes).
    """
    from chaingraph._engines import import_numba

    numba = import_numba()
    n = len(indptr) - 1
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int32)
    sources = np.asarray(sources, dtype=np.int64)
    target_weight = np.asarray(target_weight, dtype=np.float64)
    if reorder and n:
        order = search_order(indptr, indices, sources)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n, dtype=np.int64)
        indptr, indices = _permute(indptr, indices, order, rank)
        sources, target_weight = rank[sources], target_weight[order]
    out = _chunk_sums(indptr, indices, sources,
                      np.asarray(source_weight, dtype=np.float64), target_weight, numba)
    return out[rank] if reorder and n else out


def _chunk_sums(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray,
                source_weight: np.ndarray, target_weight: np.ndarray, numba: Any
                ) -> np.ndarray:
    """The chunks' sums added in chunk order, the chunks run a few at a time: as
    many at once as this thread may use numba threads
    (:func:`~chaingraph._engines.parallel_threads`, asked again before each group),
    so that a budget raised while the kernel runs is used from the next group on.
    The sum is the same, bit for bit, however the chunks are grouped."""
    n_chunks = max(1, min(CHUNKS, len(sources)))
    kernel = parallel_kernel()
    before = numba.get_num_threads()
    total = None
    done = 0
    try:
        while done < n_chunks:
            threads = parallel_threads()
            group = np.arange(done, min(done + threads, n_chunks), dtype=np.int64)
            numba.set_num_threads(threads)
            rows = kernel(indptr, indices, sources, source_weight, target_weight, group,
                          n_chunks)
            for row in rows:  # as .sum(axis=0) of all the rows: one after the other
                if total is None:
                    total = row.copy()
                else:
                    total += row
            done += len(group)
    finally:
        numba.set_num_threads(before)
    return total


def _compact_rows(A: sp.csr_array, rows: np.ndarray, columns: np.ndarray | None = None
                  ) -> tuple[sp.csr_array, np.ndarray]:
    """Rows of ``A`` restricted to ``columns`` (or to their own nonzero columns).

    Returns the ``len(rows) x len(cols)`` 0/1 matrix and the kept column ids.
    """
    sub = A[rows]
    cols = np.unique(sub.indices) if columns is None else columns
    lookup = np.full(A.shape[1], -1, dtype=np.int64)
    lookup[cols] = np.arange(len(cols))
    mapped = lookup[sub.indices]
    counts = np.diff(sub.indptr)
    row_of = np.repeat(np.arange(len(rows)), counts)
    keep = mapped >= 0
    M = sp.csr_array((np.ones(int(keep.sum())), (row_of[keep], mapped[keep])),
                     shape=(len(rows), len(cols)))
    return M, cols


def _forward(A: sp.csr_array, batch: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Breadth-first distances and path counts for a batch of sources."""
    n, b = A.shape[0], len(batch)
    dist = np.full((n, b), -1, dtype=np.int32)
    sigma = np.zeros((n, b))
    cols = np.arange(b)
    dist[batch, cols] = 0
    sigma[batch, cols] = 1.0
    levels = [np.unique(batch)]
    d = 0
    while True:
        rows = levels[-1]
        M, cand = _compact_rows(A, rows)
        if len(cand) == 0:
            break
        at_level = np.where(dist[rows] == d, sigma[rows], 0.0)
        contrib = M.T @ at_level
        new = (dist[cand] < 0) & (contrib > 0)
        if not new.any():
            break
        dist_c, sigma_c = dist[cand], sigma[cand]
        dist_c[new] = d + 1
        sigma_c[new] = contrib[new]
        dist[cand], sigma[cand] = dist_c, sigma_c
        levels.append(cand[new.any(axis=1)])
        d += 1
    return dist, sigma, levels


def _batch_dependencies(A: sp.csr_array, batch: np.ndarray, target_weight: np.ndarray
                        ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Dependencies ``delta_s(v)`` (n x batch) for a batch of sources."""
    dist, sigma, levels = _forward(A, batch)
    delta = np.zeros_like(sigma)
    for d in range(len(levels) - 1, 0, -1):
        below, above = levels[d - 1], levels[d]
        mask = dist[above] == d
        coef = np.where(mask, (target_weight[above][:, None] + delta[above])
                        / np.where(mask, sigma[above], 1.0), 0.0)
        M, _ = _compact_rows(A, below, above)
        gain = sigma[below] * (M @ coef)
        delta[below] += np.where(dist[below] == d - 1, gain, 0.0)
    delta[batch, np.arange(len(batch))] = 0.0
    return delta, levels


def weighted_betweenness_scipy(indptr: np.ndarray, indices: np.ndarray,
                               sources: np.ndarray, source_weight: np.ndarray,
                               target_weight: np.ndarray, *, batch_size: int = 32
                               ) -> np.ndarray:
    """Same as :func:`weighted_betweenness_numba` with batched sparse products.

    Examples
    --------
    >>> from chaingraph.kernels.betweenness import weighted_betweenness_scipy
    >>> indptr, indices = np.array([0, 2, 3, 4, 4]), np.array([1, 2, 3, 3])
    >>> weighted_betweenness_scipy(indptr, indices, np.array([0]), np.array([1.0]),
    ...                            np.array([0.0, 0.0, 0.0, 1.0])).tolist()
    [0.0, 0.5, 0.5, 0.0]
    """
    n = len(indptr) - 1
    A = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(n, n))
    out = np.zeros(n)
    target_weight = np.asarray(target_weight, dtype=np.float64)
    for start in range(0, len(sources), batch_size):
        batch = np.asarray(sources[start:start + batch_size], dtype=np.int64)
        delta, _ = _batch_dependencies(A, batch, target_weight)
        out += delta @ np.asarray(source_weight[start:start + batch_size], dtype=float)
    return out
