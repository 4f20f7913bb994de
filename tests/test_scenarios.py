"""Random failures, targeted attacks, resilience curves and chain comparisons."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.algorithms.propagation import simulate_shock
from chaingraph.algorithms.scenarios import (
    compare_chains,
    resilience_curve,
    simulate_random_failures,
)
from chaingraph.algorithms.systemic_risk import systemic_risk


@pytest.fixture(scope="module")
def chain():
    return cg.datasets.generate_chain(300, seed=5)


@pytest.fixture(scope="module")
def template():
    return cg.datasets.load_template("nev")


def test_random_failures_seeded_and_consistent(chain, template):
    a = simulate_random_failures(chain, n_failures=3, runs=30, seed=7, template=template)
    b = simulate_random_failures(chain, n_failures=3, runs=30, seed=7, template=template)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_random_failures(chain, n_failures=3, runs=30, seed=8, template=template)
    assert a["failed"].tolist() != c["failed"].tolist()
    assert a["output_lost"].between(0, 1).all()
    assert all(len(set(f)) == 3 for f in a["failed"])
    # each run equals the single-scenario simulation of the same failures
    for row in a.head(3).itertuples():
        one = simulate_shock(chain, row.failed, template=template)
        assert row.output_lost == pytest.approx(one.esri, abs=1e-12)
        assert row.iterations == one.iterations
    # one failure per run reproduces ESRI
    single = simulate_random_failures(chain, runs=10, seed=1, template=template)
    ids = [f[0] for f in single["failed"]]
    esri = systemic_risk(chain, enterprises=ids, template=template)
    np.testing.assert_allclose(single["output_lost"], esri["esri"], atol=1e-12)


def test_random_failures_candidates_and_errors(chain):
    seg = chain.enterprises["segment"].iloc[0]
    runs = simulate_random_failures(chain, n_failures=2, runs=5, seed=0,
                                    candidates={"segment": seg})
    members = set(chain.enterprises.loc[chain.enterprises["segment"] == seg, "id"])
    assert all(set(f) <= members for f in runs["failed"])
    with pytest.raises(ValueError, match="n_failures"):
        simulate_random_failures(chain, n_failures=0)
    with pytest.raises(TypeError, match="unexpected"):
        simulate_random_failures(chain, runs=2, colour="red")


def test_resilience_curve_shapes_and_monotonicity(chain, template):
    curve = resilience_curve(chain, strategies=["random", "esri", "output", "degree"],
                             steps=5, max_fraction=0.1, runs=8, seed=0,
                             template=template, tol=1e-9)
    assert list(curve.columns) == ["strategy", "n_removed", "fraction_removed",
                                   "output_kept", "output_kept_low", "output_kept_high"]
    assert curve.groupby("strategy").size().to_dict() == {
        "random": 5, "esri": 5, "output": 5, "degree": 5}
    for _, part in curve.groupby("strategy"):
        assert (np.diff(part["n_removed"]) > 0).all()
        # nested removal sets: targeted curves never go up (random: on average)
        assert (np.diff(part["output_kept"]) <= 1e-6).all()
        assert (part["output_kept_low"] <= part["output_kept"] + 1e-12).all()
        assert (part["output_kept"] <= part["output_kept_high"] + 1e-12).all()
    by = curve.set_index(["strategy", "n_removed"])["output_kept"]
    first = curve["n_removed"].min()
    # removing the riskiest enterprise hurts at least as much as a random one
    assert by[("esri", first)] <= by[("random", first)] + 1e-12
    targeted = curve[curve["strategy"] == "esri"]
    assert (targeted["output_kept_low"] == targeted["output_kept"]).all()
    with pytest.raises(ValueError, match="strategy"):
        resilience_curve(chain, strategies="betweenness")


def test_targeted_first_step_is_top_esri(chain, template):
    esri = systemic_risk(chain, template=template)
    curve = resilience_curve(chain, strategies="esri", steps=1, max_fraction=0,
                             template=template)
    assert curve["n_removed"].tolist() == [1]
    assert curve["output_kept"].iat[0] == pytest.approx(1 - esri["esri"].max())


def _toy(second_supplier: bool):
    G = nx.DiGraph()
    G.add_nodes_from([("ore", {"segment": "mine"}), ("cell", {"segment": "cell"}),
                      ("car", {"segment": "car"}), ("dealer", {"segment": "sales"})])
    G.add_edge("ore", "cell", volume=10.0)
    G.add_edge("cell", "car", volume=20.0)
    G.add_edge("car", "dealer", volume=30.0)
    if second_supplier:
        G.add_node("ore2", segment="mine")
        G.add_edge("ore2", "cell", volume=10.0)
    return G


def test_compare_chains_second_supplier_is_safer():
    cmp = compare_chains(_toy(False), _toy(True), essentiality="essential")
    assert cmp.safer
    assert list(cmp.summary["metric"]) == ["max", "mean", "output_weighted", "p95",
                                           "n_above_10pct"]
    per = cmp.enterprises.set_index("enterprise")
    assert set(per.index) == {"ore", "cell", "car", "dealer"}
    assert per.loc["ore", "esri_after"] < per.loc["ore", "esri_before"]
    assert per.loc["ore", "change"] == per["change"].min()
    assert cmp.enterprises["change"].is_monotonic_increasing
    assert "safer" in cmp.explanation and "%" in cmp.explanation
    assert len(cmp.after) == 5 and len(cmp.before) == 4
    # the reverse change is not safer (the test can fail)
    back = compare_chains(_toy(True), _toy(False), essentiality="essential")
    assert not back.safer and "not safer" in back.explanation
