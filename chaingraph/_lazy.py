"""Public names of a package, each imported from its module on first use (PEP 562).

``import chaingraph`` imports only the exceptions, and ``chaingraph.plotting`` only
the module of the name asked for: the command line starts without pandas, and the
CLI's map process, which only draws a map, without the analyses (networkx, scipy,
the chain model).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Collection, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, modules: Mapping[str, Collection[str]], *,
                    submodules: Collection[str] = (), unlisted: Collection[str] = (),
                    hidden: Collection[str] = ()
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    modules : mapping
        Module name -> the public names it defines, imported from it when first
        read (then bound in the package: later reads are plain attribute reads).
    submodules : collection of str
        Subpackages and modules reachable as attributes (``cg.datasets``).
    unlisted : collection of str
        Submodules that ``dir()`` lists only once imported.
    hidden : collection of str
        Names of the package's own namespace that ``dir()`` leaves out.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``, to assign in the package's ``__init__``.

    Examples
    --------
    >>> import types, sys
    >>> demo = types.ModuleType("demo_lazy")
    >>> sys.modules["demo_lazy"] = demo
    >>> demo.__getattr__, demo.__dir__ = lazy_attributes("demo_lazy", {"math": ("pi",)})
    >>> round(demo.pi, 2), "pi" in vars(demo), "pi" in dir(demo)
    (3.14, True, True)
    >>> del sys.modules["demo_lazy"]
    """
    names = {name: module for module, group in modules.items() for name in group}
    reachable, shown, left_out = frozenset(submodules), frozenset(unlisted), \
        frozenset(hidden)

    def __getattr__(name: str) -> Any:  # called only for names not yet bound
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        if name in reachable:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        """The public names and subpackages, whether or not they are loaded yet."""
        listed = set(names) | (reachable - shown)
        return sorted((set(vars(sys.modules[package])) - left_out) | listed)

    return __getattr__, __dir__
