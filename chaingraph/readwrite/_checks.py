"""Checks of read_chain's arguments and of what a loaded chain looks like."""

from __future__ import annotations

import math
import numbers
import os
import unicodedata
import warnings
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainDataWarning
from chaingraph.model import SegmentTemplate
from chaingraph.model.idlookup import is_arrow_text

__all__ = ["check_read_arguments", "warn_lookalike_ids"]


def check_read_arguments(enterprises: Any, links: Any, template: Any, scale: Any,
                         exchange_rates: Any = None
                         ) -> tuple[SegmentTemplate | None, float, dict[str, float]]:
    """TypeError/ValueError naming the argument; a template name or unit resolved."""
    from chaingraph.readwrite._aliases import UNIT_FACTORS

    for name, value in (("enterprises", enterprises), ("links", links)):
        if value is not None and not isinstance(value, (str, os.PathLike, pd.DataFrame)):
            raise TypeError(f"read_chain: {name} must be a path or a DataFrame, got "
                            f"{type(value).__name__} {value!r:.60}")
    if isinstance(template, (str, os.PathLike)):
        from chaingraph.model.lookup import as_template

        template = as_template(template)
    elif template is not None and not isinstance(template, SegmentTemplate):
        raise TypeError("read_chain: template must be a SegmentTemplate, a built-in "
                        f"name or a file, got {type(template).__name__}")
    if isinstance(scale, str):
        key = unicodedata.normalize("NFKC", scale).strip().lower()
        if key not in UNIT_FACTORS:
            raise ValueError(f"read_chain: scale must be a number (1e4 for 万元) or a unit "
                             f"({', '.join(UNIT_FACTORS)}), got {scale!r}")
        scale = UNIT_FACTORS[key]
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"read_chain: scale must be a number, got {scale!r}")
    if not (math.isfinite(float(scale)) and float(scale) > 0):
        raise ValueError(f"read_chain: scale must be a finite number > 0, got {scale!r}")
    rates = {}
    for currency, rate in dict(exchange_rates or {}).items():
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not (
                math.isfinite(float(rate)) and float(rate) > 0):
            raise ValueError(f"read_chain: exchange_rates[{currency!r}] must be a number "
                             f"> 0 (yuan per unit), got {rate!r}")
        rates[str(currency).strip().upper()] = float(rate)
    return template, float(scale), rates


def warn_lookalike_ids(ids: Any, file: str | None) -> None:
    """Warn about ids that differ only in full-width/half-width form (NFKC-equal).

    ``ids``: the enterprise ids, an array or a Series (a pyarrow text column is
    checked without Python strings; all-ASCII ids need no check at all: NFKC
    leaves ASCII as it is).
    """
    array = _arrow_text(ids)
    if array is not None and _all_ascii(array):
        return
    text = pd.Series(np.asarray(ids, dtype=object), dtype=object)
    key = _nfkc_arrow(text, array)
    if key is None:  # no pyarrow, or not all ids are text
        text = text[text.map(lambda v: isinstance(v, str))]
        if text.empty:
            return
        key = text.str.normalize("NFKC")
    changed = (key != text).to_numpy()
    if not changed.any():
        return
    clash = key.duplicated(keep=False).to_numpy()
    groups = pd.Series(text.to_numpy()[clash]).groupby(key.to_numpy()[clash], sort=False)
    pairs = [tuple(group.tolist()[:2]) for _, group in groups]
    if pairs:
        shown = "; ".join(f"{a!r} and {b!r}" for a, b in pairs[:5])
        more = f" (and {len(pairs) - 5} more pairs)" if len(pairs) > 5 else ""
        warnings.warn(
            f"{file or 'enterprises'}: enterprises whose names differ only in "
            f"full-width/half-width form are kept apart: {shown}{more}; "
            "if they are one enterprise, use one spelling", ChainDataWarning,
            stacklevel=3)


def _arrow_text(ids: Any) -> Any:
    """The pyarrow array of a pyarrow-backed text Series without nulls, else None."""
    if not is_arrow_text(ids):
        return None
    import pyarrow as pa

    array = pa.array(ids.array)
    return None if array.null_count else array


def _all_ascii(array: Any) -> bool:
    import pyarrow.compute as pc

    return len(array) == 0 or pc.all(pc.string_is_ascii(array)).as_py() is True


def _nfkc_arrow(text: pd.Series, array: Any = None) -> pd.Series | None:
    """NFKC forms of an all-text column with pyarrow's vectorised kernel (a million ids
    in well under a second instead of about ten); None when it does not apply.
    ``array``: the same ids as a pyarrow array, when they already are one."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return None
    if array is None:
        try:
            array = pa.array(text.to_numpy(dtype=object), type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # ids of other kinds
            return None
    if array.null_count:
        return None
    key = pc.utf8_normalize(array, form="NFKC").to_numpy(zero_copy_only=False)
    return pd.Series(key, index=text.index, dtype=object)
