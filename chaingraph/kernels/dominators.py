"""Dominator trees on CSR arrays, and what each dominator cuts off.

A node d *dominates* v (seen from a root) when every path from the root to v passes
through d. The immediate dominator ``idom[v]`` is the closest strict dominator; the
``idom`` links form the dominator tree. Removing d disconnects from the root exactly
the nodes in d's dominator subtree.
"""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np

from chaingraph._engines import jit, resolve_method
from chaingraph.kernels.graph import edge_sources, transpose

__all__ = [
    "DominatorTree",
    "dominator_tree",
    "edge_dominates_head",
    "immediate_dominators",
    "subtree_sums",
]

logger = logging.getLogger(__name__)

#: Edges per vectorised block of :func:`edge_dominates_head` (at 5M edges the whole
#: graph's int64 temporaries took about 300 MB at once).
EDGE_BLOCK = 1 << 20


# --- immediate dominators -------------------------------------------------------------
@jit
def _dfs_preorder_numba(indptr, indices, root, n):  # pragma: no cover - compiled
    """Iterative DFS from root: preorder number, vertices in preorder, DFS parent."""
    pre = np.full(n, -1, dtype=np.int64)
    vertex = np.empty(n, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    cursor = np.empty(n, dtype=np.int64)
    top = 0
    stack[0] = root
    cursor[0] = indptr[root]
    pre[root] = 0
    vertex[0] = root
    count = 1
    while top >= 0:
        v = stack[top]
        j = cursor[top]
        if j < indptr[v + 1]:
            cursor[top] = j + 1
            u = indices[j]
            if pre[u] < 0:
                pre[u] = count
                vertex[count] = u
                count += 1
                parent[u] = v
                top += 1
                stack[top] = u
                cursor[top] = indptr[u]
        else:
            top -= 1
    return pre, vertex[:count], parent

@jit
def _snca_numba(pre, vertex, parent, tindptr, tindices, n):  # pragma: no cover
    """Semi-NCA: Lengauer-Tarjan semidominators, then nearest common ancestors."""
    count = len(vertex)
    semi = pre.copy()
    label = np.arange(n)
    ancestor = np.full(n, -1, dtype=np.int64)
    stack = np.empty(count, dtype=np.int64)
    for i in range(count - 1, 0, -1):
        w = vertex[i]
        s = semi[w]
        for j in range(tindptr[w], tindptr[w + 1]):
            v = tindices[j]
            if pre[v] < 0:
                continue
            if ancestor[v] == -1:  # not processed yet: semi[v] = pre[v]
                u = v
            else:  # eval(v) with iterative path compression
                top = 0
                x = v
                while ancestor[ancestor[x]] != -1:
                    stack[top] = x
                    top += 1
                    x = ancestor[x]
                while top > 0:
                    top -= 1
                    x = stack[top]
                    a = ancestor[x]
                    if semi[label[a]] < semi[label[x]]:
                        label[x] = label[a]
                    ancestor[x] = ancestor[a]
                u = label[v]
            if semi[u] < s:
                s = semi[u]
        semi[w] = s
        ancestor[w] = parent[w]
    # idom[w] is the nearest ancestor of w in the DFS tree with pre <= semi[w]
    idom = np.full(n, -1, dtype=np.int64)
    root = vertex[0]
    idom[root] = root
    for i in range(1, count):
        w = vertex[i]
        d = parent[w]
        while pre[d] > semi[w]:
            d = idom[d]
        idom[w] = d
    return idom


def _idom_networkx(indptr: np.ndarray, indices: np.ndarray, root: int) -> np.ndarray:
    n = len(indptr) - 1
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(edge_sources(indptr).tolist(), indices.tolist(), strict=True))
    idom = np.full(n, -1, dtype=np.int64)
    found = nx.immediate_dominators(G, root)
    if found:
        keys = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
        idom[keys] = np.fromiter(found.values(), dtype=np.int64, count=len(found))
    idom[root] = root
    return idom


def immediate_dominators(indptr: np.ndarray, indices: np.ndarray, root: int, *,
                         method: str = "auto") -> np.ndarray:
    """Immediate dominator of every node seen from ``root``.

    Parameters
    ----------
    indptr, indices : numpy.ndarray of int64
        CSR arrays of the graph (self-loops allowed, they change nothing).
    root : int
        The start node.
    method : {"auto", "numba", "networkx"}
        numba semi-NCA, or ``networkx.immediate_dominators`` on a graph built from
        the arrays (correct, much slower: a log message says so).

    Returns
    -------
    numpy.ndarray of int64
        ``idom[v]``; ``idom[root] = root``; -1 for nodes not reachable from root.

    Notes
    -----
    Semi-NCA (Georgiadis): one iterative DFS, Lengauer-Tarjan semidominators with
    path compression in reverse preorder (O(m log n)), then each node's immediate
    dominator is its nearest DFS-tree ancestor numbered at most its semidominator
    (this last walk is quadratic in contrived worst cases, near-linear on supply
    networks). Chosen by measurement over Cooper-Harvey-Kennedy's iterative algorithm: on a
    generated 1M-enterprise / 5M-link chain (with supply cycles) semi-NCA took
    about 2.0 s against 3.0 s, both including the transpose and the DFS.

    References
    ----------
    T. Lengauer, R. E. Tarjan, "A fast algorithm for finding dominators in a
    flowgraph", ACM TOPLAS 1(1), 1979. L. Georgiadis, "Linear-time algorithms for
    dominators and related problems", PhD thesis, Princeton, 2005 (semi-NCA).

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 3, 4, 4]), np.array([1, 2, 3, 3])
    >>> immediate_dominators(indptr, indices, 0, method="networkx").tolist()
    [0, 0, 0, 0]
    """
    n = len(indptr) - 1
    method = resolve_method(method, choices=("numba", "networkx"))
    if method == "numba":
        tindptr, tindices = transpose(indptr, indices)
        pre, vertex, parent = _dfs_preorder_numba(indptr, indices, np.int64(root), n)
        return _snca_numba(pre, vertex, parent, tindptr, tindices, n)
    if n > 100_000:
        logger.info("dominators of %d nodes with networkx: install numba "
                    "(chaingraph[fast]) for a much faster run", n)
    return _idom_networkx(indptr, indices, root)


# --- the dominator tree ---------------------------------------------------------------
@jit
def _preorder_numba(child_ptr, children, root, n):  # pragma: no cover - compiled
    """Preorder walk of a tree given as a children CSR."""
    order = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    top = 0
    stack[0] = root
    count = 0
    while top >= 0:
        v = stack[top]
        top -= 1
        order[count] = v
        count += 1
        for j in range(child_ptr[v + 1] - 1, child_ptr[v] - 1, -1):
            top += 1
            stack[top] = children[j]
    return order[:count]


@jit
def _subtree_sums_numba(order, idom, values):  # pragma: no cover - compiled
    sums = values.copy()
    for i in range(len(order) - 1, 0, -1):
        v = order[i]
        sums[idom[v]] += sums[v]
    return sums


def _tree_levels(idom: np.ndarray, root: int) -> list[np.ndarray]:
    """Nodes of the tree by depth (level 0 = the root), each level sorted by parent.

    Depths come from pointer jumping (O(n log depth), vectorised).
    """
    nodes = np.flatnonzero(idom >= 0)
    position = np.full(len(idom), -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    depth = (nodes != root).astype(np.int64)
    jump = position[idom[nodes]]
    top = position[root]
    while True:
        active = jump != top
        if not active.any():
            break
        depth = depth + np.where(active, depth[jump], 0)
        jump = np.where(active, jump[jump], jump)
    by = np.lexsort((nodes, idom[nodes], depth))
    bounds = np.searchsorted(depth[by], np.arange(int(depth.max()) + 2))
    return [nodes[by[bounds[d]:bounds[d + 1]]] for d in range(len(bounds) - 1)]


def _preorder_levels(idom: np.ndarray, levels: list[np.ndarray], size: np.ndarray
                     ) -> np.ndarray:
    """Preorder positions top-down: a child starts after its parent and the subtrees
    of its earlier siblings (vectorised per level)."""
    preorder = np.full(len(idom), -1, dtype=np.int64)
    preorder[levels[0]] = 0
    for level in levels[1:]:
        parent = idom[level]
        sizes = size[level]
        before = np.cumsum(sizes) - sizes
        first = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
        group_start = np.repeat(before[first], np.diff(np.r_[first, len(level)]))
        preorder[level] = preorder[parent] + 1 + before - group_start
    return preorder


class DominatorTree:
    """Dominator tree with preorder intervals for O(1) ancestor tests.

    Attributes
    ----------
    idom : numpy.ndarray of int64
        Immediate dominators (-1: unreachable, ``idom[root] = root``).
    root : int
    preorder : numpy.ndarray of int64
        Position of each reachable node in a preorder walk of the tree (-1 otherwise).
    size : numpy.ndarray of int64
        Subtree size of each node (0 for unreachable nodes).
    order : numpy.ndarray of int64
        Reachable nodes in preorder.
    """

    def __init__(self, idom: np.ndarray, root: int, *, method: str = "auto") -> None:
        self.idom, self.root = idom, int(root)
        n = len(idom)
        self._levels: list[np.ndarray] | None = None
        ones = (idom >= 0).astype(np.int64)
        if resolve_method(method) == "numba":
            kids = np.flatnonzero((idom >= 0) & (np.arange(n) != root))
            kids = kids[np.argsort(idom[kids], kind="stable")]
            child_ptr = np.concatenate(([0], np.cumsum(np.bincount(
                idom[kids], minlength=n)))).astype(np.int64)
            self.order = _preorder_numba(child_ptr, kids, np.int64(root), n)
            self.preorder = np.full(n, -1, dtype=np.int64)
            self.preorder[self.order] = np.arange(len(self.order))
            self.size = _subtree_sums_numba(self.order, idom, ones)
        else:
            self.size = _subtree_sums_levels(self, ones)
            self.preorder = _preorder_levels(idom, self.levels, self.size)
            reach = np.flatnonzero(idom >= 0)
            self.order = reach[np.argsort(self.preorder[reach])]

    @property
    def levels(self) -> list[np.ndarray]:
        """Reachable nodes by tree depth, the root first."""
        if self._levels is None:
            self._levels = _tree_levels(self.idom, self.root)
        return self._levels

    @property
    def reachable(self) -> np.ndarray:
        """Mask of the nodes reachable from the root."""
        return self.idom >= 0

    def dominates(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Elementwise: does ``a`` dominate ``b`` (a == b counts)? Both reachable."""
        pa, pb = self.preorder[a], self.preorder[b]
        return (pa >= 0) & (pb >= pa) & (pb < pa + self.size[a])

    def nodes_below(self, heads: np.ndarray, nodes: np.ndarray, *, limit: int | None = None
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """For each head: how many of ``nodes`` lie in its subtree, and which.

        Parameters
        ----------
        heads : numpy.ndarray of int
            Reachable nodes.
        nodes : numpy.ndarray of int
            Reachable nodes to look for.
        limit : int, optional
            List at most this many per head (in preorder); counts stay exact.

        Returns
        -------
        counts : numpy.ndarray of int64
        members : list of numpy.ndarray
        """
        nodes = nodes[np.argsort(self.preorder[nodes], kind="stable")]
        keys = self.preorder[nodes]
        lo = np.searchsorted(keys, self.preorder[heads], side="left")
        hi = np.searchsorted(keys, self.preorder[heads] + self.size[heads], side="left")
        stop = hi if limit is None else np.minimum(hi, lo + limit)
        return hi - lo, [nodes[a:b] for a, b in zip(lo.tolist(), stop.tolist(),
                                                     strict=True)]


def dominator_tree(indptr: np.ndarray, indices: np.ndarray, root: int, *,
                   method: str = "auto") -> DominatorTree:
    """Build the :class:`DominatorTree` of a graph seen from ``root``.

    Examples
    --------
    >>> tree = dominator_tree(np.array([0, 1, 2, 2]), np.array([1, 2]), 0,
    ...                       method="networkx")
    >>> tree.size.tolist()
    [3, 2, 1]
    """
    idom = immediate_dominators(indptr, indices, root, method=method)
    sums_method = "scipy" if method == "networkx" else method
    return DominatorTree(idom, root, method=sums_method)


def _subtree_sums_levels(tree: DominatorTree, values: np.ndarray) -> np.ndarray:
    """Subtree sums by tree depth, deepest level first (one numpy round per level)."""
    sums = np.array(values, copy=True)
    for level in tree.levels[:0:-1]:
        np.add.at(sums, tree.idom[level], sums[level])
    return sums


def subtree_sums(tree: DominatorTree, values: np.ndarray, *, method: str = "auto"
                 ) -> np.ndarray:
    """Sum of ``values`` over each node's dominator subtree (the node included).

    Unreachable nodes keep their own value.

    Notes
    -----
    numba: one reverse-preorder pass, O(n). scipy: pointer jumping for the depths
    (O(n log depth)) then one vectorised round per tree level.

    Examples
    --------
    >>> tree = dominator_tree(np.array([0, 2, 2, 2]), np.array([1, 2]), 0,
    ...                       method="networkx")
    >>> subtree_sums(tree, np.array([1.0, 2.0, 3.0]), method="scipy").tolist()
    [6.0, 2.0, 3.0]
    """
    values = np.asarray(values)
    if len(tree.order) <= 1:
        return values.copy()
    if resolve_method(method) == "numba":
        return _subtree_sums_numba(tree.order, tree.idom, values)
    return _subtree_sums_levels(tree, values)


def edge_dominates_head(indptr: np.ndarray, indices: np.ndarray, tree: DominatorTree
                        ) -> np.ndarray:
    """For each edge u -> v: is it on every path from the root to v?

    Notes
    -----
    An edge u -> v lies on every root-to-v path exactly when u is the only
    predecessor of v that the root reaches without passing through v (that is,
    reachable and not dominated by v). Then the edge lies on every root path to
    every node that v dominates, and on no other node's. Self-loops are never
    dominating. Vectorised, O(m).

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 3, 4, 4]), np.array([1, 2, 3, 3])
    >>> tree = dominator_tree(indptr, indices, 0, method="networkx")
    >>> edge_dominates_head(indptr, indices, tree).tolist()
    [True, True, False, False]
    """
    valid = np.zeros(len(indices), dtype=bool)
    reachable = tree.reachable
    # blocks of edges: a few 8-byte temporaries per block, not per edge of the graph
    for start in range(0, len(indices), EDGE_BLOCK):
        src = edge_sources(indptr, start, start + EDGE_BLOCK)
        dst = indices[start:start + len(src)]
        ok = reachable[src] & (src != dst)
        candidate = np.flatnonzero(ok)
        ok[candidate] = ~tree.dominates(dst[candidate], src[candidate])
        valid[start:start + len(src)] = ok
    once = np.bincount(indices[valid], minlength=len(indptr) - 1) == 1
    return valid & once[indices]
