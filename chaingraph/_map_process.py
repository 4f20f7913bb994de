"""Draw the CLI's map.png in a second process (used by :mod:`chaingraph._cli_output`).

Importing matplotlib, loading the CJK font and drawing map.png take 1.5-2.5 s of one
core whatever the chain's size: most of the whole run on a chain of 10,000
enterprises. The CLI starts this helper process before it reads the chain. The helper
imports matplotlib and loads the font while the main process reads and analyses the
chain; then it draws the map from a :class:`~chaingraph.plotting.MapScene` (a few
segment boxes and flows, never the chain) while the main process writes the other
report files.

The helper runs the same code as :func:`~chaingraph.plotting.plot_chain_map` plus
:func:`~chaingraph.plotting.save_figure`, so the file is the same byte for byte. It
can only make a run faster, never different and never failed: if it cannot start,
dies or raises, the main process draws the map itself (an error then comes from there,
as without the helper). Warnings it records (a missing CJK font) are given again in the
main process. ``CHAINGRAPH_MAP_PROCESS=0`` turns the helper off.

The helper speaks pickle over its standard input and output with the process that
started it, and only with that process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

__all__ = ["PNG_OPTIONS", "MapProcess", "draw_png", "serve"]

#: How the CLI saves map.png. 120 dpi (about 2,200 px wide) reads well on screen and
#: in report.html; zlib level 3 encodes in half the time of the default for 4 % more
#: bytes. The constrained layout already fits the title and legend: no second draw for
#: a tight bounding box.
PNG_OPTIONS: dict[str, Any] = {"dpi": 120, "bbox_inches": None,
                               "pil_kwargs": {"compress_level": 3}}
#: Seconds to wait for the helper's map before drawing it here instead.
WAIT = 600.0


def draw_png(scene: Any, path: Path) -> None:
    """Draw ``scene`` and save it as the CLI's map.png at ``path`` (in this process)."""
    import matplotlib.pyplot as plt

    from chaingraph.plotting import draw_map_scene, save_figure

    ax = draw_map_scene(scene)
    try:
        save_figure(ax.figure, path, **PNG_OPTIONS)
    finally:
        plt.close(ax.figure)


def _disabled() -> bool:
    return os.environ.get("CHAINGRAPH_MAP_PROCESS", "") in ("0", "no", "false", "off")


class MapProcess:
    """The helper process; inactive (draws nothing) when it could not be started.

    Use as a context manager: the helper is stopped on exit, whatever happened.
    """

    def __init__(self, process: subprocess.Popen[bytes] | None = None) -> None:
        self._process = process
        self._sender: threading.Thread | None = None
        self._sent_ok = False

    @classmethod
    def start(cls) -> MapProcess:
        """Start the helper (it begins importing matplotlib at once)."""
        if _disabled() or not sys.executable:
            return cls()
        try:
            # not the working folder's modules: this installation's chaingraph, checked
            code = ("import sys; sys.path[:] = [p for p in sys.path if p]; "
                    "from chaingraph._map_process import serve; "
                    f"serve({str(Path(__file__).resolve())!r})")
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return cls()
        return cls(process)

    @property
    def active(self) -> bool:
        """Whether the helper is running and can take the map."""
        return self._process is not None and self._process.poll() is None

    def submit(self, scene: Any, path: Path) -> bool:
        """Send the map to draw at ``path``; False when the helper cannot take it.

        Sent from a thread: the helper may still be importing matplotlib, and the
        pipe holds only 64 KiB.
        """
        if not self.active or self._sender is not None:
            return False
        payload = pickle.dumps((scene, str(path)), protocol=pickle.HIGHEST_PROTOCOL)

        def send() -> None:
            try:
                assert self._process is not None and self._process.stdin is not None
                self._process.stdin.write(len(payload).to_bytes(8, "little"))
                self._process.stdin.write(payload)
                self._process.stdin.flush()
                self._sent_ok = True
            except (OSError, ValueError):
                pass  # the helper is gone: result() says so

        self._sender = threading.Thread(target=send, name="chaingraph-map-send",
                                        daemon=True)
        self._sender.start()
        return True

    def result(self, timeout: float = WAIT) -> bool:
        """Wait for the submitted map; True when the helper wrote it.

        Warnings the helper recorded are given here. False (draw it yourself) when
        the helper died, failed or took longer than ``timeout`` seconds.
        """
        if self._process is None or self._sender is None:
            return False
        self._sender.join(timeout)
        if not self._sent_ok or self._process.stdout is None:
            return False
        reply: list[Any] = []
        reader = threading.Thread(target=lambda: reply.append(_read(self._process)),
                                  name="chaingraph-map-wait", daemon=True)
        reader.start()
        reader.join(timeout)
        if not reply or reply[0] is None:
            return False
        ok, caught = reply[0]
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        return bool(ok)

    def close(self, *, kill: bool = False) -> None:
        """Stop the helper: the end of its input, then a kill if it has not exited
        within two seconds (at once with ``kill``: a failed run's map is not wanted)."""
        process, self._process = self._process, None
        if process is None:
            return
        if kill:
            process.kill()
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> MapProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _read(process: Any) -> Any:
    """One reply from the helper: (written, [(message, category), ...]), or None."""
    try:
        size = int.from_bytes(_exactly(process.stdout, 8), "little")
        return pickle.loads(_exactly(process.stdout, size))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        return None


def _exactly(stream: Any, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("the map process ended")
    return data


# --- the helper's side ----------------------------------------------------------------
def _warm_up() -> None:
    """Import the drawing code and load the fonts before the map arrives."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chaingraph.plotting import draw_map_scene, plot_context  # noqa: F401

    with plot_context():
        fig = plt.figure(figsize=(1, 1))
        fig.text(0.5, 0.5, "链 chain")
        fig.canvas.draw()
        plt.close(fig)


def _serve(source: Any, sink: Any) -> None:
    """Draw each map sent on ``source``; reply on ``sink``; stop at its end."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # a failure here comes again with the map, which the main process then draws
        with contextlib.suppress(Exception):
            _warm_up()
        while True:
            try:
                head = source.read(8)
                if len(head) != 8:
                    return
                scene, path = pickle.loads(_exactly(source, int.from_bytes(head, "little")))
            except (OSError, EOFError, pickle.UnpicklingError):
                return
            try:
                draw_png(scene, Path(path))
                ok = True
            except Exception:  # the main process draws it (and raises it there)
                ok = False
            seen = [(str(w.message), _picklable(w.category)) for w in caught]
            caught.clear()
            reply = pickle.dumps((ok, seen), protocol=pickle.HIGHEST_PROTOCOL)
            sink.write(len(reply).to_bytes(8, "little") + reply)
            sink.flush()


def _picklable(category: type[Warning]) -> type[Warning]:
    try:
        pickle.dumps(category)
    except Exception:  # a class defined where pickle cannot find it
        return UserWarning
    return category


def serve(expected: str | None = None) -> None:
    """The helper process's main: serve the process that started it on stdin/stdout.

    ``expected`` is the starting process's copy of this file: another chaingraph
    (another installation on the path) serves nothing, and the map is drawn there.
    """
    if expected is not None and str(Path(__file__).resolve()) != expected:
        return
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the reply stream carries nothing else
    _serve(source, sink)
