"""Outputs are safe to open: no formula, script or markup from input data is live.

Every output of write_chain (six formats) and of the CLI (diagnose, risk) is opened
and checked: xlsx cells are never formulas, CSVs meant for Excel start no cell with a
formula character, Markdown/HTML/SVG hold no raw tag from a name, JSON parses and
carries names as plain strings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.cli import main

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
FORMULA = '=HYPERLINK("http://evil.example","点击")'
HOSTILE = [FORMULA, SCRIPT, IMG, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
           "名\x01称", "[链接](javascript:alert(3))"]
LIVE_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_example() -> cg.Chain:
    """The bundled example with hostile enterprise names, segments kept."""
    chain = cg.load_example()
    ent = chain.enterprises
    for i, text in enumerate(HOSTILE):
        ent.loc[i, "name"] = text
    return cg.Chain.from_frames(ent, chain.links, meta=chain.meta)


def check_xlsx(path: Path) -> None:
    book = openpyxl.load_workbook(path)  # not data_only: formulas show as type "f"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name}[{sheet.title}]!{cell.coordinate}"


def check_csv(path: Path) -> None:
    raw = path.read_bytes()
    if not raw.startswith(b"\xef\xbb\xbf"):  # not meant for Excel
        return
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for value in frame.to_numpy().ravel():
        if re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", value):
            continue  # a number, not text
        assert not value.startswith(LIVE_START), (path.name, value)


def check_markup(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for raw in (SCRIPT, IMG):
        assert raw not in text, (path.name, raw)


def check_json(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    strings = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            strings.append(value)

    walk(data)
    assert strings


CHECKS = {".xlsx": check_xlsx, ".csv": check_csv, ".md": check_markup,
          ".html": check_markup, ".svg": check_markup, ".json": check_json}


def check_outputs(folder: Path) -> list[str]:
    checked = []
    for path in sorted(folder.rglob("*")):
        check = CHECKS.get(path.suffix)
        if path.is_file() and check is not None:
            check(path)
            checked.append(path.name)
    return checked


@pytest.mark.parametrize("fmt", ["csv", "parquet", "excel", "json", "graphml", "gexf"])
def test_write_chain_outputs_are_safe(tmp_path, fmt):
    chain = hostile_example()
    suffix = {"excel": ".xlsx", "json": ".json", "graphml": ".graphml",
              "gexf": ".gexf"}.get(fmt, "")
    path = cg.write_chain(chain, tmp_path / f"chain{suffix}", format=fmt)
    check_outputs(tmp_path)
    if fmt in ("graphml", "gexf"):  # XML: a name is character data, never markup
        text = path.read_text(encoding="utf-8")
        assert SCRIPT not in text and IMG not in text
    back = cg.read_chain(path)
    assert back.enterprises["name"].tolist()[: len(HOSTILE)] == HOSTILE


def test_risk_csv_is_safe(tmp_path):
    chain = hostile_example()
    ent = chain.enterprises.assign(id=chain.enterprises["name"].where(
        chain.enterprises["name"].isin(HOSTILE), chain.enterprises["id"]))
    rename = dict(zip(chain.enterprises["id"], ent["id"], strict=True))
    links = chain.links.assign(supplier=chain.links["supplier"].map(rename),
                               buyer=chain.links["buyer"].map(rename))
    ent.to_csv(tmp_path / "e.csv", index=False)
    links.to_csv(tmp_path / "l.csv", index=False)
    out = tmp_path / "risk.csv"
    (tmp_path / "ids.txt").write_text("\n".join(ent["id"][:3]), encoding="utf-8")
    assert main(["risk", str(tmp_path / "e.csv"), str(tmp_path / "l.csv"), "--out",
                 str(out), "--enterprises", str(tmp_path / "ids.txt")]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    for value in frame["enterprise"]:
        assert not value.startswith(LIVE_START), value


def test_svg_map_is_safe(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from chaingraph.plotting import plot_chain_map, save_figure

    chain = hostile_example()
    ax = plot_chain_map(chain)
    try:
        save_figure(ax.figure, tmp_path / "map.svg")
    finally:
        plt.close(ax.figure)
    check_markup(tmp_path / "map.svg")


def test_cli_diagnose_outputs_are_safe(tmp_path):
    folder = cg.write_chain(hostile_example(), tmp_path / "chain")
    out = tmp_path / "report"
    assert main(["diagnose", str(folder), "--out", str(out)]) == 0
    checked = check_outputs(out)
    assert {"report.xlsx", "report.md", "report.json", "map.html"} <= set(checked)
