"""The columnar path and the networkx path give the same answers ("National scale", 1).

A chain written to Parquet and read back with :func:`chaingraph.read_chain` (the
columnar path national-scale users take) and the same chain passed through
networkx (``chain.to_networkx()`` then :func:`chaingraph.as_chain`) give identical
:func:`chaingraph.diagnose` reports, on a generated 2,000-enterprise chain, on the
bundled example and on a chain with integer ids. The numba and scipy engines give
the same diagnosis too (a maximum flow is not unique, so there the flow
decomposition is checked for feasibility instead of equality).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg

TABLES = ("structure", "coverage", "breakpoints", "bottlenecks", "concentration",
          "outside_dependence", "throughput", "leaders", "candidates", "echelon")
FLOW_TABLES = ("link_flow", "enterprise_flow", "min_cut")


def _integer_ids(chain: cg.Chain) -> cg.Chain:
    """The same chain with scattered int64 ids (a common shape of firm registers)."""
    enterprises, links = chain.enterprises, chain.links
    mapping = {old: 7 * i + 3 for i, old in enumerate(enterprises["id"])}
    enterprises["id"] = enterprises["id"].map(mapping).astype("int64")
    for column in ("supplier", "buyer"):
        links[column] = links[column].map(mapping).astype("int64")
    return cg.Chain.from_frames(enterprises, links, meta=chain.meta)


CASES = {  # name: (chain factory, focal region)
    "generated_2000": (lambda: cg.generate_chain(2000, seed=1), "focal"),
    "example": (cg.load_example, "明湾示范区"),
    "integer_ids": (lambda: _integer_ids(cg.generate_chain(300, seed=2)), "focal"),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, tmp_path_factory):
    """The chain by both paths, and its region."""
    make, region = CASES[request.param]
    chain = make()
    folder = tmp_path_factory.mktemp(request.param)
    cg.write_chain(chain, folder, format="parquet")
    columnar = cg.read_chain(folder)
    via_networkx = cg.as_chain(chain.to_networkx())
    return {"name": request.param, "chain": chain, "columnar": columnar,
            "networkx": via_networkx, "region": region}


def _diagnose(chain: cg.Chain, region: str, method: str = "auto") -> cg.ChainReport:
    return cg.diagnose(chain, template="nev", region=region, method=method)


def _summary(report: cg.ChainReport) -> dict:
    return {k: v for k, v in report.summary.items() if k != "seconds"}


def _assert_same_summary(left: dict, right: dict, rtol: float = 0.0) -> None:
    assert left.keys() == right.keys()
    for key, value in left.items():
        other = right[key]
        if isinstance(value, float) and isinstance(other, float):
            assert math.isclose(value, other, rel_tol=rtol) or \
                (math.isnan(value) and math.isnan(other)), key
        else:
            assert value == other, key


def test_the_two_paths_hold_the_same_chain(case):
    """Precondition: same ids in the same order, same tables, same meta."""
    columnar, via_networkx = case["columnar"], case["networkx"]
    assert columnar.ids.tolist() == via_networkx.ids.tolist() == case["chain"].ids.tolist()
    assert columnar.meta == via_networkx.meta
    # id dtypes: see test_id_dtype_is_path_independent
    pd.testing.assert_frame_equal(columnar.enterprises, via_networkx.enterprises,
                                  check_like=True, check_dtype=False)
    key = ["supplier", "buyer"]
    pd.testing.assert_frame_equal(
        columnar.links.sort_values(key, ignore_index=True),
        via_networkx.links.sort_values(key, ignore_index=True), check_like=True,
        check_dtype=False)
    # The same kind of values in every column. The storage of text may differ: the
    # columnar path gives back the chain's own dtype (write_chain records it, and
    # reading our own file is the identity, issue 13: object here), while networkx
    # attributes carry no dtype and come back as pandas' text dtype.
    for table in ("enterprises", "links"):
        left, right = getattr(columnar, table), getattr(via_networkx, table)
        ids = {"id", "supplier", "buyer"}
        assert {c: _kind(left[c]) for c in left.columns if c not in ids} == \
            {c: _kind(right[c]) for c in right.columns if c not in ids}
    for table in ("enterprises", "links"):
        original, columnar_table = getattr(case["chain"], table), getattr(columnar, table)
        assert {c: str(t) for c, t in columnar_table.dtypes.items()
                if c not in {"id", "supplier", "buyer"}} == \
            {c: str(t) for c, t in original.dtypes.items()
             if c not in {"id", "supplier", "buyer"}}


def _kind(column: pd.Series) -> str:
    """text, number, bool or other: what a column holds, whatever its storage."""
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    if pd.api.types.is_string_dtype(column):  # str dtype, or object holding only text
        return "text"
    return str(column.dtype)


def test_id_dtype_is_path_independent(case):
    """Ids keep their dtype whichever path loaded the chain."""
    columnar, via_networkx = case["columnar"], case["networkx"]
    assert columnar.enterprises["id"].dtype == via_networkx.enterprises["id"].dtype
    for column in ("supplier", "buyer"):
        assert columnar.links[column].dtype == via_networkx.links[column].dtype


@pytest.fixture(scope="module")
def reports(case):
    """diagnose() on the columnar chain (both engines) and the networkx chain."""
    region = case["region"]
    return {"columnar": _diagnose(case["columnar"], region),
            "networkx": _diagnose(case["networkx"], region),
            "numba": _diagnose(case["columnar"], region, "numba"),
            "scipy": _diagnose(case["columnar"], region, "scipy")}


def test_diagnose_finds_something(reports):
    """The comparisons below are not between empty reports."""
    report = reports["columnar"]
    assert report.summary["skipped"] == {}
    assert report.flow.value > 0
    for table in ("breakpoints", "bottlenecks", "leaders", "candidates"):
        assert len(getattr(report, table)) > 0, table


def test_columnar_equals_networkx_summary(reports):
    _assert_same_summary(_summary(reports["columnar"]), _summary(reports["networkx"]))


@pytest.mark.parametrize("table", TABLES)
def test_columnar_equals_networkx_tables(reports, table):
    pd.testing.assert_frame_equal(getattr(reports["columnar"], table),
                                  getattr(reports["networkx"], table))


def test_columnar_equals_networkx_flow(reports):
    left, right = reports["columnar"].flow, reports["networkx"].flow
    assert left.value == right.value
    assert left.source_side == right.source_side and left.sink_side == right.sink_side
    for table in FLOW_TABLES:
        pd.testing.assert_frame_equal(getattr(left, table), getattr(right, table))


def test_numba_equals_scipy_summary(reports):
    numba_summary, scipy_summary = _summary(reports["numba"]), _summary(reports["scipy"])
    assert reports["numba"].flow.method == "numba"
    assert reports["scipy"].flow.method == "scipy"
    _assert_same_summary(numba_summary, scipy_summary, rtol=1e-9)


@pytest.mark.parametrize("table", TABLES)
def test_numba_equals_scipy_tables(reports, table):
    pd.testing.assert_frame_equal(getattr(reports["numba"], table),
                                  getattr(reports["scipy"], table),
                                  check_exact=False, rtol=1e-9)


def _assert_feasible(flow: cg.FlowResult, report: cg.ChainReport) -> None:
    """Link flows within capacity and conserved at every intermediate enterprise."""
    links = flow.link_flow
    tolerance = 1e-9 * max(flow.value, 1.0)
    assert (links["flow"] >= -tolerance).all()
    assert (links["flow"] <= links["capacity"] + tolerance).all()
    inflow = links.groupby("buyer")["flow"].sum()
    outflow = links.groupby("supplier")["flow"].sum()
    roles = report.structure.set_index("enterprise")["role"]
    middle = roles.index[roles == "intermediate"]
    balance = inflow.reindex(middle, fill_value=0) - outflow.reindex(middle, fill_value=0)
    assert np.abs(balance.to_numpy()).max(initial=0) <= tolerance
    into_final = inflow.reindex(roles.index[roles == "final"], fill_value=0).sum()
    assert into_final == pytest.approx(flow.value, rel=1e-9)
    capped = flow.enterprise_flow.dropna(subset=["capacity"])
    assert (capped["flow"] <= capped["capacity"] + tolerance).all()


def test_numba_equals_scipy_flow(reports):
    """Same maximum flow value and minimum cut; each decomposition is feasible."""
    numba_flow, scipy_flow = reports["numba"].flow, reports["scipy"].flow
    assert numba_flow.value == pytest.approx(scipy_flow.value, rel=1e-9)
    pd.testing.assert_frame_equal(numba_flow.min_cut, scipy_flow.min_cut,
                                  check_exact=False, rtol=1e-9)
    assert numba_flow.source_side == scipy_flow.source_side
    _assert_feasible(numba_flow, reports["numba"])
    _assert_feasible(scipy_flow, reports["scipy"])
