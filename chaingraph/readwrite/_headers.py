"""Where a sheet's table starts and which of its rows are not data.

Offices keep workbooks with a title row (``XX区新型显示产业链重点企业名单（2024年度）``),
a unit row (``单位：万元``) and blank rows above the header, and total, subtotal and
note rows (``合计``, ``小计``, ``注：...``) among or below the data. This module finds
the header row, reads the title and the unit, and tells total and note rows apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from chaingraph.amounts import AmountError, parse_amount, unit_factor
from chaingraph.readwrite._aliases import ALIASES, normalize_header

__all__ = ["HEADER_SCAN", "KNOWN_HEADERS", "UnitRow", "is_header", "row_kind",
           "summary_rows", "title_and_unit", "two_row_header", "written_header"]

#: How many non-blank rows are searched for the header before the first non-blank
#: row is taken as the header (a sheet whose columns have only unknown names).
HEADER_SCAN = 20
#: Normalised header names recognised in a header row: every alias, plus columns
#: offices keep beside them.
KNOWN_HEADERS = frozenset(
    alias for table in ALIASES.values() for aliases in table.values() for alias in aliases
) | frozenset(("序号", "备注", "说明", "原环节名", "原环节", "模板环节", "联系人",
               "联系电话", "成立时间", "注册资本", "所属行业", "行业", "企业类型"))
#: Cell texts (spaces removed) of total and subtotal rows.
TOTAL_WORDS = frozenset(("合计", "总计", "小计", "总合计", "共计", "全区合计", "合计数",
                         "total", "subtotal", "grandtotal"))
_TOTAL_CELLS = frozenset(
    v for w in TOTAL_WORDS for v in (w, w.upper(), w.title(), " ".join(w),
                                     "\u3000".join(w), "  ".join(w), f" {w}", f"{w} "))
_NOTE = re.compile(r"^(注|备注|说明|附注|数据来源|资料来源|来源|填报说明|填表说明|制表"
                   r"|填表人|审核人)\s*\d*\s*[:：.、]|^note\s*[:：]", re.IGNORECASE)
#: A section heading among the data rows (``一、上游``, ``（二）正极材料``, ``第三部分``,
#: ``1、中游``, ``下游环节：``), the row's only cell (matched after NFKC: ``（`` is ``(``).
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]\s*(?![一二三四五六七八九十\d])"
                      r"|\(\s*[一二三四五六七八九十\d]{1,3}\s*\)"
                      r"|第\s*[一二三四五六七八九十\d]{1,3}\s*(?:部分|类|章|节|篇|环节|层级)"
                      r"(?:\s*[:：、.．]|\s|$)"
                      r"|\d{1,2}\s*[、.．]\s*(?=[^\d\s.])"
                      r"|(?:上游|中游|下游)(?:环节|企业|部分|产业|领域)?\s*:?$)")
_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
             "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十")
#: A Chinese ordinal alone in a cell (序号 of a heading row: 一, （二）, 三、), after NFKC.
_ORDINALS = frozenset(form for n in _NUMERALS for form in (
    n, f"({n})", f"（{n}）", f"{n}、", f"{n}.", f"{n}．"))
#: Cells that alone mark a row to look at: total words and ordinals (one hash lookup).
_EXACT_CELLS = _TOTAL_CELLS | _ORDINALS
#: How an enterprise's name ends: such a row is an enterprise with only its name,
#: never a heading (``第一环节材料有限公司``, ``十.五实业``).
_NAME_END = re.compile(r"(?:公司|厂|集团|中心|研究院|研究所|合作社|商行|店|学院|大学|医院|银行|"
                       r"事务所|实业|科技|股份)\s*$")
_UNIT_ROW = re.compile(r"(?<![报制送表管计告])"  # 填报/申报/统计单位：XX局: who reports
                       r"(?:单位|unit)\s*[:：]\s*([^\s,，;；()（）]+)", re.IGNORECASE)
#: The longest text a unit row names that is taken as units (单位：万吨、台/年);
#: longer, it names something else (填表单位：XX区工业和信息化局).
_UNIT_TEXT = 8
#: What separates the units of a unit row naming several (单位：万元、人; 万元/人).
_UNIT_SEPARATORS = re.compile(r"[、/／|]")


class UnitRow(NamedTuple):
    """The unit a unit row above the header names (``单位：万元``).

    ``factor`` and ``currency`` are those of its first money unit (``万美元``: 1e4,
    ``"USD"``); ``factor`` is None when it names none (``单位：人``, ``单位：万吨``).
    """

    text: str
    factor: float | None
    currency: str | None


def _text(cell: Any) -> str | None:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    return text or None


def is_header(cells: Iterable[Any], known: frozenset[str] = frozenset()) -> bool:
    """Whether a row is a header: two known column names, or only known names.

    Examples
    --------
    >>> is_header(["序号", "企业名称", "所属环节", "年产值（万元）"])
    True
    >>> is_header(["XX区新型显示产业链重点企业名单（2024年度）", None, None])
    False
    """
    texts = [t for t in (_text(c) for c in cells) if t is not None]
    extra = {normalize_header(k) for k in known}
    hits = sum(normalize_header(t) in KNOWN_HEADERS or normalize_header(t) in extra
               for t in texts)
    return hits >= 2 or (hits >= 1 and hits == len(texts))


def title_and_unit(rows: Iterable[Iterable[Any]]) -> tuple[str | None, UnitRow | None]:
    """The title (first text above the header) and the unit row there, if any.

    A unit row naming several units (``单位：万元、人``, ``单位：人/万元``) gives its
    first money unit; one naming no money unit gives a factor of None.

    Examples
    --------
    >>> title_and_unit([["XX区产业链重点企业名单（2024年度）", None], [None, "单位：万元"]])
    ('XX区产业链重点企业名单（2024年度）', UnitRow(text='万元', factor=10000.0, currency=None))
    >>> title_and_unit([["单位：人、万美元"]])[1]
    UnitRow(text='人、万美元', factor=10000.0, currency='USD')
    >>> title_and_unit([["单位：万吨"]])[1].factor is None
    True
    >>> title_and_unit([["填报单位：XX区工信局"]])[1] is None  # who reports: not a unit
    True
    """
    title, unit = None, None
    for cells in rows:
        texts = [t for t in (_text(c) for c in cells) if t is not None]
        for text in texts:
            for match in _UNIT_ROW.finditer(text):  # 数量单位：吨 金额单位：万元
                if unit is not None and unit.factor is not None:
                    break  # the first money unit wins
                found = _unit_row(match.group(1))
                if found is not None and (unit is None or found.factor is not None):
                    unit = found
        if title is None and texts and not _UNIT_ROW.match(texts[0]):
            title = " ".join(str(c).strip() for c in cells if _text(c) is not None)
    return title, unit


def _unit_row(text: str) -> UnitRow | None:
    """The units a unit row names; None when it names no unit at all (a long text
    such as an organisation's name: ``填表单位：XX区工业和信息化局``)."""
    for part in _UNIT_SEPARATORS.split(text):
        found = unit_factor(part) if part else None
        if found is not None:
            return UnitRow(text, *found)
    if len(text) > _UNIT_TEXT:
        return None
    return UnitRow(text, None, None)


_HAN = re.compile("[\u4e00-\u9fff]")


def _is_section(text: str) -> bool:
    """Whether one cell's (NFKC) text is a section heading (Chinese words after the
    number), not a name or a code such as ``0.:``."""
    return (_SECTION.match(text) is not None and _NAME_END.search(text) is None
            and _HAN.search(text) is not None)


def row_kind(cells: Iterable[Any]) -> tuple[str, str] | None:
    """``("total", text)`` for a total/subtotal row, ``("note", text)`` for a note row,
    ``("section", text)`` for a section heading row (its one cell a heading, or a
    Chinese ordinal beside a Chinese title: ``（二）`` | ``正极材料``).

    A total row has a cell that is only ``合计``/``总计``/``小计`` (spaces ignored); a
    note row starts with ``注：``/``备注：``/``数据来源：`` and has at most two cells; a
    section heading row has one cell, a numbered heading (``一、上游``, ``（二）正极材料``,
    ``第三部分``, ``1、中游``) or a stage (``下游环节：``).

    Examples
    --------
    >>> row_kind([None, "合 计", None, 1200])
    ('total', '合 计')
    >>> row_kind(["注：产值为2024年数据", None])
    ('note', '注：产值为2024年数据')
    >>> row_kind(["一、上游", None, None])
    ('section', '一、上游')
    >>> row_kind(["（二）", "正极材料", None, None])
    ('section', '（二） 正极材料')
    >>> row_kind(["1", "京东方", "模组"]) is None
    True
    """
    raw = [str(c).strip() for c in cells if _text(c) is not None]
    texts = [t for t in (_text(c) for c in cells) if t is not None]
    if not texts:
        return None
    for text, shown in zip(texts, raw, strict=True):
        if re.sub(r"\s+", "", text).lower() in TOTAL_WORDS:
            return "total", shown
    if len(texts) <= 2 and _NOTE.match(texts[0]):
        return "note", raw[0]
    if len(texts) == 1 and _is_section(texts[0]):
        return "section", raw[0]
    if (len(texts) == 2 and texts[0] in _ORDINALS and _HAN.search(texts[1])
            and _NAME_END.search(texts[1]) is None):  # (二) | 正极材料
        return "section", f"{raw[0]} {raw[1]}"
    return None


def summary_rows(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """Positions of total, note and section heading rows in a table:
    ``(position, kind, text)`` (see :func:`row_kind`; a table of one column has no
    heading rows: each of its rows has one cell).

    Vectorised screening (exact cell matches, rows of at most two cells) first, so
    a million-row table costs a few hash lookups per column.
    """
    if len(frame) == 0:
        return []
    text_cols = [c for c in frame.columns if frame[c].dtype == object
                 or pd.api.types.is_string_dtype(frame[c].dtype)]
    if not text_cols:
        return []
    candidate = np.zeros(len(frame), dtype=bool)
    for col in text_cols:  # a total word, or an ordinal such as （二） (a heading's 序号)
        candidate |= frame[col].isin(_EXACT_CELLS).to_numpy()
    filled = np.zeros(len(frame), dtype=np.int64)  # column by column: no row-wise reduce
    for col in range(frame.shape[1]):
        filled += frame.iloc[:, col].notna().to_numpy()
    # notes: rows of at most two cells in a table twice as wide; headings: rows of one
    # cell in a table of two columns or more
    sparse = np.flatnonzero(((filled <= 2) & (filled < frame.shape[1] / 2))
                            | ((filled == 1) & (frame.shape[1] > 1)))
    if len(sparse):
        cells = frame.iloc[sparse][text_cols].bfill(axis=1).iloc[:, 0]
        single = filled[sparse] == 1
        wide = filled[sparse] < frame.shape[1] / 2
        note = [isinstance(v, str) and ((w and bool(_NOTE.match(v.strip()))) or (
            one and frame.shape[1] > 1 and _is_section(_text(v) or "")))
            for v, one, w in zip(cells, single, wide, strict=True)]
        candidate[sparse[np.asarray(note, dtype=bool)]] = True
    found = []
    for position in np.flatnonzero(candidate):
        kind = row_kind(frame.iloc[position].tolist())
        if kind is not None:
            found.append((int(position), *kind))
    return found


_YEAR_TEXT = re.compile(r"^((?:19|20)\d{2})\s*(?:年度|年)?$")


def _year(value: Any) -> int | None:
    """The year a sub-header cell names (``2024``, ``2024.0``, ``"2024年"``), else None."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)):
        number = float(value)
        return int(number) if number.is_integer() and 1900 <= number < 2100 else None
    match = _YEAR_TEXT.match(_text(value) or "")
    return int(match.group(1)) if match else None


def _is_amount(text: str) -> bool:
    """Whether a cell's text reads as an amount (``1,234``, ``12万``)."""
    try:
        parse_amount(text)
    except AmountError:
        return False
    return True


def two_row_header(header: Iterable[Any], cells: Iterable[Any]
                   ) -> tuple[tuple[Any, ...], list[str]] | None:
    """The header of a two-row header, and what was read; None when ``cells`` is data.

    A group cell spans the blank header cells after it (``产值（万元）`` merged over
    two columns). ``cells`` is a second header row when each cell is blank, repeats
    the header cell above it (a cell merged down both rows), or names a sub-column
    of a group (text, or a year such as ``2024``), and every group named has at
    least two sub-columns. Over years, the latest year takes the group's name (read
    as the amount: ``产值（万元）``), the other years ``2023年产值（万元）``, other
    sub-columns ``产值（万元）同比增长``.

    Examples
    --------
    >>> two_row_header(["企业名称", "产值（万元）", None], [None, 2023, "2024年"])[0]
    ('企业名称', '2023年产值（万元）', '产值（万元）')
    >>> two_row_header(["企业名称", None, "所属环节", None], ["甲", None, "锂盐", None]) is None
    True
    """
    head = [None if _text(h) is None else str(h).strip() for h in header]
    width = len(head)
    cells = list(cells)
    sub = [None if j >= len(cells) or _text(cells[j]) is None else cells[j]
           for j in range(width)]
    group: list[str | None] = [None] * width  # the group header over each column
    for j in range(width - 1):
        if head[j] is not None and head[j + 1] is None:
            k = j
            while k < width and (k == j or head[k] is None):
                group[k] = head[j]
                k += 1
    subs = []
    for j in range(width):
        value = sub[j]
        if value is None or (group[j] is None and str(value).strip() == head[j]):
            continue
        if group[j] is None:
            return None  # data under an ordinary column
        if _year(value) is None and (not isinstance(value, str) or _is_amount(value)):
            return None  # a number or an amount (12万): a data row
        subs.append(j)
    titles = list(dict.fromkeys(group[j] for j in subs))
    if not subs or any(sum(group[j] == t for j in subs) < 2 for t in titles):
        return None  # a group with one sub-column is a layout merge over data
    out = list(head)
    described = []
    for title in titles:
        columns = [j for j in subs if group[j] == title]
        years = {j: _year(sub[j]) for j in columns if _year(sub[j]) is not None}
        latest = max(years, key=years.get) if years else None
        for j in columns:
            if j == latest:
                out[j] = title
            elif j in years:
                out[j] = f"{years[j]}年{title}"
            else:
                out[j] = f"{title}{str(sub[j]).strip()}"
        texts = "、".join(f"{years[j]}年" if j in years else str(sub[j]).strip()
                         for j in columns)
        others = "、".join(out[j] for j in columns if j != latest)
        described.append(
            f"{title} over {texts}: the {years[latest]}年 column is read as {title}, "
            f"the others are kept as {others}" if latest is not None else
            f"{title} over {texts}: read as columns {others}")
    return tuple(out), described


def written_header(header: Iterable[Any], written: Sequence[str] | None
                   ) -> list[str] | None:
    """The names of a header row of a sheet write_chain wrote with the columns
    ``written``, as written (``"x "`` and ``" "`` not stripped, no group header
    spanning a blank cell, no second header row), then ``Unnamed: j`` for blank
    cells after them. None when the header does not read as ``written`` (cell for
    cell, edge spaces aside), names a column twice or has more named cells: a
    sheet edited since (or a name escaped), read as any other.

    Examples
    --------
    >>> written_header(["id", "x ", " ", None], ["id", "x ", " "])
    ['id', 'x ', ' ', 'Unnamed: 3']
    >>> written_header(["id", "x", None], ["id", "x", "y"]) is None  # a name cleared
    True
    """
    if written is None:
        return None
    cells, count = list(header), len(written)
    names = ["" if c is None else str(c) for c in cells[:count]]
    if (len(cells) < count or len(set(names)) < count
            or any(_text(c) != _text(w) for c, w in zip(cells, written, strict=False))
            or any(_text(c) is not None for c in cells[count:])):
        return None
    return names + [f"Unnamed: {j}" for j in range(count, len(cells))]
