"""Progress bars for long steps: shown in terminals and Jupyter, silent otherwise."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from chaingraph._env import env_flag

__all__ = ["Counter", "counter", "progress_enabled"]


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to draw a bar: ``show`` if given, else only on an interactive stderr.

    ``CHAINGRAPH_PROGRESS=0`` or ``1`` forces it off or on.
    """
    if show is not None:
        return show
    forced = env_flag("CHAINGRAPH_PROGRESS")
    if forced is not None:
        return forced
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


class Counter:
    """What :func:`counter` yields: ``update(k)`` advances the bar by ``k`` items
    (from any thread)."""

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar
        self._lock = threading.Lock()

    def update(self, k: int = 1) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(k)

    def counting(self, then: Callable[[str], Any] | None = None) -> Callable[[str], Any]:
        """A callback that advances the bar by one, then calls ``then`` with the same
        name: an ``on_step`` that counts steps as they end.

        Examples
        --------
        >>> heard = []
        >>> with counter(2, show=False) as bar:
        ...     step_ended = bar.counting(heard.append)
        ...     step_ended("flow")
        >>> heard
        ['flow']
        """
        def heard(name: str) -> Any:
            self.update(1)
            return then(name) if then is not None else None

        return heard


@contextlib.contextmanager
def counter(total: int, *, desc: str = "", unit: str = "it", initial: int = 0,
            show: bool | None = None) -> Iterator[Counter]:
    """A bar counting ``total`` items (with rate and ETA), advanced by ``update(k)``.

    For work done in chunks whose natural unit is the item, e.g. enterprises whose
    failure scenarios run in batches: the bar then reads "4,000/20,000 enterprises,
    150 enterprises/s, ETA 01:47" rather than "2/10 batches".

    Examples
    --------
    >>> from chaingraph._progress import counter
    >>> with counter(10, unit="enterprise", show=False) as bar:
    ...     bar.update(4)
    """
    if not progress_enabled(show):
        yield Counter()
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, initial=initial, desc=desc, unit=unit, unit_scale=False,
              leave=False, smoothing=0.1) as bar:
        yield Counter(bar)
