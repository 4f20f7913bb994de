"""The analysis steps of :func:`chaingraph.report.diagnose` (private module).

One list of (name, thunk, reason to skip) in the order the diagnosis runs them, each
finder called with the keywords the report needs (explanations only for the rows
the report files show, :data:`chaingraph._report_text.ROW_LIMIT`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chaingraph._memory import LARGE_PROCESS_BYTES, release_free_memory
from chaingraph._report_text import ROW_LIMIT
from chaingraph.exceptions import ChainDataError
from chaingraph.model import OUTPUT, SEGMENT, Chain, SegmentTemplate

__all__ = ["BACKGROUND_STEPS", "ONE_THREAD_STEPS", "analysis_steps", "run_steps"]


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
            chain, template=template, region=region, method=method, explain=explain,
            **roles), None),
        ("flow", lambda: bn.max_flow(chain, template=template, method=method, **roles),
         None),
        ("concentration", lambda: bn.find_concentration(
            chain, region=region, template=template), no_segments),
        ("outside_dependence", lambda: bn.find_outside_dependence(
            chain, region=region, template=template), no_segments),
        ("throughput", lambda: _throughput(chain, template, options, explain), None),
        ("leaders", lambda: find_leaders(chain, region=region, template=template,
                                         seed=seed, explain=explain), None),
        ("candidates", lambda: find_extension_candidates(
            chain, template=template, region=region,
            relatedness=_density(chain, options)), no_template or no_segments),
        ("echelon", lambda: find_echelon(chain, region=region, targets=options["targets"]),
         None if has_output else "the chain has no output column"),
    ]


def _throughput(chain: Chain, template: SegmentTemplate | None, options: dict[str, Any],
                explain: int) -> Any:
    """:func:`~chaingraph.algorithms.bottlenecks.find_throughput`'s table, keeping
    in ``options["throughput_weighted"]`` whether its paths were weighted by the
    ends' volumes (the report words them so)."""
    from chaingraph.algorithms.throughput import throughput_centrality, throughput_table

    scores = throughput_centrality(chain, template=template, seed=options["seed"],
                                   method=options["method"], sources=options["sources"],
                                   final=options["final"])
    options["throughput_weighted"] = scores.weighted
    return throughput_table(chain, scores, None, explain)


def _density(chain: Chain, options: dict[str, Any]) -> Any:
    """The density given, else the chain's own, else None and a note saying why."""
    from chaingraph.algorithms.relatedness import focal_density

    try:
        return options["relatedness"] if options["relatedness"] is not None else (
            focal_density(chain, region=options["region"]))
    except ChainDataError as error:
        options["notes"]["relatedness_density"] = (
            f"relatedness density not in the candidate score: {error}")


#: Steps run in the background while the others run in the calling thread, in this
#: order. The maximum flow's time is spent in compiled kernels that release the GIL
#: (Dinic's search), so on two cores it overlaps with the Python-bound steps; the
#: throughput follows it in the same thread, on one numba thread
#: (:data:`ONE_THREAD_STEPS`), or, when the calling thread runs out of steps first,
#: starts at once in a thread of its own beside the flow (on the package
#: generator's chains the flow outlasts every other step: at 1M enterprises the
#: calling thread then waited 3 s for the flow and the throughput after it). At 1M
#: enterprises (2 cores) the flow took 7-8 s and the throughput 2 s on both cores
#: after every other step; now the throughput ends before the calling thread's
#: steps do on the heavy-tailed chain. A background thread that has run its steps
#: then takes the calling thread's last steps not yet started, from the back (on
#: the heavy-tailed chain at 1M the candidates and the echelon, beside the leaders:
#: the steps ended 1.5 s sooner). Results are the same as run one after the other
#: (the throughput kernel's sums do not depend on the number of threads; every
#: other step is the same computation in whichever thread runs it);
#: ``summary["seconds"]`` gives each step's own wall time.
BACKGROUND_STEPS = ("flow", "throughput")
#: Background steps whose parallel kernels (``prange``) run on one numba thread
#: while another thread of the process still has steps to run (the calling thread,
#: or the flow's thread; beside them a second worker would only wait for a core),
#: and on every thread from the kernel's next batch of work once none has
#: (:func:`~chaingraph._engines.thread_budget`): at 100,000 enterprises the
#: throughput's last 0.7 s came after the calling thread's steps, on one thread
#: while the other core waited. Only kernels that ask
#: :func:`~chaingraph._engines.parallel_threads` keep to the budget: the
#: throughput's betweenness kernel, its one parallel kernel (the flow's kernels are
#: serial), so numba's threading layer is entered from one thread at a time.
ONE_THREAD_STEPS = ("throughput",)


#: ``on_step`` of :func:`run_steps`: called with a step's name once it has returned.
OnStep = Callable[[str], Any] | None


@dataclass
class _Outcome:
    """What a step returned or raised, how long it took, and what its ``on_step``
    call raised (kept apart: a failing callback is not a failing step)."""

    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    callback_error: BaseException | None = None

    @classmethod
    def of(cls, name: str, run: Callable[[], Any], on_step: OnStep = None, *,
           background: bool = False) -> _Outcome:
        """Run a step; give the memory it freed back to the system once the process
        holds :data:`~chaingraph._memory.LARGE_PROCESS_BYTES` (a chain of about a
        million enterprises; 1-5 ms a step): the next step's large arrays are new
        pages, not that memory, and with two threads each keeps its own heap. This
        lowered the peak of a million-enterprise diagnosis by 40-60 MiB. Then
        ``on_step(name)`` when the step returned.

        In a ``background`` thread every exception is kept, ``KeyboardInterrupt``
        and ``SystemExit`` too, for :meth:`record` to raise in the calling thread;
        in the calling thread those two propagate at once."""
        kept = BaseException if background else Exception
        start = time.perf_counter()
        try:
            value, error = run(), None
        except kept as caught:  # re-raised by record(): nothing is swallowed
            value, error = None, caught
        outcome = cls(value, error, round(time.perf_counter() - start, 4))
        release_free_memory(above=LARGE_PROCESS_BYTES)
        if error is None and on_step is not None:
            try:
                on_step(name)
            except kept as caught:  # raised by record(), after the result is kept
                outcome.callback_error = caught
        return outcome

    def record(self, name: str, results: dict[str, Any], skipped: dict[str, str]
               ) -> None:
        """Store the result; an unbounded flow is a skipped step, anything else
        raises (an error of the ``on_step`` callback too, the result kept)."""
        if self.error is None:
            results[name] = self.value
            if self.callback_error is not None:
                raise self.callback_error
        elif name == "flow" and isinstance(self.error, ValueError):
            skipped[name] = f"maximum flow not computed: {self.error}"
        else:
            raise self.error


class _Steps:
    """The calling thread's steps, taken from the front by it and from the back by
    a background thread that has run its own."""

    def __init__(self, steps: Iterable[tuple[str, Callable[[], Any]]]) -> None:
        self._steps = deque(steps)
        self._lock = threading.Lock()

    def front(self) -> tuple[str, Callable[[], Any]] | None:
        with self._lock:
            return self._steps.popleft() if self._steps else None

    def back(self) -> tuple[str, Callable[[], Any]] | None:
        with self._lock:
            return self._steps.pop() if self._steps else None

    def clear(self) -> None:
        with self._lock:
            self._steps.clear()


class _Background:
    """Background steps in daemon threads (Ctrl-C ends the process without waiting
    for them): the first step in one thread, the others after it in the same
    thread, or, when the calling thread has no step left before the first has
    ended, at once in a second thread. A step's error is recorded, and the steps
    after it still run, as they would in the calling thread until the error is
    raised. A background thread that has run its steps takes the calling thread's
    last ones not yet started (``spare``), one at a time, from the back."""

    def __init__(self, runs: list[tuple[str, Callable[[], Any]]], on_step: OnStep = None,
                 spare: _Steps | None = None) -> None:
        self._runs = runs
        self._on_step = on_step
        self._spare = spare
        self._outcomes: dict[str, _Outcome] = {}
        #: The calling thread's steps run here, in the order taken.
        self._taken: list[str] = []
        #: Set once the calling thread has no step of its own left to run.
        self.caller_done = threading.Event()
        #: Set once the first background step has ended.
        self.first_done = threading.Event()
        self._claim = threading.Lock()
        self._rest_claimed = False
        self._threads: list[threading.Thread] = []

        def work() -> None:
            self._run(runs[:1], first=True)
            self.first_done.set()
            if self._claim_rest():
                self._run(runs[1:])
            self._take_spare()

        self._start(work, "chaingraph-diagnose")

    def _start(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _claim_rest(self) -> bool:
        """True for the one caller that runs the steps after the first."""
        with self._claim:
            claimed, self._rest_claimed = self._rest_claimed, True
            return not claimed

    def _run(self, runs: list[tuple[str, Callable[[], Any]]], *, first: bool = False
             ) -> None:
        for name, run in runs:
            self._outcomes[name] = _Outcome.of(
                name, self._budgeted(run, first) if name in ONE_THREAD_STEPS else run,
                self._on_step, background=True)

    def _take_spare(self) -> None:
        """Run the calling thread's last steps not yet started, one at a time."""
        while self._spare is not None and (step := self._spare.back()) is not None:
            name, run = step
            self._taken.append(name)
            self._outcomes[name] = _Outcome.of(name, run, self._on_step, background=True)

    def _budgeted(self, run: Callable[[], Any], first: bool) -> Callable[[], Any]:
        """``run`` with its parallel kernels on one numba thread while the calling
        thread, or (for a step after the first) the first background step, is still
        running; on every thread after."""
        from chaingraph._engines import thread_budget

        def one_while_busy() -> int | None:
            idle = self.caller_done.is_set() and (first or self.first_done.is_set())
            return None if idle else 1

        def budgeted() -> Any:
            with thread_budget(one_while_busy):
                return run()

        return budgeted

    def wait(self) -> dict[str, _Outcome]:
        """Each step's outcome once all have ended: the calling thread's steps taken
        here, then the background steps in the order given. The calling thread
        waits: from now on the background steps have the cores; those after the
        first start now in a thread of their own if it is still running. Spare steps
        not yet taken are not run (the calling thread had an error)."""
        if self._spare is not None:
            self._spare.clear()
        self.caller_done.set()
        if self._runs[1:] and self._claim_rest():
            self._start(lambda: self._run(self._runs[1:]), "chaingraph-diagnose-2")
        for thread in list(self._threads):
            thread.join()
        return {name: self._outcomes[name]
                for name in [*self._taken, *(name for name, _ in self._runs)]}


def run_steps(steps: Iterable[tuple[str, Callable[[], Any], str | None]],
              results: dict[str, Any], skipped: dict[str, str],
              seconds: dict[str, float], on_step: OnStep = None) -> None:
    """Run the steps: those of :data:`BACKGROUND_STEPS` in a thread of their own
    from the start (see :class:`_Background`), the others in order in this one,
    except the last ones a background thread takes once it has run its own; fills
    ``results`` (in the order of a run in this thread: its steps, then the
    background ones), ``skipped`` (step -> reason) and ``seconds`` once the
    background steps have ended. ``on_step(name)`` is called once a step has
    returned, in the thread that ran it.

    An exception of a step propagates once every step started has been waited for,
    except an unbounded maximum flow (a ValueError), which is a skipped step. An
    exception of ``on_step`` propagates the same way; the step's result is kept.
    """
    steps = list(steps)
    # the background steps start first, so that they overlap every other step
    runs = sorted(((name, run) for name, run, reason in steps
                   if reason is None and name in BACKGROUND_STEPS),
                  key=lambda step: BACKGROUND_STEPS.index(step[0]))
    here = [(name, run) for name, run, reason in steps
            if reason is None and name not in BACKGROUND_STEPS]
    skipped.update((name, reason) for name, _, reason in steps if reason is not None)
    spare = _Steps(here)
    background = _Background(runs, on_step, spare) if runs else None
    try:
        while (step := spare.front()) is not None:
            _run_here(*step, background, results, skipped, seconds, on_step)
    except BaseException:  # Ctrl-C here: the background takes no step of this thread
        spare.clear()
        raise
    if background is not None:
        outcomes = background.wait()
        # in the order of a run without spare steps: this thread's, then the others
        for name in [name for name, _ in here + runs if name in outcomes]:
            outcomes[name].record(name, results, skipped)
            seconds[name] = outcomes[name].seconds
        order = [name for name, _ in here + runs]
        ordered = sorted(results.items(), key=lambda item: order.index(item[0]))
        results.clear()
        results.update(ordered)


def _run_here(name: str, run: Callable[[], Any], background: _Background | None,
              results: dict[str, Any], skipped: dict[str, str],
              seconds: dict[str, float], on_step: OnStep = None) -> None:
    """One step in this thread; on an error, the background steps are waited for
    (nothing left running behind) before it is raised."""
    outcome = _Outcome.of(name, run, on_step)
    failed = outcome.error is not None or outcome.callback_error is not None
    if failed and background is not None:
        background.wait()
    outcome.record(name, results, skipped)
    seconds[name] = outcome.seconds
