"""Optional compiled engines, imported lazily.

chaingraph works with its core dependencies alone (numpy, scipy, networkx). Where a
compiled engine is much faster, heavy steps take ``method="auto"`` and use it when it
is installed. The engine is numba (BSD-2-Clause), installed with the ``fast`` extra:
``pip install "chaingraph[fast]"``.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Any

__all__ = ["has_numba", "jit", "resolve_method"]

#: method name -> (optional module it needs, extra that installs it)
ENGINES: dict[str, tuple[str | None, str | None]] = {
    "numba": ("numba", "fast"),
    "scipy": (None, None),
    "networkx": (None, None),
}


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
    module, extra = ENGINES.get(method, (None, None))
    if module == "numba" and not has_numba():
        raise ImportError(f"method={method!r} needs numba: pip install 'chaingraph[{extra}]'")
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
                import numba

                compiled.append(numba.njit(cache=True, nogil=True, **options)(f))
            return compiled[0](*args, **kwargs)

        call.py_func = f  # type: ignore[attr-defined]
        return call

    return wrap(func) if func is not None else wrap
