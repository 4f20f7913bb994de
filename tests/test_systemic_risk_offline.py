"""ESRI oracles that need no ../shared/data: hand-computed cases (issue 10).

Source of the cases: the model equations of Diem, Borsos, Reisch, Kertész & Thurner,
"Quantifying firm-level economic systemic risk from nation-wide supply networks",
Scientific Reports 12, 7719 (2022), as implemented by the authors' package (synchronous
update, stop when no decrease exceeds eps). The 6-firm ``tiny`` network is the worked
example documented with the reference outputs (../shared/data/esri-reference/README.md,
section 4); every number below is derived by hand from the equations (fractions shown),
not copied from the reference output files, so these tests run in a fresh clone.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest

from chaingraph.algorithms.propagation import simulate_shock
from chaingraph.algorithms.systemic_risk import systemic_risk
from chaingraph.readwrite import read_chain

METHODS = ["numba", "scipy"]
TINY_EDGES = [(1, 0, 4), (0, 2, 10), (1, 2, 10), (1, 3, 5), (2, 3, 2), (0, 4, 3),
              (2, 4, 8), (3, 4, 4), (3, 5, 6), (4, 5, 2)]
TINY_SECTORS = ["A", "A", "B", "B", "C", "C"]
# rows: supplier sector; columns: buyer sector; 2 essential, 1 linear, 0 irrelevant
TINY_ESS = pd.DataFrame({"sector": ["A", "B", "C"], "A": ["1", "0", "1"],
                         "B": ["2", "1", "1"], "C": ["0", "2", "1"]})


def _chain(tmp_path, edges, sectors):
    firms = tmp_path / "firms.csv"
    links = tmp_path / "edges.csv"
    pd.DataFrame({"firm": range(len(sectors)), "sector": sectors}).to_csv(firms, index=False)
    pd.DataFrame(edges, columns=["supplier", "buyer", "weight"]).to_csv(links, index=False)
    return read_chain(firms, links, duplicates="sum", self_loops="keep")


@pytest.fixture
def tiny(tmp_path):
    return _chain(tmp_path, TINY_EDGES, TINY_SECTORS)


@pytest.mark.parametrize("method", METHODS)
def test_tiny_firm0_by_hand(tiny, method):
    # s_out = (13, 19, 10, 10, 2, 0), total 54. Downstream: hd_2 = 1/2 (half its
    # essential A inputs), hd_3 = 1 - (2/7)(1/2) = 6/7 (linear), hd_4 = 1 - (2/3)(1/2)
    # - (1/3)(1/7) = 13/21, hd_5 = min(6/7, 1 - (1/4)(8/21)) = 6/7; T = 4.
    # Upstream: only firm 1 supplies firm 0, hu_1 = 1 - 4/19.
    row = systemic_risk(tiny, enterprises=["0"], essentiality=TINY_ESS, tol=1e-12,
                        method=method).iloc[0]
    esri_d = (13 + 10 * F(1, 2) + 10 * F(1, 7) + 2 * F(8, 21)) / 54
    assert esri_d == F(212, 567)
    assert row["esri_downstream"] == pytest.approx(float(esri_d), abs=1e-15)
    assert row["esri_upstream"] == pytest.approx(float(F(13 + 4, 54)), abs=1e-15)
    esri = (13 + 4 + 5 + F(10, 7) + F(16, 21)) / 54
    assert esri == F(254, 567)
    assert row["esri"] == pytest.approx(float(esri), abs=1e-15)
    assert row["iterations"] == 4
    shock = simulate_shock(tiny, ["0"], essentiality=TINY_ESS, tol=1e-12, method=method)
    hd = shock.enterprises.set_index("enterprise")["remaining_downstream"]
    np.testing.assert_allclose(hd.loc[[str(i) for i in range(6)]].to_numpy(),
                               [0, 1, 0.5, 6 / 7, 13 / 21, 6 / 7], atol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_tiny_sole_supplier_and_pure_sink_by_hand(tiny, method):
    got = systemic_risk(tiny, essentiality=TINY_ESS, tol=1e-12, method=method)
    got = got.set_index("enterprise")
    # firm 1 is the only A supplier of firms 0 and 3: everything downstream stops
    assert got.loc["1", "esri_downstream"] == pytest.approx(1.0, abs=1e-15)
    # firm 5 sells nothing (weight 0, no downstream effect) but, with no final demand,
    # its lost purchases propagate upstream through the whole closed economy
    assert got.loc["5", "esri_downstream"] == pytest.approx(0.0, abs=1e-15)
    assert got.loc["5", "esri_upstream"] == pytest.approx(1.0, abs=1e-9)
    # every ESRI includes the failed firm's own weight and is at most 1
    weight = np.array([13, 19, 10, 10, 2, 0]) / 54
    esri = got.loc[[str(i) for i in range(6)], "esri"].to_numpy()
    assert (esri >= weight - 1e-15).all() and (esri <= 1 + 1e-15).all()


@pytest.mark.parametrize("method", METHODS)
def test_two_firm_line_by_hand(tmp_path, method):
    # a -> b (essential), b sells nothing: a's failure stops b; b's failure takes
    # a's whole demand. Weights by out-strength: a 1, b 0.
    chain = _chain(tmp_path, [(0, 1, 5)], ["S", "T"])
    ess = pd.DataFrame({"sector": ["S", "T"], "S": ["0", "0"], "T": ["2", "0"]})
    got = systemic_risk(chain, essentiality=ess, tol=1e-12, method=method)
    got = got.set_index("enterprise")
    assert got.loc["0", "esri"] == pytest.approx(1.0, abs=1e-15)
    assert got.loc["0", "esri_downstream"] == pytest.approx(1.0, abs=1e-15)
    assert got.loc["1", "esri_downstream"] == pytest.approx(0.0, abs=1e-15)
    assert got.loc["1", "esri_upstream"] == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_linear_inputs_lose_their_share_by_hand(tmp_path, method):
    # two suppliers (3 and 1) of one linear buyer who sells 8 to a final firm:
    # losing supplier 0 leaves the buyer 1/4 of its inputs -> hd_2 = 1/4, and the final
    # firm (linear on 2) keeps 1/4. Weights s_out = (3, 1, 8, 0) / 12.
    chain = _chain(tmp_path, [(0, 2, 3), (1, 2, 1), (2, 3, 8)], ["S", "S", "M", "D"])
    ess = pd.DataFrame({"sector": ["S", "M", "D"], "S": ["0", "0", "0"],
                        "M": ["1", "0", "0"], "D": ["0", "1", "0"]})
    row = systemic_risk(chain, enterprises=["0"], essentiality=ess, tol=1e-12,
                        method=method).iloc[0]
    want_d = (3 * 1 + 1 * 0 + 8 * F(3, 4) + 0) / 12
    assert row["esri_downstream"] == pytest.approx(float(want_d), abs=1e-15)
