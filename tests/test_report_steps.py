"""The order diagnose runs its steps in: background, in order; errors raised."""

from __future__ import annotations

import threading
import time

import pytest

from chaingraph import _report_steps
from chaingraph._report_steps import run_steps


def _steps(log, fail=None):
    def step(name, pause=0.0):
        def run():
            log.append(("start", name, threading.current_thread().name))
            time.sleep(pause)
            if name == fail:
                raise RuntimeError(f"{name} failed")
            log.append(("end", name))
            return name.upper()
        return run

    return [("a", step("a"), None), ("flow", step("flow", 0.2), None),
            ("b", step("b"), None), ("throughput", step("throughput"), None),
            ("c", step("c"), "not this time")]


def _recording(monkeypatch):
    made = []

    class Recording(_report_steps._Background):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(_report_steps, "_Background", Recording)
    return made


def test_one_background_step_beside_the_others(monkeypatch):
    monkeypatch.setattr(_report_steps, "BACKGROUND_STEPS", ("flow",))
    log, results, skipped, seconds = [], {}, {}, {}
    run_steps(_steps(log), results, skipped, seconds)
    assert results == {"a": "A", "b": "B", "flow": "FLOW", "throughput": "THROUGHPUT"}
    assert list(results) == ["a", "b", "throughput", "flow"]  # the order recorded
    assert skipped == {"c": "not this time"} and set(seconds) == set(results)
    threads = {entry[1]: entry[2] for entry in log if entry[0] == "start"}
    assert threads["flow"] != threads["a"] == threads["b"] == threads["throughput"]


@pytest.mark.parametrize("fail", ["a", "flow", "throughput"])
def test_an_error_is_raised_after_the_background_has_ended(fail):
    log = []
    with pytest.raises(RuntimeError, match=f"{fail} failed"):
        run_steps(_steps(log, fail), {}, {}, {})
    started = {entry[1] for entry in log if entry[0] == "start"}
    finished = {entry[1] for entry in log if entry[0] == "end"}
    assert {"flow", "throughput"} <= started  # the background ran to its end
    assert (fail == "flow" or "flow" in finished) and (
        fail == "throughput" or "throughput" in finished)
    if fail == "a":  # nothing runs in this thread after a failed step
        assert "b" not in started


def test_an_unbounded_flow_is_skipped_and_the_throughput_still_runs():
    def unbounded():
        raise ValueError("the flow is unbounded")

    results, skipped, seconds = {}, {}, {}
    run_steps([("flow", unbounded, None), ("throughput", lambda: "T", None)],
              results, skipped, seconds)
    assert results == {"throughput": "T"}
    assert skipped == {"flow": "maximum flow not computed: the flow is unbounded"}


@pytest.mark.parametrize("caller_busy", [True, False])
def test_default_flow_and_throughput_beside_the_other_steps(monkeypatch, caller_busy):
    """As diagnose runs them. caller_busy: the flow ends while the calling thread
    has steps left, and the throughput follows it in the flow's thread. Else the
    calling thread runs out of steps first, and the throughput starts at once in a
    second thread, beside the flow. Either way its parallel kernels run on one numba
    thread while another thread (the caller's, the flow's) is busy, on all of them
    once none is, from the kernel's next batch of work on (asked again while the step
    runs); the calling thread's own number of threads is left as it was."""
    from chaingraph._engines import has_numba, parallel_threads

    numba = pytest.importorskip("numba") if has_numba() else None
    log, results, skipped, seconds = [], {}, {}, {}
    threads, started = {}, threading.Event()
    made = _recording(monkeypatch)

    def background():  # the thread starts before Recording.__init__ records it
        while not made:
            time.sleep(0.01)
        return made[0]

    def flow():
        log.append(("start", "flow", threading.current_thread().name))
        if not caller_busy:  # the calling thread ends, then the throughput starts
            assert background().caller_done.wait(timeout=60)
            assert started.wait(timeout=60)
        log.append(("end", "flow"))
        return "FLOW"

    def throughput():
        log.append(("start", "throughput", threading.current_thread().name))
        threads["inside"] = parallel_threads()
        started.set()
        assert background().caller_done.wait(timeout=60)
        assert background().first_done.wait(timeout=60)
        threads["after"] = parallel_threads()  # the caller's steps and the flow ended
        log.append(("end", "throughput"))
        return "THROUGHPUT"

    def b():  # still running when the throughput starts, if caller_busy
        log.append(("start", "b", threading.current_thread().name))
        if caller_busy:
            assert started.wait(timeout=60)
        log.append(("end", "b"))
        return "B"

    runs = {"flow": flow, "throughput": throughput, "b": b}
    steps = [(name, runs.get(name, run), why) for name, run, why in _steps(log)]
    before = numba.get_num_threads() if numba else None
    run_steps(steps, results, skipped, seconds)
    assert results == {"a": "A", "b": "B", "flow": "FLOW", "throughput": "THROUGHPUT"}
    assert list(results) == ["a", "b", "flow", "throughput"]  # the order given
    where = {entry[1]: entry[2] for entry in log if entry[0] == "start"}
    assert where["a"] == where["b"] not in (where["flow"], where["throughput"])
    assert (where["flow"] == where["throughput"]) is caller_busy
    ends = [entry[1] for entry in log if entry[0] == "end"]
    assert ends.index("flow") < ends.index("throughput")
    if numba:
        every = numba.config.NUMBA_NUM_THREADS
        assert threads == {"inside": 1, "after": every}
        assert numba.get_num_threads() == before
    else:
        assert threads == {"inside": 1, "after": 1}


def test_a_throughput_alone_in_the_background_has_every_thread_once_the_caller_is_done(
        monkeypatch):
    from chaingraph._engines import has_numba, parallel_threads

    numba = pytest.importorskip("numba") if has_numba() else None
    monkeypatch.setattr(_report_steps, "BACKGROUND_STEPS", ("throughput",))
    monkeypatch.setattr(_report_steps, "ONE_THREAD_STEPS", ("throughput",))
    seen, made = [], _recording(monkeypatch)

    def throughput():
        seen.append(parallel_threads())
        while not made:
            time.sleep(0.01)
        assert made[0].caller_done.wait(timeout=60)
        seen.append(parallel_threads())
        return "T"

    results = {}
    run_steps([("a", lambda: "A", None), ("throughput", throughput, None)],
              results, {}, {})
    assert results == {"a": "A", "throughput": "T"}
    every = numba.config.NUMBA_NUM_THREADS if numba else 1
    assert seen[-1] == every


@pytest.mark.parametrize("fail", [None, "c"])
def test_a_background_thread_done_early_takes_the_last_steps(monkeypatch, fail):
    """The flow and the throughput end while "a" still runs: the background thread
    takes "c", then "b", from the back; results keep the order of a run without
    that, and an error of a step taken is raised once every step has ended."""
    _recording(monkeypatch)
    log, taken, started = [], threading.Event(), threading.Event()

    def step(name):
        def run():
            if name == "flow":  # the calling thread has taken its first step
                assert started.wait(timeout=60)
            log.append((name, threading.current_thread().name))
            if name == "c":
                taken.set()
            if name == "a":
                started.set()
                assert taken.wait(timeout=60)
                time.sleep(0.1)  # "b" is taken meanwhile
            if name == fail:
                raise RuntimeError(f"{name} failed")
            return name.upper()
        return run

    steps = [(name, step(name), None) for name in ("a", "b", "c", "flow", "throughput")]
    results, skipped, seconds = {}, {}, {}
    if fail:
        with pytest.raises(RuntimeError, match="c failed"):
            run_steps(steps, results, skipped, seconds)
    else:
        run_steps(steps, results, skipped, seconds)
    where = dict(log)
    assert where["a"] == threading.current_thread().name
    assert where["b"] == where["c"] == where["flow"] != where["a"]
    assert [name for name, _ in log] == ["a", "flow", "throughput", "c", "b"]
    want = ["a", "b"] + ([] if fail else ["c", "flow", "throughput"])
    assert list(results) == want and set(seconds) >= set(want)


@pytest.mark.parametrize("where", ["flow", "c"])
def test_keyboard_interrupt_in_a_background_thread_reaches_the_caller(where):
    # "c" is taken by the background thread once the flow and the throughput end
    started = threading.Event()

    def step(name):
        def run():
            if name == "a":
                started.set()
                time.sleep(0.3)
            elif name == "flow":
                assert started.wait(timeout=60)
            if name == where:
                raise KeyboardInterrupt
            return name
        return run

    steps = [(name, step(name), None) for name in ("a", "b", "c", "flow", "throughput")]
    with pytest.raises(KeyboardInterrupt):
        run_steps(steps, {}, {}, {})


def test_after_ctrl_c_in_this_thread_the_background_takes_no_step():
    started, log = threading.Event(), []

    def step(name):
        def run():
            log.append(name)
            if name == "a":
                started.set()
                time.sleep(0.05)  # the flow is still running
                raise KeyboardInterrupt
            if name == "flow":
                assert started.wait(timeout=60)
                time.sleep(0.2)
            return name
        return run

    steps = [(name, step(name), None) for name in ("a", "b", "c", "flow")]
    with pytest.raises(KeyboardInterrupt):
        run_steps(steps, {}, {}, {})
    time.sleep(0.5)  # the flow has ended: a background thread would have taken b, c
    assert "b" not in log and "c" not in log


def test_steps_left_when_a_step_fails_are_not_taken_by_the_background(monkeypatch):
    made = _recording(monkeypatch)
    log = []

    def flow():  # ends once the calling thread has given up its steps
        while not made:
            time.sleep(0.01)
        assert made[0].caller_done.wait(timeout=60)
        return "FLOW"

    def step(name):
        def run():
            log.append(name)
            if name == "a":
                raise RuntimeError("a failed")
            return name
        return run

    steps = [("a", step("a"), None), ("b", step("b"), None), ("c", step("c"), None),
             ("flow", flow, None)]
    with pytest.raises(RuntimeError, match="a failed"):
        run_steps(steps, {}, {}, {})
    assert log == ["a"]


def test_on_step_hears_each_step_once_it_has_ended():
    import chaingraph as cg

    heard = []
    chain = cg.datasets.load_example()
    report = cg.diagnose(chain, template="nev", region="明湾示范区",
                         on_step=lambda name: heard.append(name))
    ran = list(report.summary["seconds"])
    assert sorted(heard) == sorted(ran) and len(heard) == len(set(heard))
    assert {"flow", "throughput", "leaders"} <= set(heard)
    assert heard.index("structure") > heard.index("summary")  # calling thread: in order


def test_on_step_is_not_told_of_a_step_that_failed():
    heard = []

    def boom():
        raise RuntimeError("boom")

    results, skipped, seconds = {}, {}, {}
    with pytest.raises(RuntimeError, match="boom"):
        run_steps([("a", lambda: 1, None), ("b", boom, None), ("flow", lambda: 3, None)],
                  results, skipped, seconds, heard.append)
    assert sorted(heard) == ["a", "flow"] and results == {"a": 1}  # "b" raised first


@pytest.mark.parametrize("step", ["flow", "a"])
def test_a_failing_on_step_is_raised_not_taken_for_the_step(step):
    """A ValueError of the callback after the flow is not an unbounded flow (a
    skipped step): it is raised, and the step's result is kept."""
    def on_step(name):
        if name == step:
            raise ValueError("callback bug")

    results, skipped, seconds = {}, {}, {}
    with pytest.raises(ValueError, match="callback bug"):
        run_steps([("a", lambda: 1, None), ("flow", lambda: 3, None)],
                  results, skipped, seconds, on_step)
    assert results[step] == (3 if step == "flow" else 1) and skipped == {}
