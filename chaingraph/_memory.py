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
import os
import sys
from typing import Any

from chaingraph._env import env_flag

__all__ = ["LARGE_PROCESS_BYTES", "release_free_memory", "resident_bytes"]


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


#: Resident memory from which a diagnosis gives back what it freed, after each
#: step and before the report files (``release_free_memory(above=...)``). A
#: million-enterprise chain holds 1.3-1.8 GiB during its analyses: returning keeps
#: its peak (with the map process) about 100 MiB lower, under 2 GB. At 500,000
#: enterprises (0.9-1.2 GiB) it cost more than it saved: the next steps fault the
#: pages in again (and glibc splits the huge pages numpy's arrays are on), and the
#: command took 0.3-0.8 s longer on two cores, for no memory limit in reach.
LARGE_PROCESS_BYTES = 1280 * 2**20


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux), or None where it is not known.

    Examples
    --------
    >>> size = resident_bytes()
    >>> size is None or size > 2**20
    True
    """
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):  # not Linux
        return None


def release_free_memory(*, above: int = 0) -> bool:
    """Return the memory freed so far to the operating system, where the C library
    can (glibc); True when some was returned. Live objects are not touched.

    ``above``: only when the process's resident memory is at least that many bytes
    (always when it is not known).
    """
    trim = None if env_flag("CHAINGRAPH_RELEASE_MEMORY") is False else _malloc_trim()
    if trim is None:
        return False
    if above > 0:
        size = resident_bytes()
        if size is not None and size < above:
            return False
    return bool(trim(0))
