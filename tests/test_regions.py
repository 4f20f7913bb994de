"""Regions: hierarchy, per-region diagnosis, interregional flows, counterparts."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from strategies import chains

import chaingraph as cg
from chaingraph.algorithms.counterparts import find_counterparts
from chaingraph.algorithms.region_flows import find_region_flows, region_flow_matrix
from chaingraph.algorithms.region_levels import ABROAD, OUTSIDE, UNKNOWN, region_index
from chaingraph.algorithms.regions import (
    find_regions,
    region_context,
    region_single_points,
    segment_fit,
)


@pytest.fixture(scope="module")
def example():
    return cg.datasets.load_example_regions()


@pytest.fixture(scope="module")
def nev():
    return cg.load_template("nev")


def _toy(regions: dict[str, str], edges: list[tuple[str, str]], **cols) -> cg.Chain:
    G = nx.DiGraph(edges)
    G.add_nodes_from(regions)
    nx.set_node_attributes(G, regions, "region")
    for name, values in cols.items():
        nx.set_node_attributes(G, values, name)
    return cg.as_chain(G)


# --- hierarchy -----------------------------------------------------------------------
def test_path_levels_and_buckets():
    chain = _toy({"a": "粤/广州市/花都区", "b": "粤/广州市/番禺区", "c": "粤/清远市",
                  "d": "境外", "e": "外省", "f": None}, [("a", "b")])
    city = region_index(chain, level="city")
    assert [city.labels[c] for c in city.codes] == [
        "广州市", "广州市", "清远市", ABROAD, OUTSIDE, UNKNOWN]
    district = region_index(chain, level="district")
    # c has no district: it keeps its deepest part
    assert [district.labels[c] for c in district.codes][:3] == ["花都区", "番禺区", "清远市"]
    assert region_index(chain, level=1).labels[0] == "粤"
    home = region_index(chain, level="city", home="湘")
    assert set(home.kinds) == {"outside", "abroad", "unknown"}


def test_hierarchy_columns_and_place(example):
    idx = region_index(example, level="city")
    assert idx.columns == ("province", "city", "district", "park")
    assert idx.place("韶峰高新区") == ("东湾省", "韶峰市", "曲水区", "韶峰高新区")
    assert idx.label_of(idx.place("韶峰高新区")) == "韶峰市"
    with pytest.raises(ValueError, match="火星"):
        idx.place("火星")
    with pytest.raises(ValueError, match="not in the chain"):
        idx.code("火星")
    with pytest.raises(ValueError, match="level"):
        region_index(example, level="county")


def test_ambiguous_last_parts_use_paths():
    chain = _toy({"a": "甲市/城区", "b": "乙市/城区"}, [("a", "b")])
    assert sorted(region_index(chain).labels) == ["乙市/城区", "甲市/城区"]


# --- find_regions --------------------------------------------------------------------
def test_regions_equal_direct_computation(example, nev):
    table = find_regions(example, template=nev, level="city").set_index("region")
    ent = example.enterprises
    for city, group in ent.groupby("city"):
        row = table.loc[city]
        present = set(group["segment"])
        assert set(row["segments_present"]) == present
        assert row["n_enterprises"] == len(group)
        assert row["output"] == pytest.approx(group["output"].sum())
        assert row["coverage"] == pytest.approx(len(present) / len(nev.segment_ids))
        assert set(row["missing_segments"]) == set(nev.segment_ids) - present
        # coverage equals the library's own focal-region coverage
        ids = group["id"].tolist()
        sub = example.subchain(ids)
        summary = cg.structure_summary(sub, template=nev)
        assert row["coverage"] == pytest.approx(summary["coverage"])
        assert row["completeness"] == pytest.approx(summary["completeness"])
    assert table.loc["境外", "kind"] == "abroad"
    assert table.loc["境外", "score"] == 0


def test_local_supply_matches_pandas(example):
    table = find_regions(example, level="city").set_index("region")
    ent = example.enterprises.set_index("id")
    city = ent["city"].fillna(ent["province"]).replace({"国内其他省份": "省外"})
    links = example.links.assign(s=lambda f: f["supplier"].map(city),
                                 b=lambda f: f["buyer"].map(city))
    for region in ("澄岚市", "潮岭市"):
        bought = links[links["b"] == region]["volume"].sum()
        local = links[(links["b"] == region) & (links["s"] == region)]["volume"].sum()
        assert table.loc[region, "input_volume"] == pytest.approx(bought)
        assert table.loc[region, "local_supply_share"] == pytest.approx(local / bought)


def test_single_points_equal_per_region_finder(example):
    spof = region_single_points(example, level="district")
    idx = region_index(example, level="district")
    for r, label in enumerate(idx.labels):
        if idx.kinds[r] != "region":
            continue
        ids = example.ids[idx.codes == r].tolist()
        expected = cg.find_single_points_of_failure(example.subchain(ids), links=False)
        assert set(spof.get(label, [])) == set(expected["enterprise"]), label


@settings(max_examples=40, deadline=None)
@given(chains(max_enterprises=10))
def test_single_points_property(chain):
    spof = region_single_points(chain)
    idx = region_index(chain)
    for r, label in enumerate(idx.labels):
        if idx.kinds[r] != "region":
            continue
        ids = chain.ids[idx.codes == r].tolist()
        expected = cg.find_single_points_of_failure(chain.subchain(ids), links=False)
        assert set(spof.get(label, [])) == set(expected["enterprise"])


def test_regions_without_template_and_ranking(example):
    table = find_regions(example, level="district")
    kinds = table["kind"].tolist()
    assert kinds[-2:] == ["abroad", "outside"]
    ranked = table[table["kind"] == "region"]
    assert ranked["score"].is_monotonic_decreasing
    assert ranked["coverage"].isna().all()


# --- flows ---------------------------------------------------------------------------
def test_flows_equal_groupby(example):
    flows = find_region_flows(example, level="city")
    idx = region_index(example, level="city")
    lab = pd.Series(np.array(idx.labels, dtype=object)[idx.codes], index=example.ids)
    links = example.links
    expected = links.assign(supplier_region=links["supplier"].map(lab),
                            buyer_region=links["buyer"].map(lab)).groupby(
        ["supplier_region", "buyer_region"])["volume"].sum()
    got = flows.set_index(["supplier_region", "buyer_region"])["volume"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(),
                                   check_names=False, check_index_type=False)
    matrix = region_flow_matrix(example, level="city")
    assert matrix.to_numpy().sum() == pytest.approx(links["volume"].sum())
    assert matrix.loc["澄岚市", "潮岭市"] == pytest.approx(expected["澄岚市", "潮岭市"])


def test_flows_by_segment_sum_to_pairs(example, nev):
    by_seg = find_region_flows(example, level="city", by_segment=True, template=nev)
    pairs = find_region_flows(example, level="city")
    summed = by_seg.groupby(["supplier_region", "buyer_region"])["volume"].sum()
    assert summed.sort_index().to_numpy() == pytest.approx(
        pairs.set_index(["supplier_region", "buyer_region"])["volume"].sort_index())
    one = region_flow_matrix(example, level="city", supplier_segment="battery_cell",
                             buyer_segment="battery_pack", template=nev)
    mask = (by_seg["supplier_segment"] == "battery_cell") & (
        by_seg["buyer_segment"] == "battery_pack")
    assert one.to_numpy().sum() == pytest.approx(by_seg.loc[mask, "volume"].sum())


# --- counterparts --------------------------------------------------------------------
def test_counterparts_hand_checked():
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
        {"id": "car", "stage": "downstream"}],
        "edges": [["ore", "cell"], ["cell", "car"]]})
    regions = {"o1": "A", "c1": "A", "k1": "A", "o2": "B", "c2": "C", "c3": "C",
               "k2": "B"}
    segs = {"o1": "ore", "c1": "cell", "k1": "car", "o2": "ore", "c2": "cell",
            "c3": "cell", "k2": "car"}
    chain = _toy(regions, [("o1", "c1"), ("c1", "k1"), ("c2", "k2"), ("o2", "c3")],
                 segment=segs, capacity=dict.fromkeys(regions, 1.0))
    cp = find_counterparts(chain, template=tpl)
    cell_for_b = cp[(cp["region"] == "B") & (cp["segment"] == "cell")]
    # A has 1 cell maker, C has 2 (capacity share 1/3 and 2/3); C supplies B (c2 -> k2)
    got = cell_for_b.set_index("partner_region")
    assert got.loc["C", "capacity_share"] == pytest.approx(2 / 3)
    assert got.loc["C", "existing_share"] == pytest.approx(1.0)
    # fit = mean(template-neighbour share, relatedness density). Neighbours of cell
    # (ore, car) are both present in B: 1. Density by hand: counts A {ore 1, cell 1,
    # car 1}, B {ore 1, car 1}, C {cell 2}; RCA >= 1 gives A {ore, car}, B {ore,
    # car}, C {cell} (A's cell: (1/3) / (3/7) < 1); cell is co-present with nothing,
    # so phi(ore, cell) = phi(car, cell) = 0 and B's density in cell is 0.
    assert got.loc["C", "relatedness_density"] == 0.0
    assert got.loc["C", "fit"] == pytest.approx(0.5)
    assert got.loc["C", "score"] == pytest.approx((2 / 3 + 1 + 0.5) / 3)
    assert "relatedness density in it (0.00)" in got.loc["C", "explanation"]
    # A lacks nothing but is weak in ore: car (phi(ore, car) = C / max(k) = 2/2 = 1)
    # is present in A, so A's density in ore is 1; ore's neighbour cell is there too
    a_ore = cp[(cp["region"] == "A") & (cp["segment"] == "ore")].iloc[0]
    assert a_ore["relatedness_density"] == 1.0 and a_ore["fit"] == pytest.approx(1.0)
    assert cell_for_b["partner_region"].iloc[0] == "C"
    paired = find_counterparts(chain, template=tpl, pairs={"A": ["B"]})
    assert set(paired["partner_region"]) <= {"A", "B"}
    assert paired["policy_pair"].all()
    with pytest.raises(ValueError, match="Z"):
        find_counterparts(chain, template=tpl, pairs={"Z": ["B"]})


def test_counterparts_never_propose_buckets(example, nev):
    cp = find_counterparts(example, template=nev, level="city", per_gap=None)
    assert not set(cp["partner_region"]) & {ABROAD, OUTSIDE, UNKNOWN}
    assert not set(cp["region"]) & {ABROAD, OUTSIDE, UNKNOWN}
    assert cp["score"].is_monotonic_decreasing


def test_fit_hook(example, nev):
    default = segment_fit(example, template=nev, level="city")
    assert ((default.fillna(0) >= 0) & (default.fillna(0) <= 1)).all().all()
    ctx = region_context(example, template=nev, level="city")
    custom = segment_fit(ctx, fit=lambda seg, present: 1.0 if seg in present else 0.0)
    assert custom.loc["澄岚市", "battery_pack"] == 1.0
    cp = find_counterparts(ctx, fit=custom * 0)
    assert (cp["fit"] == 0).all()
    assert cp["explanation"].str.contains(r"fit 0% \(given\)").all()
    # the default fit is the mean of the neighbour share and the density, in [0, 1]
    default_cp = find_counterparts(ctx, per_gap=None)
    density = default_cp["relatedness_density"]
    assert density.notna().all() and density.between(0, 1).all()
    share = default.stack().rename("share")
    merged = default_cp.join(share, on=["region", "segment"])
    expected = merged[["share", "relatedness_density"]].mean(axis=1, skipna=True)
    np.testing.assert_allclose(default_cp["fit"], expected.fillna(0.0))
