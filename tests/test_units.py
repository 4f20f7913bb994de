"""Units of amounts: unit rows naming several units, foreign currencies, and headers
naming quantities that are not money (an analyst's review, 2026-12-03)."""

from __future__ import annotations

import math
import warnings

import openpyxl
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.amounts import quantity_unit
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.readwrite._headers import title_and_unit


def _book(path, unit_row, extra_header=None, extra_value=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业名单"
    sheet.append(["XX区企业名单"])
    sheet.append([None, None, None, unit_row])
    sheet.append(["企业名称", "所属环节", "年产值", "从业人数"]
                 + ([extra_header] if extra_header else []))
    sheet.append(["甲", "锂盐", 2, 100] + ([extra_value] if extra_header else []))
    sheet.append(["乙", "正极材料", "3", 50] + ([None] if extra_header else []))
    links = book.create_sheet("供应关系")
    links.append(["供应商", "采购方", "金额"])
    links.append(["甲", "乙", 1])
    book.save(path)
    return path


@pytest.mark.parametrize("unit_row", ["单位：万元、人", "单位：人、万元", "单位：万元/人",
                                      "单位：万元，人", "单位：人／万元"])
def test_a_unit_row_naming_several_units_gives_its_money_unit(tmp_path, unit_row):
    """单位：万元、人 was read as no unit at all: amounts 10,000 times too small."""
    chain = cg.read_chain(_book(tmp_path / "b.xlsx", unit_row))
    assert chain.enterprises["output"].tolist() == [20_000.0, 30_000.0]


@pytest.mark.parametrize(("unit_row", "factor"), [("单位：万美元", 1e4), ("单位：美元", 1.0)])
def test_a_foreign_unit_row_needs_a_rate(tmp_path, unit_row, factor):
    """Foreign amounts are never read as yuan (they were, from a unit row)."""
    path = _book(tmp_path / "b.xlsx", unit_row)
    with pytest.raises(ChainDataError, match="USD"):
        cg.read_chain(path)
    chain = cg.read_chain(path, exchange_rates={"USD": 7.1})
    assert chain.enterprises["output"].tolist() == pytest.approx(
        [2 * factor * 7.1, 3 * factor * 7.1])


def test_a_unit_row_without_money_is_named_in_a_warning(tmp_path):
    with pytest.warns(ChainDataWarning, match="单位：人 names no money unit.*年产值"):
        chain = cg.read_chain(_book(tmp_path / "b.xlsx", "单位：人"))
    assert chain.enterprises["output"].tolist() == [2.0, 3.0]


@pytest.mark.parametrize("header", ["年产能（万吨）", "年产能(万辆)", "产能（GWh）", "产能（台/年）"])
def test_a_capacity_in_a_quantity_is_not_money(tmp_path, header):
    """年产能（万辆） was read as a capacity in yuan (and scaled by a 万元 unit row):
    the maximum flow was 5 yuan."""
    path = _book(tmp_path / "b.xlsx", "单位：万元", header, 3)
    with pytest.warns(ChainDataWarning, match="not money") as caught:
        chain = cg.read_chain(path)
    assert "capacity" not in chain.enterprises.columns
    assert chain.enterprises[header].tolist()[0] == 3  # kept as it is, not scaled
    assert [w.filename for w in caught if "not money" in str(w.message)] == [__file__]


def test_quantity_units_are_not_money_units():
    assert quantity_unit("年产能（万辆）") == "万辆"
    assert quantity_unit("产值（万元）") is None
    assert quantity_unit("产值（2024年）") is None  # not a unit at all
    assert quantity_unit("产值") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("5万美元", 5e4 * 7.1), ("1.2亿美元", 1.2e8 * 7.1), ("5港元", 5 * 0.9),
    ("5欧元", 5 * 7.8), ("3.2亿日元", 3.2e8 * 0.05), ("5万元", 5e4), ("¥5万", 5e4)])
def test_foreign_currency_words_ending_in_yuan(text, expected):
    """美元, 港元, 欧元, 日元 end with 元: the 元 was stripped first, then 5万美 was
    not an amount (the docstring's own example 5万美元 failed)."""
    rates = {"USD": 7.1, "HKD": 0.9, "EUR": 7.8, "JPY": 0.05}
    assert cg.parse_amount(text, exchange_rates=rates) == pytest.approx(expected)


def test_foreign_currency_words_without_a_rate_name_the_currency():
    with pytest.raises(ValueError, match="USD"):
        cg.parse_amount("5万美元")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cg.parse_amount("5元") == 5.0


@pytest.mark.parametrize("cell", ["－", "／", "/", "暂无", "——", "不详", "未知", " - "])
def test_office_blank_marks_are_not_given(cell):
    """－ (full width), / and 暂无 were errors where - and 无 were read as blank."""
    assert math.isnan(cg.parse_amount(cell))
    parsed, bad = cg.parse_amounts([cell, "3"])
    assert math.isnan(parsed[0]) and parsed[1] == 3.0 and bad == []


def test_an_amount_column_with_an_unknown_name_is_named():
    """年配套金额（亿元） was kept as a text column without a word: the chain had no
    volumes and the report counted links (an analyst's review)."""
    links = pd.DataFrame({"上游企业": ["甲", "乙"], "下游企业": ["乙", "丙"],
                          "年配套金额（亿元）": ["0.3亿", "1"]})
    with pytest.warns(ChainDataWarning, match="no volume column was found.*年配套金额"):
        chain = cg.read_chain(links=links)
    assert "volume" not in chain.links.columns
    mapped = cg.read_chain(links=links, columns={"年配套金额（亿元）": "volume"})
    assert mapped.links["volume"].tolist() == [3e7, 1e8]


@pytest.mark.parametrize(("row", "factor"), [
    ("数量单位：吨  金额单位：万元", 1e4), ("单位：人民币万元", 1e4), ("单位：万元人民币", 1e4),
    ("单位：万元（人民币）", 1e4), ("计量单位：吨", None)])
def test_unit_rows_of_offices(row, factor):
    """A cell naming a quantity unit, then the money unit; 人民币 before or after
    (a reviewer's probe: these gave no money unit, amounts 10,000 times too small)."""
    unit = title_and_unit([[row]])[1]
    assert unit is not None and unit.factor == factor


@pytest.mark.parametrize("row", ["填报单位：XX区工业和信息化局", "填表单位：XX区工信局",
                                 "申报单位：某某公司", "统计单位：XX", "报告单位：XX局"])
def test_rows_naming_who_reports_are_not_unit_rows(row):
    assert title_and_unit([[row]])[1] is None


def test_quantities_per_month_and_kilotonnes_are_not_money():
    assert quantity_unit("产能（万片/月）") == "万片/月"
    assert quantity_unit("产能(kt)") == "kt"
