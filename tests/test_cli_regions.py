"""``chaingraph regions`` and ``chaingraph transfer``: JSON contracts, bad input, files."""

from __future__ import annotations

import json
from importlib import resources

import matplotlib
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.cli import main

DATA = resources.files("chaingraph.datasets").joinpath("data")
FILES = [str(DATA / "example_regions_enterprises.csv"),
         str(DATA / "example_regions_links.csv")]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_regions_json_contract(capsys):
    out = _json(capsys, ["regions", *FILES, "--template", "nev", "--level", "city",
                         "--json"])
    assert set(out) == {"regions", "flows", "counterparts"}
    keys = {"region", "n_enterprises", "output", "segments_present", "coverage",
            "missing_segments", "local_supply_share"}
    assert all(keys <= set(row) for row in out["regions"])
    assert all(isinstance(row["segments_present"], list) for row in out["regions"])
    assert all({"supplier_region", "buyer_region", "volume"} <= set(row)
               for row in out["flows"])
    assert all({"region", "segment", "partner_region", "score", "explanation"} <= set(row)
               for row in out["counterparts"])
    table = cg.find_regions(cg.datasets.load_example_regions(), template="nev",
                            level="city")
    assert [r["region"] for r in out["regions"]] == table["region"].tolist()
    assert out["regions"][0]["n_enterprises"] == int(table["n_enterprises"][0])


def test_transfer_json_contract(capsys):
    out = _json(capsys, ["transfer", *FILES, "--template", "nev", "--level", "city",
                         "--move", "E0001", "--to", "韶峰市", "--json"])
    assert out["moved"] == ["E0001"]
    keys = {"region", "output_before", "output_after", "segments_before",
            "segments_after", "breakpoints_closed", "breakpoints_opened"}
    assert all(keys <= set(row) for row in out["regions"])
    rows = {r["region"]: r for r in out["regions"]}
    change = rows["韶峰市"]["output_after"] - rows["韶峰市"]["output_before"]
    assert change == pytest.approx(
        -(rows["澄岚市"]["output_after"] - rows["澄岚市"]["output_before"]))


@pytest.mark.parametrize(("extra", "named"), [
    (["--move", "E9999", "--to", "韶峰市"], "E9999"),
    (["--move", "E0001", "--to", "火星市"], "火星市"),
    (["--segment", "battery_pack", "--origin", "澄岚市", "--share", "1.5", "--to",
      "韶峰市"], "1.5"),
    (["--segment", "battery_pack", "--origin", "澄岚市", "--share", "0", "--to",
      "韶峰市"], "share"),
])
def test_transfer_bad_input_exits_2(capsys, extra, named):
    assert main(["transfer", *FILES, "--level", "city", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and named in err


def test_regions_out_writes_files_and_bad_level_writes_nothing(tmp_path, capsys):
    matplotlib.use("Agg")
    bad = tmp_path / "bad"
    assert main(["regions", *FILES, "--level", "county", "--out", str(bad)]) == 2
    assert "county" in capsys.readouterr().err
    assert not bad.exists()
    out = tmp_path / "out"
    assert main(["regions", *FILES, "--template", "nev", "--level", "city", "--out",
                 str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["counterparts.csv", "distribution.png", "flow_matrix.csv",
                     "flows.csv", "regions.csv"]
    regions = pd.read_csv(out / "regions.csv")
    assert regions["region"].iloc[0] == "澄岚市"
    for name in ("regions.csv", "flows.csv", "counterparts.csv", "flow_matrix.csv"):
        # a BOM, so that Excel reads the Chinese (without it: mojibake on Windows)
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name


def test_printed_lines_are_chinese_for_a_chinese_chain(capsys):
    """regions and transfer printed English only; a Chinese chain reads in Chinese
    (segments by name, buckets named once), --lang en keeps the English."""
    assert main(["regions", *FILES, "--template", "nev", "--level", "city"]) == 0
    zh = capsys.readouterr().out.splitlines()
    table = cg.find_regions(cg.datasets.load_example_regions(), template="nev",
                            level="city")
    assert len(zh) == len(table)
    first = table.iloc[0]
    assert zh[0].startswith(f"{first['region']}：{first['n_enterprises']:,} 家企业，产值 ")
    assert "覆盖模板" in zh[0] and "本地链条单点失效" in zh[0]
    assert "境外（汇总，不参与排名）：43 家企业" in "\n".join(zh)
    argv = ["transfer", *FILES, "--template", "nev", "--level", "city", "--move",
            "E0001", "--to", "韶峰市"]
    assert main(argv) == 0
    zh = capsys.readouterr().out
    assert "韶峰市：产值由 110.3亿元 变为 115.6亿元；新增环节 石墨；消除断点 1 个" in zh
    assert "由 澄岚市 迁往 韶峰市：3 年内其产值 5.3亿元按 50.0% 计入 澄岚市" in zh
    assert main([*argv, "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "gains segments graphite" in en and "E0001 moves from 澄岚市 to 韶峰市" in en
