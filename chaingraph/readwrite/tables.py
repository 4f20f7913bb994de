"""Read chains from tables (CSV, TSV, Excel, Parquet, JSON, DataFrames).

:func:`read_chain` is the one loader: give it an enterprise table and a link table
(paths or DataFrames), one workbook holding both, a directory written by
:func:`~chaingraph.readwrite.write_chain`, a JSON file, or a GraphML/GEXF graph.
Column names are matched to the canonical ones (``id``, ``name``, ``segment``,
``region``, ``output``, ``capacity``; ``supplier``, ``buyer``, ``volume``,
``capacity``, ``product``) through the user's ``columns`` mapping and the alias table
:data:`chaingraph.readwrite.ALIASES`.

Long module (about 560 lines): it is the single public entry point for every table
format, and its argument documentation (columns, sheets, header rows, segment
mappings, units) is most of its length; the work itself sits in ``_sources``,
``_headers``, ``_sheets`` and ``_loading``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._warnings import outside_stacklevel
from chaingraph.amounts import (
    AmountError,
    header_amount_unit,
    parse_amounts,
    quantity_unit,
)
from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.model import (
    BUYER,
    ENTERPRISE_AMOUNTS,
    ID,
    LINK_AMOUNTS,
    NAME,
    OUTPUT,
    PRODUCT,
    REGION,
    SEGMENT,
    SUPPLIER,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.readwrite._aliases import map_columns
from chaingraph.readwrite._checks import check_read_arguments, warn_lookalike_ids
from chaingraph.readwrite._loading import (
    chain_log,
    drop_sum_rows,
    drop_summary_rows,
    header_rows,
    map_segment_labels,
    resolve_names,
    segment_map_from_frame,
    sheet_choice,
    warn_load_log,
)
from chaingraph.readwrite._schema import FORMAT_TAG, apply_stamp, restore
from chaingraph.readwrite._sheets import Book, read_workbook, role_of
from chaingraph.readwrite._sources import (
    EXACT_ROWS,
    RawTable,
    detect_format,
    fail,
    read_csv_table,
    read_excel_table,
    read_parquet_table,
    table_from_frame,
)

__all__ = ["read_chain", "read_chain_graph"]

Source = str | PathLike | pd.DataFrame
_TEXT_COLUMNS = {"enterprises": (ID, NAME, SEGMENT, REGION, "short_name"),
                 "links": (SUPPLIER, BUYER, PRODUCT)}


def read_chain(
    enterprises: Source | None = None,
    links: Source | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | tuple[str | int | None, str | int | None] | None = None,
    sheets: str | Sequence[str | int | None] | None = None,
    header_row: int | None = None,
    template: SegmentTemplate | None = None,
    segments: Mapping[str, str] | str | PathLike | pd.DataFrame | None = None,
    unknown: str = "error",
    self_loops: str | None = None,
    duplicates: str = "error",
    scale: float | str = 1.0,
    meta: Mapping[str, Any] | None = None,
    name: str | None = None,
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
        or of the two workbooks given; either may be None); a single name or
        position applies to every workbook (its role then comes from its columns).
        ``None``: every sheet of a workbook given alone is recognised by its
        columns (an enterprise sheet has an id or 企业名称 column, a link sheet
        supplier and buyer columns, a segment mapping sheet 原环节名 and 模板环节);
        names such as ``企业``/``重点企业名单`` and ``供应关系``/``links`` only break
        ties. A sheet that is not read is named in a warning.
    sheets : str or (enterprise sheet, link sheet), optional
        The same as a pair, written ``"ENTERPRISES,LINKS"`` (``"企业,"``: only
        the enterprise sheet). Pass ``sheet`` or ``sheets``, not both.
    header_row : int or (int, int), optional
        Spreadsheet row of the column names in the enterprise table, or in the
        enterprise and the link table. ``None``: the first row whose cells are
        known column names (:data:`ALIASES`, 序号, 备注, ... and the keys of
        ``columns``), below title, unit and blank rows; else the first non-blank
        row. The first text above it becomes the chain's ``name`` and a unit row
        (``单位：万元``) scales the amounts of that table.
    template : SegmentTemplate, optional
        Segments must be template segments: id, Chinese or English name, or one
        of the template's synonyms (``模组``, ``FPC``); case, width, spaces and
        brackets are ignored, and an unknown segment gets a Chinese hint
        (``'驱动晶片' 不是模板环节；是否指 显示驱动芯片？``).
    segments : dict, path or DataFrame, optional
        The office's segment names -> template segments (``{"彩屏": "LCD面板"}``),
        or a two-column table (CSV/Excel file or DataFrame: 原环节名, 模板环节). A
        workbook sheet with those two columns is used the same way.
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
    name : str, optional
        The chain's title (``meta["name"]``), e.g. ``"XX区新型显示产业链"``; default:
        the title row of the sheet.
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
        With ``meta["load_log"]`` (files and DataFrames the user made, not files
        written by chaingraph): per table the header row, title, unit, data rows,
        rows loaded and rows dropped (``data_rows == loaded + dropped``); the
        dropped rows (file, row, kind ``total``/``note``/``sum``, text); sheets not
        read and why; ids added by ``unknown="add"``; link ends resolved by name;
        segments renamed by ``segments``; blank segment, region and output counts.

    Warns
    -----
    ChainDataWarning
        One line per event: total/note rows dropped (file, sheet, rows) and sheets
        not read.

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

    A sheet with only 企业名称 uses the names as ids; with 企业编号 (or
    统一社会信用代码) and 企业名称 the code is the id and the name is ``name``, and
    link ends may be written either way: an end that is not an id but the name (or
    简称) of exactly one enterprise is that enterprise (a name of several is an
    error naming both rows). Rows that are totals (合计, 总计, 小计), notes (注：,
    备注：, 数据来源：) or, with a blank id, the sum of the rows above are dropped
    with a warning. An enterprise table alone is an enterprise list: a chain
    without links. Units in headers (``金额（万元）``,
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
    options = {"columns": columns, "sheet": sheet_choice(sheet, sheets),
               "header_row": header_rows(header_row), "template": template,
               "segments": segments,
               "unknown": unknown, "self_loops": self_loops, "duplicates": duplicates,
               "scale": (scale, rates), "meta": {**dict(meta or {}),
                                        **({"name": name} if name else {})},
               "format": format,
               "known": frozenset(map(str, columns or {}))}
    try:
        return _read_chain(enterprises, links, options)
    except ChainDataError as err:
        if not getattr(err, "_approximate", False):
            raise
    token = EXACT_ROWS.set(True)  # re-read with exact row numbers for the report
    try:
        return _read_chain(enterprises, links, options)
    finally:
        EXACT_ROWS.reset(token)


def _read_chain(enterprises: Any, links: Any, options: dict[str, Any]) -> Chain:
    loaded = _read_tables(enterprises, links, options)
    approximate = any(t is not None and t.approximate
                      for t in (loaded.enterprises, loaded.links))
    try:
        return _validate(loaded, options)
    except ChainDataError as err:
        err._approximate = approximate  # type: ignore[attr-defined]
        raise


def _validate(loaded: Book, options: dict[str, Any]) -> Chain:
    """Map columns, parse amounts, resolve names and build the chain; report all."""
    problems: list[Problem] = []
    ent, lk = loaded.enterprises, loaded.links
    columns, scale = options["columns"], options["scale"]
    ent_frame, ent_cols = _prepare(ent, "enterprises", columns, scale, problems)
    link_frame, link_cols = _prepare(lk, "links", columns, scale, problems)
    if lk is None and columns:  # an enterprise list: link columns may be mapped too
        columns = {k: v for k, v in columns.items()
                   if v not in (SUPPLIER, BUYER, VOLUME, PRODUCT)}
    _check_mapping(columns, [t for t in (ent, lk) if t is not None], problems)
    if link_frame is None:  # an enterprise list: no supply links yet
        link_frame = pd.DataFrame({SUPPLIER: pd.Series([], dtype=object),
                                   BUYER: pd.Series([], dtype=object)})
    by_name = renamed = 0
    codes: dict[str, np.ndarray] = {}
    if ent_frame is not None:
        ent_frame, renamed = map_segment_labels(ent_frame, _segment_map(loaded, options))
        if lk is not None:
            link_frame, by_name, codes = resolve_names(ent_frame, link_frame, ent, lk,
                                                       problems, link_cols)
    log = chain_log(loaded, ent_frame, link_frame, by_name, renamed, options["unknown"])
    file_meta = dict(loaded.meta)
    title = next((t.title for t in (ent, lk) if t is not None and t.title), None)
    if title and not file_meta.get("name"):
        file_meta["name"] = title
    if not loaded.machine and not any(t is not None and (t.schema or t.own)
                                      for t in (ent, lk)):
        file_meta["load_log"] = log  # not for files chaingraph wrote (round trips)
    self_loops = options["self_loops"]
    if self_loops is None:  # a chain we wrote may hold self-loops it was built with
        self_loops = "keep" if lk is not None and lk.own else "error"
    kwargs = {"meta": {**file_meta, **options["meta"]},
              "template": options["template"], "unknown": options["unknown"],
              "self_loops": self_loops, "duplicates": options["duplicates"],
              "files": (ent.file if ent else "enterprises", lk.file if lk else "links"),
              "rows": (ent.rows if ent else None, lk.rows if lk else None),
              "columns": (ent_cols, link_cols), "link_codes": codes}
    if not problems:
        chain = Chain.from_frames(ent_frame, link_frame, **kwargs)
        warn_load_log(log, stacklevel=5)
        # the id column as stored (pyarrow text at scale), not an object array
        warn_lookalike_ids(chain.enterprises[ID], ent.file if ent else lk.file)
        return chain
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Chain.from_frames(ent_frame, link_frame, **kwargs)
    except ChainDataError as err:
        named = {(p.file, p.row, p.column) for p in problems}  # e.g. ambiguous names
        problems += [p for p in err.problems if (p.file, p.row, p.column) not in named
                     or not p.message.startswith("unknown enterprise")]
    raise ChainDataError(problems)


def _segment_map(loaded: Book, options: dict[str, Any]) -> dict[str, str]:
    """The segment mapping: a mapping sheet in the workbook, then ``segments=``."""
    mapping: dict[str, str] = {}
    if loaded.segments is not None:
        mapping.update(segment_map_from_frame(loaded.segments.frame))
    given = options["segments"]
    if given is None:
        return mapping
    if isinstance(given, Mapping):
        mapping.update({str(k): str(v) for k, v in given.items()})
        return mapping
    table = (table_from_frame(given, "segments") if isinstance(given, pd.DataFrame)
             else _read_one(given, None, None, "segments", options))
    mapping.update(segment_map_from_frame(table.frame))
    return mapping


def _read_tables(enterprises: Any, links: Any, options: dict[str, Any]) -> Book:
    """The enterprise table, the link table (either may be None) and file metadata."""
    sheet, format = options["sheet"], options["format"]
    sheets = sheet if isinstance(sheet, tuple) else (sheet, sheet)
    if len(sheets) != 2:
        raise ValueError(f"sheet must be a name, a position or a pair, got {sheet!r}")
    if links is not None:
        ent = None if enterprises is None else _read_one(
            enterprises, sheets[0], format, "enterprises", options)
        lk = _read_one(links, sheets[1], format, "links", options)
        return Book(ent, lk, meta=_meta_of(ent))
    if enterprises is None:
        raise fail("no input: pass an enterprise table and a link table (or a file "
                   "holding both)", None)
    if isinstance(enterprises, pd.DataFrame):
        return _single(table_from_frame(enterprises, "table"))
    path = Path(enterprises)
    fmt = detect_format(path, format)
    if fmt == "directory":
        ent, lk, meta = _read_directory(path)
        return Book(ent, lk, meta=meta, machine=bool(lk.schema))
    if fmt == "excel":
        book = read_workbook(path, sheet, header_rows=options["header_row"],
                             known=options["known"])
        book.file = path.name
        return book
    if fmt == "json":
        from chaingraph.readwrite.json import read_json_tables

        ent, lk, meta = read_json_tables(path)
        return Book(ent, lk, meta=meta, machine=True)
    if fmt in ("graphml", "gexf"):
        from chaingraph.readwrite.graph import graph_tables

        ent, lk, meta = graph_tables(path, fmt)
        return Book(ent, lk, meta=meta, machine=True)
    return _single(_read_one(path, None, fmt, "links", options))


def _single(table: RawTable) -> Book:
    """A lone table: a link table, or an enterprise list (no links yet)."""
    role = role_of(table)
    if role == "links":
        return Book(None, table, meta=table.meta)
    if role == "enterprises":
        return Book(table, None, meta=table.meta)
    raise fail("only one table was given and it has neither supplier and buyer columns "
               "nor enterprise columns (企业名称, id): pass links=... (and the "
               "enterprise table), or a workbook/directory holding both", table.file)


def _meta_of(table: RawTable | None) -> dict[str, Any]:
    return dict(table.meta) if table is not None else {}


def _read_one(source: Any, sheet: Any, format: str | None, role: str,
              options: Mapping[str, Any] | None = None) -> RawTable:
    """Read one table from a DataFrame or a path."""
    if isinstance(source, pd.DataFrame):
        return table_from_frame(source, role)
    if not isinstance(source, (str, PathLike)):
        raise fail(f"expected a path or a DataFrame for the {role}, got "
                   f"{type(source).__name__}", role)
    path = Path(source)
    fmt = detect_format(path, format)
    name = path.name or str(source)
    rows = (options or {}).get("header_row", (None, None))
    header = {"header_row": {"enterprises": rows[0], "links": rows[1]}.get(role),
              "known": (options or {}).get("known", frozenset())}
    if fmt in ("csv", "tsv", "text"):
        return read_csv_table(path, {"csv": ",", "tsv": "\t"}.get(fmt), name, **header,
                              written=bool((options or {}).get("written")))
    if fmt == "excel":
        return read_excel_table(path, sheet, name, role, **header)
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
        # a folder write_chain wrote (its schema says so): one header row each
        table = _read_one(file, None, None, role, {"written": True} if schema else None)
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


def _prepare(table: RawTable | None, role: str, columns: Any, scale: float,
             problems: list[Problem]) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Map columns, drop total and note rows, restore types, parse amounts.

    Each amount column is multiplied by ``scale`` and by its unit: the unit in its
    header (``产值（万元）``), else the sheet's unit row (``单位：万元``).
    """
    if table is None:
        return None, {}
    if table.own and not columns:  # our own file: columns are canonical already
        columns = {str(c): str(c) for c in table.frame.columns}
    frame, shown = map_columns(table.frame, role, columns, table.file, problems)
    if not table.schema and not table.own:
        _warn_unread_amounts(frame, role, table.file)
    if not table.schema and not table.own:  # a chain we wrote has no office rows
        frame = drop_summary_rows(frame, table)
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
            header = shown.get(col, col)
            if (quantity := quantity_unit(header)) is not None:
                frame, shown = _not_money(frame, shown, col, quantity, table.file)
                continue
            unit, currency = header_amount_unit(header)
            if unit == 1.0 and currency is None:  # no unit in the header: the unit row
                unit, currency = _row_unit(table, header)
            try:
                parsed, bad = parse_amounts(frame[col], scale=scale[0] * unit,
                                            currency=currency, exchange_rates=scale[1])
            except AmountError as err:  # a foreign currency without a rate
                parsed, bad = np.full(len(frame), np.nan), []
                problems.append(Problem(str(err), table.file, None, header))
            for position, reason in bad:
                row = position if table.rows is None else table.rows[position]
                problems.append(Problem(reason, table.file, row, shown.get(col, col)))
            frame[col] = parsed
    if not table.schema and not table.own:
        keys = (ID,) if role == "enterprises" else (SUPPLIER, BUYER)
        frame = drop_sum_rows(frame, table, _amounts(role), keys)
    return frame, shown


def _warn_unread_amounts(frame: pd.DataFrame, role: str, file: str | None) -> None:
    """Name the columns whose header gives a money unit (年配套金额（亿元）) when the
    table's amount (links: volume, enterprises: output) was not found: kept as text
    columns, they would leave the chain without amounts, silently."""
    main = VOLUME if role == "links" else OUTPUT
    if main in frame.columns:
        return
    canonical = {*_amounts(role), ID, SUPPLIER, BUYER}
    money = [str(c) for c in frame.columns if str(c) not in canonical
             and header_amount_unit(c) != (1.0, None)]
    if money:
        warnings.warn(
            f"{file}: no {main} column was found, and column(s) "
            f"{', '.join(map(repr, money))} give a money unit: if one of them is the "
            f"{main}, map it (columns={{{money[0]!r}: {main!r}}}, CLI --columns)",
            ChainDataWarning,
            stacklevel=outside_stacklevel())


def _not_money(frame: pd.DataFrame, shown: dict[str, str], col: str, quantity: str,
               file: str | None) -> tuple[pd.DataFrame, dict[str, str]]:
    """An amount column whose header names a quantity (年产能（万辆）): kept under
    its own name, as it is, and not read as money (flows and cuts compare capacities
    with amounts in yuan)."""
    header = str(shown.get(col, col))
    warnings.warn(
        f"{file}: column {header!r} is in {quantity}, not money: kept as a column of "
        f"its own, not read as the {col} (give {col} in 元, 万元 or 亿元 to use it)",
        ChainDataWarning, stacklevel=outside_stacklevel())
    shown = {k: v for k, v in shown.items() if k != col}
    return frame.rename(columns={col: header}), shown


def _row_unit(table: RawTable, header: str) -> tuple[float, str | None]:
    """Multiplier and currency of the unit row for an amount column without a unit."""
    row = table.unit_row
    if row is None:
        return 1.0, None
    if row.factor is None:
        warnings.warn(
            f"{table.file}: the unit row 单位：{row.text} names no money unit (元, 万元, "
            f"亿元, 万美元, ...): column {header!r} is read in 元; put the unit in its "
            "header (e.g. 产值（万元）) if it is another", ChainDataWarning,
            stacklevel=outside_stacklevel())
        return 1.0, None
    return row.factor, row.currency


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


# read_chain_graph lives here (not in graph.py) so that graph.py never imports this
# module: tables -> graph, one way.
def read_chain_graph(path: str | PathLike, /, *, format: str | None = None,
                     **kwargs: Any) -> Chain:
    """Read a chain from a GraphML or GEXF file.

    Parameters
    ----------
    path : path
        A ``.graphml`` or ``.gexf`` file (directed).
    format : {"graphml", "gexf"}, optional
        When the suffix does not say.
    **kwargs
        Passed to :func:`read_chain` (``columns``, ``template``, ``unknown``,
        ``duplicates`` for the parallel edges of a multigraph, ...).

    Returns
    -------
    Chain

    Raises
    ------
    ChainDataError
        Missing or unreadable file, undirected graph, bad attribute values.

    See Also
    --------
    write_graphml, write_gexf, read_chain

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.DiGraph([(1, 2, {"volume": 3.0})], name="toy")
    >>> path = cg.write_graphml(G, pathlib.Path(tempfile.mkdtemp()) / "toy.graphml")
    >>> chain = cg.read_chain_graph(path)
    >>> chain.ids.tolist(), chain.meta["name"]
    ([1, 2], 'toy')
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in ("graphml", "gexf"):
        raise fail(f"expected a .graphml or .gexf file, got {path.name!r}", path.name)
    return read_chain(path, format=fmt, **kwargs)
