"""Where a warning points: the user's line, not the library's.

A warning raised deep inside an analysis (a networkx graph converted on the way in,
say) should name the line of the caller's code that called chaingraph, whatever the
depth of the call: that line is where it can be acted on, and Python's default filter
shows a warning once per place it names (one library line would hide the warning for
every other call).

Examples
--------
A warning about a networkx graph without weights names the line that called
``as_chain``, not the library line that warned:

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     _ = cg.as_chain(nx.DiGraph([("a", "b")]))
>>> caught[0].filename.endswith("validation.py")  # the library line that warned
False
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["outside_stacklevel"]

#: The package's folder: code from a file under it is the library's.
_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep


def outside_stacklevel() -> int:
    """The ``stacklevel`` that makes the caller's ``warnings.warn`` name the first
    frame outside the package (1: the caller itself is outside it; the outermost
    package frame when every frame is inside, as in the command line)."""
    frame = sys._getframe(1)  # the function that will call warnings.warn
    level = 1
    while frame.f_back is not None and _inside(frame):
        frame = frame.f_back
        level += 1
    return level


def _inside(frame: Any) -> bool:
    return frame.f_code.co_filename.startswith(_ROOT)
