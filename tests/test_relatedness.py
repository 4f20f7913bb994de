"""Relatedness: RCA, presence, proximity, density (hand cases, properties, the hook)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import chaingraph as cg
from chaingraph.algorithms.extension import find_extension_candidates

X = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [0, 1, 1]},
                 index=["r1", "r2", "r3"], dtype=float)


def test_rca_hand_computed():
    rca = cg.revealed_advantage(X)
    # r1 has 2 of 5 units; a has 2 of 5: RCA(r1, a) = (1/2) / (2/5) = 1.25
    assert rca.at["r1", "a"] == pytest.approx(1.25)
    assert rca.at["r3", "c"] == pytest.approx((1 / 1) / (2 / 5))
    assert rca.at["r3", "a"] == 0


def test_proximity_hand_computed():
    phi = cg.proximity(cg.presence(X, threshold=1e-9))
    # a in {r1, r2}, b in {r1}, c in {r2, r3}: C(a, b) = 1, max(k) = 2
    assert phi.at["a", "b"] == 0.5 and phi.at["a", "c"] == 0.5 and phi.at["b", "c"] == 0
    assert np.allclose(np.diag(phi), 1.0)


def test_density_hand_computed_both_conventions():
    d = cg.relatedness_density(X, threshold=1e-9)
    # r3 has only c; density of a = (phi(c, a) + M(b) phi(b, a)) / (phi(b,a) + phi(c,a))
    #   = (0.5 + 0) / (0.5 + 0.5) = 0.5
    assert d.at["r3", "a"] == pytest.approx(0.5)
    assert d.at["r3", "c"] == 0  # own presence excluded by default
    d_self = cg.relatedness_density(X, threshold=1e-9, self_term=True)
    # with the self term: (M_a .5 + M_b 0 + M_c 1) / (.5 + 0 + 1) = 1 / 1.5
    assert d_self.at["r3", "c"] == pytest.approx(2 / 3)
    assert d_self.at["r3", "a"] == pytest.approx(0.5 / 2)


tables = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                elements=st.one_of(st.just(0.0), st.floats(0, 1e6)))


@settings(max_examples=80, deadline=None)
@given(tables, st.booleans(), st.sampled_from([1e-9, 0.5, 1.0, 2.0]))
def test_density_within_unit_interval(values, self_term, threshold):
    data = pd.DataFrame(values, index=[f"r{i}" for i in range(values.shape[0])],
                        columns=[f"s{j}" for j in range(values.shape[1])])
    d = cg.relatedness_density(data, threshold=threshold, self_term=self_term)
    assert ((d >= 0) & (d <= 1)).all().all()
    phi = cg.proximity(cg.presence(data, threshold=threshold)).to_numpy()
    assert np.allclose(phi, phi.T) and (phi >= 0).all() and (phi <= 1).all()
    # unclipped value equals the clipped one: the bound is mathematical
    M = cg.presence(data, threshold=threshold).to_numpy(dtype=float)
    P = phi.copy()
    if not self_term:
        np.fill_diagonal(P, 0.0)
    den = P.sum(axis=0)
    raw = np.divide(M @ P, den, out=np.zeros_like(M @ P), where=den > 0)
    assert raw.max(initial=0) <= 1 + 1e-12
    assert np.allclose(raw, d.to_numpy())


def test_region_segment_table_from_chain():
    chain = cg.load_example()
    table = cg.region_segment_table(chain)
    ent = chain.enterprises.dropna(subset=["region", "segment"])
    expected = ent.groupby(["region", "segment"]).size()
    assert table.stack()[table.stack() > 0].astype(int).sort_index().equals(
        expected.sort_index().rename(None).astype(int)) or np.allclose(
        table.stack()[table.stack() > 0].sort_index().to_numpy(),
        expected.sort_index().to_numpy())
    out = cg.region_segment_table(chain, value="output")
    assert out.to_numpy().sum() == pytest.approx(ent["output"].fillna(0).sum())


def test_find_related_segments_chain_equals_table():
    chain = cg.load_example()
    region = chain.meta["focal_region"]
    a = cg.find_related_segments(chain, region=region)
    b = cg.find_related_segments(cg.region_segment_table(chain), region=region)
    pd.testing.assert_frame_equal(a, b)
    assert a["score"].is_monotonic_decreasing
    assert set(a["region"]) == {region}
    with pytest.raises(ValueError, match="unknown region"):
        cg.find_related_segments(chain, region="火星")


def test_extension_relatedness_hook():
    chain = cg.load_example()
    template = cg.load_template("nev")
    region = chain.meta["focal_region"]
    base = find_extension_candidates(chain, template=template, region=region)
    density = cg.relatedness_density(cg.region_segment_table(chain))
    out = find_extension_candidates(chain, template=template, region=region, relatedness=density)
    missing = out[~out["kind"].str.startswith("强链")]
    row = density.loc[region]
    assert np.allclose(missing["relatedness"],
                       [row.get(s, 0.0) for s in missing["segment"]])
    assert missing["explanation"].str.contains("relatedness density").all()
    # the Series form and the DataFrame form agree; the default is unchanged
    same = find_extension_candidates(chain, template=template, region=region,
                                     relatedness=density.loc[region])
    pd.testing.assert_frame_equal(out, same)
    assert not base["explanation"].str.contains("relatedness density").any()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        find_extension_candidates(chain, template=template, region=region,
                                  relatedness={"battery_cell": 2.0})
