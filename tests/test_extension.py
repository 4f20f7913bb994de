"""Extension candidates (补链/延链/强链) and target enterprises."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.algorithms.extension import (
    DEFAULT_EXTENSION_WEIGHTS,
    INTERNAL,
    KINDS,
    STRENGTHEN,
    find_extension_candidates,
    find_target_enterprises,
)

# a -> b -> c -> d, b -> e, plus a recycling edge d -> a (downstream back to upstream)
TEMPLATE = cg.SegmentTemplate.from_dict({
    "id": "line", "segments": [
        {"id": "a", "name_zh": "矿", "stage": "upstream"},
        {"id": "b", "name_zh": "材料", "stage": "midstream"},
        {"id": "c", "name_zh": "部件", "stage": "midstream"},
        {"id": "d", "name_zh": "整车", "stage": "downstream"},
        {"id": "e", "name_zh": "其他", "stage": "downstream"},
        {"id": "z", "name_zh": "孤立", "stage": "upstream"}],
    "edges": [["a", "b"], ["b", "c"], ["c", "d"], ["b", "e"], ["d", "a"]]})


def _chain(present: dict[str, int], outside: dict[str, int],
           links: list[tuple[str, str, float]]) -> cg.Chain:
    rows = []
    for region, counts in (("本区", present), ("外省", outside)):
        for seg, k in counts.items():
            for i in range(k):
                rows.append({"id": f"{region}-{seg}{i}", "name": f"{seg}{i}厂",
                             "segment": seg, "region": region,
                             "output": 10.0 * (i + 1)})
    ent = pd.DataFrame(rows)
    lk = pd.DataFrame(links, columns=["supplier", "buyer", "volume"])
    return cg.Chain.from_frames(ent, lk, template=TEMPLATE)


def _gap_chain() -> cg.Chain:
    # focal has a, b, d (not c, not e); outside has c (two firms) and e.
    return _chain({"a": 1, "b": 2, "d": 2}, {"c": 2, "e": 1}, [
        ("本区-a0", "本区-b0", 5.0), ("本区-b0", "外省-c0", 3.0),
        ("外省-c0", "本区-d0", 8.0), ("外省-c1", "本区-d1", 2.0),
        ("外省-c1", "本区-d0", 1.0)])


def test_hand_computed_gap():
    out = find_extension_candidates(_gap_chain(), template=TEMPLATE, region="本区")
    rows = out.set_index(["segment", "kind"])
    c = rows.loc[("c", INTERNAL)]
    # present {a, b, d}: longest template path d->a->b = 3 segments; with c the
    # cycle a->b->c->d->a condenses to one component of 4 segments.
    assert c["chain_length_gain"] == 4 - 3
    assert c["links_repaired"] == 2  # b->c and c->d
    assert c["outside_demand"] == pytest.approx(11.0)  # 8 + 2 + 1 into focal d
    assert c["relatedness"] == pytest.approx(1.0)  # neighbours b, d both present
    assert c["suppliers_present"] == ["b"] and c["buyers_present"] == ["d"]
    assert c["targets"] == ["外省-c0", "外省-c1"]  # 8 > 3 sold into the region
    assert "targets: c0厂, c1厂" in c["explanation"]
    # e: downstream of b only -> downstream extension
    e = rows.loc[("e", "延链 downstream")]
    assert e["links_repaired"] == 1 and e["relatedness"] == 1.0
    assert e["outside_demand"] == 0
    # z: no template neighbour at all -> classed by stage, and says so
    z = rows.loc[("z", "延链 upstream")]
    assert "classed by its stage" in z["explanation"]
    # scores: weighted mean of components normalised by their max over missing;
    # without a relatedness density the four others weigh 0.30, 0.25, 0.25, 0.20
    missing = out[out["kind"] != STRENGTHEN]
    assert missing["relatedness_density"].isna().all()
    four = {"chain_length_gain": 0.30, "links_repaired": 0.25, "outside_demand": 0.25,
            "relatedness": 0.20}
    norm = {k: missing[k] / missing[k].max() for k in four}
    expected = sum(w * norm[k] for k, w in four.items())
    np.testing.assert_allclose(missing["score"], expected)
    assert out.iloc[0]["segment"] == "c"
    assert out["score"].is_monotonic_decreasing
    assert set(out["kind"]) <= set(KINDS)


def test_strengthen_rows():
    out = find_extension_candidates(_gap_chain(), template=TEMPLATE, region="本区")
    strong = out[out["kind"] == STRENGTHEN].set_index("segment")
    # present a (one firm, HHI 1, no outside input: weakness 0.5), b (HHI 5/9, no
    # outside input: 5/18), d (HHI of outputs, 100% outside input). Only d is
    # above mean + std/2 of the weaknesses, and one third of 3 segments is 1.
    assert list(strong.index) == ["d"]
    assert strong.loc["d", "outside_share"] == pytest.approx(1.0)
    assert "100% of its inputs come from outside" in strong.loc["d", "reason"]
    assert strong.loc["d", "score"] == pytest.approx(
        0.5 * (strong.loc["d", "hhi"] + 1.0) / 2)
    # no absolute criterion met -> no 强链 row even when weakest
    relaxed = find_extension_candidates(_gap_chain(), template=TEMPLATE, region="本区",
                                        outside_threshold=1.01, hhi_threshold=1.01)
    assert set(relaxed.loc[relaxed["kind"] == STRENGTHEN, "segment"]) <= {"a"}


def _strengthen_count(chain, template, region) -> tuple[int, int]:
    out = find_extension_candidates(chain, template=template, region=region)
    present = int((cg.find_segment_coverage(
        chain, template=template, region=region)["present"]).sum())
    return int((out["kind"] == STRENGTHEN).sum()), present


def test_strengthen_at_most_a_third_on_the_example():
    chain = cg.datasets.load_example()
    n, present = _strengthen_count(chain, "nev", "明湾示范区")
    assert 0 < n <= present // 3
    out = find_extension_candidates(chain, template="nev", region="明湾示范区")
    scores = out.loc[out["kind"] == STRENGTHEN, "score"]
    assert scores.nunique() == len(scores)  # spread, not one flat 0.5


def test_strengthen_at_most_a_third_on_a_generated_chain():
    chain = cg.datasets.generate_chain(200_000, seed=3)
    n, present = _strengthen_count(chain, "nev", "focal")
    assert present > 10 and n <= present // 3


def test_upstream_extension_and_recycling_edge_ignored():
    # focal has only d: a is upstream of d along forward edges (d -> a is recycling)
    chain = _chain({"d": 1}, {"a": 1}, [("外省-a0", "本区-d0", 1.0)])
    out = find_extension_candidates(chain, template=TEMPLATE, region="本区").set_index("segment")
    assert out.loc["a", "kind"] == "延链 upstream"
    assert out.loc["c", "kind"] == "延链 upstream"
    assert out.loc["e", "kind"] == "延链 downstream"  # stage; no forward relative


def test_filling_a_missing_segment_removes_it():
    chain = _gap_chain()
    before = find_extension_candidates(chain, template=TEMPLATE, region="本区")
    assert "c" in set(before.loc[before["kind"] != STRENGTHEN, "segment"])
    ent = chain.enterprises
    ent.loc[ent["id"] == "外省-c0", "region"] = "本区"
    after = find_extension_candidates(chain.with_tables(ent), template=TEMPLATE, region="本区")
    assert "c" not in set(after.loc[after["kind"] != STRENGTHEN, "segment"])


@given(st.sets(st.sampled_from(list("abcdez")), min_size=1, max_size=5), st.data())
def test_filling_any_missing_segment_removes_it_property(present, data):
    chain = _chain(dict.fromkeys(present, 1), dict.fromkeys("abcdez", 1), [])
    out = find_extension_candidates(chain, template=TEMPLATE, region="本区")
    missing = set(out.loc[out["kind"] != STRENGTHEN, "segment"])
    assert missing == set("abcdez") - present
    if not missing:
        return
    fill = data.draw(st.sampled_from(sorted(missing)))
    grown = _chain(dict.fromkeys(present | {fill}, 1), dict.fromkeys("abcdez", 1), [])
    after = find_extension_candidates(grown, template=TEMPLATE, region="本区")
    assert set(after.loc[after["kind"] != STRENGTHEN, "segment"]) == missing - {fill}
    assert after["score"].between(0, 1).all()


def test_target_enterprises_ranked_by_supply_then_output():
    chain = _chain({"d": 1}, {"c": 3}, [("外省-c0", "本区-d0", 2.0)])
    out = find_target_enterprises(chain, segment="部件", region="本区", template=TEMPLATE)
    # c0 sells into the region; c2 (output 30) before c1 (output 20)
    assert out["enterprise"].tolist() == ["外省-c0", "外省-c2", "外省-c1"]
    assert out["score"].tolist() == [1.0, 0.0, 0.0]
    assert "already sells 2 yuan to 1 focal" in out["explanation"][0]
    assert "does not sell into the region yet" in out["explanation"][1]
    assert find_target_enterprises(chain, segment="c", region="本区", top=1).shape[0] == 1
    # whole chain focal: nobody is outside
    assert find_target_enterprises(chain, segment="c").empty


def test_example_finds_designed_missing_segments():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    out = find_extension_candidates(chain, template=tpl, region="明湾示范区")
    missing = set(out.loc[out["kind"] != STRENGTHEN, "segment"])
    assert missing == {"lithium_resources", "nickel_cobalt",
                       "semiconductor_materials", "automotive_chips"}
    strong = out[out["kind"] == STRENGTHEN].set_index("segment")
    assert "only one focal enterprise" in strong.loc["battery_pack", "reason"]
    chips = out.set_index("segment").loc["automotive_chips"]
    assert len(chips["targets"]) == 5
    assert chips["outside_demand"] > 0


def test_bad_weights_and_no_mutation():
    chain = _gap_chain()
    G = chain.to_networkx()
    snapshot = nx.node_link_data(G, edges="links")
    find_extension_candidates(G, template=TEMPLATE, region="本区")
    assert nx.node_link_data(G, edges="links") == snapshot
    with pytest.raises(ValueError, match="unknown extension weight"):
        find_extension_candidates(chain, template=TEMPLATE, weights={"size": 1})
    with pytest.raises(ValueError, match="positive sum"):
        find_extension_candidates(chain, template=TEMPLATE,
                                  weights=dict.fromkeys(DEFAULT_EXTENSION_WEIGHTS, 0))


@given(st.permutations(list(range(8))))
def test_relabelling_invariance(order):
    chain = _gap_chain()
    ids = list(chain.ids)
    mapping = {old: f"企业{order[i]}" for i, old in enumerate(ids)}
    G = nx.relabel_nodes(chain.to_networkx(), mapping)
    before = find_extension_candidates(chain, template=TEMPLATE, region="本区")
    after = find_extension_candidates(G, template=TEMPLATE, region="本区")
    key = ["segment", "kind"]
    a = before.set_index(key).sort_index()
    b = after.set_index(key).sort_index()
    np.testing.assert_allclose(a["score"], b["score"])
    assert [[mapping[t] for t in ts] for ts in a["targets"]] == list(b["targets"])
