"""Arrow views of text columns held as Python objects (private).

A column of a million Python strings is searched, compared and stripped one cell at a
time by pandas' object paths (seconds per column in ``write_chain`` and
``read_chain``). :func:`arrow_text` gives the same cells as an Arrow array when they
are all text (or None), so that those searches run in Arrow's kernels; callers keep
their cell-by-cell path for anything else. Python's own rules stay exact: Arrow only
narrows the cells the Python rule is then applied to.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PY_WHITESPACE", "arrow_text", "edge_space", "is_text_dtype", "strip_text"]

#: The characters for which Python's ``str.isspace()`` is true (what ``str.strip()``
#: removes), Unicode 15; a test checks it against the running Python.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f"
                 "\u3000")


def is_text_dtype(dtype: Any) -> bool:
    """A pandas text dtype: ``str``/``string`` (either storage) or an Arrow string.

    Examples
    --------
    >>> import pyarrow as pa
    >>> [is_text_dtype(d) for d in ("str", pd.ArrowDtype(pa.large_string()), object)]
    [True, True, False]
    """
    if isinstance(dtype, str):
        dtype = pd.api.types.pandas_dtype(dtype)
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        return bool(pa.types.is_string(dtype.pyarrow_dtype)
                    or pa.types.is_large_string(dtype.pyarrow_dtype))
    return False


def arrow_text(values: Any) -> Any:
    """The cells of a text column as an Arrow array: a pyarrow-backed text column's
    own array; an object column's cells as ``large_string`` (None as null) when
    every cell is a ``str`` or None. Else None (another kind of value, a string
    UTF-8 cannot hold, text held by Python, or no pyarrow).

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None], dtype="str")).to_pylist()
    ['a', None]
    >>> arrow_text(pd.Series(["链", None], dtype=object)).to_pylist()
    ['链', None]
    >>> arrow_text(pd.Series(["a", float("nan")], dtype=object)) is None
    True
    >>> arrow_text(pd.Series(["a", b"=1"], dtype=object)) is None  # bytes are not text
    True
    """
    try:
        import pyarrow as pa
    except ImportError:  # a plain install: pyarrow is the ``parquet`` extra
        return None
    dtype = getattr(values, "dtype", None)
    if isinstance(values, pd.Series) and is_text_dtype(dtype):
        python = isinstance(dtype, pd.StringDtype) and dtype.storage != "pyarrow"
        return None if python else pa.array(values.array)  # the column's own, no copy
    cells = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        return None  # Arrow would take bytes (and NaN with None) as text too
    try:
        return pa.array(cells, type=pa.large_string(), from_pandas=False)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError, OverflowError):
        return None


def edge_space(array: Any) -> np.ndarray:
    """Mask of the cells of an Arrow text array whose first or last character is
    whitespace by Python's rule (the only cells ``str.strip()`` changes, and the
    only non-empty ones it can leave empty); null cells are False.

    Examples
    --------
    >>> import pyarrow as pa
    >>> edge_space(pa.array(["a ", "b", "\\u3000c", None, ""])).tolist()
    [True, False, True, False, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    spaces = pa.array(list(PY_WHITESPACE), type=array.type)
    first = pc.is_in(pc.utf8_slice_codeunits(array, 0, 1), value_set=spaces)
    last = pc.is_in(pc.utf8_slice_codeunits(array, -1), value_set=spaces)
    hit = pc.or_(first, last).fill_null(False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def strip_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``str.strip()`` of every text cell of an object column, as a new object array,
    and the mask of blank cells (missing, or empty once stripped). When
    :func:`arrow_text` can view the column (text or None only), only the cells with
    whitespace at an end are stripped in Python; else pandas' ``str.strip``.

    Examples
    --------
    >>> out, blank = strip_text(pd.Series([" 链 ", "", None, "a"], dtype=object))
    >>> out.tolist(), blank.tolist()
    (['链', '', None, 'a'], [False, True, True, False])
    """
    arrow = arrow_text(values)  # None without pyarrow (not a dependency of pandas)
    if arrow is None:
        text = values.str.strip()
        blank = text.isna().to_numpy() | (text == "").to_numpy(dtype=bool, na_value=False)
        return text.to_numpy(dtype=object, copy=True), blank
    import pyarrow.compute as pc

    cells = values.to_numpy(dtype=object, copy=True)
    edge = np.flatnonzero(edge_space(arrow))
    cells[edge] = [v.strip() for v in cells[edge]]
    empty = pc.or_kleene(arrow.is_null(), pc.equal(arrow, ""))
    blank = np.array(empty.to_numpy(zero_copy_only=False), dtype=bool)
    blank[edge] |= cells[edge] == ""
    return cells, blank
