"""The ``chaingraph io`` command: per-sector indicators of an input-output table.

Registered in :mod:`chaingraph.cli`; heavy imports happen only when it runs.
``chaingraph io TABLE [--sheet S] [--out DIR] [--json]``: one row per sector (per
region and sector for a multi-regional table) with :data:`OUTPUT_COLUMNS`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["OUTPUT_COLUMNS", "add_io", "run_io"]

#: The columns of ``chaingraph io`` (``region`` first for multi-regional tables).
OUTPUT_COLUMNS = ["sector", "output", "output_multiplier", "backward_linkage",
                  "forward_linkage", "key_sector", "upstreamness", "downstreamness",
                  "extraction_backward", "extraction_forward"]
#: File written into ``--out``.
OUTPUT_FILE = "io_sectors.csv"


def add_io(sub: Any) -> None:
    """Add the ``io`` parser block."""
    parser = sub.add_parser(
        "io", help="input-output table: linkages, key sectors, extraction",
        description="Read an input-output table (CSV or Excel, in the layout statistical "
                    "offices publish) and report, per sector: output, output multiplier, "
                    "backward and forward linkage, key sector, upstreamness, "
                    "downstreamness and the output lost by hypothetical extraction.")
    parser.add_argument("table", metavar="TABLE", help="the table (.csv, .xlsx)")
    parser.add_argument("--sheet", metavar="S", help="Excel sheet (default: the first)")
    parser.add_argument("--out", metavar="DIR",
                        help=f"write {OUTPUT_FILE} into this folder")
    parser.add_argument("--json", action="store_true",
                        help='print {"sectors": [...]} as JSON on stdout')


def _write_csv(frame: Any, folder: Path) -> Path:
    from chaingraph.readwrite.safety import neutralize_formula

    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.copy()
    for col in ("region", "sector"):
        if col in frame.columns:
            frame[col] = frame[col].map(neutralize_formula)
    target = folder / OUTPUT_FILE
    fd, tmp = tempfile.mkstemp(prefix=".io_sectors.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            frame.to_csv(handle, index=False, float_format="%.17g")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _records(frame: Any) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append({k: (None if isinstance(v, float) and not math.isfinite(v) else
                         v.item() if hasattr(v, "item") else v)
                     for k, v in record.items()})
    return rows


def run_io(args: argparse.Namespace) -> int:
    """Run ``chaingraph io``; returns the exit status."""
    from chaingraph.algorithms.input_output import sector_indicators
    from chaingraph.readwrite.iotables import read_io_table

    if not Path(args.table).exists():
        raise FileNotFoundError(f"{args.table}: no such file or directory")
    sheet: Any = args.sheet
    if sheet is not None and sheet.isdigit():
        sheet = int(sheet)
    table = read_io_table(args.table, sheet=sheet)
    full = sector_indicators(table)
    columns = (["region"] if table.is_multiregional else []) + OUTPUT_COLUMNS
    frame = full[columns].copy()
    frame["sector"] = frame["sector"].astype(str)
    if args.out:
        target = _write_csv(frame, Path(args.out))
        if not args.json:
            print(f"{len(frame)} sectors written to {target}")
    if args.json:
        print(json.dumps({"sectors": _records(frame)}, ensure_ascii=False,
                         allow_nan=False))
    elif not args.out:
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if not args.json:
        key = frame.loc[frame["key_sector"] == "key", "sector"].tolist()
        print(f"key sectors (关键部门): {', '.join(key) if key else 'none'}")
    sys.stdout.flush()
    return 0
