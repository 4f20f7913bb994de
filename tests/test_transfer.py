"""Transfer scenarios and transfer plans."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.algorithms.regions import find_regions, region_context, segment_fit
from chaingraph.algorithms.transfer import move_enterprises, simulate_transfer
from chaingraph.algorithms.transfer_plan import (
    DEFAULT_WEIGHTS,
    origin_violations,
    plan_transfer,
)


@pytest.fixture(scope="module")
def example():
    return cg.datasets.load_example_regions()


def _region_rows(result):
    return result.regions.set_index("region")


# --- simulate_transfer ---------------------------------------------------------------
def test_one_enterprise_changes_output_exactly(example):
    ent = example.enterprises.set_index("id")
    before_links = example.links
    result = simulate_transfer(example, move=["E0001"], to="韶峰市", template="nev",
                               level="city")
    rows = _region_rows(result)
    out = ent.loc["E0001", "output"]
    origin = ent.loc["E0001", "city"]
    assert rows.loc[origin, "output_change"] == pytest.approx(-out)
    assert rows.loc["韶峰市", "output_change"] == pytest.approx(out)
    after_links = result.chain.links
    for col in ("supplier", "buyer"):
        assert (after_links[col] == "E0001").sum() == (before_links[col] == "E0001").sum()
    pd.testing.assert_frame_equal(after_links, before_links)
    # the input is untouched
    assert example.enterprises.set_index("id").loc["E0001", "city"] == origin
    untouched = rows.drop(index=[origin, "韶峰市"])
    assert (untouched["output_change"] == 0).all()
    assert not untouched["changed"].any()


def test_move_back_restores_tables(example):
    ent = example.enterprises.set_index("id")
    mover = "E0200"
    home = ent.loc[mover]
    back_to = home["park"] if isinstance(home["park"], str) else home["district"]
    moved = move_enterprises(example, [mover], "韶峰高新区")
    back = move_enterprises(moved, [mover], back_to)
    drop = ["lon", "lat"]  # coordinates become the destination's centre
    pd.testing.assert_frame_equal(back.enterprises.drop(columns=drop),
                                  example.enterprises.drop(columns=drop))
    pd.testing.assert_frame_equal(back.links, example.links)
    before = simulate_transfer(example, move=[mover], to="韶峰高新区", template="nev",
                               level="city")
    again = simulate_transfer(before.chain, move=[mover], to=back_to, template="nev",
                              level="city")
    pd.testing.assert_frame_equal(find_regions(example, template="nev", level="city"),
                                  again.after)


def test_breakpoint_closed_in_destination():
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "ore", "stage": "upstream"}, {"id": "car", "stage": "downstream"}],
        "edges": [["ore", "car"]]})
    G = nx.DiGraph([("o1", "k1"), ("o2", "k2"), ("o3", "k1")])
    nx.set_node_attributes(G, {"o1": "ore", "o2": "ore", "o3": "ore", "k1": "car",
                               "k2": "car"}, "segment")
    nx.set_node_attributes(G, {"o1": "A", "o2": "A", "o3": "A", "k1": "A", "k2": "B"},
                           "region")
    nx.set_node_attributes(G, dict.fromkeys(G, 1.0), "output")
    result = simulate_transfer(G, move="o2", to="B", template=tpl)
    rows = _region_rows(result)
    assert rows.loc["B", "closed"] == ["missing segment ore"]
    assert rows.loc["B", "breakpoints_closed"] == 1
    assert rows.loc["A", "breakpoints_opened"] == 0
    # moving o3 too would leave o1 as A's only ore supplier of k1: a new single point
    result = simulate_transfer(G, move=["o2", "o3"], to="B", template=tpl)
    assert _region_rows(result).loc["A", "opened"] == ["single point o1"]


def test_share_split_conserves_and_splits_links(example):
    ent = example.enterprises
    picked = ent[(ent["city"] == "澄岚市") & (ent["segment"] == "battery_pack")]
    result = simulate_transfer(example, segment="battery_pack", origin="澄岚市",
                               share=0.25, to="韶峰高新区", template="nev", level="city")
    after = result.chain
    assert len(result.moved) == len(picked)
    assert after.enterprises["output"].sum() == pytest.approx(ent["output"].sum())
    assert after.links["volume"].sum() == pytest.approx(example.links["volume"].sum())
    rows = _region_rows(result)
    assert rows.loc["韶峰市", "output_change"] == pytest.approx(
        0.25 * picked["output"].sum())
    one = picked["id"].iloc[0]
    links = after.links
    part = f"{one}-moved"
    n_before = ((example.links["supplier"] == one) | (example.links["buyer"] == one)).sum()
    assert ((links["supplier"] == part) | (links["buyer"] == part)).sum() == n_before
    assert result.benefits["origin_output"].sum() == pytest.approx(
        0.5 * 0.25 * picked["output"].sum())


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"move": ["NOPE"], "to": "韶峰市"}, "NOPE"),
    ({"move": ["E0001"], "to": "火星市"}, "火星市"),
    ({"segment": "battery_pack", "origin": "澄岚市", "share": 0.0, "to": "韶峰市"},
     "share"),
    ({"segment": "battery_pack", "origin": "澄岚市", "share": 1.5, "to": "韶峰市"},
     "share"),
    ({"segment": "battery_pack", "origin": "月球", "share": 0.5, "to": "韶峰市"}, "月球"),
])
def test_bad_input_names_it(example, kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_transfer(example, level="city", **kwargs)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 405), min_size=1, max_size=5, unique=True),
       st.sampled_from(["潮岭市", "湛川市", "韶峰高新区", "明湾示范区"]),
       st.sampled_from([None, 0.3]))
def test_transfer_properties(example, picks, to, share):
    ids = example.ids[picks].tolist()
    result = simulate_transfer(example, move=ids, to=to, share=share, level="city")
    rows = result.regions
    assert rows["output_after"].sum() == pytest.approx(rows["output_before"].sum())
    idx = region_context(example, level="city").regions
    touched = {idx.labels[c] for c in idx.codes[example.codes_of(ids)]}
    touched.add(idx.label_of(idx.place(to)))
    untouched = rows[~rows["region"].isin(touched)]
    assert (untouched["output_change"] == 0).all()
    assert (untouched["n_enterprises_before"] == untouched["n_enterprises_after"]).all()


# --- plan_transfer -------------------------------------------------------------------
def _small_case():
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
        {"id": "car", "stage": "downstream"}],
        "edges": [["ore", "cell"], ["cell", "car"]]})
    region = {"o1": "粤/D/d1", "o2": "粤/D/d1", "c1": "粤/D/d1", "c2": "粤/D/d2",
              "k1": "粤/D/d1", "k2": "粤/D/d2", "x1": "粤/E/p1", "x2": "粤/N/p2",
              "y1": "粤/E/p1"}
    segment = {"o1": "ore", "o2": "ore", "c1": "cell", "c2": "cell", "k1": "car",
               "k2": "car", "x1": "car", "x2": "ore", "y1": "ore"}
    G = nx.DiGraph([("o1", "c1"), ("o2", "c1"), ("c1", "k1"), ("c2", "k2"),
                    ("o1", "c2"), ("c1", "x1"), ("x2", "c2"), ("y1", "x1")])
    nx.set_node_attributes(G, region, "region")
    nx.set_node_attributes(G, segment, "segment")
    nx.set_node_attributes(G, {n: float(i + 1) for i, n in enumerate(region)}, "output")
    nx.set_edge_attributes(G, 1.0, "volume")
    return cg.as_chain(G), tpl


def _brute_force(chain, tpl, candidates, destinations, level, pairs=None):
    ctx = region_context(chain, template=tpl, level=level)
    idx = ctx.regions
    plan = plan_transfer(chain, candidates=candidates, destinations=destinations,
                         template=tpl, level=level, pairs=pairs)
    names = list(destinations)
    places = [idx.place(d) for d in names]
    dest_regions = [idx.code(idx.label_of(p)) for p in places]
    codes = chain.codes_of(candidates)
    w = DEFAULT_WEIGHTS
    fit = segment_fit(ctx).fillna(0).to_numpy()
    src, dst = chain.link_codes
    vol = chain.link_weights()
    best = 0.0
    options = []
    for c in codes:
        allowed = [-1]
        for j, r in enumerate(dest_regions):
            if idx.codes[c] == r:
                continue
            if pairs is not None:
                keys = set(idx.path_of(c)) | {idx.labels[idx.codes[c]]}
                targets = {t for k, v in pairs.items() if k in keys for t in v}
                if not targets & ({*places[j], idx.labels[r]}):
                    continue
            allowed.append(j)
        options.append(allowed)
    for assignment in itertools.product(*options):
        used = np.zeros(len(names))
        for k, j in enumerate(assignment):
            if j >= 0:
                used[j] += ctx.output[codes[k]]
        if (used > np.array([destinations[d] for d in names]) + 1e-9).any():
            continue
        moving = np.array([codes[k] for k, j in enumerate(assignment) if j >= 0],
                          dtype=np.int64)
        if len(moving) and origin_violations(ctx, moving, None):
            continue
        value, gaps = 0.0, set()
        for k, j in enumerate(assignment):
            if j < 0:
                continue
            c, r = codes[k], dest_regions[j]
            s = ctx.segment_codes[c]
            if ctx.counts[r, s] == 0:
                gaps.add((r, s))
            mine = (src == c) | (dst == c)
            other = np.where(src[mine] == c, dst[mine], src[mine])
            total = vol[mine].sum()
            internal = vol[mine][idx.codes[other] == r].sum() / total if total else 0
            value += w["supply"] * internal + w["fit"] * fit[r, s] - w["move"]
        value += w["breakpoints"] * len(gaps)
        best = max(best, value)
    return plan, best


@pytest.mark.parametrize("level", ["city", "district"])
@pytest.mark.parametrize("capacity", [1.0, 5.0, 100.0])
def test_plan_equals_brute_force(level, capacity):
    chain, tpl = _small_case()
    candidates = ["o1", "o2", "c1", "c2", "k2"]
    destinations = {"p1": capacity, "p2": capacity * 2}
    plan, best = _brute_force(chain, tpl, candidates, destinations, level)
    assert plan.attrs["objective"] == pytest.approx(best, abs=1e-9)
    assert plan["score"].is_monotonic_decreasing
    used = plan.attrs["destinations"].set_index("destination")
    assert (used["used"] <= used["capacity"] + 1e-9).all()


def test_plan_respects_pairs_and_explains():
    chain, tpl = _small_case()
    candidates = ["o1", "o2", "c1", "c2", "k2"]
    pairs = {"d1": ["N"], "d2": ["E"]}
    plan, best = _brute_force(chain, tpl, candidates, {"p1": 100.0, "p2": 100.0},
                              "city", pairs=pairs)
    assert plan.attrs["objective"] == pytest.approx(best, abs=1e-9)
    assert len(plan) > 0
    for row in plan.itertuples(index=False):
        assert (row.destination == "p2") == (row.enterprise in ("o1", "o2", "c1"))
        assert row.enterprise in row.explanation and row.destination in row.explanation


def test_plan_keeps_origin_chain(example):
    ent = example.enterprises
    movers = ent.query("city == '澄岚市'")["id"].tolist()[:40]
    parks = {p["park"]: p["capacity"] for p in example.meta["parks"]}
    plan = plan_transfer(example, candidates=movers, destinations=parks, template="nev",
                         level="city")
    ctx = region_context(example, template="nev", level="city")
    moving = example.codes_of(plan["enterprise"].tolist())
    assert origin_violations(ctx, moving, None) == []
    with pytest.raises(ValueError, match="NOPE"):
        plan_transfer(example, candidates=["NOPE"], destinations=parks)
    with pytest.raises(ValueError, match="火星"):
        plan_transfer(example, candidates=movers[:1], destinations={"火星": 1.0})


def test_systemic_risk_per_region():
    G = nx.DiGraph([("a", "b", {"volume": 1.0}), ("b", "c", {"volume": 1.0}),
                    ("a", "d", {"volume": 1.0})])
    nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y", "d": "Z"}, "region")
    nx.set_node_attributes(G, dict.fromkeys(G, 1.0), "output")
    result = simulate_transfer(G, move="a", to="Y", systemic_risk=True)
    rows = result.regions.set_index("region")
    risk = cg.systemic_risk(G, sector=None).set_index("enterprise")["esri"]
    assert risk["a"] > risk["b"] > 0
    assert rows.loc["X", "max_esri_before"] == pytest.approx(max(risk["a"], risk["b"]))
    assert rows.loc["X", "max_esri_after"] == pytest.approx(risk["b"])
    assert rows.loc["Y", "max_esri_after"] == pytest.approx(max(risk["a"], risk["c"]))
    assert rows.loc["Z", "max_esri_after"] == rows.loc["Z", "max_esri_before"]
