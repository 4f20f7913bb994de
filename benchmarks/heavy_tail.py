"""A second, independent chain generator: 6 tiers, heavy-tailed supplier popularity.

Written separately from :func:`chaingraph.datasets.generate_chain` (which places
links by size-based preferential attachment along the template's edges) so that the
national-scale figures are not tuned to one generator's shape. Here:

* enterprises are spread over **6 tiers** (raw materials ... after-sales), each tier a
  few segments of the ``nev`` template;
* every enterprise buys from suppliers chosen with **lognormal popularity**
  (sigma 2.0): a few suppliers have thousands of buyers, most have a handful;
* of the links, **89.5 %** go one tier down, **7 %** skip a tier (two or more down),
  **3 %** stay within a tier and **0.5 %** point back upstream, closing cycles;
* outputs are lognormal, link volumes share each buyer's output, regions are drawn
  with 15 % in the focal district and the rest spread over four other regions.

Vectorised numpy, no Python loop over enterprises or links: 1M enterprises / 5M links
in seconds. ``python -m benchmarks.heavy_tail 1000000 OUTDIR`` writes
``enterprises.parquet`` and ``links.parquet`` (CSV without pyarrow).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["TIERS", "heavy_tail_frames", "write_frames"]

#: nev segments by tier, upstream first.
TIERS = (
    ("lithium_resources", "nickel_cobalt", "graphite", "basic_chemicals",
     "rare_earth_magnets", "steel_aluminium", "semiconductor_materials", "rubber"),
    ("lithium_salts", "cathode", "anode", "electrolyte", "separator"),
    ("battery_cell", "power_semiconductors", "automotive_chips", "sensors_lidar", "tyres"),
    ("battery_pack", "drive_motor", "electronic_control", "intelligent_cockpit",
     "driving_domain_controller", "thermal_management", "body_chassis"),
    ("vehicle_assembly", "charging_infrastructure"),
    ("after_sales", "battery_recycling"),
)
TIER_SHARES = np.array([0.26, 0.22, 0.2, 0.18, 0.08, 0.06])
REGIONS = ("明湾示范区", "明湾市其他区", "本省其他市", "外省", "境外")
REGION_SHARES = np.array([0.15, 0.2, 0.35, 0.25, 0.05])
KIND_SHARES = {"next": 0.895, "skip": 0.07, "same": 0.03, "back": 0.005}


def _pick(rng, pools_ptr, pools, weights_cum, tier_of_pick):
    """One supplier per entry of ``tier_of_pick``, by popularity within that tier."""
    out = np.empty(len(tier_of_pick), dtype=np.int64)
    for t in range(len(pools_ptr) - 1):
        mask = tier_of_pick == t
        k = int(mask.sum())
        if not k:
            continue
        lo, hi = pools_ptr[t], pools_ptr[t + 1]
        cum = weights_cum[lo:hi]
        u = rng.random(k) * cum[-1]
        out[mask] = pools[lo + np.searchsorted(cum, u, side="right").clip(0, hi - lo - 1)]
    return out


def heavy_tail_frames(n: int, *, links_per: float = 5.0, sigma: float = 2.0,
                      seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enterprise and link tables of a ``n``-enterprise heavy-tailed 6-tier chain."""
    rng = np.random.default_rng(seed)
    n_tiers = len(TIERS)
    tier = np.sort(rng.choice(n_tiers, size=n, p=TIER_SHARES))
    tier[:n_tiers] = np.arange(n_tiers)  # every tier non-empty
    tier.sort()
    seg_names = [s for tier_segs in TIERS for s in tier_segs]
    seg_offset = np.cumsum([0] + [len(t) for t in TIERS])
    seg_code = seg_offset[tier] + (rng.random(n) * np.array(
        [len(t) for t in TIERS])[tier]).astype(np.int64)
    region = rng.choice(len(REGIONS), size=n, p=REGION_SHARES)
    output = np.round(rng.lognormal(np.log(3e7), 1.3, size=n), -4)
    popularity = rng.lognormal(0.0, sigma, size=n)

    # nodes are sorted by tier, so each tier's pool is a contiguous range
    pools_ptr = np.searchsorted(tier, np.arange(n_tiers + 1))
    pools = np.arange(n, dtype=np.int64)
    cum = np.empty(n)
    for t in range(n_tiers):
        lo, hi = pools_ptr[t], pools_ptr[t + 1]
        cum[lo:hi] = np.cumsum(popularity[lo:hi])

    m_target = int(n * links_per)
    m_draw = int(m_target * 1.08) + 64
    buyers = rng.integers(pools_ptr[1], n, size=m_draw)  # tier 0 buys nothing ...
    kinds = rng.choice(4, size=m_draw, p=list(KIND_SHARES.values()))
    skip = kinds == 1   # a skip needs a buyer two or more tiers below the top
    buyers[skip] = rng.integers(pools_ptr[2], n, size=int(skip.sum()))
    bt = tier[buyers]
    st = bt - 1                                            # next: one tier up
    st[skip] = bt[skip] - 2 - (rng.random(int(skip.sum())) < 0.3)
    same = kinds == 2
    st[same] = bt[same]
    back = kinds == 3
    st[back] = np.minimum(bt[back] + 1 + (rng.random(int(back.sum())) < 0.5), n_tiers - 1)
    st = np.clip(st, 0, n_tiers - 1)
    sup = _pick(rng, pools_ptr, pools, cum, st)
    keep = sup != buyers
    key = np.sort(sup[keep] * n + buyers[keep])
    key = key[np.r_[True, key[1:] != key[:-1]]]  # distinct (supplier, buyer) pairs
    if len(key) > m_target:
        key = np.sort(rng.choice(key, size=m_target, replace=False))
    src, dst = key // n, key % n
    weight = rng.lognormal(0.0, 1.0, size=len(src))
    per_buyer = np.bincount(dst, weights=weight, minlength=n)
    volume = np.round(0.6 * output[dst] * weight / per_buyer[dst], -2)
    numbers = pd.Series(np.arange(n)).astype(str)
    ids = ("E" + numbers).to_numpy(dtype=object)
    enterprises = pd.DataFrame({
        "id": ids,
        "name": ("企业" + numbers).to_numpy(dtype=object),
        "segment": np.asarray(seg_names, dtype=object)[seg_code],
        "region": np.asarray(REGIONS, dtype=object)[region],
        "output": output,
    })
    links = pd.DataFrame({"supplier": ids[src], "buyer": ids[dst], "volume": volume})
    return enterprises, links


def write_frames(enterprises: pd.DataFrame, links: pd.DataFrame, folder: str | os.PathLike
                 ) -> tuple[Path, Path]:
    """Write the two tables as Parquet (CSV when pyarrow is missing), atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import pyarrow  # noqa: F401
        ext = "parquet"
    except ImportError:
        ext = "csv"
    paths = []
    for name, frame in (("enterprises", enterprises), ("links", links)):
        path = folder / f"{name}.{ext}"
        tmp = path.with_name(path.name + ".tmp")
        if ext == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
        paths.append(path)
    return paths[0], paths[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.heavy_tail",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--links-per", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    ent, links = heavy_tail_frames(args.n, links_per=args.links_per, seed=args.seed)
    for path in write_frames(ent, links, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
