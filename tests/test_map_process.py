"""The CLI's map process draws the very map.png of the main process, or nothing.

:mod:`chaingraph._map_process` draws map.png in a second process while the CLI writes
the other report files. These tests check that its file is the same byte for byte as
the one drawn in process, that a helper which is off, dead or failing changes nothing
but the time, and that its warnings reach the main process.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import threading
import types
import warnings
from pathlib import Path

import pytest

import chaingraph as cg
from chaingraph import _map_process
from chaingraph._map_process import MapProcess, draw_png


@pytest.fixture(scope="module")
def example_report():
    return cg.diagnose(cg.datasets.load_example(), template="nev", region="明湾示范区")


@pytest.mark.parametrize("view", ["segment", "enterprise"])
def test_the_helpers_png_is_the_one_drawn_here(example_report, tmp_path, view):
    scene = cg.plotting.map_scene(example_report.chain, report=example_report,
                                  view=view, max_enterprises=1000)
    here, there = tmp_path / "here.png", tmp_path / "there.png"
    draw_png(scene, here)
    with MapProcess.start() as own:
        assert own.active
        assert own.submit(scene, there)
        assert own.result(timeout=120)
    assert there.read_bytes() == here.read_bytes()


def test_plot_chain_map_is_map_scene_then_draw(example_report, tmp_path):
    """plot_chain_map draws exactly what map_scene + draw_map_scene draw."""
    options = {"report": example_report, "region": "明湾示范区"}
    ax = cg.plotting.plot_chain_map(example_report.chain, **options)
    cg.plotting.save_figure(ax.figure, tmp_path / "a.png", dpi=60)
    scene = cg.plotting.map_scene(example_report.chain, **options)
    ax = cg.plotting.draw_map_scene(scene)
    cg.plotting.save_figure(ax.figure, tmp_path / "b.png", dpi=60)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_the_scene_holds_no_chain(example_report):
    scene = cg.plotting.map_scene(example_report.chain, report=example_report)
    assert "segment_of" not in scene.layout.meta and "notes" not in scene.found
    text = pickle.dumps(scene)
    assert b"chaingraph.model.chain" not in text and len(text) < 200_000


def test_the_helper_draws_without_the_analyses(example_report, tmp_path):
    """A helper imports matplotlib and pandas, not networkx, scipy, numba or the
    chain model (each 10-70 MB and 0.05-0.3 s of its start): the warm-up, a
    scene unpickled and map.png saved, in a fresh interpreter as the CLI starts it."""
    scene = cg.plotting.map_scene(example_report.chain, report=example_report,
                                  view="enterprise", max_enterprises=1000)
    (tmp_path / "scene.pickle").write_bytes(pickle.dumps(scene))
    code = (
        "import json, pickle, sys\n"
        "from pathlib import Path\n"
        "from chaingraph._map_process import _warm_up, draw_png\n"
        "_warm_up()\n"
        f"folder = Path({str(tmp_path)!r})\n"
        "draw_png(pickle.loads((folder / 'scene.pickle').read_bytes()), folder / 'map.png')\n"
        "heavy = ('networkx', 'scipy', 'numba', 'yaml', 'chaingraph.model',\n"
        "         'chaingraph.readwrite', 'chaingraph.kernels', 'chaingraph.algorithms')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    here = tmp_path / "here.png"
    draw_png(scene, here)
    assert (tmp_path / "map.png").read_bytes() == here.read_bytes()


@pytest.mark.parametrize("how", ["off", "dead"])
def test_no_helper_changes_nothing_but_the_time(example_report, tmp_path, monkeypatch,
                                                how):
    from chaingraph._cli_output import write_folder

    if how == "off":
        monkeypatch.setenv("CHAINGRAPH_MAP_PROCESS", "0")
    helper = MapProcess.start()
    if how == "off":
        assert not helper.active
    else:  # a helper that died
        helper._process.kill()
        helper._process.wait()
    plain = write_folder(example_report, tmp_path / "plain")
    helped = write_folder(example_report, tmp_path / "helped", helper=helper)
    helper.close()
    assert [p.name for p in plain] == [p.name for p in helped]
    for a, b in zip(plain, helped, strict=True):
        if a.name != "report.json":
            assert a.read_bytes() == b.read_bytes(), a.name


def test_a_folder_written_with_the_helper_is_the_same(example_report, tmp_path):
    from chaingraph._cli_output import write_folder

    plain = write_folder(example_report, tmp_path / "plain")
    with MapProcess.start() as helper:
        helped = write_folder(example_report, tmp_path / "helped", helper=helper)
        assert helper._sent_ok
        assert helper._answered  # drawn there: a silent fallback here would pass too
    for a, b in zip(plain, helped, strict=True):
        assert a.name == b.name
        if a.name != "report.json":
            assert a.read_bytes() == b.read_bytes(), a.name


def test_a_map_the_helper_cannot_draw_is_drawn_here(tmp_path):
    """A job that fails in the helper is answered "not written"; the main process
    then draws it and raises its error there."""
    with MapProcess.start() as helper:
        assert helper.submit("not a scene", tmp_path / "map.png")
        assert helper.result(timeout=120) is False
    assert not (tmp_path / "map.png").exists()


def _job(scene, path):
    return _map_process._framed(pickle.dumps((scene, str(path))))


def _replies(data):
    out, stream = [], io.BytesIO(data)
    while (reply := _map_process._read(stream)) is not None:
        out.append(reply)
    return out


def test_the_helpers_warnings_are_given_again(tmp_path, monkeypatch):
    """What the helper's drawing warned (a missing CJK font) comes back with its
    reply, and MapProcess.result gives it again in the main process."""

    def warn_and_draw(scene, path):
        warnings.warn("no CJK font", cg.plotting.CJKFontWarning, stacklevel=1)
        path.write_bytes(b"png")

    monkeypatch.setattr(_map_process, "draw_png", warn_and_draw)
    monkeypatch.setattr(_map_process, "_warm_up", lambda: None)
    sink = io.BytesIO()
    _map_process._serve(io.BytesIO(_job("scene", tmp_path / "m.png")), sink)
    (ok, caught), = _replies(sink.getvalue())
    assert ok and (tmp_path / "m.png").read_bytes() == b"png"
    assert caught == [("no CJK font", cg.plotting.CJKFontWarning)]

    helper = MapProcess(process=types.SimpleNamespace(stdout=io.BytesIO(sink.getvalue())))
    helper._sender = threading.Thread(target=lambda: None)
    helper._sender.start()
    helper._sent_ok = True
    with pytest.warns(cg.plotting.CJKFontWarning, match="no CJK font"):
        assert helper.result(timeout=5)


def test_the_helper_serves_only_its_own_installation(monkeypatch):
    """Started where another chaingraph comes first on the path, the helper stops
    at once, without reading its input: the main process draws the map."""
    import signal

    reads = []

    class Source:
        def read(self, n):
            reads.append(n)
            return b""

    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=Source()))
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # not in the test runner
    monkeypatch.setattr(_map_process, "_warm_up", lambda: None)
    sink = io.BytesIO()
    _map_process.serve("/elsewhere/chaingraph/_map_process.py", sink)
    assert reads == [] and sink.getvalue() == b""
    _map_process.serve(str(Path(_map_process.__file__).resolve()), sink)
    assert reads and sink.getvalue() == b""  # its own: it reads (and meets the end)


def test_garbage_on_the_pipe_is_no_reply():
    good = _map_process._framed(pickle.dumps((True, [])))
    assert _map_process._read(io.BytesIO(good)) == (True, [])
    assert _map_process._read(io.BytesIO(b"hello from sitecustomize\n" + good)) is None
    assert _map_process._read(io.BytesIO(good[:-1])) is None  # cut short
    huge = _map_process._MAGIC + (2**62).to_bytes(8, "little")
    assert _map_process._read(io.BytesIO(huge)) is None


def _fake_helper(code):
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return MapProcess(process), process


def test_a_helper_answering_garbage_is_stopped(tmp_path):
    helper, process = _fake_helper(
        "import sys; sys.stdout.write('not a reply' * 10); sys.stdout.flush(); "
        "sys.stdin.buffer.read()")
    assert helper.submit("scene", tmp_path / "map.png")
    assert helper.result(timeout=60) is False
    assert process.poll() is not None  # stopped: it cannot write the file now
    helper.close()


def test_a_helper_that_never_reads_does_not_hang_the_run(tmp_path):
    """A payload larger than the pipe blocks the sender; result() gives up after
    its timeout and close() stops the helper without waiting on the sender."""
    helper, process = _fake_helper("import time; time.sleep(120)")
    assert helper.submit(b"x" * 4_000_000, tmp_path / "map.png")
    done = threading.Event()

    def finish():
        assert helper.result(timeout=1) is False
        helper.close()
        done.set()

    threading.Thread(target=finish, daemon=True).start()
    assert done.wait(30), "result()/close() hung on a blocked sender"
    assert process.poll() is not None


def test_the_map_is_drawn_here_when_the_helper_gives_no_answer(example_report, tmp_path,
                                                               monkeypatch):
    from chaingraph._cli_output import write_folder

    plain = write_folder(example_report, tmp_path / "plain")
    monkeypatch.setattr(MapProcess, "result", lambda self, timeout=0: False)
    with MapProcess.start() as helper:
        helped = write_folder(example_report, tmp_path / "helped", helper=helper)
    for a, b in zip(plain, helped, strict=True):
        if a.name != "report.json":
            assert a.read_bytes() == b.read_bytes(), a.name


def test_a_failed_write_stops_the_helper_and_leaves_no_folder(example_report, tmp_path,
                                                              monkeypatch):
    from chaingraph._cli_output import write_folder

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(example_report), "to_excel", boom)
    helper = MapProcess.start()
    process = helper._process
    with pytest.raises(OSError, match="disk full"):
        write_folder(example_report, tmp_path / "out", helper=helper)
    assert process.poll() is not None and list(tmp_path.iterdir()) == []
    helper.close()


def test_an_early_error_does_not_wait_for_the_helper():
    """A run that fails before its map (bad input) stops the helper at once: the
    helper's warm-up is not waited for."""
    helper = MapProcess.start()
    process = helper._process
    helper.close()
    assert process.returncode is not None


def test_a_helper_put_off_draws_the_same_map(example_report, tmp_path):
    """postpone() stops a running helper; begin() (or submit()) starts it again,
    and its map is the same bytes; once it has its map, postpone() does nothing."""
    scene = cg.plotting.map_scene(example_report.chain, report=example_report)
    here = tmp_path / "here.png"
    draw_png(scene, here)
    for restart in ("begin", "submit"):
        with MapProcess.start() as helper:
            first = helper._process
            assert helper.postpone() is helper and not helper.active
            assert first.wait(timeout=10) is not None  # stopped, not left running
            if restart == "begin":
                assert helper.begin().active
            assert helper.submit(scene, tmp_path / f"{restart}.png")  # starts it
            assert helper.active and helper._process is not first
            assert helper.result(timeout=120)
            helper.postpone()  # sent its map already: nothing to put off
            assert helper._process is not None
        assert (tmp_path / f"{restart}.png").read_bytes() == here.read_bytes()


def test_a_helper_put_off_then_closed_never_starts_again(monkeypatch):
    with MapProcess.start() as helper:
        helper.postpone()
    started = []
    monkeypatch.setattr(_map_process.subprocess, "Popen",
                        lambda *a, **k: started.append(a) or pytest.fail("started"))
    assert not helper.begin().active and started == []  # after close(): stays stopped
    monkeypatch.setenv("CHAINGRAPH_MAP_PROCESS", "0")
    off = MapProcess.start()
    assert not off.postpone().begin().active and started == []


@pytest.mark.parametrize("limit", [1, 10**9])
def test_the_cli_puts_a_large_chains_helper_off(tmp_path, monkeypatch, limit):
    """From LATE_START_ENTERPRISES on, diagnose stops the helper once the chain is
    read and starts it again once the leaders are found; the folder is the same."""
    from chaingraph import cli

    calls = []
    for name in ("postpone", "begin"):
        original = getattr(MapProcess, name)
        monkeypatch.setattr(MapProcess, name, lambda self, _o=original, _n=name: (
            calls.append((_n, self.active)), _o(self))[1])
    from chaingraph import _cli_output

    fill = _cli_output._fill
    monkeypatch.setattr(_cli_output, "_fill", lambda report, folder, lang, helper: (
        calls.append(("files", helper.active)), fill(report, folder, lang, helper))[1])
    monkeypatch.setattr(_map_process, "LATE_START_ENTERPRISES", limit)
    chain = cg.datasets.load_example()
    cg.write_chain(chain, tmp_path / "in", format="csv")
    files = sorted(str(p) for p in (tmp_path / "in").glob("*.csv"))
    assert cli.main(["diagnose", *files, "--out", str(tmp_path / "out")]) == 0
    if limit == 1:
        assert calls[0] == ("postpone", True)  # it was running, then stopped
        assert calls[1] == ("begin", False)  # started again after the leaders,
        assert calls[2] == ("files", True)  # before the files
        assert set(calls[3:]) == {("begin", True)}  # their begins find it running
    else:
        assert [c for c in calls if c[0] == "postpone"] == []
        assert ("begin", True) in calls  # already running: begin changes nothing
    assert (tmp_path / "out" / "map.png").stat().st_size > 10_000


def test_large_parquet_input_starts_the_helper_only_after_the_leaders(tmp_path,
                                                                      monkeypatch):
    """Parquet metadata tells a large chain before it is read: its helper is not
    started and killed beside the reading, it starts after the leaders; CSV input
    and small chains start it at once. The folder is the same."""
    from chaingraph import cli

    chain = cg.datasets.load_example()
    cg.write_chain(chain, tmp_path / "pq", format="parquet")
    cg.write_chain(chain, tmp_path / "csv", format="csv")
    parquet = sorted(str(p) for p in (tmp_path / "pq").glob("*.parquet"))
    csv = sorted(str(p) for p in (tmp_path / "csv").glob("*.csv"))
    assert not cli._large_input(parquet)  # 406 enterprises
    monkeypatch.setattr(_map_process, "LATE_START_ENTERPRISES", 400)
    assert cli._large_input(parquet) and cli._large_input([str(tmp_path / "pq")])
    assert not cli._large_input(csv) and not cli._large_input([str(tmp_path / "nope")])
    monkeypatch.setattr(_map_process, "LATE_START_ENTERPRISES", 407)  # the links: 1,090
    assert not cli._large_input(parquet)
    monkeypatch.setattr(_map_process, "LATE_START_ENTERPRISES", 1)
    started = []
    start = MapProcess.start.__func__
    monkeypatch.setattr(MapProcess, "start", classmethod(
        lambda cls: (started.append("start"), start(cls))[1]))
    postponed = []
    monkeypatch.setattr(MapProcess, "postpone", lambda self: (
        postponed.append(self.active), self)[1])
    assert cli.main(["diagnose", *parquet, "--out", str(tmp_path / "out")]) == 0
    assert postponed == [False] and started == ["start"]  # started once: after the read
    assert (tmp_path / "out" / "map.png").stat().st_size > 10_000
    helper = MapProcess.later()
    assert not helper.active and helper.begin().active
    helper.close()


def test_the_helper_serves_this_chaingraph_whatever_comes_first_on_its_path(
        example_report, tmp_path, monkeypatch):
    """Another chaingraph first on the helper's path (an installed one, while this one
    runs from a source folder or a PYTHONPATH) made the helper serve nothing: the map
    was drawn in the main process, silently 0.5 s later."""
    other = tmp_path / "other"
    (other / "chaingraph").mkdir(parents=True)
    (other / "chaingraph" / "__init__.py").write_text("raise ImportError('not this one')\n")
    monkeypatch.setenv("PYTHONPATH", str(other))
    scene = cg.plotting.map_scene(example_report.chain, report=example_report)
    there = tmp_path / "there.png"
    with MapProcess.start() as own:
        assert own.submit(scene, there)
        assert own.result(timeout=120)
    here = tmp_path / "here.png"
    draw_png(scene, here)
    assert there.read_bytes() == here.read_bytes()
