"""Adapter for the Willems (2008) real supply chains in ``<shared_data>/willems``.

Each ``willems_NN.csv`` has one row per stage; the columns after ``up_stages`` hold
pairs ``supplier_stage, units_per_unit``. The adapter turns the stage rows into an
enterprise table (``segment`` = the stage class: Part, Manuf, Dist, Trans, Retail)
and the pairs into a link table (supplier stage -> stage), then loads both through
the public loader :func:`chaingraph.readwrite.read_chain`.

Usage from any test::

    from willems import load_willems, willems_numbers

    def test_something(shared_data):
        folder = shared_data / "willems"
        for number in willems_numbers(folder):
            chain = load_willems(folder, number)
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

import chaingraph as cg
from chaingraph.readwrite import read_chain

__all__ = ["STAGE_CLASSES", "load_willems", "willems_frames", "willems_numbers"]

STAGE_CLASSES = ("Part", "Manuf", "Dist", "Trans", "Retail")
_NUMERIC = ("lead_time", "max_s_time", "cost_rate", "risk_pool", "ext_demand_mean",
            "ext_demand_std", "ext_demand_thres")


def willems_numbers(path: Path) -> list[str]:
    """Chain numbers present in the folder, as two-digit strings (``"01"``, ...)."""
    return sorted(p.stem.split("_")[1] for p in Path(path).glob("willems_*.csv"))


def willems_frames(path: Path, number: str | int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enterprise and link tables of one chain (before validation)."""
    file = Path(path) / f"willems_{int(number):02d}.csv"
    with file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [r for r in rows[1:] if r]
    fixed = header.index("up_stages")
    stages, links = [], []
    for row in body:
        record = dict(zip(header[:fixed], row[:fixed], strict=False))
        stage = record["stage_id"]
        record["segment"] = stage.split("_")[0]
        stages.append(record)
        rest = row[fixed:]
        for k in range(0, len(rest) - 1, 2):
            if rest[k].strip():
                links.append({"supplier": rest[k].strip(), "buyer": stage,
                              "units": float(rest[k + 1])})
    enterprises = pd.DataFrame(stages).rename(columns={"stage_id": "id"})
    for col in _NUMERIC:
        if col in enterprises.columns:
            enterprises[col] = pd.to_numeric(enterprises[col].replace("", np.nan))
    enterprises["id"] = enterprises["id"].astype(object)
    link_frame = pd.DataFrame(links, columns=["supplier", "buyer", "units"])
    return enterprises, link_frame


def load_willems(path: Path, number: str | int) -> cg.Chain:
    """Load Willems chain ``number`` from the folder ``path`` as a validated Chain."""
    enterprises, links = willems_frames(path, number)
    meta = {"name": f"willems_{int(number):02d}",
            "source": "Willems (2008), MSOM 10(1):19-23"}
    return read_chain(enterprises, links, meta=meta)
