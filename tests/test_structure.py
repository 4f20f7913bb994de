"""Structure: tiers, roles, stages, coverage, completeness and chain length."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import chains
from toy import toy_chain, toy_template
from willems import load_willems, willems_numbers

import chaingraph as cg
from chaingraph._engines import has_numba
from chaingraph.algorithms.structure import (
    find_segment_coverage,
    find_structure,
    structure_summary,
    tiers,
)

METHODS = ["numba", "scipy"] if has_numba() else ["scipy"]
STRUCTURE_COLUMNS = [
    "enterprise", "name", "segment", "stage", "region", "in_focal", "role", "tier",
    "in_cycle", "n_suppliers", "n_buyers", "n_local_suppliers", "n_local_buyers",
    "score", "explanation"]


# --- tiers ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_tiers_hand_checked(method):
    expected = {"o1": 0, "s1": 1, "c1": 2, "c2": 1, "car1": 3, "m1": 0, "ext_s": 0,
                "ext_o": 0}
    assert tiers(toy_chain(), method=method) == expected
    assert tiers(toy_chain().to_networkx(), method=method) == expected


def test_tiers_cycles_share_a_tier_and_sourceless_cycles_have_none():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"),
                    ("x", "y"), ("y", "x"), ("y", "d")])
    G.add_node("lonely")
    got = tiers(G)
    assert got == {"a": 0, "b": 1, "c": 1, "d": 2}
    frame = find_structure(G).set_index("enterprise")
    assert frame.loc[["x", "y", "lonely"], "tier"].isna().all()
    assert frame.loc[["b", "c", "x", "y"], "in_cycle"].all()
    assert not frame.loc[["a", "d", "lonely"], "in_cycle"].any()


def test_tiers_with_named_sources():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("z", "c")])
    assert tiers(G, sources=["b"]) == {"b": 0, "c": 1}
    assert tiers(G, sources=["a", "b"]) == {"a": 0, "b": 1, "c": 2}


def reference_tiers(G: nx.DiGraph) -> dict:
    """Longest path from a default source in the condensation (networkx)."""
    H = G.copy()
    H.remove_edges_from(nx.selfloop_edges(H))
    sources = [v for v in H if H.in_degree(v) == 0 and H.out_degree(v) > 0]
    reach = set(sources).union(*(nx.descendants(H, s) for s in sources))
    C = nx.condensation(H.subgraph(reach))
    level = {}
    for c in nx.topological_sort(C):
        level[c] = max((level[p] + 1 for p in C.predecessors(c)), default=0)
    return {v: level[C.graph["mapping"][v]] for v in reach}


@given(chains(max_enterprises=10, self_loops=True))
def test_tiers_match_networkx_condensation(chain):
    expected = reference_tiers(chain.to_networkx())
    for method in METHODS:
        assert tiers(chain, method=method) == expected


@given(chains(max_enterprises=9, acyclic=True, regions=None, segments=None))
def test_tiers_on_dags_match_brute_force_longest_paths(chain):
    G = chain.to_networkx()
    sources = [v for v in G if G.in_degree(v) == 0 and G.out_degree(v) > 0]
    expected = {}
    for s in sources:
        expected[s] = max(expected.get(s, 0), 0)
        for t in G:
            for path in nx.all_simple_paths(G, s, t):
                expected[t] = max(expected.get(t, 0), len(path) - 1)
    assert tiers(chain) == expected


@given(chains(max_enterprises=10), st.randoms(use_true_random=False))
def test_tiers_survive_relabelling(chain, rnd):
    G = chain.to_networkx()
    names = [f"新{i}" for i in range(len(G))]
    rnd.shuffle(names)
    mapping = dict(zip(G.nodes, names, strict=True))
    relabelled = tiers(nx.relabel_nodes(G, mapping))
    assert relabelled == {mapping[v]: t for v, t in tiers(G).items()}


def assert_tiers_valid(chain: cg.Chain, got: dict) -> None:
    """Every tier is one more than its highest tiered supplier (acyclic chains)."""
    G = chain.to_networkx()
    for v, t in got.items():
        preds = [got[u] for u in G.predecessors(v) if u in got]
        if G.in_degree(v) == 0:
            assert t == 0
        else:
            assert t == max(preds) + 1
    untiered = set(G) - set(got)
    assert all(G.degree(v) == 0 for v in untiered)


# --- find_structure -------------------------------------------------------------------
def test_find_structure_columns_roles_and_order():
    chain = toy_chain()
    frame = find_structure(chain, template=toy_template(), region="本区")
    assert list(frame.columns) == STRUCTURE_COLUMNS
    assert frame["score"].is_monotonic_decreasing
    row = frame.set_index("enterprise")
    assert row.loc["car1", "role"] == "final" and row.loc["car1", "tier"] == 3
    assert row.loc["o1", "role"] == "source" and row.loc["c1", "role"] == "intermediate"
    assert row.loc["car1", "stage"] == "downstream" and row.loc["s1", "stage"] == "upstream"
    assert row.loc["car1", "n_suppliers"] == 3 and row.loc["car1", "n_local_suppliers"] == 2
    assert not row.loc["m1", "in_focal"] and row.loc["c1", "in_focal"]
    assert row.loc["car1", "explanation"] == (
        "整车厂 is a final enterprise at tier 3, segment car (downstream), with 3 "
        "suppliers and 0 buyers")
    assert str(frame["tier"].dtype) == "Int64"


def test_find_structure_stage_column_fallback_and_isolated():
    G = nx.DiGraph([("a", "b")])
    G.add_node("c", stage="upstream")
    G.nodes["a"]["stage"] = "upstream"
    frame = find_structure(G).set_index("enterprise")
    assert frame.loc["a", "stage"] == "upstream" and frame.loc["b", "stage"] is None
    assert frame.loc["c", "role"] == "isolated" and pd.isna(frame.loc["c", "tier"])
    assert "no tier" in frame.loc["c", "explanation"]


@given(chains(max_enterprises=10))
def test_find_structure_does_not_mutate_and_agrees_with_tiers(chain):
    G = chain.to_networkx()
    before = nx.to_dict_of_dicts(G), dict(G.nodes(data=True))
    frame = find_structure(G)
    assert (nx.to_dict_of_dicts(G), dict(G.nodes(data=True))) == before
    assert sorted(frame["enterprise"]) == sorted(G.nodes)
    got = {e: int(t) for e, t in zip(frame["enterprise"], frame["tier"], strict=True)
           if not pd.isna(t)}
    assert got == tiers(G)
    indeg = dict(G.in_degree())
    for e, role, ns in zip(frame["enterprise"], frame["role"], frame["n_suppliers"],
                           strict=True):
        loops = 1 if G.has_edge(e, e) else 0
        assert ns == indeg[e] - loops
        if role == "source":
            assert ns == 0


# --- coverage, completeness, chain length ---------------------------------------------
def test_find_segment_coverage_hand_checked():
    frame = find_segment_coverage(toy_chain(), template=toy_template(), region="本区")
    assert frame["score"].is_monotonic_decreasing
    row = frame.set_index("segment")
    assert not row.loc["motor", "present"] and row.loc["motor", "score"] == 1.0
    assert row.loc["motor", "n_elsewhere"] == 1
    assert row.loc["cell", "n_enterprises"] == 2
    # ore: ore->salt realised, ore->cell possible but not realised
    assert row.loc["ore", "n_links_possible"] == 2
    assert row.loc["ore", "n_links_realised"] == 1
    assert row.loc["ore", "score"] == pytest.approx(0.25)
    assert row.loc["car", "n_suppliers_present"] == 1
    assert row.loc["car", "n_template_suppliers"] == 2
    assert row.index[0] == "motor"
    assert "no enterprise in the focal region" in row.loc["motor", "explanation"]


def _coverage_by_selection(chain, template, region):
    """The coverage counts as first written: pandas selections per template segment
    (an independent reference for the counting on codes and plain lists)."""
    from chaingraph.algorithms.coverage import template_realisation
    from chaingraph.model.roles import enterprise_segments, focal_mask

    focal = focal_mask(chain, region)
    segments = enterprise_segments(chain, template)
    present, edges = template_realisation(chain, template, focal, segments)
    seg = pd.Series(segments if segments is not None
                    else np.full(chain.n_enterprises, None, dtype=object), dtype=object)
    output = pd.Series(chain.column("output").astype(np.float64))
    local_output = output[focal].groupby(seg[focal].to_numpy()).sum(min_count=1)
    rows = {}
    for sid in template.segment_ids:
        ins, outs = edges[edges["buyer"] == sid], edges[edges["supplier"] == sid]
        touching = pd.concat([ins, outs])
        rows[sid] = {
            "present": sid in present,
            "n_enterprises": int((seg[focal] == sid).sum()),
            "n_elsewhere": int((seg[~focal] == sid).sum()),
            "output": float(local_output.get(sid, np.nan)),
            "n_template_suppliers": len(ins),
            "n_suppliers_present": int(ins["supplier"].isin(present).sum()),
            "n_template_buyers": len(outs),
            "n_buyers_present": int(outs["buyer"].isin(present).sum()),
            "n_links_possible": int(touching["possible"].sum()),
            "n_links_realised": int((touching["possible"] & touching["realised"]).sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.mark.filterwarnings("ignore::chaingraph.ChainDataWarning")  # unknown outputs
@given(chains(max_enterprises=14, segments=("ore", "salt", "cell", "car", "motor",
                                            "其他", " cell "), partial_amounts=True),
       st.sampled_from(["本区", "外省", None]))
def test_find_segment_coverage_matches_per_segment_selections(chain, region):
    """Counts on segment codes (blank, unknown and padded segment names, outputs
    partly unknown) are those of a selection per segment."""
    assume(region is None or region in set(chain.column("region", default=None)))
    template = toy_template()
    frame = find_segment_coverage(chain, template=template, region=region)
    expected = _coverage_by_selection(chain, template, region)
    got = frame.set_index("segment").loc[expected.index, expected.columns]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_names=False)
    assert got["output"].isna().tolist() == expected["output"].isna().tolist()


def test_structure_summary_hand_checked():
    s = structure_summary(toy_chain(), template=toy_template(), region="本区")
    assert s["coverage"] == pytest.approx(4 / 5)
    assert s["completeness"] == pytest.approx(3 / 4)
    assert s["n_template_links_possible"] == 4 and s["n_template_links_realised"] == 3
    assert s["chain_length"] == 4
    assert s["longest_local_path"] == ["ore", "salt", "cell", "car"]
    assert s["chain_length_unit"] == "template segments"
    assert s["max_tier"] == 3
    assert (s["n_sources"], s["n_final"], s["n_intermediate"], s["n_isolated"]) == (
        1, 1, 3, 0)
    assert s["n_focal"] == 5 and s["n_focal_links"] == 4
    assert s["has_cycles"] is False and s["n_components"] == 1
    assert s["stage_counts"] == {"upstream": 2, "midstream": 2, "downstream": 1}
    whole = structure_summary(toy_chain())
    assert whole["coverage"] is None and whole["chain_length_unit"] == "segments"


def test_chain_length_counts_a_segment_cycle_once_per_member():
    G = nx.DiGraph([("a1", "b1"), ("b1", "c1"), ("c1", "b2"), ("b2", "d1")])
    nx.set_node_attributes(G, {"a1": "A", "b1": "B", "c1": "C", "b2": "B", "d1": "D"},
                           "segment")
    s = structure_summary(G)
    # B <-> C is a cycle in the segment graph: A, {B, C}, D
    assert s["chain_length"] == 4
    assert s["longest_local_path"] == ["A", "B", "C", "D"]


def test_chain_length_without_segments_counts_enterprises():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "c")])
    s = structure_summary(G)
    assert s["chain_length_unit"] == "enterprises"
    assert s["chain_length"] == 3 and s["longest_local_path"] == ["a", "b", "c"]


def test_chain_length_is_local():
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    nx.set_node_attributes(G, {"a": "A", "b": "B", "c": "C"}, "segment")
    nx.set_node_attributes(G, {"a": "本区", "b": "外省", "c": "本区"}, "region")
    s = structure_summary(G, region="本区")
    assert s["chain_length"] == 1
    assert s["n_focal_links"] == 0


@given(chains(max_enterprises=10, self_loops=True))
def test_summary_engines_agree_and_counts_add_up(chain):
    results = [structure_summary(chain, method=m) for m in METHODS]
    assert all(r == results[0] for r in results)
    s = results[0]
    assert s["n_sources"] + s["n_final"] + s["n_intermediate"] + s["n_isolated"] == (
        chain.n_enterprises)
    G = chain.to_networkx()
    G.remove_edges_from(nx.selfloop_edges(G))
    assert s["has_cycles"] == (not nx.is_directed_acyclic_graph(G))
    assert s["n_components"] == nx.number_weakly_connected_components(G)
    assert 0 <= s["chain_length"] <= chain.n_enterprises


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adding_links_never_shortens_the_chain_or_lowers_completeness_inputs(seed):
    tpl = cg.datasets.load_template("nev")
    chain = cg.datasets.generate_chain(300, seed=seed)
    base = structure_summary(chain, template=tpl)
    rng = np.random.default_rng(seed)
    links = chain.links
    extra = links.iloc[:5].copy()
    extra["supplier"] = rng.choice(chain.ids, 5)
    extra["buyer"] = rng.choice(chain.ids, 5)
    extra = extra[extra["supplier"] != extra["buyer"]]
    extended = chain.with_tables(links=pd.concat([links, extra], ignore_index=True),
                                 duplicates="sum")
    after = structure_summary(extended, template=tpl)
    assert after["chain_length"] >= base["chain_length"]
    assert after["n_template_links_realised"] >= base["n_template_links_realised"]
    assert after["coverage"] == base["coverage"]


def test_generated_chain_with_template():
    tpl = cg.datasets.load_template("nev")
    chain = cg.datasets.generate_chain(2000, seed=7)
    s = structure_summary(chain, template=tpl)
    assert 0 < s["coverage"] <= 1 and 0 <= s["completeness"] <= 1
    assert s["chain_length"] == len(s["longest_local_path"])
    assert set(s["longest_local_path"]) <= set(tpl.segment_ids)
    coverage = find_segment_coverage(chain, template=tpl)
    assert len(coverage) == len(tpl.segment_ids)
    assert coverage["present"].mean() == pytest.approx(s["coverage"])


# --- real data ------------------------------------------------------------------------
def test_willems_chains(shared_data):
    folder = shared_data / "willems"
    numbers = willems_numbers(folder)
    assert len(numbers) == 19
    for number in numbers:
        chain = load_willems(folder, number)
        got = [tiers(chain, method=m) for m in METHODS]
        assert all(g == got[0] for g in got)
        assert_tiers_valid(chain, got[0])
        s = structure_summary(chain)
        assert s["max_tier"] == max(got[0].values())
        assert s["n_final"] >= 1 and s["n_sources"] >= 1
        frame = find_structure(chain)
        assert len(frame) == chain.n_enterprises
        assert np.all(frame["score"].to_numpy()[:-1] >= frame["score"].to_numpy()[1:])


def test_example_structure():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    s = structure_summary(chain, template=tpl, region=chain.meta["focal_region"])
    assert s["n_focal"] == 150
    assert s["n_segments_present"] == 25 and s["n_template_segments"] == 29
    assert s["coverage"] == pytest.approx(25 / 29)
    # the local recycling loop condenses; its segments are listed in reading order
    path = s["longest_local_path"]
    assert path.index("lithium_salts") < path.index("cathode") < path.index(
        "battery_cell") < path.index("battery_pack") < path.index("vehicle_assembly")
    assert s["chain_length"] == len(path)


def test_structure_finders_keep_the_top_rows():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    full = find_structure(chain, template=tpl)
    pd.testing.assert_frame_equal(find_structure(chain, template=tpl, top=3),
                                  full.iloc[:3].reset_index(drop=True))
    coverage = find_segment_coverage(chain, template=tpl, top=5)
    assert len(coverage) == 5 and coverage["score"].is_monotonic_decreasing
