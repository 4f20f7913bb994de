"""Input-output finders: key sectors, extraction, induced output, the sector chain."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.algorithms.input_output import (
    KEY_SECTOR_KINDS,
    find_extraction,
    find_implied_links,
    find_induced_output,
    find_key_sectors,
)

MB = cg.IOTable([[150, 500], [200, 100]], x=[1000, 2000], sectors=["农业", "工业"])


def test_key_sectors_hand_computed_miller_blair():
    # backward = 2 (1^T L) / (1^T L 1) = (1.0222, 0.9778); forward (Ghosh) =
    # 2 (G 1) / (1^T G 1) = (1.2083, 0.7917): 农业 is key, 工业 neither
    out = find_key_sectors(MB)
    assert out["sector"].tolist() == ["农业", "工业"]
    assert out["key_sector"].tolist() == ["key", "neither"]
    assert out["backward_linkage"].round(4).tolist() == [1.0222, 0.9778]
    assert out["forward_linkage"].round(4).tolist() == [1.2083, 0.7917]
    assert (out["score"] == np.minimum(out["backward_linkage"], out["forward_linkage"])).all()


def test_linkage_of_exactly_one_is_not_above_average():
    # a symmetric economy: every linkage is exactly the average, 1
    t = cg.IOTable([[10, 5], [5, 10]], x=[30, 30])
    out = find_key_sectors(t)
    assert np.allclose(out[["backward_linkage", "forward_linkage"]], 1.0)
    assert set(out["key_sector"]) == {"neither"}


def test_key_sector_kinds_cover_all_four():
    out = cg.sector_indicators(cg.datasets.load_example_io_table())
    assert set(out["key_sector"]) <= set(KEY_SECTOR_KINDS)
    assert set(out["key_sector"]) == set(KEY_SECTOR_KINDS)
    back, fwd = out["backward_linkage"] > 1, out["forward_linkage"] > 1
    assert ((out["key_sector"] == "key") == (back & fwd)).all()
    assert ((out["key_sector"] == "backward") == (back & ~fwd)).all()


def test_sector_indicators_agree_with_table_methods():
    t = cg.datasets.load_example_io_table()
    out = cg.sector_indicators(t)
    assert np.allclose(out["output_multiplier"], t.L.to_numpy().sum(axis=0))
    assert np.allclose(out["downstreamness"], out["output_multiplier"])
    assert np.allclose(out["upstreamness"], t.upstreamness())
    ext = t.extraction()
    assert np.allclose(out["extraction_backward"], ext["extraction_backward"])


def test_find_extraction_sorted_and_shares():
    out = find_extraction(cg.datasets.load_example_io_table())
    assert out["score"].is_monotonic_decreasing
    assert out["sector"].iloc[0] == "制造业"
    total = cg.datasets.load_example_io_table().x.sum()
    assert np.allclose(out["extraction_backward_share"], out["extraction_backward"] / total)
    assert (out[["extraction_backward", "extraction_forward"]] >= 0).all().all()
    assert find_extraction(MB, top=1).shape[0] == 1


def test_induced_output_sums_to_gross_output():
    idx = pd.MultiIndex.from_product([["北", "南"], ["a", "b"]])
    Z = pd.DataFrame([[10, 5, 2, 0], [4, 10, 0, 1], [1, 0, 8, 6], [0, 2, 3, 12]],
                     index=idx, columns=idx, dtype=float)
    Y = pd.DataFrame([[30, 3], [20, 5], [4, 41], [2, 11]], index=idx, dtype=float,
                     columns=pd.MultiIndex.from_tuples([("北", "fd"), ("南", "fd")]))
    t = cg.IOTable(Z, Y)
    out = find_induced_output(t)
    assert out["output"].sum() == pytest.approx(t.x.sum())
    assert out["value_added"].sum() == pytest.approx(t.value_added.sum())
    # value added induced by a region's demand equals that demand (closed world)
    by_dest = out.groupby("demand_region")["value_added"].sum()
    assert by_dest["北"] == pytest.approx(Y[("北", "fd")].sum())
    assert set(out.loc[out["in_trade"], "region"]) == {"北", "南"}
    with pytest.raises(ValueError, match="multi-regional"):
        find_induced_output(MB)


def test_sector_chain_volumes_and_threshold():
    t = cg.datasets.load_example_io_table()
    chain = cg.sector_chain(t)
    Z = t.Z
    expected = {(i, j) for i in Z.index for j in Z.columns if i != j and Z.at[i, j] > 0}
    got = set(zip(chain.links["supplier"], chain.links["buyer"], strict=True))
    assert got == expected
    row = chain.links.iloc[0]
    assert row["volume"] == Z.at[row["supplier"], row["buyer"]]
    small = cg.sector_chain(t, threshold=0.05)
    assert (small.links["coefficient"] > 0.05).all()
    assert small.n_links < chain.n_links
    with_loops = cg.sector_chain(t, self_loops=True)
    assert with_loops.n_links == chain.n_links + int((np.diag(Z) > 0).sum())
    # every chain analysis runs on it
    assert len(cg.find_bottlenecks(chain)) > 0
    assert chain.enterprises.set_index("id")["output"].to_dict() == t.x.to_dict()


def _firms():
    G = nx.DiGraph()
    G.add_nodes_from([("f1", {"segment": "farm", "output": 10.0}),
                      ("f2", {"segment": "farm", "output": 30.0}),
                      ("m1", {"segment": "mill", "output": 40.0}),
                      ("m2", {"segment": "mill", "output": 20.0})])
    G.add_edge("f1", "m1", volume=3.0)
    return G


def test_implied_links_hand_case():
    G = _firms()
    before = nx.to_dict_of_dicts(G)
    out = find_implied_links(G, table=MB, sectors={"farm": "农业", "mill": "工业"})
    # farm -> mill (A = .25): m2 has no farm supplier -> from f2 (largest farm);
    # m1 already buys from farm. mill -> farm (A = .20): f1, f2 get m1 (largest mill)
    assert sorted(zip(out["supplier"], out["buyer"], strict=True)) == [
        ("f2", "m2"), ("m1", "f1"), ("m1", "f2")]
    assert out["score"].tolist() == sorted(out["score"], reverse=True)
    assert out.loc[out["buyer"] == "m2", "volume"].item() == pytest.approx(0.25 * 20)
    assert nx.to_dict_of_dicts(G) == before
    assert find_implied_links(G, table=MB, sectors={"farm": "农业", "mill": "工业"},
                              threshold=0.22)["buyer"].tolist() == ["m2"]


def test_complete_links_marks_inferred():
    done = cg.complete_links(_firms(), table=MB, sectors={"farm": "农业", "mill": "工业"})
    links = done.links
    assert links["inferred"].sum() == 3
    assert links.loc[~links["inferred"], ["supplier", "buyer"]].values.tolist() == [
        ["f1", "m1"]]
    with pytest.raises(ValueError, match="not in the table"):
        cg.complete_links(_firms(), table=MB, sectors={"farm": "林业"})
