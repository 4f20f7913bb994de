"""Workbooks as chain offices keep them: title and unit rows, totals, names, synonyms."""

from __future__ import annotations

import json
import warnings

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from office_book import ENTERPRISES, LINKS, OUTSIDE, SEGMENT_IDS, write_office_book

import chaingraph as cg
from chaingraph.algorithms.breakpoints import find_breakpoints, find_broken_links
from chaingraph.algorithms.gaps import unjudged_links
from chaingraph.cli import main
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.readwrite import read_chain

TEMPLATE = cg.load_template("electronic_display")


def _read(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chain = read_chain(path, **kwargs)
    lines = [str(w.message) for w in caught if issubclass(w.category, ChainDataWarning)
             and "have no 'output'" not in str(w.message)]  # the model's own note
    return chain, lines


def test_office_workbook_loads_with_exact_counts(tmp_path):
    path = tmp_path / "book.xlsx"
    expected = write_office_book(path)
    chain, lines = _read(path, template=TEMPLATE, unknown="add")
    # 7 listed enterprises + 1 outside supplier; the 合计 and 注 rows are not enterprises
    assert chain.n_enterprises == 7 + 1 and chain.n_links == len(LINKS)
    assert chain.meta["name"] == "XX区新型显示产业链重点企业名单（2024年度）"
    listed = chain.enterprises.iloc[:7]
    assert listed["id"].tolist() == [e[1] for e in ENTERPRISES]  # the code is the id
    assert listed["name"].tolist() == [e[2] for e in ENTERPRISES]
    assert listed["segment"].tolist() == SEGMENT_IDS  # 模组, 驱动IC, FPC: synonyms
    out = listed["output"].tolist()
    assert out[:5] == [5e9, 1.2e9, 3e8, 2e8, 8e8] and np.isnan(out[5])  # 万元 unit row
    assert chain.links["volume"].tolist() == [v * 1e4 for _, _, v in LINKS]
    by_name = dict(zip([e[2] for e in ENTERPRISES], [e[1] for e in ENTERPRISES],
                       strict=True))
    assert chain.links["supplier"].tolist() == [by_name.get(a, a) for a, _, _ in LINKS]
    added = chain.enterprises[chain.enterprises["added"].eq(True)]
    assert added["id"].tolist() == OUTSIDE
    log = chain.meta["load_log"]
    assert [(d["row"], d["kind"]) for d in log["dropped"]] == expected["dropped"] == [
        (12, "total"), (13, "note")]
    tables = {t["role"]: t for t in log["tables"]}
    assert tables["enterprises"]["header_row"] == expected["header_row"] == 4
    for table in tables.values():  # nothing lost silently
        assert table["data_rows"] == table["loaded"] + table["dropped"]
    assert tables["enterprises"]["data_rows"] == 9 and tables["links"]["data_rows"] == 6
    assert log["added"] == OUTSIDE and log["by_name"] == 2 * len(LINKS) - 1
    assert log["blank"] == {"segment": 1, "region": 0, "output": 1}
    assert [s["sheet"] for s in log["ignored_sheets"]] == ["说明"]
    json.dumps(log, ensure_ascii=False, allow_nan=False)  # JSON-ready
    # one readable line per event, naming file, sheet and rows
    assert len(lines) == 3
    assert lines[0].startswith("book.xlsx[重点企业名单], row 12: 1 total/subtotal row "
                               "dropped, not read as enterprises or links (合计)")
    assert lines[1].startswith("book.xlsx[重点企业名单], row 13: 1 note row dropped")
    assert lines[2].startswith("book.xlsx[说明]: sheet not read")
    assert all("\n" not in line for line in lines)


def test_errors_without_the_options_name_rows_and_hint_in_chinese(tmp_path):
    path = tmp_path / "book.xlsx"
    write_office_book(path)
    with pytest.raises(ChainDataError) as err:
        _read(path, template=TEMPLATE)
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("book.xlsx[供应关系]", 7, "供应商")
    assert "境外偏光片公司" in problem.message and "unknown='add'" in problem.message
    ent = pd.DataFrame({"企业名称": ["甲", "乙"], "所属环节": ["驱动晶片", "显示屏幕X"]})
    with pytest.raises(ChainDataError) as err:
        read_chain(ent, pd.DataFrame({"供应商": ["甲"], "客户": ["乙"]}), template=TEMPLATE)
    messages = sorted(p.message for p in err.value.problems)
    assert messages[0].startswith("'显示屏幕X' 不是模板环节；")
    assert messages[1].startswith("'驱动晶片' 不是模板环节；是否指 显示驱动芯片？")


def test_spellings_width_case_brackets_and_a_user_mapping():
    ent = pd.DataFrame({"id": list("abcdef"),
                        "segment": ["ＬＣＤ面板", "lcd panel", "显示驱动芯片（DDIC）",
                                    " 柔性 电路板 ", "触屏", "Module"]})
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]})
    chain = read_chain(ent, links, template=TEMPLATE, segments={"触屏": "触控组件"})
    assert chain.enterprises["segment"].tolist() == [
        "lcd_panel", "lcd_panel", "driver_ic", "flexible_circuits", "touch_sensor",
        "display_module"]
    assert chain.meta["load_log"]["renamed_segments"] == 1


def test_segment_mapping_sheet_in_the_workbook_and_from_a_file(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"企业名称": ["甲", "乙"], "所属环节": ["彩屏", "屏幕模组"]}).to_excel(
            writer, sheet_name="企业", index=False)
        pd.DataFrame({"原环节名": ["彩屏"], "模板环节": ["LCD面板"]}).to_excel(
            writer, sheet_name="环节对照", index=False)
    chain, lines = _read(path, template=TEMPLATE)
    assert chain.enterprises["segment"].tolist() == ["lcd_panel", "display_module"]
    assert lines == [] and chain.n_links == 0
    mapping = tmp_path / "map.csv"
    pd.DataFrame({"原环节名": ["彩屏"], "模板环节": ["oled_panel"]}).to_csv(mapping,
                                                                       index=False)
    chain, _ = _read(path, template=TEMPLATE, segments=mapping, sheets="企业,")
    assert chain.enterprises["segment"].tolist() == ["oled_panel", "display_module"]


def test_ambiguous_name_is_an_error_naming_both_rows():
    ent = pd.DataFrame({"代码": ["1", "2", "3"], "企业名称": ["甲", "乙", "乙"]})
    links = pd.DataFrame({"供应商": ["甲", "1"], "采购方": ["乙", "3"]})
    with pytest.raises(ChainDataError) as err:
        read_chain(ent, links)
    (problem,) = err.value.problems
    assert problem.row == 0 and problem.column == "采购方"
    assert "row 1 and row 2" in problem.message and "'乙'" in problem.message
    short = ent.assign(简称=["A", "B", "C"])
    chain = read_chain(short, pd.DataFrame({"供应商": ["A", "甲"], "采购方": ["C", "B"]}))
    assert chain.links[["supplier", "buyer"]].values.tolist() == [["1", "3"], ["1", "2"]]


def test_header_row_sheets_and_name_override(tmp_path):
    path = tmp_path / "book.xlsx"
    write_office_book(path, link_sheet="Sheet2", other_sheet=None)
    chain, _ = _read(path, header_row=4, sheets="重点企业名单,Sheet2", unknown="add",
                     name="新型显示产业链")
    assert chain.meta["name"] == "新型显示产业链" and chain.n_links == len(LINKS)
    with pytest.raises(ChainDataError, match="missing required column"):
        _read(path, header_row=2, sheets="重点企业名单,")


def test_section_heading_rows_are_dropped_with_a_warning_naming_them(tmp_path):
    """Offices group their lists under headings (一、上游 / （二）正极材料): each was a
    'blank id' error (the heading sits in the 序号 column); now the rows are dropped
    and named, like total and note rows. A one-cell row that is not a heading (an
    enterprise with only its name) is still read."""
    rows = [["示范区新能源汽车产业链重点企业名单", None, None, None], ["序号", "企业名称", "所属环节", "年产值（万元）"],
            ["一、上游", None, None, None], [1, "甲锂业", "锂盐", 100],
            [None, "（二）正极材料", None, None], [2, "乙材料", "正极材料", 200],
            ["第三部分", None, None, None], [3, "丙电池", "动力电池电芯", 300],
            ["下游环节：", None, None, None], [None, "丁汽车", None, None],
            ["2、整车", None, None, None], [4, "戊汽车", "整车制造", 400]]
    path = tmp_path / "名单.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False, encoding="utf-8-sig")
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料", "丙电池", "丁汽车", "戊汽车"]
    assert chain.column("output").tolist()[:3] == [1e6, 2e6, 3e6]
    lines = [str(w.message) for w in caught if "section heading" in str(w.message)]
    assert lines == ["名单.csv, rows 3, 5, 7, 9, 11: 5 section heading rows dropped, not "
                     "read as enterprises or links (一、上游; （二）正极材料; 第三部分)"]
    log = chain.meta["load_log"]
    assert [d["row"] for d in log["dropped"]] == [3, 5, 7, 9, 11]
    assert log["tables"][0]["data_rows"] == log["tables"][0]["loaded"] + 5


@pytest.mark.parametrize("merged", [True, False])
def test_two_row_header_reads_the_latest_year_and_keeps_the_others(tmp_path, merged):
    """产值（万元） merged over 2023年 / 2024年: the sub-header row was read as data
    ('2023年' is not an amount; '所属环节' is not a template segment)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "重点企业名单"
    sheet.append(["示范区重点企业名单"])
    sheet.append(["序号", "企业名称", "所属环节", "所在区域", "产值（万元）", None, "备注"])
    sheet.append([None, None, None, None, "2023年", "2024年", None])
    if merged:
        sheet.merge_cells("E2:F2")
        for column in "ABCDG":
            sheet.merge_cells(f"{column}2:{column}3")
    sheet.append([1, "甲锂业", "锂盐", "示范区", 90, 100, None])
    sheet.append([2, "乙材料", "正极材料", "示范区", 180, 200, "新引进"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料"]
    assert chain.column("output").tolist() == [1e6, 2e6]  # 2024年, in 万元
    assert chain.enterprises["2023年产值（万元）"].tolist() == [90, 180]
    assert any("two header rows; 产值（万元） over 2023年、2024年: the 2024年 column is "
               "read as 产值（万元）, the others are kept as 2023年产值（万元）" in str(w.message)
               for w in caught)
    sheet.cell(row=5, column=6, value="两百")  # a bad amount is named by its own row
    book.save(path)
    with pytest.raises(ChainDataError, match=r"two.xlsx, row 5, column '产值（万元）'"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_chain(path, template="nev")


def test_merged_cells_are_named_only_where_they_reach_the_data(tmp_path):
    """Header cells merged down over a two-row header change no data: they were named
    in a warning all the same (noise). A segment merged down over enterprise rows is
    still named (each row is read as the merged value)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["示范区重点企业名单"])
    sheet.append(["企业名称", "所属环节", "产值（万元）", None])
    sheet.append([None, None, "2023年", "2024年"])
    sheet.append(["甲锂业", "锂盐", 90, 100])
    sheet.append(["乙锂业", None, 180, 200])
    sheet.merge_cells("A1:D1")
    sheet.merge_cells("C2:D2")
    for column in "AB":
        sheet.merge_cells(f"{column}2:{column}3")
    path = tmp_path / "header.xlsx"
    book.save(path)
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path, template="nev")
    assert not [w for w in caught if "merged cells" in str(w.message)]
    assert chain.column("segment").tolist() == ["lithium_salts", None]
    sheet.merge_cells("B4:B5")
    book.save(path)
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path, template="nev")
    assert [str(w.message) for w in caught if "merged cells" in str(w.message)] == [
        "header.xlsx: merged cells B4:B5 are read as the value of their first cell in "
        "every row they cover"]
    assert chain.column("segment").tolist() == ["lithium_salts"] * 2


@pytest.mark.parametrize("title", [True, False])
def test_two_row_header_in_csv(tmp_path, title):
    """A workbook with a two-row header saved as CSV (merged cells become blank
    cells): the sub-header row was read as data ('2023年' is not an amount, and a
    blank id); rows are still named as in the file."""
    rows = [["序号", "企业名称", "所属环节", "所在区域", "产值（万元）", None, "备注"],
            [None, None, None, None, "2023年", "2024年", None],
            [1, "甲锂业", "锂盐", "示范区", 90, 100, None],
            [2, "乙材料", "正极材料", "示范区", 180, 200, "新引进"]]
    if title:
        rows.insert(0, ["示范区重点企业名单"] + [None] * 6)
    path = tmp_path / "名单.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False, encoding="utf-8-sig")
    with pytest.warns(ChainDataWarning, match="名单.csv: two header rows; 产值（万元） over "
                      "2023年、2024年: the 2024年 column is read as 产值（万元）"):
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料"]
    assert chain.column("output").tolist() == [1e6, 2e6]
    assert chain.enterprises["2023年产值（万元）"].tolist() == ["90", "180"]
    text = path.read_text(encoding="utf-8-sig").replace(",200,", ",两百,")
    path.write_text(text, encoding="utf-8-sig")
    row = 5 if title else 4
    with pytest.raises(ChainDataError, match=rf"名单.csv, row {row}, column '产值（万元）'"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_chain(path, template="nev")


def test_layout_merges_over_two_columns_are_not_a_second_header(tmp_path):
    """Each column merged over two physical columns (a layout habit): the first
    data row was read as sub-headers (a reviewer's probe); a group needs at least
    two sub-columns."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["企业名称", None, "所属环节", None, "所在区域", None])
    for row in (["甲锂业", None, "锂盐", None, "示范区", None],
                ["乙材料", None, "正极材料", None, "示范区", None],
                ["丙电池", None, "动力电池电芯", None, "示范区", None]):
        sheet.append(row)
    for r in range(1, 5):
        for a, b in (("A", "B"), ("C", "D"), ("E", "F")):
            sheet.merge_cells(f"{a}{r}:{b}{r}")
    path = tmp_path / "wide.xlsx"
    book.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料", "丙电池"]


@pytest.mark.parametrize("years", [[2023, 2024], ["2023", "2024"], [2023.0, "2024年度"]])
def test_two_row_header_with_years_typed_as_numbers(tmp_path, years):
    """Excel types 2023 / 2024 as numbers: the sub-header row was loaded as an
    enterprise named 企业名称 with the older year as its output."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["企业名称", "所属环节", "产值（万元）", None, None])
    sheet.append([None, None, *years, "同比增长"])
    sheet.merge_cells("C1:E1")
    sheet.append(["甲锂业", "锂盐", 90, 100, "11%"])
    sheet.append(["乙材料", "正极材料", 180, 200, "11%"])
    path = tmp_path / "years.xlsx"
    book.save(path)
    with pytest.warns(ChainDataWarning, match="two header rows"):
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料"]
    assert chain.column("output").tolist() == [1e6, 2e6]
    assert chain.enterprises["2023年产值（万元）"].tolist() == [90, 180]
    assert chain.enterprises["产值（万元）同比增长"].tolist() == ["11%", "11%"]


def test_a_data_row_of_text_is_not_a_second_header(tmp_path):
    """Text under ordinary columns (an enterprise list without amounts) stays data."""
    frame = pd.DataFrame([["企业名称", "所属环节", "所在区域", "备注", None],
                          ["甲锂业", "锂盐", "示范区", "新引进", "二期"],
                          ["乙材料", "正极材料", "示范区", None, None]])
    path = tmp_path / "list.xlsx"
    frame.to_excel(path, header=False, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料"]


def test_csv_with_title_and_unit_rows_and_an_unlabelled_sum_row(tmp_path):
    path = tmp_path / "企业.csv"
    path.write_text("某区产业链企业名单\n单位：亿元\n企业名称,所属环节,产值\n甲,正极,1\n乙,电芯,2\n"
                    ",,3\n", encoding="utf-8")
    chain, lines = _read(path)
    assert chain.ids.tolist() == ["甲", "乙"] and chain.meta["name"] == "某区产业链企业名单"
    assert chain.enterprises["output"].tolist() == [1e8, 2e8]
    assert lines == ["企业.csv, row 6: 1 sum-of-rows-above row dropped, not read as "
                     "enterprises or links (3e+08)"]


def test_enterprise_list_has_no_broken_links_and_says_why(tmp_path):
    path = tmp_path / "list.xlsx"
    write_office_book(path, link_sheet=None, other_sheet=None)
    chain, _ = _read(path, template=TEMPLATE)
    assert chain.n_links == 0 and chain.n_enterprises == 7
    broken = find_broken_links(chain, template=TEMPLATE)
    assert len(broken) == 0
    unjudged = unjudged_links(chain, template=TEMPLATE)
    pairs = set(zip(unjudged["supplier_segment"], unjudged["buyer_segment"], strict=True))
    assert ("driver_ic", "display_module") in pairs
    table = find_breakpoints(chain, template=TEMPLATE)
    assert set(table["kind"]) == {"missing_segment"}
    report = cg.diagnose(chain, template=TEMPLATE)
    assert "无供应关系数据" in report.summary["skipped"]["broken_link"]


def test_broken_links_only_where_segments_have_link_data():
    # B1 buys nothing recorded; B2 buys from outside only -> only a -> b2 is broken
    tpl = cg.SegmentTemplate.from_dict({"id": "t", "segments": [
        {"id": "a", "stage": "upstream"}, {"id": "b1", "stage": "downstream"},
        {"id": "b2", "stage": "downstream"}], "edges": [["a", "b1"], ["a", "b2"]]})
    ent = pd.DataFrame({"id": ["x", "far", "y1", "y2"], "segment": ["a", "a", "b1", "b2"],
                        "region": ["本区", "外省", "本区", "本区"]})
    chain = cg.Chain.from_frames(ent, pd.DataFrame({"supplier": ["far"], "buyer": ["y2"]}))
    broken = find_broken_links(chain, template=tpl, region="本区")
    assert broken[["supplier_segment", "buyer_segment"]].values.tolist() == [["a", "b2"]]
    unjudged = unjudged_links(chain, template=tpl, region="本区")
    assert unjudged.values.tolist() == [["a", "b1"]]


def test_cli_diagnose_writes_every_output_and_prints_one_line_warnings(tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    write_office_book(path)
    out = tmp_path / "report"
    assert main(["diagnose", str(path), "--template", "electronic_display",
                 "--unknown", "add", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert {p.name for p in out.iterdir()} >= {"report.md", "report.json", "report.xlsx",
                                                "map.png", "map.html"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["n_enterprises"] == 8
    # the outside supplier the loader added is listed in the report, by id
    added = report["summary"]["added_enterprises"]
    assert added == OUTSIDE
    assert "补录的区外供应商" in (out / "report.md").read_text(encoding="utf-8")
    warned = [line for line in captured.err.splitlines() if line]
    assert all(line.startswith("chaingraph: warning: ") for line in warned)
    assert any("row 12: 1 total/subtotal row dropped" in line for line in warned)
    assert main(["info", str(path), "--unknown", "add"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]  # a Chinese sheet: Chinese
    assert last.startswith("  读取情况：读取 15 行（企业表 9、供应关系表 6）；删除合计/备注/标题行 2 行")
    assert "补录区外企业 1 家" in last and "环节 1（未标注）" in last
    assert main(["info", str(path), "--unknown", "add", "--lang", "en"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("  loading: rows read: 15 (enterprises 9, links 6); dropped: 2")
    assert "added: 1 outside enterprises" in last and "segment 1 (未标注)" in last


def test_cli_segments_file_and_enterprise_list_alone(tmp_path, capsys):
    path = tmp_path / "list.xlsx"
    write_office_book(path, link_sheet=None, other_sheet=None, total=False, note=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("模组: oled_panel\n", encoding="utf-8")
    assert main(["info", str(path), "--template", "electronic_display",
                 "--segments", str(mapping), "--name", "试点"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("试点\n") and "供应关系：0 条" in out and "OLED面板 1" in out
    report = tmp_path / "r"
    assert main(["diagnose", str(path), "--template", "electronic_display",
                 "--out", str(report)]) == 0
    printed = capsys.readouterr().out  # the skipped check, named in Chinese
    assert "未运行 断链: 无供应关系数据：" in printed and "条模板链接未判断" in printed


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title_rows=st.integers(0, 3), unit_row=st.booleans(), blank_rows=st.integers(0, 2),
       total=st.booleans(), note=st.booleans(), merged=st.booleans(),
       names=st.sampled_from([("重点企业名单", "供应关系"), ("企业", "links"),
                              ("Sheet1", "Sheet2"), ("2024年名单", "配套关系表")]),
       other=st.sampled_from([None, "说明", "封面"]))
def test_title_rows_totals_and_sheet_names_vary(tmp_path_factory, title_rows, unit_row,
                                                blank_rows, total, note, merged, names,
                                                other):
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    expected = write_office_book(path, title_rows=title_rows, unit_row=unit_row,
                                 blank_rows=blank_rows, total=total, note=note,
                                 merged=merged, enterprise_sheet=names[0],
                                 link_sheet=names[1], other_sheet=other)
    chain, lines = _read(path, template=TEMPLATE, unknown="add")
    assert chain.n_enterprises == expected["n_enterprises"] + len(OUTSIDE)
    assert chain.n_links == expected["n_links"]
    assert chain.meta.get("name") == expected["name"]
    got = chain.enterprises["output"].iloc[:7].tolist()
    assert [None if np.isnan(v) else v for v in got] == expected["outputs"]
    log = chain.meta["load_log"]
    assert [(d["row"], d["kind"]) for d in log["dropped"]] == expected["dropped"]
    assert [s["sheet"] for s in log["ignored_sheets"]] == expected["ignored"]
    ent = next(t for t in log["tables"] if t["role"] == "enterprises")
    assert ent["header_row"] == expected["header_row"]
    assert ent["data_rows"] == 7 + len(expected["dropped"]) == ent["loaded"] + ent["dropped"]
    assert len(lines) == len(expected["dropped"]) + len(expected["ignored"])


def test_section_headings_in_a_two_column_list_and_names_that_look_numbered(tmp_path):
    """A list of two columns (企业名称, 所属环节) loaded its headings as enterprises; a
    name-only row whose name starts like a heading (第一类科技, 十.五实业) was dropped
    (a reviewer's probes)."""
    rows = [["企业名称", "所属环节"], ["一、上游", None], ["甲锂业", "锂盐"],
            ["1. 中游", None], ["乙材料", "正极材料"], ["第一环节材料有限公司", None],
            ["第一类科技", None], ["十.五实业", None]]
    path = tmp_path / "two.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False, encoding="utf-8-sig")
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path)
    assert chain.ids.tolist() == ["甲锂业", "乙材料", "第一环节材料有限公司", "第一类科技",
                                  "十.五实业"]
    assert any("rows 2, 4: 2 section heading rows dropped" in str(w.message)
               for w in caught)


def test_a_heading_split_over_the_number_and_the_name_column(tmp_path):
    """（二） in 序号 beside 正极材料 in 企业名称: the heading was read as an enterprise
    named 正极材料 (a reviewer's probe); a numbered enterprise row stays."""
    rows = [["序号", "企业名称", "所属环节", "年产值（万元）"], ["一", "上游环节", None, None],
            [1, "甲锂业", "锂盐", 100], ["（二）", "正极材料", None, None],
            [2, "乙材料", "正极材料", 200], [3, "二氧化锰科技有限公司", None, None]]
    path = tmp_path / "split.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False, encoding="utf-8-sig")
    with pytest.warns(ChainDataWarning) as caught:
        chain = read_chain(path, template="nev")
    assert chain.ids.tolist() == ["甲锂业", "乙材料", "二氧化锰科技有限公司"]
    assert any("rows 2, 4: 2 section heading rows dropped" in str(w.message)
               for w in caught)
