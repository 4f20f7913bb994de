"""Switches read from ``CHAINGRAPH_*`` environment variables (one rule for all).

Examples
--------
>>> import os
>>> from chaingraph._env import env_flag
>>> os.environ["CHAINGRAPH_EXAMPLE_FLAG"] = "0"
>>> env_flag("CHAINGRAPH_EXAMPLE_FLAG"), env_flag("CHAINGRAPH_UNSET_FLAG")
(False, None)
>>> del os.environ["CHAINGRAPH_EXAMPLE_FLAG"]
"""

from __future__ import annotations

import os

__all__ = ["FALSE_WORDS", "env_flag"]

#: Values that turn a switch off; any other value turns it on.
FALSE_WORDS = ("", "0", "false", "no")


def env_flag(name: str) -> bool | None:
    """The switch ``name``: None when the variable is not set, False for one of
    :data:`FALSE_WORDS` (``CHAINGRAPH_X=0``), True for any other value."""
    value = os.environ.get(name)
    return None if value is None else value not in FALSE_WORDS
