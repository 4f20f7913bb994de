"""Benchmark suite: chaingraph vs a plain networkx baseline, per analysis and size.

Usage (from the repository root)::

    python -m benchmarks.run --sizes 10k,100k,1M --baseline-max 100k --out docs/benchmarks.md
    python -m benchmarks.run --sizes 2000 --check      # answers only (CI smoke test)

For each size it generates a chain with ``chaingraph.datasets.generate_chain(n,
n_links=links_per * n, seed=seed)`` (timed), then runs each chaingraph analysis and
the whole ``diagnose`` -- and, up to ``--baseline-max`` enterprises, the networkx
baseline of ``benchmarks/nx_baseline.py`` -- each in a fresh subprocess
(``benchmarks/_measure.py``) so that the peak resident memory is per analysis. It
writes a markdown report (machine, versions, date, one table per size with the
speed-up) to ``--out``. ``--check`` instead compares the answers of the two
implementations in-process (no timing, nothing written) and exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script: ``python benchmarks/run.py``
    sys.path.insert(0, str(ROOT))

from benchmarks._measure import ANALYSES  # noqa: E402

__all__ = ["main", "parse_size", "run_suite"]

DEFAULT_ANALYSES = ("tiers", "structure", "spof", "breakpoints", "max_flow",
                    "throughput", "concentration", "outside_dependence", "leaders",
                    "extension", "diagnose")


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1M"`` -> 1000000, ``"2000"`` -> 2000."""
    text = text.strip().replace("_", "")
    scale = {"k": 10**3, "K": 10**3, "m": 10**6, "M": 10**6}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def _label(n: int) -> str:
    if n >= 10**6 and n % 10**6 == 0:
        return f"{n // 10**6}M"
    if n >= 10**3 and n % 10**3 == 0:
        return f"{n // 10**3}k"
    return str(n)


def _child(spec: dict[str, Any], timeout: float, env: dict | None = None) -> dict:
    """Run one measurement in a fresh interpreter; never raises."""
    cmd = [sys.executable, "-m", "benchmarks._measure", json.dumps(spec)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"ok": False, "error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_suite(sizes: list[int], *, analyses: tuple[str, ...] = DEFAULT_ANALYSES,
              links_per: float = 5.0, baseline_max: int = 100_000, repeat: int = 1,
              samples: int = 256, seed: int = 0, timeout: float = 1800.0,
              compile_check: bool = True, nx_diagnose: str = "run",
              reach_sample: int | None = 500,
              previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Measure every analysis at every size; returns the raw results.

    With ``previous`` (results of an earlier run), only the given analyses are
    measured again at the given sizes and replace the earlier rows; the rest is kept.
    """
    results: dict[str, Any] = previous or {"sizes": [], "compile": None}
    with tempfile.TemporaryDirectory(prefix="chaingraph-bench-") as tmp:
        if compile_check:
            results["compile"] = _compile_time(Path(tmp), seed, timeout)
        for n in sizes:
            m = round(links_per * n)
            cache = str(Path(tmp) / f"chain_{n}.pkl")
            base = {"n": n, "links": m, "seed": seed, "cache": cache, "repeat": repeat,
                    "region": "focal", "template": "nev", "samples": samples,
                    "reach_sample": reach_sample}
            _log(f"[{_label(n)}] generating {n:,} enterprises / {m:,} links")
            gen = _child({**base, "task": "generate"}, timeout)
            entry = next((e for e in results["sizes"] if e["n"] == n), None)
            if entry is None or previous is None:
                entry = {"n": n, "links": m, "generate": gen, "rows": []}
                results["sizes"].append(entry)
            if not gen.get("ok"):
                _log(f"  generation failed: {gen.get('error')}")
                continue
            entry["links"] = gen.get("n_links", m)
            entry.setdefault("load", []).append(round(os.getloadavg()[1], 1))
            for name in analyses:
                _measure_row(entry, name, base, n <= baseline_max, nx_diagnose, timeout)
            if nx_diagnose == "sum" and n <= baseline_max:
                for row in entry["rows"]:
                    if row["analysis"] == "diagnose":
                        row["networkx"] = _sum_of_parts(entry["rows"])
            os.remove(cache)
    return results


def _measure_row(entry: dict, name: str, base: dict, baseline: bool, nx_diagnose: str,
                 timeout: float) -> None:
    """Measure one analysis with both engines; replace its row in ``entry``."""
    n = entry["n"]
    row = {"analysis": name}
    _log(f"[{_label(n)}] chaingraph {name}")
    row["chaingraph"] = _child({**base, "task": "chaingraph", "analysis": name}, timeout)
    _log(f"    {_brief(row['chaingraph'])}")
    summed = name == "diagnose" and nx_diagnose == "sum"
    if baseline and not summed and ANALYSES[name][1] is not None:
        _log(f"[{_label(n)}] networkx {name}")
        row["networkx"] = _child({**base, "task": "networkx", "analysis": name}, timeout)
        _log(f"    {_brief(row['networkx'])}")
    rows = entry["rows"]
    at = next((i for i, r in enumerate(rows) if r["analysis"] == name), None)
    if at is None:
        rows.append(row)
    else:  # an update without the baseline keeps the earlier baseline measurement
        if "networkx" not in row and rows[at].get("networkx"):
            row["networkx"] = rows[at]["networkx"]
        rows[at] = row


#: The networkx diagnosis = these baseline analyses (spof is inside breakpoints).
_DIAGNOSE_PARTS = ("tiers", "breakpoints", "max_flow", "throughput", "concentration",
                   "outside_dependence", "leaders")


def _sum_of_parts(rows: list[dict]) -> dict:
    """The networkx diagnosis as the sum of its separately measured parts."""
    parts = {r["analysis"]: r.get("networkx") for r in rows}
    missing = [p for p in _DIAGNOSE_PARTS if not (parts.get(p) or {}).get("ok")]
    if missing:
        return {"ok": False, "error": f"sum of parts: {missing} not measured"}
    done = [parts[p] for p in _DIAGNOSE_PARTS]
    return {"ok": True, "summed": True, "times": [sum(min(r["times"]) for r in done)],
            "first_s": sum(r["first_s"] for r in done),
            "build_s": max(r["build_s"] for r in done),
            "peak_mb": max(r["peak_mb"] for r in done),
            "extrapolated_s": sum(r.get("extrapolated_s", 0.0) for r in done),
            "rss_loaded_mb": max(r["rss_loaded_mb"] for r in done)}


def _brief(res: dict) -> str:
    if not res.get("ok"):
        return f"FAILED: {res.get('error')}"
    return f"{min(res['times']):.3f} s, peak {res['peak_mb']:.0f} MiB"


def _compile_time(tmp: Path, seed: int, timeout: float) -> dict:
    """numba compile time: ``diagnose`` on a small chain with an empty numba cache."""
    cache = str(tmp / "chain_compile.pkl")
    spec = {"n": 2000, "links": 10000, "seed": seed, "cache": cache, "repeat": 1,
            "region": "focal", "template": "nev", "samples": 256}
    gen = _child({**spec, "task": "generate"}, timeout)
    if not gen.get("ok"):
        return gen
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp / "numba-cache")}
    _log("[compile] diagnose on 2k with an empty numba cache")
    res = _child({**spec, "task": "chaingraph", "analysis": "diagnose"}, timeout, env)
    _log(f"    {_brief(res)}")
    return res


# --- report -------------------------------------------------------------------------
def _versions() -> str:
    parts = []
    for pkg in ("chaingraph", "numpy", "scipy", "pandas", "networkx", "numba"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} (not installed)")
    return ", ".join(parts)


def _machine() -> str:
    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f"{kb / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _fmt_time(res: dict | None) -> str:
    if res is None:
        return "-"
    if not res.get("ok"):
        return "n/a" if res.get("missing") else "failed"
    best = min(res["times"])
    text = f"{best:,.0f}" if best >= 100 else f"{best:.3g}"
    if res.get("extrapolated_s"):
        text += " (extrap.)"
    return text + (" (sum)" if res.get("summed") else "")


def _fmt_mb(res: dict | None, key: str = "peak_mb") -> str:
    if res is None or not res.get("ok") or key not in res:
        return "-"
    return f"{res[key]:,.0f}"


def _speedup(row: dict) -> str:
    cg_res, nx_res = row.get("chaingraph"), row.get("networkx")
    if not (cg_res and nx_res and cg_res.get("ok") and nx_res.get("ok")):
        return "-"
    ratio = min(nx_res["times"]) / max(min(cg_res["times"]), 1e-9)
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def render(results: dict[str, Any], command: str) -> str:
    """The markdown report."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmarks", "",
        "Generated by `benchmarks/run.py` -- do not edit by hand; rerun it:", "",
        f"    {command}", "",
        f"- Date: {now}; commit `{_commit()}`",
        f"- Machine: {_machine()}",
        f"- Versions: {_versions()}", "",
        "The whole `chaingraph diagnose` command (loading Parquet, every report file, "
        "peak memory of the process) on two generators at 10k / 100k / 1M is measured "
        "by `benchmarks/cli_end_to_end.py`: see [the command line end to end]"
        "(benchmarks_cli.md).", "",
        "Each cell is one measurement in a fresh Python process (`benchmarks/_measure.py`):"
        " wall time (`time.perf_counter`, best of `--repeat`) and the process's peak "
        "resident memory (`ru_maxrss`, includes the chain itself and the interpreter "
        "with its libraries). chaingraph runs once as a warm-up first (*first call*: "
        "includes loading numba's on-disk cache, or compiling when it is empty); each timed"
        " run then gets a freshly loaded chain, so nothing the warm-up cached on the "
        "chain object is reused. The "
        "networkx baseline (`benchmarks/nx_baseline.py`, the same definitions written "
        "with plain networkx) starts from a `DiGraph`; building it is timed separately "
        "(*nx build*) and NOT included in the speed-up, which is networkx analysis time"
        " / chaingraph warm time. *(sum)*: the networkx diagnosis reported as the sum of "
        "its separately measured parts (`--nx-diagnose sum`). *(extrap.)*: the networkx "
        "leaders baseline counted downstream reach (`nx.descendants`) for "
        "`--nx-reach-sample` focal enterprises only and the time for the others is "
        "extrapolated linearly (the rest of that measurement is real).", "",
    ]
    if results.get("note"):
        out += [results["note"], ""]
    out += _targets(results)
    comp = results.get("compile")
    if comp:
        if comp.get("ok"):
            warm = min(comp["times"])
            out += [f"numba compilation (`diagnose` on 2k enterprises with an empty "
                    f"numba cache): first call {comp['first_s']:.1f} s, then "
                    f"{warm:.2f} s warm -> about {comp['first_s'] - warm:.1f} s of "
                    "compilation, paid once per machine (numba caches to disk).", ""]
        else:
            out += [f"numba compilation: not measured ({comp.get('error')}).", ""]
    for entry in results["sizes"]:
        out += _size_table(entry)
    return "\n".join(out) + "\n"


#: Everything from this line to the end of the report is written by hand (or by other
#: benchmark scripts: input-output, portfolio, regions) and kept when it is regenerated.
KEEP_MARKER = ("<!-- benchmarks/run.py keeps everything below this line when it "
               "rewrites the page -->")


def kept_sections(path: Path) -> str:
    """The hand-written tail of an existing report (from :data:`KEEP_MARKER`), or ""."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    at = text.find(KEEP_MARKER)
    return "" if at < 0 else "\n" + text[at:]


def _diagnose_row(results: dict, n: int) -> dict | None:
    for entry in results["sizes"]:
        if entry["n"] == n:
            return next((r for r in entry["rows"] if r["analysis"] == "diagnose"), None)
    return None


def _targets(results: dict) -> list[str]:
    """The national-scale issue's targets, checked against this run."""
    lines = []
    small, large = _diagnose_row(results, 100_000), _diagnose_row(results, 1_000_000)
    if small and small["chaingraph"].get("ok"):
        t = min(small["chaingraph"]["times"])
        lines.append(f"- `diagnose` at 100k / 500k: {t:.1f} s (target < 10 s: "
                     f"{'met' if t < 10 else 'NOT met'})")
        nx_res = small.get("networkx") or {}
        if nx_res.get("ok"):
            measured = min(nx_res["times"]) - nx_res.get("extrapolated_s", 0.0)
            lines.append(f"- speed-up over networkx at 100k: {_speedup(small)}; "
                         f"{measured / t:,.0f}x counting only measured networkx time "
                         f"(target >= 50x: {'met' if measured / t >= 50 else 'NOT met'})")
    if large and large["chaingraph"].get("ok"):
        t, peak = min(large["chaingraph"]["times"]), large["chaingraph"]["peak_mb"]
        lines.append(f"- `diagnose` at 1M / 5M: {t:.1f} s, peak {peak:,.0f} MiB (targets "
                     f"< 60 s: {'met' if t < 60 else 'NOT met'}; < 3 GB: "
                     f"{'met' if peak * 2**20 < 3e9 else 'NOT met'})")
    return ["Targets of the national-scale issue:", "", *lines, ""] if lines else []


def _size_table(entry: dict) -> list[str]:
    n, m, gen = entry["n"], entry["links"], entry["generate"]
    out = [f"## {_label(n)} enterprises / {m:,} links", ""]
    if not gen.get("ok"):
        return [*out, f"Generation failed: {gen.get('error')}", ""]
    load = entry.get("load")
    out += [f"Generation (`generate_chain`): {min(gen['times']):.2f} s, peak "
            f"{gen['peak_mb']:,.0f} MiB."
            + (f" Machine load (5-min load average) when this size started: "
               f"{', '.join(map(str, load))}." if load else ""), ""]
    nx_build = next((r["networkx"] for r in entry["rows"]
                     if r.get("networkx", {}).get("ok")), None)
    if nx_build:
        out += [f"networkx: building the `DiGraph` from the tables takes "
                f"{nx_build['build_s']:.2f} s; the process holding it uses "
                f"{nx_build['rss_loaded_mb']:,.0f} MiB before any analysis.", ""]
    cg_loaded = next((r["chaingraph"]["rss_loaded_mb"] for r in entry["rows"]
                      if r["chaingraph"].get("ok")), None)
    if cg_loaded:
        out += [f"chaingraph: the process holding the loaded chain uses "
                f"{cg_loaded:,.0f} MiB before any analysis.", ""]
    out += ["| analysis | chaingraph (s) | first call (s) | peak MiB | networkx (s) | "
            "nx build (s) | nx peak MiB | speed-up |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in entry["rows"]:
        cg_res, nx_res = row["chaingraph"], row.get("networkx")
        first = f"{cg_res['first_s']:.3g}" if cg_res.get("ok") else "-"
        build = f"{nx_res['build_s']:.3g}" if nx_res and nx_res.get("ok") else "-"
        out.append(f"| {row['analysis']} | {_fmt_time(cg_res)} | {first} | "
                   f"{_fmt_mb(cg_res)} | {_fmt_time(nx_res)} | {build} | "
                   f"{_fmt_mb(nx_res)} | {_speedup(row)} |")
    for row in entry["rows"]:
        nx_res, cg_res = row.get("networkx") or {}, row["chaingraph"]
        if nx_res.get("ok") and nx_res.get("extrapolated_s") and cg_res.get("ok"):
            measured = min(nx_res["times"]) - nx_res["extrapolated_s"]
            out.append(f"\n{row['analysis']}: the networkx time without its "
                       f"extrapolated part is {measured:,.1f} s measured, "
                       f"{measured / min(cg_res['times']):,.0f}x chaingraph's.")
    errors = [(row["analysis"], engine, row[engine]["error"])
              for row in entry["rows"] for engine in ("chaingraph", "networkx")
              if row.get(engine) and not row[engine].get("ok")]
    if errors:
        out += ["", "Not measured:", ""]
        out += [f"- {name} ({engine}): {err}" for name, engine, err in errors]
    return [*out, ""]


# --- command line -----------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10k,100k", help="comma-separated, e.g. 10k,100k,1M")
    p.add_argument("--links-per", type=float, default=5.0,
                   help="links per enterprise (default 5)")
    p.add_argument("--baseline-max", default="100k",
                   help="largest size for the networkx baseline (default 100k)")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per cell (best kept)")
    p.add_argument("--samples", type=int, default=256,
                   help="sampled sources for throughput centrality (default 256)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--analyses", default=",".join(DEFAULT_ANALYSES),
                   help=f"comma-separated subset of {', '.join(ANALYSES)}")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds per measurement (default 1800)")
    p.add_argument("--nx-diagnose", choices=("run", "sum"), default="run",
                   help="networkx diagnose: run it, or sum its measured parts")
    p.add_argument("--nx-reach-sample", type=int, default=500,
                   help="networkx leaders: time nx.descendants for this many focal "
                        "enterprises and extrapolate the rest (0: all)")
    p.add_argument("--no-compile", action="store_true",
                   help="skip the numba compile-time measurement")
    p.add_argument("--out", default="docs/benchmarks.md", help="markdown report path")
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument("--update", default=None, metavar="JSON",
                   help="re-measure only --analyses at --sizes in the raw results of "
                        "an earlier run (its --json file), keep the rest, rewrite both")
    p.add_argument("--check", action="store_true",
                   help="compare answers with the networkx baseline instead of timing")
    return p


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    analyses = tuple(a.strip() for a in args.analyses.split(",") if a.strip())
    unknown = [a for a in analyses if a not in ANALYSES]
    if unknown:
        _parser().error(f"unknown analyses {unknown}; choose from {list(ANALYSES)}")
    if args.check:
        from benchmarks._compare import check_sizes

        failures = check_sizes(sizes, links_per=args.links_per, seed=args.seed,
                               log=_log)
        _log("check: all answers agree" if not failures else
             f"check: {len(failures)} disagreement(s)")
        for failure in failures:
            print(f"MISMATCH {failure}")
        return 1 if failures else 0
    previous = None
    if args.update:
        previous = json.loads(Path(args.update).read_text(encoding="utf-8"))
        args.json = args.json or args.update
    results = run_suite(sizes, analyses=analyses, links_per=args.links_per,
                        baseline_max=parse_size(args.baseline_max), repeat=args.repeat,
                        samples=args.samples, seed=args.seed, timeout=args.timeout,
                        compile_check=not args.no_compile,
                        nx_diagnose=args.nx_diagnose,
                        reach_sample=args.nx_reach_sample or None,
                        previous=previous)
    command = "python -m benchmarks.run " + " ".join(
        argv if argv is not None else sys.argv[1:])
    if previous is not None:
        command = previous.get("command", "") + "\n    " + command
    results["command"] = command
    out = ROOT / args.out if not Path(args.out).is_absolute() else Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, command) + kept_sections(out), encoding="utf-8")
    _log(f"wrote {out}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
