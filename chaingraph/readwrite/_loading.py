"""What read_chain does between reading the sheets and validating the chain.

* drops total, subtotal, note and sum rows (recording their rows);
* resolves link endpoints given by name (企业名称 or 简称) to enterprise ids;
* applies the user's segment mapping (原环节名 -> 模板环节);
* keeps the load log (``chain.meta["load_log"]``) and turns it into one warning
  line per event, naming file, sheet and rows.

The load log is a plain JSON-ready dict::

    {"tables": [{"file": "book.xlsx[重点企业名单]", "role": "enterprises",
                 "header_row": 3, "title": "...", "unit": 10000.0,
                 "data_rows": 12, "loaded": 10, "dropped": 2}],
     "dropped": [{"file": ..., "row": 15, "kind": "total", "text": "合计"}],
     "ignored_sheets": [{"file": ..., "sheet": "说明", "reason": "..."}],
     "added": ["外部供应商A", ...],
     "by_name": 7,
     "renamed_segments": 3,
     "blank": {"segment": 1, "region": 0, "output": 2}}

For every table, ``data_rows == loaded + dropped``.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._arrow_text import PY_WHITESPACE, arrow_text
from chaingraph._warnings import outside_stacklevel
from chaingraph.exceptions import ChainDataWarning, Problem
from chaingraph.labels import label
from chaingraph.model import BUYER, ID, NAME, OUTPUT, REGION, SEGMENT, SUPPLIER
from chaingraph.model.idlookup import OwnCodes, lookup_all
from chaingraph.readwrite._headers import summary_rows
from chaingraph.readwrite._sheets import Book
from chaingraph.readwrite._sources import RawTable

__all__ = [
    "BLANK_LABELS",
    "chain_log",
    "drop_sum_rows",
    "drop_summary_rows",
    "header_rows",
    "load_log",
    "load_messages",
    "load_summary",
    "map_segment_labels",
    "resolve_names",
    "segment_map_from_frame",
    "sheet_choice",
    "warn_load_log",
]

#: How blank cells are reported: segment and region 未标注, output 未填报.
BLANK_LABELS = {SEGMENT: "未标注", REGION: "未标注", OUTPUT: "未填报"}
SHORT_NAME = "short_name"
_KINDS = {"total": "total/subtotal", "note": "note", "sum": "sum-of-rows-above",
          "section": "section heading"}


def _positions_to_rows(table: RawTable, n: int) -> np.ndarray:
    if table.rows is None:
        return np.arange(n)
    return np.asarray(table.rows)


def _drop(frame: pd.DataFrame, table: RawTable, found: list[tuple[int, str, str]]
          ) -> pd.DataFrame:
    """Drop rows at the given positions, recording them on the table."""
    if not found:
        return frame
    rows = _positions_to_rows(table, len(frame))
    keep = np.ones(len(frame), dtype=bool)
    for position, kind, text in found:
        keep[position] = False
        label = rows[position]
        table.dropped.append((label.item() if isinstance(label, np.generic) else label,
                              kind, text))
    table.rows = rows[keep]
    return frame[keep].reset_index(drop=True)


def drop_summary_rows(frame: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """Drop total (合计, 小计) and note (注：...) rows."""
    return _drop(frame, table, summary_rows(frame))


def drop_sum_rows(frame: pd.DataFrame, table: RawTable, amounts: tuple[str, ...],
                  keys: tuple[str, ...]) -> pd.DataFrame:
    """Drop rows with blank keys whose amounts are the sum of the rows above.

    ``keys`` are the columns a real row fills (``id`` for enterprises, ``supplier``
    and ``buyer`` for links); a row with all of them blank whose every given
    amount equals the sum of that column over the rows above (since the last such
    row, at least two rows) is a total row without a label.
    """
    present = [k for k in keys if k in frame.columns]
    cols = [c for c in amounts if c in frame.columns]
    if not present or not cols or len(frame) < 3:
        return frame
    blank = frame[present].isna().all(axis=1).to_numpy()
    if not blank.any():
        return frame
    values = frame[cols].to_numpy(dtype=np.float64, na_value=np.nan)
    found, start = [], 0
    for position in np.flatnonzero(blank):
        above = values[start:position]
        row = values[position]
        given = ~np.isnan(row)
        if position - start >= 2 and given.any():
            sums = np.nansum(above[:, given], axis=0)
            if np.allclose(row[given], sums, rtol=1e-6, atol=1e-9) and sums.any():
                found.append((int(position), "sum", f"{row[given][0]:g}"))
                start = position + 1
    return _drop(frame, table, found)


def resolve_names(enterprises: pd.DataFrame, links: pd.DataFrame,
                  ent_table: RawTable, link_table: RawTable,
                  problems: list[Problem], shown: Mapping[str, str]
                  ) -> tuple[pd.DataFrame, int, dict[str, np.ndarray]]:
    """Replace link endpoints that are enterprise names (or short names) by ids.

    An endpoint that is an id stays; one that is not an id but the name (or 简称)
    of exactly one enterprise becomes that enterprise's id; a name of several
    enterprises is a problem naming both rows. Returns the links, the number of
    endpoints resolved by name, and the codes of the link columns left as they
    were (their ends' positions among the ids, -1 for none: a hint for
    :meth:`Chain.from_frames`, which looks them up only once).
    """
    if ID not in enterprises.columns or len(links) == 0:
        return links, 0, {}
    # ids that are names (企业名称 only) match spellings too: full/half width, spaces;
    # integer ids match their digits typed as text
    name_cols = [*(c for c in (NAME, SHORT_NAME) if c in enterprises.columns), ID]
    rows = _positions_to_rows(ent_table, len(enterprises))
    link_rows = _positions_to_rows(link_table, len(links))
    out = links.copy(deep=False)
    resolved = 0
    codes = OwnCodes()  # looked up on the cells passed on: from_frames takes them as they are
    by_name: dict[str, list[int]] | None = None  # built once, when first needed
    variants: list[str] = []  # ends matched in another spelling, named in a warning
    present = [col for col in (SUPPLIER, BUYER) if col in links.columns]
    # hash lookups (pyarrow for text, both columns at once); ids may repeat (reported
    # elsewhere)
    found = dict(zip(present, lookup_all(enterprises[ID], [links[c] for c in present]),
                     strict=True))
    unknown_of = {col: np.flatnonzero((found[col] < 0) & links[col].notna().to_numpy())
                  for col in present}
    # the unknown ends only (a few among millions), as Python values
    ends_of = {col: links[col].iloc[unknown_of[col]].to_numpy(dtype=object)
               for col in present}
    for col in present:
        code, unknown, ends = found[col], unknown_of[col], ends_of[col]
        if not len(unknown):
            codes[col] = code
            continue
        if by_name is None:  # the keys of every unknown end, of both columns
            wanted = {_key(v) for c in present for v in ends_of[c]}
            by_name = _name_lookup(enterprises, name_cols, wanted)
        matched: dict[int, Any] = {}  # position -> the id it names
        for position, value in zip(unknown, ends, strict=True):
            hits = by_name.get(_key(value))
            if not hits:
                continue
            if len(hits) > 1:
                where = " and ".join(f"row {rows[h]}" for h in hits[:2])
                problems.append(Problem(
                    f"{value!r} names several enterprises ({where} of "
                    f"{ent_table.file}); use the id (e.g. 统一社会信用代码) instead",
                    link_table.file, link_rows[position], shown.get(col, col)))
                continue
            matched[position] = enterprises[ID].iat[hits[0]]
            # edge spaces are stripped from every id and name anyway: not a spelling
            spelled = {str(enterprises[c].iat[hits[0]]).strip() for c in name_cols}
            if str(value).strip() not in spelled:
                variants.append(f"row {link_rows[position]} {shown.get(col, col)} "
                                f"{value!r} -> {matched[position]!r}")
        if not matched:  # nothing matched: the column and its codes stand
            codes[col] = code
            continue
        resolved += len(matched)
        new = links[col].to_numpy(dtype=object).copy()
        new[list(matched)] = list(matched.values())
        out[col] = pd.Series(new, index=links.index, dtype=object)
    if variants:
        more = f" and {len(variants) - 5} more" if len(variants) > 5 else ""
        warnings.warn(
            f"{link_table.file}: {len(variants)} link ends name an enterprise in another "
            f"spelling (full/half width, spaces, digits as text) and were matched to it: "
            f"{'; '.join(variants[:5])}{more}; check them", ChainDataWarning,
            stacklevel=outside_stacklevel())
    return out, resolved, codes


#: Whitespace removed from a name's key: Python's (``str.isspace``), spelled as one
#: class so that Arrow's RE2 and Python's ``re`` remove the same characters.
_SPACES = f"[{PY_WHITESPACE}]+"


def _key(value: Any) -> str:
    return re.sub(_SPACES, "", unicodedata.normalize("NFKC", str(value)))


def _name_lookup(enterprises: pd.DataFrame, name_cols: list[str], wanted: set[str]
                 ) -> dict[str, list[int]]:
    """Positions of the enterprises whose name (or id) has each of the ``wanted``
    keys; the keys of a text column are computed by Arrow (a million ids in a
    fraction of a second: a Python loop took 5 s)."""
    lookup: dict[str, list[int]] = {}
    for col in name_cols:
        keys = _keys(enterprises[col], digits=col == ID)
        for position in np.flatnonzero(keys.isin(wanted).to_numpy(dtype=bool)):
            hits = lookup.setdefault(keys.iat[position], [])
            if position not in hits:
                hits.append(int(position))
    return lookup


def _keys(values: pd.Series, *, digits: bool) -> pd.Series:
    """:func:`_key` of each text cell (None elsewhere; with ``digits``, integers are
    their digits), on Arrow when the column is text."""
    if digits and values.dtype.kind in "iu":
        return values.astype(str)
    text = arrow_text(values)
    if text is not None:
        import pyarrow.compute as pc

        normal = pc.replace_substring_regex(pc.utf8_normalize(text, "NFKC"), _SPACES, "")
        return pd.Series(pd.arrays.ArrowExtensionArray(normal))  # isin on Arrow
    keys = []
    for value in values.to_numpy(dtype=object):
        if digits and isinstance(value, (int, np.integer)) and not isinstance(
                value, (bool, np.bool_)):
            value = str(int(value))
        keys.append(_key(value) if isinstance(value, str) and value.strip() else None)
    return pd.Series(keys, dtype=object)


def segment_map_from_frame(frame: pd.DataFrame) -> dict[str, str]:
    """A two-column table (原环节名, 模板环节) as a mapping; blank rows skipped."""
    if frame.shape[1] < 2:
        return {}
    pairs = frame.iloc[:, :2].dropna()
    return {str(k).strip(): str(v).strip() for k, v in pairs.itertuples(index=False)}


def map_segment_labels(frame: pd.DataFrame, mapping: Mapping[str, str] | None
                       ) -> tuple[pd.DataFrame, int]:
    """Apply the user's segment mapping (spelling-tolerant keys); count renamed rows."""
    if not mapping or SEGMENT not in frame.columns:
        return frame, 0
    keys = {_segment_key(k): str(v) for k, v in mapping.items()}
    values = frame[SEGMENT].to_numpy(dtype=object)
    new = np.array([keys.get(_segment_key(v), v) if isinstance(v, str) else v
                    for v in values], dtype=object)
    renamed = int(sum(a is not b and a != b for a, b in zip(values, new, strict=True)))
    return frame.assign(**{SEGMENT: pd.Series(new, index=frame.index, dtype=object)}), renamed


def _segment_key(label: Any) -> str:
    text = unicodedata.normalize("NFKC", str(label)).lower()
    return re.sub(r"[\s_\-()\[\]【】（）]+", "", text)


def load_log(tables: list[tuple[str, RawTable, int]], ignored: list[tuple[str, str, str]],
             enterprises: pd.DataFrame, added: list[str], by_name: int, renamed: int
             ) -> dict[str, Any]:
    """The load log (see the module docstring); ``tables``: (role, table, loaded)."""
    blank = {col: int(enterprises[col].isna().sum()) if col in enterprises.columns
             else len(enterprises) for col in BLANK_LABELS}
    return {
        "tables": [{"file": t.file, "role": role, "header_row": t.header_row,
                    "title": t.title, "unit": t.unit, "data_rows": loaded + len(t.dropped),
                    "loaded": loaded, "dropped": len(t.dropped)}
                   for role, t, loaded in tables],
        "dropped": [{"file": t.file, "row": row, "kind": kind, "text": text}
                    for _, t, _ in tables for row, kind, text in t.dropped],
        "ignored_sheets": [{"file": f, "sheet": s, "reason": r} for f, s, r in ignored],
        "added": added, "by_name": by_name, "renamed_segments": renamed, "blank": blank,
    }


def warn_load_log(log: Mapping[str, Any], *, stacklevel: int = 3) -> None:
    """One ChainDataWarning line per problem in the load log (rows dropped, sheets
    not read); enterprises added on request (``unknown="add"``) are only logged."""
    for line in load_messages(log):
        warnings.warn(line, ChainDataWarning, stacklevel=stacklevel)


def load_messages(log: Mapping[str, Any]) -> list[str]:
    """The warning lines of a load log: dropped rows and sheets not read."""
    lines = []
    by_file: dict[tuple[str, str], list[Any]] = {}
    for item in log.get("dropped", []):
        by_file.setdefault((item["file"], item["kind"]), []).append(item)
    for (file, kind), items in by_file.items():
        rows = ", ".join(str(i["row"]) for i in items[:10])
        more = f" and {len(items) - 10} more" if len(items) > 10 else ""
        texts = "; ".join(dict.fromkeys(str(i["text"])[:20] for i in items[:3]))
        word = "row" if len(items) == 1 else "rows"
        lines.append(f"{file}, {word} {rows}{more}: {len(items)} {_KINDS[kind]} "
                     f"{word} dropped, not read as enterprises or links ({texts})")
    for item in log.get("ignored_sheets", []):
        lines.append(f"{item['file']}[{item['sheet']}]: sheet not read: "
                     f"{item['reason']}")
    return lines


def load_summary(log: Mapping[str, Any], lang: str = "en") -> str:
    """One line counting what loading read, dropped, added and left blank.

    ``chaingraph info`` prints it last.

    Parameters
    ----------
    log : dict
        ``chain.meta["load_log"]`` of a chain read by
        :func:`~chaingraph.readwrite.read_chain` (layout in the Returns section
        there).
    lang : {"en", "zh"}
        The line's language.

    Returns
    -------
    str

    Examples
    --------
    >>> log = {"tables": [{"role": "enterprises", "data_rows": 9, "loaded": 7,
    ...                    "dropped": 2}], "added": ["x"], "ignored_sheets": [],
    ...        "blank": {"segment": 1, "region": 0, "output": 2}}
    >>> load_summary(log)
    'rows read: 9 (enterprises 9); dropped: 2 total/note/heading rows; added: 1 outside enterprises; sheets not read: 0; blank: segment 1 (未标注), region 0 (未标注), output 2 (未填报)'
    >>> load_summary(log, "zh")
    '读取 9 行（企业表 9）；删除合计/备注/标题行 2 行；补录区外企业 1 家；未读取工作表 0 个；空白：环节 1（未标注）、地区 0（未标注）、产值 2（未填报）'
    """
    tables = log.get("tables", [])
    read = sum(t["data_rows"] for t in tables)
    dropped = sum(t["dropped"] for t in tables)
    added, ignored = len(log.get("added", [])), len(log.get("ignored_sheets", []))
    if lang == "zh":
        roles = {"enterprises": "企业表", "links": "供应关系表"}
        parts = "、".join(f"{roles.get(t['role'], t['role'])} {t['data_rows']}"
                         for t in tables)
        blank = "、".join(f"{label('columns', k, 'zh')} {v}（{BLANK_LABELS.get(k, '')}）"
                         for k, v in (log.get("blank") or {}).items())
        return (f"读取 {read} 行（{parts}）；删除合计/备注/标题行 {dropped} 行；补录区外企业 "
                f"{added} 家；未读取工作表 {ignored} 个；空白：{blank or '无'}")
    parts = ", ".join(f"{t['role']} {t['data_rows']}" for t in tables)
    blank = ", ".join(f"{k} {v} ({BLANK_LABELS.get(k, '')})"
                      for k, v in (log.get("blank") or {}).items())
    return (f"rows read: {read} ({parts}); dropped: {dropped} total/note/heading rows; added: "
            f"{added} outside enterprises; sheets not read: {ignored}; blank: {blank}")


def header_rows(header_row: Any) -> tuple[int | None, int | None]:
    """``header_row``: N (the enterprise table) or (enterprises, links)."""
    if header_row is None:
        return None, None
    if isinstance(header_row, (tuple, list)) and len(header_row) == 2:
        return tuple(None if h is None else int(h) for h in header_row)  # type: ignore
    if isinstance(header_row, (int, np.integer)) and not isinstance(header_row, bool):
        return int(header_row), None
    raise ValueError(f"header_row must be a row number or a pair (enterprises, links), "
                     f"got {header_row!r}")


def sheet_choice(sheet: Any, sheets: Any) -> Any:
    """``sheet`` or ``sheets`` ("ENT,LINKS", "ENT,", ",LINKS" or a pair)."""
    if sheets is None:
        return sheet
    if sheet is not None:
        raise ValueError("pass sheet= or sheets=, not both")
    if isinstance(sheets, str):
        if "," not in sheets and "，" not in sheets:
            return sheets.strip()
        parts = [p.strip() or None for p in re.split("[,，]", sheets)]
    else:
        parts = list(sheets)
    if len(parts) != 2:
        raise ValueError(f"sheets must name the enterprise sheet and the link sheet "
                         f"('ENTERPRISES,LINKS'; leave one empty), got {sheets!r}")
    return tuple(parts)


def chain_log(loaded: Book, ent_frame: pd.DataFrame | None, link_frame: pd.DataFrame,
         by_name: int, renamed: int, unknown: str) -> dict[str, Any]:
    """The load log of what was read, dropped and added (see ``_loading``)."""
    tables = [(role, table, len(frame)) for role, table, frame in (
        ("enterprises", loaded.enterprises, ent_frame),
        ("links", loaded.links, link_frame)) if table is not None]
    ids = ent_frame[ID] if ent_frame is not None and ID in ent_frame.columns else None
    added: list[str] = []
    if (ids is not None and len(link_frame) and unknown == "add"
            and SUPPLIER in link_frame.columns and BUYER in link_frame.columns):
        ends = pd.Index(pd.concat([link_frame[SUPPLIER], link_frame[BUYER]]).dropna()
                        .unique(), dtype=object)  # object: ids of any kind (NaT too)
        added = [str(e) for e in ends[~ends.isin(ids.to_numpy(dtype=object))]]
    frame = ent_frame if ent_frame is not None else pd.DataFrame({ID: []})
    ignored = [(loaded.file or "", sheet, reason) for sheet, reason in loaded.ignored]
    return load_log(tables, ignored, frame, added, by_name, renamed)
