"""Where link ends are among the enterprise ids: hash lookups at national scale.

Used by :func:`chaingraph.model.validation.resolve_links` and by the loaders (which
look up link ends once, while resolving names, and hand the codes on as hints).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model.fields import BUYER, SUPPLIER

__all__ = ["PARALLEL_LOOKUP_ROWS", "OwnCodes", "find_link_codes", "first_index",
           "is_arrow_text", "look_again", "lookup", "lookup_all", "points_at",
           "scan_positions"]

#: Link columns at least this long are looked up on two threads (:func:`lookup_all`).
PARALLEL_LOOKUP_ROWS = 200_000


def lookup(ids: pd.Series, targets: pd.Series) -> np.ndarray:
    """Position (int64) of each target among ``ids`` (first occurrence); -1 if absent.

    Text columns are matched with pyarrow's hash lookup when available, integer
    columns through an int64 index; anything else through an object index.
    """
    if is_arrow_text(ids) and is_arrow_text(targets):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(targets.array), value_set=pa.array(ids.array),
                            skip_nulls=True)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    if (pd.api.types.is_integer_dtype(ids.dtype)
            and pd.api.types.is_integer_dtype(targets.dtype)):
        index = pd.Index(ids.to_numpy())
        if index.is_unique:
            return index.get_indexer(targets.to_numpy()).astype(np.int64)
    index = first_index(ids)
    values = pd.Index(targets.to_numpy(dtype=object), dtype=object)
    return index.get_indexer(values).astype(np.int64)


class OwnCodes(dict):
    """Link ends' codes (column -> int64 array) that a loader found with
    :func:`lookup` on the very cells it passes on with them, handed over.

    :func:`find_link_codes` takes them as they are, without the check and the copy
    a caller's hints get: a reader of 5,000,000 links spent 0.3 s checking the codes
    it had just looked up and 0.1 s copying them. Only for that use: codes of other
    cells would give a wrong chain.
    """


def find_link_codes(ids: pd.Series, links: pd.DataFrame,
                    hints: Mapping[str, np.ndarray] | None, blank: np.ndarray
                    ) -> dict[str, np.ndarray]:
    """:func:`lookup` of the suppliers and buyers among unique ``ids``, using hints;
    int64 arrays of its own (no caller's array).

    A hint (codes from :func:`lookup` on the same cells, e.g. while a loader
    resolved names) is checked, not trusted: each code must point at an equal id
    (the only one: ids are unique), and every end it did not find (except ``blank``
    ones) is looked up again. A wrong hint costs time, never a wrong code. Hints
    given as :class:`OwnCodes` are not checked (they only need their ends not found
    looked up again). The columns without a usable hint are looked up together
    (:func:`lookup_all`).
    """
    own = isinstance(hints, OwnCodes)
    codes: dict[str, np.ndarray] = {}
    for col in (SUPPLIER, BUYER):
        hint = (hints or {}).get(col)
        if hint is None or len(hint) != len(links):
            continue
        code = np.asarray(hint, dtype=np.int64) if own else np.array(hint, dtype=np.int64)
        found = code >= 0
        if not (code >= len(ids)).any() and (
                own or points_at(ids, links[col], code, found)):
            codes[col] = look_again(code, ids, links[col], np.flatnonzero(~found & ~blank))
    todo = [col for col in (SUPPLIER, BUYER) if col not in codes]
    codes.update(zip(todo, lookup_all(ids, [links[col] for col in todo]), strict=True))
    return codes


def lookup_all(ids: pd.Series, targets: Sequence[pd.Series]) -> list[np.ndarray]:
    """:func:`lookup` of several columns among the same ids.

    Large pyarrow text columns are looked up on two threads at once (pyarrow's
    hash lookup releases the GIL; each builds its own hash set of the ids).
    """
    if (len(targets) > 1 and (os.cpu_count() or 1) > 1 and is_arrow_text(ids)
            and all(is_arrow_text(t) and len(t) >= PARALLEL_LOOKUP_ROWS for t in targets)):
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda targets: lookup(ids, targets), targets))
    return [lookup(ids, t) for t in targets]


def look_again(code: np.ndarray, ids: pd.Series, targets: pd.Series,
                positions: np.ndarray) -> np.ndarray:
    """``code`` with the ends at ``positions`` looked up (again) among ``ids``."""
    if not len(positions):
        return code
    code = code.copy()
    code[positions] = lookup(ids, targets.iloc[positions])
    return code


def points_at(ids: pd.Series, targets: pd.Series, code: np.ndarray,
               found: np.ndarray) -> bool:
    """Whether ``ids[code] == targets`` wherever ``found`` (text or integer ids)."""
    if not found.any():
        return True
    if is_arrow_text(ids) and is_arrow_text(targets):
        import pyarrow as pa
        import pyarrow.compute as pc

        given = pa.array(targets.array)
        if not found.all():
            given = pc.filter(given, pa.array(found))
        known = _one_array(ids)  # take from one array: far faster
        same = pc.equal(pc.take(known, pa.array(code[found])), given)
        return same.null_count == 0 and pc.all(same).as_py() is True
    if (pd.api.types.is_integer_dtype(ids.dtype)
            and pd.api.types.is_integer_dtype(targets.dtype)):
        return bool(np.array_equal(ids.to_numpy()[code[found]],
                                   targets.to_numpy()[found]))
    return False


def scan_positions(ids: pd.Series, targets: Sequence[str]) -> np.ndarray:
    """Position (int64) of each text target among unique pyarrow text ``ids``; -1 if
    absent. One pass over the ids against a hash set of the targets: for a few
    targets among a million ids it takes about 20 ms, where a hash table of the ids
    (what ``pd.Index.get_indexer`` builds on its first call) takes 0.2-0.3 s.

    Examples
    --------
    >>> ids = pd.Series(["a", "b", "c"], dtype=pd.StringDtype("pyarrow"))
    >>> scan_positions(ids, ["c", "x", "a", "c"]).tolist()
    [2, -1, 0, 2]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    known = _one_array(ids)
    wanted = pa.array(list(targets), type=known.type)
    where = pc.is_in(known, value_set=wanted, skip_nulls=True)
    positions = np.flatnonzero(where.to_numpy(zero_copy_only=False))
    found = pc.index_in(wanted, value_set=pc.take(known, pa.array(positions)))
    at = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(at >= 0, np.append(positions, -1)[at], -1).astype(np.int64)


def _one_array(column: pd.Series) -> Any:
    """A pyarrow text column as one contiguous pyarrow array (chunks combined)."""
    import pyarrow as pa

    values = pa.array(column.array)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def is_arrow_text(series: Any) -> bool:
    """Whether a column (Series or array) is pandas text stored as pyarrow.

    Examples
    --------
    >>> is_arrow_text(pd.Series(["a"], dtype=object))
    False
    """
    dtype = getattr(series, "dtype", None)
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def first_index(ids: pd.Series) -> pd.Index:
    """Index of ids for lookups; with duplicate ids (already reported) the first wins."""
    values = ids.to_numpy(dtype=object)
    index = pd.Index(values, dtype=object)
    if index.is_unique:
        return index
    return pd.Index(pd.unique(values), dtype=object)
