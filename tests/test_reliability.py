"""Regression tests of issue 13 (reliability and safety), one per finding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
import zipfile
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.cli import main
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.readwrite.safety import (
    atomic_path,
    escape_frame,
    escape_text,
    json_dumps,
    json_plain,
    json_records,
    neutralize_formula,
    unescape_frame,
    unescape_text,
)

EVIL = '=HYPERLINK("http://evil.example","点击")'
FORMATS = ("csv", "parquet", "excel", "json", "graphml", "gexf")
SUFFIX = {"excel": ".xlsx", "json": ".json", "graphml": ".graphml", "gexf": ".gexf"}


def write_read(chain: cg.Chain, folder: Path, fmt: str) -> cg.Chain:
    path = cg.write_chain(chain, folder / f"chain-{fmt}{SUFFIX.get(fmt, '')}", format=fmt)
    return cg.read_chain(path)


def assert_same_chain(back: cg.Chain, chain: cg.Chain) -> None:
    pd.testing.assert_frame_equal(back.enterprises, chain.enterprises)
    pd.testing.assert_frame_equal(back.links, chain.links)


def evil_chain() -> cg.Chain:
    G = nx.DiGraph()
    G.add_node(EVIL, segment="+cmd|' /C calc'!A0", region="@SUM(1+1)")
    G.add_node("-2+3", segment="\t=1", region="'quoted")
    G.add_node("正常企业", segment="电芯", region="本区")
    G.add_edge(EVIL, "-2+3", volume=5.0, product="=1+1")
    G.add_edge("-2+3", "正常企业", volume=2.0, product="\r=2")
    return cg.as_chain(G)


# --- formula injection -------------------------------------------------------------------
def test_formula_injection_write_chain_xlsx_has_no_formula_cells(tmp_path):
    chain = evil_chain()
    path = cg.write_chain(chain, tmp_path / "c.xlsx")
    book = openpyxl.load_workbook(path)  # formulas visible as data_type "f"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert_same_chain(cg.read_chain(path), chain)


def test_formula_injection_csv_for_excel_is_inert_and_reads_back(tmp_path):
    chain = evil_chain()
    folder = cg.write_chain(chain, tmp_path / "c")
    for name in ("enterprises.csv", "links.csv"):
        raw = (folder / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: meant for Excel
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
        for value in frame.to_numpy().ravel():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert_same_chain(cg.read_chain(folder), chain)


def test_formula_injection_risk_csv_is_inert(tmp_path):
    ent = tmp_path / "e.csv"
    lk = tmp_path / "l.csv"
    pd.DataFrame({"id": [EVIL, "b"], "segment": ["s", "s"]}).to_csv(ent, index=False)
    pd.DataFrame({"supplier": [EVIL], "buyer": ["b"], "volume": [1.0]}).to_csv(
        lk, index=False)
    out = tmp_path / "risk.csv"
    assert main(["risk", str(ent), str(lk), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "\n=" not in text and "'=HYPERLINK" in text


def test_formula_injection_helpers_round_trip():
    for text in (EVIL, "+1", "-1", "@x", "\tx", "\rx", "'x", "''", "_x0041_", "a\x00b",
                 "\ud800", "普通", ""):
        assert unescape_text(escape_text(text, formulas=True), formulas=True) == text
        assert unescape_text(escape_text(text)) == text
        assert not escape_text(text, formulas=True).startswith(("=", "+", "-", "@"))
    assert neutralize_formula(EVIL) == "'" + EVIL
    assert neutralize_formula(3) == 3


#: Text that meets every branch of the escape rule: control characters, an ``_``
#: that starts a marker or not, formula starts, the non-characters, Chinese.
_NASTY_TEXT = st.lists(st.sampled_from(
    [*"_x0Af9_=+-@'\t\r\n\x00\x1f\x7f 链a", "\ufffe", "\uffff", "_x00", "_x0041_"]),
    max_size=10).map("".join)


@given(st.one_of(_NASTY_TEXT, st.text(max_size=12)), st.booleans())
@example("_x0000\r", False)  # the escaped \r's "_" closed a marker: read back "\x00x000D_"
@example("_x0041_x", True)
def test_escape_text_reads_back_as_written(text, formulas):
    escaped = escape_text(text, formulas=formulas)
    assert unescape_text(escaped, formulas=formulas) == text
    assert not any(0xD800 <= ord(c) <= 0xDFFF or (ord(c) < 0x20 and c not in "\t\n")
                   for c in escaped)


@given(st.lists(st.one_of(st.none(), _NASTY_TEXT), max_size=30), st.booleans())
@example(["_x0041_", "a_x", "\r=1", "_x12G4_", None, "\uffff"], True)
def test_escape_frame_arrow_text_is_escaped_cell_by_cell(cells, formulas):
    # pyarrow-backed text is searched by Arrow's RE2 (Python's pattern has a
    # lookahead RE2 cannot run): the same cells change as with escape_text one by one
    for dtype in ("str", "object"):
        frame = pd.DataFrame({"t": pd.Series(cells, dtype=dtype)})
        out = escape_frame(frame, formulas=formulas)
        want = [escape_text(v, formulas=formulas) for v in frame["t"]]
        assert out["t"].dtype == frame["t"].dtype
        assert [None if v is None or v != v else v for v in out["t"]] == [
            None if v is None or v != v else v for v in want]
        back = unescape_frame(out, formulas=formulas)
        pd.testing.assert_frame_equal(back, frame)


# --- partial files -----------------------------------------------------------------------
def test_partial_files_atomic_path_keeps_the_old_file_on_interrupt(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("good", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_partial_files_write_chain_failure_leaves_previous_file(tmp_path, fmt,
                                                                monkeypatch):
    chain = evil_chain()
    path = cg.write_chain(chain, tmp_path / f"c{SUFFIX.get(fmt, '')}", format=fmt)
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        cg.write_chain(chain, path, format=fmt)
    after = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    assert after == before  # nothing half-written, no temporary file left


def test_partial_files_risk_out_is_atomic(tmp_path, monkeypatch):
    ent, lk, out = tmp_path / "e.csv", tmp_path / "l.csv", tmp_path / "risk.csv"
    pd.DataFrame({"id": ["a", "b"], "segment": ["s", "t"]}).to_csv(ent, index=False)
    pd.DataFrame({"supplier": ["a"], "buyer": ["b"], "volume": [1.0]}).to_csv(
        lk, index=False)
    out.write_text("previous good file", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    assert main(["risk", str(ent), str(lk), "--out", str(out)]) == 130
    assert out.read_text(encoding="utf-8") == "previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "l.csv", "risk.csv"]


def test_partial_files_portfolio_and_regions_out_are_all_or_none(tmp_path, monkeypatch):
    """The portfolio's dossiers (and the regions tables) were written file by file:
    Ctrl-C halfway left new overview files beside old chain dossiers. Now they are
    staged and moved once all are written; files the run does not write stay."""
    from chaingraph.dossier import diagnose_portfolio, write_portfolio_report
    from chaingraph.readwrite.safety import staged_folder

    out = tmp_path / "out"
    report = diagnose_portfolio(cg.datasets.load_example_portfolio())
    first = write_portfolio_report(report, out, lang="zh")
    assert first and all(p.is_file() and out in p.parents for p in first)
    (out / "mine.txt").write_text("the user's own file", encoding="utf-8")
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # the third chain's dossier: the overview is already written
            raise KeyboardInterrupt
        return "changed"

    monkeypatch.setattr(cg.report.ChainReport, "to_markdown", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_portfolio_report(report, out, lang="zh")
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before  # nothing new, nothing half-written, no staging folder
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    # a file that cannot be replaced at the end (a folder in its way; on Windows a
    # workbook open in Excel): the files replaced before it are put back
    (out / "portfolio.xlsx").unlink()
    (out / "portfolio.xlsx").mkdir()
    (out / "portfolio.xlsx" / "keep.txt").write_text("inside", encoding="utf-8")
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    with pytest.raises(IsADirectoryError, match=r"portfolio\.xlsx"):
        write_portfolio_report(report, out, lang="en")
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    real = os.replace
    moved = []

    def locked(src, dst):  # the third file moved into place is locked
        if ".chaingraph-staging-" not in str(dst):  # a move into the folder itself
            moved.append(dst)
            if len(moved) == 3:
                raise PermissionError(13, "locked", str(dst))
        return real(src, dst)

    (out / "portfolio.xlsx" / "keep.txt").unlink()
    (out / "portfolio.xlsx").rmdir()
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(PermissionError):
        write_portfolio_report(report, out, lang="en")
    monkeypatch.undo()
    assert moved[3:] == moved[2::-1]  # the files replaced were put back, last first
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    with pytest.raises(ValueError, match="x"), staged_folder(tmp_path / "r") as stage:
        (stage / "regions.csv").write_text("new", encoding="utf-8")
        raise ValueError("x")
    assert list((tmp_path / "r").iterdir()) == []
    data = resources.files("chaingraph.datasets").joinpath("data")
    files = [str(data / "example_regions_enterprises.csv"),
             str(data / "example_regions_links.csv")]
    assert main(["regions", *files, "--template", "nev", "--out", str(tmp_path / "r"),
                 "--lang", "en"]) == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "counterparts.csv", "distribution.png", "flow_matrix.csv", "flows.csv",
        "regions.csv"]


# --- Ctrl-C ------------------------------------------------------------------------------
def test_ctrl_c_exits_130_with_one_line(tmp_path, monkeypatch, capsys):
    import chaingraph.report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(chaingraph.report, "diagnose", interrupted)
    assert main(["demo", "--out", str(tmp_path / "out")]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "chaingraph: interrupted"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_segfault_json_written_without_to_json(tmp_path):
    """write_chain's JSON never calls DataFrame.to_json (the pandas 3 crash path)."""
    chain = evil_chain()
    code = (
        "import pandas as pd, chaingraph as cg, sys\n"
        "def no(*a, **k): raise AssertionError('to_json called')\n"
        "pd.DataFrame.to_json = no; pd.Series.to_json = no\n"
        "chain = cg.read_chain(sys.argv[1])\n"
        "cg.write_chain(chain, sys.argv[2])\n")
    source = cg.write_chain(chain, tmp_path / "in.json")
    result = subprocess.run([sys.executable, "-c", code, str(source),
                             str(tmp_path / "out.json")], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.returncode != -signal.SIGSEGV
    records = json_records(pd.DataFrame({"a": pd.array(["x", None], dtype="str"),
                                         "t": pd.to_datetime(["2024-01-01", None])}))
    assert json_dumps(records) == ('[{"a": "x", "t": "2024-01-01T00:00:00"}, '
                                   '{"a": null, "t": null}]')


# --- silently wrong data -----------------------------------------------------------------
def _book(path: Path, rows: list[list], *, hidden_first: bool = False,
          merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if hidden_first:
        sheet.title = "old"
        sheet.append(["supplier", "buyer", "金额"])
        sheet.append(["x", "y", 999])
        sheet.sheet_state = "hidden"
        sheet = book.create_sheet("links")
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def test_silently_wrong_formula_without_cached_value_is_named(tmp_path):
    path = _book(tmp_path / "f.xlsx", [["supplier", "buyer", "金额"], ["a", "b", 5],
                                       ["b", "c", "=C2*2"]])
    with pytest.warns(ChainDataWarning, match="C3"), pytest.raises(
            ChainDataError, match="row 3, column '金额'"):
        cg.read_chain(path)


def test_silently_wrong_merged_cells_are_filled_down(tmp_path):
    path = _book(tmp_path / "m.xlsx", [["企业名称", "所属环节"], ["甲", "电芯"], ["乙", None],
                                       ["丙", None], ["丁", "整车"]], merge="B2:B4")
    table = cg.read_chain(path, pd.DataFrame({"供应商": ["甲"], "客户": ["丁"]}),
                          ) if False else None
    links = pd.DataFrame({"supplier": ["甲"], "buyer": ["丁"]})
    with pytest.warns(ChainDataWarning, match="B2:B4"):
        table = cg.read_chain(path, links)
    assert table.enterprises["segment"].tolist() == ["电芯", "电芯", "电芯", "整车"]


def test_silently_wrong_hidden_first_sheet_is_skipped(tmp_path):
    path = _book(tmp_path / "h.xlsx", [["supplier", "buyer", "金额"], ["a", "b", 5]],
                 hidden_first=True)
    with pytest.warns(ChainDataWarning, match="hidden sheet"):
        chain = cg.read_chain(path)
    assert chain.links["supplier"].tolist() == ["a"]


@pytest.mark.parametrize(("header", "cell", "expected"), [
    ("金额(百万)", "5", 5e6), ("金额（千万）", "5", 5e7), ("金额/万元", "5", 5e4),
    ("金额（万美元）", "5", 5e4 * 7.1), ("金额", "USD 5", 5 * 7.1),
    ("金额", "$5 million", 5e6 * 7.1)])
def test_silently_wrong_units_and_currencies(header, cell, expected):
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["b"], header: [cell]})
    chain = cg.read_chain(None, links, exchange_rates={"USD": 7.1})
    assert chain.links["volume"].tolist() == pytest.approx([expected])
    if "美元" in header or "$" in cell or "USD" in cell:
        with pytest.raises(ChainDataError, match="USD"):
            cg.read_chain(None, links)


def test_silently_wrong_parquet_decimal128_money(tmp_path):
    import decimal

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"supplier": ["a"], "buyer": ["b"], "volume": pa.array(
        [decimal.Decimal("12.50")], pa.decimal128(10, 2))}), tmp_path / "d.parquet")
    assert cg.read_chain(tmp_path / "d.parquet").links["volume"].tolist() == [12.5]


def test_silently_wrong_nat_ids_are_rejected():
    links = pd.DataFrame({"supplier": pd.to_datetime(["2020-01-01", None]),
                          "buyer": pd.to_datetime(["2020-01-02", "2020-01-03"])})
    with pytest.raises(ChainDataError, match="row 1, column 'supplier': blank id"):
        cg.read_chain(None, links)


# --- bare exceptions ---------------------------------------------------------------------
def test_bare_exceptions_deep_json(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ChainDataError, match=r"deep\.json"):
        cg.read_chain(tmp_path / "deep.json")


def test_bare_exceptions_integers_beyond_int64(tmp_path):
    big = 2**63 + 5
    (tmp_path / "big.json").write_text(json.dumps(
        {"links": [{"supplier": big, "buyer": big + 1}]}), encoding="utf-8")
    chain = cg.read_chain(tmp_path / "big.json")
    assert chain.ids.tolist() == [big, big + 1]
    (tmp_path / "huge.json").write_text(json.dumps(
        {"links": [{"supplier": 2**70, "buyer": -(2**70)}]}), encoding="utf-8")
    assert cg.read_chain(tmp_path / "huge.json").ids.tolist() == [2**70, -(2**70)]


def test_bare_exceptions_damaged_sheet_in_xlsx(tmp_path):
    good = _book(tmp_path / "g.xlsx", [["supplier", "buyer"], ["a", "b"]])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(ChainDataError, match=r"bad\.xlsx"):
        cg.read_chain(bad)


def test_bare_exceptions_cli_one_line_exit_2(tmp_path, capsys):
    folder = cg.write_chain(cg.load_example(), tmp_path / "ex")
    cases = [["diagnose", str(folder), "--sources", "nobody", "--out",
              str(tmp_path / "o")]]
    bad_yaml = tmp_path / "cols.yaml"
    bad_yaml.write_text("a: [unclosed\n", encoding="utf-8")
    cases.append(["info", str(folder), "--columns", str(bad_yaml)])
    cases.append(["info", str(tmp_path / "missing.csv")])
    ent, lk = tmp_path / "e.csv", tmp_path / "l.csv"
    pd.DataFrame({"id": ["a", "b"], "segment": ["s", "t"]}).to_csv(ent, index=False)
    pd.DataFrame({"supplier": ["a"], "buyer": ["b"], "volume": [1.0]}).to_csv(
        lk, index=False)
    ckpt = tmp_path / "ck.npz"
    np.savez(ckpt, other=np.zeros(2))
    cases.append(["risk", str(ent), str(lk), "--out", str(tmp_path / "r.csv"),
                  "--checkpoint", str(ckpt)])
    cases.append(["risk", str(ent), str(lk), "--out", str(tmp_path / "r.csv"),
                  "--essentiality", str(tmp_path / "none.csv")])
    for argv in cases:
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("chaingraph: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_bare_exceptions_checkpoint_without_key(tmp_path):
    ckpt = tmp_path / "ck.npz"
    np.savez(ckpt, table=np.zeros(1))
    G = nx.DiGraph([("a", "b", {"volume": 1.0})])
    with pytest.raises(ChainDataError, match=r"ck\.npz"):
        cg.systemic_risk(G, sector=None, checkpoint=ckpt)


def test_bare_exceptions_control_characters_in_names(tmp_path):
    G = nx.DiGraph([("a\x01b", "c\x0bd\x00", {"product": "x\x1fy\r"})])
    chain = cg.as_chain(G, self_loops="keep") if False else cg.as_chain(G)
    for fmt in FORMATS:
        assert_same_chain(write_read(chain, tmp_path, fmt), chain)


def test_text_that_looks_like_a_marker_before_an_escaped_character_round_trips(tmp_path):
    # "_x0000" then "\r": the \r's marker "_x000D_" closed "_x0000_" in the file
    G = nx.DiGraph([("_x0000\r", "_x0041\x01", {"product": "=_x00Ff\x7f"})])
    chain = cg.as_chain(G)
    for fmt in FORMATS:
        assert_same_chain(write_read(chain, tmp_path / fmt, fmt), chain)


def test_bare_exceptions_unreadable_files(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads every file")
    for name in ("x.csv", "x.json", "x.xlsx", "x.parquet", "x.graphml"):
        path = tmp_path / name
        path.write_bytes(b"supplier,buyer\na,b\n")
        path.chmod(0)
        with pytest.raises(ChainDataError, match=name):
            cg.read_chain(path)


def test_bare_exceptions_api_misuse(tmp_path):
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]})
    with pytest.raises(TypeError, match="enterprises"):
        cg.read_chain(123)
    with pytest.raises(TypeError, match="links"):
        cg.read_chain(None, 4.5)
    with pytest.raises(cg.TemplateError):
        cg.read_chain(None, links, template="no_such_template")
    with pytest.raises(TypeError, match="template"):
        cg.read_chain(None, links, template=42)
    with pytest.raises(ValueError, match="scale"):
        cg.read_chain(None, links, scale="x")
    assert cg.read_chain(None, links.assign(volume=["2"]), scale="万").links[
        "volume"].tolist() == [2e4]
    with pytest.raises(TypeError, match="template"):
        cg.find_missing_segments(cg.read_chain(None, links), template=None)
    with pytest.raises(ChainDataError, match=r"missing\.csv"):
        cg.systemic_risk(nx.DiGraph([("a", "b")]), essentiality=str(
            tmp_path / "missing.csv"), sector=None)


def test_bare_exceptions_template_name_is_resolved():
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]})
    ent = pd.DataFrame({"id": ["a", "b"], "segment": ["nope", "nope"]})
    with pytest.raises(ChainDataError, match="nope"):
        cg.read_chain(ent, links, template="nev")


# --- own files readable ------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_own_files_self_loops_and_reserved_attribute_names(tmp_path, fmt):
    G = nx.DiGraph()
    G.add_node("a", value=1.5, weight="w", sector="s", city="c", sales=3)
    G.add_node("b", value=2.5, weight="x", sector="t", city="d", sales=4)
    G.add_edge("a", "b", volume=5.0, value=1.0, weight=2.0, amount="x")
    G.add_edge("b", "b", volume=1.0, value=3.0, weight=4.0, amount="y")
    chain = cg.as_chain(G)
    assert_same_chain(write_read(chain, tmp_path, fmt), chain)


# --- ids ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_ids_uint64_and_big_ints_round_trip(tmp_path, fmt):
    big = pd.DataFrame({"supplier": np.array([2**63 + 7, 2**64 - 1], dtype=np.uint64),
                        "buyer": np.array([1, 2**63 + 7], dtype=np.uint64)})
    chain = cg.read_chain(None, big)
    assert_same_chain(write_read(chain, tmp_path / "u", fmt), chain)
    near = pd.DataFrame({"supplier": [2**53 + 1, 2**62 + 1], "buyer": [2**53, 3]})
    chain = cg.read_chain(None, near)
    assert_same_chain(write_read(chain, tmp_path / "n", fmt), chain)
    huge = pd.DataFrame({"supplier": pd.Series([2**70, 2**53 + 1], dtype=object),
                         "buyer": pd.Series([-(2**64), 2**53], dtype=object)})
    chain = cg.read_chain(None, huge)
    assert chain.ids.tolist() == [2**70, 2**53 + 1, -(2**64), 2**53]
    assert write_read(chain, tmp_path / "h", fmt).ids.tolist() == chain.ids.tolist()


def test_ids_chain_arrays_are_read_only():
    chain = cg.as_chain(nx.DiGraph([("a", "b", {"volume": 1.0})]))
    arrays = [chain.ids, *chain.link_codes, chain.column("volume", table="links"),
              chain.column("id")]
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]


# --- smaller -----------------------------------------------------------------------------
def test_smaller_find_bottlenecks_without_links():
    chain = cg.read_chain(pd.DataFrame({"id": ["a"], "segment": ["s"]}),
                          pd.DataFrame({"supplier": [], "buyer": []}))
    table = cg.find_bottlenecks(chain)
    assert "segment" in table.columns
    assert set(table["kind"]) <= {"concentration"}  # no link findings without links


def test_smaller_amounts_near_1e308_rejected():
    links = pd.DataFrame({"supplier": ["a", "b"], "buyer": ["b", "c"],
                          "volume": [1e308, "1e300"]})
    with pytest.raises(ChainDataError) as caught:
        cg.read_chain(None, links)
    assert [p.row for p in caught.value.problems] == [0, 1]
    with pytest.raises(ValueError, match="too large"):
        cg.parse_amount("1e101")


def test_smaller_top_negative_rejected():
    chain = cg.load_example()
    finders = [cg.find_bottlenecks, cg.find_breakpoints, cg.find_leaders,
               cg.find_structure, cg.find_single_points_of_failure]
    for finder in finders:
        with pytest.raises(ValueError, match="top"):
            finder(chain, top=-1)
        with pytest.raises(TypeError, match="top"):
            finder(chain, top=1.5)


def test_smaller_ragged_csv_row_named(tmp_path):
    (tmp_path / "rag.csv").write_text("supplier,buyer\na,b\nc,d,e,f\n", encoding="utf-8")
    with pytest.raises(ChainDataError) as caught:
        cg.read_chain(tmp_path / "rag.csv")
    assert caught.value.problems[0].row == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_smaller_datetime_and_categorical_attributes_round_trip(tmp_path, fmt):
    ent = pd.DataFrame({"id": ["a", "b"],
                        "founded": pd.to_datetime(["2020-01-02", None]),
                        "kind": pd.Categorical(["x", "y"])})
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["b"],
                          "signed": pd.to_datetime(["2023-05-06 07:08:09"])})
    chain = cg.read_chain(ent, links)
    assert_same_chain(write_read(chain, tmp_path, fmt), chain)


def test_smaller_nfkc_equal_names_warn():
    links = pd.DataFrame({"supplier": ["ABC公司"], "buyer": ["ＡＢＣ公司"]})
    with pytest.warns(ChainDataWarning, match="ＡＢＣ公司"):
        cg.read_chain(None, links)


def test_smaller_two_columns_named_alike_warn(tmp_path):
    (tmp_path / "two.csv").write_text("supplier,buyer,金额,金额\na,b,1,2\n",
                                      encoding="utf-8")
    with pytest.warns(ChainDataWarning, match="columns 3 and 4 are both named '金额'"):
        cg.read_chain(tmp_path / "two.csv")


def test_smaller_graphml_node_without_id(tmp_path):
    (tmp_path / "n.graphml").write_text(
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<graph edgedefault="directed"><node/><node id="b"/><node id="c"/>'
        '<edge source="b" target="c"/></graph></graphml>', encoding="utf-8")
    with pytest.raises(ChainDataError, match="no id"):
        cg.read_chain(tmp_path / "n.graphml")


def test_smaller_gbk_console_does_not_crash(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    folder = cg.write_chain(cg.as_chain(nx.DiGraph([("\u00e9\u2603", "b")])),
                            tmp_path / "c")
    result = subprocess.run([sys.executable, "-m", "chaingraph.cli", "info",
                             str(folder)], capture_output=True, env=env, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr.decode("gbk", "replace")


def test_helpers_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        escape_text("x")


def test_silently_wrong_cli_exchange_rate(tmp_path, capsys):
    lk = tmp_path / "l.csv"
    pd.DataFrame({"supplier": ["a"], "buyer": ["b"], "金额": ["USD 5"]}).to_csv(
        lk, index=False)
    assert main(["info", str(lk)]) == 2
    assert "USD" in capsys.readouterr().err
    assert main(["info", str(lk), "--exchange-rate", "USD=7.1"]) == 0
    assert main(["info", str(lk), "--exchange-rate", "USD"]) == 2


def test_bare_exceptions_unreadable_files_simulated(tmp_path, monkeypatch):
    """As root every file is readable: simulate the permission error instead."""
    for name in ("x.csv", "x.json", "x.parquet", "x.graphml", "x.xlsx"):
        (tmp_path / name).write_bytes(b"supplier,buyer\na,b\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    monkeypatch.setattr(Path, "read_bytes", denied)
    real_open = open

    def denied_open(file, *args, **kwargs):
        if str(file).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied_open)
    for name in ("x.csv", "x.json", "x.parquet", "x.graphml", "x.xlsx"):
        with pytest.raises(ChainDataError, match=name.replace(".", r"\.")):
            cg.read_chain(tmp_path / name)


# --- found by the nightly fuzz profile (tests/test_readwrite_fuzz.py) ----------------------
def _exactly(back: cg.Chain, chain: cg.Chain) -> None:
    """Same tables, and every missing cell the same kind of missing (None/NaN/NaT)."""
    assert_same_chain(back, chain)
    for got, want in ((back.enterprises, chain.enterprises), (back.links, chain.links)):
        for col in want.columns:
            assert [type(v) for v in got[col].tolist()] == [
                type(v) for v in want[col].tolist()], col


def test_fuzz_found_unknown_add_beside_generic_nat_id_is_a_chain_data_error():
    ent = pd.DataFrame({"id": pd.Series([np.datetime64("NaT"), "a"], dtype=object)})
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["z"]})  # string dtype ends
    with pytest.raises(ChainDataError, match="blank id"):  # was ArrowNotImplementedError
        cg.read_chain(ent, links, unknown="add")


def test_fuzz_found_added_enterprises_keep_the_text_id_dtype():
    ent = pd.DataFrame({"id": pd.Series(["b", "a"], dtype=object)})
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["z"]})
    chain = cg.read_chain(ent, links, unknown="add")
    assert chain.enterprises["id"].dtype == cg.read_chain(
        pd.DataFrame({"id": ["b", "a", "z"]}), links).enterprises["id"].dtype


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_found_mixed_object_columns_round_trip(tmp_path, fmt):
    ent = pd.DataFrame({
        "id": pd.Series(["a", 7, "b"], dtype=object),
        "mixed": pd.Series([pd.NaT, "q", None], dtype=object),
        "numbers": pd.Series([1, 2.5, float("nan")], dtype=object),
        "empty": pd.Series(["", "x", np.nan], dtype=object),
        "huge": pd.Series([2**70, True, None], dtype=object),
        "when": pd.Series([pd.Timestamp("2024-01-02"), np.datetime64("NaT", "ns"),
                           np.datetime64("2024-01-02", "D")], dtype=object),
        "all_nat": pd.Series([pd.NaT] * 3, dtype=object),
        "spaces": pd.Series(["  ", "\u3000", "a"], dtype=object),
        "inf": [1.0, np.inf, -np.inf]})
    links = pd.DataFrame({"supplier": pd.Series(["a", 7], dtype=object),
                          "buyer": pd.Series([7, "b"], dtype=object),
                          "note": pd.Series([EVIL, 3], dtype=object)})
    chain = cg.read_chain(ent, links)
    back = write_read(chain, tmp_path, fmt)
    _exactly(back, chain)
    if fmt in ("csv", "parquet"):
        stamp = json.loads((tmp_path / f"chain-{fmt}" / "meta.json").read_text("utf-8"))
        assert stamp["schema"]["cells"]["enterprises"]["mixed"] == "Tsn"
        assert any("'mixed'" in note and "stored as text" in note
                   for note in stamp["schema"]["notes"])


@pytest.mark.parametrize("name", ["weight", "label", "id", "start", "type", "key",
                                  "networkx_key"])
def test_fuzz_found_gexf_reserved_attribute_names_hold_any_kind(tmp_path, name):
    links = pd.DataFrame({"supplier": ["a", "b"], "buyer": ["b", "c"],
                          name: pd.Series([EVIL, "False"], dtype=object)})
    ent = pd.DataFrame({"id": ["a", "b", "c"]})
    if name != "id":
        ent[name] = pd.Series(["x", None, "z"], dtype=object)
    chain = cg.Chain.from_frames(ent, links)  # read_chain would read weight as volume
    _exactly(write_read(chain, tmp_path, "gexf"), chain)


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_found_categoricals_keep_their_categories(tmp_path, fmt):
    ent = pd.DataFrame({"id": ["a", "b"],
                        "kind": pd.Categorical(["乙", None], categories=["乙", "甲", "=1"],
                                               ordered=True)})
    links = pd.DataFrame({"supplier": pd.Series([], dtype=object),
                          "buyer": pd.Series([], dtype=object),
                          "kind": pd.Series(pd.Categorical([]))})
    chain = cg.read_chain(ent, links)
    assert_same_chain(write_read(chain, tmp_path, fmt), chain)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_fuzz_found_graph_files_refuse_ids_with_the_same_text(tmp_path, fmt):
    chain = cg.read_chain(pd.DataFrame({"id": pd.Series([7, "7"], dtype=object)}),
                          pd.DataFrame({"supplier": [7], "buyer": ["7"]}))
    with pytest.raises(cg.ChainGraphError, match="same text"):
        cg.write_chain(chain, tmp_path / f"c.{fmt}")
    assert not (tmp_path / f"c.{fmt}").exists()
    _exactly(write_read(chain, tmp_path, "csv"), chain)


def test_fuzz_found_excel_keeps_every_float_bit_for_bit(tmp_path):
    values = np.array([-0.0, 1 / 3, 0.1, 5e-324, 1e300, 2.0**60 + 1, -1e-300])
    ent = pd.DataFrame({"id": [f"e{i}" for i in range(len(values))], "x": values})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["e0"], "buyer": ["e1"]}))
    back = write_read(chain, tmp_path, "excel").enterprises["x"].to_numpy()
    assert back.tobytes() == values.tobytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_found_other_objects_are_written_as_text_with_a_warning(tmp_path, fmt):
    from decimal import Decimal

    ent = pd.DataFrame({"id": ["a", "b"],
                        "price": pd.Series([Decimal("1.10"), None], dtype=object)})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}))
    with pytest.warns(ChainDataWarning, match="'price'.*Decimal"):
        back = write_read(chain, tmp_path, fmt)
    assert back.enterprises["price"].tolist() == ["1.10", None]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**63, 2**63 - 1),
    st.booleans(), st.one_of(st.none(), st.text(max_size=4), st.floats())),
    max_size=12))
def test_json_records_column_at_once_is_json_plain_of_each_value(rows):
    """Number and bool columns are converted a column at a time: the same values,
    of the same Python types, as json_plain of each cell (NaN and inf -> None)."""
    frame = pd.DataFrame(rows, columns=["f", "i", "b", "o"]).astype(
        {"f": "float64", "i": "int64", "b": "bool", "o": object})
    with np.errstate(over="ignore"):  # too large for float32: inf
        frame["f32"] = frame["f"].to_numpy().astype(np.float32)
    frame["u"] = frame["i"].abs().astype("uint64") if len(frame) else frame["i"]
    records = json_records(frame)
    expected = [{c: json_plain(frame[c].to_numpy(dtype=object)[k]) for c in frame.columns}
                for k in range(len(frame))]
    assert len(records) == len(frame)
    for got, want in zip(records, expected, strict=True):
        assert list(got) == list(want)
        for c in want:
            assert type(got[c]) is type(want[c]), (c, got[c], want[c])
            assert got[c] == want[c] or (got[c] != got[c] and want[c] != want[c])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True),
                          st.integers(-2**62, 2**62)), max_size=12),
       st.sampled_from([1.0, 1e4, 3.0, 0.1]), st.sampled_from(["zh", "en"]))
@example([(1e308, 0), (float("inf"), 1), (float("nan"), 2), (-1e308, 3)], 0.1, "en")
def test_excel_number_columns_at_once_are_the_cells_of_each_value(rows, div, lang):
    """The workbook writes a number column at once: the cells (scaled, whole numbers
    as int, missing and non-finite as blank) are those of the value-by-value rule."""
    from chaingraph import _report_excel as xl

    frame = pd.DataFrame(rows, columns=["f", "i"]).astype({"f": "float64", "i": "int64"})
    frame["t"] = [f"x{k}" for k in range(len(frame))]
    frame["b"] = frame["i"] > 0
    got, columns = xl._cells(frame, [div, div, 1.0, 1.0], lang)
    assert [list(c) for c in zip(*columns, strict=True)] == got
    want = [[xl._cell(v, d, lang) for v, d in zip(row, [div, div, 1.0, 1.0], strict=True)]
            for row in frame.astype(object).itertuples(index=False)]
    assert [[type(v) for v in row] for row in got] == [[type(v) for v in row]
                                                         for row in want]
    assert got == want
