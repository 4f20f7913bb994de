"""One measurement in a fresh process: wall time and peak memory of one analysis.

``benchmarks/run.py`` starts ``python -m benchmarks._measure SPEC`` once per
(analysis, engine, size), so the peak resident memory (``ru_maxrss``) belongs to
that analysis alone (plus the chain it runs on, reported separately as
``rss_loaded_mb``). SPEC is a JSON object::

    {"task": "generate" | "chaingraph" | "networkx", "analysis": "max_flow",
     "n": 100000, "links": 500000, "seed": 0, "cache": "/tmp/.../chain.pkl",
     "repeat": 1, "region": "focal", "template": "nev", "samples": 256}

The child prints one JSON line: ``{"ok": true, "times": [...], "first_s": ...,
"peak_mb": ..., "rss_loaded_mb": ..., "load_s": ..., "build_s": ...}`` (or
``{"ok": false, "error": "..."}``). chaingraph analyses run once as a warm-up
(``first_s``: includes numba compilation or loading numba's on-disk cache), then
``repeat`` timed runs, each on a freshly loaded chain (so nothing the warm-up cached
on the chain object is reused). networkx runs have no warm-up: building the graph
(``build_s``) is timed separately.
"""

from __future__ import annotations

import gc
import importlib
import json
import pickle
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["ANALYSES", "Context", "measure"]


class Context:
    """What the analyses need besides the chain: template, focal region, samples."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.region = spec.get("region", "focal")
        self.samples = spec.get("samples", 256)
        self.seed = spec.get("seed", 0)
        self.template_name = spec.get("template", "nev")
        self.reach_sample = spec.get("reach_sample")

    @property
    def template(self) -> Any:
        from chaingraph.datasets import load_template

        return load_template(self.template_name)


def _lib(module: str, name: str, **kwargs: Any) -> Callable[[Any, Context], Any]:
    """A chaingraph analysis ``chaingraph.<module>.<name>(chain, **kwargs)``.

    Keyword values ``"@template"``, ``"@region"``, ``"@samples"`` and ``"@seed"``
    are taken from the context.
    """
    def call(chain: Any, ctx: Context) -> Any:
        func = getattr(importlib.import_module(f"chaingraph.{module}"), name)
        resolved = {k: getattr(ctx, v[1:]) if isinstance(v, str) and v.startswith("@")
                    else v for k, v in kwargs.items()}
        if "template_positional" in resolved:
            return func(chain, resolved.pop("template_positional"), **resolved)
        return func(chain, **resolved)

    call.target = f"chaingraph.{module}.{name}"  # type: ignore[attr-defined]
    return call


def _nx(name: str, **kwargs: Any) -> Callable[[Any, Context], Any]:
    def call(G: Any, ctx: Context) -> Any:
        from benchmarks import nx_baseline

        resolved = {k: getattr(ctx, v[1:]) if isinstance(v, str) and v.startswith("@")
                    else v for k, v in kwargs.items()}
        if name == "breakpoints":
            tpl = ctx.template
            return (nx_baseline.missing_segments_nx(G, tpl, region=ctx.region),
                    nx_baseline.broken_links_nx(G, tpl, region=ctx.region),
                    nx_baseline.single_points_of_failure_nx(G, region=ctx.region),
                    nx_baseline.link_single_points_of_failure_nx(G, region=ctx.region))
        if name == "spof":
            return (nx_baseline.single_points_of_failure_nx(G, region=ctx.region),
                    nx_baseline.link_single_points_of_failure_nx(G, region=ctx.region))
        if name == "diagnose_nx":
            return nx_baseline.diagnose_nx(G, ctx.template, region=ctx.region,
                                           samples=ctx.samples, seed=ctx.seed,
                                           reach_sample=ctx.reach_sample)
        return getattr(nx_baseline, name)(G, **resolved)

    call.target = f"benchmarks.nx_baseline.{name}"  # type: ignore[attr-defined]
    return call


#: analysis -> (chaingraph callable, networkx-baseline callable or None).
ANALYSES: dict[str, tuple[Callable, Callable | None]] = {
    "tiers": (_lib("algorithms.structure", "tiers"), _nx("tiers_nx")),
    "structure": (_lib("algorithms.structure", "find_structure",
                       template="@template", region="@region"), None),
    "spof": (_lib("algorithms.breakpoints", "find_single_points_of_failure",
                  region="@region", links=True), _nx("spof")),
    "breakpoints": (_lib("algorithms.breakpoints", "find_breakpoints",
                         template="@template", region="@region"), _nx("breakpoints")),
    "max_flow": (_lib("algorithms.bottlenecks", "max_flow"), _nx("max_flow_nx")),
    "throughput": (_lib("algorithms.bottlenecks", "throughput_centrality",
                        samples="@samples", seed="@seed"),
                   _nx("throughput_nx", samples="@samples", seed="@seed")),
    "concentration": (_lib("algorithms.bottlenecks", "find_concentration",
                           region="@region", template="@template"),
                      _nx("concentration_nx", region="@region")),
    "outside_dependence": (_lib("algorithms.bottlenecks", "find_outside_dependence",
                                region="@region"),
                           _nx("outside_dependence_nx", region="@region")),
    "leaders": (_lib("algorithms.leaders", "find_leaders", region="@region",
                     template="@template"),
                _nx("leader_scores_nx", region="@region", reach_sample="@reach_sample")),
    "extension": (_lib("algorithms.extension", "find_extension_candidates",
                       template_positional="@template", region="@region"), None),
    "diagnose": (_lib("report", "diagnose", template="@template", region="@region",
                      seed="@seed"), _nx("diagnose_nx")),
}


def _rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_mb() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _extrapolated_seconds(out: Any) -> float:
    """Unmeasured cost of a networkx leaders run that counted reach for a sample only.

    ``leader_scores_nx(reach_sample=k)`` times ``nx.descendants`` for k focal
    enterprises; the rest would cost the same per enterprise on average.
    """
    frame = out.get("leaders") if isinstance(out, dict) else out
    attrs = getattr(frame, "attrs", {}) or {}
    fraction = attrs.get("reach_fraction", 1.0)
    if fraction >= 1.0 or fraction <= 0.0:
        return 0.0
    return attrs["reach_seconds"] * (1.0 / fraction - 1.0)


def _generate(spec: dict[str, Any]) -> dict[str, Any]:
    from chaingraph.datasets import generate_chain

    t0 = time.perf_counter()
    chain = generate_chain(spec["n"], n_links=spec["links"], seed=spec["seed"])
    elapsed = time.perf_counter() - t0
    peak = _peak_mb()
    with open(spec["cache"], "wb") as fh:
        pickle.dump(chain, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"times": [elapsed], "first_s": elapsed, "peak_mb": peak,
            "n_enterprises": chain.n_enterprises, "n_links": chain.n_links}


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the measurement that ``spec`` describes in this process."""
    if spec["task"] == "generate":
        return _generate(spec)
    ctx = Context(spec)
    import chaingraph

    for name in chaingraph.__all__:  # import time is not the analysis's: load the
        getattr(chaingraph, name)  # whole (lazily imported) API before timing

    t0 = time.perf_counter()
    with open(spec["cache"], "rb") as fh:
        chain = pickle.load(fh)
    result: dict[str, Any] = {"load_s": time.perf_counter() - t0}
    if spec["task"] == "networkx":
        from benchmarks.nx_baseline import graph_from_chain

        t0 = time.perf_counter()
        data = graph_from_chain(chain)
        result["build_s"] = time.perf_counter() - t0
        del chain
        func = ANALYSES[spec["analysis"]][1]
    else:
        data = chain
        del chain
        func = ANALYSES[spec["analysis"]][0]
    ctx.template  # noqa: B018  (load the template before timing)
    gc.collect()
    result["rss_loaded_mb"] = _rss_mb()
    times = []
    if spec["task"] == "chaingraph":
        t0 = time.perf_counter()
        func(data, ctx)
        result["first_s"] = time.perf_counter() - t0
    for _ in range(spec.get("repeat", 1)):
        if spec["task"] == "chaingraph":
            # A fresh chain object: nothing cached on it by the warm-up (SCCs, CSR,
            # tiers) -- only numba's compilation is warm.
            del data
            gc.collect()
            with open(spec["cache"], "rb") as fh:
                data = pickle.load(fh)
            ctx.template  # noqa: B018
        t0 = time.perf_counter()
        out = func(data, ctx)
        elapsed = time.perf_counter() - t0
        extra = _extrapolated_seconds(out)
        del out  # do not hold one run's result while the next one runs (peak memory)
        gc.collect()
        if extra:
            result["extrapolated_s"] = extra
        times.append(elapsed + extra)
    result["times"] = times
    result.setdefault("first_s", times[0])
    result["peak_mb"] = _peak_mb()
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child process: ``python -m benchmarks._measure SPEC``."""
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(argv[0])
    try:
        result = {"ok": True, **measure(spec)}
    except ImportError as exc:
        result = {"ok": False, "missing": True, "error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # reported in the table, the suite goes on
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc(limit=8)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
