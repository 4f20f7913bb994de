"""Throughput centrality: kernels and :func:`bottlenecks.throughput_centrality`.

Oracle: networkx ``betweenness_centrality_subset`` with sources={s}, targets={t},
``normalized=False``, summed with weights w_s * w_t.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph._engines import has_numba
from chaingraph.algorithms import bottlenecks as bn
from chaingraph.kernels import betweenness as kb

METHODS = ["scipy", pytest.param("numba", marks=pytest.mark.skipif(
    not has_numba(), reason="numba not installed"))]
KERNELS = [kb.weighted_betweenness_scipy] + (
    [kb.weighted_betweenness_numba] if has_numba() else [])


def oracle(G: nx.DiGraph, weight="volume") -> dict:
    """Weighted source->final betweenness from networkx, pair by pair."""
    H = nx.DiGraph((u, v) for u, v in G.edges if u != v)
    H.add_nodes_from(G)
    sources = [v for v in H if H.in_degree(v) == 0 and H.out_degree(v) > 0]
    final = [v for v in H if H.out_degree(v) == 0 and H.in_degree(v) > 0]

    def shares(nodes, outgoing):
        vol = {v: sum(d.get(weight, 0.0) for *_, d in (
            G.out_edges(v, data=True) if outgoing else G.in_edges(v, data=True)))
            for v in nodes}
        total = sum(vol.values())
        if total <= 0:
            return {v: 1 / len(nodes) for v in nodes}
        return {v: x / total for v, x in vol.items()}

    out = dict.fromkeys(G, 0.0)
    if not sources or not final:
        return out
    ws, wt = shares(sources, True), shares(final, False)
    for s in sources:
        for t in final:
            if ws[s] * wt[t] == 0:
                continue
            bc = nx.betweenness_centrality_subset(H, [s], [t], normalized=False)
            for v, x in bc.items():
                out[v] += ws[s] * wt[t] * x
    return out


@st.composite
def supply_graphs(draw, max_nodes=12, volumes=True):
    n = draw(st.integers(2, max_nodes))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
        lambda p: p[0] != p[1]), max_size=3 * n, unique=True))
    G = nx.DiGraph()
    G.add_nodes_from(f"n{i}" for i in range(n))
    for u, v in pairs:
        attrs = {"volume": draw(st.floats(0, 1e9))} if volumes else {}
        G.add_edge(f"n{u}", f"n{v}", **attrs)
    return G


@pytest.mark.parametrize("method", METHODS)
@given(G=supply_graphs())
def test_exact_matches_networkx_oracle(G, method):
    tc = bn.throughput_centrality(G, method=method)
    expected = oracle(G)
    assert tc.exact and tc.error_bound == 0.0
    for v in G:
        assert tc[v] == pytest.approx(expected[v], abs=1e-9)
        assert -1e-12 <= tc[v] <= 1 + 1e-9


@pytest.mark.parametrize("method", METHODS)
@given(G=supply_graphs(), loops=st.lists(st.integers(0, 11), max_size=4))
@settings(max_examples=40)
def test_self_loops_change_no_throughput(G, loops, method):
    # a self-loop lies on no shortest path, and its volume is not supply to others
    H = G.copy()
    H.add_edges_from((f"n{i}", f"n{i}", {"volume": 1.0}) for i in loops if f"n{i}" in G)
    note(repr(list(H.edges(data=True))))
    with_loops = bn.throughput_centrality(H, method=method)
    without = bn.throughput_centrality(G, method=method)
    for v in G:
        assert with_loops[v] == pytest.approx(without[v], abs=1e-12)


@given(G=supply_graphs(volumes=False))
def test_uniform_weights_without_volumes(G):
    tc = bn.throughput_centrality(G)
    expected = oracle(G)
    for v in G:
        assert tc[v] == pytest.approx(expected[v], abs=1e-9)


@given(G=supply_graphs())
@settings(max_examples=40)
def test_relabelling_invariance(G):
    mapping = {v: f"企业{i}" for i, v in enumerate(reversed(list(G)))}
    a = bn.throughput_centrality(G)
    b = bn.throughput_centrality(nx.relabel_nodes(G, mapping))
    for v in G:
        assert b[mapping[v]] == pytest.approx(a[v], abs=1e-12)


@given(data=st.data())
@settings(max_examples=60)
def test_kernels_against_subset_betweenness(data):
    """Arbitrary sources (may have suppliers), arbitrary target weights, cycles."""
    n = data.draw(st.integers(1, 12))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                               max_size=3 * n, unique=True))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(pairs)
    A = nx.to_scipy_sparse_array(G, nodelist=range(n), format="csr")
    A.sort_indices()
    sources = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    sw = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(sources),
                                     max_size=len(sources))))
    tw = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    H = nx.DiGraph((u, v) for u, v in pairs if u != v)
    H.add_nodes_from(range(n))
    expected = np.zeros(n)
    for s, w in zip(sources, sw, strict=True):
        for t in range(n):
            if t != s and tw[t] > 0:
                bc = nx.betweenness_centrality_subset(H, [s], [t], normalized=False)
                for v, x in bc.items():
                    expected[v] += w * tw[t] * x
    for kernel in KERNELS:
        got = kernel(A.indptr, A.indices, sources, sw, tw)
        np.testing.assert_allclose(got, expected, atol=1e-9)
    if has_numba():
        got = kb.weighted_betweenness_numba(A.indptr, A.indices, sources, sw, tw,
                                            reorder=False)
        np.testing.assert_allclose(got, expected, atol=1e-9)


def test_hand_computed_diamond():
    # two routes from ore to car, through cell (volume 3) and pack (volume 1)
    G = nx.DiGraph([("ore", "cell"), ("ore", "pack"), ("cell", "car"), ("pack", "car")])
    tc = bn.throughput_centrality(G)
    assert tc["cell"] == pytest.approx(0.5) and tc["pack"] == pytest.approx(0.5)
    # two final producers with volumes 3 and 1: cell serves car (3/4), pack serves bus
    G = nx.DiGraph()
    G.add_edge("ore", "cell", volume=1.0)
    G.add_edge("ore", "pack", volume=1.0)
    G.add_edge("cell", "car", volume=3.0)
    G.add_edge("pack", "bus", volume=1.0)
    tc = bn.throughput_centrality(G)
    assert tc["cell"] == pytest.approx(0.75) and tc["pack"] == pytest.approx(0.25)
    assert tc["ore"] == 0.0 and tc["car"] == 0.0


def test_engines_agree_on_a_medium_graph():
    if not has_numba():
        pytest.skip("numba not installed")
    G = nx.gnp_random_graph(400, 0.01, directed=True, seed=3)
    a = bn.throughput_centrality(G, method="scipy")
    b = bn.throughput_centrality(G, method="numba")
    np.testing.assert_allclose(list(a.values()), list(b.values()), atol=1e-10)


def medium_chain(seed=0, layers=6, width=60):
    """Layered chain: many sources, few final producers, random volumes."""
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    for layer in range(layers - 1):
        for i in range(width):
            for j in rng.choice(width, size=3, replace=False):
                G.add_edge(f"L{layer}_{i}", f"L{layer + 1}_{j}",
                           volume=float(rng.integers(1, 100)))
    return G


@pytest.mark.parametrize("method", METHODS)
def test_sampled_estimate_within_stated_bound(method):
    G = medium_chain()
    exact = bn.throughput_centrality(G, method=method)
    assert exact.exact
    est = bn.throughput_centrality(G, samples=40, seed=1, method=method)
    assert not est.exact and est.samples == 40
    bound = math.sqrt(math.log(2 * G.number_of_nodes() / 0.05) / (2 * 40))
    assert est.error_bound == pytest.approx(bound)
    errors = np.array([abs(est[v] - exact[v]) for v in G])
    assert errors.max() <= est.error_bound
    # importance sampling is unbiased: the mean over many seeds approaches the truth
    runs = [bn.throughput_centrality(G, samples=20, seed=s, method=method)
            for s in range(30)]
    mean = {v: np.mean([r[v] for r in runs]) for v in G}
    assert max(abs(mean[v] - exact[v]) for v in G) < est.error_bound / 3
    # same seed, same estimate
    again = bn.throughput_centrality(G, samples=40, seed=1, method=method)
    assert dict(again) == dict(est)


def test_default_switches_to_sampling_above_exact_limit():
    G = medium_chain(layers=3, width=30)
    tc = bn.throughput_centrality(G, exact_limit=10, seed=0)
    assert not tc.exact and tc.samples == bn.DEFAULT_SAMPLES
    tc = bn.throughput_centrality(G, samples=10_000)
    assert tc.exact
    with pytest.raises(ValueError):
        bn.throughput_centrality(G, samples=0)


def test_find_throughput_table():
    G = nx.DiGraph([("ore", "cell"), ("cell", "car"), ("cell", "bus"), ("ore", "bus")])
    table = bn.find_throughput(G)
    assert list(table.columns) == ["enterprise", "name", "segment", "throughput",
                                   "error_bound", "score", "explanation"]
    assert table["enterprise"].tolist() == ["cell"]
    assert table["throughput"].iat[0] == pytest.approx(0.5)
    assert "50%" in table["explanation"].iat[0]
    table = bn.find_throughput(medium_chain(layers=3, width=30), samples=5, seed=0, top=3)
    assert len(table) == 3 and table["score"].is_monotonic_decreasing
    assert "sampled" in table["explanation"].iat[0]


def test_selectors_and_chain_input():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    chain = cg.as_chain(G)
    tc = bn.throughput_centrality(chain, sources=["a"], final=["d"])
    assert tc == {"a": 0.0, "b": 1.0, "c": 1.0, "d": 0.0}
    tc = bn.throughput_centrality(chain, sources=["b"], final=["c", "d"])
    assert tc["c"] == pytest.approx(0.5)


def test_willems_chains_exact_against_oracle(shared_data):
    from willems import load_willems, willems_numbers

    folder = shared_data / "willems"
    checked = 0
    for number in willems_numbers(folder):
        chain = load_willems(folder, number)
        G = chain.to_networkx()
        sources = sum(1 for v in G if G.in_degree(v) == 0)
        final = sum(1 for v in G if G.out_degree(v) == 0)
        if chain.n_enterprises > 200 or sources * final > 1000:
            continue
        expected = oracle(G, weight="units")
        for method in ["scipy", *(["numba"] if has_numba() else [])]:
            tc = bn.throughput_centrality(chain, weight="units", method=method)
            for v in G:
                assert tc[v] == pytest.approx(expected[v], abs=1e-9)
        checked += 1
    assert checked >= 8


def _random_problem(n: int, seed: int, draw_seed: int, k: int):
    """A generated chain's adjacency (no self-loops), ``k`` random sources with
    weights, and random target weights."""
    G = cg.datasets.generate_chain(n_enterprises=n, seed=seed)
    A = nx.to_scipy_sparse_array(G.to_networkx(), format="csr")
    A.setdiag(0)
    A.eliminate_zeros()
    rng = np.random.default_rng(draw_seed)
    sources = rng.integers(0, A.shape[0], k)
    return A, sources, rng.random(k), rng.random(A.shape[0])


@pytest.mark.skipif(not has_numba(), reason="numba not installed")
def test_numba_sums_do_not_depend_on_the_number_of_threads():
    """The sources are split into a fixed number of chunks (not one per thread) and
    the chunks' sums added in order, so one thread and every thread give the same
    bits (diagnose runs the throughput on one thread beside its other steps)."""
    import numba

    A, sources, sw, tw = _random_problem(3000, 11, 3, 40)
    before = numba.get_num_threads()
    runs = []
    for threads in sorted({1, 2, before}):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            runs.append(kb.weighted_betweenness_numba(A.indptr, A.indices, sources, sw, tw))
        finally:
            numba.set_num_threads(before)
    assert all(np.array_equal(runs[0], other) for other in runs[1:])
    assert runs[0].any()


@pytest.mark.skipif(not has_numba(), reason="numba not installed")
def test_numba_chunk_groups_under_a_changing_budget_give_the_same_bits():
    """The throughput's chunks run a few at a time, as many as the thread's budget
    allows when each group starts (diagnose raises it from one thread to all once
    its calling thread is done): every schedule gives the bits of all the chunks
    in one call, summed in chunk order (as before the chunks were grouped)."""
    import numba

    from chaingraph._engines import thread_budget

    A, sources, sw, tw = _random_problem(2000, 5, 8, 50)
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int32)
    chunks = np.arange(kb.CHUNKS, dtype=np.int64)
    whole = kb.parallel_kernel()(indptr, indices, sources.astype(np.int64), sw, tw,
                                 chunks, kb.CHUNKS).sum(axis=0)
    assert whole.any()
    every = numba.config.NUMBA_NUM_THREADS
    schedules = [[1], [every], [1, 1, 3, every], [every, 1, 2], [5, 1]]
    before = numba.get_num_threads()
    for schedule in schedules:
        asked = []

        def budget(schedule=schedule, asked=asked):
            asked.append(schedule[min(len(asked), len(schedule) - 1)])
            return asked[-1]

        with thread_budget(budget):
            got = kb.weighted_betweenness_numba(indptr, indices, sources, sw, tw,
                                                reorder=False)
        assert np.array_equal(got, whole), schedule
        ran = [min(t, every) for t in asked]
        assert sum(ran) >= kb.CHUNKS > sum(ran[:-1])  # one group per answer
        assert numba.get_num_threads() == before
