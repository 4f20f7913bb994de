"""Which sheet of a workbook is which: enterprises, links, a segment mapping, or none.

Sheets are recognised by their header (the columns they have), names only break
ties: an office's ``重点企业名单`` is an enterprise sheet because it has 企业名称 and
所属环节 columns. Every sheet is accounted for: a sheet that is not read is listed
with the reason, and :func:`~chaingraph.readwrite.read_chain` warns about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaingraph.exceptions import ChainDataError, Problem
from chaingraph.model import BUYER, ID, SUPPLIER
from chaingraph.readwrite._aliases import map_columns, normalize_header
from chaingraph.readwrite._schema import FORMAT_TAG, apply_stamp
from chaingraph.readwrite._sources import RawTable, excel_sheets, fail, read_excel_table

__all__ = ["SEGMENT_MAP_HEADERS", "SHEET_NAMES", "Book", "read_workbook", "role_of"]

#: Sheet names preferred when several sheets have the same role (case-insensitive).
SHEET_NAMES = {
    "enterprises": ("enterprises", "enterprise", "企业", "企业名单", "企业信息", "企业表",
                    "重点企业名单", "重点企业", "nodes", "节点", "firms", "companies"),
    "links": ("links", "link", "供应关系", "供需关系", "采购关系", "配套关系", "关系", "链接",
              "连接", "edges", "边", "supply", "relations"),
    "segments": ("环节对照", "环节映射", "segments", "segment map"),
}
#: Headers of a segment mapping sheet: the office's segment name -> template segment.
SEGMENT_MAP_HEADERS = (("原环节名", "原环节", "原环节名称", "环节名称", "original", "from"),
                       ("模板环节", "模板环节名", "标准环节", "template segment", "to"))


@dataclass
class Book:
    """The tables read from one workbook and what happened to each sheet."""

    enterprises: RawTable | None = None
    links: RawTable | None = None
    segments: RawTable | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (sheet, reason)
    file: str | None = None
    machine: bool = False  # written by chaingraph (JSON, graph files): no load log


def role_of(table: RawTable) -> str | None:
    """"links", "segments", "enterprises" or None, from a table's columns."""
    probe: list[Problem] = []
    mapped, _ = map_columns(table.frame, "links", None, table.file, probe)
    if SUPPLIER in mapped.columns and BUYER in mapped.columns:
        return "links"
    names = {normalize_header(c) for c in table.frame.columns}
    if all(names & set(headers) for headers in SEGMENT_MAP_HEADERS):
        return "segments"
    mapped, _ = map_columns(table.frame, "enterprises", None, table.file, probe)
    if ID in mapped.columns:
        return "enterprises"
    return None


def read_workbook(path: Path, sheet: Any, *,
                  header_rows: tuple[int | None, int | None] = (None, None),
                  known: frozenset[str] = frozenset()) -> Book:
    """Read a workbook: the sheets named in ``sheet``, else every sheet by content.

    ``sheet`` is None (recognise every sheet), one sheet (its role from its columns)
    or a pair (enterprise sheet, link sheet), either of which may be None.
    ``header_rows`` gives the header row of the enterprise and the link sheet
    (None: found automatically).
    """
    name = path.name
    if not path.is_file():
        raise fail(f"file not found: {path}", name)
    sheets = excel_sheets(path, name)
    book = Book()
    schema: dict[str, Any] | None = None
    if "meta" in sheets:
        book.meta, schema = _read_meta_sheet(path, name)
    rows = dict(zip(("enterprises", "links"), header_rows, strict=True))
    if isinstance(sheet, tuple):
        for role, label in zip(("enterprises", "links"), sheet, strict=True):
            if label is not None:
                setattr(book, role, read_excel_table(
                    path, label, name, role, header_row=rows[role], known=known))
    elif sheet is not None:
        table = read_excel_table(path, sheet, name, None, known=known)
        role = role_of(table)
        if role is None:
            raise fail(f"sheet {sheet!r} has neither enterprise columns (企业名称, id) "
                       "nor link columns (供应商, 采购方); pass columns=...",
                       table.file)
        if rows.get(role) is not None:
            table = read_excel_table(path, sheet, name, role, header_row=rows[role],
                                     known=known)
        setattr(book, role, table)
    elif schema is not None and {"enterprises", "links"} <= set(sheets):
        # a workbook write_chain wrote: its sheets by their names, headers on row 1,
        # not guessed from their columns (an enterprise column named 上游/下游 or
        # 原环节名 made the enterprise sheet a second links or a mapping sheet), names
        # as written (a name "x " before a name " " is no group header over it)
        for role in ("enterprises", "links"):
            columns = schema.get(role)
            table = read_excel_table(
                path, role, name, role, known=known, header_row=rows[role] or 1,
                written=list(columns) if isinstance(columns, dict) and rows[role] is None
                else None)
            table.sheet = role
            setattr(book, role, table)
    else:
        _recognise(path, sheets, book, known, skip_meta=schema is not None)
        for role in ("enterprises", "links"):
            table = getattr(book, role)
            if table is not None and rows[role] is not None:
                setattr(book, role, read_excel_table(
                    path, table.sheet, name, role, header_row=rows[role], known=known,
                    shown=table.file))
    for role in ("enterprises", "links"):
        table = getattr(book, role)
        if table is not None and schema:
            apply_stamp(table, schema, role)  # a workbook write_chain wrote
    if book.enterprises is None and book.links is None:
        found = "; ".join(f"{s}: {r}" for s, r in book.ignored) or ", ".join(sheets)
        raise fail("no sheet has enterprise columns (企业名称, id) or link columns "
                   f"(供应商, 采购方) ({found}); pass sheets=... and columns=...", name)
    return book


def _recognise(path: Path, sheets: list[str], book: Book, known: frozenset[str],
               *, skip_meta: bool) -> None:
    """Read every sheet and give each one a role by its columns."""
    found: dict[str, list[tuple[str, RawTable]]] = {}
    for label in sheets:
        if label == "meta" and skip_meta:
            continue
        try:
            table = read_excel_table(path, label, path.name, None, known=known)
        except ChainDataError as err:
            book.ignored.append((label, err.problems[0].message))
            continue
        table.sheet = label
        role = role_of(table)
        if role is None:
            shown = ", ".join(map(str, table.frame.columns[:6]))
            book.ignored.append((label, f"no enterprise or link columns (found: {shown})"))
            continue
        found.setdefault(role, []).append((label, table))
    for role, tables in found.items():
        preferred = [t for t in tables if t[0].strip().lower() in SHEET_NAMES[role]]
        label, table = (preferred or tables)[0]
        setattr(book, role, table)
        for other, _ in tables:
            if other != label:
                book.ignored.append((other, f"a second {role} sheet ({label!r} was "
                                            "read); pass sheets=... to choose"))


def _read_meta_sheet(path: Path, name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Metadata and column kinds from the ``meta`` sheet written by write_chain.

    The kinds are None when the sheet was not written by chaingraph.
    """
    table = read_excel_table(path, "meta", name, header_row=1)
    frame = table.frame
    if frame.shape[1] < 2:
        return {}, None
    pairs = dict(zip(frame.iloc[:, 0].astype(str), frame.iloc[:, 1], strict=True))
    try:
        if pairs.get("format") != FORMAT_TAG:
            return {}, None
        return json.loads(str(pairs.get("meta", "{}"))), json.loads(
            str(pairs.get("schema", "{}")))
    except ValueError as err:
        raise fail(f"cannot read the meta sheet: {err}", f"{name}[meta]") from None
