"""The analysis steps of :func:`chaingraph.report.diagnose` (private module).

One list of (name, thunk, reason to skip) in the order the diagnosis runs them, each
finder called with the keywords the report needs (explanations only for the rows
the report files show, :data:`chaingraph._report_text.ROW_LIMIT`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chaingraph._report_text import ROW_LIMIT
from chaingraph.exceptions import ChainDataError
from chaingraph.model import OUTPUT, SEGMENT, Chain, SegmentTemplate

__all__ = ["BACKGROUND_STEPS", "LAST_STEPS", "analysis_steps", "run_steps"]


def analysis_steps(chain: Chain, template: SegmentTemplate | None, options: dict[str, Any]
           ) -> list[tuple[str, Callable[[], Any], str | None]]:
    """(name, thunk, reason to skip or None) for each analysis of
    :func:`chaingraph.report.diagnose`, in order.

    ``options`` holds diagnose's keywords (``region``, ``sources``, ``final``,
    ``method``, ``seed``, ``targets``, ``relatedness``) and a ``notes`` dict that
    collects components a step ran without.
    """
    from chaingraph.algorithms import bottlenecks as bn
    from chaingraph.algorithms import breakpoints as bp
    from chaingraph.algorithms import structure as st
    from chaingraph.algorithms.echelon import find_echelon
    from chaingraph.algorithms.extension import find_extension_candidates
    from chaingraph.algorithms.leaders import find_leaders

    region, sources, final = options["region"], options["sources"], options["final"]
    method, seed = options["method"], options["seed"]
    explain = ROW_LIMIT  # explanation sentences for the rows the report files show
    roles = {"sources": sources, "final": final}
    no_template = None if template is not None else "no template given"
    has_segments = chain.has_column(SEGMENT)
    no_segments = None if has_segments else "the chain has no segment column"
    has_output = chain.has_column(OUTPUT)
    return [
        ("summary", lambda: st.structure_summary(
            chain, template=template, region=region, method=method, **roles), None),
        ("structure", lambda: st.find_structure(
            chain, template=template, region=region, method=method, explain=explain,
            **roles), None),
        ("coverage", lambda: st.find_segment_coverage(chain, template=template, region=region),
         no_template),
        ("breakpoints", lambda: bp.find_breakpoints(
            chain, template=template, region=region, method=method, **roles), None),
        ("flow", lambda: bn.max_flow(chain, template=template, method=method, **roles),
         None),
        ("concentration", lambda: bn.find_concentration(
            chain, region=region, template=template), no_segments),
        ("outside_dependence", lambda: bn.find_outside_dependence(
            chain, region=region, template=template), no_segments),
        ("throughput", lambda: bn.find_throughput(
            chain, template=template, seed=seed, method=method, explain=explain,
            **roles), None),
        ("leaders", lambda: find_leaders(chain, region=region, template=template,
                                         seed=seed, explain=explain), None),
        ("candidates", lambda: find_extension_candidates(
            chain, template=template, region=region,
            relatedness=_density(chain, options)), no_template or no_segments),
        ("echelon", lambda: find_echelon(chain, region=region, targets=options["targets"]),
         None if has_output else "the chain has no output column"),
    ]


def _density(chain: Chain, options: dict[str, Any]) -> Any:
    """The density given, else the chain's own, else None and a note saying why."""
    from chaingraph.algorithms.relatedness import focal_density

    try:
        return options["relatedness"] if options["relatedness"] is not None else (
            focal_density(chain, region=options["region"]))
    except ChainDataError as error:
        options["notes"]["relatedness_density"] = (
            f"relatedness density not in the candidate score: {error}")


#: Steps run in a background thread (one each) while the others run: the maximum
#: flow's time is spent in compiled kernels that release the GIL (Dinic's search),
#: so on two cores it overlaps with the Python-bound steps. Results are the same as
#: run one after the other; ``summary["seconds"]`` then gives each step's own wall
#: time (overlapping).
BACKGROUND_STEPS = ("flow",)
#: Steps run last, after the background steps have ended: the throughput's kernel
#: runs its sampled searches on every core (``prange``), and beside another busy
#: thread its workers wait for each other. At 1M enterprises (2 cores) it took 1.8 s
#: alone and 10.8 s of CPU (5-6 s wall) beside the flow and the other steps; the
#: whole diagnosis took 16 s this way and 24 s with both in the background. It is
#: also the only parallel kernel, so numba's threading layer is never entered from
#: two threads at once.
LAST_STEPS = ("throughput",)


@dataclass
class _Outcome:
    """What a step returned or raised, and how long it took."""

    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0

    @classmethod
    def of(cls, run: Callable[[], Any]) -> _Outcome:
        start = time.perf_counter()
        try:
            value, error = run(), None
        except Exception as caught:  # re-raised by record(): nothing is swallowed
            value, error = None, caught
        return cls(value, error, round(time.perf_counter() - start, 4))

    def record(self, name: str, results: dict[str, Any], skipped: dict[str, str]
               ) -> None:
        """Store the result; an unbounded flow is a skipped step, anything else raises."""
        if self.error is None:
            results[name] = self.value
        elif name == "flow" and isinstance(self.error, ValueError):
            skipped[name] = f"maximum flow not computed: {self.error}"
        else:
            raise self.error


class _Background:
    """One step in a daemon thread (Ctrl-C ends the process without waiting for it)."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self._outcome: _Outcome | None = None

        def work() -> None:
            self._outcome = _Outcome.of(run)

        self._thread = threading.Thread(target=work, name="chaingraph-diagnose",
                                        daemon=True)
        self._thread.start()

    def wait(self) -> _Outcome:
        self._thread.join()
        assert self._outcome is not None  # set before the thread ends
        return self._outcome


def run_steps(steps: Iterable[tuple[str, Callable[[], Any], str | None]],
              results: dict[str, Any], skipped: dict[str, str],
              seconds: dict[str, float]) -> None:
    """Run the steps: those of :data:`BACKGROUND_STEPS` in a thread of their own from
    the start, the others in order, then (once the background ones have ended) those
    of :data:`LAST_STEPS`; fills ``results``, ``skipped`` (step -> reason) and
    ``seconds``.

    An exception of a step propagates once every step started has been waited for,
    except an unbounded maximum flow (a ValueError), which is a skipped step.
    """
    steps = list(steps)
    # the background steps start first, so that they overlap every other step
    background = {name: _Background(run) for name, run, reason in steps
                  if reason is None and name in BACKGROUND_STEPS}
    last = []
    for name, run, reason in steps:
        if reason is not None:
            skipped[name] = reason
        elif name in BACKGROUND_STEPS:
            continue
        elif name in LAST_STEPS:
            last.append((name, run))
        else:
            _run_here(name, run, background, results, skipped, seconds)
    for name, task in background.items():
        outcome = task.wait()
        outcome.record(name, results, skipped)
        seconds[name] = outcome.seconds
    for name, run in last:
        _run_here(name, run, {}, results, skipped, seconds)


def _run_here(name: str, run: Callable[[], Any], background: dict[str, _Background],
              results: dict[str, Any], skipped: dict[str, str],
              seconds: dict[str, float]) -> None:
    """One step in this thread; on an error, the background steps are waited for
    (nothing left running behind) before it is raised."""
    outcome = _Outcome.of(run)
    if outcome.error is not None:
        for task in background.values():
            task.wait()
    outcome.record(name, results, skipped)
    seconds[name] = outcome.seconds
