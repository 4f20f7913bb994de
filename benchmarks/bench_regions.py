"""Per-region diagnosis at national scale: ``find_regions`` with hundreds of regions.

Generates a chain with :func:`chaingraph.generate_chain` whose regions are paths
``东湾省/市CC/区DD`` (``--cities`` x ``--districts`` regions, plus abroad), then times,
in this one process: building the region context (hierarchy, segments), the
per-region diagnosis at district and city level, the interregional flows and the
counterpart pairs. Peak resident memory is ``ru_maxrss`` after each step. Run::

    python benchmarks/bench_regions.py                       # 1M / 5M, 300 regions
    python benchmarks/bench_regions.py --n 100000 --json

Prints one line per step (and ``--json`` the rows as JSON).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import chaingraph as cg
from chaingraph.algorithms.counterparts import find_counterparts
from chaingraph.algorithms.region_flows import find_region_flows
from chaingraph.algorithms.regions import find_regions, region_context


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--links-per", type=int, default=5)
    parser.add_argument("--cities", type=int, default=30)
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    regions = [f"东湾省/市{c:02d}/区{d:02d}" for c in range(args.cities)
               for d in range(args.districts)] + ["境外"]
    rows = []

    def step(name: str, func):
        start = time.perf_counter()
        value = func()
        rows.append({"step": name, "n": args.n, "regions": len(regions) - 1,
                     "seconds": round(time.perf_counter() - start, 3),
                     "peak_mb": round(_rss_mb())})
        if not args.json:
            print(f"{name:<34} {rows[-1]['seconds']:>8.2f} s  peak {rows[-1]['peak_mb']:,} MiB",
                  flush=True)
        return value

    chain = step("generate_chain", lambda: cg.generate_chain(
        args.n, n_links=args.links_per * args.n, regions=regions, seed=0))
    template = cg.load_template("nev")
    find_regions(cg.generate_chain(2000, regions=[*regions[:5], "境外"]),
                 template=template)  # warm-up: numba compilation
    step("find_regions (district, 300)", lambda: find_regions(
        chain, template=template, level="district"))
    ctx = step("region_context (city, 30)", lambda: region_context(
        chain, template=template, level="city"))
    step("find_regions (city, reuse context)", lambda: find_regions(ctx))
    step("find_region_flows (city)", lambda: find_region_flows(ctx))
    step("find_counterparts (city)", lambda: find_counterparts(ctx))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    return rows


if __name__ == "__main__":
    main()
