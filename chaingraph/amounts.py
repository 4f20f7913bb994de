"""Parse monetary amounts as people write them in spreadsheets.

``1,234.5``, ``12万``, ``3.5亿``, ``1.2e9``, ``￥8,000元``, ``2.5 million`` all become floats
(in the base unit, e.g. yuan); anything else is rejected with the reason.
"""

from __future__ import annotations

import decimal
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_AMOUNT", "AmountError", "format_amount", "header_amount_unit",
           "parse_amount", "parse_amounts", "quantity_unit", "unit_factor"]

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
_CURRENCY = re.compile(r"^(?:¥|￥|rmb|cny|人民币)|(?:元|人民币|rmb|cny|yuan)$")
#: Foreign currency marks -> ISO code; amounts in them need an exchange rate.
FOREIGN_CURRENCIES: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "美元": "USD", "dollars": "USD",
    "dollar": "USD", "hk$": "HKD", "hkd": "HKD", "港元": "HKD", "港币": "HKD",
    "eur": "EUR", "€": "EUR", "欧元": "EUR", "gbp": "GBP", "£": "GBP", "英镑": "GBP",
    "jpy": "JPY", "日元": "JPY",
}
_MARKS = sorted(map(re.escape, FOREIGN_CURRENCIES), key=len, reverse=True)
_FOREIGN = re.compile(f"^({'|'.join(_MARKS)})|({'|'.join(_MARKS)})$")
#: Larger amounts are rejected: no real amount comes near, and sums must stay finite.
MAX_AMOUNT = 1e100
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_SUFFIX = re.compile(
    "^(.*?)\\s*(" + "|".join(sorted(map(re.escape, MULTIPLIERS), key=len, reverse=True))
    + ")$"
)
#: Column kinds (``pandas.api.types.infer_dtype``) parsed without a per-cell check.
_HOMOGENEOUS = frozenset({"string", "floating", "integer", "mixed-integer-float", "empty"})
#: Cells meaning "not given" (compared after NFKC: a full-width － is a -).
_MISSING_TEXT = frozenset({"", "-", "--", "—", "——", "/", "n/a", "na", "null", "none", "无",
                           "空", "暂无", "不详", "未知"})


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
    return isinstance(value, str) and (
        value.strip().lower() in _MISSING_TEXT
        or unicodedata.normalize("NFKC", value).strip().lower() in _MISSING_TEXT)


def parse_amount(value: Any, *, scale: float = 1.0,
                 exchange_rates: Mapping[str, float] | None = None) -> float:
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
    exchange_rates : dict, optional
        Yuan per unit of foreign currency (``{"USD": 7.1}``). A cell stated in a
        foreign currency (``USD 5``, ``$5 million``, ``5万美元``) is converted with
        its rate, and rejected when there is none.

    Returns
    -------
    float
        The amount, ``nan`` for a blank cell (``""``, ``None``, ``-``, ``无``).

    Raises
    ------
    AmountError
        The cell is not a number, or is ``nan``/``inf`` written out, or is a boolean,
        or is larger than :data:`MAX_AMOUNT`, or is in a currency without a rate.

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
    >>> parse_amount("$5 million", exchange_rates={"USD": 7.1})
    35500000.0
    >>> parse_amount("12abc")
    Traceback (most recent call last):
    ...
    chaingraph.amounts.AmountError: '12abc' is not an amount (expected e.g. 1234.5, 1,234.5, 12万, 3.5亿 or 1.2e9)
    """
    if isinstance(value, (bool, np.bool_)):
        raise AmountError(f"{value!r} is a yes/no value, not an amount")
    if _is_blank(value):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating, decimal.Decimal)):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise AmountError(f"{value!r} is not a finite amount")
        return _checked(number * scale, value)
    if not isinstance(value, str):
        raise AmountError(f"{value!r} (a {type(value).__name__}) is not an amount")
    text = unicodedata.normalize("NFKC", value).strip().lower()
    text = text.replace("，", ",").replace("_", "").replace(" ", "").replace("\u3000", "")
    currency = None
    for _ in range(2):  # a foreign mark first: 美元, 港元, 日元 end with 元
        match = _FOREIGN.search(text)
        if match:
            currency = FOREIGN_CURRENCIES[match.group(1) or match.group(2)]
            text = (text[match.end():] if match.group(1) else text[:match.start()]).strip()
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
    if currency is not None:
        rate = (exchange_rates or {}).get(currency)
        if rate is None:
            raise AmountError(
                f"{value!r} is in {currency}: pass exchange_rates={{'{currency}': "
                f"<yuan per {currency}>}} (CLI: --exchange-rate {currency}=7.1) to "
                "convert it; foreign amounts are never read as yuan")
        number *= rate
    return _checked(number, value)


def _checked(number: float, value: Any) -> float:
    if not math.isfinite(number) or abs(number) > MAX_AMOUNT:
        raise AmountError(f"{value!r} is too large to be an amount (at most "
                          f"{MAX_AMOUNT:.0e})")
    return number


def header_amount_unit(header: Any) -> tuple[float, str | None]:
    """Multiplier and foreign currency named by a header's unit, else ``(1.0, None)``.

    The unit is in trailing brackets (``金额（万元）``, ``产值(百万)``) or after a
    slash (``金额/万元``).

    Examples
    --------
    >>> header_amount_unit("金额（万元）"), header_amount_unit("产值(百万)")
    ((10000.0, None), (1000000.0, None))
    >>> header_amount_unit("金额/万元"), header_amount_unit("金额（万美元）")
    ((10000.0, None), (10000.0, 'USD'))
    >>> header_amount_unit("重量（吨）")
    (1.0, None)
    """
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    match = _HEADER_UNIT.match(text)
    if not match:
        return 1.0, None
    if not match.group(1):
        return 1.0, None
    unit = unit_factor(match.group(2) or match.group(3) or "")
    return unit if unit is not None else (1.0, None)


#: Units of quantities that are not money, with an optional magnitude and per-year
#: (a capacity in 万辆 or 万吨 is not one in 万元).
_QUANTITY_UNIT = re.compile(
    r"^(?:万|千|百|十|亿)?(?:吨|t|辆|台|套|件|个|只|片|颗|箱|株|头|人|户|条|座|张|块|支|平方米|"
    r"立方米|m2|m3|公斤|千克|kg|kt|mt|千瓦时|千瓦|兆瓦|瓦|kwh|mwh|gwh|twh|kw|mw|gw|%|‰)"
    r"(?:/(?:年|月|日|天|小时|a|y|m|d|h))?$")


def quantity_unit(header: Any) -> str | None:
    """The unit a header names when it is a quantity, not money; else None.

    Examples
    --------
    >>> quantity_unit("年产能（万辆）"), quantity_unit("产能/万吨"), quantity_unit("产能（万元）")
    ('万辆', '万吨', None)
    >>> quantity_unit("产值（2024年）") is None  # not a unit
    True
    """
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    match = _HEADER_UNIT.match(text)
    if not match or not match.group(1):
        return None
    unit = (match.group(2) or match.group(3) or "").replace(" ", "")
    return unit if _QUANTITY_UNIT.match(unit) else None


def unit_factor(unit: str) -> tuple[float, str | None] | None:
    """``"万美元"`` -> ``(1e4, "USD")``, ``"百万"`` -> ``(1e6, None)``; None: not money."""
    text = unicodedata.normalize("NFKC", unit).strip().lower().replace(" ", "")
    if not text:
        return None
    currency = None
    match = _FOREIGN.search(text)
    if match:
        currency = FOREIGN_CURRENCIES[match.group(1) or match.group(2)]
        text = text[match.end():] if match.group(1) else text[:match.start()]
    else:
        stripped = text
        while (shorter := _CURRENCY.sub("", stripped)) != stripped:  # 万元人民币
            stripped = shorter
        if stripped == text and text not in _HEADER_MAGNITUDES:
            return None  # no currency and not a bare magnitude: 吨, 件, %, ...
        text = stripped
    if not text:
        return 1.0, currency
    factor = _HEADER_MAGNITUDES.get(text)
    return None if factor is None else (factor, currency)


#: Magnitudes a header unit may name (not ``m``, ``k``: metres, kilograms, ...).
_HEADER_MAGNITUDES = {k: v for k, v in MULTIPLIERS.items() if not k.isascii() or len(k) > 2}
_HEADER_UNIT = re.compile(
    r"^(.*?)\s*(?:[(\[（【]\s*([^()\[\]（）【】]*?)\s*[)\]）】]|[/／]\s*([^/／]+?))$")


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
    values: pd.Series | np.ndarray | list, *, scale: float = 1.0,
    currency: str | None = None, exchange_rates: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Parse a column of amounts, collecting every bad cell instead of stopping.

    Parameters
    ----------
    values : Series, array or list
        The column.
    scale : float, default 1.0
        Multiplier for plain numbers (see :func:`parse_amount`).
    currency : str, optional
        The column's plain numbers are in this foreign currency (a header
        ``金额（万美元）``): converted with ``exchange_rates``.
    exchange_rates : dict, optional
        Yuan per unit of foreign currency, for the column and for cells such as
        ``USD 5``.

    Returns
    -------
    parsed : numpy.ndarray of float64
        The amounts; ``nan`` for blank cells and for bad cells.
    bad : list of (int, str)
        Position and reason for each cell that could not be parsed.

    Raises
    ------
    AmountError
        ``currency`` is given without a rate for it.

    Examples
    --------
    >>> parsed, bad = parse_amounts(["1,000", "2万", "", "x"])
    >>> parsed.tolist()[:2]
    [1000.0, 20000.0]
    >>> bad
    [(3, "'x' is not an amount (expected e.g. 1234.5, 1,234.5, 12万, 3.5亿 or 1.2e9)")]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if currency is not None:
        rate = (exchange_rates or {}).get(currency)
        if rate is None:
            raise AmountError(
                f"the amounts are in {currency}: pass exchange_rates={{'{currency}': "
                f"<yuan per {currency}>}} (CLI: --exchange-rate {currency}=7.1) to "
                "convert them; foreign amounts are never read as yuan")
        scale = scale * rate
    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        return np.full(n, np.nan), [(i, "a yes/no value, not an amount") for i in range(n)]
    if pd.api.types.is_numeric_dtype(series.dtype):
        with np.errstate(over="ignore", invalid="ignore"):
            parsed = series.to_numpy(dtype=np.float64, na_value=np.nan) * scale
        wrong = np.isinf(parsed) | (np.abs(parsed) > MAX_AMOUNT)
        bad = [(int(i), f"{series.iloc[i]!r} is not a finite amount (at most "
                f"{MAX_AMOUNT:.0e})") for i in np.flatnonzero(wrong)]
        parsed[wrong] = np.nan
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
    with np.errstate(invalid="ignore"):
        fits = np.isfinite(scaled) & (np.abs(scaled) <= MAX_AMOUNT)
    plain &= fits | np.isnan(quick)  # too large: reported cell by cell
    parsed = np.where(plain, scaled, np.nan)
    bad: list[tuple[int, str]] = []
    for i in np.flatnonzero(~plain):
        try:
            parsed[i] = parse_amount(raw[i], scale=scale, exchange_rates=exchange_rates)
        except AmountError as err:
            bad.append((int(i), str(err)))
    return parsed, bad
