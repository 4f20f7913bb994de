"""Breakpoints: missing segments, broken links, single points of failure, single sources."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import REGIONS, chains
from toy import toy_chain as _toy_chain
from toy import toy_template
from willems import load_willems, willems_numbers

import chaingraph as cg
from chaingraph._engines import has_numba
from chaingraph.algorithms.breakpoints import (
    find_breakpoints,
    find_broken_links,
    find_missing_segments,
    find_single_points_of_failure,
    find_single_sources,
)

METHODS = ["numba", "scipy"] if has_numba() else ["scipy"]
SPOF_COLUMNS = ["element", "enterprise", "supplier", "buyer", "region", "in_focal",
                "n_final_cut", "final_cut", "share_cut", "share_basis", "score",
                "explanation"]
BREAKPOINT_COLUMNS = ["kind", "element", "enterprise", "supplier", "buyer", "segment",
                      "supplier_segment", "buyer_segment", "in_focal", "n_final_cut",
                      "score", "explanation"]


def toy_chain() -> cg.Chain:
    """The toy district with link volumes."""
    return _toy_chain(volumes=True)


# --- brute force ----------------------------------------------------------------------
def brute_spof(G: nx.DiGraph, sources, finals) -> tuple[dict, dict]:
    """Enterprise and link SPOFs by removal: element -> set of final producers cut."""
    def supplied(H, srcs):
        return set(srcs).union(*(nx.descendants(H, s) for s in srcs if s in H))
    H0 = G.copy()
    H0.remove_edges_from(nx.selfloop_edges(H0))
    before = supplied(H0, sources) & set(finals)
    nodes, links = {}, {}
    for v in H0:
        H = H0.copy()
        H.remove_node(v)
        cut = before - {v} - supplied(H, [s for s in sources if s != v])
        if cut:
            nodes[v] = cut
    for u, v in H0.edges:
        H = H0.copy()
        H.remove_edge(u, v)
        cut = before - supplied(H, sources)
        if cut:
            links[(u, v)] = cut
    return nodes, links


def default_roles(G: nx.DiGraph):
    H = G.copy()
    H.remove_edges_from(nx.selfloop_edges(H))
    sources = [v for v in H if H.in_degree(v) == 0 and H.out_degree(v) > 0]
    finals = [v for v in H if H.out_degree(v) == 0 and H.in_degree(v) > 0]
    return sources, finals


def spof_sets(frame: pd.DataFrame) -> tuple[dict, dict]:
    nodes = frame[frame["element"] == "enterprise"]
    links = frame[frame["element"] == "link"]
    return (dict(zip(nodes["enterprise"], nodes["n_final_cut"], strict=True)),
            dict(zip(zip(links["supplier"], links["buyer"], strict=True),
                     links["n_final_cut"], strict=True)))


# --- single points of failure ---------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@given(chain=chains(max_enterprises=10, self_loops=True), data=st.data())
def test_spof_equals_brute_force_removal(method, chain, data):
    region = data.draw(st.sampled_from([None, *REGIONS]))
    G = chain.to_networkx()
    if region is not None and region not in nx.get_node_attributes(G, "region").values():
        region = None
    sources, finals = default_roles(G)
    considered = [t for t in finals if region is None or G.nodes[t]["region"] == region]
    nodes, links = brute_spof(G, sources, considered)
    frame = find_single_points_of_failure(chain, region=region, method=method)
    got_nodes, got_links = spof_sets(frame)
    assert got_nodes == {v: len(c) for v, c in nodes.items()}
    assert got_links == {e: len(c) for e, c in links.items()}
    for row in frame.itertuples(index=False):
        key = row.enterprise if row.element == "enterprise" else (row.supplier, row.buyer)
        truth = nodes[key] if row.element == "enterprise" else links[key]
        assert set(row.final_cut) <= truth
        assert len(row.final_cut) == min(len(truth), 10)
    assert frame["score"].is_monotonic_decreasing
    assert list(frame.columns) == SPOF_COLUMNS


@given(chains(max_enterprises=9), st.data())
def test_spof_with_named_sources_and_finals(chain, data):
    ids = list(chain.ids)
    sources = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                 unique=True))
    finals = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                unique=True))
    G = chain.to_networkx()
    nodes, links = brute_spof(G, sources, finals)
    frame = find_single_points_of_failure(chain, sources=sources, final=finals)
    got_nodes, got_links = spof_sets(frame)
    assert got_nodes == {v: len(c) for v, c in nodes.items()}
    assert got_links == {e: len(c) for e, c in links.items()}


@given(chains(max_enterprises=9), st.data())
def test_adding_a_parallel_supplier_never_adds_a_spof(chain, data):
    G = chain.to_networkx()
    suppliers = [u for u in G if any(b != u for b in G.successors(u))]
    assume(suppliers)
    # a parallel copy of a supplier (a copy of a final producer would be a new final)
    v = data.draw(st.sampled_from(suppliers))
    before_nodes, before_links = spof_sets(find_single_points_of_failure(G))
    H = G.copy()
    H.add_node("平行企业", **G.nodes[v])
    H.add_edges_from(("平行企业", b, G.edges[v, b]) for b in G.successors(v) if b != v)
    H.add_edges_from((a, "平行企业", G.edges[a, v]) for a in G.predecessors(v) if a != v)
    after_nodes, after_links = spof_sets(find_single_points_of_failure(H))
    assert set(after_nodes) <= set(before_nodes)
    assert set(after_links) <= set(before_links)
    for node, cut in after_nodes.items():
        assert cut <= before_nodes[node]


def test_spof_hand_checked():
    # two sources; only m2 feeds bus; cell feeds car and bus; car has one route
    G = nx.DiGraph([("m1", "cell"), ("cell", "car"), ("cell", "bus"), ("m2", "bus"),
                    ("m1", "x"), ("x", "van"), ("m2", "van")])
    nx.set_node_attributes(G, {"car": 30.0, "bus": 10.0, "van": 60.0, "m1": 1.0,
                               "m2": 1.0, "cell": 1.0, "x": 1.0}, "output")
    frame = find_single_points_of_failure(G)
    nodes, links = spof_sets(frame)
    assert nodes == {"m1": 1, "cell": 1}
    assert links == {("m1", "cell"): 1, ("cell", "car"): 1}
    assert (frame["share_basis"] == "output").all()
    assert frame["share_cut"].tolist() == pytest.approx([0.3] * 4)
    first = frame.iloc[0]
    assert first["explanation"] == (
        "Removing m1 cuts 1 of 3 final producers (30.0% of final output) off from "
        "every source: car")
    assert frame.attrs == {}  # results live in columns, never in attrs


def test_spof_region_counts_outside_supply():
    # the focal final producer depends on an outside hub: the hub is a SPOF
    G = nx.DiGraph([("ore", "hub"), ("hub", "car"), ("ore2", "truck")])
    nx.set_node_attributes(G, {"ore": "外省", "hub": "外省", "car": "本区",
                               "ore2": "本区", "truck": "外省"}, "region")
    frame = find_single_points_of_failure(G, region="本区")
    nodes, _ = spof_sets(frame)
    assert nodes == {"ore": 1, "hub": 1}
    assert not frame.loc[frame["enterprise"] == "hub", "in_focal"].item()


def test_spof_unsupplied_final_is_listed_apart_not_a_spof():
    from chaingraph.algorithms.fragility import unsupplied_final

    G = nx.DiGraph([("a", "b"), ("x", "y"), ("y", "x"), ("y", "z")])
    frame = find_single_points_of_failure(G)
    assert unsupplied_final(G) == ["z"]
    assert unsupplied_final(nx.DiGraph([("a", "b")])) == []
    nodes, _ = spof_sets(frame)
    assert nodes == {"a": 1}


def test_spof_engines_agree_on_generated_chain():
    chain = cg.datasets.generate_chain(3000, seed=11)
    frames = [find_single_points_of_failure(chain, method=m) for m in METHODS]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(other, frames[0])
    assert len(frames[0]) > 0


def test_spof_empty_chain_and_no_links():
    G = nx.DiGraph()
    G.add_nodes_from(["a", "b"])
    frame = find_single_points_of_failure(G)
    assert len(frame) == 0 and list(frame.columns) == SPOF_COLUMNS


# --- missing segments, broken links, single sources -----------------------------------
def test_missing_segments_hand_checked():
    frame = find_missing_segments(toy_chain(), template=toy_template(), region="本区")
    assert frame["segment"].tolist() == ["motor"]
    row = frame.iloc[0]
    assert row["buyers_present"] == ["car"] and row["suppliers_present"] == []
    assert row["n_elsewhere"] == 1 and row["score"] == 1.0
    assert "整车" in row["explanation"] and "1 enterprises of it" in row["explanation"]
    assert len(find_missing_segments(toy_chain(), template=toy_template())) == 0


def test_broken_links_hand_checked():
    frame = find_broken_links(toy_chain(), template=toy_template(), region="本区")
    assert frame[["supplier_segment", "buyer_segment"]].values.tolist() == [
        ["ore", "cell"]]
    row = frame.iloc[0]
    assert row["n_supplier_enterprises"] == 1 and row["n_buyer_enterprises"] == 2
    assert row["n_outside_links"] == 1 and row["n_outside_suppliers"] == 1
    assert row["outside_volume"] == 7.0 and row["outside_regions"] == {"外省": 1}
    assert "buy 100% of their 矿石 inputs from outside" in row["explanation"]
    # with the whole chain focal, ext_o -> c2 realises ore -> cell
    assert len(find_broken_links(toy_chain(), template=toy_template())) == 0


def test_single_sources_hand_checked():
    frame = find_single_sources(toy_chain(), template=toy_template(), region="本区")
    got = set(zip(frame["buyer"], frame["supplier"], frame["segment"], frame["score"],
                  strict=True))
    assert got == {("car1", "m1", "motor", 1.0), ("c2", "ext_s", "salt", 1.0),
                   ("c2", "ext_o", "ore", 1.0), ("c1", "s1", "salt", 0.5),
                   ("s1", "o1", "ore", 0.5)}
    assert frame["score"].is_monotonic_decreasing
    row = frame.set_index(["buyer", "segment"]).loc[("car1", "motor")]
    assert row["explanation"] == (
        "整车厂 buys all its 电机 inputs from one supplier, 电机厂 (region 外省, outside "
        "the focal region)")


def test_single_sources_without_template_or_segments():
    G = nx.DiGraph([("a", "x"), ("b", "x"), ("c", "y")])
    nx.set_node_attributes(G, {"a": "S", "b": "T", "c": "S", "x": "P", "y": "P"},
                           "segment")
    frame = find_single_sources(G)
    assert set(zip(frame["buyer"], frame["supplier"], strict=True)) == {
        ("x", "a"), ("x", "b"), ("y", "c")}
    H = nx.DiGraph([("a", "x"), ("b", "x"), ("c", "y")])
    frame = find_single_sources(H)
    assert set(zip(frame["buyer"], frame["supplier"], strict=True)) == {("y", "c")}


@given(chains(max_enterprises=10))
def test_single_sources_match_brute_force(chain):
    G = chain.to_networkx()
    expected = set()
    for b in G:
        groups: dict = {}
        for a in G.predecessors(b):
            if a != b:
                groups.setdefault(G.nodes[a].get("segment"), []).append(a)
        expected |= {(b, s[0]) for s in groups.values() if len(s) == 1}
    frame = find_single_sources(chain)
    assert set(zip(frame["buyer"], frame["supplier"], strict=True)) == expected


# --- all together ---------------------------------------------------------------------
def test_find_breakpoints_combines_every_kind():
    frame = find_breakpoints(toy_chain(), template=toy_template(), region="本区")
    assert list(frame.columns) == BREAKPOINT_COLUMNS
    assert frame["score"].is_monotonic_decreasing
    kinds = frame["kind"].value_counts().to_dict()
    assert kinds == {"single_source": 5, "missing_segment": 1, "broken_link": 1}
    broken = frame[frame["kind"] == "broken_link"].iloc[0]
    assert broken["segment"] is None and broken["supplier_segment"] == "ore"
    assert frame["explanation"].map(len).gt(20).all()


def test_find_breakpoints_spof_rows_carry_segments():
    chain = cg.datasets.generate_chain(500, seed=5)
    tpl = cg.datasets.load_template("nev")
    frame = find_breakpoints(chain, template=tpl)
    spof = frame[(frame["kind"] == "single_point_of_failure")
                 & (frame["element"] == "enterprise")]
    assert len(spof) > 0
    segment = dict(zip(chain.ids, chain.enterprises["segment"], strict=True))
    assert (spof["segment"] == spof["enterprise"].map(segment)).all()
    assert set(frame["kind"]) <= {"missing_segment", "broken_link",
                                  "single_point_of_failure", "single_source"}


# --- real data ------------------------------------------------------------------------
def test_willems_spofs_really_disconnect(shared_data):
    folder = shared_data / "willems"
    for number in willems_numbers(folder):
        chain = load_willems(folder, number)
        G = chain.to_networkx()
        sources, finals = default_roles(G)
        frames = [find_single_points_of_failure(chain, method=m) for m in METHODS]
        for other in frames[1:]:
            pd.testing.assert_frame_equal(other, frames[0])
        frame = frames[0]
        rooted = G.copy()
        rooted.add_edges_from(("超级源", s) for s in sources)
        supplied = nx.descendants(rooted, "超级源") & set(finals)
        rng = np.random.default_rng(int(number))
        rows = frame.iloc[rng.permutation(len(frame))[:25]]
        for row in rows.itertuples(index=False):
            H = rooted.copy()
            if row.element == "enterprise":
                H.remove_node(row.enterprise)
            else:
                H.remove_edge(row.supplier, row.buyer)
            cut = supplied - nx.descendants(H, "超级源") - {row.enterprise}
            assert len(cut) == row.n_final_cut
            assert set(row.final_cut) <= cut
        if chain.n_enterprises <= 120:  # full brute force on the small chains
            nodes, links = brute_spof(G, sources, finals)
            got_nodes, got_links = spof_sets(frame)
            assert got_nodes == {v: len(c) for v, c in nodes.items()}
            assert got_links == {e: len(c) for e, c in links.items()}


# --- the bundled example's designed weaknesses ----------------------------------------
def test_example_designed_breakpoints_are_found():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    focal = chain.meta["focal_region"]
    missing = find_missing_segments(chain, template=tpl, region=focal)
    assert set(missing["segment"]) == {"lithium_resources", "nickel_cobalt",
                                       "semiconductor_materials", "automotive_chips"}
    spof = find_single_points_of_failure(chain, region=focal)
    ent = chain.enterprises.set_index("id")
    top = spof[spof["element"] == "enterprise"].iloc[0]
    assert ent.loc[top["enterprise"], "segment"] == "battery_pack"
    assert ent.loc[top["enterprise"], "region"] == focal
    assert top["n_final_cut"] == 3
    cut = ent.loc[top["final_cut"]]
    assert (cut["segment"] == "charging_infrastructure").all()
    assert cut["name"].str.contains("换电").all()
    frame = find_breakpoints(chain, template=tpl, region=focal)
    assert set(frame["kind"]) >= {"missing_segment", "single_point_of_failure"}


def test_finders_keep_the_top_rows():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    focal = chain.meta["focal_region"]
    for finder, args in ((find_breakpoints, {"template": tpl}),
                         (find_single_points_of_failure, {}),
                         (find_single_sources, {}),
                         (find_missing_segments, {}), (find_broken_links, {})):
        if finder in (find_missing_segments, find_broken_links):
            args = {**args, "template": tpl}
        full = finder(chain, region=focal, **args)
        assert len(full) >= 1, finder.__name__
        for top in (0, 1, 2):
            head = finder(chain, region=focal, top=top, **args)
            pd.testing.assert_frame_equal(head, full.iloc[:top].reset_index(drop=True),
                                          check_index_type=False)


@given(chains(max_enterprises=10), st.randoms(use_true_random=False))
def test_spof_survives_relabelling(chain, rnd):
    G = chain.to_networkx()
    names = [f"企业{i}" for i in range(len(G))]
    rnd.shuffle(names)
    mapping = dict(zip(G.nodes, names, strict=True))
    nodes, links = spof_sets(find_single_points_of_failure(G))
    got_nodes, got_links = spof_sets(
        find_single_points_of_failure(nx.relabel_nodes(G, mapping)))
    assert got_nodes == {mapping[v]: c for v, c in nodes.items()}
    assert got_links == {(mapping[u], mapping[v]): c for (u, v), c in links.items()}


def test_sources_selected_by_stage_need_only_the_template():
    """Regression: find_breakpoints passed no template on to the SPOF finder."""
    chain, template = cg.load_example(), cg.load_template("nev")
    by_stage = cg.find_breakpoints(chain, template=template, sources={"stage": "upstream"},
                                   region="明湾示范区")
    direct = cg.find_single_points_of_failure(chain, template=template,
                                              sources={"stage": "upstream"},
                                              region="明湾示范区")
    spof = by_stage[by_stage["kind"] == "single_point_of_failure"]
    assert len(spof) == len(direct)
    report = cg.diagnose(chain, template=template, sources={"stage": "upstream"},
                         region="明湾示范区")
    assert (report.breakpoints["kind"] == "single_point_of_failure").sum() == len(direct)
