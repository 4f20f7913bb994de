"""Regenerate the pictures of the documentation and README from the embedded example.

Run from the repository root: ``python docs/images/make_images.py``. Each PNG is kept
under 400 KB.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import chaingraph as cg

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Write example_map.png, example_leaders.png and example_resilience.png."""
    chain = cg.datasets.load_example()
    nev = cg.load_template("nev")
    report = cg.diagnose(chain, template=nev, region="明湾示范区")
    ax = cg.plotting.plot_chain_map(chain, report=report)
    cg.plotting.save_figure(ax.figure, HERE / "example_map.png", dpi=100)
    ax = cg.plotting.plot_leaders(report.leaders, top=10)
    cg.plotting.save_figure(ax.figure, HERE / "example_leaders.png", dpi=80)
    curve = cg.resilience_curve(chain, strategies=["random", "esri"], steps=8, runs=10,
                                seed=0, template=nev)
    ax = cg.plotting.plot_resilience_curve(curve)
    cg.plotting.save_figure(ax.figure, HERE / "example_resilience.png", dpi=80)
    for name in ("example_map.png", "example_leaders.png", "example_resilience.png"):
        size = (HERE / name).stat().st_size
        print(f"{name}: {size / 1024:.0f} KB")
        assert size < 400 * 1024, name


if __name__ == "__main__":
    main()
