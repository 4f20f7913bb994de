"""The ``chaingraph regions`` and ``chaingraph transfer`` commands.

Registered in :mod:`chaingraph.cli`; heavy imports happen only when they run.
``regions`` diagnoses every region of a chain in one pass (plus the flows between
regions and counterpart pairs); ``transfer`` simulates moving enterprises to a
destination region or park. Bad input (a region, id or segment not in the chain, a
share outside (0, 1]) exits 2 with one line naming it, before anything is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chaingraph._cli_options import add_table_options, read_input, resolve_template

__all__ = ["add_regions", "add_transfer", "run_regions", "run_transfer"]


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="a workbook, JSON chain or directory, or ENTERPRISES LINKS")
    parser.add_argument("--level", metavar="LEVEL",
                        help="region level: province, city, district, park or a path "
                             "depth (default: the finest present)")
    parser.add_argument("--home", metavar="PROVINCE",
                        help="home province: enterprises elsewhere are the 省外 bucket")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="language of the printed lines (default: zh for Chinese "
                             "chain names); --json and the CSV files keep codes and "
                             "English")
    add_table_options(parser)


def add_regions(sub: Any) -> None:
    """Add the ``regions`` parser block."""
    parser = sub.add_parser(
        "regions", help="every region's chain, flows between regions, counterparts",
        description="Per-region diagnosis (enterprises, output, segments present, "
                    "coverage, missing segments, local supply share, single points "
                    "of failure, echelon rung), the interregional supply matrix and "
                    "counterpart pairs. Abroad / outside-the-province / unknown "
                    "enterprises are reported as buckets, never ranked.")
    _add_common(parser)
    parser.add_argument("--out", metavar="DIR",
                        help="write regions.csv, flows.csv, flow_matrix.csv, "
                             "counterparts.csv and distribution.png here")


def add_transfer(sub: Any) -> None:
    """Add the ``transfer`` parser block."""
    parser = sub.add_parser(
        "transfer", help="simulate moving enterprises to another region or park",
        description="Move enterprises (by id, or a share of a segment's capacity in "
                    "a region) to a destination and compare every region before "
                    "and after; links are kept, the input files are not changed.")
    _add_common(parser)
    parser.add_argument("--to", required=True, metavar="REGION",
                        help="destination: a region or park in the chain")
    parser.add_argument("--move", metavar="IDS",
                        help="'id1,id2,...' or a file with one id per line")
    parser.add_argument("--segment", help="move this segment's enterprises ...")
    parser.add_argument("--origin", help="... in this region")
    parser.add_argument("--share", type=float,
                        help="share of each selected enterprise that moves, in (0, 1]")
    parser.add_argument("--years", type=int, default=3,
                        help="benefit-sharing period in years (default 3)")
    parser.add_argument("--origin-share", type=float, default=0.5,
                        help="share of moved output and tax counted to the origin "
                             "during that period (default 0.5)")


def _read(args: argparse.Namespace) -> tuple[Any, Any]:
    template = resolve_template(args.template)
    return read_input(args, args.files, template=template), template


def _level(text: str | None) -> Any:
    return int(text) if text and text.isdigit() else text


def _records(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _write(path: Path, text: str) -> None:
    """``text`` as UTF-8 with a BOM (Excel then reads Chinese), atomically."""
    from chaingraph.readwrite.safety import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8-sig")


def run_regions(args: argparse.Namespace) -> int:
    """Run ``chaingraph regions``."""
    from chaingraph.algorithms.counterparts import find_counterparts
    from chaingraph.algorithms.region_flows import find_region_flows, region_flow_matrix
    from chaingraph.algorithms.regions import find_regions, region_context

    chain, template = _read(args)
    ctx = region_context(chain, template=template, level=_level(args.level),
                         home=args.home)
    regions = find_regions(ctx)
    flows = find_region_flows(ctx)
    counterparts = find_counterparts(ctx)
    if args.out:
        matrix = region_flow_matrix(ctx)
        figure = _heatmap(ctx)
        from chaingraph.plotting import save_figure
        from chaingraph.readwrite.safety import staged_folder

        with staged_folder(Path(args.out)) as out:  # all files or none
            for name, frame in (("regions", regions), ("flows", flows),
                                ("counterparts", counterparts)):
                _write(out / f"{name}.csv", _csv(frame))
            matrix = matrix.rename(index=_cell, columns=_cell)  # names from the data
            _write(out / "flow_matrix.csv", matrix.to_csv(lineterminator="\n"))
            save_figure(figure, out / "distribution.png")
    if args.json:
        print(json.dumps({"regions": _records(regions), "flows": _records(flows),
                          "counterparts": _records(counterparts)}, ensure_ascii=False))
        return 0
    names = _names(args, chain, template)
    if names is None:
        for row in regions.itertuples(index=False):
            print(row.explanation)
    else:
        from chaingraph._report_explain import region_explanation

        n_segments = len(ctx.segments) if ctx.template is not None else None
        for row in regions.itertuples(index=False):
            print(region_explanation(row, names, n_segments))
    if args.out:
        print(f"已写入 {args.out}：regions.csv、flows.csv、flow_matrix.csv、"
              "counterparts.csv、distribution.png" if names is not None else
              f"wrote regions.csv, flows.csv, flow_matrix.csv, counterparts.csv, "
              f"distribution.png to {args.out}")
    return 0


def _names(args: argparse.Namespace, chain: Any, template: Any) -> Any:
    """How the printed lines name things in Chinese; None for English."""
    from chaingraph._report_explain import printed_names

    return printed_names(chain, template, args.lang)


def _csv(frame: Any) -> str:
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = [_cell(v) for v in safe[col]]
    return safe.to_csv(index=False, lineterminator="\n")


def _cell(value: Any) -> Any:
    from chaingraph.readwrite.safety import neutralize_formula

    if isinstance(value, list):
        value = "; ".join(map(str, value))
    return neutralize_formula(value)


def _heatmap(ctx: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from chaingraph.plotting.distribution import plot_distribution

    figure = Figure(figsize=(12, 1.2 + 0.4 * len(ctx.regions.labels)))
    plot_distribution(ctx, ax=figure.add_subplot())
    figure.tight_layout()
    return figure


def run_transfer(args: argparse.Namespace) -> int:
    """Run ``chaingraph transfer``."""
    from chaingraph.algorithms.transfer import simulate_transfer

    chain, template = _read(args)
    move = None
    if args.move:
        path = Path(args.move)
        move = ([line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()] if path.is_file() else
                [p.strip() for p in args.move.split(",") if p.strip()])
        move = [_id(chain, m) for m in move]
    result = simulate_transfer(chain, to=args.to, move=move, segment=args.segment,
                               origin=args.origin, share=args.share, template=template,
                               level=_level(args.level), home=args.home,
                               years=args.years, origin_share=args.origin_share)
    if args.json:
        print(json.dumps({"moved": [_plain(m) for m in result.moved],
                          "regions": _records(result.regions),
                          "benefits": _records(result.benefits)}, ensure_ascii=False))
        return 0
    names = _names(args, chain, template)
    if names is not None:
        from chaingraph._report_explain import benefit_explanation, transfer_explanation
    for row in result.regions.itertuples(index=False):
        if row.changed:
            print(row.explanation if names is None else transfer_explanation(row, names))
    for row in result.benefits.itertuples(index=False):
        print(row.explanation if names is None else benefit_explanation(row, names))
    return 0


def _id(chain: Any, text: str) -> Any:
    """An id typed on the command line, as the chain spells it (int ids too)."""
    if text in chain.index:
        return text
    if text.lstrip("-").isdigit() and int(text) in chain.index:
        return int(text)
    return text


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
