"""Kernels on CSR arrays: reachability, SCC, longest paths, tiers, dominators."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import chaingraph.kernels.dominators as dominators_module
from chaingraph._engines import has_numba
from chaingraph.kernels.dominators import (
    DominatorTree,
    dominator_tree,
    edge_dominates_head,
    immediate_dominators,
    subtree_sums,
)
from chaingraph.kernels.graph import (
    condensation,
    csr_arrays,
    edge_sources,
    longest_path_levels,
    reachable,
    strong_components,
    tier_levels,
    topological_order,
    transpose,
)
from chaingraph.kernels.passes import (
    divide_rows,
    group_pair_totals,
    min_downstream,
    sink_levels,
    weak_component_count,
)

METHODS = ["numba", "scipy"] if has_numba() else ["scipy"]
DOM_METHODS = ["numba", "networkx"] if has_numba() else ["networkx"]


@st.composite
def graphs(draw, max_nodes: int = 12, acyclic: bool = False):
    """Random digraph as (n, edge list), possibly with cycles and self-loops."""
    n = draw(st.integers(1, max_nodes))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    if acyclic:
        pairs = pairs.filter(lambda p: p[0] < p[1])
    edges = draw(st.lists(pairs, max_size=3 * n, unique=True))
    return n, edges


def arrays(n, edges, *, drop_self_loops=True):
    src = np.array([u for u, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v in edges], dtype=np.int64)
    A = sp.csr_array((np.ones(len(edges)), (src, dst)), shape=(n, n))
    return csr_arrays(A, drop_self_loops=drop_self_loops)


def to_nx(n, edges, *, loops=False):
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from((u, v) for u, v in edges if loops or u != v)
    return G


# --- CSR helpers ----------------------------------------------------------------------
def test_csr_arrays_drops_self_loops_and_sorts():
    indptr, indices = arrays(3, [(0, 2), (0, 0), (0, 1), (2, 2)])
    assert indptr.tolist() == [0, 2, 2, 2]
    assert indices.tolist() == [1, 2]
    assert indptr.dtype == np.int64 and indices.dtype == np.int64


@given(graphs())
def test_transpose_is_the_reverse_graph(graph):
    n, edges = graph
    indptr, indices = arrays(n, edges)
    tindptr, tindices = transpose(indptr, indices)
    forward = set(zip(edge_sources(indptr).tolist(), indices.tolist(), strict=True))
    backward = set(zip(tindices.tolist(), edge_sources(tindptr).tolist(), strict=True))
    assert forward == backward
    again = transpose(tindptr, tindices)
    assert again[0].tolist() == indptr.tolist() and again[1].tolist() == indices.tolist()


# --- reachability ---------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@given(graph=graphs(), data=st.data())
def test_reachable_matches_networkx(method, graph, data):
    n, edges = graph
    seeds = data.draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True))
    indptr, indices = arrays(n, edges)
    G = to_nx(n, edges)
    expected = set(seeds).union(*(nx.descendants(G, s) for s in seeds))
    got = reachable(indptr, indices, np.array(seeds, dtype=np.int64), method=method)
    assert set(np.flatnonzero(got).tolist()) == expected
    upstream = set(seeds).union(*(nx.ancestors(G, s) for s in seeds))
    got = reachable(*transpose(indptr, indices), np.array(seeds, dtype=np.int64),
                    method=method)
    assert set(np.flatnonzero(got).tolist()) == upstream


@pytest.mark.parametrize("method", METHODS)
def test_reachable_accepts_masks_and_empty(method):
    indptr, indices = arrays(4, [(0, 1), (1, 2)])
    mask = np.array([False, True, False, False])
    assert reachable(indptr, indices, mask, method=method).tolist() == [
        False, True, True, False]
    assert not reachable(indptr, indices, np.array([], dtype=np.int64),
                         method=method).any()


# --- SCC and condensation -------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@given(graphs())
def test_strong_components_and_condensation_match_networkx(method, graph):
    n, edges = graph
    indptr, indices = arrays(n, edges)
    count, labels = strong_components(indptr, indices)
    G = to_nx(n, edges)
    components = list(nx.strongly_connected_components(G))
    assert count == len(components)
    for comp in components:
        assert len({labels[v] for v in comp}) == 1
    cindptr, cindices = condensation(indptr, indices, labels, count, method=method)
    C = to_nx(count, list(zip(edge_sources(cindptr).tolist(), cindices.tolist(),
                              strict=True)))
    assert nx.is_directed_acyclic_graph(C)
    expected = {(labels[u], labels[v]) for u, v in G.edges if labels[u] != labels[v]}
    assert set(C.edges) == expected
    assert len(cindices) == len(expected)  # no duplicate condensed edges


@given(graphs(max_nodes=16), st.data())
def test_condensation_engines_give_the_same_arrays(graph, data):
    """Any grouping of the nodes (not only components: the tiers condense a part of
    the graph by the whole graph's components), rows sorted, repeats dropped."""
    n, edges = graph
    indptr, indices = arrays(n, edges)
    count = data.draw(st.integers(1, n))
    labels = np.array(data.draw(st.lists(st.integers(0, count - 1), min_size=n,
                                         max_size=n)), dtype=np.int64)
    expected = sorted({(int(labels[u]), int(labels[v])) for u, v in edges
                       if u != v and labels[u] != labels[v]})
    for method in METHODS:
        cindptr, cindices = condensation(indptr, indices, labels, count, method=method)
        assert cindptr.dtype == cindices.dtype == np.int64
        assert len(cindptr) == count + 1
        got = list(zip(edge_sources(cindptr).tolist(), cindices.tolist(), strict=True))
        assert got == expected  # grouped by tail, heads ascending, no repeats


# --- longest paths and tiers ----------------------------------------------------------
def brute_longest(G: nx.DiGraph, weights) -> dict[int, int]:
    """Heaviest path ending at each node, by enumerating every simple path."""
    best = {v: weights[v] for v in G}
    for s in G:
        for t in G:
            if s != t:
                for path in nx.all_simple_paths(G, s, t):
                    best[t] = max(best[t], sum(weights[v] for v in path))
    return best


@pytest.mark.parametrize("method", METHODS)
@given(graph=graphs(max_nodes=8, acyclic=True), data=st.data())
def test_longest_path_levels_against_brute_force(method, graph, data):
    n, edges = graph
    w = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    indptr, indices = arrays(n, edges)
    got = longest_path_levels(indptr, indices, weights=np.array(w), method=method)
    expected = brute_longest(to_nx(n, edges), w)
    assert got.tolist() == [expected[v] for v in range(n)]


@pytest.mark.parametrize("method", METHODS)
def test_longest_path_levels_rejects_cycles(method):
    indptr, indices = arrays(3, [(0, 1), (1, 2), (2, 1)])
    with pytest.raises(ValueError, match="acyclic"):
        longest_path_levels(indptr, indices, method=method)


@pytest.mark.parametrize("method", METHODS)
@given(graph=graphs(max_nodes=10, acyclic=True))
def test_sink_levels_match_networkx(method, graph):
    """Longest path to a node without successors: networkx's DAG longest path
    from each node (an independent oracle)."""
    n, edges = graph
    G = to_nx(n, edges)
    expected = [nx.dag_longest_path_length(G.subgraph(nx.descendants(G, v) | {v}))
                for v in range(n)]
    assert sink_levels(*arrays(n, edges), method=method).tolist() == expected


@pytest.mark.parametrize("method", METHODS)
def test_sink_levels_reject_cycles(method):
    with pytest.raises(ValueError, match="acyclic"):
        sink_levels(*arrays(3, [(0, 1), (1, 2), (2, 1)]), method=method)


@pytest.mark.parametrize("method", METHODS)
@given(graphs())
def test_weak_component_count_matches_networkx(method, graph):
    n, edges = graph
    expected = nx.number_weakly_connected_components(to_nx(n, edges))
    assert weak_component_count(*arrays(n, edges), method=method) == expected


@pytest.mark.skipif(not has_numba(), reason="numba not installed")
@given(graphs())
def test_topological_order_is_one_and_leaves_out_cycles(graph):
    """Every link goes forward in the order; its length is n exactly when networkx
    finds no cycle, and the nodes left out are those on or downstream of a cycle."""
    n, edges = graph
    G = to_nx(n, edges)
    order = topological_order(*arrays(n, edges)).tolist()
    assert len(set(order)) == len(order)
    position = {v: i for i, v in enumerate(order)}
    assert all(position[u] < position[v] for u, v in G.edges if u in position
               and v in position)
    on_cycles = {v for c in nx.strongly_connected_components(G) if len(c) > 1 for v in c}
    blocked = on_cycles.union(*(nx.descendants(G, v) for v in on_cycles))
    assert set(order) == set(range(n)) - blocked


def reference_tiers(G: nx.DiGraph, sources) -> dict[int, int]:
    """Longest path from a source, in the condensation (networkx only)."""
    reach = set(sources).union(*(nx.descendants(G, s) for s in sources))
    H = G.subgraph(reach)
    C = nx.condensation(H)
    mapping = C.graph["mapping"]
    level = {}
    for c in nx.topological_sort(C):
        level[c] = max((level[p] + 1 for p in C.predecessors(c)), default=0)
    return {v: level[mapping[v]] for v in reach}


@pytest.mark.parametrize("method", METHODS)
@given(graph=graphs(), data=st.data())
def test_tier_levels_match_condensation_reference(method, graph, data):
    n, edges = graph
    sources = data.draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True))
    indptr, indices = arrays(n, edges)
    got = tier_levels(indptr, indices, np.array(sources, dtype=np.int64), method=method)
    expected = reference_tiers(to_nx(n, edges), sources)
    assert {v: int(t) for v, t in enumerate(got) if t >= 0} == expected
    assert (got[[v for v in range(n) if v not in expected]] == -1).all()
    # with the whole graph's components and condensation given (the chain's cached
    # ones, restricted to the reachable components there): the same tiers, whether
    # or not every node is reachable
    count, labels = strong_components(indptr, indices)
    again = tier_levels(indptr, indices, np.array(sources, dtype=np.int64), method=method,
                        components=(count, labels),
                        condensed=lambda: condensation(indptr, indices, labels, count))
    assert again.tolist() == got.tolist()


@pytest.mark.parametrize("method", METHODS)
def test_tier_levels_hand_checked(method):
    # 0 -> 1 -> 2 <-> 3 -> 4, 0 -> 4; 5 -> 6 -> 5 is a cycle no source feeds
    edges = [(0, 1), (1, 2), (2, 3), (3, 2), (3, 4), (0, 4), (5, 6), (6, 5)]
    indptr, indices = arrays(7, edges)
    got = tier_levels(indptr, indices, np.array([0]), method=method)
    assert got.tolist() == [0, 1, 2, 2, 3, -1, -1]


@pytest.mark.parametrize("method", METHODS)
def test_tier_levels_on_a_long_path(method):
    n = 3000
    indptr, indices = arrays(n, [(i, i + 1) for i in range(n - 1)])
    assert tier_levels(indptr, indices, np.array([0]), method=method).tolist() == list(
        range(n))


# --- dominators -----------------------------------------------------------------------
def brute_dominates(G: nx.DiGraph, root: int, a: int, b: int) -> bool:
    """Does a dominate b (every root path to b passes a)? By removing a."""
    if a in (b, root):
        return True
    H = G.copy()
    H.remove_node(a)
    return b not in nx.descendants(H, root) | {root}


@pytest.mark.parametrize("method", DOM_METHODS)
@given(graph=graphs(), data=st.data())
def test_immediate_dominators_against_brute_force(method, graph, data):
    n, edges = graph
    root = data.draw(st.integers(0, n - 1))
    indptr, indices = arrays(n, edges, drop_self_loops=False)
    idom = immediate_dominators(indptr, indices, root, method=method)
    G = to_nx(n, edges)
    reach = nx.descendants(G, root) | {root}
    assert set(np.flatnonzero(idom >= 0).tolist()) == reach
    assert idom[root] == root
    expected = nx.immediate_dominators(G, root)
    for v in reach - {root}:
        assert idom[v] == expected[v]
        # idom[v] strictly dominates v, and every strict dominator dominates idom[v]
        assert brute_dominates(G, root, int(idom[v]), v)
        for d in reach - {v}:
            if brute_dominates(G, root, d, v):
                assert brute_dominates(G, root, d, int(idom[v]))


@given(graph=graphs(), data=st.data())
def test_dominator_tree_engines_agree_and_answer_ancestry(graph, data):
    n, edges = graph
    root = data.draw(st.integers(0, n - 1))
    indptr, indices = arrays(n, edges)
    trees = [dominator_tree(indptr, indices, root, method=m) for m in DOM_METHODS]
    for other in trees[1:]:
        for name in ("idom", "preorder", "size", "order"):
            assert getattr(other, name).tolist() == getattr(trees[0], name).tolist()
    tree = trees[-1]
    G = to_nx(n, edges)
    reach = sorted(nx.descendants(G, root) | {root})
    a, b = np.meshgrid(reach, reach, indexing="ij")
    got = tree.dominates(a.ravel(), b.ravel())
    expected = [brute_dominates(G, root, x, y) for x, y in zip(
        a.ravel().tolist(), b.ravel().tolist(), strict=True)]
    assert got.tolist() == expected
    values = np.array(data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)))
    for method in METHODS:
        sums = subtree_sums(tree, values, method=method)
        for v in reach:
            below = [x for x in reach if brute_dominates(G, root, v, x)]
            assert sums[v] == values[below].sum()


@given(graph=graphs(), data=st.data())
def test_edge_dominates_head_against_brute_force(graph, data):
    n, edges = graph
    root = data.draw(st.integers(0, n - 1))
    indptr, indices = arrays(n, edges, drop_self_loops=False)
    tree = dominator_tree(indptr, indices, root, method=DOM_METHODS[0])
    got = edge_dominates_head(indptr, indices, tree)
    # in blocks of a few edges (as a 5M-edge graph is cut into 1M-edge blocks)
    saved = dominators_module.EDGE_BLOCK
    dominators_module.EDGE_BLOCK = data.draw(st.integers(1, 4))
    try:
        assert edge_dominates_head(indptr, indices, tree).tolist() == got.tolist()
    finally:
        dominators_module.EDGE_BLOCK = saved
    G = to_nx(n, edges, loops=True)
    before = nx.descendants(G, root) | {root}
    for k, (u, v) in enumerate(zip(edge_sources(indptr).tolist(), indices.tolist(),
                                   strict=True)):
        H = G.copy()
        H.remove_edge(u, v)
        cut = v in before and v not in nx.descendants(H, root) | {root}
        assert bool(got[k]) == cut, (u, v)


@given(graph=graphs(), data=st.data())
def test_edge_sources_of_a_block_are_a_slice_of_all(graph, data):
    n, edges = graph
    indptr, _ = arrays(n, edges, drop_self_loops=False)
    m = int(indptr[-1])
    start = data.draw(st.integers(0, m + 1))
    stop = data.draw(st.integers(0, m + 2))
    got = edge_sources(indptr, start, stop)
    assert got.dtype == np.int64
    assert got.tolist() == edge_sources(indptr)[start:stop].tolist()
    with pytest.raises(ValueError, match=">= 0"):
        edge_sources(indptr, 0, -1)


def test_dominators_hand_checked_diamond_and_cycle():
    # root 0; 0 -> 1 -> 3, 0 -> 2 -> 3, 3 -> 4 -> 5 -> 4 (cycle), 4 -> 6
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 4), (4, 6)]
    indptr, indices = arrays(7, edges)
    for method in DOM_METHODS:
        idom = immediate_dominators(indptr, indices, 0, method=method)
        assert idom.tolist() == [0, 0, 0, 0, 3, 4, 4]
    tree = DominatorTree(idom, 0, method="scipy")
    assert tree.size.tolist() == [7, 1, 1, 4, 3, 1, 1]
    counts, members = tree.nodes_below(np.array([3, 4]), np.array([6, 5, 1]), limit=1)
    assert counts.tolist() == [2, 2]
    assert [m.tolist() for m in members] == [[5], [5]]
    # CSR edge order: 0->1, 0->2, 1->3, 2->3, 3->4, 4->5, 4->6, 5->4
    assert edge_dominates_head(indptr, indices, tree).tolist() == [
        True, True, False, False, True, True, True, False]


def test_unreachable_nodes_have_no_dominator():
    indptr, indices = arrays(4, [(0, 1), (2, 3)])
    for method in DOM_METHODS:
        assert immediate_dominators(indptr, indices, 0, method=method).tolist() == [
            0, 0, -1, -1]


# --- minimum over everything downstream (leaders' min-rank reach estimate) ---------------
@pytest.mark.parametrize("method", [m if m != "scipy" else "numpy" for m in METHODS])
@given(graph=graphs(max_nodes=10, acyclic=True), data=st.data())
def test_min_downstream_matches_descendants(method, graph, data):
    n, edges = graph
    k = data.draw(st.integers(1, 4))
    values = np.array(data.draw(st.lists(st.floats(0, 10, allow_nan=False),
                                         min_size=n * k, max_size=n * k))).reshape(n, k)
    indptr, indices = arrays(n, edges)
    G = to_nx(n, edges)
    level = np.zeros(n, dtype=np.int64)  # longest distance to a node without successors
    for v in reversed(list(nx.topological_sort(G))):
        level[v] = max((level[w] + 1 for w in G.successors(v)), default=0)
    got = min_downstream(indptr, indices, level, values.copy(), method=method)
    for v in range(n):
        rows = [v, *nx.descendants(G, v)]
        assert got[v].tolist() == values[rows].min(axis=0).tolist()


@pytest.mark.skipif(not has_numba(), reason="numba not installed")
def test_min_downstream_engines_agree_on_a_larger_dag():
    rng = np.random.default_rng(4)
    G = nx.gnp_random_graph(3000, 0.002, seed=4, directed=True)
    G = nx.DiGraph((u, v) for u, v in G.edges if u < v)
    G.add_nodes_from(range(3000))
    n = 3000
    A = nx.to_scipy_sparse_array(G, nodelist=range(n), format="csr")
    indptr, indices = csr_arrays(A)
    level = np.zeros(n, dtype=np.int64)
    for v in reversed(list(nx.topological_sort(G))):
        level[v] = max((level[w] + 1 for w in G.successors(v)), default=0)
    assert level.max() > 3
    values = rng.exponential(size=(n, 16)).astype(np.float32)
    a = min_downstream(indptr, indices, level, values.copy(), method="numba")
    b = min_downstream(indptr, indices, level, values.copy(), method="numpy")
    assert np.array_equal(a, b) and not np.array_equal(a, values)



@given(data=st.data())
def test_group_pair_totals_against_a_plain_loop(data):
    # counts exact; each pair's weights summed in link order, as the loop sums them
    n = data.draw(st.integers(1, 8))
    k = data.draw(st.integers(1, 4))
    group = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    m = data.draw(st.integers(0, 20))
    src = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)),
                   dtype=np.int64)
    dst = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)),
                   dtype=np.int64)
    weights = np.array(data.draw(st.lists(st.one_of(
        st.floats(0, 1e9), st.just(float("nan")), st.just(0.1)), min_size=m, max_size=m)))
    counts, totals = [0] * (k * k), [0.0] * (k * k)
    for u, v, w in zip(src.tolist(), dst.tolist(), weights.tolist(), strict=True):
        if group[u] != group[v]:
            counts[group[u] * k + group[v]] += 1
            totals[group[u] * k + group[v]] += 0.0 if w != w else w
    for method in METHODS:
        got = group_pair_totals(src, dst, group, k, weights, method=method)
        assert got[0].tolist() == counts and got[1].tolist() == totals
        ones = group_pair_totals(src, dst, group, k, method=method)
        assert ones[1].tolist() == [float(c) for c in counts]


@pytest.mark.parametrize("method", METHODS)
@given(st.integers(0, 40), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_divide_rows_is_numpys_divide_of_the_kept_rows(method, m, k, seed):
    """The fused kernel gives the bits of the numpy expression it replaced."""
    rng = np.random.default_rng(seed)
    block, divisor = rng.standard_exponential((m, k)), rng.integers(1, 1000, m)
    keep = rng.random(m) < 0.6
    out = np.full((m + 1, k), -1.0, dtype=np.float32)
    assert divide_rows(block, divisor, keep, out, method=method) == keep.sum()
    expected = np.empty((int(keep.sum()), k), dtype=np.float32)
    np.divide(block[keep], divisor[keep, None], out=expected, casting="unsafe")
    assert np.array_equal(out[:len(expected)], expected)
    assert (out[len(expected):] == -1.0).all()  # nothing written past the kept rows
