"""Draw the CLI's map.png in a second process (used by :mod:`chaingraph._cli_output`).

Importing matplotlib, loading the CJK font and drawing map.png take 1.5-2.5 s of one
core whatever the chain's size: most of the whole run on a chain of 10,000
enterprises. The CLI starts this helper process before it reads the chain. The helper
imports matplotlib and loads the font while the main process reads and analyses the
chain; then it draws the map from a :class:`~chaingraph.plotting.MapScene` (a few
segment boxes and flows, never the chain) while the main process writes the other
report files.

A large chain (:data:`LATE_START_ENTERPRISES`) puts the helper off once read
(:meth:`MapProcess.postpone`): it starts again once the leaders are found (the
analyses' largest arrays), or at the latest when the report files are written. Its
~140 MiB (Python, pandas, matplotlib) are then not added to the analyses' peak
memory, and its start-up overlaps the last steps and the writing of the files,
which take longer than the start-up at that size.

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
import pickle
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

from chaingraph._env import env_flag

__all__ = ["LATE_START_ENTERPRISES", "PNG_OPTIONS", "MapProcess", "draw_png", "serve"]

#: How the CLI saves map.png. 120 dpi (about 2,200 px wide) reads well on screen and
#: in report.html; 256 indexed colours (the map has a few flat colours and their
#: anti-aliased edges) make a file of about a quarter of the bytes of an RGBA one
#: (0.5 MB instead of 1.8 MB at 2,200 x 1,800 px), and so a lighter report.html,
#: which embeds it. Saving takes about as long (0.31 s instead of 0.30 s) and about
#: 40 MB more in the map process while the colours are chosen. The constrained layout
#: already fits the title and legend: no second draw for a tight bounding box.
PNG_OPTIONS: dict[str, Any] = {"dpi": 120, "bbox_inches": None, "colors": 256}
#: Seconds to wait for the helper's map before drawing it here instead.
WAIT = 600.0
#: From this many enterprises on, the CLI starts the helper once the leaders are
#: found (:meth:`MapProcess.begin`), not when the chain is read. Measured on two
#: cores: the helper takes 1.5-2 s to start and draw; the steps after the leaders
#: and the report files take about 1.5 s at 100,000 enterprises and 5-6 s at
#: 1,000,000, so from about 500,000 on they hide its start-up. Below, the early
#: start saves that time and the memory does not matter (well under 1 GB).
LATE_START_ENTERPRISES = 500_000


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
    return env_flag("CHAINGRAPH_MAP_PROCESS") is False


class MapProcess:
    """The helper process; inactive (draws nothing) when it could not be started.

    Use as a context manager: the helper is stopped on exit, whatever happened.
    Not thread-safe: call its methods from one thread (the CLI's calling thread).
    """

    def __init__(self, process: subprocess.Popen[bytes] | None = None) -> None:
        self._process = process
        self._pending = False  # put off by postpone(): begin() starts it again
        self._sender: threading.Thread | None = None
        self._sent_ok = False
        self._answered = False

    @classmethod
    def start(cls) -> MapProcess:
        """Start the helper (it begins importing matplotlib at once)."""
        if _disabled() or not sys.executable or getattr(sys, "frozen", False):
            return cls()  # a frozen application's executable is not Python
        # Not the working folder's modules: this process's chaingraph, from the
        # folder it was imported from, put first on the path (checked by serve:
        # before, a chaingraph run from a source folder or a PYTHONPATH beside an
        # installed one had a helper that found the installed one, served nothing,
        # and the map was drawn here, 0.5 s later). The replies keep the original
        # standard output; everything else the helper prints goes to its
        # (discarded) standard error. Once serve has
        # returned (every reply flushed, at the end of its input), the helper exits
        # without the interpreter's teardown of matplotlib, which close() would
        # otherwise wait for (0.15-0.2 s at the end of every command); so does a
        # helper stopped by SIGTERM, once serve's finally blocks have run (else
        # postpone() waited 0.07-0.4 s for that teardown).
        here = Path(__file__).resolve()
        code = ("import os, sys\nsys.path[:] = [p for p in sys.path if p]\n"
                f"sys.path.insert(0, {str(here.parents[1])!r})\n"
                "reply = os.fdopen(os.dup(1), 'wb'); os.dup2(2, 1)\n"
                "status = 1\ntry:\n"
                "    from chaingraph._map_process import serve\n"
                f"    serve({str(here)!r}, reply); status = 0\n"
                "finally:\n    os._exit(status)\n")
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return cls()
        return cls(process)

    @classmethod
    def later(cls) -> MapProcess:
        """A helper not started yet: :meth:`begin` or :meth:`submit` starts it (for
        a chain known to be large before it is read, see
        :data:`LATE_START_ENTERPRISES`)."""
        helper = cls()
        helper._pending = not (_disabled() or not sys.executable
                               or getattr(sys, "frozen", False))
        return helper

    def begin(self) -> MapProcess:
        """Start again a helper put off by :meth:`postpone`; nothing otherwise."""
        if self._pending:
            self._pending = False
            self._process = type(self).start()._process
        return self

    def postpone(self) -> MapProcess:
        """Stop a running helper that has no map yet; :meth:`begin` or
        :meth:`submit` starts it again. Nothing for a helper that is off, dead
        or already sent its map. Does not wait: the helper is sent SIGTERM now
        and reaped (killed after two seconds if need be) by a daemon thread."""
        if self.active and self._sender is None:
            process, self._process = self._process, None
            self._pending = True
            with contextlib.suppress(OSError):
                process.terminate()
            threading.Thread(target=_reap, args=(process,), name="chaingraph-map-reap",
                             daemon=True).start()
        return self

    @property
    def active(self) -> bool:
        """Whether the helper is running and can take the map."""
        return self._process is not None and self._process.poll() is None

    def submit(self, scene: Any, path: Path) -> bool:
        """Send the map to draw at ``path``; False when the helper cannot take it.

        Sent from a thread: the helper may still be importing matplotlib, and the
        pipe holds only 64 KiB. A helper not yet started is started now.
        """
        self.begin()
        if not self.active or self._sender is not None:
            return False
        process = self._process
        message = _framed(pickle.dumps((scene, str(path)),
                                       protocol=pickle.HIGHEST_PROTOCOL))

        def send() -> None:
            try:
                assert process is not None and process.stdin is not None
                process.stdin.write(message)
                process.stdin.flush()
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
        the helper died, failed, answered garbage or took longer than ``timeout``
        seconds; it is then stopped, so that it cannot write the file while the
        caller draws it.
        """
        process = self._process
        if process is None or self._sender is None:
            return False
        self._sender.join(timeout)
        reply: list[Any] = []
        if self._sent_ok and process.stdout is not None:
            reader = threading.Thread(target=lambda: reply.append(_read(process.stdout)),
                                      name="chaingraph-map-wait", daemon=True)
            reader.start()
            reader.join(timeout)
        if not reply or reply[0] is None:
            self.close(kill=True)
            return False
        self._answered = True
        ok, caught = reply[0]
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        return bool(ok)

    def close(self, *, kill: bool = False) -> None:
        """Stop the helper.

        After an answered map, the end of its input (it exits by itself). Otherwise
        (nothing sent, nothing answered, or ``kill``: a failed run's map is not
        wanted) at once: SIGTERM, on which the helper unwinds (a font-cache lock of
        matplotlib is released), then a kill after two seconds. Never waits on a
        sender blocked on a full pipe: the helper's end breaks the pipe first.
        """
        process, self._process = self._process, None
        self._pending = False  # never started later
        if process is None:
            return
        if kill or not self._answered:
            with contextlib.suppress(OSError):
                process.terminate()
        else:
            with contextlib.suppress(OSError, ValueError):
                if process.stdin is not None:
                    process.stdin.close()
        _wait_or_kill(process)
        if self._sender is not None:
            self._sender.join(2)  # its write fails once the helper is gone
        _close_pipes(process)

    def __enter__(self) -> MapProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _wait_or_kill(process: subprocess.Popen[bytes]) -> None:
    """Wait for a helper told to stop; kill it after two seconds."""
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _close_pipes(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError, ValueError):
            if stream is not None:
                stream.close()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """A helper sent SIGTERM by postpone(), stopped and closed in a daemon thread."""
    _wait_or_kill(process)
    _close_pipes(process)


#: First bytes of every message: anything else on the pipe (a ``sitecustomize``
#: that prints) is not taken for a length.
_MAGIC = b"CGMAP\x00\x01\n"
#: The largest message read (a scene of a few hundred enterprises is ~100 KB).
_MAX_BYTES = 256 * 2**20


def _framed(payload: bytes) -> bytes:
    return _MAGIC + len(payload).to_bytes(8, "little") + payload


def _read(stream: Any) -> Any:
    """One message from ``stream`` (unpickled), or None: end of stream, garbage."""
    try:
        head = _exactly(stream, len(_MAGIC) + 8)
        size = int.from_bytes(head[len(_MAGIC):], "little")
        if head[:len(_MAGIC)] != _MAGIC or size > _MAX_BYTES:
            return None
        return pickle.loads(_exactly(stream, size))
    except Exception:  # anything unreadable: the caller draws the map itself
        return None


def _exactly(stream: Any, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("the map process ended")
    return data


# --- the helper's side ----------------------------------------------------------------
def _warm_up() -> None:
    """Import the drawing code and load the fonts before the map arrives: matplotlib,
    pandas (the scene's tables) and the drawing modules, not the analyses (see
    :mod:`chaingraph.plotting._scene_data`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas  # noqa: F401

    from chaingraph.plotting import MapScene, draw_map_scene, plot_context  # noqa: F401

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
        while (job := _read(source)) is not None:
            try:
                scene, path = job
                draw_png(scene, Path(path))
                ok = True
            except Exception:  # the main process draws it (and raises it there)
                ok = False
            seen = [(str(w.message), _picklable(w.category)) for w in caught]
            caught.clear()
            sink.write(_framed(pickle.dumps((ok, seen), protocol=pickle.HIGHEST_PROTOCOL)))
            sink.flush()


def _picklable(category: type[Warning]) -> type[Warning]:
    try:
        pickle.dumps(category)
    except Exception:  # a class defined where pickle cannot find it
        return UserWarning
    return category


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(1)  # unwinds: context managers and finally blocks run


def serve(expected: str | None = None, reply: Any = None) -> None:
    """The helper process's main: serve the process that started it.

    Maps come on standard input; replies go to ``reply`` (default: standard
    output). ``expected`` is the starting process's copy of this file: another
    chaingraph (another installation first on the path) serves nothing, and the
    map is drawn there. SIGTERM ends the helper as an exception would.
    """
    if expected is not None and str(Path(__file__).resolve()) != expected:
        return
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    _serve(sys.stdin.buffer, reply if reply is not None else sys.stdout.buffer)
