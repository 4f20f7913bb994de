"""Read chains from tables (CSV, TSV, Excel, Parquet, JSON, DataFrames).

:func:`read_chain` is the one loader: give it an enterprise table and a link table
(paths or DataFrames), one workbook holding both, a directory written by
:func:`~chaingraph.readwrite.write_chain`, a JSON file, or a GraphML/GEXF graph.
Column names are matched to the canonical ones (``id``, ``name``, ``segment``,
``region``, ``output``, ``capacity``; ``supplier``, ``buyer``, ``volume``,
``capacity``, ``product``) through the user's ``columns`` mapping and the alias table
:data:`chaingraph.readwrite.ALIASES`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.amounts import AmountError, header_amount_unit, parse_amounts
from chaingraph.exceptions import ChainDataError, Problem
from chaingraph.model import (
    BUYER,
    ENTERPRISE_AMOUNTS,
    ID,
    LINK_AMOUNTS,
    NAME,
    PRODUCT,
    REGION,
    SEGMENT,
    SUPPLIER,
    Chain,
    SegmentTemplate,
)
from chaingraph.readwrite._aliases import map_columns
from chaingraph.readwrite._checks import check_read_arguments, warn_lookalike_ids
from chaingraph.readwrite._schema import FORMAT_TAG, apply_stamp, restore
from chaingraph.readwrite._sources import (
    EXACT_ROWS,
    RawTable,
    detect_format,
    excel_sheets,
    fail,
    read_csv_table,
    read_excel_table,
    read_parquet_table,
    table_from_frame,
)

__all__ = ["read_chain"]

Source = str | PathLike | pd.DataFrame
#: Sheet names recognised in a workbook holding both tables (case-insensitive).
SHEET_NAMES = {
    "enterprises": ("enterprises", "enterprise", "企业", "企业名单", "企业信息", "企业表",
                    "nodes", "节点", "firms", "companies"),
    "links": ("links", "link", "供应关系", "供需关系", "采购关系", "关系", "链接", "连接",
              "edges", "边", "supply", "relations"),
}
_TEXT_COLUMNS = {"enterprises": (ID, NAME, SEGMENT, REGION),
                 "links": (SUPPLIER, BUYER, PRODUCT)}


def read_chain(
    enterprises: Source | None = None,
    links: Source | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | tuple[str | int | None, str | int | None] | None = None,
    template: SegmentTemplate | None = None,
    unknown: str = "error",
    self_loops: str | None = None,
    duplicates: str = "error",
    scale: float | str = 1.0,
    meta: Mapping[str, Any] | None = None,
    format: str | None = None,
    exchange_rates: Mapping[str, float] | None = None,
) -> Chain:
    """Read a chain from an enterprise table and a link table, validating everything.

    Parameters
    ----------
    enterprises : path or DataFrame, optional
        The enterprise table: a ``.csv``, ``.tsv``, ``.txt`` (delimiter sniffed),
        ``.xlsx``/``.xls``, ``.parquet`` or ``.json`` file, or a DataFrame. Given
        alone (``links=None``) it may also hold the whole chain: a workbook with an
        enterprise sheet and a link sheet, a directory written by :func:`write_chain`
        (``enterprises.csv``/``links.csv`` or ``.parquet``, ``meta.json``), a JSON
        chain, a GraphML/GEXF file, or just a link table. ``None``: the enterprises
        are the suppliers and buyers named in the links.
    links : path or DataFrame, optional
        The link table (same formats), one row per supplier -> buyer link.
    columns : dict, optional
        The user's column names -> canonical names, e.g. ``{"企业名称": "id",
        "供应商": "supplier", "采购方": "buyer", "金额": "volume"}``. Columns not
        mapped are recognised through :data:`ALIASES`; the rest are kept as
        free-form attributes.
    sheet : str, int or (enterprise sheet, link sheet), optional
        Workbook sheets. A pair names the two sheets (of one workbook given alone,
        or of the two workbooks given); a single name or position applies to every
        workbook. ``None``: sheets named like ``企业``/``enterprises`` and
        ``供应关系``/``links``, else the first two sheets, else the first sheet.
    template : SegmentTemplate, optional
        Segments must be template segments (id, Chinese or English name).
    unknown, self_loops, duplicates
        What to do with links to unknown enterprises (``"error"``/``"add"``),
        self-loops (``"error"``/``"keep"``/``"drop"``) and repeated pairs
        (``"error"``/``"sum"``); see :meth:`Chain.from_frames`.
    scale : float or str, default 1.0
        Multiplier for plain-number amounts (``1e4`` or ``"万元"`` for a sheet in
        万元). A unit in a header's brackets (``金额（万元）``, ``产值(百万)``) or after
        a slash (``金额/万元``) multiplies that column too.
    meta : dict, optional
        Metadata (``name``, ``unit``, ``year``, ...); overrides metadata in the file.
    format : str, optional
        ``"csv"``, ``"tsv"``, ``"text"``, ``"excel"``, ``"parquet"``, ``"json"``,
        ``"graphml"``, ``"gexf"`` or ``"directory"``, when a suffix does not say.
    exchange_rates : dict, optional
        Yuan per unit of a foreign currency, e.g. ``{"USD": 7.1}``: amounts stated
        in that currency (``USD 5``, ``$5 million``, a header ``金额（万美元）``) are
        converted. Without a rate such amounts are rejected, never read as yuan.

    Returns
    -------
    Chain

    Raises
    ------
    TypeError, ValueError
        An argument of the wrong type or value (``read_chain(123)``,
        ``scale="x"``), named in the message.
    ChainDataError
        Every problem found, each naming the file (basename; ``book.xlsx[sheet]`` for
        a workbook of several sheets), the row (spreadsheet row number for CSV and
        Excel: header = row 1; index label for DataFrames; record number from 0 for
        JSON and Parquet) and the user's column name. Also for missing, empty or
        unreadable files and unknown formats.

    See Also
    --------
    write_chain, read_chain_graph, Chain.from_frames

    Notes
    -----
    Column aliases recognised without a mapping (case, spaces, ``_`` and a trailing
    unit in brackets are ignored; the full table is :data:`ALIASES`):

    ===========  ==============================================================
    canonical    aliases (first found wins)
    ===========  ==============================================================
    id           id, 企业id, 企业编号, 编号, 代码, 统一社会信用代码, code, 企业名称,
                 企业, 名称, 公司名称, company, name
    name         name, 企业名称, 名称, 企业, 公司名称, company name
    segment      segment, 环节, 所属环节, 产业链环节, 细分环节, sector
    region       region, 区域, 地区, 所在地, 所在地区, 城市, 省份, location, city
    output       output, 产值, 年产值, 总产值, 营业收入, 营收, 销售额, revenue, sales
    capacity     capacity, 产能, 年产能 (links: 供应能力, 最大供应量)
    supplier     supplier, 供应商, 供方, 供应方, 供应企业, 上游企业, source, from
    buyer        buyer, 采购方, 客户, 需方, 采购商, 采购企业, 下游企业, target, to
    volume       volume, 金额, 采购金额, 交易额, 交易金额, 供应金额, amount, value,
                 weight
    product      product, 产品, 供应产品, 采购产品, 物料
    ===========  ==============================================================

    A sheet with only 企业名称 uses the names as ids; with 企业编号 and 企业名称 the
    code is the id and the name is ``name``. Units in headers (``金额（万元）``,
    ``产值(亿元)``) multiply plain numbers in that column.

    Ids, names, segments, regions and products read from CSV or Excel are text:
    ``007`` stays ``"007"``, and a number typed in a workbook cell becomes its text
    (``7.0`` -> ``"7"``). Parquet, JSON and DataFrames keep their types. Blank
    cells are missing. CSV files are decoded as UTF-8 (with or without BOM), then
    GB18030 (a superset of GBK). Free-form columns of CSV files stay text unless
    the file was written by :func:`write_chain`, whose ``meta.json`` restores every
    column's type. Reading is vectorised: a 1M-enterprise / 5M-link Parquet chain
    loads in seconds.

    Examples
    --------
    >>> ent = pd.DataFrame({"企业名称": ["007", "宁德材料"], "所属环节": ["正极", "电芯"]})
    >>> lk = pd.DataFrame({"供应商": ["007"], "客户": ["宁德材料"], "金额": ["3.5亿"]})
    >>> chain = cg.read_chain(ent, lk)
    >>> chain.enterprises[["id", "segment"]].values.tolist()
    [['007', '正极'], ['宁德材料', '电芯']]
    >>> chain.links["volume"].tolist()
    [350000000.0]
    """
    template, scale, rates = check_read_arguments(enterprises, links, template, scale,
                                                  exchange_rates)
    args = (enterprises, links, columns, sheet, template, unknown, self_loops,
            duplicates, (scale, rates), meta, format)
    try:
        return _read_chain(*args)
    except ChainDataError as err:
        if not getattr(err, "_approximate", False):
            raise
    token = EXACT_ROWS.set(True)  # re-read with exact row numbers for the report
    try:
        return _read_chain(*args)
    finally:
        EXACT_ROWS.reset(token)


def _read_chain(enterprises: Any, links: Any, columns: Any, sheet: Any, template: Any,
                unknown: str, self_loops: str | None, duplicates: str, scale: float,
                meta: Any, format: str | None) -> Chain:
    ent, lk, file_meta = _read_tables(enterprises, links, sheet=sheet, format=format)
    approximate = any(t is not None and t.approximate for t in (ent, lk))
    try:
        return _validate(ent, lk, file_meta, columns, template, unknown, self_loops,
                         duplicates, scale, meta)
    except ChainDataError as err:
        err._approximate = approximate  # type: ignore[attr-defined]
        raise


def _validate(ent: RawTable | None, lk: RawTable, file_meta: dict[str, Any],
              columns: Any, template: Any, unknown: str, self_loops: str | None,
              duplicates: str, scale: Any, meta: Any) -> Chain:
    """Map columns, parse amounts and build the chain, reporting every problem."""
    if self_loops is None:  # a chain we wrote may hold self-loops it was built with
        self_loops = "keep" if lk.own else "error"
    problems: list[Problem] = []
    ent_frame, ent_cols = _prepare(ent, "enterprises", columns, scale, problems)
    link_frame, link_cols = _prepare(lk, "links", columns, scale, problems)
    _check_mapping(columns, [t for t in (ent, lk) if t is not None], problems)
    kwargs = {"meta": {**file_meta, **dict(meta or {})}, "template": template,
              "unknown": unknown, "self_loops": self_loops, "duplicates": duplicates,
              "files": (ent.file if ent else "enterprises", lk.file),
              "rows": (ent.rows if ent else None, lk.rows),
              "columns": (ent_cols, link_cols)}
    if not problems:
        chain = Chain.from_frames(ent_frame, link_frame, **kwargs)
        warn_lookalike_ids(chain.ids, ent.file if ent else lk.file)
        return chain
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Chain.from_frames(ent_frame, link_frame, **kwargs)
    except ChainDataError as err:
        problems += err.problems
    raise ChainDataError(problems)


def _read_tables(enterprises: Any, links: Any, *, sheet: Any, format: str | None
                 ) -> tuple[RawTable | None, RawTable, dict[str, Any]]:
    """The enterprise table (or None), the link table and metadata from the file."""
    sheets = sheet if isinstance(sheet, tuple) else (sheet, sheet)
    if len(sheets) != 2:
        raise ValueError(f"sheet must be a name, a position or a pair, got {sheet!r}")
    if links is not None:
        ent = None if enterprises is None else _read_one(
            enterprises, sheets[0], format, "enterprises")
        return ent, _read_one(links, sheets[1], format, "links"), _meta_of(ent)
    if enterprises is None:
        raise fail("no input: pass an enterprise table and a link table (or a file "
                   "holding both)", None)
    if isinstance(enterprises, pd.DataFrame):
        return _single(table_from_frame(enterprises, "table"))
    path = Path(enterprises)
    fmt = detect_format(path, format)
    if fmt == "directory":
        return _read_directory(path)
    if fmt == "excel":
        return _read_workbook(path, sheet)
    if fmt == "json":
        from chaingraph.readwrite.json import read_json_tables

        return read_json_tables(path)
    if fmt in ("graphml", "gexf"):
        from chaingraph.readwrite.graph import graph_tables

        return graph_tables(path, fmt)
    return _single(_read_one(path, None, fmt, "links"))


def _single(table: RawTable) -> tuple[RawTable | None, RawTable, dict[str, Any]]:
    """A lone table must be a link table (it needs supplier and buyer columns)."""
    probe: list[Problem] = []
    mapped, _ = map_columns(table.frame, "links", None, table.file, probe)
    if SUPPLIER in mapped.columns and BUYER in mapped.columns:
        return None, table, table.meta
    raise fail("only one table was given and it has no supplier and buyer columns: "
               "pass links=... (and the enterprise table), or a workbook/directory "
               "holding both", table.file)


def _meta_of(table: RawTable | None) -> dict[str, Any]:
    return dict(table.meta) if table is not None else {}


def _read_one(source: Any, sheet: Any, format: str | None, role: str) -> RawTable:
    """Read one table from a DataFrame or a path."""
    if isinstance(source, pd.DataFrame):
        return table_from_frame(source, role)
    if not isinstance(source, (str, PathLike)):
        raise fail(f"expected a path or a DataFrame for the {role}, got "
                   f"{type(source).__name__}", role)
    path = Path(source)
    fmt = detect_format(path, format)
    name = path.name or str(source)
    if fmt == "csv":
        return read_csv_table(path, ",", name)
    if fmt == "tsv":
        return read_csv_table(path, "\t", name)
    if fmt == "text":
        return read_csv_table(path, None, name)
    if fmt == "excel":
        return read_excel_table(path, sheet, name, role)
    if fmt == "parquet":
        return read_parquet_table(path, name)
    if fmt == "json":
        from chaingraph.readwrite.json import read_json_table

        return read_json_table(path, role)
    raise fail(f"a {fmt} file holds a whole chain, not one table: pass it alone as "
               "read_chain(path)", name)


def _read_directory(path: Path) -> tuple[RawTable | None, RawTable, dict[str, Any]]:
    """A directory written by write_chain: enterprises.* + links.* [+ meta.json]."""
    found = {}
    for role in ("enterprises", "links"):
        for suffix in (".parquet", ".csv", ".tsv"):
            if (path / f"{role}{suffix}").is_file():
                found[role] = path / f"{role}{suffix}"
                break
    if "links" not in found:
        raise fail("the directory has no links.csv, links.tsv or links.parquet",
                   path.name)
    meta, schema = _read_meta_json(path / "meta.json")
    tables = {}
    for role, file in found.items():
        table = _read_one(file, None, None, role)
        if schema:
            apply_stamp(table, schema, role)
        table.file = f"{path.name}/{file.name}"
        tables[role] = table
    return tables.get("enterprises"), tables["links"], meta


def _read_meta_json(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    if not path.is_file():
        return {}, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as err:
        raise fail(f"cannot read metadata: {err}", path.name) from None
    if not isinstance(data, dict):
        raise fail("metadata must be a JSON object", path.name)
    if data.get("format") != FORMAT_TAG:
        return data, {}
    return dict(data.get("meta") or {}), dict(data.get("schema") or {})


def _read_workbook(path: Path, sheet: Any
                   ) -> tuple[RawTable | None, RawTable, dict[str, Any]]:
    """One workbook holding the enterprise sheet and the link sheet (+ meta sheet)."""
    name = path.name
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    sheets = excel_sheets(path, name)
    if isinstance(sheet, tuple):
        ent_sheet, link_sheet = sheet
    elif sheet is not None:
        return _single(read_excel_table(path, sheet, name, "links"))
    else:
        ent_sheet, link_sheet = _guess_sheets(sheets)
    meta, schema = ({}, {})
    if "meta" in sheets:
        meta, schema = _read_meta_sheet(path, name)
    link = read_excel_table(path, link_sheet, name, "links")
    if schema:
        apply_stamp(link, schema, "links")
    if ent_sheet is None:
        return None, link, meta
    ent = read_excel_table(path, ent_sheet, name, "enterprises")
    if schema:
        apply_stamp(ent, schema, "enterprises")
    return ent, link, meta


def _guess_sheets(sheets: list[str]) -> tuple[str | None, str]:
    lowered = {s.strip().lower(): s for s in sheets}
    picked = [next((lowered[n] for n in SHEET_NAMES[role] if n in lowered), None)
              for role in ("enterprises", "links")]
    if picked[1] is not None:
        return picked[0], picked[1]
    rest = [s for s in sheets if s != "meta"]
    if len(rest) >= 2:
        return rest[0], rest[1]
    return None, rest[0] if rest else sheets[0]


def _read_meta_sheet(path: Path, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    table = read_excel_table(path, "meta", name)
    frame = table.frame
    if frame.shape[1] < 2:
        return {}, {}
    pairs = dict(zip(frame.iloc[:, 0].astype(str), frame.iloc[:, 1], strict=True))
    try:
        if pairs.get("format") != FORMAT_TAG:
            return {}, {}
        return json.loads(str(pairs.get("meta", "{}"))), json.loads(
            str(pairs.get("schema", "{}")))
    except ValueError as err:
        raise fail(f"cannot read the meta sheet: {err}", f"{name}[meta]") from None


def _prepare(table: RawTable | None, role: str, columns: Any, scale: Any,
             problems: list[Problem]) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Map columns, restore types, parse amounts (each column with its header unit)."""
    if table is None:
        return None, {}
    if table.own and not columns:  # our own file: columns are canonical already
        columns = {str(c): str(c) for c in table.frame.columns}
    frame, shown = map_columns(table.frame, role, columns, table.file, problems)
    if table.schema:
        for col, kind in table.schema.items():
            if col in frame.columns and col not in _amounts(role):
                frame[col] = restore(frame[col], kind)
    elif table.text:
        for col in _TEXT_COLUMNS[role]:
            if col in frame.columns:
                frame[col] = _as_text(frame[col])
    for col in _amounts(role):
        if col in frame.columns:
            unit, currency = header_amount_unit(shown.get(col, col))
            try:
                parsed, bad = parse_amounts(frame[col], scale=scale[0] * unit,
                                            currency=currency, exchange_rates=scale[1])
            except AmountError as err:  # a foreign currency without a rate
                parsed, bad = np.full(len(frame), np.nan), []
                problems.append(Problem(str(err), table.file, None, shown.get(col, col)))
            for position, reason in bad:
                row = position if table.rows is None else table.rows[position]
                problems.append(Problem(reason, table.file, row, shown.get(col, col)))
            frame[col] = parsed
    return frame, shown


def _amounts(role: str) -> tuple[str, ...]:
    return ENTERPRISE_AMOUNTS if role == "enterprises" else LINK_AMOUNTS


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as text: numbers typed in a workbook become ``"7"``, ``"7.5"``."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return series
    out = np.array([_text(v) for v in values], dtype=object)
    return pd.Series(out, index=series.index, dtype=object)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if np.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).upper()
    return str(value)


def _check_mapping(columns: Any, tables: list[RawTable], problems: list[Problem]) -> None:
    if not columns:
        return
    names = {str(c) for t in tables for c in t.frame.columns}
    for user in columns:
        if str(user) not in names:
            problems.append(Problem(
                f"the column mapping names {user!r} but no table has that column "
                f"(found: {', '.join(sorted(names))})", None, None, str(user)))
