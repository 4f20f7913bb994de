"""Parquet files read ahead in a thread, while a command imports what it runs.

The command line spends its first second importing the analyses (networkx, scipy,
the chain model), on one core: the other is free. ``chaingraph diagnose`` on Parquet
files reads them there meanwhile (:func:`prefetch_parquet`): pyarrow decodes without
the global interpreter lock, and the two files of a chain of a million enterprises
and five million links take about 0.5 s to read. The reader then takes the frame
read ahead (:func:`read_parquet`) instead of reading the file again.

Nothing changes but when a file is read: the frame is ``pandas.read_parquet`` of the
same path, taken only while the file's size and modification time are those it had
when it was read (else it is read again), once. A file that cannot be read ahead is
read as usual, which raises the usual error. :func:`discard_prefetched` forgets what
was not taken (the command line calls it when the command ends).

Start it only once pandas is imported: the thread imports nothing that the importing
thread may hold half-imported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["PARQUET_SUFFIXES", "discard_prefetched", "prefetch_parquet", "read_parquet",
           "take_prefetched"]

#: File suffixes read as Parquet (as :data:`chaingraph.readwrite` reads them).
PARQUET_SUFFIXES = (".parquet", ".pq")

_LOCK = threading.Lock()
#: resolved path -> (size and modification time when read, the reading thread, result)
_AHEAD: dict[str, tuple[tuple[int, int], threading.Thread, dict[str, Any]]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def prefetch_parquet(paths: Iterable[str | os.PathLike[str]]) -> int:
    """Start reading each existing Parquet file of ``paths`` in a daemon thread;
    returns how many are being read. Other paths are left alone.

    Examples
    --------
    >>> from chaingraph._prefetch import prefetch_parquet
    >>> prefetch_parquet(["chain.csv", "no-such-file.parquet"])
    0
    """
    started = 0
    for given in paths:
        path = Path(given)
        if path.suffix.lower() not in PARQUET_SUFFIXES or not path.is_file():
            continue
        try:
            key, stamp = str(path.resolve()), _stamp(path)
        except OSError:
            continue
        result: dict[str, Any] = {}
        thread = threading.Thread(target=_read, args=(path, result), daemon=True,
                                  name="chaingraph-prefetch")
        with _LOCK:
            if key in _AHEAD:
                continue
            _AHEAD[key] = (stamp, thread, result)
        thread.start()
        started += 1
    return started


def _read(path: Path, result: dict[str, Any]) -> None:
    try:
        import pandas as pd

        result["frame"] = pd.read_parquet(path)
    except BaseException:  # read again where the error is reported
        result.clear()


def take_prefetched(path: str | os.PathLike[str]) -> Any:
    """The frame read ahead for ``path`` (waiting for it), or None: not read ahead,
    not readable, or changed since. Either way it is forgotten.

    Examples
    --------
    >>> from chaingraph._prefetch import take_prefetched
    >>> take_prefetched("never-read-ahead.parquet") is None
    True
    """
    try:
        key = str(Path(path).resolve())
    except OSError:
        return None
    with _LOCK:
        entry = _AHEAD.pop(key, None)
    if entry is None:
        return None
    stamp, thread, result = entry
    thread.join()
    try:
        unchanged = _stamp(Path(path)) == stamp
    except OSError:
        return None
    return result.get("frame") if unchanged else None


def read_parquet(path: str | os.PathLike[str]) -> Any:
    """``pandas.read_parquet(path)``: the frame read ahead when there is one."""
    frame = take_prefetched(path)
    if frame is None:
        import pandas as pd

        frame = pd.read_parquet(path)
    return frame


def discard_prefetched() -> None:
    """Forget every frame read ahead and not taken (after waiting for its thread)."""
    with _LOCK:
        entries = list(_AHEAD.values())
        _AHEAD.clear()
    for _, thread, _ in entries:
        thread.join()
