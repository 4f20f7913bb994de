"""Column names: the alias table and the mapping of user columns to canonical ones."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from chaingraph.amounts import unit_factor
from chaingraph.exceptions import Problem

__all__ = ["ALIASES", "UNIT_FACTORS", "column_unit", "header_unit", "map_columns", "normalize_header"]

#: Recognised column names, per table, in priority order (the first alias present
#: wins). Matching ignores case, spaces, ``_``, ``-`` and a trailing unit in
#: brackets, e.g. ``"金额（万元）"`` matches ``金额``. The ``id`` list ends with name
#: columns: a sheet with only 企业名称 uses the names as ids, a sheet with both
#: 企业编号 and 企业名称 uses the code as id and the name as ``name``.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprises": {
        "id": ("id", "企业id", "企业编号", "企业代码", "编号", "代码", "统一社会信用代码",
               "信用代码", "enterprise id", "firm id", "company id", "node", "code",
               "企业名称", "企业", "名称", "公司名称", "公司", "enterprise", "firm",
               "company", "name"),
        "name": ("name", "企业名称", "名称", "企业", "公司名称", "公司", "enterprise name",
                 "company name", "firm name", "enterprise", "company", "firm"),
        "segment": ("segment", "环节", "所属环节", "产业链环节", "链条环节", "细分环节",
                    "环节名称", "产业环节", "sector"),
        "region": ("region", "区域", "地区", "所在地", "所在地区", "所在区域", "所属区域",
                   "属地", "所在城市", "城市", "省份", "location", "area", "city",
                   "province"),
        "output": ("output", "产值", "年产值", "总产值", "工业产值", "营业收入", "营收",
                   "销售额", "revenue", "sales", "turnover"),
        "capacity": ("capacity", "产能", "年产能", "设计产能"),
        "short_name": ("short_name", "short name", "简称", "企业简称", "公司简称"),
    },
    "links": {
        "supplier": ("supplier", "供应商", "供方", "供应方", "供应企业", "供货方",
                     "上游企业", "上游", "卖方", "source", "from", "seller", "upstream"),
        "buyer": ("buyer", "采购方", "客户", "需方", "采购商", "采购企业", "购买方",
                  "下游企业", "下游", "买方", "target", "to", "customer", "downstream"),
        "volume": ("volume", "金额", "采购金额", "交易额", "交易金额", "供应金额", "采购额",
                   "供货金额", "合同金额", "amount", "value", "weight", "flow"),
        "capacity": ("capacity", "供应能力", "最大供应量", "运力", "产能"),
        "product": ("product", "产品", "供应产品", "采购产品", "产品名称", "物料", "goods",
                    "item"),
    },
}

#: Units recognised in a header's trailing brackets, e.g. ``产值（万元）``.
UNIT_FACTORS: dict[str, float] = {
    "元": 1.0, "千元": 1e3, "万元": 1e4, "十万元": 1e5, "百万元": 1e6, "千万元": 1e7,
    "亿元": 1e8, "万": 1e4, "亿": 1e8, "yuan": 1.0, "cny": 1.0, "rmb": 1.0,
    "千": 1e3, "十万": 1e5, "百万": 1e6, "千万": 1e7,
}
_UNIT = re.compile(r"^(.*?)\s*[(\[（【]\s*([^()\[\]（）【】]*?)\s*[)\]）】]$")


def normalize_header(name: Any) -> str:
    """Header as matched against the aliases (case, spacing and units ignored)."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    match = _UNIT.match(text)
    if match and match.group(1):
        text = match.group(1)
    base, slash, unit = text.rpartition("/")  # 金额/万元: a money unit after a slash
    if slash and base.strip() and unit_factor(unit) is not None:
        text = base
    return re.sub(r"[\s_\-]+", " ", text).strip()


def column_unit(name: Any) -> float | None:
    """Multiplier of a unit named in a header's brackets (``"产值（万元）"`` -> 1e4).

    None when the header names no unit (or one not in :data:`UNIT_FACTORS`).
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    match = _UNIT.match(text)
    if not match:
        return None
    return UNIT_FACTORS.get(match.group(2).replace(" ", ""))


def header_unit(name: Any) -> float:
    """Multiplier named by a header's trailing unit (``"金额（万元）"`` -> 1e4), else 1."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    match = _UNIT.match(text)
    if not match:
        return 1.0
    return UNIT_FACTORS.get(match.group(2).replace(" ", ""), 1.0)


def map_columns(frame: pd.DataFrame, role: str, columns: Mapping[str, str] | None,
                file: str | None, problems: list[Problem]
                ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename user columns to canonical names.

    Explicit ``columns`` entries win; canonical names still missing are then looked
    up among the aliases of ``role`` ("enterprises" or "links").

    Returns
    -------
    frame : DataFrame
        A renamed shallow copy.
    shown : dict
        Canonical name -> the user's column name, for error messages.
    """
    names = [str(c) for c in frame.columns]
    keep = ~pd.Index(names).duplicated()
    for name in dict.fromkeys(n for n, k in zip(names, keep, strict=True) if not k):
        problems.append(Problem(f"several columns are named {name!r}; keep one (or "
                                "rename the others)", file, None, name))
    if not keep.all():
        frame = frame.iloc[:, keep]
        names = [n for n, k in zip(names, keep, strict=True) if k]
    rename: dict[str, str] = {}
    for user, canonical in (columns or {}).items():
        if str(user) in names:
            if str(canonical) in rename.values():
                first = next(u for u, c in rename.items() if c == str(canonical))
                problems.append(Problem(
                    f"columns {[first, str(user)]} are all mapped to {canonical!r}; map "
                    "only one of them", file, None, str(user)))
                continue
            rename[str(user)] = str(canonical)
    taken = set(rename) | set(rename.values())
    normalized = {name: normalize_header(name) for name in names}
    for canonical, aliases in ALIASES[role].items():
        if canonical in rename.values() or canonical in names:
            continue
        for alias in aliases:
            hit = next((n for n in names if n not in taken and normalized[n] == alias),
                       None)
            if hit is not None:
                rename[hit] = canonical
                taken |= {hit, canonical}
                break
    clash = [u for u, c in rename.items() if c in names and c not in rename]
    for user in clash:
        problems.append(Problem(
            f"column {user!r} is mapped to {rename[user]!r} but the table already has a "
            f"column {rename[user]!r}; rename or drop one of them", file, None, user))
        del rename[user]
    renamed = frame.set_axis(names, axis=1).rename(columns=rename)
    shown = {canonical: user for user, canonical in rename.items()}
    return renamed, shown
