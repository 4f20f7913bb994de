"""Portfolio of chains: reading, the portfolio table, echelon plan, pool, CLI.

Oracles: pandas group-bys over the chain column of the shipped example CSV (each
enterprise counted in every chain it lists), direct counts for the echelon plan,
hand-made portfolios for roles, shared enterprises and size classes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.algorithms.pool import (
    find_enterprise_pool,
    find_shared_enterprises,
    find_size_structure,
    tag_flags,
)
from chaingraph.algorithms.portfolio import (
    chain_outputs,
    find_echelon_plan,
    find_plan_progress,
    find_portfolio,
    parse_targets,
)
from chaingraph.readwrite.chain_meta import read_chain_meta, split_chains

DATA = resources.files("chaingraph.datasets").joinpath("data")
FOCAL = "明湾示范区"


def _csv(name: str) -> pd.DataFrame:
    with DATA.joinpath(name).open("rb") as handle:
        return pd.read_csv(handle, dtype={"id": object, "产业链": object,
                                          "region": object}, encoding="utf-8")


@pytest.fixture(scope="module")
def example() -> cg.Portfolio:
    return cg.datasets.load_example_portfolio(2024)


@pytest.fixture(scope="module")
def example_table(example) -> pd.DataFrame:
    return find_portfolio(example)


def _small() -> cg.Portfolio:
    """Four enterprises, two chains, one shared; one outside supplier in no chain."""
    ent = pd.DataFrame({
        "id": ["a", "b", "c", "x"], "name": ["甲", "乙", "丙", "外"],
        "产业链": ["汽车", "汽车；显示", "显示", None],
        "segment": ["cell", "chip", "panel", "ore"],
        "region": ["本区", "本区", "本区", "外省"],
        "output": [5e8, 3e7, 1e6, 9e8], "专精特新": ["是", "否", "是", "否"]})
    links = pd.DataFrame({"supplier": ["b", "b", "x", "a"], "buyer": ["a", "c", "a", "c"],
                          "volume": [1.0, 2.0, 3.0, 4.0]})
    meta = [{"产业链": "汽车", "链主企业": "甲", "目标产值": "6亿", "2024目标产值": "5亿",
             "2025目标产值": "6亿"}]
    return cg.Portfolio.from_frames(ent, links, chains=meta, region="本区",
                                    meta={"year": 2024})


# --- reading ---------------------------------------------------------------------------
def test_split_chains_every_separator():
    assert split_chains("A;B；C,D，E、F") == ("A", "B", "C", "D", "E", "F")
    assert split_chains(" A ; ;A") == ("A",)


def test_one_table_form_shares_the_pool(example):
    small = _small()
    assert small.chains == ["汽车", "显示"]
    assert small.members("汽车").tolist() == ["a", "b"]
    assert small.members("显示").tolist() == ["b", "c"]
    view = small.chain("汽车")
    # members plus the outside supplier in no chain; not the 显示-only enterprise
    assert sorted(view.ids.tolist()) == ["a", "b", "x"]
    assert view.meta["name"] == "汽车"
    assert small.pool is small.pool  # one pool, views built on demand


def test_per_chain_segments_are_aligned_with_chains(example):
    # E0004 is in 新能源汽车 (basic_chemicals) and 化妆品 (base_chemicals)
    for chain, segment in (("新能源汽车", "basic_chemicals"), ("化妆品", "base_chemicals")):
        view = example.chain(chain)
        at = view.index.get_loc("E0004")
        assert view.column("segment", default=None)[at] == segment


def test_no_chain_column_names_the_columns():
    with pytest.raises(cg.ChainDataError, match="no chain column"):
        cg.Portfolio.from_frames(pd.DataFrame({"id": ["a"]}),
                                 pd.DataFrame({"supplier": [], "buyer": []}))


def test_metadata_bad_amount_names_row_and_column():
    with pytest.raises(cg.ChainDataError, match=r"row 2.*目标产值|目标产值.*row 2"):
        read_chain_meta([{"产业链": "A", "目标产值": "很多"}])


def test_metadata_yaml_and_templates_override(tmp_path):
    (tmp_path / "chains.yaml").write_text(
        "chains:\n  - {产业链: 汽车, 模板: nev, 链长: 张三, 2025目标产值: 10亿}\n",
        encoding="utf-8")
    small = _small()
    P = cg.Portfolio.from_chain(small.pool, chains=tmp_path / "chains.yaml",
                                templates={"显示": "electronic_display"})
    table = P.chain_table.set_index("chain")
    assert table.at["汽车", "chief"] == "张三"
    assert table.at["汽车", "targets"] == {2025: 1e9}
    assert P.template("显示").name == "electronic_display"
    with pytest.raises(cg.ChainDataError, match="no enterprise is in"):
        cg.Portfolio.from_chain(small.pool, templates={"航空": "aviation"})


def _write_pairs(folder: Path) -> None:
    ent_a = pd.DataFrame({"id": ["a", "s"], "segment": ["cell", "chip"],
                          "output": [1.0, 2.0]})
    ent_b = pd.DataFrame({"id": ["b", "s"], "segment": ["panel", "driver"],
                          "output": [3.0, 2.0]})
    ent_a.to_csv(folder / "汽车_enterprises.csv", index=False)
    pd.DataFrame({"supplier": ["s"], "buyer": ["a"]}).to_csv(folder / "汽车_links.csv",
                                                            index=False)
    ent_b.to_csv(folder / "显示企业.csv", index=False)
    pd.DataFrame({"supplier": ["s", "z"], "buyer": ["b", "b"]}).to_csv(
        folder / "显示供应关系.csv", index=False)


def test_folder_of_file_pairs(tmp_path):
    _write_pairs(tmp_path)
    with pytest.warns(cg.ChainDataWarning, match="no 'output'"):  # z: from links only
        P = cg.read_portfolio(tmp_path)
    assert sorted(P.chains) == ["显示", "汽车"]
    assert sorted(P.members("汽车").tolist()) == ["a", "s"]
    assert sorted(P.members("显示").tolist()) == ["b", "s"]
    # "z" was named only by a link: in the pool, in no chain
    assert P.memberships["z"] == ()
    # the shared enterprise keeps its own segment in each chain
    for chain, segment in (("汽车", "chip"), ("显示", "driver")):
        view = P.chain(chain)
        assert view.column("segment", default=None)[view.index.get_loc("s")] == segment


def test_workbook_of_sheet_pairs(tmp_path):
    _write_pairs(tmp_path)
    book = tmp_path / "district.xlsx"
    with pd.ExcelWriter(book) as writer:
        for stem in ("汽车_enterprises", "汽车_links", "显示企业", "显示供应关系"):
            pd.read_csv(tmp_path / f"{stem}.csv").to_excel(writer, sheet_name=stem,
                                                          index=False)
        pd.DataFrame({"产业链": ["汽车"], "模板": ["nev"]}).to_excel(
            writer, sheet_name="产业链", index=False)
    with pytest.warns(cg.ChainDataWarning, match="no 'output'"):
        P = cg.read_portfolio(book)
    assert sorted(P.chains) == ["显示", "汽车"]
    assert P.chain_table.set_index("chain").at["汽车", "template"] == "nev"


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(cg.ChainDataError, match="no chains found"):
        cg.read_portfolio(tmp_path)


# --- portfolio table: oracles against pandas group-bys ------------------------------------
@pytest.mark.parametrize("year", [2024, 2025])
def test_chain_outputs_equal_pandas_groupby(year):
    P = cg.datasets.load_example_portfolio(year)
    raw = _csv(f"portfolio_enterprises_{year}.csv")
    raw["chain"] = raw["产业链"].str.split(r"[;；,，、]")
    long = raw.explode("chain")
    counts = long.groupby("chain").size()
    output = long[long["region"] == FOCAL].groupby("chain")["output"].sum()
    got = chain_outputs(P).set_index("chain")
    assert got["n_enterprises"].to_dict() == counts.to_dict()
    assert np.allclose(got.loc[output.index, "output"], output)
    table = find_portfolio(P).set_index("chain") if year == 2024 else None
    if table is not None:
        assert table["n_enterprises"].to_dict() == counts.to_dict()


def test_portfolio_table_columns_and_index(example_table):
    t = example_table
    assert list(t["score"]) == sorted(t["score"], reverse=True)
    assert {"chain", "n_enterprises", "output", "rung", "coverage", "completeness",
            "n_breakpoints", "top_breakpoint", "n_bottlenecks", "top_candidate",
            "leaders", "local_supply_share", "qe_index", "explanation"} <= set(t.columns)
    weights = {"scale": 0.30, "completeness": 0.25, "local_supply": 0.25,
               "innovation": 0.20}
    for row in t.to_dict("records"):  # the index is the stated weighted mean
        expected = sum(w * row[f"qe_{k}"] for k, w in weights.items()) / sum(
            weights.values())
        assert row["qe_index"] == pytest.approx(expected)
        assert np.isnan(row["qe_growth"])
    nev = t.set_index("chain").loc["新能源汽车"]
    assert nev["rung"] == "千亿级" and nev["template"] == "nev"
    assert nev["top_candidate"] == "延链 upstream 车规级芯片"


def test_portfolio_counts_match_the_finders(example, example_table):
    view = example.chain("新型显示")
    template = example.template("新型显示")
    breakpoints = cg.find_breakpoints(view, template=template, region=FOCAL)
    row = example_table.set_index("chain").loc["新型显示"]
    assert row["n_breakpoints"] == len(breakpoints)
    missing = cg.find_missing_segments(view, template=template, region=FOCAL)
    present = len(template.segment_ids) - len(missing)
    assert row["coverage"] == pytest.approx(present / len(template.segment_ids))
    summary = cg.structure_summary(view, template=template, region=FOCAL)
    assert row["completeness"] == pytest.approx(summary["completeness"])


def test_local_supply_share_by_hand():
    P = _small()
    t = find_portfolio(P).set_index("chain")
    # 汽车's district members a, b buy: b->a 1 (local), x->a 3 (outside): 1/4
    assert t.at["汽车", "local_supply_share"] == pytest.approx(0.25)
    # 显示's members b, c buy: b->c 2, a->c 4, both from district suppliers
    assert t.at["显示", "local_supply_share"] == pytest.approx(1.0)


def test_growth_part_with_previous_year(example):
    after = cg.datasets.load_example_portfolio(2025)
    t = find_portfolio(after, previous=example).set_index("chain")
    before = chain_outputs(example).set_index("chain")["output"]
    now = chain_outputs(after).set_index("chain")["output"]
    assert t["growth"].to_dict() == pytest.approx((now / before - 1).to_dict())
    assert t.at["新型显示", "qe_growth"] == 1.0  # +74% > 20%: capped


# --- echelon plan -----------------------------------------------------------------------
def test_parse_targets():
    assert parse_targets("10亿:10, 2000亿:1，100亿:4") == [(2e11, 1), (1e10, 4), (1e9, 10)]
    assert parse_targets({"1e9": 2}) == [(1e9, 2)]
    for bad in ("100亿", "100亿:x", "abc:1", "100亿:-1"):
        with pytest.raises(ValueError):
            parse_targets(bad)


def test_echelon_plan_counts_directly(example):
    outputs = chain_outputs(example).set_index("chain")["output"]
    plan = find_echelon_plan(example)
    for row in plan.to_dict("records"):
        reached = outputs[outputs >= row["threshold"]]
        assert row["achieved"] == len(reached)
        assert sorted(row["chains"]) == sorted(reached.index)
        assert row["met"] == (len(reached) >= row["target"])
    hundred = plan.set_index("label").loc["100亿"]
    assert hundred["closest"][0] == "新型显示"
    assert hundred["shortfalls"][0] == pytest.approx(1e10 - outputs["新型显示"])
    assert "新型显示 needs 37亿 more" in hundred["explanation"]


@given(st.lists(st.floats(0, 1e12), min_size=1, max_size=15),
       st.lists(st.tuples(st.sampled_from([1e9, 1e10, 1e11, 2e11]), st.integers(0, 9)),
                min_size=1, max_size=4, unique_by=lambda p: p[0]))
def test_echelon_plan_property(outputs, targets):
    table = pd.DataFrame({"chain": [f"c{i}" for i in range(len(outputs))],
                          "output": outputs})
    plan = find_echelon_plan(table, targets=targets)
    for row in plan.to_dict("records"):
        assert row["achieved"] == sum(o >= row["threshold"] for o in outputs)
        assert all(s > 0 for s in row["shortfalls"])
    assert plan["threshold"].is_monotonic_decreasing


def test_plan_progress_by_hand():
    P = _small()
    t = find_plan_progress(P).set_index("chain")
    # 汽车 district output 5亿 + 0.3亿 = 5.3亿 against 5亿 in 2024; 6亿 in 2025
    assert t.at["汽车", "progress"] == pytest.approx(5.3e8 / 5e8)
    assert bool(t.at["汽车", "met"])
    assert t.at["汽车", "growth_needed"] == pytest.approx(6e8 / 5.3e8 - 1)
    assert "显示" not in t.index  # no yearly target given


# --- the enterprise pool ------------------------------------------------------------------
def test_pool_roles_tags_and_sizes():
    pool = find_enterprise_pool(_small()).set_index("enterprise")
    assert pool.at["a", "roles"] == {"汽车": "链主"}  # named in 链主企业 by name
    assert pool.at["b", "roles"] == {"汽车": "member", "显示": "member"}
    assert pool.at["x", "roles"] == {"汽车": "outside supplier"}
    assert pool.at["a", "tags"] == ["专精特新"] and pool.at["b", "tags"] == []
    # NBS 2017 industry by revenue: >= 4亿 large, >= 2000万 medium, >= 300万 small
    assert pool["size"].to_dict() == {"a": "large", "b": "medium", "c": "micro",
                                      "x": "large"}
    assert list(tag_flags(_small()).columns) == ["专精特新"]


def test_shared_enterprises_by_hand():
    shared = find_shared_enterprises(_small()).set_index("enterprise")
    assert shared.at["b", "kind"] == "shared member"
    # a (汽车 only) supplies c (显示 only): a cross-chain link at both ends
    assert shared.at["a", "linked_chains"] == ["显示"]
    assert shared.at["c", "linked_chains"] == ["汽车"]
    assert "x" not in shared.index  # in no chain: an outside supplier, not a link


def test_size_structure_counts(example):
    sizes = find_size_structure(example).set_index("chain")
    pool = find_enterprise_pool(example)
    focal = pool[pool["region"] == FOCAL].explode("chains")
    direct = focal.groupby(["chains", "size"]).size().unstack(fill_value=0)
    for size in ("large", "medium", "small", "micro"):
        assert sizes[f"n_{size}"].to_dict() == direct.get(
            size, pd.Series(0, index=direct.index)).to_dict()


def test_inputs_are_not_mutated(example):
    before = example.pool.enterprises.copy()
    find_enterprise_pool(example)
    find_shared_enterprises(example)
    pd.testing.assert_frame_equal(example.pool.enterprises, before)


# --- example, CLI, plots ------------------------------------------------------------------
def test_example_files_are_regenerated_identically(tmp_path):
    from chaingraph.datasets._example_portfolio import write_portfolio

    for path in write_portfolio(tmp_path):
        assert path.read_bytes() == DATA.joinpath(path.name).read_bytes(), path.name


def _example_files(tmp_path: Path) -> list[str]:
    out = []
    for name in ("portfolio_enterprises_2024.csv", "portfolio_links_2024.csv",
                 "portfolio_enterprises_2025.csv", "portfolio_links_2025.csv",
                 "portfolio_chains.csv"):
        (tmp_path / name).write_bytes(DATA.joinpath(name).read_bytes())
        out.append(str(tmp_path / name))
    return out


def test_cli_portfolio_json_contract(tmp_path, capsys):
    from chaingraph.cli import main

    files = _example_files(tmp_path)
    code = main(["portfolio", files[0], files[1], "--chains-column", "产业链",
                 "--templates", "新能源汽车=nev,新型显示=electronic_display",
                 "--targets", "2000亿:1,100亿:4,10亿:10", "--region", FOCAL, "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    raw = _csv("portfolio_enterprises_2024.csv")
    long = raw.assign(chain=raw["产业链"].str.split(";")).explode("chain")
    assert {r["chain"]: r["n_enterprises"] for r in data["chains"]} == \
        long.groupby("chain").size().to_dict()
    assert {"chain", "n_enterprises", "output", "rung"} <= set(data["chains"][0])
    assert [t["achieved"] for t in data["targets"]] == [1, 2, 5]
    assert {"threshold", "target", "achieved", "chains"} <= set(data["targets"][0])
    assert all(len(s["chains"]) >= 1 and "enterprise" in s
               for s in data["shared_enterprises"])


def test_cli_portfolio_out_writes_dossiers(tmp_path, capsys):
    from chaingraph.cli import main

    small = _small()
    small.pool.enterprises.to_csv(tmp_path / "e.csv", index=False)
    small.pool.links.to_csv(tmp_path / "l.csv", index=False)
    out = tmp_path / "out"
    code = main(["portfolio", str(tmp_path / "e.csv"), str(tmp_path / "l.csv"),
                 "--region", "本区", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    for name in ("portfolio.md", "portfolio.json", "portfolio.xlsx", "ladder.png",
                 "map.png"):
        assert (out / name).is_file(), name
    for chain in ("汽车", "显示"):
        for name in ("report.md", "report.json", "report.xlsx", "dossier.md", "map.png"):
            assert (out / "chains" / chain / name).is_file(), (chain, name)
    assert (out / "portfolio.md").read_text(encoding="utf-8").startswith("# 本区")


def test_cli_errors_are_one_line(tmp_path, capsys):
    from chaingraph.cli import main

    pd.DataFrame({"id": ["a"]}).to_csv(tmp_path / "e.csv", index=False)
    pd.DataFrame({"supplier": ["a"], "buyer": ["a"]}).to_csv(tmp_path / "l.csv",
                                                            index=False)
    code = main(["portfolio", str(tmp_path / "e.csv"), str(tmp_path / "l.csv"),
                 "--templates", "bad"])
    assert code == 2
    assert "chaingraph: error:" in capsys.readouterr().err


def test_plots_return_axes(example):
    import matplotlib.pyplot as plt

    ax = cg.plotting.plot_echelon_plan(example, targets="100亿:4")
    assert len(ax.patches) == len(example)
    plt.close(ax.figure)
    ax = cg.plotting.plot_portfolio_map(example)
    assert [t.get_text() for t in ax.get_xticklabels()] == example.chains
    plt.close(ax.figure)


@settings(max_examples=20)
@given(st.lists(st.lists(st.sampled_from(["甲", "乙", "丙"]), max_size=3), min_size=1,
                max_size=8))
def test_memberships_round_trip(chains):
    ids = [f"e{i}" for i in range(len(chains))]
    ent = pd.DataFrame({"id": ids, "chain": ["、".join(c) for c in chains]})
    P = cg.Portfolio.from_frames(ent, pd.DataFrame({"supplier": [], "buyer": []},
                                                   dtype=object))
    for name in P:
        assert P.members(name).tolist() == [i for i, c in zip(ids, chains, strict=True)
                                            if name in c]


def test_howto_page_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    from test_docs import DOCS, _squash, run_page

    if cg.plotting.cjk_font(warn=False) is None:
        pytest.skip("no CJK font: pip install 'chaingraph[cjk]'")
    monkeypatch.chdir(tmp_path)
    import matplotlib.pyplot as plt

    try:
        for code, printed, expected in run_page(DOCS / "howto" / "portfolio.md"):
            if expected is not None:
                assert _squash(printed) == _squash(expected), f"block:\n{code}"
    finally:
        plt.close("all")


def test_one_workbook_with_a_chain_column(tmp_path):
    """Sheets 企业 + 供应关系 with a 产业链 column: the chains of that column (it was
    one chain named 供应, from the link sheet's name, with the enterprise sheet lost)."""
    ent = pd.DataFrame({"企业名称": ["甲", "乙", "丙", "丁"],
                        "产业链": ["新能源汽车", "新能源汽车", "化妆品", "化妆品"],
                        "所属环节": ["锂盐", "正极材料", "原料", "包装"],
                        "年产值（万元）": [100, 200, 300, 400]})
    links = pd.DataFrame({"供应商": ["甲", "丙"], "采购方": ["乙", "丁"], "金额": [1, 2]})
    path = tmp_path / "pf.xlsx"
    with pd.ExcelWriter(path) as writer:
        ent.to_excel(writer, sheet_name="企业", index=False)
        links.to_excel(writer, sheet_name="供应关系", index=False)
    P = cg.read_portfolio(path)
    assert P.chains == ["新能源汽车", "化妆品"]
    assert P.pool.column("output").tolist() == [1e6, 2e6, 3e6, 4e6]
    with pd.ExcelWriter(path) as writer:  # no chain column: said so
        ent.drop(columns="产业链").to_excel(writer, sheet_name="企业", index=False)
        links.to_excel(writer, sheet_name="供应关系", index=False)
    with pytest.raises(cg.ChainDataError, match="no chain column"):
        cg.read_portfolio(path)


def test_long_chain_names_fit_a_file_name():
    """A chain named with 240 Chinese characters stopped the portfolio command with
    'File name too long' (an analyst's review)."""
    from chaingraph.dossier import chain_folder

    name = "很长的产业链名称" * 30
    folder = chain_folder("out", name)
    assert len(folder.name.encode("utf-8")) <= 120
    assert folder != chain_folder("out", name + "甲")  # still apart
    assert chain_folder("out", "汽车/零部件").name == "汽车_零部件"


def test_sheet_pairs_named_配套关系_and_采购关系(tmp_path):
    """汽车配套关系 was taken for an enterprise sheet (a reviewer's probe)."""
    for word in ("配套关系", "采购关系"):
        path = tmp_path / f"{word}.xlsx"
        with pd.ExcelWriter(path) as writer:
            pd.DataFrame({"id": ["a", "b"], "企业名称": ["甲", "乙"]}).to_excel(
                writer, sheet_name="汽车企业", index=False)
            pd.DataFrame({"supplier": ["a"], "buyer": ["b"]}).to_excel(
                writer, sheet_name=f"汽车{word}", index=False)
        P = cg.read_portfolio(path)
        assert P.chains == ["汽车"] and P.pool.n_links == 1


def test_chinese_dossier_reads_in_chinese(tmp_path, capsys, monkeypatch):
    """portfolio.md and dossier.md under zh had English sentences, column codes and
    shares as fractions; the printed summary was English."""
    from chaingraph.cli import main
    from chaingraph.dossier import diagnose_portfolio, write_portfolio_report

    P24, P25 = (cg.datasets.load_example_portfolio(y) for y in (2024, 2025))
    report = diagnose_portfolio(P25, previous=P24)
    write_portfolio_report(report, tmp_path / "zh", lang="zh")
    md = (tmp_path / "zh" / "portfolio.md").read_text(encoding="utf-8")
    assert "| 产业链 | 本区企业数 | 产值 | 梯队 |" in md
    assert "| 梯队门槛 | 目标 | 已达到 | 所在产业链 | 说明 |" in md
    assert "元以上的产业链目标 1 条，已有 1 条达到" in md and "target met" not in md
    assert "| 多链共有企业 |" in md and "shared member" not in md
    assert "| 断点消除 |" in md and "closed:" not in md
    assert "企业库共 " in md and "enterprises;" not in md
    plan = report.tables["targets"]
    assert f"| {plan['target'].iat[0]} |" in md  # a count of chains, not money
    assert "元 | 1 |" not in md
    dossier = (tmp_path / "zh" / "chains" / "新能源汽车" / "dossier.md").read_text(
        encoding="utf-8")
    findings = report.reports["新能源汽车"].key_findings_in("zh")["explanation"]
    assert findings.iat[0].split("：")[0] in dossier and "quality-and-efficiency" not in dossier
    import chaingraph.dossier as dossier

    monkeypatch.setattr(dossier, "_OVERVIEW_ROWS", 2)  # the rest are in portfolio.xlsx
    write_portfolio_report(report, tmp_path / "few", lang="zh")
    few = (tmp_path / "few" / "portfolio.md").read_text(encoding="utf-8")
    shared = len(report.tables["shared_enterprises"])
    assert f"……另有 {shared - 2} 行，见 portfolio.xlsx" in few
    monkeypatch.undo()
    write_portfolio_report(report, tmp_path / "en", lang="en")
    en = (tmp_path / "en" / "portfolio.md").read_text(encoding="utf-8")
    assert "| Chain | Focal enterprises |" in en and "target met" in en
    small = _small()
    small.pool.enterprises.to_csv(tmp_path / "e.csv", index=False)
    small.pool.links.to_csv(tmp_path / "l.csv", index=False)
    assert main(["portfolio", str(tmp_path / "e.csv"), str(tmp_path / "l.csv"),
                 "--region", "本区"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("本区：2 条产业链，企业 4 家") and "梯队目标：" in printed
