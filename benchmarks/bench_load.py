"""Load time and peak memory of ``read_chain`` at national scale (Parquet and CSV).

Builds a synthetic chain with numpy (ids as int-like strings or ints), writes it
with ``write_chain``, then loads it in a fresh process per case and reports wall
time and peak resident memory (``resource.getrusage``; the baseline after imports is
subtracted). Run::

    python benchmarks/bench_load.py                 # 100k/500k and 1M/5M
    python benchmarks/bench_load.py --sizes 100000:500000 --ids int

Prints a table (and ``--json`` prints the rows as JSON).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SEGMENTS = np.array(["原材料", "正极", "负极", "电芯", "电池包", "电机", "整车", "回收"],
                    dtype=object)
REGIONS = np.array(["本区", "邻市", "外省", "境外"], dtype=object)


def synthetic_frames(n: int, m: int, *, ids: str = "str", seed: int = 0
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` enterprises and ``m`` distinct links (no self-loops), numpy-built."""
    rng = np.random.default_rng(seed)
    codes = np.arange(n, dtype=np.int64)
    key = np.unique(rng.integers(0, n * n, size=int(m * 1.1) + 16, dtype=np.int64))
    src, dst = key // n, key % n
    keep = src != dst
    src, dst = src[keep], dst[keep]
    pick = rng.permutation(len(src))[:m]
    src, dst = src[pick], dst[pick]
    if ids == "str":
        labels = pd.array(np.char.add("E", np.char.zfill(codes.astype(str), 8)),
                          dtype="str")
        ent_ids, sup, buy = labels, labels[src], labels[dst]
    else:
        ent_ids, sup, buy = codes, src, dst
    enterprises = pd.DataFrame({
        "id": ent_ids,
        "segment": pd.Categorical(SEGMENTS[rng.integers(0, len(SEGMENTS), n)]).astype(
            "str"),
        "region": pd.Categorical(REGIONS[rng.integers(0, len(REGIONS), n)]).astype("str"),
        "output": rng.lognormal(18, 2, n),
    })
    links = pd.DataFrame({"supplier": sup, "buyer": buy,
                          "volume": rng.lognormal(15, 2, len(src))})
    return enterprises, links


def _prepare(folder: Path, n: int, m: int, ids: str) -> dict[str, Path]:
    import chaingraph as cg
    from chaingraph.readwrite import write_chain

    enterprises, links = synthetic_frames(n, m, ids=ids)
    chain = cg.Chain(enterprises, links, {"name": f"synthetic {n}/{m}"})
    out = {}
    for fmt in ("parquet", "csv"):
        out[fmt] = write_chain(chain, folder / f"{fmt}_{n}_{m}_{ids}", format=fmt)
    return out


def _worker(path: str) -> None:
    """Load one chain directory; print seconds and peak memory above the baseline."""
    import chaingraph as cg
    from chaingraph.readwrite import read_chain

    for name in cg.__all__:  # imports are part of the baseline: the whole (lazy) API
        getattr(cg, name)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    chain = read_chain(path)
    src, _ = chain.link_codes
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": (peak - base) / 1024,
                      "n": chain.n_enterprises, "m": len(src)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100000:500000", "1000000:5000000"],
                        help="n_enterprises:n_links pairs")
    parser.add_argument("--ids", choices=["str", "int"], default="str")
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="cg-bench-load") as tmp:
        for size in args.sizes:
            n, m = (int(x) for x in size.split(":"))
            paths = _prepare(Path(tmp), n, m, args.ids)
            for fmt in args.formats:
                disk = sum(p.stat().st_size for p in paths[fmt].iterdir()) / 2**20
                done = subprocess.run([sys.executable, __file__, "--worker",
                                       str(paths[fmt])], capture_output=True, text=True,
                                      check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append({"format": fmt, "ids": args.ids, "enterprises": n,
                             "links": m, "disk_mib": round(disk, 1),
                             "seconds": round(result["seconds"], 2),
                             "peak_mib": round(result["peak_mib"], 1)})
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
