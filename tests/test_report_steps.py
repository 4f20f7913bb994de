"""The order diagnose runs its steps in: background, in order, last; errors raised."""

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


def test_background_first_last_after_everything(monkeypatch):
    monkeypatch.setattr(_report_steps, "BACKGROUND_STEPS", ("flow",))
    monkeypatch.setattr(_report_steps, "LAST_STEPS", ("throughput",))
    log, results, skipped, seconds = [], {}, {}, {}
    run_steps(_steps(log), results, skipped, seconds)
    assert results == {"a": "A", "b": "B", "flow": "FLOW", "throughput": "THROUGHPUT"}
    assert list(results) == ["a", "b", "flow", "throughput"]  # the order recorded
    assert skipped == {"c": "not this time"} and set(seconds) == set(results)
    ends = [entry[1] for entry in log if entry[0] == "end"]
    assert ends.index("flow") < ends.index("throughput")  # the last step waits
    assert ends.index("b") < ends.index("throughput")
    threads = {entry[1]: entry[2] for entry in log if entry[0] == "start"}
    assert threads["flow"] != threads["a"] == threads["b"] == threads["throughput"]


@pytest.mark.parametrize("fail", ["a", "flow", "throughput"])
def test_an_error_is_raised_after_the_background_has_ended(monkeypatch, fail):
    monkeypatch.setattr(_report_steps, "BACKGROUND_STEPS", ("flow",))
    monkeypatch.setattr(_report_steps, "LAST_STEPS", ("throughput",))
    log = []
    with pytest.raises(RuntimeError, match=f"{fail} failed"):
        run_steps(_steps(log, fail), {}, {}, {})
    started = {entry[1] for entry in log if entry[0] == "start"}
    finished = {entry[1] for entry in log if entry[0] == "end"}
    assert "flow" in started and (fail == "flow" or "flow" in finished)
    if fail == "a":  # nothing runs after a failed step
        assert "b" not in started and "throughput" not in started


def test_an_unbounded_flow_is_skipped_and_the_throughput_still_runs(monkeypatch):
    monkeypatch.setattr(_report_steps, "BACKGROUND_STEPS", ("flow",))
    monkeypatch.setattr(_report_steps, "LAST_STEPS", ("throughput",))

    def unbounded():
        raise ValueError("the flow is unbounded")

    results, skipped, seconds = {}, {}, {}
    run_steps([("flow", unbounded, None), ("throughput", lambda: "T", None)],
              results, skipped, seconds)
    assert results == {"throughput": "T"}
    assert skipped == {"flow": "maximum flow not computed: the flow is unbounded"}
