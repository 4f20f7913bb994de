"""Relatedness: RCA, presence, proximity, density (hand cases, properties, the hook)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import chaingraph as cg
from chaingraph.algorithms.extension import (
    DEFAULT_EXTENSION_WEIGHTS,
    find_extension_candidates,
)
from chaingraph.exceptions import ChainDataError

X = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]},
                 index=["r1", "r2", "r3"], dtype=float)


def test_rca_hand_computed():
    rca = cg.revealed_advantage(X)
    # r1 has 2 of 5 units; a has 2 of 5: RCA(r1, a) = (1/2) / (2/5) = 1.25
    assert rca.at["r1", "a"] == pytest.approx(1.25)
    assert rca.at["r3", "c"] == pytest.approx((1 / 1) / (2 / 5))
    assert rca.at["r3", "a"] == 0


def test_proximity_hand_computed():
    phi = cg.proximity(cg.presence(X, threshold=1e-9))
    # a in {r1, r2}, b in {r1}, c in {r2, r3}: C(a, b) = 1, max(k) = 2
    assert phi.at["a", "b"] == 0.5 and phi.at["a", "c"] == 0.5 and phi.at["b", "c"] == 0
    assert np.allclose(np.diag(phi), 1.0)


def test_density_hand_computed_both_conventions():
    d = cg.relatedness_density(X, threshold=1e-9)
    # r3 has only c; density of a = (phi(c, a) + M(b) phi(b, a)) / (phi(b,a) + phi(c,a))
    #   = (0.5 + 0) / (0.5 + 0.5) = 0.5
    assert d.at["r3", "a"] == pytest.approx(0.5)
    assert d.at["r3", "c"] == 0  # own presence excluded by default
    d_self = cg.relatedness_density(X, threshold=1e-9, self_term=True)
    # with the self term: (M_a .5 + M_b 0 + M_c 1) / (.5 + 0 + 1) = 1 / 1.5
    assert d_self.at["r3", "c"] == pytest.approx(2 / 3)
    assert d_self.at["r3", "a"] == pytest.approx(0.5 / 2)


tables = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                elements=st.one_of(st.just(0.0), st.floats(0, 1e6)))


@settings(max_examples=80, deadline=None)
@given(tables, st.booleans(), st.sampled_from([1e-9, 0.5, 1.0, 2.0]))
def test_density_within_unit_interval(values, self_term, threshold):
    data = pd.DataFrame(values, index=[f"r{i}" for i in range(values.shape[0])],
                        columns=[f"s{j}" for j in range(values.shape[1])])
    d = cg.relatedness_density(data, threshold=threshold, self_term=self_term)
    assert ((d >= 0) & (d <= 1)).all().all()
    phi = cg.proximity(cg.presence(data, threshold=threshold)).to_numpy()
    assert np.allclose(phi, phi.T) and (phi >= 0).all() and (phi <= 1).all()
    # unclipped value equals the clipped one: the bound is mathematical
    M = cg.presence(data, threshold=threshold).to_numpy(dtype=float)
    P = phi.copy()
    if not self_term:
        np.fill_diagonal(P, 0.0)
    den = P.sum(axis=0)
    raw = np.divide(M @ P, den, out=np.zeros_like(M @ P), where=den > 0)
    assert raw.max(initial=0) <= 1 + 1e-12
    assert np.allclose(raw, d.to_numpy())


def test_region_segment_table_from_chain():
    chain = cg.load_example()
    table = cg.region_segment_table(chain)
    ent = chain.enterprises.dropna(subset=["region", "segment"])
    expected = ent.groupby(["region", "segment"]).size()
    assert table.stack()[table.stack() > 0].astype(int).sort_index().equals(
        expected.sort_index().rename(None).astype(int)) or np.allclose(
        table.stack()[table.stack() > 0].sort_index().to_numpy(),
        expected.sort_index().to_numpy())
    out = cg.region_segment_table(chain, value="output")
    assert out.to_numpy().sum() == pytest.approx(ent["output"].fillna(0).sum())


def test_region_segment_table_labels_are_text_sorted_and_merged():
    # 3 and "3" are one region (as text); labels sorted as text ("10" < "3");
    # enterprises without a region are left out; output sums per cell
    G = nx.DiGraph()
    for v, region, segment, output in ((1, 3, "b", 2.0), (2, "3", "a", 1.5),
                                       (3, None, "a", 9.0), (4, 10, "a", 1.0),
                                       (5, "3", "b", 0.25)):
        G.add_node(v, region=region, segment=segment, output=output)
    G.add_edge(1, 2)
    chain = cg.as_chain(G, weight=None)
    count = cg.region_segment_table(chain)
    assert count.index.tolist() == ["10", "3"] and count.columns.tolist() == ["a", "b"]
    assert count.to_numpy().tolist() == [[1.0, 0.0], [1.0, 2.0]]
    output = cg.region_segment_table(chain, value="output")
    assert output.to_numpy().tolist() == [[1.0, 0.0], [1.5, 2.25]]
    assert (count.index.name, count.columns.name) == ("region", "segment")
    # labels are the values' text: 1 and 1.0 are two regions, True and 1 too
    for v, region in enumerate((1, 1.0, 2, "1", True)):
        G.nodes[v + 1]["region"] = region
    mixed = cg.region_segment_table(cg.as_chain(G, weight=None))
    assert mixed.index.tolist() == ["1", "1.0", "2", "True"]
    assert mixed.to_numpy().sum() == 5


def test_find_related_segments_chain_equals_table():
    chain = cg.load_example()
    region = chain.meta["focal_region"]
    a = cg.find_related_segments(chain, region=region)
    b = cg.find_related_segments(cg.region_segment_table(chain), region=region)
    pd.testing.assert_frame_equal(a, b)
    assert a["score"].is_monotonic_decreasing
    assert set(a["region"]) == {region}
    with pytest.raises(ValueError, match="unknown region"):
        cg.find_related_segments(chain, region="火星")


def test_extension_relatedness_hook():
    chain = cg.load_example()
    template = cg.load_template("nev")
    region = chain.meta["focal_region"]
    base = find_extension_candidates(chain, template=template, region=region)
    density = cg.relatedness_density(cg.region_segment_table(chain))
    out = find_extension_candidates(chain, template=template, region=region, relatedness=density)
    missing = out[~out["kind"].str.startswith("强链")]
    row = density.loc[region]
    # density is its own component; the template-neighbour share is unchanged
    assert np.allclose(missing["relatedness_density"],
                       [row.get(s, 0.0) for s in missing["segment"]])
    before = base.set_index("segment")["relatedness"]
    assert np.allclose(missing["relatedness"], before.loc[missing["segment"]])
    assert missing["explanation"].str.contains("relatedness density").all()
    assert out[out["kind"].str.startswith("强链")]["relatedness_density"].isna().all()
    # score = weighted mean of the five components, each divided by its maximum
    norm = {k: missing[k] / missing[k].max() for k in DEFAULT_EXTENSION_WEIGHTS}
    expected = sum(w * norm[k] for k, w in DEFAULT_EXTENSION_WEIGHTS.items())
    np.testing.assert_allclose(missing["score"], expected)
    assert sum(DEFAULT_EXTENSION_WEIGHTS.values()) == pytest.approx(1.0)
    # the Series form and the DataFrame form agree; the default is unchanged
    same = find_extension_candidates(chain, template=template, region=region,
                                     relatedness=density.loc[region])
    pd.testing.assert_frame_equal(out, same)
    assert not base["explanation"].str.contains("relatedness density").any()
    assert base["relatedness_density"].isna().all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        find_extension_candidates(chain, template=template, region=region,
                                  relatedness={"battery_cell": 2.0})
    with pytest.raises(ValueError, match="no relatedness density"):
        find_extension_candidates(chain, template=template, region=region, weights={
            k: 0.0 if k != "relatedness_density" else 1.0
            for k in DEFAULT_EXTENSION_WEIGHTS})


def test_density_component_hand_computed():
    # toy template a -> b -> c; focal region R has a only (b, c missing); S has a
    # and b, T has c. By hand: counts R: a=1; S: a=1, b=1; T: c=1. Total 4; column totals a=2, b=1, c=1.
    # RCA R,a = (1/1)/(2/4) = 2; S,a = (1/2)/(2/4) = 1; S,b = (1/2)/(1/4) = 2;
    # T,c = 4. So M: R {a}, S {a, b}, T {c}. Ubiquity a=2, b=1, c=1; C[a,b] = 1,
    # C[a,c] = C[b,c] = 0; phi[a,b] = 1/max(2,1) = 0.5. Density of R (self
    # excluded): b: M[R,a] phi[a,b] / (phi[a,b] + phi[c,b]) = 0.5/0.5 = 1; c: 0/0 = 0.
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "a", "stage": "upstream"}, {"id": "b", "stage": "midstream"},
        {"id": "c", "stage": "downstream"}], "edges": [["a", "b"], ["b", "c"]]})
    G = nx.DiGraph()
    for node, seg, reg in [("r1", "a", "R"), ("s1", "a", "S"), ("s2", "b", "S"),
                           ("t1", "c", "T")]:
        G.add_node(node, segment=seg, region=reg)
    G.add_edges_from([("r1", "s2"), ("s1", "s2"), ("s2", "t1")])
    density = cg.focal_density(G, region="R")
    assert density.to_dict() == {"a": 0.0, "b": 1.0, "c": 0.0}
    out = find_extension_candidates(G, template=tpl, region="R", relatedness=density)
    rows = out.set_index("segment")
    assert rows.loc["b", "relatedness_density"] == 1.0
    assert rows.loc["c", "relatedness_density"] == 0.0
    assert "relatedness density 1.00 (the region has 100%" in rows.loc["b", "explanation"]


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_focal_density_within_unit_interval(data):
    n_regions = data.draw(st.integers(2, 5))
    segs = ["a", "b", "c", "d"]
    G = nx.DiGraph()
    for i in range(data.draw(st.integers(2, 25))):
        G.add_node(f"e{i}", region=f"r{data.draw(st.integers(0, n_regions - 1))}",
                   segment=data.draw(st.sampled_from(segs)))
    regions = sorted({G.nodes[n]["region"] for n in G})
    assume(len(regions) >= 2)
    focal = data.draw(st.sampled_from(regions))
    d = cg.focal_density(G, region=focal)
    assert ((d >= 0) & (d <= 1)).all()
    # the same as the focal row of the full table when the focal area is one region
    full = cg.relatedness_density(cg.region_segment_table(G))
    np.testing.assert_allclose(d.to_numpy(), full.loc[focal].to_numpy())


def test_focal_density_states_why_it_cannot_be_computed():
    G = nx.DiGraph([("a", "b")])
    nx.set_node_attributes(G, {"a": "x", "b": "y"}, "segment")
    with pytest.raises(ChainDataError, match="both a region and a segment"):
        cg.focal_density(G, region="R")
    nx.set_node_attributes(G, {"a": "R", "b": "R"}, "region")
    with pytest.raises(ChainDataError, match="at least one region besides"):
        cg.focal_density(G, region="R")
    with pytest.raises(ChainDataError, match="needs a focal region"):
        cg.focal_density(G, region=None)
    with pytest.raises(ChainDataError, match="火星"):
        cg.focal_density(G, region="火星")
