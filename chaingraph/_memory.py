"""Give the memory the process has freed back to the operating system.

CPython and numpy free memory to the C library's allocator (glibc's malloc on
Linux), which keeps much of it for later instead of returning it: arrays of a few
megabytes come from its heap once larger ones have been freed, and each thread
allocates from its own arena. After the analyses of a million-enterprise chain the
CLI process held 200-250 MB of such freed memory. It counts in the process's
resident memory, and so in what the machine has left for the map process the CLI
starts next (:mod:`chaingraph._map_process`).

:func:`release_free_memory` asks glibc to return it (``malloc_trim``): 1-5 ms after
each step of a million-enterprise diagnosis (43 ms for the 11 steps), about 20 ms
before the report files, with 200 MB to return. Elsewhere (macOS, Windows, musl)
it does nothing. ``CHAINGRAPH_RELEASE_MEMORY=0`` turns it off.

Examples
--------
>>> release_free_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any

from chaingraph._env import env_flag

__all__ = ["release_free_memory"]


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # the C library the interpreter runs on (find_library would start ldconfig)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the memory freed so far to the operating system, where the C library
    can (glibc); True when some was returned. Live objects are not touched."""
    trim = None if env_flag("CHAINGRAPH_RELEASE_MEMORY") is False else _malloc_trim()
    return bool(trim(0)) if trim is not None else False
