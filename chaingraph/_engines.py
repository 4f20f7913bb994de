"""Optional compiled engines, imported lazily.

The compiled engine is numba (BSD-2-Clause), a core dependency: heavy steps take
``method="auto"`` and use it when it can be imported, else a scipy/numpy/networkx
path (tested, slower). numba's compiled-function cache is written to a user cache
directory (:func:`numba_cache_dir`), never inside the installed package: files left
there would outlive an uninstall and turn ``chaingraph`` into a namespace package on
the next (editable) install.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["has_numba", "import_numba", "jit", "numba_cache_dir", "parallel_threads",
           "resolve_method", "thread_budget", "warm_up"]

#: method name -> (optional module it needs, extra that installs it)
ENGINES: dict[str, tuple[str | None, str | None]] = {
    "numba": ("numba", "fast"),
    "scipy": (None, None),
    "networkx": (None, None),
}


def numba_cache_dir() -> Path:
    """Folder for numba's compiled-function cache, outside the installed package.

    ``NUMBA_CACHE_DIR`` when the user set it; else the platform's user cache folder:
    ``%LOCALAPPDATA%\\chaingraph\\Cache\\numba`` on Windows,
    ``~/Library/Caches/chaingraph/numba`` on macOS, ``$XDG_CACHE_HOME/chaingraph/numba``
    (default ``~/.cache/chaingraph/numba``) elsewhere.

    Examples
    --------
    >>> from chaingraph._engines import numba_cache_dir
    >>> numba_cache_dir().name
    'numba'
    """
    own = os.environ.get("NUMBA_CACHE_DIR")
    if own:
        return Path(own)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "chaingraph" / "Cache" / "numba"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "chaingraph" / "numba"
    base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "chaingraph" / "numba"


def import_numba() -> Any:
    """Import numba with its cache pointed at :func:`numba_cache_dir`.

    Must run before any ``numba.njit(cache=True)`` decorator of chaingraph is
    evaluated (numba picks the cache folder when a function is decorated). A user's
    own ``NUMBA_CACHE_DIR`` is respected.
    """
    import numba

    if not numba.config.CACHE_DIR:
        numba.config.CACHE_DIR = str(numba_cache_dir())
    return numba


@functools.cache
def has_numba() -> bool:
    """True when numba can be imported."""
    return importlib.util.find_spec("numba") is not None


def resolve_method(method: str, *, choices: tuple[str, ...] = ("numba", "scipy")) -> str:
    """Resolve ``method="auto"`` to the fastest available engine among ``choices``.

    Raises
    ------
    ImportError
        When an explicitly requested engine is not installed (names the extra).
    ValueError
        For an unknown method.
    """
    if method == "auto":
        for choice in choices:
            module, _ = ENGINES.get(choice, (None, None))
            if module is None or (module == "numba" and has_numba()):
                return choice
        return choices[-1]
    if method not in choices:
        raise ValueError(f"method must be 'auto' or one of {choices}, got {method!r}")
    module, _ = ENGINES.get(method, (None, None))
    if module == "numba" and not has_numba():
        raise ImportError(f"method={method!r} needs numba, a dependency of chaingraph "
                          "that is not importable here: pip install numba")
    return method


def jit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit(cache=True, nogil=True)`` compiled lazily on first call.

    The decorated function must only be called when :func:`has_numba` is true; the
    callers pick a scipy/numpy path otherwise.
    """
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        compiled: list[Callable[..., Any]] = []

        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> Any:
            if not compiled:
                numba = import_numba()
                compiled.append(numba.njit(cache=True, nogil=True, **options)(f))
            return compiled[0](*args, **kwargs)

        call.py_func = f  # type: ignore[attr-defined]
        return call

    return wrap(func) if func is not None else wrap


@jit
def _ready(x):  # pragma: no cover - compiled
    return x + 1


#: The thread :func:`warm_up` started, once started.
_WARMING: list[threading.Thread] = []
_WARMING_LOCK = threading.Lock()


def warm_up() -> threading.Thread | None:
    """Import numba and set up its compiler in a daemon thread, once per process;
    returns that thread (None without numba).

    The first compiled kernel a process calls pays about 0.3 s of Python work
    before its own: numba's import (0.12 s) and the set-up of its CPU target (0.19 s,
    on loading the first function from the cache), each later kernel a few
    milliseconds. A command that reads its input first starts this beside the
    reading, whose Parquet decoding and id lookups run without the GIL. Nothing
    changes but when that work is done; an error here is left for the kernel that
    needs numba to raise.

    Examples
    --------
    >>> from chaingraph._engines import has_numba, warm_up
    >>> thread = warm_up()
    >>> thread is None or thread is warm_up()  # one per process
    True
    """
    if not has_numba():
        return None
    with _WARMING_LOCK:
        if not _WARMING:
            def ready() -> None:
                with contextlib.suppress(Exception):  # raised again where it matters
                    _ready(1)

            thread = threading.Thread(target=ready, name="chaingraph-numba", daemon=True)
            thread.start()
            _WARMING.append(thread)
        return _WARMING[0]


#: The budget of :func:`thread_budget` for each thread that set one.
_BUDGET = threading.local()


@contextlib.contextmanager
def thread_budget(threads: Callable[[], int | None]) -> Iterator[None]:
    """Within the block, the parallel kernels run by this thread ask ``threads()``
    how many numba threads they may use, before each batch of their work (None:
    every thread numba has).

    A kernel that splits its work into batches (the throughput's chunks of
    sources) then runs on one thread while another thread of the process is busy
    with steps of its own, and on every thread from the batch after it has ended.
    Other threads are not affected; the results do not depend on the budget.

    Examples
    --------
    >>> from chaingraph._engines import parallel_threads, thread_budget
    >>> with thread_budget(lambda: 1):
    ...     parallel_threads()
    1
    """
    before = getattr(_BUDGET, "threads", None)
    _BUDGET.threads = threads
    try:
        yield
    finally:
        _BUDGET.threads = before


def parallel_threads() -> int:
    """How many numba threads a parallel kernel run by this thread may use now:
    the :func:`thread_budget` of this thread (at least 1, at most numba's
    ``NUMBA_NUM_THREADS``), else numba's own setting for this thread (1 without
    numba).

    Examples
    --------
    >>> from chaingraph._engines import parallel_threads
    >>> parallel_threads() >= 1
    True
    """
    if not has_numba():
        return 1
    numba = import_numba()
    budget = getattr(_BUDGET, "threads", None)
    wanted = budget() if budget is not None else None
    if wanted is None:
        return numba.get_num_threads() if budget is None else numba.config.NUMBA_NUM_THREADS
    return max(1, min(int(wanted), numba.config.NUMBA_NUM_THREADS))
