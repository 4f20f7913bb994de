"""ESRI against the authors' reference outputs, the worked example and invariants."""

from __future__ import annotations

import warnings
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.algorithms import systemic_risk as sr
from chaingraph.algorithms.propagation import simulate_shock
from chaingraph.algorithms.systemic_risk import find_systemic_risk, systemic_risk
from chaingraph.exceptions import ChainDataWarning
from chaingraph.readwrite import read_chain

METHODS = ["numba", "scipy"]
COLS = ["esri", "esri_downstream", "esri_upstream"]
REF_COLS = ["ESRI", "ESRI_d", "ESRI_u"]


def load_reference(folder, name, scale=1.0):
    """Reference chain through the public loader: duplicates summed, self-loops kept."""
    with warnings.catch_warnings():  # the published data repeats links, summed there
        warnings.filterwarnings("ignore", "edgecase_edges.csv: 2 rows are 1 duplicate",
                                ChainDataWarning)
        chain = read_chain(folder / f"{name}_firms.csv", folder / f"{name}_edges.csv",
                           duplicates="sum", self_loops="keep", scale=scale)
    return chain, folder / f"{name}_ess.csv"


@pytest.fixture(scope="module")
def ref(shared_data):
    return shared_data / "esri-reference"


def expected(ref, name, variant, eps):
    frame = pd.read_csv(ref / f"{name}_esri_{variant}_eps{eps}.csv")
    assert frame["firm"].tolist() == list(range(len(frame)))
    return frame


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("variant", ["nosub", "sub"])
@pytest.mark.parametrize("name", ["tiny", "edgecase", "synth2k"])
def test_reference_default_eps_exact(ref, name, variant, method):
    chain, ess = load_reference(ref, name)
    got = systemic_risk(chain, essentiality=ess, substitution=variant == "sub",
                        method=method)
    want = expected(ref, name, variant, "1e-2")
    assert got["enterprise"].tolist() == [str(i) for i in range(len(want))]
    np.testing.assert_allclose(got[COLS].to_numpy(), want[REF_COLS].to_numpy(),
                               rtol=0, atol=1e-12)
    assert (got["iterations"].to_numpy() == want["T"].to_numpy()).all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("variant", ["nosub", "sub"])
@pytest.mark.parametrize("name", ["tiny", "edgecase"])
def test_reference_tight_eps(ref, name, variant, method):
    chain, ess = load_reference(ref, name)
    got = systemic_risk(chain, essentiality=ess, substitution=variant == "sub",
                        tol=1e-12, method=method)
    want = expected(ref, name, variant, "1e-12")
    np.testing.assert_allclose(got[COLS].to_numpy(), want[REF_COLS].to_numpy(),
                               rtol=0, atol=1e-13)
    assert (got["iterations"].to_numpy() == want["T"].to_numpy()).all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("variant", ["nosub", "sub"])
def test_reference_synth2k_tight_sample(ref, variant, method):
    chain, ess = load_reference(ref, "synth2k")
    firms = list(range(0, 2000, 25))
    got = systemic_risk(chain, enterprises=[str(f) for f in firms], essentiality=ess,
                        substitution=variant == "sub", tol=1e-9, method=method)
    want = expected(ref, "synth2k", variant, "1e-9").iloc[firms]
    np.testing.assert_allclose(got[COLS].to_numpy(), want[REF_COLS].to_numpy(),
                               rtol=0, atol=1e-12)
    assert (got["iterations"].to_numpy() == want["T"].to_numpy()).all()


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["nosub", "sub"])
def test_reference_synth2k_tight_all(ref, variant):
    chain, ess = load_reference(ref, "synth2k")
    got = systemic_risk(chain, essentiality=ess, substitution=variant == "sub",
                        tol=1e-9)
    want = expected(ref, "synth2k", variant, "1e-9")
    np.testing.assert_allclose(got[COLS].to_numpy(), want[REF_COLS].to_numpy(),
                               rtol=0, atol=1e-12)
    assert (got["iterations"].to_numpy() == want["T"].to_numpy()).all()


def test_worked_example_by_hand(ref):
    """README section 4: firm 0 of `tiny` fails, no substitution."""
    chain, ess = load_reference(ref, "tiny")
    row = systemic_risk(chain, enterprises=["0"], essentiality=ess, tol=1e-12).iloc[0]
    assert row["esri"] == pytest.approx(float(Fraction(254, 567)), abs=1e-15)
    assert row["esri_downstream"] == pytest.approx(float(Fraction(212, 567)), abs=1e-15)
    assert row["esri_upstream"] == pytest.approx(17 / 54, abs=1e-15)
    assert row["iterations"] == 4
    shock = simulate_shock(chain, ["0"], essentiality=ess, tol=1e-12)
    hd = shock.enterprises.set_index("enterprise")["remaining_downstream"]
    np.testing.assert_allclose(hd.to_numpy(), [0, 1, 0.5, 6 / 7, 13 / 21, 6 / 7],
                               atol=1e-15)
    hu = shock.enterprises.set_index("enterprise")["remaining_upstream"]
    assert hu["1"] == pytest.approx(1 - 4 / 19, abs=1e-15)
    # with substitution firm 0 is scaled by sigma = 13/19 (firm 1 can replace it)
    sub = systemic_risk(chain, enterprises=["0"], essentiality=ess, substitution=True,
                        tol=1e-12).iloc[0]
    assert sub["esri"] == pytest.approx(0.39526791539, abs=1e-11)
    assert sub["iterations"] == 11


def test_sector_order_and_labels_do_not_matter(ref):
    """Pitfall 1 of the reference: chaingraph matches sectors by label."""
    chain, ess = load_reference(ref, "synth2k")
    table = pd.read_csv(ess, dtype=str).set_index("sector")
    order = ["3", "0", "1", "2", "9", "8", "7", "6", "5", "4"]
    shuffled = table.loc[order, list(reversed(order))]
    firms = [str(i) for i in range(0, 2000, 97)]
    a = systemic_risk(chain, enterprises=firms, essentiality=table)
    b = systemic_risk(chain, enterprises=firms, essentiality=shuffled)
    c = systemic_risk(chain, enterprises=firms,
                      essentiality={k: v.to_dict() for k, v in shuffled.iterrows()})
    extra = table.copy()
    extra["99"] = "2"
    extra.loc["99"] = "0"
    d = systemic_risk(chain, enterprises=firms, essentiality=extra)
    for other in (b, c, d):
        pd.testing.assert_frame_equal(a, other)
    # and a genuinely different table does change the result (the test can fail)
    changed = table.copy()
    changed.iloc[:, :] = "2"
    e = systemic_risk(chain, enterprises=firms, essentiality=changed)
    assert not np.allclose(a["esri"], e["esri"])


def test_missing_sector_in_table_and_firm_without_sector(ref):
    chain, ess = load_reference(ref, "tiny")
    table = pd.read_csv(ess, dtype=str).set_index("sector").drop(index="C", columns="C")
    with pytest.raises(cg.ChainDataError, match="missing"):
        systemic_risk(chain, essentiality=table)
    ent = chain.enterprises
    ent.loc[2, "segment"] = None
    blank = chain.with_tables(enterprises=ent)
    with pytest.raises(cg.ChainDataError) as info:
        systemic_risk(blank, essentiality=ess)
    problem = info.value.problems[0]  # named by id, not by a position in the chain
    assert problem.row is None and "enterprise '2' has no segment" in problem.message
    bad = pd.read_csv(ess, dtype=str).set_index("sector")
    bad.loc["A", "B"] = "3"
    with pytest.raises(cg.ChainDataError, match="0, 1 or 2"):
        systemic_risk(chain, essentiality=bad)


def test_replaceability_oscillation_raises(ref):
    """Pitfall 7: tiny / 100 with substitution never settles for firm 1."""
    chain, ess = load_reference(ref, "tiny", scale=0.01)
    for method in METHODS:
        with pytest.raises(cg.ConvergenceError, match="max_iter=200"):
            systemic_risk(chain, enterprises=["1"], essentiality=ess,
                          substitution=True, max_iter=200, method=method)
    ok = systemic_risk(chain, enterprises=["0", "2"], essentiality=ess,
                       substitution=True, max_iter=200)
    assert len(ok) == 2


def test_checkpoint_resume(ref, tmp_path, monkeypatch):
    chain, ess = load_reference(ref, "synth2k")
    firms = [str(i) for i in range(300)]
    path = tmp_path / "esri.npz"
    full = systemic_risk(chain, enterprises=firms, essentiality=ess)
    calls = []
    real = sr.run_cascades

    def interrupted(model, scenarios, **kw):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(len(scenarios[1]))
        return real(model, scenarios, **kw)

    monkeypatch.setattr(sr, "run_cascades", interrupted)
    with pytest.raises(KeyboardInterrupt):
        systemic_risk(chain, enterprises=firms, essentiality=ess, batch_size=50,
                      checkpoint=path)
    assert path.exists() and calls == [50, 50]
    calls.clear()

    def counting(model, scenarios, **kw):
        calls.append(len(scenarios[1]))
        return real(model, scenarios, **kw)

    monkeypatch.setattr(sr, "run_cascades", counting)
    resumed = systemic_risk(chain, enterprises=firms, essentiality=ess, batch_size=50,
                            checkpoint=path)
    assert calls == [50, 50, 50, 50]  # the two finished batches were skipped
    pd.testing.assert_frame_equal(resumed, full)
    calls.clear()
    again = systemic_risk(chain, enterprises=firms, essentiality=ess, batch_size=50,
                          checkpoint=path)
    assert calls == [] and again.equals(full)
    with pytest.raises(ValueError, match="another computation"):
        systemic_risk(chain, enterprises=firms, essentiality=ess, batch_size=50,
                      checkpoint=path, tol=1e-3)


def test_digraph_input_and_enterprise_subset(ref):
    chain, ess = load_reference(ref, "edgecase")
    full = systemic_risk(chain, essentiality=ess)
    G = chain.to_networkx()
    assert systemic_risk(G, essentiality=ess).equals(full)
    part = systemic_risk(chain, enterprises=["6", "2"], essentiality=ess)
    pd.testing.assert_frame_equal(
        part, full.set_index("enterprise").loc[["6", "2"]].reset_index().astype(
            {"enterprise": object}))
    with pytest.raises(nx.NodeNotFound):
        systemic_risk(chain, enterprises=["nope"], essentiality=ess)


def test_invariants_on_synth2k(ref):
    chain, ess = load_reference(ref, "synth2k")
    got = systemic_risk(chain, essentiality=ess, tol=1e-2)
    w = chain.adjacency().sum(axis=1)
    w = w / w.sum()
    esri, down, up = (got[c].to_numpy() for c in COLS)
    assert (esri >= w - 1e-15).all() and (esri <= 1 + 1e-12).all()
    assert (esri >= np.maximum(down, up) - 1e-15).all()
    assert (esri <= down + up + 1e-12).all()
    assert (got["n_affected"] >= 1).all()
    assert (got["n_half_lost"] <= got["n_affected"]).all()


def test_find_systemic_risk_ranked_and_explained(ref):
    chain, ess = load_reference(ref, "tiny")
    found = find_systemic_risk(chain, essentiality=ess, top=4, explain=2)
    assert list(found.columns) == [
        "enterprise", "name", "segment", "esri", "esri_downstream", "esri_upstream",
        "iterations", "n_affected", "n_half_lost", "most_hit_segments", "rank", "score",
        "explanation"]
    assert len(found) == 4
    assert (np.diff(found["score"]) <= 0).all()
    assert found["rank"].tolist() == [1, 2, 3, 4]
    # 1 (only A-supplier of 0 and 3) and 5 (last buyer) both remove everything
    assert set(found["enterprise"].iloc[:2]) == {"1", "5"}
    first = found.iloc[0]
    assert "100.0% of total output" in first["explanation"]
    assert first["most_hit_segments"] and found["most_hit_segments"].iat[3] is None
    assert all(isinstance(t, str) and t.endswith(".") for t in found["explanation"])


@pytest.mark.parametrize("variant", ["nosub", "sub"])
def test_cli_risk_on_reference_files(ref, tmp_path, variant, capsys):
    from chaingraph.cli import main

    out = tmp_path / "risk.csv"
    args = ["risk", str(ref / "edgecase_firms.csv"), str(ref / "edgecase_edges.csv"),
            "--essentiality", str(ref / "edgecase_ess.csv")]
    if variant == "sub":
        args.append("--substitution")
    args += ["--out", str(out)]
    assert main(args) == 0
    assert "written to" in capsys.readouterr().out
    got = pd.read_csv(out)
    assert list(got.columns) == ["enterprise", "esri", "esri_downstream",
                                 "esri_upstream", "iterations"]
    want = expected(ref, "edgecase", variant, "1e-2")
    np.testing.assert_allclose(got[COLS].to_numpy(), want[REF_COLS].to_numpy(),
                               rtol=0, atol=1e-12)
    assert (got["iterations"] == want["T"]).all()
    assert main([*args[:-2], "--out", str(out), "--tol", "1e-12",
                 "--enterprises", "6,2"]) == 0
    tight = pd.read_csv(out)
    want = expected(ref, "edgecase", variant, "1e-12").iloc[[6, 2]]
    assert tight["enterprise"].tolist() == [6, 2]
    np.testing.assert_allclose(tight["esri"], want["ESRI"], rtol=0, atol=1e-13)


def test_cli_risk_errors(ref, tmp_path, capsys):
    from chaingraph.cli import main

    base = ["risk", str(ref / "tiny_firms.csv"), str(ref / "tiny_edges.csv"),
            "--out", str(tmp_path / "r.csv")]
    assert main([*base, "--essentiality", str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main([*base, "--enterprises", "99"]) == 2
    assert "not in the chain" in capsys.readouterr().err
    alone = tmp_path / "alone.csv"  # never the working folder: a run may write there
    assert main(["risk", str(ref / "tiny_firms.csv"), "--out", str(alone)]) == 2
    assert "no supply links read" in capsys.readouterr().err and not alone.exists()
    assert main([*base, "--essentiality", "linear", "--sector", "none"]) == 0


@pytest.mark.parametrize("name", ["tiny", "edgecase", "synth2k"])
def test_worklist_scheme_reaches_the_tight_reference(ref, name):
    """The asynchronous worklist goes to the fixed point: compare with tight files."""
    chain, ess = load_reference(ref, name)
    eps = "1e-9" if name == "synth2k" else "1e-12"
    want = expected(ref, name, "nosub", eps)
    firms = list(range(0, 2000, 100)) if name == "synth2k" else list(range(len(want)))
    got = systemic_risk(chain, enterprises=[str(f) for f in firms], essentiality=ess,
                        tol=1e-12, scheme="worklist", max_iter=10**5)
    np.testing.assert_allclose(got[COLS].to_numpy(),
                               want.iloc[firms][REF_COLS].to_numpy(), rtol=0, atol=1e-8)
    loose = systemic_risk(chain, enterprises=[str(f) for f in firms], essentiality=ess,
                          tol=1e-2, scheme="worklist")
    assert (loose["iterations"] <= got["iterations"]).all()
    with pytest.raises(ValueError, match="substitution"):
        systemic_risk(chain, essentiality=ess, substitution=True, scheme="worklist")
    with pytest.raises(ValueError, match="scheme"):
        systemic_risk(chain, essentiality=ess, scheme="gauss")


def test_risk_command_reads_one_workbook(tmp_path, capsys):
    """`chaingraph risk book.xlsx` said "give two files", although every command reads
    one workbook (an analyst's review)."""
    from chaingraph.cli import main

    book = cg.write_chain(cg.datasets.load_example(), tmp_path / "chain.xlsx")
    out = tmp_path / "risk.csv"
    assert main(["risk", str(book), "--out", str(out), "--essentiality", "linear",
                 "--enterprises", "E0406,E0079"]) == 0
    assert pd.read_csv(out)["enterprise"].tolist() == ["E0406", "E0079"]
