"""Year on year: find_changes / compare_reports / compare_portfolios and the compare CLI.

Oracles: a chain compared with itself has no change; adding a focal enterprise in a
missing segment closes exactly that breakpoint (hand-made three-segment template);
comparing A with B and B with A swaps added/removed and closed/opened (hypothesis).
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import chain_frames

import chaingraph as cg
from chaingraph.algorithms.compare import (
    CHANGE_KINDS,
    compare_portfolios,
    compare_reports,
    find_changes,
    summarize_changes,
)

DATA = resources.files("chaingraph.datasets").joinpath("data")
TEMPLATE = cg.SegmentTemplate.from_dict({
    "id": "abc", "segments": [
        {"id": "a", "name_zh": "原料", "stage": "upstream"},
        {"id": "b", "name_zh": "部件", "stage": "midstream"},
        {"id": "c", "name_zh": "整机", "stage": "downstream"}],
    "edges": [["a", "b"], ["b", "c"]]})


def _chain(with_b: bool) -> cg.Chain:
    ent = [("a1", "a", "本区", 5e8), ("a2", "a", "本区", 3e8), ("bo", "b", "外省", 4e8),
           ("bo2", "b", "外省", 4e8), ("c1", "c", "本区", 1e8)]
    links = [("a1", "bo", 1e8), ("a2", "bo", 1e8), ("bo", "c1", 2e8), ("a1", "bo2", 1e8),
             ("a2", "bo2", 1e8), ("bo2", "c1", 2e8)]  # two outside b suppliers: no SPOF
    if with_b:
        ent.append(("b1", "b", "本区", 2e8))
        links += [("a1", "b1", 5e7), ("a2", "b1", 5e7), ("b1", "c1", 1e8)]
    enterprises = pd.DataFrame(ent, columns=["id", "segment", "region", "output"])
    enterprises["name"] = "企业" + enterprises["id"]
    return cg.Chain.from_frames(enterprises, pd.DataFrame(
        links, columns=["supplier", "buyer", "volume"]))


def test_a_chain_compared_with_itself_is_empty():
    chain = _chain(True)
    changes = find_changes(chain, chain, template=TEMPLATE, region="本区")
    assert changes.empty
    assert changes.attrs["rung_before"] == changes.attrs["rung_after"]
    summary = summarize_changes(changes)
    assert all(summary[k] == [] for k in ("enterprises_added", "enterprises_removed",
                                          "segments_gained", "segments_lost",
                                          "breakpoints_closed", "breakpoints_opened"))


def test_adding_an_enterprise_in_a_missing_segment_closes_exactly_that_breakpoint():
    before, after = _chain(False), _chain(True)
    assert "b" in set(cg.find_missing_segments(before, template=TEMPLATE, region="本区")["segment"])
    changes = find_changes(before, after, template=TEMPLATE, region="本区")
    summary = summarize_changes(changes)
    assert summary["enterprises_added"] == ["b1"]
    assert summary["segments_gained"] == ["b"]
    assert [(b["kind"], b["segment"]) for b in summary["breakpoints_closed"]] == [
        ("missing_segment", "b")]
    assert summary["rung_before"] == "below 十亿级"
    assert summary["rung_after"] == "十亿级"  # district output 9亿 -> 11亿
    growth = changes.set_index("kind").loc["output_growth"]
    assert growth["change"] == pytest.approx(2e8)
    assert set(changes["kind"]) <= set(CHANGE_KINDS)
    assert list(changes["score"]) == sorted(changes["score"], reverse=True)


def test_enterprises_match_by_exact_name_when_ids_change():
    before = _chain(True)
    ent, links = before.enterprises, before.links
    ent["id"] = ent["id"].replace({"b1": "NEW-b1"})
    links = links.replace({"supplier": {"b1": "NEW-b1"}, "buyer": {"b1": "NEW-b1"}})
    after = cg.Chain.from_frames(ent, links)
    changes = find_changes(before, after, template=TEMPLATE, region="本区")
    assert not {"enterprise_added", "enterprise_removed"} & set(changes["kind"])


def test_compare_reports_accepts_diagnose_reports():
    r0 = cg.diagnose(_chain(False), template=TEMPLATE, region="本区")
    r1 = cg.diagnose(_chain(True), template=TEMPLATE, region="本区")
    changes = compare_reports(r0, r1)
    closed = changes[changes["kind"] == "breakpoint_closed"]
    assert closed[["item", "segment"]].values.tolist() == [["missing_segment", "b"]]
    assert compare_reports(r1, r1).empty


def test_findings_past_the_report_rows_are_described_not_none():
    """A report explains only the rows it shows (finders' explain=): a change in a
    finding without an explanation is described by its kind and what it names."""
    r0 = cg.diagnose(_chain(False), template=TEMPLATE, region="本区")
    r1 = cg.diagnose(_chain(True), template=TEMPLATE, region="本区")
    r0.breakpoints = r0.breakpoints.assign(explanation=None)
    changes = compare_reports(r0, r1)
    closed = changes[changes["kind"] == "breakpoint_closed"]
    assert closed["explanation"].tolist() == ["closed: missing_segment b"]
    assert not changes["explanation"].str.contains("None").any()


def _subset(enterprises: pd.DataFrame, links: pd.DataFrame, keep: list[bool]
            ) -> cg.Chain:
    ids = set(enterprises.loc[keep, "id"])
    lk = links[links["supplier"].isin(ids) & links["buyer"].isin(ids)]
    return cg.Chain.from_frames(enterprises[keep].reset_index(drop=True),
                                lk.reset_index(drop=True))


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_comparing_both_ways_swaps_added_removed_closed_opened(data):
    enterprises, links = data.draw(chain_frames(min_enterprises=2, max_enterprises=8,
                                                id_kind="ascii"))
    n = len(enterprises)
    first = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    second = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    A, B = _subset(enterprises, links, first), _subset(enterprises, links, second)
    ab = summarize_changes(find_changes(A, B))
    ba = summarize_changes(find_changes(B, A))

    def keys(items):
        return sorted((i["kind"], str(i["segment"]), str(i["enterprise"])) for i in items)

    assert sorted(ab["enterprises_added"]) == sorted(ba["enterprises_removed"])
    assert sorted(ab["enterprises_removed"]) == sorted(ba["enterprises_added"])
    assert ab["segments_gained"] == ba["segments_lost"]
    assert keys(ab["breakpoints_closed"]) == keys(ba["breakpoints_opened"])
    assert keys(ab["breakpoints_opened"]) == keys(ba["breakpoints_closed"])
    assert (ab["rung_before"], ab["rung_after"]) == (ba["rung_after"], ba["rung_before"])


def test_compare_portfolios_on_the_example():
    P24 = cg.datasets.load_example_portfolio(2024)
    P25 = cg.datasets.load_example_portfolio(2025)
    changes = compare_portfolios(P24, P25)
    nev = changes[changes["chain"] == "新能源汽车"]
    closed = nev[nev["kind"] == "breakpoint_closed"]
    assert closed["segment"].tolist() == ["automotive_chips"]
    assert set(nev.loc[nev["kind"] == "enterprise_added", "enterprise"]) == {"E0407"}
    rungs = changes[changes["kind"] == "rung_changed"].set_index("chain")["after"]
    assert rungs.to_dict() == {"新型显示": "百亿级", "生物医药": "十亿级"}
    assert compare_portfolios(P24, P24).empty


def test_cli_compare_json_contract(tmp_path, capsys):
    from chaingraph.cli import main

    files = []
    for name in ("portfolio_enterprises_2024.csv", "portfolio_links_2024.csv",
                 "portfolio_enterprises_2025.csv", "portfolio_links_2025.csv"):
        (tmp_path / name).write_bytes(DATA.joinpath(name).read_bytes())
        files.append(str(tmp_path / name))
    code = main(["compare", *files, "--template", "nev", "--region", "明湾示范区",
                 "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("enterprises_added", "enterprises_removed", "segments_gained",
                "segments_lost", "breakpoints_closed", "breakpoints_opened",
                "rung_before", "rung_after"):
        assert key in data, key
    assert sorted(data["enterprises_added"]) == ["D0201", "E0407"]
    assert "automotive_chips" in data["segments_gained"]
    assert {"kind", "segment", "enterprise"} <= set(data["breakpoints_closed"][0])
    assert data["rung_before"] == data["rung_after"] == "千亿级"


def test_cli_compare_prints_chinese_for_chinese_chains(tmp_path, capsys):
    """compare printed English only; the annual review of a Chinese chain reads in
    Chinese (every kind of change), --lang en keeps the English."""
    from chaingraph.cli import main

    files = [str(DATA.joinpath(name)) for name in (
        "portfolio_enterprises_2024.csv", "portfolio_links_2024.csv",
        "portfolio_enterprises_2025.csv", "portfolio_links_2025.csv")]
    assert main(["compare", *files, "--template", "nev", "--region", "明湾示范区",
                 "--top", "200"]) == 0
    zh = capsys.readouterr().out.splitlines()
    assert zh[0] == ("共 81 项变化：新加入企业 2 家，退出 4 家；消除断点 1 个，新增断点 0 个；"
                     "梯队 千亿级 → 千亿级")
    assert "  本区新增 车规级芯片 环节的企业。" in zh
    assert "  断点已消除：缺失环节（车规级芯片）。" in zh
    cut = [line for line in zh if "最小割" in line]
    assert cut and all("（链接 " in line and "→" in line for line in cut)  # which link
    assert any("新加入产业链，产值" in line for line in zh)
    assert any("退出产业链，产值" in line for line in zh)
    assert any("链主排名由第 9 名变为第 8 名" in line for line in zh)
    assert any(line.startswith("  产值由 ") for line in zh)
    assert len(zh) == 82 and not any(w in "".join(zh) for w in ("closed:", "relieved:"))
    assert main(["compare", *files, "--template", "nev", "--region", "明湾示范区",
                 "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert en.startswith("81 changes: 2 enterprises added") and "closed: " in en
