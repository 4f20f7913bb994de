"""The ``chaingraph diagnose`` command end to end: wall time and peak memory.

For each generator (the package's :func:`chaingraph.datasets.generate_chain` and the
independent heavy-tailed 6-tier generator of :mod:`benchmarks.heavy_tail`) and each
size, the chain is written to Parquet once, then the **whole CLI process** is timed::

    chaingraph diagnose enterprises.parquet links.parquet --template nev --region R MODE

with MODE ``--out DIR`` (every report file written) and/or ``--json`` (the JSON report
to stdout, no files). Wall time is measured around the process; peak resident memory
is the largest ``ru_maxrss`` of that process and its map process
(``getrusage(RUSAGE_CHILDREN)`` in a wrapper process that has no other child), and
"tree peak" the largest sum of the two processes' resident memory, sampled every 20 ms
(Linux). The 1-minute load average before each run is recorded: the
benchmark machine is shared, so figures taken under load are inflated. Run::

    python -m benchmarks.cli_end_to_end --sizes 10k,100k,1M --modes json,out \\
        --work /tmp/cg-bench --out docs/benchmarks_cli.md

and the table is written to ``--out`` (Markdown) and ``--raw`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

GENERATORS = {
    "package": ("chaingraph.datasets.generate_chain (template edges, size-based "
                "preferential attachment)", "focal"),
    "heavy_tail": ("benchmarks.heavy_tail (6 tiers, lognormal supplier popularity, 7% "
                   "skip-tier, 3% same-tier, 0.5% back links)", "明湾示范区"),
}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def make_inputs(generator: str, n: int, folder: Path, *, links_per: float = 5.0
                ) -> tuple[Path, Path]:
    """Write (once) the generator's chain of ``n`` enterprises as Parquet files."""
    from benchmarks.heavy_tail import heavy_tail_frames, write_frames

    done = [folder / "enterprises.parquet", folder / "links.parquet"]
    if all(p.exists() for p in done):
        return done[0], done[1]
    if generator == "heavy_tail":
        ent, links = heavy_tail_frames(n, links_per=links_per, seed=0)
    else:
        import chaingraph as cg

        chain = cg.datasets.generate_chain(n, n_links=int(links_per * n), seed=0)
        ent, links = chain.enterprises, chain.links
    return write_frames(ent, links, folder)


def _command() -> list[str]:
    exe = shutil.which("chaingraph", path=str(Path(sys.executable).parent))
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from chaingraph.cli import main; "
            "sys.exit(main())"]


def measure(args: list[str], *, timeout: float) -> dict:
    """Run ``args`` in a wrapper process; wall seconds and the CLI's peak RSS (MiB)."""
    wrapper = [sys.executable, "-m", "benchmarks.cli_end_to_end", "--child", "--",
               *args]
    load = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.run(wrapper, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:], "load": load}
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"seconds": round(child["seconds"], 3), "wrapper_seconds": round(wall, 3),
            "peak_mib": round(child["maxrss_kib"] / 1024),
            "tree_peak_mib": child.get("tree_peak_mib"), "load": [round(x, 1) for x in load]}


def _tree_rss_mib(root: int) -> float | None:
    """Resident memory of ``root`` and all its descendants (Linux ``/proc``), MiB.

    A sum of each process's RSS: pages shared between them (libraries) count once
    per process, so this errs high. A child started by ``vfork`` shares its
    parent's memory until it runs its own program; it is not counted then
    (:func:`tree_pages`).
    """
    procs: dict[int, tuple[int, int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # fields 4, 23 and 24 of proc(5): the parent, virtual size, resident pages
        procs[int(entry)] = (int(fields[1]), int(fields[20]), int(fields[21]))
    return tree_pages(procs, root, _not_yet_exec(procs, root)) * os.sysconf(
        "SC_PAGE_SIZE") / 2**20


def _not_yet_exec(procs: dict[int, tuple[int, int, int]], root: int) -> set[int]:
    """Descendants of ``root`` still running their parent's program (same command
    line): a vfork child before its exec."""
    def cmdline(pid: int) -> bytes | None:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return handle.read()
        except OSError:
            return None

    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, (parent, _v, _r) in procs.items() if parent == pid]
        if kids:
            mine = cmdline(pid)
            out.update(c for c in kids if mine is not None and cmdline(c) == mine)
        todo += kids
    return out


def tree_pages(procs: dict[int, tuple[int, int, int]], root: int,
               not_yet_exec: set[int] | frozenset[int] = frozenset()) -> int:
    """Resident pages of ``root`` and its descendants; ``procs``: pid -> (parent,
    virtual size, resident pages).

    ``subprocess`` starts a program by ``vfork``: for a moment the child runs in
    its parent's memory. Such a child counts once: one in ``not_yet_exec`` (it
    still has its parent's command line), or one with exactly its parent's virtual
    size and resident pages.

    Examples
    --------
    >>> procs = {1: (0, 900, 50), 2: (1, 300, 20), 3: (1, 900, 50), 4: (3, 10, 1)}
    >>> tree_pages(procs, 1)  # 3 is 1 before its exec; 4 is 3's own child
    71
    """
    children: dict[int, list[int]] = {}
    for pid, (parent, _vsize, _rss) in procs.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        parent, vsize, rss = procs.get(pid, (-1, -1, 0))
        shared = pid in not_yet_exec or procs.get(parent, (0, -1, -1))[1:] == (vsize, rss)
        if pid == root or not shared:
            total += rss
        todo += children.get(pid, [])
    return total


def _child(args: list[str]) -> int:
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "CHAINGRAPH_PROGRESS": "0"})
    tree_peak = 0.0
    stop = threading.Event()

    def sample() -> None:  # the CLI and its map process together, every 20 ms
        nonlocal tree_peak
        while not stop.wait(0.02):
            tree_peak = max(tree_peak, _tree_rss_mib(proc.pid) or 0.0)

    sampler = threading.Thread(target=sample, daemon=True)
    if sys.platform.startswith("linux"):
        sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        return proc.returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": seconds, "maxrss_kib": usage.ru_maxrss,
                      "tree_peak_mib": round(tree_peak) if tree_peak else None}))
    return 0


def compile_package() -> None:
    """Write the bytecode of the chaingraph that the CLI runs, as ``pip install``
    does when it installs a wheel. An editable checkout gets it on its first import,
    except where ``PYTHONDONTWRITEBYTECODE`` is set (this project's machines set
    it): every run would then compile ~50 modules from source, 0.2 s that no
    installed package spends."""
    code = ("import compileall, pathlib, sys, chaingraph; sys.exit(not "
            "compileall.compile_dir(str(pathlib.Path(chaingraph.__file__).parent), "
            "quiet=1))")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def run(sizes: list[int], generators: list[str], modes: list[str], work: Path,
        timeout: float, repeat: int = 1) -> list[dict]:
    compile_package()
    rows = []
    for _ in range(repeat):  # whole passes: a drift of the machine touches every cell
        rows += _one_pass(sizes, generators, modes, work, timeout)
    return rows


def _one_pass(sizes: list[int], generators: list[str], modes: list[str], work: Path,
              timeout: float) -> list[dict]:
    rows = []
    for gen in generators:
        for n in sizes:
            folder = work / f"{gen}_{label(n)}"
            t0 = time.perf_counter()
            ent, links = make_inputs(gen, n, folder)
            gen_s = time.perf_counter() - t0
            for mode in modes:
                out = work / f"{gen}_{label(n)}_report"
                shutil.rmtree(out, ignore_errors=True)
                extra = ["--json"] if mode == "json" else ["--out", str(out)]
                cmd = [*_command(), "diagnose", str(ent), str(links), "--template", "nev",
                       "--region", GENERATORS[gen][1], *extra]
                res = measure(cmd, timeout=timeout)
                row = {"generator": gen, "n": n, "mode": mode, **res,
                       "generate_seconds": round(gen_s, 1)}
                print(json.dumps(row, ensure_ascii=False), flush=True)
                rows.append(row)
    return rows


def render(rows: list[dict], command: str) -> str:
    import chaingraph

    lines = [
        "# Benchmarks: the command line end to end", "",
        "Generated by `benchmarks/cli_end_to_end.py`; rerun it:", "",
        f"    {command}", "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; chaingraph "
        f"{chaingraph.__version__}; Python {platform.python_version()}; "
        f"{os.cpu_count()} cores",
        "- Each cell: one `chaingraph diagnose ENTERPRISES.parquet LINKS.parquet "
        "--template nev --region R` process, wall time from start to exit (the last file "
        "written); its peak resident memory (`ru_maxrss`, the largest of the CLI process "
        "and the map process it starts) and the tree peak (the largest sum of the two, "
        "sampled every 20 ms). `json`: `--json` (report to "
        "stdout, no files); `out`: `--out DIR` (every report file). With several "
        "runs of a cell (`--repeat`, whole passes): the median run's wall time (the "
        "lower middle one of an even count), every run's, and the lowest to highest "
        "peaks.",
        "- **Shared machine**: the 1-minute load average before each run is given; "
        "with load L on 2 cores, times are inflated by up to about L/2.", "",
        "Generators:", "",
    ]
    lines += [f"- `{k}`: {v[0]}; focal region `{v[1]}`" for k, v in GENERATORS.items()]
    lines += ["", "| generator | enterprises | mode | wall (s) | runs (s) | peak MiB "
              "| tree peak MiB | load (1/5/15 min) |", "|---|---:|---|---:|---|---:|---:|---|"]
    for (gen, n, mode), runs in cells(rows).items():
        lines.append(f"| {gen} | {n:,} | {mode} | " + " | ".join(cell_texts(runs)) + " |")
    return "\n".join(lines) + "\n"


def cells(rows: list[dict]) -> dict[tuple[str, int, str], list[dict]]:
    """The rows of each (generator, enterprises, mode), in the order first met."""
    out: dict[tuple[str, int, str], list[dict]] = {}
    for r in rows:
        out.setdefault((r["generator"], r["n"], r["mode"]), []).append(r)
    return out


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def cell_texts(runs: list[dict]) -> list[str]:
    """Wall time (the median run), every run's time, peak and tree peak (lowest to
    highest), and the load average before the median run, of one cell's runs.

    Examples
    --------
    >>> runs = [{"seconds": s, "peak_mib": m, "tree_peak_mib": m + 100, "load": [1.0]}
    ...         for s, m in ((2.5, 500), (2.61, 510), (2.4, 505))]
    >>> cell_texts(runs)
    ['2.5', '2.5 / 2.6 / 2.4', '500-510', '600-610', '1.0']
    >>> cell_texts([{"error": "boom", "load": [2.0]}])
    ['failed', 'failed', '-', '-', '2.0']
    """
    done = [r for r in runs if "error" not in r]
    times = " / ".join("failed" if "error" in r else f"{r['seconds']:.1f}" for r in runs)
    if not done:
        return ["failed", times, "-", "-", " / ".join(str(x) for x in runs[0]["load"])]
    median = sorted(done, key=lambda r: r["seconds"])[(len(done) - 1) // 2]
    trees = [r["tree_peak_mib"] for r in done if r.get("tree_peak_mib")]
    wall = f"{median['seconds']:.1f}" + ("" if len(done) == len(runs) else " (some failed)")
    return [wall, times, _span([r["peak_mib"] for r in done]),
            _span(trees) if trees else "-", " / ".join(str(x) for x in median["load"])]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[2:] if argv[1:2] == ["--"] else argv[1:])
    p = argparse.ArgumentParser(prog="python -m benchmarks.cli_end_to_end",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10k,100k")
    p.add_argument("--generators", default="package,heavy_tail")
    p.add_argument("--modes", default="json,out")
    p.add_argument("--work", default="cg-bench-work", help="folder for the inputs")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--repeat", type=int, default=1,
                   help="passes over every size (the table shows each cell's median)")
    p.add_argument("--out", default=None, help="Markdown table to write")
    p.add_argument("--raw", default=None,
                   help="JSON rows to append to (--out shows only this run's rows, "
                        "--render-only all the file's)")
    p.add_argument("--render-only", action="store_true",
                   help="measure nothing: write --out from the rows in --raw")
    p.add_argument("--note", default="", help="a paragraph added under the table")
    args = p.parse_args(argv)
    work = Path(args.work)
    if args.render_only:
        rows = json.loads(Path(args.raw).read_text())
        _write(Path(args.out), render(rows, "python -m benchmarks.cli_end_to_end "
                                      + " ".join(argv)) + ("\n" + args.note + "\n"
                                                           if args.note else ""))
        return 0
    rows = run([parse_size(s) for s in args.sizes.split(",")],
               args.generators.split(","), args.modes.split(","), work, args.timeout,
               args.repeat)
    if args.raw:  # the rows of every invocation; --out shows this one's only
        raw = Path(args.raw)
        old = json.loads(raw.read_text()) if raw.exists() else []
        tmp = raw.with_name(raw.name + ".tmp")
        tmp.write_text(json.dumps(old + rows, ensure_ascii=False, indent=1))
        os.replace(tmp, raw)
    if args.out:
        _write(Path(args.out), render(rows, "python -m benchmarks.cli_end_to_end "
                                      + " ".join(argv)))
    return 0


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
