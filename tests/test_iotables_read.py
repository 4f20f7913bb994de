"""Reading input-output tables in published layouts, and the ``chaingraph io`` command."""

from __future__ import annotations

import csv
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.cli import main
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.readwrite.iotables import io_table_from_grid, read_io_table

SECTORS = ["农业", "采矿业", "制造业", "电力热力", "建筑业", "服务业"]


def _write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _mb_rows(**extra):
    """Miller & Blair's 2-sector table in a Chinese published layout."""
    rows = [["2020年投入产出表"], ["单位：万元"],
            ["", "农业", "工业", "中间使用合计", "最终使用", "总产出"],
            ["农业", 150, 500, 650, 350, 1000],
            ["工业", 200, 100, 300, 1700, 2000],
            ["中间投入合计", 350, 600, 950, "", ""],
            ["增加值", 650, 1400, 2050, "", ""],
            ["总投入", 1000, 2000, 3000, "", ""]]
    return rows


def test_example_table_layout():
    t = cg.datasets.load_example_io_table()
    assert t.sectors.tolist() == SECTORS
    assert t.final_demand.tolist() == ["居民消费", "政府消费", "资本形成总额", "出口", "进口"]
    assert t.primary_inputs.tolist() == ["劳动者报酬", "生产税净额", "固定资产折旧", "营业盈余"]
    assert t.meta["dropped"] == ["中间使用合计", "最终使用合计", "中间投入合计", "增加值合计"]
    assert t.x.tolist() == [3285, 1060, 20740, 2625, 5309, 17800]
    assert t.Z.at["制造业", "建筑业"] == 2600


def test_title_and_unit_rows_skipped_and_totals_not_sectors(tmp_path):
    t = read_io_table(_write_csv(tmp_path / "mb.csv", _mb_rows()))
    assert t.sectors.tolist() == ["农业", "工业"]
    assert t.A.round(2).to_numpy().tolist() == [[0.15, 0.25], [0.2, 0.05]]
    assert t.V.index.tolist() == ["增加值"]


def test_excel_with_sheet(tmp_path):
    path = tmp_path / "io.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["封面"]]).to_excel(writer, sheet_name="说明", header=False,
                                          index=False)
        rows = [r + [""] * (6 - len(r)) for r in _mb_rows()]
        pd.DataFrame(rows).to_excel(writer, sheet_name="投入产出表", header=False,
                                    index=False)
    t = read_io_table(path, sheet="投入产出表")
    assert t.x.tolist() == [1000.0, 2000.0]
    with pytest.raises(ChainDataError, match="no sectors"):
        read_io_table(path)  # the first sheet is the cover


def test_gbk_csv(tmp_path):
    t = read_io_table(_write_csv(tmp_path / "gbk.csv", _mb_rows(), encoding="gbk"))
    assert t.sectors.tolist() == ["农业", "工业"]


def test_no_total_column_x_is_row_sums(tmp_path):
    rows = [[c for k, c in enumerate(r) if k != 5] for r in _mb_rows()]
    t = read_io_table(_write_csv(tmp_path / "nototal.csv", rows))
    assert t.x.tolist() == [1000.0, 2000.0]


def test_total_row_must_equal_gross_output(tmp_path):
    rows = _mb_rows()
    rows[7][2] = 2100  # total input of 工业
    with pytest.raises(ChainDataError, match="total input 2100 differs"):
        read_io_table(_write_csv(tmp_path / "bad.csv", rows))
    with pytest.warns(ChainDataWarning, match="differs"):
        read_io_table(tmp_path / "bad.csv", unbalanced="warn")


def test_suppressed_cells_become_zero_with_a_warning(tmp_path):
    rows = _mb_rows()
    rows[3][1], rows[4][1], rows[3][4], rows[4][4] = "...", "(D)", 500, 1900
    rows[6][1] = 1000  # value added of 农业 absorbs its lost inputs: still balanced
    with pytest.warns(ChainDataWarning, match=r"2 suppressed.*row 5, column '农业'.*'\(D\)'"):
        t = read_io_table(_write_csv(tmp_path / "d.csv", rows))
    assert t.Z.at["农业", "农业"] == 0 and t.Z.at["工业", "农业"] == 0


def test_text_in_a_number_cell_names_row_and_column(tmp_path):
    rows = _mb_rows()
    rows[4][2] = "约100"
    with pytest.raises(ChainDataError) as info:
        read_io_table(_write_csv(tmp_path / "t.csv", rows))
    problem = info.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("t.csv", 5, "工业")


def test_codes_with_a_names_row_and_column(tmp_path):
    rows = [["单位：万元"],
            ["", "", "01", "02", "", ""],
            ["代码", "部门", "农业", "工业", "最终使用", "总产出"],
            ["01", "农业", 150, 500, 350, 1000],
            ["02", "工业", 200, 100, 1700, 2000]]
    t = read_io_table(_write_csv(tmp_path / "codes.csv", rows))
    assert t.sectors.tolist() == ["01", "02"]
    assert t.names.tolist() == ["农业", "工业"]
    out = cg.sector_indicators(t)
    assert out["name"].tolist() == ["农业", "工业"]


def test_multiregional_two_header_rows_and_two_label_columns(tmp_path):
    rows = [["两地区投入产出表（虚构）"],
            ["", "", "北", "", "南", "", "北", "南", ""],
            ["", "", "a", "b", "a", "b", "最终使用", "最终使用", "总产出"],
            ["北", "a", 10, 5, 2, 0, 30, 3, 50],
            ["", "b", 4, 10, 0, 1, 20, 5, 40],
            ["南", "a", 1, 0, 8, 6, 4, 41, 60],
            ["", "b", 0, 2, 3, 12, 2, 11, 30]]
    t = read_io_table(_write_csv(tmp_path / "mrio.csv", rows))
    assert t.is_multiregional
    assert t.sectors.tolist() == [("北", "a"), ("北", "b"), ("南", "a"), ("南", "b")]
    assert t.final_demand.tolist() == [("北", "最终使用"), ("南", "最终使用")]
    induced = cg.algorithms.input_output.find_induced_output(t)
    by_dest = induced.groupby("demand_region")["output"].sum()
    # every unit of output is induced by some region's final demand
    assert by_dest.sum() == pytest.approx(t.x.sum())
    out = cg.sector_indicators(t)
    assert out.columns[:3].tolist() == ["region", "sector", "name"]


def test_positive_imports_are_subtracted_when_that_balances(tmp_path):
    rows = [["", "农业", "工业", "消费", "进口", "总产出"],
            ["农业", 150, 500, 400, 50, 1000],
            ["工业", 200, 100, 1800, 100, 2000]]
    with pytest.warns(ChainDataWarning, match="imports column"):
        t = read_io_table(_write_csv(tmp_path / "imp.csv", rows))
    assert t.Y["进口"].tolist() == [-50.0, -100.0]


def test_no_common_labels_is_an_error():
    grid = pd.DataFrame([["", "x1", "x2"], ["y1", 1, 2], ["y2", 3, 4]])
    with pytest.raises(ChainDataError, match="no sectors found"):
        io_table_from_grid(grid)


def test_duplicate_sector_rows_are_an_error():
    grid = pd.DataFrame([["", "a", "b", "f"], ["a", 1, 2, 5], ["b", 1, 2, 5],
                         ["a", 1, 2, 5]])
    with pytest.raises(ChainDataError, match="appears twice"):
        io_table_from_grid(grid)


# --- CLI -------------------------------------------------------------------------------
COLUMNS = ["sector", "output", "output_multiplier", "backward_linkage", "forward_linkage",
           "key_sector", "upstreamness", "downstreamness", "extraction_backward",
           "extraction_forward"]


def test_cli_io_json_and_out(tmp_path, capsys):
    path = str(cg.datasets.example_io_table_path())
    assert main(["io", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [list(r) for r in data["sectors"]] == [COLUMNS] * 6
    expected = cg.sector_indicators(cg.datasets.load_example_io_table())
    got = pd.DataFrame(data["sectors"])
    assert np.allclose(got["backward_linkage"], expected["backward_linkage"])
    assert got["key_sector"].tolist() == expected["key_sector"].tolist()
    assert main(["io", path, "--out", str(tmp_path / "out")]) == 0
    written = pd.read_csv(tmp_path / "out" / "io_sectors.csv", encoding="utf-8-sig")
    assert written.columns.tolist() == COLUMNS and len(written) == 6
    assert "key sectors" in capsys.readouterr().out
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_cli_io_multiregional_has_region(tmp_path, capsys):
    rows = [["", "", "北", "", "南", "", "北", "南", ""],
            ["", "", "a", "b", "a", "b", "最终使用", "最终使用", "总产出"],
            ["北", "a", 10, 5, 2, 0, 30, 3, 50], ["", "b", 4, 10, 0, 1, 20, 5, 40],
            ["南", "a", 1, 0, 8, 6, 4, 41, 60], ["", "b", 0, 2, 3, 12, 2, 11, 30]]
    path = _write_csv(tmp_path / "m.csv", rows)
    assert main(["io", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["sectors"][0]) == ["region", *COLUMNS]


def test_cli_io_bad_input_exits_2(tmp_path, capsys):
    bad = _write_csv(tmp_path / "bad.csv", [["a", "b"], ["1", "2"]])
    assert main(["io", str(bad)]) == 2
    assert "no sectors found" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["io", str(tmp_path / "missing.csv")]) == 2
