"""Concentration, outside dependence, the min-cut finder and the combined table."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import chains

import chaingraph as cg
from chaingraph.algorithms import bottlenecks as bn


def district() -> cg.Chain:
    """Hand-made district chain: 本区 is the focal region."""
    ent = pd.DataFrame({
        "id": ["m1", "m2", "c1", "c2", "c3", "car", "abroad1", "out1"],
        "name": ["矿业甲", "矿业乙", "电池甲", "电池乙", "电池丙", "整车", "海外矿", "外省电池"],
        "segment": ["ore", "ore", "cell", "cell", "cell", "car", "ore", "cell"],
        "region": ["本区", "本区", "本区", "本区", "本区", "本区", "境外", "外省"],
        "output": [60.0, 40.0, 70.0, 20.0, 10.0, 500.0, 999.0, 999.0]})
    links = pd.DataFrame({
        "supplier": ["m1", "m2", "abroad1", "abroad1", "c1", "c2", "c3", "out1"],
        "buyer": ["c1", "c2", "c1", "c3", "car", "car", "car", "car"],
        "volume": [10.0, 10.0, 30.0, 50.0, 50.0, 20.0, 10.0, 20.0]})
    return cg.Chain.from_frames(ent, links)


# --- concentration --------------------------------------------------------------------------
def test_concentration_hand_computed():
    table = bn.find_concentration(district(), region="本区").set_index("segment")
    # ore: 60/100, 40/100 -> 0.36 + 0.16 = 0.52
    assert table.loc["ore", "hhi"] == pytest.approx(0.52)
    assert table.loc["ore", "hhi_points"] == pytest.approx(5200)
    assert table.loc["ore", "equivalent_number"] == pytest.approx(1 / 0.52)
    assert table.loc["ore", "top1_enterprise"] == "m1"
    assert table.loc["ore", "top1_name"] == "矿业甲"
    assert table.loc["ore", "top1_share"] == pytest.approx(0.6)
    # cell: 0.7^2 + 0.2^2 + 0.1^2 = 0.54
    assert table.loc["cell", "hhi"] == pytest.approx(0.54)
    assert table.loc["cell", "n_enterprises"] == 3
    # car: one enterprise -> flagged as single
    assert table.loc["car", "n_enterprises"] == 1 and table.loc["car", "flagged"]
    assert "single enterprise" in table.loc["car", "explanation"]
    assert "5,200 points" in table.loc["ore", "explanation"]
    # whole chain: abroad1 and out1 join ore and cell
    whole = bn.find_concentration(district()).set_index("segment")
    assert whole.loc["ore", "n_enterprises"] == 3
    assert whole.loc["ore", "top1_enterprise"] == "abroad1"


def test_concentration_threshold_sorting_and_supply():
    table = bn.find_concentration(district(), region="本区", threshold=0.53)
    assert table["score"].is_monotonic_decreasing
    assert table.columns.tolist() == [
        "segment", "name_zh", "stage", "n_enterprises", "total", "hhi",
        "hhi_points", "equivalent_number", "top1_enterprise", "top1_name",
        "top1_share", "flagged", "score", "explanation"]
    flagged = dict(zip(table["segment"], table["flagged"], strict=True))
    assert flagged == {"car": True, "cell": True, "ore": False}
    assert "not highly concentrated" in table.set_index("segment").loc["ore", "explanation"]
    supply = bn.find_concentration(district(), region="本区", amount="supply")
    supply = supply.set_index("segment")
    # cell sales: c1 50, c2 20, c3 10 -> (5/8)^2 + (2/8)^2 + (1/8)^2
    assert supply.loc["cell", "hhi"] == pytest.approx((25 + 4 + 1) / 64)
    with pytest.raises(ValueError, match="amount"):
        bn.find_concentration(district(), amount="employees")


def test_concentration_equal_shares_without_amounts():
    G = nx.DiGraph([("a", "x"), ("b", "x"), ("c", "x"), ("d", "x")])
    nx.set_node_attributes(G, {"a": "s", "b": "s", "c": "s", "d": "s", "x": "t"},
                           "segment")
    table = bn.find_concentration(G).set_index("segment")
    assert table.loc["s", "hhi"] == pytest.approx(0.25)
    assert table.loc["s", "flagged"]  # 0.25 >= 0.25
    assert "equal shares assumed" in table.loc["s", "explanation"]


def test_concentration_with_template_names():
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "ore", "name_zh": "矿石", "name_en": "Ore", "stage": "upstream"},
        {"id": "cell", "name_zh": "电芯", "name_en": "Cell", "stage": "midstream"},
        {"id": "car", "name_zh": "整车", "name_en": "Car", "stage": "downstream"}],
        "edges": [["ore", "cell"], ["cell", "car"]]})
    table = bn.find_concentration(district(), region="本区", template=tpl)
    table = table.set_index("segment")
    assert table.loc["cell", "name_zh"] == "电芯"
    assert table.loc["ore", "stage"] == "upstream"
    assert "电芯 (cell)" in table.loc["cell", "explanation"]


@given(chain=chains(max_enterprises=10))
def test_concentration_properties(chain):
    table = bn.find_concentration(chain)
    assert ((table["hhi"] > 0) & (table["hhi"] <= 1 + 1e-12)).all()
    n = table["n_enterprises"].to_numpy(dtype=float)
    assert (table["hhi"].to_numpy(dtype=float) >= 1 / n - 1e-12).all()
    assert table["score"].is_monotonic_decreasing
    assert table["n_enterprises"].sum() == chain.n_enterprises


# --- outside dependence ---------------------------------------------------------------------
def test_outside_dependence_hand_computed():
    table = bn.find_outside_dependence(district(), region="本区").set_index("segment")
    # cell buyers c1, c3 buy 10 (m1) + 30 (abroad) + 50 (abroad) = 90; 80 from abroad
    assert table.loc["cell", "input_volume"] == pytest.approx(100.0)  # incl. m2 -> c2
    assert table.loc["cell", "outside_share"] == pytest.approx(0.8)
    assert table.loc["cell", "abroad_share"] == pytest.approx(0.8)
    assert table.loc["cell", "top_outside_segment"] == "ore"
    assert table.loc["cell", "top_outside_region"] == "境外"
    assert table.loc["cell", "n_buyers"] == 3 and table.loc["cell", "flagged"]
    # car buys 50 + 20 + 10 locally and 20 from 外省 (outside, not abroad)
    assert table.loc["car", "outside_share"] == pytest.approx(0.2)
    assert table.loc["car", "abroad_share"] == 0.0
    assert table.loc["car", "top_outside_region"] == "外省"
    assert not table.loc["car", "flagged"]
    assert "80% from outside the focal region" in table.loc["cell", "explanation"]
    assert "ore" not in table.index  # no focal ore buyer has suppliers


def test_outside_dependence_thresholds_abroad_and_input_segments():
    chain = district()
    table = bn.find_outside_dependence(chain, region="本区", outside_threshold=0.1)
    assert table.set_index("segment").loc["car", "flagged"]
    table = bn.find_outside_dependence(chain, region="本区", abroad=["外省"])
    cell = table.set_index("segment").loc["cell"]
    assert cell["abroad_share"] == 0.0 and cell["outside_share"] == pytest.approx(0.8)
    pairs = bn.find_outside_dependence(chain, region="本区", group_by="input_segment")
    pairs = pairs.set_index(["segment", "supplier_segment"])
    assert pairs.loc[("car", "cell"), "input_volume"] == pytest.approx(100.0)
    assert pairs.loc[("car", "cell"), "outside_share"] == pytest.approx(0.2)
    assert pairs.loc[("cell", "ore"), "abroad_share"] == pytest.approx(0.8)
    # whole chain: nothing is outside, abroad still counts
    whole = bn.find_outside_dependence(chain).set_index("segment")
    assert (whole["outside_share"] == 0).all()
    assert whole.loc["cell", "abroad_share"] == pytest.approx(0.8)
    with pytest.raises(ValueError, match="by"):
        bn.find_outside_dependence(chain, group_by="region")


def test_outside_dependence_counts_links_without_volumes():
    G = nx.DiGraph([("x", "c"), ("y", "c"), ("z", "c")])
    nx.set_node_attributes(G, {"x": "境外", "y": "本区", "z": "本区", "c": "本区"},
                           "region")
    nx.set_node_attributes(G, "part", "segment")
    table = bn.find_outside_dependence(G, region="本区")
    assert table["input_volume"].tolist() == [3.0]
    assert table["abroad_share"].iat[0] == pytest.approx(1 / 3)
    assert table["flagged"].iat[0]


@given(chain=chains(max_enterprises=10))
def test_outside_dependence_properties(chain):
    table = bn.find_outside_dependence(chain, region="本区") if (
        chain.column("region", default=None) == "本区").any() else None
    if table is None:
        return
    assert ((table["outside_share"] >= 0) & (table["outside_share"] <= 1 + 1e-12)).all()
    assert (table["abroad_share"] <= table["outside_share"] + 1e-12).all()
    assert table["score"].is_monotonic_decreasing


# --- min cut finder and the combined table ---------------------------------------------------
def test_find_min_cut_explained():
    G = nx.DiGraph()
    G.add_node("smelter", capacity=2e8)
    G.add_edge("mine", "smelter", volume=5e8)
    G.add_edge("smelter", "car", volume=5e8)
    G.add_edge("mine", "car", volume=1e8)
    with pytest.warns(cg.ChainDataWarning, match="capacity"):
        chain = cg.as_chain(G)
    table = bn.find_min_cut(chain)
    assert table.columns.tolist() == ["element", "supplier", "buyer", "enterprise",
                                      "name", "capacity", "score", "explanation"]
    assert table["element"].tolist() == ["enterprise", "link"]
    assert table["score"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert "smelter runs at its capacity of 2亿 (67% of the maximum flow of 3亿)" in \
        table["explanation"].iat[0]
    assert len(bn.find_min_cut(chain, top=1)) == 1


def test_find_bottlenecks_combined():
    table = bn.find_bottlenecks(district(), region="本区")
    assert table.columns.tolist() == ["kind", "enterprise", "supplier", "buyer",
                                      "segment", "score", "explanation"]
    assert set(table["kind"]) <= {"min_cut", "concentration", "outside_dependence",
                                  "throughput_hub"}
    assert {"concentration", "outside_dependence", "throughput_hub", "min_cut"} == set(
        table["kind"])
    assert table["score"].is_monotonic_decreasing
    assert table["explanation"].map(lambda s: isinstance(s, str) and len(s) > 20).all()
    assert ((table["score"] >= 0) & (table["score"] <= 1 + 1e-9)).all()
    assert len(bn.find_bottlenecks(district(), region="本区", top=2)) == 2


def test_find_bottlenecks_without_segments_or_links():
    G = nx.DiGraph()
    G.add_nodes_from(["a", "b"])
    table = bn.find_bottlenecks(G)
    assert table.empty and "kind" in table.columns


def test_inputs_not_mutated():
    chain = district()
    ent, links = chain.enterprises, chain.links
    G = chain.to_networkx()
    before = (nx.to_dict_of_dicts(G), dict(G.nodes(data=True)))
    for finder in (bn.find_bottlenecks, bn.find_concentration,
                   bn.find_outside_dependence, bn.find_throughput, bn.find_min_cut):
        finder(chain)
        finder(G)
    pd.testing.assert_frame_equal(chain.enterprises, ent)
    pd.testing.assert_frame_equal(chain.links, links)
    assert (nx.to_dict_of_dicts(G), dict(G.nodes(data=True))) == before


def test_relabelling_invariance_of_segment_tables():
    chain = district()
    mapping = {v: f"企{v}" for v in chain.ids}
    G = nx.relabel_nodes(chain.to_networkx(), mapping)
    a = bn.find_concentration(chain, region="本区")
    b = bn.find_concentration(G, region="本区")
    np.testing.assert_allclose(a["hhi"], b["hhi"])
    assert b["top1_enterprise"].tolist() == [mapping[v] for v in a["top1_enterprise"]]
    a = bn.find_outside_dependence(chain, region="本区")
    b = bn.find_outside_dependence(G, region="本区")
    np.testing.assert_allclose(a["outside_share"], b["outside_share"])


def test_top_outside_supplier_is_the_largest_not_the_first():
    # 东湾 sorts before 境外, but 境外 supplies more; segment "a" before "z" likewise
    ent = pd.DataFrame({"id": ["d", "f", "b"], "segment": ["a", "z", "buyer"],
                        "region": ["东湾", "境外", "本区"]})
    links = pd.DataFrame({"supplier": ["d", "f"], "buyer": ["b", "b"],
                          "volume": [5.0, 80.0]})
    table = bn.find_outside_dependence(cg.Chain.from_frames(ent, links), region="本区")
    row = table.set_index("segment").loc["buyer"]
    assert row["top_outside_region"] == "境外"
    assert row["top_outside_segment"] == "z"
    assert row["top_outside_share"] == pytest.approx(80 / 85)
    assert "region 境外 and segment z (94% of input)" in row["explanation"]


def test_find_bottlenecks_reuses_precomputed_results():
    chain = district()
    flow = bn.max_flow(chain)
    tc = bn.throughput_centrality(chain)
    again = bn.find_bottlenecks(chain, region="本区", flow=flow, throughput=tc)
    pd.testing.assert_frame_equal(again, bn.find_bottlenecks(chain, region="本区"))
    # a result computed elsewhere is used as given (no recomputation)
    fake = bn.ThroughputScores(dict.fromkeys(chain.ids, 0.0) | {"m1": 0.9}, exact=True,
                               samples=0, error_bound=0.0, delta=0.05)
    hubs = bn.find_bottlenecks(chain, throughput=fake)
    assert hubs[hubs["kind"] == "throughput_hub"]["enterprise"].tolist() == ["m1"]


@given(data=st.data())
def test_combined_rows_are_the_concatenation_sorted_by_score(data):
    """The combined table is built a column at a time: the same frame as concatenating
    the parts and sorting by score, descending and stable (ties in order, NaN last)."""
    scores = st.sampled_from([0.0, 0.5, 1.0, 2.0, float("nan")])
    texts = st.sampled_from([None, "a", "电芯"])
    parts = []
    for k in range(data.draw(st.integers(0, 3))):
        n = data.draw(st.integers(1, 6))
        part = pd.DataFrame({c: data.draw(st.lists(texts, min_size=n, max_size=n))
                             for c in bn._COMBINED if c != "score"})
        part["kind"] = f"kind{k}"
        part["score"] = data.draw(st.lists(scores, min_size=n, max_size=n))
        parts.append(part)
    got = bn._stacked_by_score(parts)
    if not parts:
        assert got.empty and list(got.columns) == bn._COMBINED
        return
    ref = pd.concat([p.astype({c: object for c in bn._COMBINED if c != "score"})
                     for p in parts], ignore_index=True)[bn._COMBINED]
    ref = ref.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref)
