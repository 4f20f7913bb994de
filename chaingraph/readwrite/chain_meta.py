"""Chain metadata of a portfolio (产业链, 模板, 总链长, 链长, 链主企业, 链长办, 目标产值).

Read by :func:`read_chain_meta`; used by :mod:`chaingraph.readwrite.portfolio`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.amounts import AmountError, parse_amount
from chaingraph.exceptions import ChainDataError, Problem

__all__ = ["META_COLUMNS", "read_chain_meta", "split_chains"]

#: Chain metadata: canonical column -> accepted headers.
META_COLUMNS: dict[str, tuple[str, ...]] = {
    "chain": ("chain", "产业链", "产业链名称", "链条", "name"),
    "template": ("template", "模板", "产业链模板", "参照模板"),
    "general_chief": ("general_chief", "总链长"),
    "chief": ("chief", "链长"),
    "leaders": ("leaders", "链主企业", "链主"),
    "office": ("office", "链长办", "链长制办公室", "牵头单位"),
    "target": ("target", "目标产值", "目标"),
}
_SEPARATORS = re.compile(r"[;；,，、]")
_YEAR_TARGET = re.compile(r"^(?:目标产值|目标|target)[\s_\-（(]*(\d{4})\D*$|"
                          r"^(\d{4})\s*年?\s*(?:目标产值|目标|target)\D*$", re.IGNORECASE)


def split_chains(value: Any) -> tuple[str, ...]:
    """The chains named in one cell: split on ``; ； , ， 、``, stripped, deduplicated.

    Examples
    --------
    >>> from chaingraph.readwrite.chain_meta import split_chains
    >>> split_chains("新能源汽车；新型显示、 新能源汽车")
    ('新能源汽车', '新型显示')
    >>> split_chains(None), split_chains("")
    ((), ())
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ()
    parts = (p.strip() for p in _SEPARATORS.split(str(value)))
    return tuple(dict.fromkeys(p for p in parts if p))


def read_chain_meta(source: Any) -> pd.DataFrame:
    """Read chain metadata (产业链, 模板, 总链长, 链长, 链主企业, 链长办, 目标产值).

    Parameters
    ----------
    source : DataFrame, list of dicts, dict, or path (.yaml, .yml, .json, .csv, .xlsx)
        One row per chain. A dict maps chain name -> its fields. Headers may be
        Chinese (:data:`META_COLUMNS`); yearly targets are columns such as
        ``2025目标产值``, ``目标产值2025`` or ``target_2025``.

    Returns
    -------
    DataFrame
        ``chain``, ``template``, ``general_chief``, ``chief``, ``leaders`` (a list),
        ``office``, ``target`` (yuan) and ``targets`` (dict year -> yuan).

    Raises
    ------
    ChainDataError
        A bad amount or a missing chain name, naming row and column.

    Examples
    --------
    >>> from chaingraph.readwrite.chain_meta import read_chain_meta
    >>> t = read_chain_meta([{"产业链": "新型显示", "模板": "electronic_display",
    ...                       "链主企业": "甲、乙", "2025目标产值": "100亿"}])
    >>> t.loc[0, "leaders"], t.loc[0, "targets"]
    (['甲', '乙'], {2025: 10000000000.0})
    """
    frame, file = _meta_frame(source)
    rename: dict[str, str] = {}
    for canonical, names in META_COLUMNS.items():
        found = next((c for c in frame.columns if str(c).strip().lower() in
                      {n.lower() for n in names} and c not in rename), None)
        if found is not None:
            rename[found] = canonical
    years = {c: int(next(g for g in m.groups() if g)) for c in frame.columns
             if c not in rename and (m := _YEAR_TARGET.match(str(c).strip()))}
    problems: list[Problem] = []
    if "chain" not in rename.values():
        raise ChainDataError(Problem("chain metadata needs a 产业链 (chain) column; "
                                     f"found: {', '.join(map(str, frame.columns))}",
                                     file, None, None))
    out = frame.rename(columns=rename)
    shown = {v: str(k) for k, v in rename.items()}  # the user's headers, for messages
    rows = []
    for i, record in enumerate(out.to_dict("records")):
        name = record.get("chain")
        if name is None or (isinstance(name, float) and np.isnan(name)) or not str(name).strip():
            problems.append(Problem("blank chain name", file, i + 2, shown["chain"]))
            continue
        row = {"chain": str(name).strip(), "template": _text(record.get("template")),
               "general_chief": _text(record.get("general_chief")),
               "chief": _text(record.get("chief")),
               "leaders": list(split_chains(record.get("leaders"))),
               "office": _text(record.get("office")),
               "target": _amount(record.get("target"), file, i,
                                 shown.get("target", "target"), problems),
               "targets": {}}
        for col, year in years.items():
            value = _amount(record.get(col), file, i, str(col), problems)
            if np.isfinite(value):
                row["targets"][year] = value
        rows.append(row)
    if problems:
        raise ChainDataError(problems)
    return pd.DataFrame(rows, columns=["chain", "template", "general_chief", "chief",
                                       "leaders", "office", "target", "targets"])


def _meta_frame(source: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source, "chain metadata"
    if isinstance(source, Mapping):
        return pd.DataFrame([{"chain": k, **(v or {})} for k, v in source.items()]), \
            "chain metadata"
    if isinstance(source, list):
        return pd.DataFrame(source), "chain metadata"
    path = Path(source)
    if not path.is_file():
        raise ChainDataError(Problem(f"file not found: {path}", path.name, None, None))
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        if isinstance(data, Mapping) and "chains" in data:
            data = data["chains"]
        return _meta_frame(data if isinstance(data, (list, Mapping)) else [])[0], path.name
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=object), path.name
    return pd.read_csv(path, dtype=object, encoding="utf-8-sig"), path.name


def _text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _amount(value: Any, file: str, i: int, column: str,
            problems: list[Problem]) -> float:
    try:
        return parse_amount(value)
    except AmountError as error:
        problems.append(Problem(str(error), file, i + 2, column))
        return np.nan
