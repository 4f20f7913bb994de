"""Parse monetary amounts as people write them in spreadsheets.

``1,234.5``, ``12万``, ``3.5亿``, ``1.2e9``, ``￥8,000元``, ``2.5 million`` all become floats
(in the base unit, e.g. yuan); anything else is rejected with the reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AmountError", "format_amount", "parse_amount", "parse_amounts"]

#: Multipliers of the magnitude words and suffixes that may follow a number.
#: Longest first, so that ``万亿`` wins over ``亿``.
MULTIPLIERS: dict[str, float] = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "十亿": 1e9,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "billion": 1e9,
    "million": 1e6,
    "thousand": 1e3,
    "bn": 1e9,
    "b": 1e9,
    "m": 1e6,
    "k": 1e3,
}
_CURRENCY = re.compile(r"^(?:¥|￥|rmb|cny|\$|usd)|(?:元|人民币|rmb|cny|yuan|usd)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_SUFFIX = re.compile(
    "^(.*?)\\s*(" + "|".join(sorted(map(re.escape, MULTIPLIERS), key=len, reverse=True))
    + ")$"
)
#: Column kinds (``pandas.api.types.infer_dtype``) parsed without a per-cell check.
_HOMOGENEOUS = frozenset({"string", "floating", "integer", "mixed-integer-float", "empty"})
_MISSING_TEXT = frozenset({"", "-", "--", "—", "n/a", "na", "null", "none", "无", "空"})


#: Units whose amounts are shown with 万 / 亿 (the inverse of the parsing above).
YUAN_UNITS = frozenset({"yuan", "元", "cny", "rmb"})


def format_amount(value: Any, unit: str | None = None) -> str:
    """Short, readable amount for explanations: ``1.2亿``, ``3.5万``, ``6,250万``.

    Parameters
    ----------
    value : float or None
        The amount.
    unit : str, optional
        Appended after a space. Yuan-like units (and no unit) are shown with 万 / 亿;
        other units as a plain number with four significant digits.

    Returns
    -------
    str
        ``"not given"`` for a missing value, ``"unbounded"`` for infinity.

    Examples
    --------
    >>> [format_amount(x) for x in (1.2e8, 35_000, 6.25e7, 12, 0.5, 3e12)]
    ['1.2亿', '3.5万', '6,250万', '12', '0.5', '30,000亿']
    >>> format_amount(8.46e10, "yuan"), format_amount(1234.5, "t")
    ('846亿 yuan', '1,234 t')
    >>> format_amount(float("nan")), format_amount(float("inf"))
    ('not given', 'unbounded')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "not given"
    value = float(value)
    if math.isinf(value):
        return "unbounded"
    suffix = f" {unit}" if unit else ""
    if unit and unit.strip().lower() not in YUAN_UNITS:
        return f"{value:,.4g}{suffix}"
    for size, word in ((1e8, "亿"), (1e4, "万"), (1.0, "")):
        if abs(value) >= size or size == 1.0:
            scaled = value / size
            text = f"{scaled:,.0f}" if abs(scaled) >= 1000 else f"{scaled:.3g}"
            return text + word + suffix
    return f"{value:.3g}{suffix}"  # pragma: no cover


class AmountError(ValueError):
    """A cell that is not a valid amount; the message says why."""


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _MISSING_TEXT


def parse_amount(value: Any, *, scale: float = 1.0) -> float:
    """Parse one amount written the way people write amounts.

    Parameters
    ----------
    value : str, int or float
        The cell. Thousands separators (``,``, ``，``, spaces), currency marks
        (``¥``, ``元``, ``RMB``), Chinese magnitude words (``万``, ``亿``, ``万亿``, ...)
        and English suffixes (``k``, ``m``, ``bn``, ``million``, ...) are understood.
    scale : float, default 1.0
        Multiplier for plain numbers without a magnitude word, e.g. ``1e4`` when a
        sheet is in 万元. A number with its own magnitude word is not rescaled.

    Returns
    -------
    float
        The amount, ``nan`` for a blank cell (``""``, ``None``, ``-``, ``无``).

    Raises
    ------
    AmountError
        The cell is not a number, or is ``nan``/``inf`` written out, or is a boolean.

    Examples
    --------
    >>> parse_amount("1,234.5")
    1234.5
    >>> parse_amount("12万")
    120000.0
    >>> parse_amount("3.5亿")
    350000000.0
    >>> parse_amount("1.2e9")
    1200000000.0
    >>> parse_amount("￥8,000元")
    8000.0
    >>> parse_amount("12 万", scale=1e4)  # a magnitude word is not rescaled
    120000.0
    >>> parse_amount("12abc")
    Traceback (most recent call last):
    ...
    chaingraph.amounts.AmountError: '12abc' is not an amount (expected e.g. 1234.5, 1,234.5, 12万, 3.5亿 or 1.2e9)
    """
    if isinstance(value, (bool, np.bool_)):
        raise AmountError(f"{value!r} is a yes/no value, not an amount")
    if _is_blank(value):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise AmountError(f"{value!r} is not a finite amount")
        return number * scale
    if not isinstance(value, str):
        raise AmountError(f"{value!r} (a {type(value).__name__}) is not an amount")
    text = unicodedata.normalize("NFKC", value).strip().lower()
    text = text.replace("，", ",").replace("_", "").replace(" ", "").replace("\u3000", "")
    for _ in range(2):
        text = _CURRENCY.sub("", text).strip()
    factor = scale
    match = _SUFFIX.match(text)
    if match and match.group(1):
        text, factor = match.group(1), MULTIPLIERS[match.group(2)]
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if text in {"nan", "inf", "+inf", "-inf", "infinity", "-infinity"}:
        raise AmountError(f"{value!r} is not a finite amount")
    if not _NUMBER.match(text):
        raise AmountError(
            f"{value!r} is not an amount "
            "(expected e.g. 1234.5, 1,234.5, 12万, 3.5亿 or 1.2e9)"
        )
    number = float(text) * factor
    if not math.isfinite(number):
        raise AmountError(f"{value!r} is too large to be an amount")
    return number


def _plain_cells(raw: np.ndarray, quick: np.ndarray) -> np.ndarray:
    """Cells that are plain numbers (``quick`` holds their value) or missing."""
    if pd.api.types.infer_dtype(raw, skipna=True) in _HOMOGENEOUS:
        # only text or only numbers (no booleans, no odd objects): vectorised, and
        # a finite to_numeric result is exactly a plain number
        return np.isfinite(quick) | pd.isna(raw)
    return np.array(
        [(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
         or (isinstance(v, str) and _NUMBER.match(v.strip().lower()) is not None)
         for v in raw], dtype=bool,
    ) & np.isfinite(quick)


def parse_amounts(
    values: pd.Series | np.ndarray | list, *, scale: float = 1.0
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Parse a column of amounts, collecting every bad cell instead of stopping.

    Parameters
    ----------
    values : Series, array or list
        The column.
    scale : float, default 1.0
        Multiplier for plain numbers (see :func:`parse_amount`).

    Returns
    -------
    parsed : numpy.ndarray of float64
        The amounts; ``nan`` for blank cells and for bad cells.
    bad : list of (int, str)
        Position and reason for each cell that could not be parsed.

    Examples
    --------
    >>> parsed, bad = parse_amounts(["1,000", "2万", "", "x"])
    >>> parsed.tolist()[:2]
    [1000.0, 20000.0]
    >>> bad
    [(3, "'x' is not an amount (expected e.g. 1234.5, 1,234.5, 12万, 3.5亿 or 1.2e9)")]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        return np.full(n, np.nan), [(i, "a yes/no value, not an amount") for i in range(n)]
    if pd.api.types.is_numeric_dtype(series.dtype):
        with np.errstate(over="ignore", invalid="ignore"):
            parsed = series.to_numpy(dtype=np.float64, na_value=np.nan) * scale
        bad = [(int(i), f"{series.iloc[i]!r} is not a finite amount")
               for i in np.flatnonzero(np.isinf(parsed))]
        parsed[np.isinf(parsed)] = np.nan
        return parsed, bad
    if isinstance(series.dtype, pd.StringDtype):  # text column: no Python objects
        raw = series.array
        quick = pd.to_numeric(series, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
        plain = np.isfinite(quick) | series.isna().to_numpy()
    else:
        raw = series.to_numpy(dtype=object)
        quick = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=np.float64)
        plain = _plain_cells(raw, quick)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = quick * scale
    plain &= np.isfinite(scaled) | np.isnan(quick)  # overflow: reported cell by cell
    parsed = np.where(plain, scaled, np.nan)
    bad: list[tuple[int, str]] = []
    for i in np.flatnonzero(~plain):
        try:
            parsed[i] = parse_amount(raw[i], scale=scale)
        except AmountError as err:
            bad.append((int(i), str(err)))
    return parsed, bad
