"""Atomic files: write to a temporary name beside the destination, then rename.

Every file chaingraph writes goes through :class:`atomic_path` (re-exported by
:mod:`chaingraph.readwrite.safety` with the other safe-output helpers). It lives in
a module of its own, with nothing but the standard library, so that the CLI's map
process saves map.png without importing the readers and the chain model.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_path"]


class atomic_path:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file is hidden (``.name-XXXX.suffix``) in the destination's folder,
    so the rename is atomic; on any exception, including ``KeyboardInterrupt``, it
    is removed and an existing ``path`` is left as it was.

    Parameters
    ----------
    path : path
        The destination file (its folder is created if needed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> target.read_text(encoding="utf-8"), sorted(p.name for p in target.parent.iterdir())
    ('done', ['out.txt'])
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{self.path.stem}-",
                                        suffix=self.path.suffix, dir=self.path.parent)
        os.close(handle)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is not None:
            self.tmp.unlink(missing_ok=True)
            return
        try:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self.tmp, 0o666 & ~mask)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
