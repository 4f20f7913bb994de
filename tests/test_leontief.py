"""Leontief/Ghosh kernels and the IOTable type: textbook numbers, oracles, properties.

Oracles: Miller & Blair, *Input-Output Analysis: Foundations and Extensions*, 2nd ed.
(Cambridge, 2009), sec. 2.3 (the two-sector example: Z, x, A and L as printed), and the
three-sector table closed with respect to households (sec. 2.5; checked against exact
rational arithmetic, its printed digits not being available here, see the test);
brute-force extraction (one dense solve per sector); pymrio's test MRIO system.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.kernels import leontief as K

MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_X = np.array([1000.0, 2000.0])


# --- Miller & Blair (2009), sec. 2.3 ----------------------------------------------------
def test_miller_blair_two_sector_printed_digits():
    t = cg.IOTable(MB_Z, x=MB_X, sectors=["agriculture", "manufacturing"])
    assert t.A.to_numpy().round(2).tolist() == [[0.15, 0.25], [0.20, 0.05]]
    # L as printed: [[1.254, 0.330], [0.264, 1.122]]
    assert t.L.to_numpy().round(3).tolist() == [[1.254, 0.330], [0.264, 1.122]]
    # final demand implied by the table, f = x - Z 1 = (350, 1700), and x = L f
    assert t.y.tolist() == [350.0, 1700.0]
    assert np.allclose(t.L.to_numpy() @ t.y.to_numpy(), MB_X)


def test_miller_blair_impact_of_new_final_demand():
    # sec. 2.3: new final demand f = (600, 1500) gives x = L f = (1247.52, 1841.58)
    L = K.leontief_inverse(MB_Z / MB_X)
    assert np.round(L @ [600.0, 1500.0], 2).tolist() == [1247.52, 1841.58]
    # the same with the factorisation (no inverse formed)
    f = K.Factorization(MB_Z / MB_X)
    assert np.round(f.solve(np.array([600.0, 1500.0])), 2).tolist() == [1247.52, 1841.58]


# --- Miller & Blair (2009), the three-sector table ----------------------------------------
# Z below is the two-sector table above with a household row (labour income 300, 500, 50)
# and a household column (consumption 50, 400, 50) appended, x = (1000, 2000, 1000): the
# model "closed with respect to households" of sec. 2.5 (Open Models and Closed Models;
# table of contents at https://vdocument.in/input-output-analysis.html; the household
# row and column as described in course slides quoting the book,
# https://fliphtml5.com/gslua/endk/2._Foundations_of_IO_Analysis/26/). The printed
# digits of its coefficient matrix, inverse and impacts could NOT be retrieved from a
# public source in this session, so none is copied here: A is Z / x exactly (its
# two-decimal values are exact), and L and the impacts are checked against an
# independent exact computation (Gauss-Jordan in rational arithmetic), to 1e-12 and at
# the book's three printed decimals.
MB3_Z = np.array([[150.0, 500.0, 50.0], [200.0, 100.0, 400.0], [300.0, 500.0, 50.0]])
MB3_X = np.array([1000.0, 2000.0, 1000.0])


def _exact_inverse(M: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss-Jordan on fractions: an oracle that shares no code with the kernels."""
    n = len(M)
    aug = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(M)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if aug[r][col] != 0)
        aug[col], aug[pivot] = aug[pivot], aug[col]
        p = aug[col][col]
        aug[col] = [v / p for v in aug[col]]
        for r in range(n):
            if r != col and aug[r][col] != 0:
                f = aug[r][col]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[col], strict=True)]
    return [row[n:] for row in aug]


def test_miller_blair_three_sector_closed_model():
    t = cg.IOTable(MB3_Z, x=MB3_X, sectors=["agriculture", "manufacturing", "households"])
    A = [[Fraction(int(z)) / Fraction(int(x)) for z, x in zip(row, MB3_X, strict=True)]
         for row in MB3_Z]
    assert t.A.to_numpy().round(2).tolist() == [[0.15, 0.25, 0.05], [0.20, 0.05, 0.40],
                                                [0.30, 0.25, 0.05]]
    assert np.array_equal(t.A.to_numpy(), np.array(A, dtype=float))
    exact = _exact_inverse([[Fraction(int(i == j)) - A[i][j] for j in range(3)]
                            for i in range(3)])
    L = t.L.to_numpy()
    np.testing.assert_allclose(L, np.array(exact, dtype=float), rtol=0, atol=1e-12)
    three = [[round(float(v), 3) for v in row] for row in exact]
    assert L.round(3).tolist() == three == [[1.365, 0.425, 0.251], [0.527, 1.348, 0.595],
                                            [0.570, 0.489, 1.289]]
    # impacts of the new final demand of sec. 2.3, f = (600, 1500), households' own
    # final demand 0: induced effects raise both outputs above the open model's
    # (1247.52, 1841.58)
    f = [Fraction(600), Fraction(1500), Fraction(0)]
    x_new = [sum(exact[i][j] * f[j] for j in range(3)) for i in range(3)]
    got = K.Factorization(t.A.to_numpy()).solve(np.array([600.0, 1500.0, 0.0]))
    np.testing.assert_allclose(got, np.array(x_new, dtype=float), rtol=0, atol=1e-9)
    assert got.round(2).tolist() == [round(float(v), 2) for v in x_new]
    assert got[0] > 1247.52 and got[1] > 1841.58
    # the closed model's agriculture/manufacturing block dominates the open model's L
    assert (L[:2, :2] > K.leontief_inverse(MB_Z / MB_X)).all()


def test_three_sector_hand_inverse():
    # a 3-sector table whose inverse is known in closed form: A strictly upper
    # triangular (a chain 1 -> 2 -> 3), L = I + A + A^2
    A = np.array([[0.0, 0.2, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    expected = np.eye(3) + A + A @ A
    assert np.allclose(K.leontief_inverse(A), expected)
    assert np.allclose(K.output_multipliers(A), expected.sum(axis=0))
    assert expected[0, 2] == pytest.approx(0.1)


def test_ghosh_relation_to_leontief():
    t = cg.IOTable(MB_Z, x=MB_X)
    D = np.diag(MB_X)
    assert np.allclose(t.G.to_numpy(), np.linalg.inv(D) @ t.L.to_numpy() @ D)


# --- extraction -----------------------------------------------------------------------
def _brute_extraction(Z, x, y):
    A, B = K.technical_coefficients(Z, x), K.allocation_coefficients(Z, x)
    v = x - Z.sum(axis=0)
    n = len(x)
    back, fwd = [], []
    xl = np.linalg.solve(np.eye(n) - A, y)
    xg = np.linalg.solve((np.eye(n) - B).T, v)
    for j in range(n):
        Ab = A.copy()
        Ab[:, j] = 0
        back.append((xl - np.linalg.solve(np.eye(n) - Ab, y)).sum())
        Bf = B.copy()
        Bf[j, :] = 0
        fwd.append((xg - np.linalg.solve((np.eye(n) - Bf).T, v)).sum())
    return np.array(back), np.array(fwd)


def test_extraction_hand_computed_two_sector():
    # Backward extraction of sector 1 in the M&B table: A column 1 zeroed,
    # A' = [[0, .25], [0, .05]], x' = (I - A')^-1 f: x2 = 1700 / .95 = 1789.47,
    # x1 = 350 + .25 x2 = 797.37; loss = 3000 - 2586.84 = 413.16
    back, _ = K.extraction_losses(MB_Z, MB_X, MB_X - MB_Z.sum(axis=1))
    x2 = 1700 / 0.95
    assert back[0] == pytest.approx(3000 - (x2 + 350 + 0.25 * x2))
    assert back[0] == pytest.approx(413.16, abs=0.005)


@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_extraction_matches_brute_force(method):
    rng = np.random.default_rng(4)
    n = 9
    Z = rng.random((n, n)) * 10 * (rng.random((n, n)) < 0.5)
    y = rng.random(n) * 20 + 1
    x = Z.sum(axis=1) + y
    back, fwd = K.extraction_losses(sp.csc_array(Z) if method == "sparse" else Z, x, y,
                                    method=method)
    b2, f2 = _brute_extraction(Z, x, y)
    assert np.allclose(back, b2) and np.allclose(fwd, f2)


def test_extraction_with_a_zero_output_sector_matches_brute_force():
    Z = np.array([[10.0, 5.0, 0.0], [2.0, 8.0, 0.0], [0.0, 0.0, 0.0]])
    y = np.array([30.0, 20.0, 0.0])
    x = Z.sum(axis=1) + y
    back, fwd = K.extraction_losses(Z, x, y)
    b2, f2 = _brute_extraction(Z, x, y)
    assert np.allclose(back, b2) and np.allclose(fwd, f2)
    assert back[2] == 0 and fwd[2] == 0


def test_extract_one_sector_agrees_with_all_at_once():
    t = cg.datasets.load_example_io_table()
    ext = t.extraction()
    for sector in t.sectors:
        after_b = t.extract(sector)
        after_f = t.extract(sector, kind="forward")
        assert (t.x - after_b).sum() == pytest.approx(ext.at[sector, "extraction_backward"],
                                                      rel=1e-6)
        assert (t.x - after_f).sum() == pytest.approx(ext.at[sector, "extraction_forward"],
                                                      rel=1e-6)


# --- linkages, upstreamness, multipliers ----------------------------------------------
def test_linkages_definitions():
    t = cg.IOTable(MB_Z, x=MB_X)
    L, G = t.L.to_numpy(), t.G.to_numpy()
    link = t.linkages(variation=True)
    assert np.allclose(link["backward_linkage"], 2 * L.sum(0) / L.sum())
    assert np.allclose(link["forward_linkage"], 2 * G.sum(1) / G.sum())
    assert np.allclose(t.linkages(forward="leontief")["forward_linkage"],
                       2 * L.sum(1) / L.sum())
    assert np.allclose(link["backward_cv"], L.std(0, ddof=1) / L.mean(0))
    assert np.allclose(link["forward_cv"], G.std(1, ddof=1) / G.mean(1))
    assert link["backward_linkage"].mean() == pytest.approx(1.0)


def test_upstreamness_closed_economy_is_ghosh_row_sums():
    t = cg.IOTable(MB_Z, x=MB_X)
    assert np.allclose(t.upstreamness(), t.G.to_numpy().sum(axis=1))
    assert (t.upstreamness() >= 1).all()


def test_upstreamness_open_economy_adjustment():
    # Antras et al. (2012): Delta_ij = Z_ij / (x_i - X_i + M_i - N_i)
    Y = pd.DataFrame({"消费": [300.0, 1500.0], "出口": [100.0, 300.0],
                      "进口": [-50.0, -100.0]}, index=["a", "b"])
    t = cg.IOTable(pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "b"]), Y)
    assert t.trade == {"exports": "出口", "imports": "进口"}
    denom = t.x.to_numpy() - [100.0, 300.0] + [50.0, 100.0]
    expected = np.linalg.solve(np.eye(2) - MB_Z / denom[:, None], np.ones(2))
    assert np.allclose(t.upstreamness(), expected)
    assert np.allclose(t.upstreamness(open_economy=False), t.G.to_numpy().sum(1))


def _trade_table(consumption_a: float, exports_a: float) -> cg.IOTable:
    Z = pd.DataFrame([[0.0, 40.0], [10.0, 0.0]], index=["a", "b"], columns=["a", "b"])
    Y = pd.DataFrame({"消费": [consumption_a, 50.0], "出口": [exports_a, 0.0],
                      "进口": [0.0, -10.0]}, index=["a", "b"])
    return cg.IOTable(Z, Y)


def test_upstreamness_open_economy_hand_computed():
    # x = (100, 50); x - X + M = (100 - 20, 50 + 10) = (80, 60), so
    # Delta = [[0, 40/80], [10/60, 0]]: U_a = 1 + U_b / 2, U_b = 1 + U_a / 6,
    # hence U_a = 18/11 and U_b = 14/11.
    t = _trade_table(40.0, 20.0)
    assert t.x.tolist() == [100.0, 50.0]
    assert t.upstreamness().tolist() == pytest.approx([18 / 11, 14 / 11])


def test_upstreamness_undefined_adjustment_names_the_sector():
    # a exports 110 of its output of 100 (negative domestic final use -50, e.g. a
    # re-export or a discrepancy): x - X + M - N = 100 - 110 = -10 <= 0, so the
    # factor x / (x - X + M - N) is undefined: a typed error names a and its values
    t = _trade_table(-50.0, 110.0)
    with pytest.raises(ChainDataError, match=r"'a' \(output 100, exports 110, "
                       r"imports 0: x - X \+ M - N = -10\)") as info:
        t.upstreamness()
    assert "open_economy=False" in str(info.value) and "'b'" not in str(info.value)
    with pytest.raises(ChainDataError, match="'a'"):
        cg.sector_indicators(t)
    # the closed-economy measure is still available, G 1 by hand: B = [[0, .4],
    # [.2, 0]], U_a = 1 + .4 U_b, U_b = 1 + .2 U_a -> U_a = 1.4 / .92
    assert t.upstreamness(open_economy=False).tolist() == pytest.approx(
        [1.4 / 0.92, 1 + 0.2 * 1.4 / 0.92])
    # a sector that sells no intermediates needs no adjustment (its row of Delta is 0)
    Z = np.array([[0.0, 40.0], [0.0, 0.0]])
    assert K.upstreamness(Z, [100.0, 50.0], exports=[0.0, 60.0]).tolist() == \
        pytest.approx([1.4, 1.0])
    with pytest.raises(ValueError, match=r"sector\(s\).*: 1 \(output 50, exports 60"):
        K.upstreamness(Z.T, [100.0, 50.0], exports=[0.0, 60.0])


def test_satellite_and_value_added_multipliers():
    V = pd.DataFrame([[650.0, 1400.0]], index=["增加值"])
    jobs = pd.DataFrame([[10.0, 40.0]], index=["jobs"])
    t = cg.IOTable(MB_Z, x=MB_X, V=V.to_numpy(), satellites=jobs.to_numpy())
    # all primary inputs: value-added multipliers sum to 1 per unit of final demand
    assert np.allclose(t.satellite_multipliers(primary_inputs=True).to_numpy(), 1.0)
    s = np.array([10.0, 40.0]) / MB_X
    assert np.allclose(t.satellite_multipliers().to_numpy()[0], s @ t.L.to_numpy())


# --- properties ----------------------------------------------------------------------
@st.composite
def tables(draw, max_n=7):
    n = draw(st.integers(1, max_n))
    cells = st.floats(0, 100, allow_nan=False, allow_infinity=False)
    Z = np.array(draw(st.lists(cells, min_size=n * n, max_size=n * n))).reshape(n, n)
    y = np.array(draw(st.lists(st.floats(0.5, 100), min_size=n, max_size=n)))
    return Z, y


@settings(max_examples=60, deadline=None)
@given(tables())
def test_leontief_identities(data):
    Z, y = data
    x = Z.sum(axis=1) + y
    t = cg.IOTable(Z, y, x)
    A, L, B, G = (t.A.to_numpy(), t.L.to_numpy(), t.B.to_numpy(), t.G.to_numpy())
    n = len(x)
    assert np.allclose(L, np.eye(n) + A @ L, atol=1e-8 * max(1, np.abs(L).max()))
    assert np.allclose(L @ y, x, rtol=1e-8, atol=1e-8 * x.max())
    v = t.value_added.to_numpy()
    assert np.allclose(v @ G, x, rtol=1e-7, atol=1e-7 * x.max())  # x^T = v^T G
    assert np.allclose(G, np.eye(n) + B @ G, atol=1e-8 * max(1, np.abs(G).max()))
    back, fwd = K.extraction_losses(Z, x, y)
    tol = 1e-8 * x.sum()
    assert (back >= -tol).all() and (fwd >= -tol).all()
    assert (back <= x.sum() + tol).all()


@settings(max_examples=40, deadline=None)
@given(tables(max_n=5))
def test_extraction_matches_brute_force_property(data):
    Z, y = data
    x = Z.sum(axis=1) + y
    back, fwd = K.extraction_losses(Z, x, y)
    b2, f2 = _brute_extraction(Z, x, y)
    scale = max(1.0, x.sum())
    assert np.allclose(back, b2, atol=1e-8 * scale)
    assert np.allclose(fwd, f2, atol=1e-8 * scale)


def test_sparse_large_table_uses_superlu_and_agrees():
    rng = np.random.default_rng(0)
    n = K.DENSE_LIMIT + 50
    Z = sp.random_array((n, n), density=3 / n, random_state=rng, format="csc") * 10
    y = rng.random(n) + 1
    x = np.asarray(Z.sum(axis=1)).ravel() + y
    t = cg.IOTable(Z, y, x)
    assert not t.leontief.dense
    m = t.output_multipliers().to_numpy()
    At = K.technical_coefficients(Z, x).T.toarray()
    assert np.allclose(np.linalg.solve(np.eye(n) - At, np.ones(n)), m)


# --- validation --------------------------------------------------------------------
def test_errors_name_the_problem():
    with pytest.raises(ChainDataError, match="square"):
        cg.IOTable(np.ones((2, 3)), x=[1, 2])
    with pytest.raises(ChainDataError, match="negative gross output"):
        cg.IOTable([[0, 0], [0, 0]], x=[-1.0, 3.0])
    with pytest.raises(ChainDataError, match="do not match"):
        cg.IOTable(pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "c"]), x=MB_X)
    with pytest.raises(ChainDataError, match="Y rows"):
        cg.IOTable(pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "b"]),
                   pd.DataFrame({"f": [1.0, 2.0]}, index=["a", "z"]))
    with pytest.raises(ChainDataError, match=r"row a: unbalanced row.*unbalanced='warn'"):
        cg.IOTable(pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "b"]),
                   [[300.0], [1700.0]], x=MB_X)


def test_unbalanced_can_be_accepted_with_a_warning_and_tolerance_is_relative():
    Z = pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "b"])
    with pytest.warns(ChainDataWarning, match="1 unbalanced sector"):
        cg.IOTable(Z, [[300.0], [1700.0]], x=MB_X, unbalanced="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cg.IOTable(Z, [[350.5], [1700.0]], x=MB_X)  # 0.05% off: within 1e-3
    with pytest.raises(ChainDataError):
        cg.IOTable(Z, [[350.5], [1700.0]], x=MB_X, tolerance=1e-4)


def test_column_balance_checked_with_primary_inputs():
    with pytest.raises(ChainDataError, match="unbalanced column"):
        cg.IOTable(MB_Z, x=MB_X, V=[[600.0, 1400.0]])


def test_columns_in_another_order_are_aligned():
    Z = pd.DataFrame(MB_Z, index=["a", "b"], columns=["a", "b"])[["b", "a"]]
    t = cg.IOTable(Z, x=pd.Series({"b": 2000.0, "a": 1000.0}))
    assert t.A.round(2).to_numpy().tolist() == [[0.15, 0.25], [0.2, 0.05]]


def test_singular_table_is_reported():
    with pytest.raises(ValueError, match="singular"):
        K.Factorization(np.array([[1.0, 0.0], [0.0, 0.5]]))


# --- pymrio (GPL, test-only) ------------------------------------------------------------
def test_pymrio_test_system_matches_to_1e_9():
    pymrio = pytest.importorskip("pymrio", reason="pymrio is a test-only extra")
    from chaingraph.readwrite.iotables import io_table_from_pymrio

    io = pymrio.load_test()
    io.calc_all()
    t = io_table_from_pymrio(io, unbalanced="error")
    assert t.is_multiregional and t.n_sectors == 48 and len(t.regions) == 6

    def close(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert np.abs(a - b).max() <= 1e-9 * max(1.0, np.abs(b).max())

    close(t.A, io.A)
    close(t.L, io.L)
    B = pymrio.calc_B(io.Z, io.x)
    close(t.B, B)
    close(t.G, pymrio.calc_G(B))
    close(t.output_multipliers(), io.L.sum(axis=0))
    sat = t.satellite_multipliers()
    for ext in ("factor_inputs", "emissions"):
        M = getattr(io, ext).M
        rows = [r for r in sat.index if r.startswith(f"{ext}: ")]
        close(sat.loc[rows], M)


def test_diagonal_of_inverse_with_heavy_pivoting():
    # a matrix that partial pivoting reorders: the skipped zeros must still be zeros
    M = np.random.default_rng(2).normal(size=(1100, 1100))
    d = K.diagonal_of_inverse(np.eye(1100) - M)
    assert np.allclose(d, np.diag(np.linalg.inv(M)))
    small = np.array([[0.0, 2.0, 0.5], [1.5, 0.0, 0.3], [0.2, 0.1, 0.0]])
    assert np.allclose(K.diagonal_of_inverse(np.eye(3) - small),
                       np.diag(np.linalg.inv(small)))
