"""The report as delivered: key findings, Chinese labels, safety of every format."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.algorithms.extension import STRENGTHEN
from chaingraph.report import diagnose

FOCAL = "明湾示范区"
FORMULA = '=HYPERLINK("http://evil.example","点击")'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def report():
    return diagnose(cg.datasets.load_example(), template="nev", region=FOCAL)


def _findings(report, kind):
    kf = report.key_findings
    return kf[kf["kind"] == kind]


def test_key_findings_name_every_designed_weakness(report):
    kf = report.key_findings
    assert 8 <= len(kf) <= 12 and list(kf["rank"]) == list(range(1, len(kf) + 1))
    assert kf.iloc[0]["category"] == "breakpoint"
    # 1. the four missing segments, named in one finding
    missing = _findings(report, "missing_segment").iloc[0]
    assert set(missing["segments"]) == {"lithium_resources", "nickel_cobalt",
                                        "semiconductor_materials", "automotive_chips"}
    for name in ("锂矿资源", "镍钴资源", "半导体材料", "车规级芯片"):
        assert name in missing["explanation"]
    # 2. the broken separator -> battery cell link
    broken = _findings(report, "broken_link").iloc[0]
    assert broken["segments"] == ["separator", "battery_cell"]
    assert "隔膜→动力电池电芯" in broken["explanation"]
    # 3. the single battery-pack maker as a single point of failure
    spof = _findings(report, "single_point_of_failure").iloc[0]
    assert spof["segments"] == ["battery_pack"] and spof["number"] == 3
    assert "明湾砚泰电池系统有限公司" in spof["explanation"]
    # 4. the capped lithium-salt makers on the minimum cut
    capped = _findings(report, "min_cut")
    assert "lithium_salts" in capped.iloc[0]["segments"]
    assert "满负荷" in capped.iloc[0]["explanation"]
    # 5. dependence on foreign chips
    foreign = _findings(report, "outside_dependence")
    assert any("automotive_chips" in segs for segs in foreign["segments"])
    assert any("境外" in text and "车规级芯片" in text for text in foreign["explanation"])
    # every item is one sentence with a number or a name
    for text in kf["explanation"]:
        assert text.count("。") <= 2 and len(text) < 300


def test_key_findings_rule_round_robin(report):
    cats = list(report.key_findings["category"])
    # categories take turns in priority order while each has items
    assert cats[:4] == ["breakpoint", "bottleneck", "candidate", "leader"]
    en = report.key_findings_in("en")
    assert list(en["kind"]) == list(report.key_findings["kind"])  # same codes
    assert en.iloc[0]["explanation"].startswith("4 template segments")


def test_breakpoints_grouped_by_kind_each_by_its_own_score(report):
    kinds = list(report.breakpoints["kind"])
    order = ["missing_segment", "broken_link", "single_point_of_failure", "single_source"]
    assert kinds == sorted(kinds, key=order.index)
    for _, group in report.breakpoints.groupby("kind"):
        assert group["score"].is_monotonic_decreasing


def test_min_cut_summarised_by_segment_pair(report):
    pairs = report.min_cut_pairs()
    cut = report.flow.min_cut
    assert pairs["n_elements"].sum() == len(cut)
    assert pairs["capacity"].sum() == pytest.approx(cut["capacity"].sum())
    assert pairs["capacity"].is_monotonic_decreasing
    text = report.to_markdown()
    # the pair table comes before the link list, which is an appendix at the end
    assert text.index("最小割（按环节对汇总）") < text.index("附录：最小割明细")
    assert text.index("附录：最小割明细") > text.index("## 梯队")


def test_strengthen_bound_on_the_example(report):
    n_strong = int((report.candidates["kind"] == STRENGTHEN).sum())
    present = int(report.coverage["present"].sum())
    assert 0 < n_strong <= present // 3


def test_echelon_does_not_rank_buckets(report):
    assert set(report.echelon["group"]) == {FOCAL}


def test_readable_numbers(report):
    text = report.to_markdown()
    assert "845.7亿元" in text  # maximum flow, in 亿元 with one decimal
    assert "2,316.5亿元" in text  # focal output, with a thousands separator
    assert "e+" not in text and "E+" not in text
    html = report.to_html()
    assert "2,316.5亿元" in html and "<details" not in html


def test_missing_names_and_outputs_fall_back():
    G = cg.datasets.load_example()
    ent = G.enterprises.copy()
    top = "E0078"
    ent.loc[ent["id"] == top, "name"] = None
    ent.loc[ent["id"] == top, "output"] = float("nan")
    with pytest.warns(cg.ChainDataWarning, match="no 'output'"):
        chain = cg.Chain.from_frames(ent, G.links, meta=G.meta)
    rep = diagnose(chain, template="nev", region=FOCAL)
    row = rep.leaders[rep.leaders["enterprise"] == top]
    shown = cg.report.ChainReport.to_markdown(rep, rows=200)
    assert "None" not in shown and "nan" not in shown
    line = next(x for x in shown.splitlines() if x.startswith(f"| {row['rank'].iat[0]} |"))
    assert "产值未填报" in line and "0.0%" not in line and f"| {top} | {top} |" in line
    line = next(x for x in rep.to_markdown(lang="en", rows=200).splitlines()
                if x.startswith(f"| {row['rank'].iat[0]} |"))
    assert "output not reported" in line and "0.0%" not in line


def _hostile_report():
    G = cg.datasets.load_example()
    ent = G.enterprises.copy()
    ent.loc[ent["id"] == "E0078", "name"] = FORMULA
    ent.loc[ent["id"] == "E0027", "name"] = SCRIPT
    ent.loc[ent["id"] == "E0079", "name"] = "+1-2|[x](javascript:alert(1))"
    chain = cg.Chain.from_frames(ent, G.links, meta=G.meta)
    return diagnose(chain, template="nev", region=FOCAL)


def test_hostile_names_stay_text_in_every_format(tmp_path):
    rep = _hostile_report()
    # Excel: string cells, never a formula, and the exact text
    path = rep.to_excel(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value == FORMULA:
                    found.append(cell)
    assert found and all(c.data_type == "s" for c in found)
    # Markdown: no raw HTML, no live link
    md = rep.to_markdown(rows=200)
    assert "<script" not in md and "&lt;script&gt;" in md
    assert not re.search(r"(?<!\\)\]\(javascript", md) and "\\](javascript" in md
    # HTML: escaped, no script element at all, no network
    page = rep.to_html(rows=200)
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert "http://evil.example" not in re.sub(r"&[a-z]+;|&#x?[0-9a-f]+;", "", page) or \
        "<a " not in page
    assert "<link" not in page and "src='http" not in page
    # JSON: the exact names as data
    doc = json.loads(rep.to_json())
    names = {r["name"] for r in doc["leaders"]}
    assert FORMULA in names and SCRIPT in names


# --- headless browser ---------------------------------------------------------------
def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CHAINGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail("CHAINGRAPH_REQUIRE_BROWSER=1 but no chromium found")
    pytest.skip("headless Chromium not installed")


@pytest.mark.browser
def test_browser_renders_the_html_report(tmp_path, report):
    browser = _chromium()
    fonts = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True,
                           text=True, check=False).stdout if shutil.which("fc-list") else ""
    assert fonts.strip(), "no font covers Simplified Chinese: glyphs would be missing"
    page = tmp_path / "report.html"
    page.write_text(report.to_html(), encoding="utf-8")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", f"--user-data-dir={tmp_path / 'p'}",
           "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, timeout=120, check=False).stdout.decode()
    assert "重点问题" in dom and dom.index("重点问题") < dom.index("概要")
    assert dom.count("<li>") >= 8
    shot = tmp_path / "shot.png"
    subprocess.run([*cmd[:-2], f"--screenshot={shot}", "--window-size=1200,900",
                    page.as_uri()], capture_output=True, timeout=120, check=False)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert (pixels.mean(axis=2) < 0.4).sum() > 2000, "no text drawn"


def test_full_tables_do_not_depend_on_lang(report, tmp_path):
    a = report.write_tables(tmp_path / "a")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / a["candidates"]),
                                  pd.read_parquet(tmp_path / a["candidates"]))
    zh = json.loads(report.to_json(lang="zh"))
    en = json.loads(report.to_json(lang="en"))
    strip = {"key_findings", "labels"}
    for key in set(zh) - strip:
        if key == "summary":
            continue
        assert json.dumps(_codes(zh[key])) == json.dumps(_codes(en[key])), key


def _codes(value):
    if isinstance(value, dict):
        # the labels and explanations are text in the report's language
        return {k: _codes(v) for k, v in value.items()
                if k not in ("kind_label", "explanation")}
    if isinstance(value, list):
        return [_codes(v) for v in value]
    return value


def test_shown_table_is_shared_and_follows_a_replaced_table():
    """The shown rows are built once per section, language and row count and shared
    by the report formats; a replaced table is shown anew, even when the new frame
    takes the old one's memory (the cache holds the table it was built from)."""
    report = diagnose(cg.datasets.load_example(), template="nev", region="明湾示范区")
    first = report.shown_table("breakpoints", lang="en", rows=5)
    assert first is report.shown_table("breakpoints", lang="en", rows=5)
    assert report.shown_table("breakpoints", lang="zh", rows=5) is not first
    original = report.breakpoints
    for k in range(30):  # new frames, the old ones freed: ids get reused
        report.breakpoints = original.iloc[: k % 3 + 1].copy()
        assert len(report.shown_table("breakpoints", lang="en", rows=5)) == k % 3 + 1
    report.breakpoints = original
    shown = report.shown_table("breakpoints", lang="en", rows=5)
    pd.testing.assert_frame_equal(shown, first)
    with pytest.raises(ValueError, match="section must be one of"):
        report.shown_table("nonsense")
