"""The resolved context (model.context), the one template resolver (model.lookup), the
stage precedence (model.roles) and the chain's own cache and immutability."""

from __future__ import annotations

import copy
import pickle

import networkx as nx
import numpy as np
import pytest

import chaingraph as cg
from chaingraph.algorithms.common import labels_of, ranked
from chaingraph.model.context import ChainContext, on_template, resolve
from chaingraph.model.lookup import as_template, load_template, read_template_file
from chaingraph.model.roles import enterprise_segments, enterprise_stages, select
from chaingraph.model.template import condensed_levels


def _chain() -> cg.Chain:
    G = nx.DiGraph([("m", "c"), ("c", "v")])
    G.nodes["m"].update(segment="锂矿资源", region="外省")  # Chinese name of a segment
    G.nodes["c"].update(segment="battery_cell", region="本区", stage="upstream")
    G.nodes["v"].update(segment="Vehicle assembly", region="本区")  # English name
    return cg.as_chain(G)


# ----------------------------------------------------------------- template lookup
def test_one_resolver_for_objects_names_and_files(tmp_path):
    tpl = load_template("nev")
    assert as_template(tpl) is tpl and as_template(None) is None
    assert as_template("nev").segment_ids == tpl.segment_ids
    path = cg.write_template(tpl, tmp_path / "mine.yaml")
    assert as_template(path).segment_ids == tpl.segment_ids
    assert cg.datasets.as_template(str(path)).segment_ids == tpl.segment_ids
    with pytest.raises(cg.TemplateError, match="built-in"):
        as_template("no_such_template")
    with pytest.raises(TypeError):
        as_template(3)  # type: ignore[arg-type]


def test_a_file_without_id_is_named_after_the_file_everywhere(tmp_path):
    path = tmp_path / "toy.json"
    path.write_text('{"segments": [{"id": "ore", "stage": "upstream"}]}',
                    encoding="utf-8")
    assert read_template_file(path).name == "toy"
    assert cg.read_template(path).name == "toy"
    assert as_template(str(path)).name == "toy"


# ----------------------------------------------------------------- the context
def test_resolve_maps_segment_names_once_and_checks_the_region():
    chain = _chain()
    ctx = resolve(chain, template="nev", region="本区")
    assert isinstance(ctx, ChainContext) and ctx.template.name == "nev"
    assert ctx.chain.column("segment", default=None).tolist() == [
        "lithium_resources", "battery_cell", "vehicle_assembly"]
    assert ctx.focal.tolist() == [False, True, True]
    assert ctx.roles.sources.tolist() == [True, False, False]
    assert resolve(ctx) is ctx
    # the mapped chain is kept in the original chain's cache, per template object
    assert on_template(chain, ctx.template) is ctx.chain
    with pytest.raises(ValueError, match="nowhere"):
        resolve(chain, region="nowhere")


def test_resolve_without_template_keeps_the_chain():
    chain = _chain()
    assert resolve(chain).chain is chain
    example = cg.datasets.load_example()
    assert resolve(example, template="nev").chain is example  # ids already


def test_resolve_does_not_mutate_a_graph():
    G = nx.DiGraph([("a", "b")])
    G.nodes["a"]["segment"] = "整车制造"
    before = copy.deepcopy(dict(G.nodes(data=True)))
    resolve(G, template="nev")
    assert dict(G.nodes(data=True)) == before


# ----------------------------------------------------------------- stage precedence
def test_stage_cell_first_then_template_then_unknown():
    chain = _chain()
    tpl = load_template("nev")
    segments = enterprise_segments(chain, tpl)
    assert segments.tolist() == ["lithium_resources", "battery_cell", "vehicle_assembly"]
    stages = enterprise_stages(chain, tpl)
    # c has its own stage cell (upstream, not the template's midstream)
    assert stages.tolist() == ["upstream", "upstream", "downstream"]
    assert enterprise_stages(chain, None).tolist() == [None, "upstream", None]
    # the structure table and the stage selector agree on it
    table = cg.find_structure(chain, template=tpl).set_index("enterprise")
    assert table.loc["c", "stage"] == "upstream"
    mask = select(chain, {"stage": "upstream"}, template=tpl)
    assert mask.tolist() == [True, True, False]


# ----------------------------------------------------------------- chain cache
def test_chain_cache_is_per_chain_and_not_pickled():
    chain = _chain()
    calls = []
    assert chain.cached("k", lambda: calls.append(1) or 5) == 5
    assert chain.cached("k", lambda: calls.append(1) or 6) == 5
    assert calls == [1]
    other = chain.with_tables()
    assert other.cached("k", lambda: 7) == 7  # a new chain starts empty
    back = pickle.loads(pickle.dumps(chain))
    assert back.cached("k", lambda: 8) == 8
    assert back.ids.tolist() == chain.ids.tolist()


def test_chain_is_immutable():
    chain = _chain()
    with pytest.raises(AttributeError, match="immutable"):
        chain._links = chain.links  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        chain.anything = 1  # type: ignore[attr-defined]
    assert copy.deepcopy(chain).n_links == chain.n_links


def test_has_column():
    chain = _chain()
    assert chain.has_column("stage") and not chain.has_column("output")
    assert not chain.has_column("volume", table="links")


# ----------------------------------------------------------------- shared helpers
def test_condensed_levels_against_networkx_longest_path():
    G = nx.gnp_random_graph(30, 0.08, seed=4, directed=True)
    levels = condensed_levels(G, count_members=True)
    C = nx.condensation(G)
    sizes = {c: len(C.nodes[c]["members"]) for c in C}
    for node in G:
        c = C.graph["mapping"][node]
        ancestors = nx.ancestors(C, c) | {c}
        D = C.subgraph(ancestors)
        best = max(sum(sizes[x] for x in path) for source in D if D.in_degree(source) == 0
                   for path in nx.all_simple_paths(D, source, c)) if D.in_degree(c) else \
            sizes[c]
        assert levels[node] == best
    depth = condensed_levels(G)
    assert all(depth[u] < depth[v] or C.graph["mapping"][u] == C.graph["mapping"][v]
               for u, v in G.edges)


def test_ranked_and_labels():
    import pandas as pd

    frame = pd.DataFrame({"x": ["a", "b", "c"], "score": [0.1, 0.9, 0.9]})
    assert ranked(frame, ["x", "score"])["x"].tolist() == ["b", "c", "a"]
    assert ranked(frame, ["x"], top=1)["x"].tolist() == ["b"]
    assert ranked(frame.iloc[:0], ["x", "score"]).columns.tolist() == ["x", "score"]
    G = nx.DiGraph([("a", "b")])
    G.nodes["a"]["name"] = "甲公司"
    G.nodes["b"]["name"] = "  "
    assert labels_of(cg.as_chain(G)).tolist() == ["甲公司", "b"]
    assert labels_of(cg.as_chain(G), np.array([1])).tolist() == ["b"]


def test_selectors_that_match_nothing_are_errors():
    """--sources segment:不存在 gave no sources and a maximum flow of 0, silently;
    stages may be named in Chinese (上游)."""
    chain = cg.datasets.load_example()
    with pytest.raises(ValueError, match="segment '不存在' names no enterprise"):
        cg.max_flow(chain, template="nev", sources={"segment": "不存在"})
    with pytest.raises(ValueError, match=r"region '火星' names no enterprise.*明湾示范区"):
        cg.max_flow(chain, template="nev", final={"region": "火星"})
    by_name = cg.max_flow(chain, template="nev", sources={"stage": "上游"})
    by_code = cg.max_flow(chain, template="nev", sources={"stage": "upstream"})
    assert by_name.value == by_code.value > 0


def test_a_selector_on_a_missing_column_says_so():
    chain = cg.as_chain(nx.DiGraph([("a", "b", {"volume": 1.0})]))
    with pytest.raises(ValueError, match="needs a 'segment' column"):
        cg.max_flow(chain, sources={"segment": "x"})
