"""Validation of the enterprise and link tables: every problem found, located.

Used by :meth:`chaingraph.model.Chain.from_frames`; the loaders in
:mod:`chaingraph.readwrite` fill in how files, rows and columns are named. The helpers
are public inside the package (no other module imports a private name of this one).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chaingraph._arrow_text import strip_text
from chaingraph._warnings import outside_stacklevel
from chaingraph.amounts import parse_amounts
from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.model.fields import (
    BUYER,
    ENTERPRISE_AMOUNTS,
    ID,
    LINK_AMOUNTS,
    OUTSIDE_REGION,
    PRODUCT,
    REGION,
    SEGMENT,
    SUPPLIER,
    VOLUME,
)
from chaingraph.model.idlookup import find_link_codes, is_arrow_text, look_again

if TYPE_CHECKING:
    from chaingraph.model.template import SegmentTemplate

__all__ = [
    "UNIT_WEIGHTS_MESSAGE",
    "Collector",
    "check_columns",
    "clean_ids",
    "coerce_amounts",
    "enterprises_from_links",
    "location",
    "map_segments",
    "present_items",
    "read_only",
    "report_duplicate_ids",
    "resolve_links",
    "warn_partial_amounts",
    "weight_as_volume",
]


def location(rows: Any, position: int) -> Any:
    """Row label shown to users for positional row ``position``."""
    return rows[position] if rows is not None else position


class Collector:
    """Collect problems for one table, located by file, row label and column."""

    def __init__(self, file: str | None, rows: Any, columns: Mapping[str, str]):
        self.file, self.rows, self.columns = file, rows, columns
        self.problems: list[Problem] = []

    def kept(self, keep: np.ndarray) -> Collector:
        """A collector for the rows ``keep`` selects, adding to the same problems."""
        rows = np.arange(len(keep)) if self.rows is None else np.asarray(self.rows)
        view = Collector(self.file, rows[keep], self.columns)
        view.problems = self.problems
        return view

    def add(self, message: str, position: int | None = None, column: str | None = None):
        row = None if position is None else location(self.rows, position)
        shown = None if column is None else self.columns.get(column, column)
        self.problems.append(Problem(message, self.file, row, shown))

    def add_many(self, message: str, positions: Iterable[int], column: str | None,
                 limit: int = 50) -> None:
        positions = list(positions)
        for position in positions[:limit]:
            self.add(message, position, column)
        if len(positions) > limit:
            self.add(f"... and {len(positions) - limit} more rows like this", None, column)


#: ``pandas.api.types.infer_dtype`` kinds of id columns that need no per-cell check.
_PLAIN_ID_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "boolean",
                             "empty", "decimal"})


def clean_ids(series: pd.Series, col: str, out: Collector) -> tuple[Any, bool]:
    """Return ids with strings stripped and blanks missing; report blank/unhashable ids.

    Vectorised for the common columns (text or numbers): a text column stays in its
    string dtype (no Python objects at national scale), others become a new object
    array; only columns mixing odd types are checked cell by cell. The flag says
    whether the ids are the cells as given (nothing stripped or blank), so that
    lookups already done on the given cells still hold.
    """
    if isinstance(series.dtype, pd.StringDtype):
        text = series.str.strip()
        blank = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool, na_value=False)
        if blank.any():
            text = text.mask(blank)
            out.add_many("blank id: every row needs one", np.flatnonzero(blank), col)
            return text.array, False
        return text.array, _same_text(series, text)
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        # int64 ids: nothing to clean, fast lookups
        return series.to_numpy(copy=True), True
    values = series.to_numpy(dtype=object, copy=True)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        values, blank = strip_text(pd.Series(values, dtype=object))
    elif kind in _PLAIN_ID_KINDS:
        blank = pd.isna(values)
    else:
        blank = _check_id_cells(values, col, out)
    if blank.any():
        values[blank] = None
        out.add_many("blank id: every row needs one", np.flatnonzero(blank), col)
    return values, False


def _same_text(given: pd.Series, stripped: pd.Series) -> bool:
    """Whether stripping changed no cell: it only removes characters, so the same
    total length means the same text."""
    if given.dtype.storage != "pyarrow" or stripped.dtype.storage != "pyarrow":
        return bool(given.equals(stripped))
    import pyarrow as pa
    import pyarrow.compute as pc

    def total(series: pd.Series) -> int:
        return pc.sum(pc.binary_length(pa.array(series.array))).as_py() or 0

    return total(given) == total(stripped)


def _check_id_cells(values: np.ndarray, col: str, out: Collector) -> np.ndarray:
    """Cell-by-cell check of a column mixing types: strip strings, find blanks."""
    blank = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None or v is pd.NA or v is pd.NaT or (
                isinstance(v, (float, np.datetime64)) and np.isnan(v)):
            blank[i] = True
        elif isinstance(v, str):
            values[i] = v.strip()
            blank[i] = not values[i]
        elif not isinstance(v, Hashable) or not _hashes(v):
            out.add(f"{v!r} cannot be an id (not hashable)", i, col)
            blank[i] = True
    return blank


def _hashes(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def coerce_amounts(frame: pd.DataFrame, columns: Iterable[str], out: Collector,
                    scale: float) -> None:
    """Parse amount columns in place (on our own copy), reporting bad cells."""
    for col in columns:
        if col not in frame.columns:
            continue
        parsed, bad = parse_amounts(frame[col], scale=scale)
        for position, reason in bad:
            out.add(reason, position, col)
        negative = np.flatnonzero(parsed < 0)
        out.add_many("negative amount: amounts must be >= 0", negative, col)
        frame[col] = parsed


def check_columns(frame: pd.DataFrame, required: Iterable[str], out: Collector) -> bool:
    missing = [c for c in required if c not in frame.columns]
    for col in missing:
        shown = out.columns.get(col, col)
        out.problems.append(Problem(
            f"missing required column {shown!r} (found: {', '.join(map(str, frame.columns))};"
            " pass a column mapping if it has another name)", out.file, None, shown))
    return not missing


def enterprises_from_links(links: pd.DataFrame | None) -> pd.DataFrame:
    """Enterprise table of the suppliers and buyers named in (cleaned) links."""
    if links is None:
        return pd.DataFrame({ID: pd.Series([], dtype=object)})
    ids = pd.concat([links[SUPPLIER], links[BUYER]], ignore_index=True)
    return pd.DataFrame({ID: ids[ids.notna()].unique()})


def present_items(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out = {}
    for key, value in pairs:
        if value is None or value is pd.NA:
            continue
        if isinstance(value, float) and np.isnan(value):
            continue
        out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def resolve_links(enterprises: pd.DataFrame, links: pd.DataFrame, out: Collector,
                   unknown: str, self_loops: str, duplicates: str,
                   hints: Mapping[str, np.ndarray] | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Check link ends, self-loops and duplicate pairs; add or merge as asked.

    ``hints``: codes of link ends already looked up by the caller, for unique ids
    only (see :func:`find_link_codes`). Also returns what was computed on the way
    and stays valid for the chain (the ``link_codes`` cached property), so kernels
    need not redo it.
    """
    blank = links[SUPPLIER].isna().to_numpy() | links[BUYER].isna().to_numpy()
    given = len(enterprises)
    codes = find_link_codes(enterprises[ID], links, hints, blank)
    for col in (SUPPLIER, BUYER):
        code = codes[col]
        if len(enterprises) > given:  # ids were added (appended) for the suppliers
            code = look_again(code, enterprises[ID], links[col],
                               np.flatnonzero((code < 0) & ~blank))
        missing = np.flatnonzero((code < 0) & ~blank)
        if len(missing) and unknown == "add":
            values = links[col].to_numpy(dtype=object)
            new = pd.unique(values[missing])
            extra = pd.DataFrame({ID: _ids_like(new, enterprises[ID])})
            extra[REGION], extra["added"] = OUTSIDE_REGION, True
            enterprises = pd.concat([enterprises, extra], ignore_index=True)
            # ids are appended: every end found before keeps its first occurrence
            code = look_again(code, enterprises[ID], links[col], missing)
        else:
            values = links[col].to_numpy(dtype=object) if len(missing) else None
            for i in missing[:50]:
                out.add(f"unknown enterprise {values[i]!r} (not in the enterprise table; "
                        "pass unknown='add' to add it as an outside enterprise)", i, col)
            if len(missing) > 50:
                out.add(f"... and {len(missing) - 50} more links to unknown enterprises",
                        None, col)
        codes[col] = code
    # ids added for unknown buyers are appended: supplier codes stay valid
    # find_link_codes gives arrays of its own: no copy
    src = codes[SUPPLIER].astype(np.int64, copy=False)
    dst = codes[BUYER].astype(np.int64, copy=False)
    valid = (src >= 0) & (dst >= 0)
    if valid.all():
        links = _ends_as_ids(links, enterprises[ID], src, dst)
    loops = np.flatnonzero(valid & (src == dst))
    if len(loops) and self_loops == "error":
        out.add_many("self-loop: an enterprise cannot supply itself (pass "
                     "self_loops='keep' or 'drop' if this is intended)", loops, BUYER)
    elif len(loops) and self_loops == "drop":
        keep = np.ones(len(links), dtype=bool)
        keep[loops] = False
        links, src, dst, valid = links[keep], src[keep], dst[keep], valid[keep]
        out = out.kept(keep)  # rows of the links left are named as in the table
    key = src * (len(enterprises) + 1) + dst
    ordered = np.sort(key[valid])  # sorting is far faster than hashing 5M keys
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():
        dup = pd.Series(key).duplicated(keep=False).to_numpy() & valid
    else:
        dup = np.zeros(len(key), dtype=bool)
    cache: dict[str, Any] = {"link_codes": (read_only(src), read_only(dst))}
    if dup.any() and duplicates == "error":
        _report_duplicate_links(links, key, dup, out)
    elif dup.any():
        _warn_merged(links, key, dup, out)
        links = _merge_duplicates(links.assign(_key=key))
        cache = {}
    return enterprises.reset_index(drop=True), links.reset_index(drop=True), cache


def _ends_as_ids(links: pd.DataFrame, ids: pd.Series, src: np.ndarray, dst: np.ndarray
                 ) -> pd.DataFrame:
    """Link ends held in another dtype than the ids (``1.0`` or ``"1001"`` for the id
    ``1001``) as the ids they name: one value per enterprise, whichever table names
    it (a graph file names nodes by text and found two)."""
    for col, code in ((SUPPLIER, src), (BUYER, dst)):
        if links[col].dtype != ids.dtype:
            links = links.assign(**{col: pd.Series(ids.array.take(code),
                                                   index=links.index)})
    return links


def _ids_like(new: np.ndarray, ids: pd.Series) -> pd.Series:
    """Added ids in the dtype of the enterprise ids when they fit it (text ids stay
    in the string dtype, as in a chain built without added enterprises)."""
    if isinstance(ids.dtype, pd.StringDtype) and all(isinstance(v, str) for v in new):
        return pd.Series(new, dtype=ids.dtype)
    return pd.Series(new, dtype=object)


def _report_duplicate_links(links: pd.DataFrame, key: np.ndarray, dup: np.ndarray,
                            out: Collector) -> None:
    first: dict[int, int] = {}
    for i in np.flatnonzero(dup):
        k = int(key[i])
        if k in first:
            out.add(f"duplicate link {links[SUPPLIER].iat[i]!r} -> "
                    f"{links[BUYER].iat[i]!r} (first in row "
                    f"{location(out.rows, first[k])}; pass duplicates='sum' to merge)",
                    i, BUYER)
        else:
            first[k] = i


def _warn_merged(links: pd.DataFrame, key: np.ndarray, dup: np.ndarray,
                 out: Collector) -> None:
    """Name the rows ``duplicates="sum"`` merges, and the links whose amount is
    given on some of their rows only (the merged amount sums the given ones)."""
    rows = np.flatnonzero(dup)
    groups = pd.Series(rows).groupby(key[rows], sort=False).agg(list)
    shown = [" + ".join(f"row {location(out.rows, i)}" for i in group) + f" "
             f"({links[SUPPLIER].iat[group[0]]!r} -> {links[BUYER].iat[group[0]]!r})"
             for group in groups.head(5)]
    more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
    partial = []
    for col in LINK_AMOUNTS:
        if col in links.columns:
            blank = pd.isna(links[col].to_numpy()[rows])
            some = pd.Series(blank).groupby(key[rows], sort=False).agg(["any", "all"])
            count = int((some["any"] & ~some["all"]).sum())
            if count:
                verb = "has" if count == 1 else "have"
                partial.append(f"{count} of them {verb} {out.columns.get(col, col)!r} on "
                               "some rows only: blank counts as not given, the merged "
                               "amount sums the given ones")
    warnings.warn(
        f"{out.file or 'links'}: {len(rows)} rows are {len(groups)} duplicate links, "
        f"summed into one each (duplicates='sum'): {'; '.join(shown)}{more}"
        + (f". {'; '.join(partial)}" if partial else ""), ChainDataWarning,
        stacklevel=outside_stacklevel())


def _merge_duplicates(links: pd.DataFrame) -> pd.DataFrame:
    agg: dict[str, Any] = {}
    for col in links.columns:
        if col == "_key":
            continue
        if col in LINK_AMOUNTS:
            agg[col] = lambda s: s.sum(min_count=1)
        elif col == PRODUCT:
            agg[col] = lambda s: "; ".join(dict.fromkeys(str(v) for v in s if pd.notna(v)))
        else:
            agg[col] = "first"
    merged = links.groupby("_key", sort=False).agg(agg)
    return merged.reset_index(drop=True)


def warn_partial_amounts(enterprises: pd.DataFrame, links: pd.DataFrame) -> None:
    """Warn when an amount column is given for some rows but not all."""
    for table, frame, cols in (("enterprise", enterprises, ENTERPRISE_AMOUNTS),
                               ("link", links, LINK_AMOUNTS)):
        for col in cols:
            if col in frame.columns:
                missing = int(frame[col].isna().sum())
                if 0 < missing < len(frame):
                    warnings.warn(
                        f"{missing} of {len(frame)} {table}s have no {col!r}; analyses "
                        f"treat a missing {col} as unknown (see each analysis's Notes)",
                        ChainDataWarning, stacklevel=3)


def map_segments(template: SegmentTemplate, column: pd.Series, out: Collector
             ) -> pd.Series:
    """Segment labels -> template ids, resolving each distinct label once."""
    # text columns are factorised in their own (pyarrow) form: no Python strings
    cells = column if is_arrow_text(column) else column.to_numpy(dtype=object)
    codes, labels = pd.factorize(cells, use_na_sentinel=True)
    labels = np.asarray(labels, dtype=object)
    resolved = np.empty(len(labels) + 1, dtype=object)
    resolved[:] = None
    for k, label in enumerate(labels):
        if isinstance(label, str) and not label.strip():
            continue
        sid = template.resolve(str(label))
        if sid is None:
            positions = np.flatnonzero(codes == k)
            hint = template.suggest(label)
            hint = (f"是否指 {hint}？" if hint else "请改用模板环节名，或用 segments=... "
                    "给出对照表。") + f" (segment not in template {template.name!r})"
            out.add_many(f"{str(label)!r} 不是模板环节；{hint}", positions, SEGMENT,
                         limit=3)
        else:
            resolved[k] = sid
    return pd.Series(resolved[codes], index=column.index, dtype=object)


def report_duplicate_ids(ids: pd.Series, out: Collector) -> bool:
    """Report every repeated (non-blank) id, naming the row it was first seen in.

    Returns whether the ids are unique and none is blank.
    """
    if ids.is_unique and not ids.hasnans:  # one hash pass in the common case
        return True
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    first: dict[Any, int] = {}
    for i in np.flatnonzero(dup):
        key = ids.iat[i]
        if key in first:
            out.add(f"duplicate id {key!r} (first seen in row "
                    f"{location(out.rows, first[key])})", i, ID)
        else:
            first[key] = i
    return False


#: Start of the warning for a networkx graph without edge weights.
UNIT_WEIGHTS_MESSAGE = "networkx graph has no edge"


def weight_as_volume(links: pd.DataFrame, weight: str | None, *, explicit: bool
                     ) -> pd.DataFrame:
    """networkx habit: the edge ``weight`` (or ``volume``) attribute is the volume."""
    if weight is None or explicit or not len(links):
        return links
    if weight == "weight" and VOLUME in links.columns:
        return links  # an explicit volume attribute wins over networkx's weight
    if weight in links.columns:
        if weight == VOLUME:
            return links
        return links.drop(columns=[VOLUME], errors="ignore").rename(columns={weight: VOLUME})
    if weight != "weight":
        raise ChainDataError(Problem(
            f"no edge has the attribute {weight!r} chosen as weight "
            f"(edge attributes: {sorted(c for c in links.columns if c not in (SUPPLIER, BUYER))})",
            file="graph edges", column=weight))
    warnings.warn(f"{UNIT_WEIGHTS_MESSAGE} 'weight' or 'volume' attribute: every link "
                  "weighs 1 (pass weight='ATTRIBUTE' to choose one, weight=None for unit "
                  "weights without this warning)", ChainDataWarning,
                  stacklevel=outside_stacklevel())
    return links


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view: arrays a Chain hands out never alias writable state."""
    view = array.view()
    view.flags.writeable = False
    return view
