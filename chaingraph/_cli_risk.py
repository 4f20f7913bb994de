"""The ``chaingraph risk`` command: ESRI of every enterprise to a CSV file.

Registered in :mod:`chaingraph.cli`; heavy imports happen only when it runs.
Works directly on the reference files of Diem et al. (``firm,sector`` and
``supplier,buyer,weight``: ``firm`` is read as the id, ``sector`` as the segment and
``weight`` as the volume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_risk", "run_risk"]

OUTPUT_COLUMNS = ["enterprise", "esri", "esri_downstream", "esri_upstream", "iterations"]


def add_risk(sub: Any) -> None:
    """Add the ``risk`` parser block."""
    parser = sub.add_parser(
        "risk", help="systemic risk (ESRI) of every enterprise",
        description="Economic Systemic Risk Index (Diem et al. 2022) of each "
                    "enterprise: the share of the chain's output lost when it fails "
                    "alone. Writes enterprise, esri, esri_downstream, esri_upstream, "
                    "iterations to --out (CSV) and prints the riskiest enterprises.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="ENTERPRISES LINKS (e.g. firms.csv edges.csv), or one "
                             "workbook, JSON chain or folder")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="output CSV")
    parser.add_argument("--essentiality", metavar="FILE|essential|linear|template",
                        help="sector x sector table (first column supplier sector, "
                             "headers buyer sectors; 2 essential, 1 linear, 0 "
                             "irrelevant), or a keyword (default: template if "
                             "--template, else essential)")
    parser.add_argument("--substitution", action="store_true",
                        help="replaceability within each sector (p_market = p)")
    parser.add_argument("--tol", type=float, default=1e-2, metavar="EPS",
                        help="stopping rule: largest drop per update (default 1e-2, "
                             "as published; 1e-9 for the fixed point)")
    parser.add_argument("--max-iter", type=int, default=1000, metavar="N",
                        help="cap on updates per scenario (default 1000)")
    parser.add_argument("--enterprises", metavar="IDS",
                        help="only these failures: 'id1,id2,...' or a file with one "
                             "id per line")
    parser.add_argument("--sector", default="segment", metavar="COLUMN",
                        help="enterprise column with the sector (default segment; "
                             "'none' for a single sector)")
    parser.add_argument("--method", choices=("auto", "numba", "scipy"), default="auto")
    parser.add_argument("--checkpoint", metavar="FILE.npz",
                        help="save finished batches here; rerun to resume")
    from chaingraph._cli_options import add_table_options

    add_table_options(parser, duplicates="sum")  # summed, as published


def _enterprises(text: str | None) -> list[str] | None:
    if not text:
        return None
    path = Path(text)
    if path.is_file():
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


def _read_chain(args: argparse.Namespace, template: Any) -> Any:
    from chaingraph._cli_options import read_input

    # one workbook, JSON chain or folder, or two tables, as every command reads them;
    # the loader's aliases read firm as id, sector as segment, weight as volume
    chain = read_input(args, args.files, template=template, self_loops="keep")
    if not chain.n_links:  # an enterprise list alone: no failure could spread
        raise ValueError(f"{args.files[0]}: no supply links read; give ENTERPRISES "
                         "LINKS, or a workbook with a links sheet")
    return chain


def _systemic_risk(args: argparse.Namespace, chain: Any, essentiality: Any,
                   template: Any) -> Any:
    import networkx as nx

    from chaingraph.algorithms.systemic_risk import systemic_risk

    try:
        return systemic_risk(
            chain, enterprises=_enterprises(args.enterprises),
            essentiality=essentiality, template=template,
            sector=None if args.sector.lower() == "none" else args.sector,
            substitution=args.substitution, tol=args.tol, max_iter=args.max_iter,
            method=args.method, checkpoint=args.checkpoint)
    except nx.NodeNotFound as err:
        raise ValueError(f"--enterprises: {err}") from err


def run_risk(args: argparse.Namespace) -> int:
    """Run ``chaingraph risk``; returns the exit status."""
    from chaingraph._cli_options import resolve_template as _template

    template = _template(args.template)
    chain = _read_chain(args, template)
    essentiality: Any = args.essentiality
    keyword = essentiality in ("essential", "linear", "template")
    if essentiality and not keyword and not Path(essentiality).is_file():
        raise FileNotFoundError(f"{essentiality}: no such file")
    table = _systemic_risk(args, chain, essentiality, template)
    from chaingraph.readwrite.safety import atomic_path, neutralize_formula

    out = Path(args.out)
    written = table[OUTPUT_COLUMNS].copy()
    written["enterprise"] = written["enterprise"].map(neutralize_formula)
    with atomic_path(out) as tmp:  # Ctrl-C or a full disk keep the previous file
        written.to_csv(tmp, index=False, float_format="%.17g")
    top = table.sort_values("esri", ascending=False, kind="stable").head(5)
    print(f"ESRI of {len(table)} enterprises ({chain.n_enterprises} enterprises, "
          f"{chain.n_links} links) written to {out}")
    for row in top.itertuples(index=False):
        print(f"  {row.enterprise}: {100 * row.esri:.2f}% of output "
              f"(downstream {100 * row.esri_downstream:.2f}%, upstream "
              f"{100 * row.esri_upstream:.2f}%)")
    sys.stdout.flush()
    return 0
