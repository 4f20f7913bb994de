"""The networkx baseline (benchmarks/nx_baseline.py) and the benchmark suite.

1. The baseline is right: hand-checked cases and independent networkx oracles.
2. The baseline and chaingraph agree on small generated chains and on the real
   Willems chains (so the benchmark compares like with like).
3. ``python -m benchmarks.run --sizes 2000 --check`` passes (the CI smoke run) and
   the report renders.
"""

from __future__ import annotations

import importlib
import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chaingraph as cg
from benchmarks import _compare
from benchmarks import nx_baseline as nb
from benchmarks import run as bench_run


# --- 1. the baseline itself ------------------------------------------------------------
def _diamond() -> nx.DiGraph:
    # ore -> {cell_a, cell_b} -> pack -> car ; ore2 -> cell_b
    G = nx.DiGraph()
    G.add_edges_from([("ore", "a", {"volume": 3.0}), ("ore", "b", {"volume": 2.0}),
                      ("ore2", "b", {"volume": 1.0}), ("a", "pack", {"volume": 3.0}),
                      ("b", "pack", {"volume": 3.0}), ("pack", "car", {"volume": 5.0}),
                      ("a", "van", {"volume": 1.0})])
    return G


def test_roles_and_tiers_hand_checked():
    G = _diamond()
    src, fin, iso = nb.roles_nx(G)
    assert src == {"ore", "ore2"} and fin == {"car", "van"} and iso == set()
    assert nb.tiers_nx(G) == {"ore": 0, "ore2": 0, "a": 1, "b": 1, "pack": 2,
                              "car": 3, "van": 2}


def test_tiers_condense_cycles_and_skip_sourceless():
    G = nx.DiGraph([("s", "x"), ("x", "y"), ("y", "x"), ("y", "z"),
                    ("p", "q"), ("q", "p")])  # p <-> q has no source upstream
    t = nb.tiers_nx(G)
    assert t == {"s": 0, "x": 1, "y": 1, "z": 2}


def test_spof_hand_checked():
    G = _diamond()
    spof = nb.single_points_of_failure_nx(G).set_index("enterprise")
    # pack cuts car; a cuts van; ore is not a SPOF for car (ore2 -> b -> pack) but
    # it is for van (van's only path is ore -> a -> van).
    assert set(spof.index) == {"pack", "a", "ore"}
    assert spof.loc["pack", "final_cut"] == ["car"]
    assert spof.loc["ore", "final_cut"] == ["van"]
    links = nb.link_single_points_of_failure_nx(G)
    assert set(zip(links["supplier"], links["buyer"], strict=True)) == {
        ("pack", "car"), ("a", "van"), ("ore", "a")}


@st.composite
def _dags(draw, max_nodes: int = 9):
    n = draw(st.integers(2, max_nodes))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(chosen)
    return G


@given(_dags())
def test_spof_equals_brute_force_removal(G):
    src, fin, _ = nb.roles_nx(G)

    def cut_by(H):
        reach = set()
        for s in src:
            if s in H:
                reach |= nx.descendants(H, s) | {s}
        return {t for t in fin if t not in reach}

    before = cut_by(G)
    expected = {}
    for v in G:
        H = G.copy()
        H.remove_node(v)
        lost = cut_by(H) - before - {v}
        if lost:
            expected[v] = sorted(lost)
    got = nb.single_points_of_failure_nx(G)
    assert dict(zip(got["enterprise"], got["final_cut"], strict=True)) == expected
    expected_links = set()
    for u, v in G.edges:
        H = G.copy()
        H.remove_edge(u, v)
        if cut_by(H) - before:
            expected_links.add((u, v))
    links = nb.link_single_points_of_failure_nx(G)
    assert set(zip(links["supplier"], links["buyer"], strict=True)) == expected_links


def test_max_flow_hand_checked_and_cut():
    G = _diamond()
    G.nodes["pack"]["capacity"] = 4.0
    G.nodes["car"]["output"] = 10.0
    res = nb.max_flow_nx(G)
    # into pack at most 3 + 3 but pack capped at 4; van gets 1 -> 5
    assert res["value"] == pytest.approx(5.0)
    assert res["cut_enterprises"] == {"pack"}
    assert ("a", "van") in res["cut_links"]


def test_max_flow_without_volumes_counts_link_capacity_one():
    G = nx.DiGraph([("s1", "m"), ("s2", "m"), ("m", "t"), ("s2", "t")])
    assert nb.max_flow_nx(G)["value"] == pytest.approx(2.0)


@given(_dags(8), st.randoms(use_true_random=False))
def test_throughput_matches_networkx_subset_oracle(G, rnd):
    for u, v in G.edges:
        G.edges[u, v]["volume"] = float(rnd.randint(1, 9))
    src, fin, _ = nb.roles_nx(G)
    ws = nb._endpoint_weights(G, src, out=True)
    wt = nb._endpoint_weights(G, fin, out=False)
    expected = dict.fromkeys(G, 0.0)
    for s, t in itertools.product(src, fin):
        b = nx.betweenness_centrality_subset(G, [s], [t], normalized=False)
        for v, x in b.items():
            expected[v] += ws[s] * wt[t] * x
    got = nb.throughput_nx(G)
    for v in G:
        assert got[v] == pytest.approx(expected[v], abs=1e-12)


def test_throughput_sampling_is_seeded_and_close():
    rng = np.random.default_rng(3)
    G = nx.gnp_random_graph(120, 0.04, seed=3, directed=True)
    G = nx.DiGraph((u, v) for u, v in G.edges if u < v)
    for u, v in G.edges:
        G.edges[u, v]["volume"] = float(rng.integers(1, 9))
    exact = nb.throughput_nx(G)
    a = nb.throughput_nx(G, samples=400, seed=1)
    assert a == nb.throughput_nx(G, samples=400, seed=1)
    bound = math.sqrt(math.log(2 * len(G) / 0.01) / (2 * 400))
    assert max(abs(a[v] - exact[v]) for v in G) <= bound


def test_concentration_and_outside_dependence_hand_checked():
    G = nx.DiGraph()
    G.add_node("a", segment="cell", region="here", output=6.0)
    G.add_node("b", segment="cell", region="here", output=2.0)
    G.add_node("c", segment="cell", region="there", output=100.0)
    G.add_node("x", segment="ore", region="境外", output=1.0)
    G.add_node("y", segment="ore", region="here", output=1.0)
    G.add_edge("x", "a", volume=3.0)
    G.add_edge("y", "a", volume=1.0)
    conc = nb.concentration_nx(G, region="here").set_index("segment")
    assert conc.loc["cell", "hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert conc.loc["cell", "top1_enterprise"] == "a"
    assert conc.loc["ore", "n_enterprises"] == 1
    dep = nb.outside_dependence_nx(G, region="here").set_index("segment")
    assert dep.loc["cell", "input_volume"] == 4.0
    assert dep.loc["cell", "outside_share"] == pytest.approx(0.75)
    assert dep.loc["cell", "abroad_share"] == pytest.approx(0.75)


def test_missing_segments_and_broken_links():
    tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
        {"id": s, "stage": st_} for s, st_ in (("ore", "upstream"), ("cell", "midstream"),
                                               ("pack", "midstream"), ("car", "downstream"))],
        "edges": [["ore", "cell"], ["cell", "pack"], ["pack", "car"], ["cell", "car"]]})
    G = nx.DiGraph()
    for v, seg in (("o", "ore"), ("c", "cell"), ("k", "car")):
        G.add_node(v, segment=seg, region="here")
    G.add_edge("o", "c")
    assert nb.missing_segments_nx(G, tpl, region="here") == ["pack"]
    assert nb.broken_links_nx(G, tpl, region="here") == [("cell", "car")]


def test_demand_pull_is_pagerank_with_absolute_tolerance():
    G = _diamond()
    got = nb.demand_pull_nx(G)
    want = nx.pagerank(G, weight="volume", tol=1e-14)
    assert all(got[v] == pytest.approx(want[v], abs=1e-9) for v in G)


def test_graph_from_chain_round_trips_attributes():
    chain = cg.as_chain(_diamond())
    G = nb.graph_from_chain(chain)
    H = chain.to_networkx()
    assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))
    assert sorted(G.edges(data=True)) == sorted(H.edges(data=True))


# --- 2. chaingraph and the baseline agree -------------------------------------------
_MODULES = {
    "tiers": "chaingraph.algorithms.structure",
    "spof": "chaingraph.algorithms.breakpoints",
    "segments": "chaingraph.algorithms.breakpoints",
    "max_flow": "chaingraph.algorithms.bottlenecks",
    "throughput": "chaingraph.algorithms.bottlenecks",
    "concentration": "chaingraph.algorithms.bottlenecks",
    "outside_dependence": "chaingraph.algorithms.bottlenecks",
    "leaders": "chaingraph.algorithms.leaders",
}


def _need(check: str) -> None:
    try:
        importlib.import_module(_MODULES[check])
    except ImportError:  # pragma: no cover - only while the module has not landed
        pytest.skip(f"{_MODULES[check]} is not there yet")


@pytest.fixture(scope="module")
def generated():
    from chaingraph.datasets import generate_chain, load_template

    tpl = load_template("nev")
    return [(generate_chain(n, n_links=5 * n, seed=seed), tpl)
            for n, seed in ((300, 1), (800, 2))]


@pytest.mark.parametrize("check", list(_compare.CHECKS))
def test_agrees_on_generated_chains(check, generated):
    _need(check)
    for chain, tpl in generated:
        assert _compare.CHECKS[check](chain, nb.graph_from_chain(chain), template=tpl,
                                      region="focal") == []


def _willems_chains(root):
    """All Willems chains: through tests/willems.py (helper "readwrite") when present,
    else a minimal reader of the CSV layout in the data's README.md."""
    try:
        import willems
    except ImportError:
        willems = None
    if willems is not None:
        return [willems.load_willems(root, n) for n in willems.willems_numbers(root)]
    chains = []
    for path in sorted(root.glob("willems_*.csv")):
        links = []
        for line in path.read_text().splitlines()[1:]:
            cells = line.split(",")
            ups = cells[8:]
            links += [(ups[i], cells[0]) for i in range(0, len(ups) - 1, 2) if ups[i]]
        frame = pd.DataFrame(links, columns=["supplier", "buyer"]).drop_duplicates()
        chains.append(cg.Chain.from_frames(None, frame.astype(object)))
    return chains


@pytest.mark.parametrize("check", [c for c in _compare.CHECKS if c != "segments"])
def test_agrees_on_willems_chains(check, shared_data):
    _need(check)
    for number, chain in enumerate(_willems_chains(shared_data / "willems")):
        problems = _compare.CHECKS[check](chain, nb.graph_from_chain(chain))
        assert problems == [], f"Willems chain {number}: {problems}"


# --- 3. the suite ---------------------------------------------------------------------
def test_smoke_check_run_at_2000(capsys):
    for module in set(_MODULES.values()):
        try:
            importlib.import_module(module)
        except ImportError:  # pragma: no cover
            pytest.skip(f"{module} is not there yet")
    assert bench_run.main(["--sizes", "2000", "--check"]) == 0


def test_parse_size():
    assert [bench_run.parse_size(s) for s in ("2000", "10k", "1M", "2.5k")] == [
        2000, 10000, 1000000, 2500]


def test_render_report_table():
    ok = {"ok": True, "times": [2.0], "first_s": 3.0, "peak_mb": 512.0,
          "rss_loaded_mb": 300.0, "build_s": 4.0}
    fast = {**ok, "times": [0.02]}
    results = {"compile": {**ok, "times": [0.5], "first_s": 6.5}, "sizes": [{
        "n": 100000, "links": 500000, "generate": ok,
        "rows": [{"analysis": "max_flow", "chaingraph": fast, "networkx": ok},
                 {"analysis": "leaders", "chaingraph": {"ok": False, "missing": True,
                                                        "error": "ImportError: x"}}]}]}
    text = bench_run.render(results, "python -m benchmarks.run --sizes 100k")
    assert "## 100k enterprises / 500,000 links" in text
    assert "| max_flow | 0.02 | 3 | 512 | 2 | 4 | 512 | 100x |" in text
    assert "| leaders | n/a |" in text
    assert "about 6.0 s of compilation" in text
    assert "leaders (chaingraph): ImportError: x" in text


def test_measure_child_reports_time_and_memory(tmp_path):
    from chaingraph.datasets import generate_chain

    chain = generate_chain(200, seed=0)
    cache = tmp_path / "c.pkl"
    pd.to_pickle(chain, cache)
    spec = {"task": "networkx", "analysis": "tiers", "n": 200, "links": chain.n_links,
            "seed": 0, "cache": str(cache), "repeat": 2}
    res = bench_run._child(spec, timeout=120)
    assert res["ok"], res
    assert len(res["times"]) == 2 and res["peak_mb"] > 10 and res["build_s"] >= 0
    res = bench_run._child({**spec, "task": "chaingraph"}, timeout=120)
    assert res["ok"], res
    assert len(res["times"]) == 2 and res["first_s"] > 0 and "build_s" not in res


def test_regenerating_the_report_keeps_the_hand_written_sections(tmp_path):
    report = tmp_path / "benchmarks.md"
    assert bench_run.kept_sections(report) == ""
    report.write_text("# Benchmarks\n\nold tables\n\n" + bench_run.KEEP_MARKER
                      + "\n\n## Input-output tables\n\nkept\n", encoding="utf-8")
    tail = bench_run.kept_sections(report)
    assert tail.startswith("\n" + bench_run.KEEP_MARKER) and "kept" in tail
    assert "old tables" not in tail
    # the docs page carries the marker before its hand-written sections
    page = (Path(bench_run.ROOT) / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert page.index(bench_run.KEEP_MARKER) < page.index("## Input-output tables")


def test_the_cli_benchmark_counts_a_vfork_child_once():
    """The tree peak sums the CLI and its map process; a child that still runs in its
    parent's memory (vfork, before exec: same size, same pages) counts once, and a
    process outside the tree not at all."""
    from benchmarks.cli_end_to_end import tree_pages

    procs = {10: (1, 5000, 400),  # the CLI
             11: (10, 900, 40),  # its map process
             12: (10, 5000, 400),  # being started: still the CLI's memory
             13: (12, 20, 3),  # a child of that one, after its exec
             14: (1, 7000, 999)}  # not in the tree
    assert tree_pages(procs, 10) == 443
    assert tree_pages({**procs, 12: (10, 5000, 401)}, 10) == 844  # its own pages
    assert tree_pages(procs, 99) == 0
    # read at another moment than its parent (sizes moved on): known by its command line
    moved = {**procs, 12: (10, 5004, 402)}
    assert tree_pages(moved, 10) == 845 and tree_pages(moved, 10, {12}) == 443
