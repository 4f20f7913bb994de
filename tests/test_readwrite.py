"""Loaders and writers: formats, aliases, error locations, round trips."""

from __future__ import annotations

import json
import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import chains

import chaingraph as cg
from chaingraph.exceptions import ChainDataError, ChainDataWarning, TemplateError
from chaingraph.readwrite import (
    ALIASES,
    read_chain,
    read_chain_graph,
    read_template,
    write_chain,
    write_gexf,
    write_graphml,
    write_template,
)
from chaingraph.readwrite._sources import read_csv_table

ENT_CSV = "企业名称,所属环节,所在地,年产值\n007,正极,本区,12万\n宁德材料,电芯,本区,3.5亿\n整车厂,整车,邻市,\"1,234.5\"\n"
LINK_CSV = "供应商,采购方,采购金额\n007,宁德材料,1.2e9\n宁德材料,整车厂,12万\n"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _problems(err):
    return {(p.file, None if p.row is None else int(p.row), p.column) for p in
            err.value.problems}


# --- reading tables ----------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_aliases_encodings_and_leading_zeros(tmp_path, encoding):
    ent = _write(tmp_path / "企业.csv", ENT_CSV, encoding)
    lk = _write(tmp_path / "links.csv", LINK_CSV, encoding)
    chain = read_chain(ent, lk)
    assert chain.ids.tolist() == ["007", "宁德材料", "整车厂"]
    assert chain.enterprises["segment"].tolist() == ["正极", "电芯", "整车"]
    assert chain.enterprises["region"].tolist() == ["本区", "本区", "邻市"]
    assert chain.enterprises["output"].tolist() == [120000.0, 3.5e8, 1234.5]
    assert chain.links["volume"].tolist() == [1.2e9, 120000.0]
    assert chain.enterprises["output"].dtype == np.float64


def test_tsv_txt_and_excel_single_sheets(tmp_path):
    ent = _write(tmp_path / "e.tsv", ENT_CSV.replace(",", "\t").replace('"1\t234.5"',
                                                                         "1234.5"))
    lk = _write(tmp_path / "l.txt", LINK_CSV.replace(",", ";"))
    chain = read_chain(ent, lk)
    assert chain.n_enterprises == 3 and chain.n_links == 2
    frame = pd.read_csv(tmp_path / "e.tsv", sep="\t", dtype=str)
    frame.to_excel(tmp_path / "e.xlsx", index=False)
    chain2 = read_chain(tmp_path / "e.xlsx", lk)
    assert chain2.ids.tolist() == chain.ids.tolist()


def test_excel_numbers_as_ids_become_text(tmp_path):
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"id": [7, 8.0, "007"], "output": [1, 2.5, "3万"]}).to_excel(
            writer, sheet_name="企业", index=False)
        pd.DataFrame({"supplier": [7, 8], "buyer": ["8", "007"]}).to_excel(
            writer, sheet_name="供应关系", index=False)
    chain = read_chain(tmp_path / "book.xlsx")
    assert chain.ids.tolist() == ["7", "8", "007"]
    assert chain.links[["supplier", "buyer"]].values.tolist() == [["7", "8"], ["8", "007"]]
    assert chain.enterprises["output"].tolist() == [1.0, 2.5, 30000.0]


def test_one_workbook_two_sheets_named_and_row_numbers(tmp_path):
    path = tmp_path / "chain.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"名称": ["a", "b"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"名称": ["a", "b"]}).to_excel(writer, sheet_name="E", index=False)
        pd.DataFrame({"供方": ["a", "b"], "需方": ["b", "zz"]}).to_excel(
            writer, sheet_name="L", index=False)
    with pytest.raises(ChainDataError) as err:
        read_chain(path, sheet=("E", "L"))
    assert _problems(err) == {("chain.xlsx[L]", 3, "需方")}
    chain = read_chain(path, sheet=("E", "L"), unknown="add")
    assert chain.ids.tolist() == ["a", "b", "zz"]
    with pytest.raises(ChainDataError, match="no sheet 'nope'"):
        read_chain(path, sheet=("E", "nope"))
    # positional sheets, and a lone link sheet
    assert read_chain(path, sheet=(1, 2), unknown="add").n_links == 2
    assert read_chain(path, sheet="L", unknown="add").n_enterprises == 3


def test_dataframes_are_not_mutated_and_rows_are_index_labels():
    ent = pd.DataFrame({"id": ["a", "b", "a"], "output": ["1", "x", "-3"]},
                       index=[10, 20, 30])
    lk = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}, index=["r1"])
    before = (ent.copy(), lk.copy())
    with pytest.raises(ChainDataError) as err:
        read_chain(ent, lk)
    assert _problems(err) == {("enterprises", 20, "output"), ("enterprises", 30, "id"),
                              ("enterprises", 30, "output")}
    pd.testing.assert_frame_equal(ent, before[0])
    pd.testing.assert_frame_equal(lk, before[1])


def test_links_only_and_single_table():
    lk = pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"], "weight": [1, 2]})
    chain = read_chain(None, lk)
    assert chain.ids.tolist() == ["a", "b", "c"]
    assert chain.links["volume"].tolist() == [1.0, 2.0]
    assert read_chain(lk).n_links == 2  # a lone table with supplier/buyer columns
    alone = read_chain(pd.DataFrame({"id": ["a"]}))  # an enterprise list: no links yet
    assert (alone.n_enterprises, alone.n_links) == (1, 0)
    with pytest.raises(ChainDataError, match="neither supplier and buyer"):
        read_chain(pd.DataFrame({"颜色": ["红"]}))


def test_explicit_mapping_wins_and_unknown_mapping_is_reported():
    ent = pd.DataFrame({"代码": ["1", "2"], "企业名称": ["甲", "乙"], "销售额": [1, 2]})
    lk = pd.DataFrame({"卖": ["1"], "买": ["2"], "金额": [5]})
    chain = read_chain(ent, lk, columns={"卖": "supplier", "买": "buyer",
                                         "销售额": "capacity"})
    assert chain.ids.tolist() == ["1", "2"]  # 代码 -> id, 企业名称 -> name
    assert chain.enterprises["name"].tolist() == ["甲", "乙"]
    assert chain.enterprises["capacity"].tolist() == [1.0, 2.0]
    assert "output" not in chain.enterprises.columns
    with pytest.raises(ChainDataError, match="mapping names '产量'"):
        read_chain(ent, lk, columns={"卖": "supplier", "买": "buyer", "产量": "output"})
    with pytest.raises(ChainDataError, match="are all mapped to 'supplier'"):
        read_chain(ent, lk, columns={"卖": "supplier", "买": "supplier"})


def test_alias_table_is_documented_and_matches_canonical_names():
    for role, table in ALIASES.items():
        for canonical, aliases in table.items():
            assert canonical in aliases, (role, canonical)
    for alias in ("企业名称", "企业", "名称", "id"):
        assert alias in ALIASES["enterprises"]["id"]
    for alias in ("供应商", "供方"):
        assert alias in ALIASES["links"]["supplier"]
    for alias in ("采购方", "客户", "需方"):
        assert alias in ALIASES["links"]["buyer"]
    for alias in ("金额", "采购金额", "交易额"):
        assert alias in ALIASES["links"]["volume"]


def test_header_units_and_scale():
    ent = pd.DataFrame({"ID": ["a", "b"], "产值（万元）": ["1.5", "2亿"]})
    lk = pd.DataFrame({"Supplier": ["a"], "Buyer": ["b"], "金额(亿元)": [2]})
    chain = read_chain(ent, lk)
    assert chain.enterprises["output"].tolist() == [15000.0, 2e8]  # 2亿 is not rescaled
    assert chain.links["volume"].tolist() == [2e8]
    chain = read_chain(ent.rename(columns={"产值（万元）": "产值"}), lk, scale=1e4)
    assert chain.enterprises["output"].tolist() == [15000.0, 2e8]
    assert chain.links["volume"].tolist() == [2e12]


@pytest.mark.parametrize(("text", "value"), [("1,234.5", 1234.5), ("12万", 1.2e5),
                                             ("3.5亿", 3.5e8), ("1.2e9", 1.2e9),
                                             ("", None), ("￥8,000元", 8000.0)])
def test_amount_formats_from_csv(tmp_path, text, value):
    _write(tmp_path / "l.csv", f'supplier,buyer,volume\na,b,"{text}"\n')
    chain = read_chain(links=tmp_path / "l.csv")
    got = chain.links["volume"].iat[0]
    assert (math.isnan(got) if value is None else got == value)


# --- error reporting ---------------------------------------------------------------------
def test_many_problems_with_file_row_and_column(tmp_path):
    template = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "cell", "name_zh": "电芯", "stage": "midstream"},
        {"id": "car", "name_zh": "整车", "stage": "downstream"}], "edges": [["cell", "car"]]})
    ent = _write(tmp_path / "ent.csv",
                 "企业名称,环节,产值\nA,电芯,-5\nB,轮胎,12abc\nA,整车,inf\n\nC,整车,nan\n")
    lk = _write(tmp_path / "lk.csv",
                "供应商,客户,金额\nA,B,1\nA,ZZ,2\nB,B,3\nA,B,4\nC,A,-1\n")
    with pytest.raises(ChainDataError) as err:
        read_chain(ent, lk, template=template)
    found = _problems(err)
    assert found == {
        ("ent.csv", 2, "产值"),   # negative
        ("ent.csv", 3, "环节"),   # segment not in the template
        ("ent.csv", 3, "产值"),   # unparseable
        ("ent.csv", 4, "企业名称"),  # duplicate id
        ("ent.csv", 4, "产值"),   # inf
        ("ent.csv", 6, "产值"),   # 'nan' written out (row 5 is blank)
        ("lk.csv", 3, "客户"),    # unknown enterprise
        ("lk.csv", 4, "客户"),    # self-loop
        ("lk.csv", 5, "客户"),    # duplicate link
        ("lk.csv", 6, "金额"),    # negative
    }
    text = str(err.value)
    assert "10 problems" in text and "ent.csv, row 3, column '环节'" in text


def test_large_csv_fast_parser_keeps_exact_rows_in_errors(tmp_path, monkeypatch):
    """Big files go through pyarrow (blank lines skipped); errors are re-read exactly."""
    monkeypatch.setattr("chaingraph.readwrite._sources.FAST_CSV_BYTES", 0)
    ent = _write(tmp_path / "e.csv", "id,output\n007,1\n\n\n 08 ,2万\n")
    lk = _write(tmp_path / "l.csv", "supplier,buyer,volume\n007,08,3\n")
    chain = read_chain(ent, lk)
    assert chain.ids.tolist() == ["007", "08"]
    assert chain.enterprises["output"].tolist() == [1.0, 20000.0]
    bad = _write(tmp_path / "bad.csv", "id,output\n007,1\n\n\n08,-2\n")
    fast = read_csv_table(bad, ",", "bad.csv")
    assert fast.approximate and fast.rows.tolist() == [2, 3]  # blank lines skipped
    with pytest.raises(ChainDataError) as err:
        read_chain(bad, lk)
    assert _problems(err) == {("bad.csv", 5, "output")}


def test_missing_required_columns_name_the_files(tmp_path):
    ent = _write(tmp_path / "e.csv", "名字\na\n")
    lk = _write(tmp_path / "l.csv", "supplier,target_x\na,b\n")
    with pytest.raises(ChainDataError) as err:
        read_chain(ent, lk)
    messages = {(p.file, p.column) for p in err.value.problems}
    assert ("e.csv", "id") in messages and ("l.csv", "buyer") in messages


def test_unknown_add_self_loops_and_duplicates(tmp_path):
    ent = pd.DataFrame({"id": ["a", "b"]})
    lk = pd.DataFrame({"supplier": ["a", "a", "b", "a"], "buyer": ["b", "x", "b", "b"],
                       "volume": [1, 2, 3, 4]})
    with pytest.warns(ChainDataWarning, match="2 rows are 1 duplicate links"):
        chain = read_chain(ent, lk, unknown="add", self_loops="drop", duplicates="sum")
    assert chain.ids.tolist() == ["a", "b", "x"]
    assert chain.enterprises["region"].tolist()[2] == "outside"
    assert sorted(chain.links[["supplier", "buyer", "volume"]].values.tolist()) == [
        ["a", "b", 5.0], ["a", "x", 2.0]]


@pytest.mark.parametrize("make", [
    lambda p: p / "missing.csv",
    lambda p: p / "missing_folder",
    lambda p: _write(p / "empty.csv", ""),
    lambda p: _write(p / "bad.xlsx", "not a workbook"),
    lambda p: _write(p / "data.xyz", "a,b"),
    lambda p: _write(p / "bad.json", "{nope"),
    lambda p: _write(p / "bad.parquet", "PAR1 nope"),
    lambda p: _write(p / "bad.graphml", "<graphml><broken"),
    lambda p: _write(p / "bin.csv", "supplier,buyer\n\xff\xfe\x00a,b\n", "latin-1"),
])
def test_unreadable_inputs_raise_chain_data_error(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(ChainDataError) as err:
        read_chain(links=path)
    assert err.value.problems[0].file == path.name


def test_empty_sheet_and_unknown_format(tmp_path):
    path = tmp_path / "e.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="links", index=False)
    with pytest.raises(ChainDataError, match="empty"):
        read_chain(links=path)
    with pytest.raises(ChainDataError, match="unknown format"):
        read_chain(links=path, format="dbase")


# --- writing and round trips -------------------------------------------------------------
def _cells(frame):
    out = []
    for row in frame.itertuples(index=False, name=None):
        out.append(tuple(None if v is None or v is pd.NA or (isinstance(v, float) and
                                                             math.isnan(v)) or v == ""
                         else (v.item() if isinstance(v, np.generic) else v) for v in row))
    return out


def _close(x, y, rel):
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=rel)
    return x == y


def assert_same_chain(a, b, ordered=True, rel=0.0):
    """Same ids (values and types), columns, amount dtypes, values and metadata.

    ``rel``: relative tolerance for floats (Excel keeps 16 significant digits).
    """
    assert b.meta == a.meta
    for table in ("enterprises", "links"):
        fa, fb = getattr(a, table), getattr(b, table)
        assert sorted(fa.columns) == sorted(fb.columns)
        fb = fb[list(fa.columns)]
        for col in ("output", "capacity", "volume"):
            if col in fa.columns:
                assert fb[col].dtype == np.float64
        ca, cb = _cells(fa), _cells(fb)
        if not ordered:
            ca, cb = sorted(ca, key=repr), sorted(cb, key=repr)
        if rel == 0.0:
            assert cb == ca
        for x, y in zip(ca, cb, strict=True):
            assert [type(v) for v in x] == [type(v) for v in y]
            assert all(_close(u, v, rel) for u, v in zip(x, y, strict=True)), (x, y)


ROUND_TRIP = [("csv", "chain", True), ("parquet", "chain", True),
              ("excel", "chain.xlsx", True), ("json", "chain.json", True),
              ("graphml", "chain.graphml", False), ("gexf", "chain.gexf", False)]


@pytest.mark.parametrize(("fmt", "name", "ordered"), ROUND_TRIP)
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chain=chains(extra_columns=True, max_enterprises=8))
def test_round_trip_loses_nothing(tmp_path, fmt, name, ordered, chain):
    chain = cg.Chain(chain.enterprises, chain.links,
                     {**chain.meta, "year": 2024, "source": "测试"})
    path = write_chain(chain, tmp_path / name, format=fmt)
    rel = 1e-15 if fmt == "excel" else 0.0
    assert_same_chain(chain, read_chain(path), ordered=ordered, rel=rel)


@pytest.mark.parametrize(("fmt", "name", "ordered"), ROUND_TRIP)
def test_round_trip_int_ids_and_missing_values(tmp_path, fmt, name, ordered):
    G = nx.DiGraph(name="整数", year=2025)
    G.add_node(1, segment="电芯", output=5.0, note="备注")
    G.add_node(2, segment="整车")
    G.add_node(3)
    G.add_edge(1, 2, volume=2.5, product="电芯")
    G.add_edge(3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChainDataWarning)
        chain = cg.as_chain(G)
        back = read_chain(write_chain(chain, tmp_path / name, format=fmt))
    assert_same_chain(chain, back, ordered=ordered)
    assert back.ids.tolist() == [1, 2, 3]


def test_write_formats_by_suffix_and_excel_limit(tmp_path, monkeypatch):
    chain = cg.as_chain(nx.DiGraph([("a", "b")]))
    assert write_chain(chain, tmp_path / "x.json").is_file()
    assert (write_chain(chain, tmp_path / "d") / "links.csv").is_file()
    assert (write_chain(chain, tmp_path / "p", format="parquet") / "links.parquet").is_file()
    with pytest.raises(ValueError, match="format must be"):
        write_chain(chain, tmp_path / "x", format="dbase")
    monkeypatch.setattr("chaingraph.readwrite.writers.EXCEL_MAX_ROWS", 1)
    big = cg.as_chain(nx.path_graph(4, create_using=nx.DiGraph))
    with pytest.raises(cg.ChainGraphError, match="Excel sheet holds"):
        write_chain(big, tmp_path / "x.xlsx")


def test_json_layout_is_documented_and_node_link_is_read(tmp_path):
    chain = cg.as_chain(nx.DiGraph([("甲", "乙", {"volume": 1.0})], name="n"))
    data = json.loads(write_chain(chain, tmp_path / "c.json").read_text("utf-8"))
    assert data["format"] == "chaingraph" and data["meta"]["name"] == "n"
    assert data["enterprises"] == [{"id": "甲"}, {"id": "乙"}]
    assert data["links"] == [{"supplier": "甲", "buyer": "乙", "volume": 1.0}]
    G = nx.DiGraph([("a", "b", {"weight": 2})])
    (tmp_path / "nl.json").write_text(json.dumps(nx.node_link_data(G, edges="links")))
    back = read_chain(tmp_path / "nl.json")
    assert back.links[["supplier", "buyer", "volume"]].values.tolist() == [["a", "b", 2.0]]


def test_foreign_graph_files(tmp_path):
    G = nx.DiGraph()
    G.add_edge("s", "t", weight=3.0)
    nx.write_graphml(G, tmp_path / "g.graphml")
    chain = read_chain_graph(tmp_path / "g.graphml")
    assert chain.links["volume"].tolist() == [3.0]
    M = nx.MultiDiGraph([("s", "t", {"weight": 1.0}), ("s", "t", {"weight": 2.0})])
    nx.write_graphml(M, tmp_path / "m.graphml")
    with pytest.raises(ChainDataError, match="duplicate link"):
        read_chain_graph(tmp_path / "m.graphml")
    with pytest.warns(ChainDataWarning, match="row 0 \\+ row 1 \\('s' -> 't'\\)"):
        merged = read_chain_graph(tmp_path / "m.graphml", duplicates="sum")
    assert merged.links["volume"].tolist() == [3.0]
    nx.write_graphml(nx.Graph([(1, 2)]), tmp_path / "u.graphml")
    with pytest.raises(ChainDataError, match="undirected"):
        read_chain_graph(tmp_path / "u.graphml")
    write_gexf(chain, tmp_path / "g.gexf")
    write_graphml(chain, tmp_path / "g2.graphml")
    assert read_chain_graph(tmp_path / "g.gexf").links["volume"].tolist() == [3.0]


# --- templates ---------------------------------------------------------------------------
TEMPLATE = {"id": "toy", "name_zh": "玩具链", "segments": [
    {"id": "ore", "name_zh": "矿石", "name_en": "Ore", "stage": "upstream"},
    {"id": "cell", "name_zh": "电芯", "name_en": "Cell", "stage": "midstream"},
    {"id": "car", "name_zh": "整车", "name_en": "Car", "stage": "downstream"}],
    "edges": [["ore", "cell"], {"supplier": "cell", "buyer": "car", "essential": False}]}


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_template_round_trip(tmp_path, suffix):
    tpl = cg.SegmentTemplate.from_dict(TEMPLATE)
    back = read_template(write_template(tpl, tmp_path / f"t{suffix}"))
    assert back.to_dict() == tpl.to_dict()
    assert back.resolve("电芯") == "cell"
    assert "玩具链" in (tmp_path / f"t{suffix}").read_text("utf-8")


def test_template_errors(tmp_path):
    with pytest.raises(TemplateError, match="not found"):
        read_template(tmp_path / "none.yaml")
    with pytest.raises(TemplateError, match="format"):
        read_template(tmp_path / "t.txt")
    (tmp_path / "bad.yaml").write_text("segments: [1, 2\n")
    with pytest.raises(TemplateError, match=r"bad\.yaml"):
        read_template(tmp_path / "bad.yaml")
    (tmp_path / "x.json").write_text(json.dumps(
        {"segments": [{"id": "a", "stage": "up"}], "edges": [["a", "zz"]]}))
    with pytest.raises(TemplateError, match=r"x\.json"):
        read_template(tmp_path / "x.json")


def test_read_chain_with_template_maps_names_to_ids(tmp_path):
    tpl = cg.SegmentTemplate.from_dict(TEMPLATE)
    ent = pd.DataFrame({"id": ["a", "b"], "segment": ["矿石", "Cell"]})
    chain = read_chain(ent, pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}),
                       template=tpl)
    assert chain.enterprises["segment"].tolist() == ["ore", "cell"]


def test_json_integer_schema_with_infinite_value_is_rejected_clearly(tmp_path):
    """A column our schema marks as integer but holding Infinity (hand-edited file)."""
    chain = cg.Chain.from_frames(
        pd.DataFrame({"id": ["a", "b"], "output": [1, 2]}),
        pd.DataFrame({"supplier": ["a"], "buyer": ["b"], "volume": [3]}))
    path = cg.write_chain(chain, tmp_path / "c.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["enterprises"][1]["output"] = math.inf
    path.write_text(json.dumps(data), encoding="utf-8")  # writes the token Infinity
    with pytest.raises(cg.ChainDataError, match="output"):
        cg.read_chain(path)


@pytest.mark.parametrize("fmt", ["excel", "csv"])
@pytest.mark.parametrize("extra", [
    {"原环节名": ["正极", "负极", "正极"], "模板环节": ["cathode", "anode", "cathode"]},
    {"上游": ["x", "y", "z"], "下游": ["p", "q", "r"]},
    {"备注 ": ["x", "y", "z"], " 产值": [1.0, 2.0, 3.0], "": [1, 2, 3], " ": ["a", "b", "c"]},
])
def test_own_files_keep_columns_that_look_like_other_sheets(tmp_path, fmt, extra):
    """A workbook write_chain wrote is read by its sheet names (an enterprise sheet
    with 上游/下游 or 原环节名 columns was taken for a links or a mapping sheet and
    lost), and column names keep their edge spaces (read stripped, they came back
    as new columns beside all-missing originals)."""
    ent = pd.DataFrame({"id": ["a", "b", "c"], "segment": ["cathode", "anode", "cathode"],
                        **extra})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["a", "b"],
                                                    "buyer": ["b", "c"]}))
    path = cg.write_chain(chain, tmp_path / ("c.xlsx" if fmt == "excel" else "c"),
                          format=fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no sheet left out, nothing renamed
        back = cg.read_chain(path)
    pd.testing.assert_frame_equal(back.enterprises, chain.enterprises)
    pd.testing.assert_frame_equal(back.links, chain.links)


def test_graph_files_take_ends_written_in_another_dtype(tmp_path):
    chain = cg.Chain.from_frames(pd.DataFrame({"id": [1, 2, 3]}),
                                 pd.DataFrame({"supplier": [1.0, 2.0], "buyer": [2.0, 3.0]}))
    for write in (cg.write_graphml, cg.write_gexf):
        back = read_chain(write(chain, tmp_path / f"c.{write.__name__[6:]}"))
        assert back.links[["supplier", "buyer"]].values.tolist() == [[1, 2], [2, 3]]


@pytest.mark.parametrize("fmt", ["csv", "excel", "json", "parquet", "graphml", "gexf"])
def test_narrow_float_columns_round_trip(tmp_path, fmt):
    """float32 and float16 columns came back from CSV as float64, their values the
    nearest float64 to the shortest text (0.1, not float32's 0.10000000149...)."""
    ent = pd.DataFrame({"id": list("abcd"),
                        "x": pd.Series([1.5, np.nan, 0.1, 3], dtype="float32"),
                        "h": pd.Series([1.5, np.nan, 0.1, 65504], dtype="float16")})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}))
    name = {"csv": "c", "parquet": "p", "excel": "c.xlsx"}.get(fmt, f"c.{fmt}")
    back = read_chain(cg.write_chain(chain, tmp_path / name, format=fmt))
    pd.testing.assert_frame_equal(back.enterprises, chain.enterprises, check_exact=True)


@pytest.mark.parametrize(("content", "says"), [
    (b"PK\x03\x04rest of a zip", "rename it to .xlsx"),
    (b"<html><body><table><tr><td>id</td></tr></table></body></html>", "web page"),
    ("\ufeff<?xml version='1.0'?><Workbook/>".encode(), "web page"),
    ("id\tsegment\n甲\t锂盐\n".encode(), "not an Excel workbook"),
    (b"", "the file is empty"),
])
def test_xls_files_that_are_something_else_say_what_they_are(tmp_path, content, says):
    """A system export saved as .xls (really xlsx, HTML or text) failed with xlrd's
    'Expected BOF record' (an analyst's review)."""
    path = tmp_path / "export.xls"
    path.write_bytes(content)
    with pytest.raises(ChainDataError, match=says) as err:
        read_chain(path)
    assert err.value.problems[0].file == "export.xls"


@pytest.mark.parametrize("fmt", ["csv", "excel", "json", "parquet", "graphml", "gexf"])
def test_dtypes_no_format_holds_round_trip(tmp_path, fmt):
    """period columns made the Excel writer raise ValueError(''), complex ones the
    Parquet writer an Arrow error; timedelta came back as text from four formats."""
    ent = pd.DataFrame({"id": list("abc"), "td": pd.to_timedelta([1, None, 3], unit="D"),
                        "per": pd.period_range("2024-01", periods=3, freq="M"),
                        "cx": np.array([1 + 2j, 3, np.nan])})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}))
    name = {"csv": "c", "parquet": "p", "excel": "c.xlsx"}.get(fmt, f"c.{fmt}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_chain(cg.write_chain(chain, tmp_path / name, format=fmt))
    pd.testing.assert_frame_equal(back.enterprises, chain.enterprises, check_exact=True)


@pytest.mark.parametrize("fmt", ["csv", "excel", "json", "parquet", "graphml", "gexf"])
@pytest.mark.parametrize("values", [
    [1, 2, 3, 1], [1, 2, None, 1], [1.5, 2.5, None, 1.5], [True, False, True, None],
    pd.to_datetime(["2024-01-01", "2024-02-01", None, "2024-01-01"]),
    ["b", "a", None, "b"],
])
def test_categorical_columns_of_any_categories_round_trip(tmp_path, fmt, values):
    """Categories that are not text came back as text from CSV, as floats beside a
    missing cell from Parquet and Excel, datetimes as text (a reviewer's probe)."""
    ent = pd.DataFrame({"id": list("abcd"), "x": pd.Categorical(values)})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}))
    name = {"csv": "c", "parquet": "p", "excel": "c.xlsx"}.get(fmt, f"c.{fmt}")
    back = read_chain(cg.write_chain(chain, tmp_path / name, format=fmt))
    pd.testing.assert_frame_equal(back.enterprises, chain.enterprises, check_exact=True)
