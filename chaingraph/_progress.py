"""Progress bars for long steps: shown in terminals and Jupyter, silent otherwise."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["progress", "progress_enabled"]


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to draw a bar: ``show`` if given, else only on an interactive stderr.

    ``CHAINGRAPH_PROGRESS=0`` or ``1`` forces it off or on.
    """
    if show is not None:
        return show
    forced = os.environ.get("CHAINGRAPH_PROGRESS")
    if forced is not None:
        return forced not in ("0", "", "false", "no")
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def progress(iterable: Iterable[T], *, total: int | None = None, desc: str = "",
             show: bool | None = None, unit: str = "it", **kwargs: Any) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar when progress is enabled; else return it as is."""
    if not progress_enabled(show):
        yield from iterable
        return
    from tqdm.auto import tqdm

    with tqdm(iterable, total=total, desc=desc, unit=unit, leave=False, **kwargs) as bar:
        yield from bar
