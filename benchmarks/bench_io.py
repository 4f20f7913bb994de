"""Input-output benchmark: every per-sector indicator of a large table.

Times, for a synthetic n-sector table (dense by default: published tables are), the
steps behind ``chaingraph io`` / :func:`chaingraph.sector_indicators`: building the
table, backward and forward linkages (+ key sectors), hypothetical extraction of every
sector (Sherman-Morrison from one factorisation), upstreamness, and the total. Also
the coefficients of variation (O(n^3), not part of the CLI) and, with ``--check``,
brute-force extraction of a few sectors as an oracle. Prints one JSON line and a
Markdown table; peak RSS is ``ru_maxrss`` of this process.

    python -m benchmarks.bench_io --n 5000
    python -m benchmarks.bench_io --n 10000 --density 0.002   # sparse, SuperLU
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np
import scipy.sparse as sp


def _table(n: int, density: float, seed: int):
    import chaingraph as cg

    rng = np.random.default_rng(seed)
    if density >= 1:
        Z = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    else:
        Z = sp.random_array((n, n), density=density, random_state=rng, format="csc")
    rowsum = np.asarray(Z.sum(axis=1)).ravel()
    y = rng.random(n) * rowsum.mean() + 1.0  # intermediate share ~ 1/2 on average
    x = rowsum + y
    return cg.IOTable(Z, y, x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--density", type=float, default=1.0,
                        help="1 = dense array (default); < 1 = scipy sparse")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variation", action="store_true",
                        help="also time the coefficients of variation")
    parser.add_argument("--check", type=int, default=0, metavar="K",
                        help="brute-force extraction of K sectors as an oracle")
    args = parser.parse_args(argv)
    from chaingraph.algorithms.input_output import find_key_sectors, sector_indicators

    times: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name: str, func):
        t, c = time.perf_counter(), time.process_time()
        value = func()
        times[name], cpu[name] = time.perf_counter() - t, time.process_time() - c
        return value

    table = timed("build table", lambda: _table(args.n, args.density, args.seed))
    timed("linkages + key sectors", lambda: find_key_sectors(table, variation=False))
    ext = timed("extraction, all sectors", table.extraction)
    timed("upstreamness + downstreamness",
          lambda: (table.upstreamness(), table.downstreamness()))
    fresh = _table(args.n, args.density, args.seed)  # nothing cached from the steps
    timed("total: sector_indicators (all of the above, as chaingraph io)",
          lambda: sector_indicators(fresh))
    if args.variation:
        timed("coefficients of variation (not in total)",
              lambda: table.linkages(variation=True))
    worst = 0.0
    if args.check:
        from chaingraph.kernels.leontief import Factorization

        _, x, y = table.matrices()
        total = x.sum()
        for j in np.random.default_rng(1).choice(args.n, args.check, replace=False):
            A = table.A.to_numpy().copy()
            A[:, j] = 0.0
            brute = total - Factorization(A).solve(y).sum()
            worst = max(worst, abs(brute - ext["extraction_backward"].iat[j]) / total)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"n": args.n, "density": args.density, "dense": table.leontief.dense,
              "times_s": {k: round(v, 2) for k, v in times.items()},
              "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
              "peak_rss_mb": round(peak), "cpus": os.cpu_count(),
              "load_avg": [round(v, 2) for v in os.getloadavg()],
              "check_max_rel_error": worst if args.check else None}
    print(json.dumps(result, ensure_ascii=False))
    print(f"\n| step ({args.n} sectors) | wall time (s) | CPU time, all threads (s) |")
    print("|---|---:|---:|")
    for k, v in times.items():
        print(f"| {k} | {v:.1f} | {cpu[k]:.1f} |")
    print(f"\npeak RSS {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
