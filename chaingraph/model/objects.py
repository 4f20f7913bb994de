"""Object arrays of text that share their strings.

A column of a million rows that repeats a few words (a finding's kind, an
enterprise's role, a region) costs 8 bytes a row as an object array when every
row points at one Python string per distinct value, and about 60 bytes more a row
when each row holds its own copy. numpy and pyarrow make such copies in places
that look harmless:

- ``np.full(n, "word", dtype=object)`` (and ``np.where`` with a string) makes one
  string per row;
- a pyarrow text column converted with ``to_numpy(dtype=object)`` makes one string
  per row, repeated or not (pandas 3 stores text as pyarrow by default, and a
  DataFrame built with a scalar ``"kind": "min_cut"`` holds such a column).

These helpers give the same values with one string per distinct value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model.idlookup import is_arrow_text

__all__ = ["FEW_DISTINCT", "filled", "text_objects"]

#: A pyarrow text column whose first ``10 * FEW_DISTINCT`` rows hold fewer than
#: this many distinct values is converted through its distinct values.
FEW_DISTINCT = 1000


def filled(n: int, value: Any) -> np.ndarray:
    """An object array of ``n`` rows, each holding ``value`` itself (one object).

    Examples
    --------
    >>> a = filled(3, "intermediate")
    >>> a.tolist(), a[0] is a[2]
    (['intermediate', 'intermediate', 'intermediate'], True)
    """
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def text_objects(series: pd.Series) -> np.ndarray:
    """A column as an object array, equal to ``series.to_numpy(dtype=object)``.

    A pyarrow text column with few distinct values (regions, segments, kinds) is
    converted through them: one Python string per distinct value, not per row,
    which is about ten times faster and holds far less memory at a million rows.
    Missing values are the column's own missing value, as ``to_numpy`` gives them.
    Any other column is converted by ``to_numpy``.

    Examples
    --------
    >>> s = pd.Series(["min_cut"] * 20_000 + [None], dtype="string[pyarrow]")
    >>> a = text_objects(s)
    >>> a[0] is a[19_999], a[-1] is pd.NA, len(a)
    (True, True, 20001)
    """
    if (is_arrow_text(series) and len(series) > 10 * FEW_DISTINCT
            and series.iloc[:10 * FEW_DISTINCT].nunique() < FEW_DISTINCT):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        table = np.append(np.asarray(uniques, dtype=object), series.dtype.na_value)
        return table[codes]  # code -1 (missing) -> the column's missing value
    return series.to_numpy(dtype=object)
