"""Built-in segment templates: they load, validate and are honest about their basis."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import pandas as pd
import pytest
import yaml

import chaingraph as cg
from chaingraph.datasets import list_templates, load_template

REQUIRED = {"nev", "cosmetics", "electronic_display"}
OPTIONAL = {"aviation", "rail_transit", "green_building_materials", "biomedicine",
            "integrated_circuits"}
NAMES = sorted(list_templates()["id"])


def test_list_templates_has_required_and_optional():
    table = list_templates()
    assert table.columns.tolist() == ["id", "name_zh", "name_en", "n_segments",
                                      "n_edges", "basis"]
    assert set(table["id"]) >= REQUIRED
    assert len(OPTIONAL & set(table["id"])) >= 3
    assert table["id"].is_unique and table["id"].is_monotonic_increasing


def test_list_templates_counts_match_loaded_templates():
    for row in list_templates().itertuples(index=False):
        tpl = load_template(row.id)
        assert (row.n_segments, row.n_edges) == (len(tpl.segments), len(tpl.edges))
        assert row.name_zh == tpl.meta["name_zh"]


@pytest.mark.parametrize("name", NAMES)
def test_template_shape(name):
    tpl = load_template(name)
    assert isinstance(tpl, cg.SegmentTemplate)
    assert tpl.name == name
    assert {"id", "name_zh", "name_en", "stage", "description"} <= set(tpl.segments.columns)
    assert set(tpl.segments.columns) <= {"id", "name_zh", "name_en", "stage", "description",
                                         "service"}
    assert 10 <= len(tpl.segments) <= 40
    assert len(tpl.edges) >= len(tpl.segments) - 1
    stages = set(tpl.segments["stage"])
    assert {"upstream", "downstream"} <= stages
    assert stages <= set(cg.model.STAGES)
    assert tpl.segments["id"].str.fullmatch(r"[a-z][a-z0-9_]*").all(), "snake_case ids"
    for col in ("name_zh", "name_en", "description"):
        assert tpl.segments[col].map(lambda v: isinstance(v, str) and v.strip() != "").all()
    # Chinese names contain CJK characters; English names are ASCII
    assert tpl.segments["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert tpl.segments["name_en"].map(str.isascii).all()
    assert tpl.segments["name_zh"].is_unique and tpl.segments["name_en"].is_unique
    assert tpl.edges["essential"].map(lambda v: isinstance(v, bool)).all()


@pytest.mark.parametrize("name", NAMES)
def test_template_is_connected_and_flows_downstream(name):
    tpl = load_template(name)
    G = tpl.to_networkx()
    assert nx.is_weakly_connected(G)
    # every segment reaches a downstream segment, and every segment without supplier
    # segments is upstream or a producer service (service: true)
    stage = nx.get_node_attributes(G, "stage")
    service = nx.get_node_attributes(G, "service")
    downs = {s for s in G if stage[s] == "downstream"}
    for seg in G:
        assert seg in downs or nx.descendants(G, seg) & downs, seg
        if G.in_degree(seg) == 0:
            assert stage[seg] == "upstream" or service.get(seg) is True, seg
    # upstream segments are never supplied by downstream ones, except in documented loops
    documented = {tuple(c[i:i + 2]) for c in tpl.meta.get("cycles", [])
                  for i in range(len(c) - 1)}
    order = {"upstream": 0, "midstream": 1, "downstream": 2}
    for u, v in G.edges:
        if order[stage[u]] > order[stage[v]]:
            assert (u, v) in documented, f"backward edge {u} -> {v} is not documented"


@pytest.mark.parametrize("name", NAMES)
def test_template_acyclic_or_cycles_documented(name):
    tpl = load_template(name)
    G = tpl.to_networkx()
    cycles = tpl.meta.get("cycles", [])
    if nx.is_directed_acyclic_graph(G):
        assert not cycles
        return
    assert cycles, "a cyclic template must document its cycles"
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        assert all(G.has_edge(u, v) for u, v in itertools.pairwise(cycle))
    # removing one documented edge of each cycle's closing step leaves a DAG
    closing = [(c[0], c[1]) for c in cycles]
    H = G.copy()
    H.remove_edges_from(closing)
    assert nx.is_directed_acyclic_graph(H)
    # and the template's depth is defined despite the cycles
    assert set(tpl.depth) == set(tpl.segment_ids)


@pytest.mark.parametrize("name", NAMES)
def test_template_file_states_its_basis_honestly(name):
    from importlib import resources

    text = resources.files("chaingraph.datasets").joinpath(
        "templates", f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Basis:"), "the file starts with a comment on its basis"
    assert "SIMPLIFIED REFERENCE STRUCTURE" in text and "NOT an official" in text
    data = yaml.safe_load(text)
    assert "simplified" in data["basis"].lower() and "not an official" in data["basis"].lower()
    assert data["id"] == name


def test_nev_template_has_the_segments_the_brief_names():
    tpl = load_template("nev")
    for label in ("锂矿资源", "镍钴资源", "石墨", "正极材料", "负极材料", "电解液", "隔膜",
                  "动力电池电芯", "电池包与电池管理系统", "驱动电机", "电控系统", "功率半导体",
                  "车规级芯片", "传感器与激光雷达", "智能座舱", "自动驾驶域控制器", "热管理系统",
                  "车身与底盘", "轮胎", "整车制造", "充换电设施", "销售与售后服务",
                  "动力电池回收利用"):
        assert tpl.resolve(label) is not None, label
    assert tpl.stage_of("锂矿资源") == "upstream"
    assert tpl.stage_of("整车制造") == "downstream"
    # hand-checked depth: ore 0 -> salts (loop condensed with the cathode chain)
    assert tpl.depth["lithium_resources"] == 0
    assert tpl.depth["charging_infrastructure"] > tpl.depth["battery_pack"]


@pytest.mark.parametrize("name", NAMES)
def test_builtin_template_data_is_pyyaml_safe_load(name):
    """The fast (libyaml) reading gives exactly what yaml.safe_load gives, in order."""
    from chaingraph.model.lookup import builtin_template_data, builtin_templates

    text = builtin_templates()[name].read_text(encoding="utf-8")
    expected = yaml.load(text, Loader=yaml.SafeLoader)
    assert repr(builtin_template_data(name)) == repr(expected)


def test_load_template_returns_independent_copies():
    a, b = load_template("nev"), load_template("nev")
    a.meta["cycles"].append(["x"])
    a.segments.loc[0, "name_en"] = "changed"
    assert b.meta["cycles"] != a.meta["cycles"]
    assert load_template("nev").segments.loc[0, "name_en"] != "changed"


def test_load_template_passes_templates_through():
    tpl = load_template("cosmetics")
    assert load_template(tpl) is tpl


def test_load_template_from_yaml_and_json_paths(tmp_path):
    tpl = load_template("cosmetics")
    data = tpl.to_dict()
    path = tmp_path / "my_chain.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    loaded = load_template(path)
    pd.testing.assert_frame_equal(loaded.segments, tpl.segments)
    pd.testing.assert_frame_equal(loaded.edges, tpl.edges)
    jpath = tmp_path / "other.json"
    data.pop("id")
    jpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_template(str(jpath)).name == "other"   # id defaults to the file name


def test_load_template_errors(tmp_path):
    with pytest.raises(cg.TemplateError, match="no built-in template"):
        load_template("no_such_template")
    bad = tmp_path / "bad.yaml"
    bad.write_text("segments:\n  - {id: a, stage: sideways}\nedges: []\n", encoding="utf-8")
    with pytest.raises(cg.TemplateError, match="stage"):
        load_template(bad)
    with pytest.raises(TypeError):
        load_template(42)
