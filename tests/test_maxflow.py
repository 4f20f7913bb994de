"""Maximum flow and minimum cut: kernels and :func:`bottlenecks.max_flow`.

Oracles: networkx ``maximum_flow_value`` on a node-split network built here,
independently of the package; brute-force cut checks (removing the cut arcs
disconnects S from T); hand-computed chains.
"""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from willems import load_willems, willems_numbers

import chaingraph as cg
from chaingraph._engines import has_numba
from chaingraph.algorithms import bottlenecks as bn
from chaingraph.algorithms import flow as bn_flow
from chaingraph.kernels import _maxflow_numba
from chaingraph.kernels import maxflow as mf

METHODS = ["scipy", pytest.param("numba", marks=pytest.mark.skipif(
    not has_numba(), reason="numba not installed"))]
ENGINES = [mf.max_flow_scipy] + ([mf.max_flow_numba] if has_numba() else [])


def to_chain(G: nx.DiGraph) -> cg.Chain:
    """Chain of a graph whose amounts are partly missing (that warning is expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.as_chain(G)


# --- an independent oracle ------------------------------------------------------------------
def oracle_network(G: nx.DiGraph, sources, final, capacity="capacity") -> nx.DiGraph:
    """The node-split flow network of the max_flow definition, built from scratch."""
    H = nx.DiGraph()
    has_volume = any("volume" in d for *_, d in G.edges(data=True))

    def node_in(v):
        return ("in", v)

    def node_out(v):
        return ("out", v) if "capacity" in G.nodes[v] else ("in", v)

    H.add_node("S")
    H.add_node("T")
    for v, d in G.nodes(data=True):
        if "capacity" in d and d["capacity"] > 0:
            H.add_edge(node_in(v), node_out(v), capacity=d["capacity"])
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        if capacity in d:
            c = d[capacity]
        elif "volume" in d:
            c = d["volume"]
        else:
            c = 0.0 if has_volume else 1.0
        if c > 0:
            H.add_edge(node_out(u), node_in(v), capacity=c)
    for s in sources:
        attrs = {"capacity": G.nodes[s]["capacity"]} if "capacity" in G.nodes[s] else {}
        if attrs.get("capacity", 1) > 0:
            H.add_edge("S", node_in(s), **attrs)
    for t in final:
        attrs = {"capacity": G.nodes[t]["output"]} if "output" in G.nodes[t] else {}
        if attrs.get("capacity", 1) > 0:
            H.add_edge(node_out(t), "T", **attrs)
    return H


def default_roles(G: nx.DiGraph):
    links = [(u, v) for u, v in G.edges if u != v]
    indeg = dict.fromkeys(G, 0)
    outdeg = dict.fromkeys(G, 0)
    for u, v in links:
        outdeg[u] += 1
        indeg[v] += 1
    sources = [v for v in G if indeg[v] == 0 and outdeg[v] > 0]
    final = [v for v in G if outdeg[v] == 0 and indeg[v] > 0]
    return sources, final


def cut_arc(row, G):
    """The oracle-network arc a min-cut row stands for."""
    def out(v):
        return ("out", v) if "capacity" in G.nodes[v] else ("in", v)
    if row.element == "link":
        return out(row.supplier), ("in", row.buyer)
    if row.element == "enterprise":
        return ("in", row.enterprise), ("out", row.enterprise)
    if row.element == "source_supply":
        return "S", ("in", row.enterprise)
    return out(row.enterprise), "T"


def check_against_oracle(G: nx.DiGraph, method: str, sources=None, final=None,
                         capacity=None):
    result = bn.max_flow(to_chain(G), method=method, sources=sources, final=final,
                         capacity=capacity)
    if sources is None:
        sources, final = default_roles(G)
    H = oracle_network(G, sources, final, capacity=capacity or "capacity")
    expected = nx.maximum_flow_value(H, "S", "T")
    scale = max(1.0, expected)
    assert result.value == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)
    assert result.cut_capacity == pytest.approx(result.value, rel=1e-9, abs=1e-9 * scale)
    assert result.min_cut["capacity"].sum() == pytest.approx(result.cut_capacity)
    cut = [cut_arc(row, G) for row in result.min_cut.itertuples(index=False)]
    assert all(H.has_edge(*arc) for arc in cut)
    for arc, capacity in zip(cut, result.min_cut["capacity"], strict=True):
        assert H.edges[arc]["capacity"] == pytest.approx(capacity)
    H.remove_edges_from(cut)
    assert not nx.has_path(H, "S", "T")
    return result


# --- random capacitated chains -----------------------------------------------------------------
@st.composite
def capacitated(draw, max_nodes=9):
    n = draw(st.integers(2, max_nodes))
    G = nx.DiGraph()
    amount = st.one_of(st.floats(0.001, 1e3), st.floats(1e6, 1e12),
                       st.floats(0.001, 1e3), st.just(0.0))
    for v in range(n):
        attrs = {}
        if draw(st.booleans()):
            attrs["capacity"] = draw(amount)
        if draw(st.booleans()):
            attrs["output"] = draw(amount)
        G.add_node(f"企业{v}", **attrs)
    names = list(G)
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)).filter(
        lambda p: p[0] != p[1]), max_size=3 * n, unique=True))
    volumes = draw(st.booleans())
    for u, v in pairs:
        attrs = {}
        if volumes:
            attrs["volume"] = draw(amount)
        if draw(st.integers(0, 3)) == 0:
            attrs["capacity"] = draw(amount)
        G.add_edge(u, v, **attrs)
    if any("capacity" in d for *_, d in G.edges(data=True)) and not all(
            "capacity" in d for *_, d in G.edges(data=True)):
        for *_, d in G.edges(data=True):
            d.setdefault("capacity", d.get("volume", 1.0))
    return G


@pytest.mark.parametrize("method", METHODS)
@given(G=capacitated())
def test_random_chains_match_networkx(G, method):
    check_against_oracle(G, method)


@st.composite
def whole_amounts(draw, max_nodes=8):
    """Chains of whole amounts (exact in floats): enterprise capacities that bind,
    that cannot (above what their links bring in or take out) and that tie."""
    n = draw(st.integers(2, max_nodes))
    G = nx.DiGraph()
    for v in range(n):
        attrs = {}
        if draw(st.integers(0, 4)):
            attrs["capacity"] = float(draw(st.sampled_from([0, 1, 2, 3, 4, 6, 9, 50])))
        if draw(st.booleans()):
            attrs["output"] = float(draw(st.integers(1, 9)))
        G.add_node(f"企业{v}", **attrs)
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
        lambda p: p[0] != p[1]), max_size=3 * n, unique=True))
    for u, v in pairs:
        G.add_edge(f"企业{u}", f"企业{v}", volume=float(draw(st.integers(1, 6))))
    for v, attrs in G.nodes(data=True):  # ties: a capacity equal to what links bring or take
        tie = draw(st.sampled_from([None, "in", "out"])) if "capacity" in attrs else None
        edges = G.in_edges(v, data="volume") if tie == "in" else G.out_edges(
            v, data="volume") if tie == "out" else []
        if sum(d for *_, d in edges) > 0:
            attrs["capacity"] = float(sum(d for *_, d in edges))
    return G


def minimal_cut(H: nx.DiGraph) -> tuple[set, set]:
    """The nodes reachable from S in the residual network of a maximum flow
    (networkx's Edmonds-Karp) and the arcs leaving them: one cut whatever maximum
    flow is found."""
    R = nx.algorithms.flow.edmonds_karp(H, "S", "T")
    seen, stack = {"S"}, ["S"]
    while stack:
        u = stack.pop()
        for v, d in R[u].items():
            if v not in seen and d["capacity"] - d["flow"] > 0:
                seen.add(v)
                stack.append(v)
    return seen, {(u, v) for u, v in H.edges if u in seen and v not in seen}


@pytest.mark.parametrize("method", METHODS)
@given(G=whole_amounts())
@settings(max_examples=150)
def test_the_cut_is_that_of_the_network_with_every_capacity_split(G, method):
    """An enterprise whose capacity cannot bind is not split in two: the minimum cut
    is still the one read from the network where every capacity is an arc."""
    result = bn.max_flow(to_chain(G), method=method)
    H = oracle_network(G, *default_roles(G))
    expected = nx.maximum_flow_value(H, "S", "T")
    assert result.value == pytest.approx(expected, rel=1e-12)
    seen, cut = minimal_cut(H)
    assert {cut_arc(row, G) for row in result.min_cut.itertuples(index=False)} == cut
    assert result.source_side == {v for v in G if ("in", v) in seen}


@pytest.mark.parametrize("method", METHODS)
def test_links_of_no_capacity_do_not_loosen_an_enterprise(method):
    """A capacity column may hold values at or below 0 (its links are no arcs): they
    bring nothing in, so the enterprise's capacity still binds."""
    G = nx.DiGraph()
    G.add_edge("a", "v", cap2=10.0)
    G.add_edge("b", "v", cap2=-8.0)
    G.add_edge("v", "t", cap2=10.0)
    G.nodes["v"]["capacity"] = 5.0
    result = bn.max_flow(to_chain(G), capacity="cap2", method=method)
    assert result.value == pytest.approx(5.0)
    assert result.min_cut["element"].tolist() == ["enterprise"]


def test_a_capacity_that_cannot_bind_is_no_split():
    G = nx.DiGraph([("ore", "mill", {"volume": 4.0}), ("mill", "car", {"volume": 3.0})])
    G.nodes["mill"]["capacity"] = 3.5  # above the 3 its links take out
    G.nodes["ore"]["capacity"] = 4.0  # binds with its link: a tie
    net = bn_flow._flow_network(to_chain(G), np.array([True, False, False]),
                                np.array([False, False, True]), np.array([4.0, 3.0]))
    assert net["split"].tolist() == [True, False, False]
    assert net["n_nodes"] == 3 + 1 + 2
    G.nodes["mill"]["capacity"] = 3.0  # now it can bind (a tie with its link)
    result = bn.max_flow(to_chain(G))
    assert result.min_cut["element"].tolist() == ["enterprise"]


@given(G=capacitated(), data=st.data())
def test_selected_sources_and_final_match_networkx(G, data):
    """User-chosen roles: sources with suppliers, final producers with buyers."""
    nodes = sorted(G)
    sources = data.draw(st.lists(st.sampled_from(nodes), unique=True, max_size=3))
    final = data.draw(st.lists(st.sampled_from(nodes), unique=True, max_size=3))
    unbounded = [v for v in set(sources) & set(final)
                 if "capacity" not in G.nodes[v] and "output" not in G.nodes[v]]
    method = data.draw(st.sampled_from(["scipy", *(["numba"] if has_numba() else [])]))
    if unbounded:
        with pytest.raises(ValueError, match="unbounded"):
            bn.max_flow(to_chain(G), sources=sources, final=final, method=method)
        return
    check_against_oracle(G, method, sources=sources, final=final)


@given(G=capacitated())
def test_engines_agree(G):
    if not has_numba():
        pytest.skip("numba not installed")
    a = bn.max_flow(to_chain(G), method="scipy")
    b = bn.max_flow(to_chain(G), method="numba")
    scale = max(1.0, a.value)
    assert a.value == pytest.approx(b.value, rel=1e-9, abs=1e-9 * scale)
    net_a = a.enterprise_flow["flow"].to_numpy()
    assert np.all(net_a >= -1e-9 * scale)


@given(G=capacitated(max_nodes=7), data=st.data())
def test_raising_a_capacity_never_lowers_flow(G, data):
    if G.number_of_edges() == 0:
        return
    before = bn.max_flow(to_chain(G)).value
    u, v = data.draw(st.sampled_from(sorted(G.edges)))
    H = G.copy()
    key = "capacity" if "capacity" in H.edges[u, v] else "volume"
    if key not in H.edges[u, v]:
        return  # unit capacities: nothing to raise
    H.edges[u, v][key] = H.edges[u, v][key] * 2 + 1
    after = bn.max_flow(to_chain(H)).value
    assert after >= before * (1 - 1e-9) - 1e-9


@given(G=capacitated(max_nodes=7))
def test_relabelling_invariance(G):
    mapping = {v: f"x{i:03d}" for i, v in enumerate(reversed(list(G)))}
    a = bn.max_flow(to_chain(G))
    b = bn.max_flow(to_chain(nx.relabel_nodes(G, mapping)))
    assert b.value == pytest.approx(a.value, rel=1e-12, abs=1e-12)
    back = {v: k for k, v in mapping.items()}
    caps_a = dict(zip(zip(a.link_flow["supplier"], a.link_flow["buyer"], strict=True),
                      a.link_flow["capacity"], strict=True))
    caps_b = {(back[u], back[v]): c for u, v, c in zip(
        b.link_flow["supplier"], b.link_flow["buyer"], b.link_flow["capacity"], strict=True)}
    assert caps_a == caps_b
    assert b.cut_capacity == pytest.approx(a.cut_capacity, rel=1e-12, abs=1e-12)


def test_flow_is_feasible_and_conserved():
    G = nx.DiGraph()
    G.add_edges_from([("s1", "a", {"volume": 5.0}), ("s2", "a", {"volume": 4.0}),
                      ("a", "b", {"volume": 6.0}), ("a", "c", {"volume": 2.0}),
                      ("b", "t", {"volume": 7.0}), ("c", "t", {"volume": 3.0})])
    for method in ["scipy", *(["numba"] if has_numba() else [])]:
        result = bn.max_flow(G, method=method)
        assert result.value == pytest.approx(8.0)
        lf = result.link_flow
        assert (lf["flow"] <= lf["capacity"] + 1e-9).all()
        inflow = lf.groupby("buyer")["flow"].sum()
        outflow = lf.groupby("supplier")["flow"].sum()
        for v in ("a", "b", "c"):
            assert inflow[v] == pytest.approx(outflow[v])
        ent = result.enterprise_flow.set_index("enterprise")["flow"]
        assert ent["a"] == pytest.approx(8.0)
        assert ent["t"] == pytest.approx(8.0)


# --- hand-computed cases -------------------------------------------------------------------
def test_enterprise_capacity_source_supply_and_final_demand():
    G = nx.DiGraph()
    G.add_node("mine", capacity=4.0)          # source supply caps at 4
    G.add_node("smelter", capacity=2.0)       # internal enterprise bottleneck
    G.add_node("car", output=1.0)             # final demand caps at 1
    G.add_edges_from([("mine", "smelter", {"volume": 10.0}),
                      ("smelter", "cell", {"volume": 10.0}),
                      ("mine", "car", {"volume": 10.0}),
                      ("ore", "car", {"volume": 10.0})])
    result = bn.max_flow(to_chain(G))
    # mine -> smelter -> cell: 2 (smelter capacity); car takes 1 (its output)
    assert result.value == pytest.approx(3.0)
    cut = result.min_cut.set_index("element")
    assert set(cut.index) == {"enterprise", "final_demand"}
    assert cut.loc["enterprise", "enterprise"] == "smelter"
    assert cut.loc["final_demand", "enterprise"] == "car"
    ent = result.enterprise_flow.set_index("enterprise")
    assert ent.loc["smelter", "saturation"] == pytest.approx(1.0)
    assert math.isnan(ent.loc["cell", "capacity"])
    assert "smelter" in result.source_side and "cell" in result.sink_side

    G.nodes["ore"]["capacity"] = 0.0
    G.nodes["mine"]["capacity"] = 0.5
    cut = bn.max_flow(to_chain(G)).min_cut
    assert cut["element"].tolist() == ["source_supply"]
    assert cut["capacity"].tolist() == [0.5]


def test_unit_capacities_count_link_disjoint_paths():
    G = nx.DiGraph([("s", "a"), ("s", "b"), ("a", "t"), ("b", "t"), ("a", "b")])
    result = bn.max_flow(G)
    assert result.value == 2.0
    assert result.capacity_basis == "unit"


def test_capacity_column_and_missing_volumes():
    links = pd.DataFrame({"supplier": ["s", "s", "a", "b"], "buyer": ["a", "b", "t", "t"],
                          "volume": [5.0, np.nan, 5.0, 5.0],
                          "cap2": [1.0, 1.0, 1.0, 1.0]})
    with pytest.warns(cg.ChainDataWarning):
        chain = cg.Chain.from_frames(None, links)
    assert bn.max_flow(chain).value == 5.0          # s -> b has no volume: capacity 0
    assert bn.max_flow(chain, capacity="cap2").value == 2.0
    with pytest.raises(ValueError, match="nope"):
        bn.max_flow(chain, capacity="nope")


def test_selectors_and_unbounded_overlap():
    G = nx.DiGraph([("a", "b", {"volume": 3.0}), ("b", "c", {"volume": 2.0})])
    assert bn.max_flow(G, sources=["b"], final=["c"]).value == 2.0
    assert bn.max_flow(G, sources=["a"], final=["b"]).value == 3.0
    with pytest.raises(ValueError, match="unbounded"):
        bn.max_flow(G, sources=["b"], final=["b"])
    G.nodes["b"]["output"] = 1.5
    assert bn.max_flow(to_chain(G), sources=["b"], final=["b", "c"]).value == 3.5


def test_empty_and_linkless_chains():
    G = nx.DiGraph()
    G.add_nodes_from(["a", "b"])
    result = bn.max_flow(G)
    assert result.value == 0.0 and result.min_cut.empty
    assert len(result.enterprise_flow) == 2


def test_mutual_supply_antiparallel_links():
    G = nx.DiGraph([("s", "a", {"volume": 4.0}), ("a", "b", {"volume": 3.0}),
                    ("b", "a", {"volume": 2.0}), ("b", "t", {"volume": 5.0}),
                    ("a", "t", {"volume": 1.0})])
    for method in ["scipy", *(["numba"] if has_numba() else [])]:
        check_against_oracle(G, method, sources=["s"], final=["t"])


def test_input_not_mutated():
    G = nx.DiGraph([("a", "b", {"volume": 3.0})])
    before = nx.to_dict_of_dicts(G)
    bn.max_flow(G)
    assert nx.to_dict_of_dicts(G) == before


# --- kernels directly: float capacities, inf, antiparallel arcs, large magnitudes -----------
@given(data=st.data())
@settings(max_examples=80)
def test_kernels_random_arc_lists(data):
    n = data.draw(st.integers(2, 10))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                               .filter(lambda p: p[0] != p[1]), max_size=40, unique=True))
    magnitude = data.draw(st.sampled_from([1e-3, 1.0, 1e9, 1e13]))
    caps = [data.draw(st.one_of(st.floats(0.01, 1.0).map(lambda x: x * magnitude),
                                st.just(math.inf))) for _ in pairs]
    H = nx.DiGraph()
    H.add_nodes_from(range(n))
    for (u, v), c in zip(pairs, caps, strict=True):
        H.add_edge(u, v, **({} if math.isinf(c) else {"capacity": c}))
    try:
        expected = nx.maximum_flow_value(H, 0, n - 1)
    except nx.NetworkXUnbounded:
        return
    tail = np.array([p[0] for p in pairs], dtype=np.int64)
    head = np.array([p[1] for p in pairs], dtype=np.int64)
    cap = np.array(caps, dtype=float)
    net = mf.build_network(n, tail, head, cap)
    for engine in ENGINES:
        value, flow, side = engine(net, 0, n - 1)
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-9 * magnitude)
        assert np.all(flow <= cap * (1 + 1e-12) + 1e-300)
        assert side[0] and not side[n - 1]
        in_cut = side[tail] & ~side[head]
        assert cap[in_cut].sum() == pytest.approx(value, rel=1e-9, abs=1e-9 * magnitude)
    for engine in ["scipy", *(["numba"] if has_numba() else [])]:
        for reorder in (False, True):
            value, flow, side = mf.solve(n, tail, head, cap, 0, n - 1, engine=engine,
                                         reorder=reorder)
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9 * magnitude)
            assert side[0] and not side[n - 1]
            in_cut = side[tail] & ~side[head]
            assert cap[in_cut].sum() == pytest.approx(value, rel=1e-9,
                                                      abs=1e-9 * magnitude)


def test_scipy_engine_precision_on_yuan_amounts():
    """Amounts of 1e12 yuan with awkward fractions: exact after refinement."""
    rng = np.random.default_rng(7)
    n, m = 300, 1500
    tail = rng.integers(0, n - 1, m)
    head = rng.integers(1, n, m)
    keep = tail < head
    key = np.unique(tail[keep] * n + head[keep])
    tail, head = key // n, key % n
    cap = rng.random(len(tail)) * 1e12 + 0.37
    net = mf.build_network(n, tail, head, cap)
    H = nx.DiGraph()
    H.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), cap.tolist(), strict=True),
                              weight="capacity")
    expected = nx.maximum_flow_value(H, 0, n - 1)
    value, *_ = mf.max_flow_scipy(net, 0, n - 1)
    assert value == pytest.approx(expected, rel=1e-12)
    if has_numba():
        assert mf.max_flow_numba(net, 0, n - 1)[0] == pytest.approx(expected, rel=1e-12)


# --- real supply chains (Willems 2008) ---------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_willems_chains(shared_data, method):
    folder = shared_data / "willems"
    numbers = willems_numbers(folder)
    assert len(numbers) == 19
    for number in numbers:
        chain = load_willems(folder, number)
        check_against_oracle(chain.to_networkx(), method)  # unit capacities
        # heterogeneous capacities: input value = units x the supplier's cost rate
        links = chain.links
        cost = dict(zip(chain.ids, chain.column("cost_rate"), strict=True))
        links["value"] = links["units"] * (links["supplier"].map(cost).fillna(0) + 0.5)
        valued = chain.with_tables(links=links)
        check_against_oracle(valued.to_networkx(), method, capacity="value")


@pytest.mark.parametrize("method", METHODS)
def test_bundled_example_matches_networkx(method):
    chain = cg.datasets.load_example()
    G = chain.to_networkx()
    result = check_against_oracle(G, method)
    assert result.value > 0 and result.capacity_basis == "capacity"
    table = bn.find_min_cut(chain, method=method)
    assert table["score"].sum() == pytest.approx(1.0)
    assert set(table["element"]) <= {"link", "enterprise", "source_supply",
                                     "final_demand"}


def test_self_loops_are_ignored():
    links = pd.DataFrame({"supplier": ["s", "a", "a", "b"], "buyer": ["a", "a", "b", "t"],
                          "volume": [4.0, 100.0, 3.0, 5.0]})
    with_loop = cg.Chain.from_frames(None, links, self_loops="keep")
    without = cg.Chain.from_frames(None, links[links["supplier"] != links["buyer"]])
    for method in ["scipy", *(["numba"] if has_numba() else [])]:
        a, b = bn.max_flow(with_loop, method=method), bn.max_flow(without, method=method)
        assert a.value == b.value == 3.0
        loop = a.link_flow[a.link_flow["supplier"] == a.link_flow["buyer"]]
        assert loop["flow"].tolist() == [0.0]
    assert dict(bn.throughput_centrality(with_loop)) == dict(
        bn.throughput_centrality(without))


# --- compiled set-up passes against the scipy/numpy ones -----------------------------------
@pytest.mark.skipif(not has_numba(), reason="numba not installed")
@settings(max_examples=60, deadline=None)
@given(st.integers(2, 25), st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24),
                                              st.sampled_from([0.5, 1.0, 3.25, 1e12,
                                                               1e-3, math.inf])),
                                    max_size=80), st.integers(0, 2**32 - 1))
def test_numba_network_passes_equal_scipy_ones(n, arcs, seed):
    """Network arrays, the breadth-first numbering and the residual search: the
    compiled passes give exactly the arrays of the scipy/numpy ones (so the flow
    and cut are bit-for-bit those of the scipy-built network)."""
    seen, tail, head, cap = set(), [], [], []
    for u, v, c in arcs:
        u, v = u % n, v % n
        if u != v and (u, v) not in seen:
            seen.add((u, v))
            tail.append(u)
            head.append(v)
            cap.append(c)
    tail, head = np.array(tail, dtype=np.int64), np.array(head, dtype=np.int64)
    cap = np.array(cap, dtype=float)
    assert np.array_equal(mf.locality_rank(n, tail, head, 0),
                          mf.locality_rank(n, tail, head, 0, engine="numba"))
    a = mf.build_network(n, tail, head, cap)
    b = mf.build_network(n, tail, head, cap, engine="numba")
    for name in ("first", "head", "rev", "capacity", "position"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    res = a.capacity * np.random.default_rng(seed).random(len(a.capacity))
    assert np.array_equal(mf.source_side(a, res, 0),
                          mf.source_side(a, res, 0, engine="numba"))
    table = _maxflow_numba.residual_table(b.capacity, b.rev, 1e-12)  # Dinic's input
    assert np.array_equal(table[:, 0], b.capacity)
    assert np.array_equal(table[:, 1], mf.tolerance(a))
    keys = np.random.default_rng(seed).integers(0, n, 3 * len(tail))
    assert np.array_equal(mf.counting_order(keys, n),
                          mf.counting_order(keys, n, engine="numba"))
    assert np.array_equal(mf.counting_order(keys, n), np.argsort(keys, kind="stable"))


@pytest.mark.skipif(not has_numba(), reason="numba not installed")
def test_numba_engine_on_a_chain_deeper_than_int16_levels():
    """The search's int16 levels overflow past 32,767 links: it goes on with int32
    levels from the flow found so far (a 40,000-link path plus a short bypass)."""
    n = 40_001
    tail = np.r_[np.arange(n - 1), 0, 1]
    head = np.r_[np.arange(1, n), 2, n - 1]
    cap = np.r_[np.full(n - 1, 3.0), 1.0, 0.5]
    value, flow, side = mf.solve(n, tail, head, cap, 0, n - 1, engine="numba")
    assert value == 3.5  # 0.5 by the bypass 1 -> end, then 3 along the long path
    assert (flow >= 0).all() and (flow <= cap).all()
    balance = np.bincount(head, flow, n) - np.bincount(tail, flow, n)
    assert balance[n - 1] == value and (balance[1:-1] == 0).all()  # conserved
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), cap.tolist(), strict=True),
                              weight="capacity")
    assert side[0] and not side[n - 1]
    leaving = side[tail] & ~side[head]  # the cut: its capacity is the flow's value
    assert cap[leaving].sum() == value
    G.remove_edges_from(zip(tail[leaving].tolist(), head[leaving].tolist(), strict=True))
    assert not nx.has_path(G, 0, n - 1)


@pytest.mark.parametrize("method", METHODS)
def test_solve_arcs_lets_the_arcs_go_before_the_search(method, monkeypatch):
    """max_flow hands its arc arrays over in a list: they are freed before the
    search (weak references dead when the search starts), the list is emptied, and
    the result is solve()'s."""
    import weakref

    tail, head = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3])
    capacity = np.array([2.0, 5.0, 1.5, 9.0])
    expected = mf.solve(4, tail, head, capacity, 0, 3, engine=method)
    refs = [weakref.ref(a) for a in (tail, head, capacity)]
    arcs = [tail, head, capacity]
    del tail, head, capacity
    alive = []
    search = "_dinic" if method == "numba" else "max_flow_scipy"
    real = getattr(mf, search)

    def spy(*args, **kwargs):
        alive.append([r() is not None for r in refs])
        return real(*args, **kwargs)

    monkeypatch.setattr(mf, search, spy)
    value, flow, side = mf.solve_arcs(4, arcs, 0, 3, engine=method)
    assert alive == [[False, False, False]] and arcs == []
    assert value == expected[0] == 6.5
    assert flow.tolist() == expected[1].tolist() and side.tolist() == expected[2].tolist()


@pytest.mark.skipif(not has_numba(), reason="numba")
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(0, 60))
def test_fill_arcs_compiled_pass_gives_the_numpy_arrays(seed, n, m):
    """The flow network's arcs built in one compiled pass equal the gathers per kind."""
    from chaingraph.kernels.maxflow import fill_arcs

    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    ent_cap = np.where(rng.random(n) < 0.4, rng.random(n) * 10, np.nan)
    output = np.where(rng.random(n) < 0.5, rng.random(n) * 10, np.nan)
    split = np.isfinite(ent_cap) & (rng.random(n) < 0.7)  # a capacity that cannot bind
    out_id = np.arange(n, dtype=np.int32)
    out_id[split] = n + np.arange(int(split.sum()), dtype=np.int32)
    kind = np.repeat(np.array([0, 1, 2, 3], dtype=np.int8),
                     [m, int(split.sum()), min(n, 5), min(n, 7)])
    ref = np.concatenate([np.arange(m), np.flatnonzero(split), np.arange(min(n, 5)),
                          np.arange(min(n, 7))]).astype(np.int32)
    S = n + int(split.sum())
    args = (kind, ref, src, dst, rng.random(m), ent_cap, output, out_id, S, S + 1)
    compiled, numpy = fill_arcs(*args, method="numba"), fill_arcs(*args, method="scipy")
    for a, b in zip(compiled, numpy, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("narrow_end", ["sink", "source"])
def test_search_from_either_end_on_funnels(narrow_end):
    """The numba search takes its levels from whichever end its breadth-first search
    covers in fewer arcs (from the sink on a chain whose cut lies near its final
    producers): layered funnels narrowing toward either end, with antiparallel and
    skipping arcs, give networkx's value, a feasible conserved flow and a cut of
    that capacity."""
    rng = np.random.default_rng(7 if narrow_end == "sink" else 8)
    widths = [400, 200, 80, 20, 4]
    if narrow_end == "source":
        widths = widths[::-1]
    layers, start = [], 1
    for w in widths:
        layers.append(np.arange(start, start + w))
        start += w
    n = start + 1
    s, t = 0, n - 1
    arcs = {(s, int(v)): float(rng.uniform(1, 50)) for v in layers[0]}
    arcs |= {(int(v), t): float(rng.uniform(1, 50)) for v in layers[-1]}
    for i in range(len(layers) - 1):
        for u in layers[i]:
            for hop in (1, 2) if i + 2 < len(layers) else (1,):
                for v in rng.choice(layers[i + hop], size=3, replace=False):
                    arcs[(int(u), int(v))] = float(rng.uniform(1, 20))
            back = int(rng.choice(layers[i + 1]))
            arcs.setdefault((back, int(u)), float(rng.uniform(1, 5)))  # some cycles
    tail = np.array([a for a, _ in arcs], dtype=np.int64)
    head = np.array([b for _, b in arcs], dtype=np.int64)
    cap = np.array(list(arcs.values()))
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), cap.tolist(), strict=True),
                              weight="capacity")
    expected = nx.maximum_flow_value(G, s, t)
    for engine in ["scipy", *(["numba"] if has_numba() else [])]:
        value, flow, side = mf.solve(n, tail, head, cap, s, t, engine=engine)
        assert value == pytest.approx(expected, rel=1e-12)
        assert (flow >= -1e-9).all() and (flow <= cap * (1 + 1e-12)).all()
        balance = np.bincount(head, flow, n) - np.bincount(tail, flow, n)
        assert np.abs(balance[1:-1]).max() < 1e-9 * value
        assert balance[t] == pytest.approx(value, rel=1e-12)
        assert side[s] and not side[t]
        assert cap[side[tail] & ~side[head]].sum() == pytest.approx(value, rel=1e-12)
