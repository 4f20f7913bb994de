"""PageRank kernel against networkx (tight tolerance) and hand-checked properties."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from chaingraph.exceptions import ConvergenceError
from chaingraph.kernels.pagerank import pagerank


def _matrix(G: nx.DiGraph, nodes: list) -> sp.csr_array:
    return sp.csr_array(nx.to_scipy_sparse_array(G, nodelist=nodes, weight="weight"))


@st.composite
def weighted_digraphs(draw):
    n = draw(st.integers(1, 12))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                          .filter(lambda p: p[0] != p[1]), max_size=3 * n, unique=True))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for u, v in pairs:
        G.add_edge(u, v, weight=draw(st.floats(0.1, 100)))
    return G


@pytest.mark.parametrize("method", ["numba", "scipy"])
@given(G=weighted_digraphs(), alpha=st.floats(0.5, 0.95))
def test_matches_networkx(G, alpha, method):
    nodes = list(G)
    x, iterations = pagerank(_matrix(G, nodes), alpha=alpha, tol=1e-12, method=method)
    expected = nx.pagerank(G, alpha=alpha, tol=1e-13, max_iter=10_000, weight="weight")
    np.testing.assert_allclose(x, [expected[v] for v in nodes], atol=1e-9)
    assert iterations >= 1
    assert x.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["numba", "scipy"])
@given(G=weighted_digraphs(), data=st.data())
def test_personalization_and_dangling_match_networkx(G, data, method):
    nodes = list(G)
    n = len(nodes)
    pers = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)
                     .filter(lambda v: sum(v) > 0.1))
    dang = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)
                     .filter(lambda v: sum(v) > 0.1))
    x, _ = pagerank(_matrix(G, nodes), personalization=np.array(pers),
                    dangling=np.array(dang), tol=1e-12, method=method)
    expected = nx.pagerank(G, personalization=dict(zip(nodes, pers, strict=True)),
                           dangling=dict(zip(nodes, dang, strict=True)),
                           tol=1e-13, max_iter=10_000)
    np.testing.assert_allclose(x, [expected[v] for v in nodes], atol=1e-9)


def test_hand_computed_two_node_cycle_and_chain():
    # a <-> b: symmetric, so 1/2 each.
    A = sp.csr_array(np.array([[0, 1], [1, 0]], dtype=float))
    x, _ = pagerank(A)
    np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-12)
    # a -> b, b dangling (teleports uniformly): x_a = 0.5 * (1 - alpha) + ...
    # solving x_a = a*x_b/2 + (1-a)/2, x_b = a*x_a + a*x_b/2 + (1-a)/2 with a=0.5
    A = sp.csr_array(np.array([[0, 1], [0, 0]], dtype=float))
    x, _ = pagerank(A, alpha=0.5)
    # x_a = 0.25 x_b + 0.25; x_b = 0.5 x_a + 0.25 x_b + 0.25 -> x_a = 0.4, x_b = 0.6
    np.testing.assert_allclose(x, [0.4, 0.6], atol=1e-12)


@pytest.mark.parametrize("method", ["numba", "scipy"])
def test_hand_computed_self_loop(method):
    # a -> a (weight 1), a -> b (weight 3), b dangling, alpha = 0.5:
    # x_a = 0.5 (x_a / 4 + x_b / 2) + 1/4, x_b = 0.5 (3 x_a / 4 + x_b / 2) + 1/4
    # -> x_a = 4/9, x_b = 5/9 (the self-loop keeps a quarter of a's rank at a)
    A = sp.csr_array(np.array([[1, 3], [0, 0]], dtype=float))
    x, _ = pagerank(A, alpha=0.5, method=method)
    np.testing.assert_allclose(x, [4 / 9, 5 / 9], atol=1e-12)


def test_weights_shift_rank():
    # hub sends 9/10 of its weight to b: b outranks c.
    A = sp.csr_array(np.array([[0, 9, 1], [0, 0, 0], [0, 0, 0]], dtype=float))
    x, _ = pagerank(A)
    assert x[1] > x[2]


def test_absolute_tolerance_gives_exact_vector():
    # networkx's tolerance scales with N, so at large N it stops early; ours is
    # absolute: compare with the exact stationary vector from a dense linear solve.
    n = 1500
    rng = np.random.default_rng(1)
    src, dst = rng.integers(0, n, 4000), rng.integers(0, n, 4000)
    keep = src != dst
    A = sp.csr_array((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n, n))
    A.sum_duplicates()
    A.data[:] = 1.0
    x, iterations = pagerank(A, tol=1e-12)
    dense = A.toarray()
    out = dense.sum(axis=1)
    P = np.divide(dense, out[:, None], out=np.zeros_like(dense), where=out[:, None] > 0)
    P[out == 0] = 1.0 / n  # dangling rows teleport uniformly
    alpha = 0.85
    G = alpha * P + (1 - alpha) / n  # Google matrix
    exact = np.linalg.solve(np.eye(n) - G.T + np.ones((n, n)) / n, np.full(n, 1 / n))
    np.testing.assert_allclose(x, exact / exact.sum(), atol=1e-10)
    assert iterations > 30
    # networkx with its default N-scaled tolerance is far less accurate here
    H = nx.from_scipy_sparse_array(A, create_using=nx.DiGraph)
    loose = nx.pagerank(H)
    assert np.abs(np.array([loose[i] for i in range(n)]) - x).sum() > 1e-6


def test_engines_agree_to_rounding_on_a_large_graph():
    """The compiled iteration is the scipy one (same scatter order); only the
    dangling mass and the change are summed in another order."""
    rng = np.random.default_rng(5)
    n, m = 20_000, 100_000
    A = sp.csr_array((rng.random(m), (rng.integers(0, n, m), rng.integers(0, n, m))),
                     shape=(n, n))
    x, i = pagerank(A, method="numba")
    y, j = pagerank(A, method="scipy")
    assert abs(i - j) <= 1
    np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("method", ["numba", "scipy"])
def test_convergence_error_and_bad_input(method):
    A = sp.csr_array(np.array([[0, 1], [1, 0]], dtype=float))
    with pytest.raises(ConvergenceError, match="did not converge"):
        pagerank(A, x0=np.array([1.0, 0.0]), alpha=1.0, max_iter=5, method=method)
    with pytest.raises(ConvergenceError, match="in 0 iterations"):
        pagerank(A, max_iter=0, method=method)
    with pytest.raises(ValueError, match="square"):
        pagerank(sp.csr_array(np.ones((2, 3))))
    with pytest.raises(ValueError, match="personalization"):
        pagerank(A, personalization=np.array([1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        pagerank(sp.csr_array(np.array([[0, -1.0], [1, 0]])))
    with pytest.raises(ValueError, match="finite"):  # not NaN ranks
        pagerank(sp.csr_array(np.array([[0, np.inf, 0], [0, 0, 1.0], [0, 0, 0]])),
                 method=method)
    x, iterations = pagerank(sp.csr_array((0, 0)))
    assert x.shape == (0,) and iterations == 0


@st.composite
def mostly_acyclic_digraphs(draw):
    """Layered DAGs with a few back links, with self-loops now and then: mostly the
    component solve's case (at most a third of the links leave nodes on cycles)."""
    n = draw(st.integers(2, 30))
    forward = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                            .filter(lambda p: p[0] < p[1]), max_size=3 * n, unique=True))
    back = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                         .filter(lambda p: p[0] >= p[1]), max_size=2, unique=True))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for u, v in forward + back:
        G.add_edge(u, v, weight=draw(st.floats(0.1, 100)))
    return G


@given(G=mostly_acyclic_digraphs(), alpha=st.floats(0.5, 0.95), data=st.data())
def test_component_solve_matches_networkx(G, alpha, data):
    nodes = list(G)
    n = len(nodes)
    pers = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)
                     .filter(lambda v: sum(v) > 0.1))
    dang = data.draw(st.none() | st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)
                     .filter(lambda v: sum(v) > 0.1))
    x, sweeps = pagerank(_matrix(G, nodes), alpha=alpha, personalization=np.array(pers),
                         dangling=None if dang is None else np.array(dang), tol=1e-13,
                         method="numba")
    expected = nx.pagerank(G, alpha=alpha, personalization=dict(zip(nodes, pers, strict=True)),
                           dangling=None if dang is None else dict(zip(nodes, dang,
                                                                       strict=True)),
                           tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(x, [expected[v] for v in nodes], atol=1e-9)
    assert x.sum() == pytest.approx(1.0)
    assert sweeps >= 1


@given(G=weighted_digraphs())
def test_components_come_in_topological_order(G):
    from chaingraph.kernels.pagerank import _components_numba

    A = _matrix(G, list(G))
    order, bounds = _components_numba(A.indptr.astype(np.int64), A.indices.astype(np.int64))
    assert sorted(order.tolist()) == list(range(len(G)))
    component = np.empty(len(G), dtype=np.int64)
    for c in range(len(bounds) - 1):
        component[order[bounds[c]:bounds[c + 1]]] = c
    # the same partition as networkx's, and every link goes forward or stays inside
    assert {frozenset(order[bounds[c]:bounds[c + 1]].tolist())
            for c in range(len(bounds) - 1)} == {frozenset(c) for c in
                                                 nx.strongly_connected_components(G)}
    assert all(component[u] <= component[v] for u, v in G.edges)


def test_component_solve_on_a_mostly_acyclic_chain_agrees_with_the_power_iteration():
    """A layered chain with 1 % back links: the compiled solve sweeps each strongly
    connected component on its own, the others once, in far fewer passes than the
    power iteration's, and lands on the same vector."""
    rng = np.random.default_rng(7)
    n, m = 30_000, 150_000
    tier = np.sort(rng.integers(0, 6, n))
    src = rng.integers(0, n, m)
    later = np.searchsorted(tier, tier[src] + 1)
    ok = later < n
    src = src[ok]
    dst = rng.integers(later[ok], n)
    back = rng.random(len(src)) < 0.01
    src[back], dst[back] = dst[back], src[back]
    A = sp.csr_array((rng.random(len(src)) + 0.1, (src, dst)), shape=(n, n))
    x, sweeps = pagerank(A, method="numba")
    y, iterations = pagerank(A, method="scipy")
    assert np.abs(x - y).sum() < 1e-9
    assert sweeps < iterations


def test_component_solve_raises_when_a_cycle_does_not_converge():
    # 0 -> 1 <-> 2 -> 3 -> ... -> 9, 0 -> 3, 0 -> 5: three of twelve links leave
    # nodes on a cycle (at most a third: the component solve)
    src = [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 0, 0]
    dst = [1, 2, 1, 3, 4, 5, 6, 7, 8, 9, 3, 5]
    A = sp.csr_array((np.ones(12), (src, dst)), shape=(10, 10))
    from chaingraph.kernels.pagerank import _arcs_on_cycles, _components_numba

    order, bounds = _components_numba(A.indptr.astype(np.int64), A.indices.astype(np.int64))
    assert _arcs_on_cycles(order, bounds, A.indptr) == 3
    with pytest.raises(ConvergenceError, match="in 1 iterations"):
        pagerank(A, max_iter=1, method="numba")
    x, _ = pagerank(A, method="numba")
    y, _ = pagerank(A, method="scipy")
    np.testing.assert_allclose(x, y, atol=1e-12)


def _known(A: sp.csr_array) -> tuple[tuple[int, np.ndarray], object]:
    """scipy's strongly connected components of A's graph and a callable giving
    their condensation (as a chain's cached ones)."""
    from chaingraph.kernels.graph import condensation, csr_arrays, strong_components

    indptr, indices = csr_arrays(A)
    count, labels = strong_components(indptr, indices)
    return (count, labels), lambda: condensation(indptr, indices, labels, count)


@given(G=mostly_acyclic_digraphs(), alpha=st.floats(0.5, 0.95))
def test_known_components_give_the_same_rank(G, alpha):
    """Components already known (any numbering) order the solve instead of its own
    search: the same vector, to the tolerance."""
    nodes = list(G)
    A = _matrix(G, nodes)
    components, condensed = _known(A)
    x, _ = pagerank(A, alpha=alpha, tol=1e-13, method="numba", components=components,
                    condensed=condensed)
    expected = nx.pagerank(G, alpha=alpha, tol=1e-14, max_iter=100_000, weight="weight")
    np.testing.assert_allclose(x, [expected[v] for v in nodes], atol=1e-9)


def test_known_components_are_checked_and_leave_the_power_iteration_as_it_was():
    rng = np.random.default_rng(5)
    n, m = 2_000, 10_000  # one giant component: the power iteration
    A = sp.csr_array((rng.random(m), (rng.integers(0, n, m), rng.integers(0, n, m))),
                     shape=(n, n))
    components, condensed = _known(A)
    x, i = pagerank(A, method="numba")
    y, j = pagerank(A, method="numba", components=components, condensed=condensed)
    assert i == j
    np.testing.assert_array_equal(x, y)
    count, labels = components
    with pytest.raises(ValueError, match="components must label"):
        pagerank(A, method="numba", components=(count, labels[:-1]), condensed=condensed)
    with pytest.raises(ValueError, match="acyclic condensation"):
        pagerank(A, method="numba", components=(n, np.arange(n)),
                 condensed=lambda: (np.r_[0, np.ones(n, dtype=np.int64)], np.array([0])))
