"""Benchmark: a district portfolio of 15 chains over 50,000 enterprises.

Builds 15 synthetic chains (``generate_chain`` on the built-in templates, seeds 0-14,
about 3,400 enterprises and 5 links per enterprise each), merges 2% of each chain's
district enterprises into another chain's (shared enterprises, one segment per
chain), then times, in this one process after a warm-up on the embedded example
portfolio (numba caches loaded):

* building the :class:`~chaingraph.readwrite.portfolio.Portfolio` from the pool;
* ``find_portfolio`` (the portfolio table: breakpoints, bottlenecks, leaders,
  coverage and extension candidates of every chain), ``find_echelon_plan``,
  ``find_enterprise_pool``, ``find_shared_enterprises``, ``find_size_structure``;
* optionally (``--dossiers``) ``diagnose_portfolio``: the full diagnosis of every chain.

Run from the repository root: ``python -m benchmarks.bench_portfolio [--enterprises
50000] [--chains 15] [--dossiers]``. Prints a Markdown table (wall seconds, peak RSS).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings

import numpy as np
import pandas as pd

TEMPLATES = ("nev", "electronic_display", "cosmetics", "rail_transit",
             "green_building_materials", "biomedicine", "aviation", "integrated_circuits")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(n_enterprises: int, n_chains: int, shared: float = 0.02, seed: int = 0):
    """The pool's enterprise and link tables, with a ``chain`` column."""
    import chaingraph as cg

    rng = np.random.default_rng(seed)
    per = n_enterprises // n_chains
    frames, link_frames = [], []
    for i in range(n_chains):
        g = cg.datasets.generate_chain(per, template=TEMPLATES[i % len(TEMPLATES)],
                                       seed=i, focal_share=0.4, id_prefix=f"C{i:02d}-")
        ent = g.enterprises
        ent["chain"] = f"chain{i:02d}"
        frames.append(ent)
        link_frames.append(g.links[["supplier", "buyer", "volume"]])
    ent = pd.concat(frames, ignore_index=True)
    links = pd.concat(link_frames, ignore_index=True)
    focal = np.flatnonzero((ent["region"] == "focal").to_numpy())
    pick = rng.choice(focal, size=int(shared * len(focal)) * 2, replace=False)
    keep, drop = pick[: len(pick) // 2], pick[len(pick) // 2:]
    same = ent["chain"].to_numpy()[keep] == ent["chain"].to_numpy()[drop]
    keep, drop = keep[~same], drop[~same]
    ids = ent["id"].to_numpy()
    rename = dict(zip(ids[drop], ids[keep], strict=True))
    chain = ent["chain"].to_numpy().astype(object)
    segment = ent["segment"].to_numpy().astype(object)
    chain[keep] = chain[keep] + ";" + chain[drop]
    segment[keep] = segment[keep] + ";" + segment[drop]
    ent["chain"], ent["segment"] = chain, segment
    ent = ent.drop(index=drop).reset_index(drop=True)
    for col in ("supplier", "buyer"):
        links[col] = links[col].map(lambda v: rename.get(v, v))
    links = links[links["supplier"] != links["buyer"]]
    links = links.drop_duplicates(["supplier", "buyer"]).reset_index(drop=True)
    return ent, links, len(keep)


def _timed(rows: list, name: str, run):
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    rows.append((name, time.perf_counter() - start, time.process_time() - cpu,
                 _peak_mib()))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--chains", type=int, default=15)
    parser.add_argument("--dossiers", action="store_true",
                        help="also time diagnose_portfolio (full diagnosis per chain)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import chaingraph as cg
    from chaingraph.algorithms.pool import (
        find_enterprise_pool,
        find_shared_enterprises,
        find_size_structure,
    )
    from chaingraph.algorithms.portfolio import find_echelon_plan, find_portfolio

    example = cg.datasets.load_example_portfolio()
    start = time.perf_counter()
    find_portfolio(example)  # warm-up: numba caches, imports
    warm = time.perf_counter() - start
    ent, links, n_shared = build(args.enterprises, args.chains)
    rows: list = []
    pool = _timed(rows, "validate pool (Chain.from_frames)",
                  lambda: cg.Chain.from_frames(ent, links, meta={"focal_region": "focal"}))
    P = _timed(rows, "Portfolio.from_chain", lambda: cg.Portfolio.from_chain(
        pool, templates={f"chain{i:02d}": TEMPLATES[i % len(TEMPLATES)]
                         for i in range(args.chains)}, region="focal"))
    total, total_cpu = time.perf_counter(), time.process_time()
    table = _timed(rows, "find_portfolio (every chain)", lambda: find_portfolio(P))
    _timed(rows, "find_echelon_plan", lambda: find_echelon_plan(P))
    _timed(rows, "find_enterprise_pool", lambda: find_enterprise_pool(P))
    _timed(rows, "find_shared_enterprises", lambda: find_shared_enterprises(P))
    _timed(rows, "find_size_structure", lambda: find_size_structure(P))
    portfolio_total = time.perf_counter() - total
    portfolio_cpu = time.process_time() - total_cpu
    if args.dossiers:
        from chaingraph.dossier import diagnose_portfolio

        _timed(rows, "diagnose_portfolio (full diagnose per chain)",
               lambda: diagnose_portfolio(P))
    load = os.getloadavg()[0]
    print(f"## Portfolio: {args.chains} chains, {pool.n_enterprises:,} enterprises, "
          f"{pool.n_links:,} links ({n_shared} shared)\n")
    print(f"Machine load average {load:.1f} on {os.cpu_count()} cores; warm-up on the "
          f"example portfolio {warm:.1f} s.\n")
    print("| step | wall (s) | CPU (s) | peak RSS (MiB) |\n|---|---:|---:|---:|")
    for name, seconds, cpu, peak in rows:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {peak:,.0f} |")
    print(f"| **portfolio table, plan and pool (sum)** | **{portfolio_total:.2f}** | "
          f"**{portfolio_cpu:.2f}** | |")
    print(f"\nChains: {', '.join(f'{r.chain} {r.n_enterprises}' for r in table.itertuples())}")


if __name__ == "__main__":
    main()
