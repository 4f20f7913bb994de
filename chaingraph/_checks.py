"""Argument checks shared by every finder (``top``) and loader."""

from __future__ import annotations

import numbers
from typing import Any

import pandas as pd

__all__ = ["check_top", "required_template", "top_rows"]


def check_top(top: Any, name: str = "top") -> int | None:
    """Return ``top`` as an int (or None); reject negative and non-integer values.

    Examples
    --------
    >>> check_top(3), check_top(None)
    (3, None)
    >>> check_top(-1)
    Traceback (most recent call last):
    ...
    ValueError: top must be None or an integer >= 0, got -1
    """
    if top is None:
        return None
    if isinstance(top, bool) or not isinstance(top, numbers.Integral):
        raise TypeError(f"{name} must be None or an integer >= 0, got {top!r}")
    if top < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {top!r}")
    return int(top)


def top_rows(frame: pd.DataFrame, top: Any) -> pd.DataFrame:
    """The first ``top`` rows of a ranked table (all rows for None), ``top`` checked.

    Examples
    --------
    >>> len(top_rows(pd.DataFrame({"score": [3, 2, 1]}), 2))
    2
    """
    top = check_top(top)
    return frame if top is None else frame.head(top)


def required_template(template: Any) -> Any:
    """A template a function cannot work without: resolved, or TypeError for None.

    Examples
    --------
    >>> required_template(None)
    Traceback (most recent call last):
    ...
    TypeError: a segment template is required (a SegmentTemplate, a built-in name such as 'nev', or a template file), got None
    """
    if template is None:
        raise TypeError("a segment template is required (a SegmentTemplate, a built-in "
                        "name such as 'nev', or a template file), got None")
    from chaingraph.model.lookup import as_template

    return as_template(template)
