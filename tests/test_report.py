"""diagnose() and ChainReport: designed findings, renderers, JSON schema, Excel."""

from __future__ import annotations

import json
import math

import networkx as nx
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from willems import load_willems, willems_numbers

import chaingraph as cg
from chaingraph.algorithms import bottlenecks as bn
from chaingraph.algorithms import breakpoints as bp
from chaingraph.report import SECTIONS, ChainReport, diagnose

FOCAL = "明湾示范区"
KINDS = {"missing_segment", "broken_link", "single_point_of_failure", "single_source"}
JSON_KEYS = ["key_findings", "summary", "structure", "breakpoints", "bottlenecks",
             "leaders", "candidates", "echelon", "labels"]


@pytest.fixture(scope="module")
def example() -> cg.Chain:
    return cg.datasets.load_example()


@pytest.fixture(scope="module")
def report(example) -> ChainReport:
    return diagnose(example, template="nev", region=FOCAL)


def _segment_of(chain: cg.Chain) -> dict:
    return dict(zip(chain.ids, chain.column("segment", default=None), strict=True))


def test_designed_weaknesses_are_found(report, example):
    seg = _segment_of(example)
    bps = report.breakpoints
    # 1. missing segments
    missing = set(bps.loc[bps["kind"] == "missing_segment", "segment"])
    assert missing == {"lithium_resources", "nickel_cobalt", "semiconductor_materials",
                       "automotive_chips"}
    # 2. the single focal battery-pack maker is a single point of failure
    spof = bps[(bps["kind"] == "single_point_of_failure") & bps["enterprise"].notna()]
    assert "battery_pack" in {seg[e] for e in spof["enterprise"]}
    # 3. the capped lithium-salt makers are on the minimum cut
    cut = report.flow.min_cut
    capped = {seg[e] for e in cut.loc[cut["element"] == "enterprise", "enterprise"]}
    assert "lithium_salts" in capped
    assert (report.bottlenecks["kind"] == "min_cut").any()
    # 4. foreign dependence: chip-buying segments buy mostly from abroad
    dep = report.outside_dependence.set_index("segment")
    assert dep.loc["intelligent_cockpit", "abroad_share"] > 0.9
    assert dep.loc["power_semiconductors", "flagged"]
    # 5. broken link separator -> battery_cell
    broken = bps[bps["kind"] == "broken_link"]
    assert ("separator", "battery_cell") in set(
        zip(broken["supplier_segment"], broken["buyer_segment"], strict=True))
    # 6. cycle
    assert report.summary["has_cycles"]
    # 7. designated leaders rank on top
    top3 = report.leaders.head(3)
    assert top3["designated"].all()
    assert report.summary["designated_leaders_in_top"] == "3 of 3"
    # candidates: the missing segments are the 补链/延链 rows
    cand = report.candidates
    assert set(cand.loc[cand["kind"] != "强链 strengthen", "segment"]) == missing
    assert report.summary["focal_rung"] == "千亿级"


def test_bottleneck_table_equals_find_bottlenecks(report, example):
    expected = bn.find_bottlenecks(example, template=report.template, region=FOCAL,
                                   seed=0)
    got = report.bottlenecks
    key = ["kind", "enterprise", "supplier", "buyer", "segment"]

    def rows(frame):
        return sorted(map(str, frame[[*key, "score"]].round(12).values.tolist()))

    assert rows(got) == rows(expected)


def test_breakpoint_counts_match_individual_finders(report, example):
    tpl = report.template
    counts = report.summary["breakpoints_by_kind"]
    assert counts["missing_segment"] == len(bp.find_missing_segments(
        example, template=tpl, region=FOCAL))
    assert counts["broken_link"] == len(bp.find_broken_links(example, template=tpl, region=FOCAL))
    assert counts.get("single_source", 0) == len(bp.find_breakpoints(
        example, template=tpl, region=FOCAL).query("kind == 'single_source'"))


def test_json_schema(report):
    text = report.to_json()
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"invalid JSON {c}"))
    assert list(doc) == JSON_KEYS
    assert {b["kind"] for b in doc["breakpoints"]} <= KINDS
    for item in doc["breakpoints"]:
        assert {"kind", "kind_label", "enterprise", "supplier", "buyer",
                "segment"} <= set(item)
    bott = doc["bottlenecks"]
    assert isinstance(bott["max_flow"], float)
    assert bott["max_flow"] == pytest.approx(report.flow.value)
    links = [c for c in bott["min_cut"] if isinstance(c, list)]
    ents = [c for c in bott["min_cut"] if not isinstance(c, list)]
    assert links and ents and all(len(c) == 2 for c in links)
    assert len(bott["min_cut"]) == len(report.flow.min_cut)
    assert len(doc["leaders"]) == len(report.leaders)
    assert doc["candidates"][0]["targets"]  # lists stay lists
    assert doc["summary"]["meta"]["focal_region"] == FOCAL


def test_json_keeps_ids_and_has_no_nan():
    G = nx.DiGraph([(1, 2, {"volume": 1.0}), (2, 3, {"volume": float("nan")})])
    with pytest.warns(cg.ChainDataWarning):
        report = diagnose(G)
    doc = json.loads(report.to_json())
    ids = {row["enterprise"] for row in doc["leaders"]}
    assert ids == {1, 2, 3}
    text = report.to_json()
    assert "NaN" not in text and "Infinity" not in text


def test_json_explanations_are_in_the_report_language(report):
    """report.json's table explanations were the finders' English under --lang zh
    (the Markdown, HTML and Excel rows were Chinese); codes and keys stay as they are."""
    zh, en = json.loads(report.to_json(lang="zh")), json.loads(report.to_json(lang="en"))
    for doc, lang in ((zh, "zh"), (en, "en")):
        tables = {"breakpoints": doc["breakpoints"], "leaders": doc["leaders"],
                  "candidates": doc["candidates"], "echelon": doc["echelon"],
                  "bottlenecks": doc["bottlenecks"]["findings"],
                  "coverage": doc["structure"]["coverage"]}
        for section, rows in tables.items():
            assert rows, section
            shown = report.shown_table(section, lang=lang, rows=len(rows))
            assert [row["explanation"] for row in rows] == shown["explanation"].tolist()
    assert all(_has_han(row["explanation"]) for row in zh["breakpoints"])
    # the tables without a shown explanation are in Chinese too (they were English)
    for rows in (zh["structure"]["enterprises"], zh["bottlenecks"]["concentration"],
                 zh["bottlenecks"]["outside_dependence"], zh["bottlenecks"]["throughput"]):
        texts = [row["explanation"] for row in rows if row["explanation"]]
        assert texts and not [t for t in texts if " is " in t or " buys " in t
                              or " lies on " in t or "segment " in t]
    assert zh["breakpoints"][0]["kind"] == en["breakpoints"][0]["kind"]
    assert en["breakpoints"][0]["explanation"] == report.breakpoints["explanation"].iat[0]


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_compact_json_is_the_same_document(report, tmp_path):
    """The streamed compact JSON (pandas text spliced in) decodes to the same
    document as the pretty-printed one, and write_json writes exactly to_json."""
    from chaingraph._report_json import json_document

    compact = report.to_json(indent=None)
    doc = json.loads(compact, parse_constant=lambda c: pytest.fail(f"invalid JSON {c}"))
    assert doc == json.loads(report.to_json(indent=2))
    assert doc == json.loads(json.dumps(json_document(
        report, lang=report.lang, rows=cg.report.ROW_LIMIT), ensure_ascii=False))
    path = report.write_json(tmp_path / "r.json", indent=None)
    assert path.read_text(encoding="utf-8") == compact
    assert json.loads(report.write_json(tmp_path / "p.json").read_text(
        encoding="utf-8")) == doc
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "r.json"]


@pytest.mark.parametrize("indent", [2, 0, 4, "\t", "--"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indented_json_is_the_json_modules_text(report, tmp_path, indent, lang):
    """The pretty-printed report, encoded table by table, is byte for byte what the
    json module's indented encoder writes for the whole document (the reference)."""
    from chaingraph._report_json import json_document

    reference = json.dumps(json_document(report, lang=lang, rows=cg.report.ROW_LIMIT),
                           ensure_ascii=False, indent=indent, allow_nan=False)
    assert report.to_json(indent=indent, lang=lang) == reference
    path = report.write_json(tmp_path / "r.json", indent=indent, lang=lang)
    assert path.read_text(encoding="utf-8") == reference


#: cells that meet every branch of the table encoder: quotes, backslashes, newlines
#: and control characters, Chinese, NaN and infinities, big integers, bools, None,
#: and lists or dicts inside cells (the json module's own encoder then)
_JSON_CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),
    st.text(st.sampled_from(list('a"\\\n\t\x00\x1f链 ,:{}[]')), max_size=6),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["k", "链"]), st.integers(0, 3), max_size=1))


@given(st.lists(st.lists(_JSON_CELLS, min_size=3, max_size=3), max_size=4),
       st.sampled_from([["a", "b", "c"], ["名称", "x\ny", "a"], ["a", "a", "b"]]),
       st.sampled_from([("", "  "), ("    ", "  "), ("\t\t", "\t"), ("", "")]))
def test_indented_table_text_is_the_json_modules(rows, columns, indentation):
    from chaingraph._report_json import _Raw
    from chaingraph.readwrite.safety import json_records

    prefix, unit = indentation
    frame = pd.DataFrame(rows, columns=columns, dtype=object) if rows else \
        pd.DataFrame(columns=columns)
    level = len(prefix) // len(unit) if unit else 0
    # the table as the value of a key at ``level``: json.dumps's text for it
    nested: object = json_records(frame)
    for _ in range(level):
        nested = {"k": nested}
    text = json.dumps(nested, ensure_ascii=False, indent=unit, allow_nan=False)
    head = "".join("{\n" + unit * (i + 1) + '"k": ' for i in range(level))
    tail = "".join("\n" + unit * (level - 1 - i) + "}" for i in range(level))
    assert text.startswith(head) and text.endswith(tail)
    assert _Raw(frame).indented(prefix, unit) == text[len(head):len(text) - len(tail)]


def test_excel_sheets(report, tmp_path):
    path = report.to_excel(tmp_path / "r.xlsx", lang="en")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[:3] == ["key_findings", "summary", "structure"]
    assert set(SECTIONS) <= set(book.sheetnames)
    frame = pd.read_excel(path, sheet_name="candidates")
    assert len(frame) == len(report.candidates)
    assert frame["Target enterprises"].iloc[0] == ", ".join(
        report.candidates["target_names"].iloc[0])
    zh = report.to_excel(tmp_path / "zh.xlsx", chinese=True)
    names = openpyxl.load_workbook(zh, read_only=True).sheetnames
    assert names[0] == "重点问题"
    assert {"概要", "断点", "堵点", "链主", "补链延链", "梯队"} <= set(names)
    header = pd.read_excel(zh, sheet_name="断点").columns.tolist()
    assert "类型" in header and "得分" in header and "说明" in header
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx", "zh.xlsx"]


def test_excel_cells_are_numeric_with_formats(report, tmp_path):
    path = report.to_excel(tmp_path / "r.xlsx", lang="zh")
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("{", "[")), cell.value
    leaders = book["链主"]
    head = [c.value for c in leaders[1]]
    output = leaders.cell(row=2, column=head.index("产值（万元）") + 1)
    assert isinstance(output.value, (int, float)) and output.number_format == "#,##0.0"
    assert output.value == pytest.approx(report.leaders["output"].iloc[0] / 1e4)
    share = leaders.cell(row=2, column=head.index("产值占比") + 1)
    assert isinstance(share.value, float) and share.number_format == "0.0%"
    assert leaders.column_dimensions["C"].width > 10
    first = [c.value for c in book["重点问题"]["D"]][1:11]
    assert first == list(report.key_findings_in("zh")["explanation"])


def test_interrupted_excel_leaves_no_file(report, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    from chaingraph import _report_excel

    monkeypatch.setattr(_report_excel, "_write_sheet", boom)
    with pytest.raises(KeyboardInterrupt):
        report.to_excel(tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_propagates(example, monkeypatch):
    from chaingraph.algorithms import leaders

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(leaders, "find_leaders", stop)
    with pytest.raises(KeyboardInterrupt):
        diagnose(example, template="nev", region=FOCAL)


def test_markdown_and_html(report):
    text = report.to_markdown(lang="en")
    for title, _, definition in SECTIONS.values():
        assert f"## {title}" in text and definition in text
    assert text.index("## Key findings") < text.index("## Summary")
    assert "- **Echelon rung**: 千亿级" in text
    assert "| Kind |" in text
    zh = report.to_markdown(lang="zh")
    assert zh.splitlines()[2] == "## 重点问题"
    assert "- **梯队**: 千亿级" in zh and "| 类型 |" in zh
    html = report._repr_html_()
    assert "<details>" not in html and html.count("<table") >= len(SECTIONS)
    assert "明湾示范区" in html and html.index("重点问题") < html.index("概要")


def test_without_template_skips_and_says_so(example):
    report = diagnose(example, region=FOCAL, progress=False)
    assert set(report.summary["skipped"]) == {"coverage", "candidates"}
    assert "no template" in report.summary["skipped"]["candidates"]
    assert not (report.breakpoints["kind"] == "missing_segment").any()
    assert report.candidates.empty and report.coverage.empty
    assert "Skipped: no template given." in report.to_markdown(lang="en")
    json.loads(report.to_json())


def test_names_resolve_and_bad_template(example):
    with pytest.raises(cg.TemplateError, match="no built-in template"):
        diagnose(example, template="no-such-template")
    with pytest.raises(ValueError, match="no enterprise is in region"):
        diagnose(example, region="火星")


def test_cycles_digraph_input_and_no_mutation():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("s", "a")])
    snapshot = nx.node_link_data(G, edges="links")
    report = diagnose(G, progress=True)
    assert nx.node_link_data(G, edges="links") == snapshot
    assert report.summary["has_cycles"]
    assert set(report.summary["skipped"]) >= {"coverage", "candidates", "echelon"}
    assert len(report.leaders) == 5
    assert repr(report).startswith("<ChainReport")


def test_all_willems_chains(shared_data):
    folder = shared_data / "willems"
    numbers = willems_numbers(folder)
    assert len(numbers) == 19
    for number in numbers:
        chain = load_willems(folder, number)
        report = diagnose(chain)
        counts = report.summary["breakpoints_by_kind"]
        spof = bp.find_single_points_of_failure(chain)
        single = bp.find_single_sources(chain)
        assert counts.get("single_point_of_failure", 0) == len(spof), number
        assert counts.get("single_source", 0) == len(single), number
        assert "missing_segment" not in counts
        assert len(report.leaders) == chain.n_enterprises
        internal = report.flow.min_cut["element"].isin(["link", "enterprise"]).sum()
        assert report.summary["bottlenecks_by_kind"].get("min_cut", 0) == internal
        assert report.flow.value >= 0 and math.isfinite(report.flow.value)
        doc = json.loads(report.to_json())
        assert list(doc) == JSON_KEYS
        # 强链 stays within a third of the present segments on a template of the
        # chain's own stage classes
        tpl = _stage_template(chain)
        out = cg.find_extension_candidates(chain, template=tpl)
        present = len(set(chain.column("segment", default=None)))
        assert (out["kind"] == "强链 strengthen").sum() <= present // 3, number


def _stage_template(chain: cg.Chain) -> cg.SegmentTemplate:
    seg = chain.column("segment", default=None)
    src, dst = chain.link_codes
    pairs = sorted({(a, b) for a, b in zip(seg[src], seg[dst], strict=True) if a != b})
    stage = {"Part": "upstream", "Manuf": "midstream"}
    return cg.SegmentTemplate.from_dict({"id": "willems", "segments": [
        {"id": s, "stage": stage.get(s, "downstream")} for s in sorted(set(seg))],
        "edges": [list(p) for p in pairs]})


def test_report_files_are_bounded(report, tmp_path):
    path = report.to_excel(tmp_path / "r.xlsx", lang="en", rows=5)
    assert len(pd.read_excel(path, sheet_name="structure")) == 5
    summary = pd.read_excel(path, sheet_name="summary")
    note = summary.loc[summary["Item"] == "structure", "Value"].iat[0]
    assert note.startswith("first 5 of 406 rows")
    doc = json.loads(report.to_json(rows=5))
    assert len(doc["structure"]["enterprises"]) == 5
    assert doc["summary"]["table_rows"]["structure"] == 406
    assert len(doc["bottlenecks"]["min_cut"]) == 5
    files = report.write_tables(tmp_path / "tables")
    full = pd.read_parquet(tmp_path / files["structure"])
    assert len(full) == 406 and list(full.columns) == list(report.structure.columns)
    assert "tables/structure.parquet" in report.to_markdown(rows=5, files=files)


def test_candidates_score_includes_relatedness_density(report, example):
    # oracle: the finder with the focal row of the chain's own density table
    from chaingraph.algorithms.extension import find_extension_candidates

    table = cg.relatedness_density(cg.region_segment_table(example))
    expected = find_extension_candidates(example, template="nev", region=FOCAL,
                                         relatedness=table.loc[FOCAL])
    got = report.candidates
    pd.testing.assert_series_equal(got["score"], expected["score"])
    missing = got[~got["kind"].str.startswith("强链")]
    assert len(missing) and missing["relatedness_density"].between(0, 1).all()
    assert missing["explanation"].str.contains("relatedness density").all()
    assert "relatedness_density" not in report.summary["skipped"]


def _toy(regions: dict[str, str]) -> nx.DiGraph:
    G = nx.DiGraph([("o", "c", {"volume": 3.0}), ("c", "v", {"volume": 4.0})])
    nx.set_node_attributes(G, {"o": "ore", "c": "cell", "v": "car"}, "segment")
    nx.set_node_attributes(G, regions, "region")
    return G


TOY_TEMPLATE = {"id": "toy", "segments": [
    {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
    {"id": "car", "stage": "downstream"}], "edges": [["ore", "cell"], ["cell", "car"]]}


@pytest.mark.parametrize(("regions", "region", "why"), [
    ({"o": "本区", "c": "本区", "v": "本区"}, "本区", "at least one region besides"),
    ({"o": "本区", "c": "外省", "v": "本区"}, None, "needs a focal region"),
])
def test_density_left_out_of_the_score_says_why(regions, region, why):
    from chaingraph.algorithms.extension import find_extension_candidates

    tpl = cg.SegmentTemplate.from_dict(TOY_TEMPLATE)
    G = _toy(regions)
    report = diagnose(G, template=tpl, region=region, progress=False)
    note = report.summary["skipped"]["relatedness_density"]
    assert note.startswith("relatedness density not in the candidate score") and why in note
    plain = find_extension_candidates(G, template=tpl, region=region)
    pd.testing.assert_frame_equal(report.candidates.drop(
        columns=["present_suppliers", "present_buyers"]), plain)
    assert report.candidates["relatedness_density"].isna().all()
    assert "relatedness_density" in report.to_markdown(lang="en")


def test_external_relatedness_is_used_as_given():
    tpl = cg.SegmentTemplate.from_dict(TOY_TEMPLATE)
    G = _toy({"o": "本区", "c": "外省", "v": "本区"})
    report = diagnose(G, template=tpl, region="本区", progress=False,
                      relatedness={"cell": 0.25})
    row = report.candidates.set_index("segment").loc["cell"]
    assert row["relatedness_density"] == 0.25
    assert "relatedness_density" not in report.summary["skipped"]


def test_links_without_volumes_are_not_worded_as_money():
    """Without link volumes the maximum flow counts links and the throughput counts
    paths alike: the findings said 合计 2元 and 金额加权 (an analyst's review)."""
    ent = pd.DataFrame({"企业名称": ["甲", "乙", "丙", "丁"],
                        "所属环节": ["锂盐", "正极材料", "正极材料", "动力电池电芯"],
                        "所在区域": ["示范区"] * 4, "年产值（万元）": [100, 200, 300, 400]})
    links = pd.DataFrame({"供应商": ["甲", "甲", "乙", "丙"], "采购方": ["乙", "丙", "丁", "丁"]})
    chain = cg.read_chain(ent, links)
    report = cg.diagnose(chain, template="nev", region="示范区", lang="zh")
    assert report.summary["flow_basis"] == "unit"
    zh = "\n".join(report.key_findings_in("zh")["explanation"])
    en = "\n".join(report.key_findings_in("en")["explanation"])
    assert "金额加权" not in zh and "volume-weighted" not in en
    assert "合计 2（链接无金额，每条按 1 计）" in zh
    assert "2元" not in zh and "采购 0元" not in zh and "链接无金额" in zh
    assert "no volumes" in en
    # foreign and outside dependence count links too (it said 合计 60元)
    assert "元" not in "".join(t for t in zh.splitlines() if "依赖" in t)
    hub = report.bottlenecks[report.bottlenecks["kind"] == "throughput_hub"]
    assert "counted alike" in hub["explanation"].iat[0]
    table = cg.find_throughput(chain)
    assert "counted alike" in table["explanation"].iat[0]
    assert not cg.throughput_centrality(chain).weighted
    candidates = cg.find_extension_candidates(chain, template="nev", region="示范区")
    assert all("no volumes" in t for t in candidates["explanation"]
               if "from outside" in t)
    # with volumes: money and weighted paths, as before
    weighted = cg.read_chain(ent, links.assign(金额=[5, 1, 2, 3]))
    report = cg.diagnose(weighted, template="nev", region="示范区", lang="zh")
    zh = "\n".join(report.key_findings_in("zh")["explanation"])
    assert "金额加权" in zh and "链接无金额" not in zh
    assert cg.throughput_centrality(weighted).weighted


def test_tables_of_links_without_volumes_count_links():
    """The tables (not only the findings) of a chain without link volumes: the
    outside-dependence inputs are links (they showed 15元), the cut's links have no
    amount (each showed 1元); an enterprise's own capacity in the cut stays money."""
    ent = pd.DataFrame({"企业名称": ["甲", "乙", "丙", "丁"],
                        "所属环节": ["锂盐", "正极材料", "正极材料", "动力电池电芯"],
                        "所在区域": ["示范区", "示范区", "外省", "示范区"],
                        "年产值（万元）": [100, 200, 300, 400]})
    links = pd.DataFrame({"供应商": ["甲", "甲", "乙", "丙"], "采购方": ["乙", "丙", "丁", "丁"]})
    report = cg.diagnose(cg.read_chain(ent, links), template="nev", region="示范区")
    assert report.summary["flow_basis"] == "unit"
    for lang in ("zh", "en"):
        shown = report.shown_table("outside_dependence", lang=lang)
        assert "input_links" in shown and "input_volume" not in shown
        assert report.shown_table("min_cut", lang=lang).columns.tolist() == [
            "element", "supplier", "buyer", "enterprise", "share"]
        assert "capacity" not in report.shown_table("min_cut_pairs", lang=lang)
    zh, en = report.to_markdown(lang="zh"), report.to_markdown(lang="en")
    assert "| 投入链接数（链接无金额） |" in zh and "| Input links" in en
    assert "1元" not in zh and "1 yuan" not in en
    # the full tables keep their columns and numbers
    assert "input_volume" in report.outside_dependence
    assert (report.min_cut_table()["capacity"] == 1).all()
    # an enterprise with a capacity in the cut keeps its amount beside blank links
    with pytest.warns(cg.ChainDataWarning, match="3 of 4 enterprises have no 'capacity'"):
        capped = cg.read_chain(ent.assign(**{"产能（元）": [None, 0.5, None, None]}), links)
    report = cg.diagnose(capped, template="nev", region="示范区")
    shown = report.shown_table("min_cut", lang="zh")
    assert report.min_cut_table()["element"].tolist() == ["link", "enterprise"]
    assert shown["capacity"].tolist()[1] == 0.5 and pd.isna(shown["capacity"].iat[0])
    assert "| 0.5元 |" in report.to_markdown(lang="zh")
    # with volumes: amounts, as before
    weighted = cg.diagnose(cg.read_chain(ent, links.assign(金额=[5, 1, 2, 3])),
                           template="nev", region="示范区")
    assert "input_volume" in weighted.shown_table("outside_dependence")
    assert "capacity" in weighted.shown_table("min_cut")


def test_throughput_wording_follows_how_the_paths_were_counted():
    """Volumes on inner links but none on the sources' and final producers' links:
    the throughput counts paths alike, and the report said 金额加权 (it asked whether
    any link has a volume)."""
    ent = pd.DataFrame({"id": list("abcde"), "region": ["r"] * 5, "segment": [
        "lithium_salts", "cathode", "battery_cell", "battery_pack", "vehicle_assembly"]})
    links = pd.DataFrame({"supplier": list("abcd"), "buyer": list("bcde"),
                          "volume": [None, 5.0, 5.0, None]})
    with pytest.warns(cg.ChainDataWarning, match="2 of 4 links have no 'volume'"):
        chain = cg.Chain.from_frames(ent, links)
    report = cg.diagnose(chain, template="nev", region="r", lang="zh")
    assert report.summary["throughput_basis"] == "paths"
    assert report.summary["flow_basis"] == "volume"
    zh = [t for t in report.key_findings_in("zh")["explanation"] if "通量" in t]
    en = [t for t in report.key_findings_in("en")["explanation"] if "hroughput" in t]
    assert zh and all("金额加权" not in t and "源头和终端的链接无金额" in t for t in zh)
    assert en and all("volume-weighted" not in t for t in en)
    weighted = cg.diagnose(chain.with_tables(links=links.fillna(1.0)), template="nev",
                           region="r")
    assert weighted.summary["throughput_basis"] == "volume"
    assert not cg.throughput_centrality(chain).weighted
    assert cg.throughput_centrality(chain.with_tables(links=links.fillna(1.0))).weighted


def test_added_outside_enterprises_are_named_in_chinese():
    """Enterprises added by unknown='add' showed the region code 'outside' in the
    Chinese report (an analyst's review)."""
    ent = pd.DataFrame({"企业名称": ["甲", "乙", "丙"],
                        "所属环节": ["锂盐", "正极材料", "动力电池电芯"], "所在区域": ["示范区"] * 3})
    links = pd.DataFrame({"供应商": ["甲", "乙", "境外某公司"], "采购方": ["乙", "丙", "丙"],
                          "金额": [1, 2, 3]})
    report = cg.diagnose(cg.read_chain(ent, links, unknown="add"), template="nev",
                         region="示范区", lang="zh")
    zh, en = report.to_markdown(lang="zh"), report.to_markdown(lang="en")
    assert "| 区外（名单外补录） |" in zh and "| outside |" not in zh
    assert "| outside |" in en


def test_a_rung_below_the_lowest_reads_in_chinese(tmp_path, capsys):
    """A chain below the lowest rung: the Chinese summary (report.md, report.html,
    the Excel summary sheet and the printed one) said 'below 十亿级'; the table beside
    it already said 十亿级以下. The JSON keeps the code."""
    import pandas as pd

    from chaingraph.cli import main

    ent = pd.DataFrame({"id": ["甲锂业", "乙材料"], "segment": ["锂盐", "正极材料"],
                        "region": ["示范区"] * 2, "output": [1e6, 2e6]})
    lk = pd.DataFrame({"supplier": ["甲锂业"], "buyer": ["乙材料"], "volume": [5e5]})
    small = cg.Chain.from_frames(ent, lk)
    rep = diagnose(small, template="nev", region="示范区")
    assert rep.summary["focal_rung"] == "below 十亿级"
    zh = rep.to_markdown(lang="zh")
    assert "- **梯队**: 十亿级以下" in zh and "below" not in zh
    assert "below" not in rep.to_html(lang="zh")
    assert "- **Echelon rung**: below 十亿级" in rep.to_markdown(lang="en")
    assert json.loads(rep.to_json(lang="zh"))["summary"]["focal_rung"] == "below 十亿级"
    cg.write_chain(small, tmp_path / "small.csv")
    assert main(["diagnose", str(tmp_path / "small.csv"), "--template", "nev",
                 "--region", "示范区", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "梯队：十亿级以下" in printed and "below 十亿级" not in printed


def test_skipped_steps_read_in_chinese():
    """A Chinese report named its skipped steps by their codes (broken_link,
    relatedness_density) with English details beside the Chinese prefix; English
    keeps them as they were."""
    from chaingraph._report_render import skip_text

    density = ("relatedness density not in the candidate score: relatedness density "
               "needs at least one region besides the focal 示范区 (found only 1 region(s))")
    assert skip_text("relatedness_density", density, "zh") == (
        "关联密度", "关联密度未计入补链/延链得分: 需要本区（示范区）以外至少一个地区的企业才能"
        "计算（只有 1 个地区）")
    assert skip_text("relatedness_density", density, "en") == ("relatedness_density",
                                                                density)
    links = "无供应关系数据 (no supply-link data): 12 template links not judged"
    assert skip_text("broken_link", links, "zh") == (
        "断链", "无供应关系数据：12 条模板链接未判断")
    assert skip_text("broken_link", links, "en") == ("broken_link", links)
    assert skip_text("flow", "maximum flow not computed: x", "zh")[1] == "未计算最大流: x"
    # the finder's own message (not a copy of it) is the one translated
    from chaingraph.algorithms.relatedness import focal_density

    one_region = cg.Chain.from_frames(
        pd.DataFrame({"id": ["a", "b"], "segment": ["锂盐", "正极材料"],
                      "region": ["示范区"] * 2}),
        pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}))
    with pytest.raises(cg.ChainDataError) as caught:
        focal_density(one_region, region="示范区")
    reason = "relatedness density not in the candidate score: " + str(caught.value)
    assert "需要本区（示范区）以外至少一个地区" in skip_text("relatedness_density", reason,
                                                        "zh")[1]
