"""Chain leaders: hand-computed components, oracles (networkx), properties."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import chains, digraphs

import chaingraph as cg
from chaingraph.algorithms.leaders import (
    DEFAULT_WEIGHTS,
    _condensation,
    _downstream_reach,
    _estimated_reach,
    find_leaders,
    leader_scores,
)


def _hand_chain() -> cg.Chain:
    ent = pd.DataFrame({
        "id": ["m1", "m2", "p1", "car", "x"],
        "name": ["矿一", "矿二", "电池厂", "整车厂", "外地厂"],
        "segment": ["ore", "ore", "cell", "car", "cell"],
        "region": ["本区", "本区", "本区", "本区", "外省"],
        "output": [10.0, 10.0, 30.0, 50.0, 100.0],
        "is_leader": [False, False, False, True, False]})
    lk = pd.DataFrame({
        "supplier": ["m1", "m2", "p1", "x"], "buyer": ["p1", "p1", "car", "car"],
        "volume": [4.0, 6.0, 20.0, 80.0]})
    return cg.Chain.from_frames(ent, lk)


def test_hand_computed_components():
    out = find_leaders(_hand_chain(), region="本区").set_index("enterprise")
    assert out.index[0] == "car"
    # output share over the focal total 100
    assert out.loc["car", "output_share"] == pytest.approx(0.5)
    assert out.loc["p1", "output_share"] == pytest.approx(0.3)
    # local suppliers: p1 buys from m1, m2 (volume 10); car from p1 only (x is outside)
    assert out.loc["p1", "local_suppliers"] == 2
    assert out.loc["p1", "local_supplier_volume"] == pytest.approx(10.0)
    assert out.loc["car", "local_suppliers"] == 1
    assert out.loc["car", "local_supplier_volume"] == pytest.approx(20.0)
    # downstream reach over the 4 other enterprises of the chain
    assert out.loc["m1", "downstream_reach"] == pytest.approx(2 / 4)
    assert out.loc["p1", "downstream_reach"] == pytest.approx(1 / 4)
    assert out.loc["car", "downstream_reach"] == 0
    # normalised local component = mean(count / 2, volume / 20)
    assert out.loc["p1", "local_suppliers_norm"] == pytest.approx((1 + 0.5) / 2)
    assert out.loc["car", "local_suppliers_norm"] == pytest.approx((0.5 + 1) / 2)
    # the score is the documented weighted mean of the normalised components
    for _, row in out.iterrows():
        expected = sum(w * row[f"{k}_norm"] for k, w in DEFAULT_WEIGHTS.items())
        assert row["score"] == pytest.approx(expected)
    assert out.loc["car", "rank"] == 1 and out.loc["car", "designated"]
    from chaingraph.algorithms.leaders import designated_hits

    assert designated_hits(out) == (1, 1) and out.attrs == {}
    assert "designated leader" in out.loc["car", "explanation"]
    assert "整车厂 (car) ranks 1 of 4" in out.loc["car", "explanation"]
    # segment rank: m1 and m2 tie within "ore"
    assert out.loc["m1", "segment_rank"] == out.loc["m2", "segment_rank"] == 1


def test_demand_pull_is_volume_weighted_pagerank():
    chain = _hand_chain()
    G = chain.to_networkx()
    expected = nx.pagerank(G, weight="volume", tol=1e-14, max_iter=10_000)
    out = find_leaders(chain).set_index("enterprise")
    for node, value in expected.items():
        assert out.loc[node, "demand_pull"] == pytest.approx(value, abs=1e-9)


def test_weights_override_and_validation():
    chain = _hand_chain()
    only_output = leader_scores(chain, weights=dict.fromkeys(DEFAULT_WEIGHTS, 0.0)
                                | {"output_share": 2.0})
    assert only_output["x"] == pytest.approx(1.0)
    assert only_output["car"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown leader weight"):
        leader_scores(chain, weights={"size": 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        leader_scores(chain, weights={"output_share": -1.0})
    with pytest.raises(ValueError, match="positive"):
        leader_scores(chain, weights=dict.fromkeys(DEFAULT_WEIGHTS, 0.0))
    with pytest.raises(ValueError, match="no enterprise is in region"):
        leader_scores(chain, region="火星")


@given(digraphs(max_enterprises=10, regions=None))
def test_exact_reach_matches_networkx_descendants(G):
    chain = cg.as_chain(G)
    codes = np.arange(chain.n_enterprises)
    reach = _downstream_reach(chain, codes, None, None)
    n = chain.n_enterprises
    for code, node in enumerate(chain.ids):
        expected = len(nx.descendants(G, node) - {node}) / (n - 1) if n > 1 else 0.0
        assert reach[code] == pytest.approx(expected)


def test_exact_reach_many_sources_and_cycles():
    # more than one 64-bit word and one chunk of sources, with cycles
    G = nx.gnp_random_graph(1500, 0.002, seed=3, directed=True)
    chain = cg.as_chain(G)
    reach = _downstream_reach(chain, np.arange(1500), None, None)
    for node in (0, 17, 700, 1499):
        assert reach[node] == pytest.approx(len(nx.descendants(G, node)) / 1499)


def test_estimated_reach_is_close():
    G = nx.gnp_random_graph(400, 0.006, seed=5, directed=True)
    chain = cg.as_chain(G)
    labels, C, sizes = _condensation(chain)
    estimate = _estimated_reach(C, sizes, 400, 1)[labels]
    exact = np.array([len(nx.descendants(G, v)) + 1 for v in range(400)])
    big = exact > 50
    assert big.sum() > 10
    assert np.median(np.abs(estimate[big] / exact[big] - 1)) < 0.1
    # the numba and numpy engines give the same estimate, bit for bit
    numpy_estimate = _estimated_reach(C, sizes, 400, 1, method="numpy")[labels]
    assert np.array_equal(estimate, numpy_estimate)
    # sampled reach through the public API is reproducible with a seed
    a = leader_scores(chain, samples=32, seed=7)
    b = leader_scores(chain, samples=32, seed=7)
    assert a == b


@given(chains(max_enterprises=9), st.randoms(use_true_random=False))
def test_relabelling_invariance(chain, rnd):
    ids = list(chain.ids)
    new = [f"n{i}" for i in range(len(ids))]
    rnd.shuffle(new)
    mapping = dict(zip(ids, new, strict=True))
    G = nx.relabel_nodes(chain.to_networkx(), mapping)
    before = leader_scores(chain)
    after = leader_scores(G)
    for old, value in before.items():
        assert after[mapping[old]] == pytest.approx(value, abs=1e-9)


@given(chains(min_enterprises=3, max_enterprises=8, regions=None), st.data())
def test_adding_a_local_supplier_never_lowers_local_suppliers(chain, data):
    ids = list(chain.ids)
    buyer = data.draw(st.sampled_from(ids))
    existing = set(chain.links.loc[chain.links["buyer"] == buyer, "supplier"])
    candidates = [i for i in ids if i != buyer and i not in existing]
    if not candidates:
        return
    supplier = data.draw(st.sampled_from(candidates))
    before = find_leaders(chain).set_index("enterprise")
    links = pd.concat([chain.links, pd.DataFrame(
        {"supplier": [supplier], "buyer": [buyer], "volume": [1.0]})], ignore_index=True)
    after = find_leaders(chain.with_tables(links=links)).set_index("enterprise")
    assert after.loc[buyer, "local_suppliers"] == before.loc[buyer, "local_suppliers"] + 1
    assert (after.loc[buyer, "local_supplier_volume"]
            >= before.loc[buyer, "local_supplier_volume"])


@given(chains(max_enterprises=8))
def test_finder_shape(chain):
    out = find_leaders(chain)
    assert len(out) == chain.n_enterprises
    assert out["score"].is_monotonic_decreasing
    assert out["score"].between(0, 1 + 1e-12).all()
    assert (out["rank"] >= 1).all() and out["explanation"].map(bool).all()
    assert len(find_leaders(chain, top=2)) == min(2, chain.n_enterprises)


def test_does_not_mutate_input_and_accepts_digraph():
    chain = _hand_chain()
    G = chain.to_networkx()
    snapshot = nx.node_link_data(G, edges="links")
    a = find_leaders(G)
    assert nx.node_link_data(G, edges="links") == snapshot
    b = find_leaders(chain)
    pd.testing.assert_series_equal(a["score"], b["score"])


def test_no_output_no_volume():
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    out = find_leaders(G).set_index("enterprise")
    assert (out["output_share"] == 0).all()
    assert out.loc["b", "local_suppliers_norm"] == 1.0


@pytest.mark.parametrize("method", ["auto", "numpy"])
def test_estimated_reach_of_some_components_is_theirs_among_all(method):
    """Ranks only for the wanted components and what lies downstream of them: their
    estimates are those of drawing every component, bit for bit (cycles condensed)."""
    G = nx.gnp_random_graph(600, 0.004, seed=11, directed=True)
    chain = cg.as_chain(G)
    labels, C, sizes = _condensation(chain)
    whole = _estimated_reach(C, sizes, 24, 5, method=method)
    rng = np.random.default_rng(0)
    for wanted in (np.unique(labels[rng.choice(600, 40, replace=False)]),
                   np.array([int(labels[0])]), np.arange(C.shape[0])):
        part = _estimated_reach(C, sizes, 24, 5, method=method, comps=wanted)
        assert np.array_equal(part[wanted], whole[wanted])
        if len(wanted) < C.shape[0]:
            assert np.isnan(part).any()  # the others were not drawn


def test_designation_read_from_a_text_column():
    """A CSV's is_leader column holds the text "False"/"True" (or 是/否): every
    enterprise had counted as a designated leader ("False" is a non-empty string),
    and a chain with none designated said 认定链主进入前列：0/0."""
    import pandas as pd

    chain = cg.datasets.load_example()
    flags = chain.enterprises["is_leader"]
    assert flags.dtype == bool and 0 < flags.sum() < len(flags)
    for spelled in (flags.map({True: "True", False: "False"}),
                    flags.map({True: "是", False: "否"})):
        text = chain.with_tables(enterprises=chain.enterprises.assign(is_leader=spelled))
        table = cg.find_leaders(text, region="明湾示范区", seed=0)
        expected = cg.find_leaders(chain, region="明湾示范区", seed=0)
        assert table["designated"].tolist() == expected["designated"].tolist()
        assert table["designated"].sum() == flags.sum()
    none = chain.with_tables(enterprises=chain.enterprises.assign(is_leader="False"))
    report = cg.diagnose(none, template="nev", region="明湾示范区", lang="zh")
    assert "designated_leaders_in_top" not in report.summary
    assert "0/0" not in "".join(report.key_findings_in("zh")["explanation"])
    assert pd.Series(cg.find_leaders(none, region="明湾示范区", seed=0)["designated"]).sum() == 0
