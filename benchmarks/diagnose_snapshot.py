"""Snapshot every ``diagnose`` table, and compare two snapshots (a regression check).

Usage::

    python -m benchmarks.diagnose_snapshot write FOLDER   # pickle the tables
    python -m benchmarks.diagnose_snapshot compare BEFORE AFTER

Chains: the embedded example (template ``nev``, region 明湾示范区) and every Willems
(2008) chain in ``../shared/data/willems`` (skipped when absent). ``compare`` reports
every table that differs, allowing only the column renames listed in ``RENAMED``
(old name -> new name), and exits 1 when something else differs.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

#: Result columns renamed on purpose (issue 11): table -> {old name: new name}. The
#: report keeps the old column beside the new one (JSON keys stay), so "after" has both.
RENAMED: dict[str, dict[str, str]] = {
    "concentration": {"segment_name": "name_zh"},
    "outside_dependence": {"segment_name": "name_zh"},
    "candidates": {"present_suppliers": "suppliers_present",
                   "present_buyers": "buyers_present"},
}

_WILLEMS = Path(os.environ.get(
    "CHAINGRAPH_SHARED_DATA",
    Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "willems"


def _chains():
    import chaingraph as cg

    yield "example", cg.datasets.load_example(), {"template": "nev",
                                                  "region": "明湾示范区"}
    if not _WILLEMS.is_dir():
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from willems import load_willems, willems_numbers

    for number in willems_numbers(_WILLEMS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield f"willems_{number}", load_willems(_WILLEMS, number), {}


def snapshot() -> dict[str, dict[str, object]]:
    """Tables and summary (without timings) of every chain's diagnosis."""
    from chaingraph.report import diagnose

    out = {}
    for name, chain, options in _chains():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = diagnose(chain, **options)
        summary = {k: v for k, v in report.summary.items() if k != "seconds"}
        out[name] = {"summary": summary, **report.tables()}
    return out


def write(folder: str | os.PathLike[str]) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, tables in snapshot().items():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(tables, handle)
        os.replace(tmp, folder / f"{name}.pkl")


def _differences(before: dict, after: dict) -> list[str]:
    problems = []
    for key in sorted(set(before) | set(after)):
        if key not in before or key not in after:
            problems.append(f"{key}: only in {'after' if key in after else 'before'}")
            continue
        old, new = before[key], after[key]
        if isinstance(old, pd.DataFrame):
            for old_name, new_name in RENAMED.get(key, {}).items():
                if old_name in old.columns and new_name not in old.columns:
                    position = old.columns.get_loc(old_name)
                    old = old.copy()
                    old.insert(position, new_name, old[old_name])
            try:
                pd.testing.assert_frame_equal(old, new, check_exact=False, rtol=1e-9)
            except AssertionError as error:
                problems.append(f"{key}: {str(error).splitlines()[0:4]}")
        elif old != new:
            problems.append(f"{key}: {old!r} != {new!r}")
    return problems


def compare(before: str | os.PathLike[str], after: str | os.PathLike[str]) -> int:
    failed = 0
    for file in sorted(Path(before).glob("*.pkl")):
        other = Path(after) / file.name
        if not other.exists():
            print(f"{file.stem}: missing after")
            failed += 1
            continue
        old = pickle.loads(file.read_bytes())
        new = pickle.loads(other.read_bytes())
        for problem in _differences(old, new):
            print(f"{file.stem}.{problem}")
            failed += 1
    print("identical" if not failed else f"{failed} differences")
    return 1 if failed else 0


if __name__ == "__main__":
    command, *folders = sys.argv[1:]
    if command == "write":
        write(folders[0])
    else:
        sys.exit(compare(*folders))
