"""Shock propagation: hand-computed chains, properties, engines, real chains."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from willems import load_willems, willems_numbers

import chaingraph as cg
from chaingraph.algorithms.propagation import essentiality_table, simulate_shock
from chaingraph.algorithms.systemic_risk import systemic_risk

METHODS = ["numba", "scipy"]


def chain_of(links, segments):
    G = nx.DiGraph()
    for node, seg in segments.items():
        G.add_node(node, segment=seg)
    for u, v, w in links:
        G.add_edge(u, v, volume=float(w))
    return cg.as_chain(G)


def remaining(result, column="remaining"):
    return result.enterprises.set_index("enterprise")[column].to_dict()


# --- hand-computed cases ----------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_essential_input_by_hand(method):
    # a1, a2 (sector A) both supply c (sector C): A -> C essential. Losing a1 (30 of
    # 100 of c's A inputs) leaves c at 70 %; its buyer d (C -> D linear, 1 of 2
    # inputs by value) keeps 1 - 0.5 * 0.3 = 85 %.
    chain = chain_of([("a1", "c", 30), ("a2", "c", 70), ("c", "d", 50), ("x", "d", 50)],
                     {"a1": "A", "a2": "A", "c": "C", "d": "D", "x": "X"})
    table = pd.DataFrame(0, index=list("ACDX"), columns=list("ACDX"))
    table.loc["A", "C"], table.loc["C", "D"], table.loc["X", "D"] = 2, 1, 1
    r = simulate_shock(chain, ["a1"], essentiality=table, tol=1e-12, method=method)
    hd = remaining(r, "remaining_downstream")
    assert hd == pytest.approx({"a1": 0, "a2": 1, "c": 0.7, "d": 0.85, "x": 1})
    # upstream: nobody buys from... a1 is a supplier only; its suppliers: none
    assert remaining(r, "remaining_upstream")["a2"] == 1
    # output weights: sales 30, 70, 50, 0, 50 of 200
    assert r.esri_downstream == pytest.approx((30 + 0.3 * 50) / 200)
    assert r.output_lost == pytest.approx(30 + 0.3 * 50)


@pytest.mark.parametrize("method", METHODS)
def test_essential_takes_worst_sector_and_linear_sums(method):
    # b buys from sectors A (a) and B (m): both essential -> worst sector counts;
    # linear -> losses add up by value share.
    links = [("a", "b", 60), ("m", "b", 40)]
    segs = {"a": "A", "m": "M", "b": "B"}
    chain = chain_of(links, segs)
    essential = simulate_shock(chain, {"a": 0.5, "m": 0.25}, essentiality="essential",
                               tol=1e-12, method=method)
    assert remaining(essential, "remaining_downstream")["b"] == pytest.approx(0.5)
    linear = simulate_shock(chain, {"a": 0.5, "m": 0.25}, essentiality="linear",
                            tol=1e-12, method=method)
    assert remaining(linear, "remaining_downstream")["b"] == pytest.approx(
        1 - 0.6 * 0.5 - 0.4 * 0.25)


@pytest.mark.parametrize("method", METHODS)
def test_irrelevant_inputs_propagate_nothing_downstream(method):
    chain = chain_of([("a", "b", 5), ("b", "c", 5)], {"a": "A", "b": "B", "c": "C"})
    table = pd.DataFrame(0, index=list("ABC"), columns=list("ABC"))
    r = simulate_shock(chain, ["a"], essentiality=table, method=method)
    assert remaining(r, "remaining_downstream") == {"a": 0, "b": 1, "c": 1}
    # upstream ignores sectors: failing c removes all of b's demand, then a's
    up = simulate_shock(chain, ["c"], essentiality=table, tol=1e-12, method=method)
    assert remaining(up, "remaining_upstream") == {"a": 0, "b": 0, "c": 0}


def test_upstream_by_hand():
    # s sells 30 to b1 and 10 to b2; b2 fails: s loses a quarter of its demand
    chain = chain_of([("s", "b1", 30), ("s", "b2", 10)], {"s": "S", "b1": "B", "b2": "B"})
    r = simulate_shock(chain, ["b2"], tol=1e-12)
    assert remaining(r, "remaining_upstream")["s"] == pytest.approx(0.75)
    assert r.esri_upstream == pytest.approx(0.25)  # only s has sales
    assert r.iterations == 2


def test_selectors_partial_and_errors():
    chain = chain_of([("a", "b", 1), ("c", "b", 1)], {"a": "A", "b": "B", "c": "A"})
    seg = simulate_shock(chain, {"segment": "A"})
    assert remaining(seg)["b"] == 0
    assert seg.enterprises.set_index("enterprise")["shock"].to_dict() == {
        "a": 1, "b": 0, "c": 1}
    assert "ShockResult" in repr(seg)
    with pytest.raises(nx.NodeNotFound):
        simulate_shock(chain, ["zz"])
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        simulate_shock(chain, {"a": 1.5})
    with pytest.raises(ValueError, match="names no enterprise"):
        simulate_shock(chain, {"segment": "Q"})
    with pytest.raises(ValueError, match="scheme"):
        simulate_shock(chain, ["a"], scheme="async")
    with pytest.raises(ValueError, match="template"):
        simulate_shock(chain, ["a"], essentiality="template")
    with pytest.raises(cg.ChainDataError, match="sector=None"):
        simulate_shock(chain, ["a"], sector="industry")


def test_template_default_essentiality():
    tpl = cg.SegmentTemplate.from_dict({
        "id": "toy", "segments": [
            {"id": "ore", "name_zh": "矿", "name_en": "Ore", "stage": "upstream"},
            {"id": "cell", "name_zh": "电芯", "name_en": "Cell", "stage": "midstream"},
            {"id": "car", "name_zh": "整车", "name_en": "Car", "stage": "downstream"}],
        "edges": [{"supplier": "ore", "buyer": "cell", "essential": True},
                  {"supplier": "cell", "buyer": "car", "essential": False}]})
    chain = chain_of([("o", "c", 1)], {"o": "ore", "c": "cell", "v": "car"})
    table = essentiality_table(chain, template=tpl)
    assert table.loc["ore", "cell"] == 2 and table.loc["cell", "car"] == 1
    assert table.loc["car", "ore"] == 1 and table.loc["ore", "ore"] == 1
    assert (essentiality_table(chain, essentiality="linear").to_numpy() == 1).all()
    assert (essentiality_table(chain).to_numpy() == 2).all()  # no template


def test_reference_csv_layout_and_numeric_labels(tmp_path):
    chain = chain_of([("a", "b", 1)], {"a": 3, "b": 10})
    path = tmp_path / "ess.csv"
    path.write_text("sector,10,3\n3,2,1\n10,1,1\n")
    table = essentiality_table(chain, essentiality=path)
    assert table.loc["3", "10"] == 2 and table.loc["10", "3"] == 1
    frame = pd.read_csv(path)  # first column "sector" becomes the row labels
    assert essentiality_table(chain, essentiality=frame).equals(table)


# --- properties -------------------------------------------------------------------------
@st.composite
def small_chains(draw):
    n = draw(st.integers(2, 9))
    sectors = draw(st.lists(st.sampled_from("ABC"), min_size=n, max_size=n))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          min_size=1, max_size=3 * n, unique=True))
    weights = draw(st.lists(st.floats(1, 100), min_size=len(pairs), max_size=len(pairs)))
    links = pd.DataFrame({"supplier": [f"e{u}" for u, _ in pairs],
                          "buyer": [f"e{v}" for _, v in pairs], "volume": weights})
    ents = pd.DataFrame({"id": [f"e{i}" for i in range(n)], "segment": sectors})
    chain = cg.Chain.from_frames(ents, links, self_loops="keep")
    table = pd.DataFrame(draw(st.lists(st.lists(st.integers(0, 2), min_size=3,
                                                max_size=3), min_size=3, max_size=3)),
                         index=list("ABC"), columns=list("ABC"))
    return chain, table


@settings(max_examples=40)
@given(small_chains(), st.data())
def test_properties(case, data):
    chain, table = case
    victim = data.draw(st.sampled_from(list(chain.ids)))
    small = data.draw(st.floats(0, 1))
    large = data.draw(st.floats(small, 1))
    # self-loops and cycles converge geometrically: tight tol, generous cap
    kw = {"essentiality": table, "tol": 1e-10, "max_iter": 10**6}
    a = simulate_shock(chain, {victim: small}, **kw)
    b = simulate_shock(chain, {victim: large}, **kw)
    for r in (a, b):
        frame = r.enterprises
        assert frame["loss"].between(0, 1).all()  # losses in [0, 1]; never a gain
        assert (frame["remaining"] <= frame["remaining_downstream"]).all()
        assert 0 <= r.esri <= 1 + 1e-12
    # monotone in the shock size (at the fixed point)
    assert (b.enterprises["remaining"] <= a.enterprises["remaining"] + 1e-6).all()
    assert b.esri >= a.esri - 1e-6
    # both engines agree step for step (default tolerance)
    x = simulate_shock(chain, [victim], essentiality=table, method="numba")
    y = simulate_shock(chain, [victim], essentiality=table, method="scipy")
    np.testing.assert_allclose(x.enterprises["remaining"], y.enterprises["remaining"],
                               atol=1e-12)
    assert x.iterations == y.iterations


@settings(max_examples=30)
@given(small_chains(), st.data())
def test_irrelevant_inputs_property(case, data):
    chain, _ = case
    zeros = pd.DataFrame(0, index=list("ABC"), columns=list("ABC"))
    victims = data.draw(st.lists(st.sampled_from(list(chain.ids)), min_size=1,
                                 unique=True))
    for method in METHODS:
        r = simulate_shock(chain, victims, essentiality=zeros, method=method)
        frame = r.enterprises.set_index("enterprise")
        others = frame.drop(index=victims)
        assert (others["remaining_downstream"] == 1.0).all()
        assert (frame.loc[victims, "remaining_downstream"] == 0.0).all()


@settings(max_examples=20)
@given(small_chains(), st.randoms(use_true_random=False))
def test_relabelling_invariance(case, rnd):
    chain, table = case
    ents = chain.enterprises
    order = list(range(len(ents)))
    rnd.shuffle(order)
    names = {f"e{i}": f"企业{i}" for i in range(len(ents))}
    ents2 = ents.iloc[order].assign(id=lambda f: f["id"].map(names))
    links2 = chain.links.assign(supplier=lambda f: f["supplier"].map(names),
                                buyer=lambda f: f["buyer"].map(names))
    other = cg.Chain.from_frames(ents2, links2, self_loops="keep")
    a = systemic_risk(chain, essentiality=table).set_index("enterprise")
    b = systemic_risk(other, essentiality=table).set_index("enterprise")
    b.index = [k.replace("企业", "e") for k in b.index]
    b = b.loc[a.index]
    np.testing.assert_allclose(a["esri"], b["esri"], atol=1e-12)
    assert (a["iterations"] == b["iterations"]).all()


def test_engines_agree_on_generated_chain():
    chain = cg.datasets.generate_chain(400, seed=3)
    tpl = cg.datasets.load_template("nev")
    for sub in (False, True):
        kw = {"template": tpl, "substitution": sub}
        a = systemic_risk(chain, method="numba", **kw)
        b = systemic_risk(chain, method="scipy", **kw)
        np.testing.assert_allclose(a[["esri", "esri_downstream", "esri_upstream"]],
                                   b[["esri", "esri_downstream", "esri_upstream"]],
                                   atol=1e-12)
        assert (a["iterations"] == b["iterations"]).all()
        assert (a["n_affected"] == b["n_affected"]).all()


# --- real chains ------------------------------------------------------------------------
def test_willems_single_supplier_invariants(shared_data):
    folder = shared_data / "willems"
    checked = 0
    for number in willems_numbers(folder):
        chain = load_willems(folder, number)  # no volume column: every link weighs 1
        if chain.n_enterprises > 600:
            continue
        checked += _check_willems(chain)
    assert checked >= 10


def _check_willems(chain):
    got = systemic_risk(chain, tol=1e-12).set_index("enterprise")
    src, dst = chain.link_codes
    ids = chain.ids
    indeg = np.bincount(dst, minlength=len(ids))
    checked = 0
    for k in np.flatnonzero(indeg == 1):
        if not ids[k].startswith("Retail"):
            continue
        supplier = ids[src[dst == k][0]]
        shock = simulate_shock(chain, [supplier], tol=1e-12)
        # all inputs essential: a stage fed by a single supplier stops with it
        assert remaining(shock, "remaining_downstream")[ids[k]] == pytest.approx(0)
        assert got.loc[supplier, "esri_downstream"] == pytest.approx(
            shock.esri_downstream, abs=1e-12)
        checked += 1
    w = chain.adjacency().sum(axis=1)
    w = w / w.sum()
    esri = got.loc[list(ids), "esri"].to_numpy()
    assert (esri >= w - 1e-12).all() and (esri <= 1 + 1e-12).all()
    return checked
