"""The 19 real Willems (2008) chains, loaded through the public loaders."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from willems import STAGE_CLASSES, load_willems, willems_numbers

from chaingraph.algorithms.roles import resolve_roles
from chaingraph.readwrite import read_chain, write_chain


def _raw(folder, number):
    """Stages, supplier lists and distinct pairs, straight from the CSV text."""
    lines = (folder / f"willems_{number}.csv").read_text("utf-8").splitlines()
    stages, suppliers = [], {}
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split(",")
        stages.append(cells[0])
        suppliers[cells[0]] = [c for c in cells[8::2] if c]
    pairs = {(s, b) for b, sup in suppliers.items() for s in sup}
    return stages, suppliers, pairs


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "willems"


def test_all_nineteen_chains_are_present(folder):
    numbers = willems_numbers(folder)
    assert len(numbers) == 19
    assert numbers[0] == "01" and numbers[-1] == "37"


@pytest.mark.parametrize("number", [f"{k:02d}" for k in range(1, 38, 2)])
def test_willems_chain_matches_raw_text(folder, number):
    chain = load_willems(folder, number)
    stages, suppliers, pairs = _raw(folder, number)
    assert chain.n_enterprises == len(stages) == len(set(stages))
    assert chain.n_links == len(pairs)
    assert set(chain.ids) == set(stages)
    got = set(map(tuple, chain.links[["supplier", "buyer"]].to_numpy().tolist()))
    assert got == pairs
    assert set(chain.enterprises["segment"]) <= set(STAGE_CLASSES)
    G = chain.to_networkx()
    assert nx.is_directed_acyclic_graph(G)
    # roles: sources = used stages with no up-stages; final = stages nobody supplies
    used = {s for s, _ in pairs}
    roles = resolve_roles(chain)
    ids = chain.ids
    assert set(ids[roles.sources]) == {s for s in stages if not suppliers[s] and s in used}
    linked = used | {b for _, b in pairs}
    assert set(ids[roles.final]) == {s for s in stages if s not in used and s in linked}
    assert set(ids[roles.isolated]) == set(stages) - linked
    # every demand point (Retail stage) is a final producer in these chains
    retail = np.array([str(i).startswith("Retail") for i in ids])
    assert roles.final[retail].all()


def test_willems_attributes_and_round_trip(folder, tmp_path):
    # sizes published in the data set's README: chain 01 and chain 37
    small = load_willems(folder, 1)
    assert (small.n_enterprises, small.n_links) == (8, 10)
    chain = load_willems(folder, "37")
    assert chain.n_enterprises == 1479 and chain.n_links == 2069
    ent = chain.enterprises
    assert ent["lead_time"].dtype == np.float64
    assert chain.links["units"].dtype == np.float64
    back = read_chain(write_chain(chain, tmp_path / "w37", format="parquet"))
    assert back.n_links == chain.n_links and back.meta["name"] == "willems_37"
    assert back.enterprises["lead_time"].equals(ent["lead_time"])
