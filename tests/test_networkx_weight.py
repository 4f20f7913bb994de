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
    flow = cg.algorithms.bottlenecks.max_flow(chain, sources=["mine"], final=["plant"])
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
