"""networkx habits: the edge ``weight`` attribute is the volume (issue 10)."""

from __future__ import annotations

import warnings

import networkx as nx
import pytest

import chaingraph as cg
from chaingraph.exceptions import ChainDataError, ChainDataWarning


def _graph(attr="weight"):
    G = nx.DiGraph()
    G.add_edge("mine", "smelter", **{attr: 5.0})
    G.add_edge("smelter", "plant", **{attr: 3.0})
    return G


def test_weight_attribute_is_the_volume():
    G = _graph()
    before = nx.to_dict_of_dicts(G)
    chain = cg.as_chain(G)
    assert chain.links["volume"].tolist() == [5.0, 3.0]
    assert "weight" not in chain.links.columns
    assert nx.to_dict_of_dicts(G) == before  # the graph is not changed
    # volume-weighted analyses now see the weights: max flow is limited by 3
    flow = cg.max_flow(chain, sources=["mine"], final=["plant"])
    assert flow.value == pytest.approx(3.0)


def test_volume_attribute_wins_over_weight():
    G = _graph("volume")
    nx.set_edge_attributes(G, 1.0, "weight")
    assert cg.as_chain(G).links["volume"].tolist() == [5.0, 3.0]


def test_weight_keyword_chooses_another_attribute():
    G = _graph("amount")
    nx.set_edge_attributes(G, 1.0, "weight")
    chain = cg.Chain.from_networkx(G, weight="amount")
    assert chain.links["volume"].tolist() == [5.0, 3.0]
    with pytest.raises(ChainDataError, match="tonnes"):
        cg.Chain.from_networkx(G, weight="tonnes")


def test_unit_weights_only_with_a_one_line_warning():
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    with pytest.warns(ChainDataWarning, match="no edge 'weight' or 'volume'") as caught:
        chain = cg.as_chain(G)
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    assert "volume" not in chain.links.columns
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cg.Chain.from_networkx(G, weight=None)


def _two_routes(attr="weight"):
    """Two source-to-final routes, through a (9) and b (1)."""
    G = nx.DiGraph()
    for s, mid, f, w in (("s1", "a", "f1", 9.0), ("s2", "b", "f2", 1.0)):
        G.add_edge(s, mid, **{attr: w})
        G.add_edge(mid, f, **{attr: w})
    return G


@pytest.mark.parametrize("attr", ["weight", "cost"])
def test_analyses_weight_keyword_names_the_graph_attribute(attr):
    """weight= on a networkx graph picks the edge attribute (it had been looked up
    as a link column after the conversion renamed it: uniform weights, silently)."""
    G = _two_routes(attr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the attribute was chosen: no unit-weight warning
        tc = cg.throughput_centrality(G, weight=attr)
    if attr == "weight":  # the graph's volume: the flow uses it too
        table = cg.find_bottlenecks(G, weight=attr, seed=0)
    else:  # the flow's capacities are unit weights: said once
        with pytest.warns(ChainDataWarning, match="every link weighs 1"):
            table = cg.find_bottlenecks(G, weight=attr, seed=0)
    assert tc["a"] == pytest.approx(0.81) and tc["b"] == pytest.approx(0.01)
    hubs = table[table["kind"] == "throughput_hub"]
    assert hubs["enterprise"].tolist() == ["a"]
    assert hubs["score"].tolist() == pytest.approx([0.81])
    # the same numbers as the chain with that attribute as its volume
    chain = cg.Chain.from_networkx(G, weight=attr)
    assert cg.throughput_centrality(chain)["a"] == pytest.approx(tc["a"])


def test_weight_none_and_unknown_names():
    G = _two_routes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cg.throughput_centrality(G, weight=None)["a"] == pytest.approx(0.25)
    with pytest.raises(ChainDataError, match="tonnes"):
        cg.throughput_centrality(G, weight="tonnes")
    with pytest.raises(ChainDataError, match="no link column or edge attribute 'tonnes'"):
        cg.find_throughput(cg.as_chain(G), weight="tonnes")  # a typo is not unit weights


def test_unit_weight_warning_names_the_callers_line():
    """Raised deep inside an analysis, the warning names this file, not the library."""
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    with pytest.warns(ChainDataWarning, match="no edge 'weight'") as caught:
        cg.throughput_centrality(G)
    assert [w.filename for w in caught] == [__file__]
    with pytest.warns(ChainDataWarning) as caught:
        cg.as_chain(G)
    assert caught[0].filename == __file__


def test_attributes_named_like_the_ends_are_named_or_kept():
    """A node's 'id' and an edge's 'supplier'/'buyer' attributes were dropped without
    a word; a mapping keeps them under another name."""
    G = nx.DiGraph()
    G.add_node("n1", id="X-001")
    G.add_node("n2", id="X-002")
    G.add_edge("n1", "n2", supplier="someone", volume=3.0)
    with pytest.warns(ChainDataWarning, match="node attribute 'id', edge attribute "
                      "'supplier' not kept") as caught:
        chain = cg.as_chain(G)
    assert caught[0].filename == __file__
    assert chain.links[["supplier", "buyer"]].values.tolist() == [["n1", "n2"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = cg.Chain.from_networkx(G, mapping={"id": "code", "supplier": "who"})
    assert kept.enterprises["code"].tolist() == ["X-001", "X-002"]
    assert kept.links[["supplier", "buyer", "who"]].values.tolist() == [
        ["n1", "n2", "someone"]]


def test_weight_picks_throughput_weights_not_the_flow_capacities():
    """weight= of find_bottlenecks weighs the throughput: the maximum flow keeps the
    graph's volumes (weight=None had made it count links), and weight='weight' on a
    graph with volumes too is the weight attribute (the volume had won)."""
    G = nx.DiGraph()
    for u, v, w in (("s", "a", 3.0), ("s", "b", 10.0), ("a", "f", 10.0), ("b", "f", 3.0)):
        G.add_edge(u, v, weight=w)
    table = cg.find_bottlenecks(G, weight=None, seed=0)
    cut = table[table["kind"] == "min_cut"]
    assert cut["score"].sum() == pytest.approx(1.0)
    assert cg.max_flow(G).value == pytest.approx(6.0)  # the weights as capacities
    assert "maximum flow of 6" in " ".join(cut["explanation"])
    H = nx.DiGraph()
    for s, mid, v, w in (("s1", "h1", 1.0, 100.0), ("s2", "h2", 100.0, 1.0)):
        H.add_edge(s, mid, volume=v, weight=w)
        H.add_edge(mid, "f", volume=v, weight=w)
    by_weight = cg.throughput_centrality(H, weight="weight")
    by_volume = cg.throughput_centrality(H)
    assert by_weight["h1"] == pytest.approx(100 / 101) == 1 - by_volume["h1"]


def test_a_mapping_onto_a_link_end_is_an_error():
    """mapping={'from': 'supplier'} silently rewired links (a reviewer's probe)."""
    G = nx.DiGraph([("a", "b", {"from": "c", "volume": 1.0})])
    G.add_node("c")
    with pytest.raises(ValueError, match="link end"):
        cg.Chain.from_networkx(G, mapping={"from": "supplier"})


def test_a_chains_own_weight_column_keeps_its_meaning_through_networkx():
    """A chain with a free-form link column `weight` (tonnes, say) and no volume:
    to_networkx -> from_networkx read it as the volume (money) by the networkx habit.
    The graph now says it is the chain's own column; other graphs are unchanged."""
    import pandas as pd

    chain = cg.Chain.from_frames(pd.DataFrame({"id": ["a", "b", "c"]}), pd.DataFrame(
        {"supplier": ["a", "b"], "buyer": ["b", "c"], "weight": [3.0, 4.0]}))
    G = chain.to_networkx()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no unit-weight warning
        back = cg.Chain.from_networkx(G)
    assert back.links.columns.tolist() == ["supplier", "buyer", "weight"]
    assert back.links["weight"].tolist() == [3.0, 4.0]
    assert back.meta == chain.meta and "chaingraph_weight_is_volume" not in back.meta
    assert "chaingraph_weight_is_volume" in G.graph
    # a chain with a volume: no mark; the weight column stays beside the volume
    both = chain.with_tables(links=chain.links.assign(volume=[1.0, 2.0]))
    H = both.to_networkx()
    assert "chaingraph_weight_is_volume" not in H.graph
    assert cg.Chain.from_networkx(H).links["volume"].tolist() == [1.0, 2.0]
    # any other graph: weight is the volume, as before
    assert cg.as_chain(_graph()).links["volume"].tolist() == [5.0, 3.0]


def test_a_mapping_onto_an_attribute_the_edge_has_is_an_error():
    """mapping={"amount": "volume"} on edges that also have a volume kept, per edge,
    whichever came later in its attribute dict, without a word."""
    G = nx.DiGraph([("a", "b", {"amount": 2.0, "volume": 5.0}), ("b", "c", {"amount": 1.0})])
    with pytest.raises(ValueError, match=r"renames the edge attribute 'amount' to "
                       r"'volume', which that edge already has \(e.g. \('a', 'b'\)\)"):
        cg.Chain.from_networkx(G, mapping={"amount": "volume"})
    both = cg.Chain.from_networkx(G, mapping={"amount": "volume", "volume": "listed"})
    assert both.links["volume"].tolist() == [2.0, 1.0]
    assert both.links["listed"].tolist()[0] == 5.0
    H = nx.DiGraph()
    H.add_node("a", size=1, scale=2)
    H.add_edge("a", "b")
    with pytest.raises(ValueError, match="node attribute 'size' to 'scale'"):
        cg.Chain.from_networkx(H, mapping={"size": "scale"}, weight=None)
    # no collision: as before
    G.remove_edge("a", "b")
    assert cg.Chain.from_networkx(G, mapping={"amount": "volume"}).links[
        "volume"].tolist() == [1.0]


def test_a_graph_changed_after_to_networkx_says_so():
    """The mark that a graph's weight is the chain's own column survives G.copy()
    and subgraphs: a user who then set real weights got them as a column, silently."""
    import pandas as pd

    chain = cg.Chain.from_frames(pd.DataFrame({"id": ["a", "b", "c"]}), pd.DataFrame(
        {"supplier": ["a", "b"], "buyer": ["b", "c"], "weight": [3.0, 4.0]}))
    G = chain.to_networkx()
    assert G.graph["chaingraph_weight_check"] == [2, 2, 7.0]
    H = G.copy()  # a copy left as it was: still a round trip, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cg.Chain.from_networkx(H).links["weight"].tolist() == [3.0, 4.0]
    for u, v in H.edges:
        H.edges[u, v]["weight"] = 10.0
    with pytest.warns(ChainDataWarning, match=r"the edges changed since \(2 edges, 2 with "
                      r"a weight summing to 7 then; 2 edges, 2 summing to 20 now\)"):
        back = cg.Chain.from_networkx(H)
    assert "volume" not in back.links.columns and "chaingraph_weight_check" not in back.meta
    sub = G.edge_subgraph([("a", "b")])
    with pytest.warns(ChainDataWarning, match="1 edges, 1 summing to 3 now"):
        cg.Chain.from_networkx(sub)
    del H.graph["chaingraph_weight_is_volume"]  # as the warning says: read as the volume
    assert cg.Chain.from_networkx(H).links["volume"].tolist() == [10.0, 10.0]
