"""The ``chaingraph portfolio`` and ``chaingraph compare`` commands.

Registered in :mod:`chaingraph.cli`; heavy imports happen only when they run.

* ``portfolio ENTERPRISES [LINKS]`` - a district's chains: the portfolio table,
  the echelon plan, the enterprises shared between chains; ``--out DIR`` writes the
  overview and one dossier folder per chain (maps included).
* ``compare BEFORE_ENTERPRISES BEFORE_LINKS AFTER_ENTERPRISES AFTER_LINKS`` - what
  changed in one chain between two snapshots.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chaingraph._cli_options import (
    add_table_options,
    check_files,
    exchange_rates,
    parse_columns,
)

__all__ = ["add_compare", "add_portfolio", "run_compare", "run_portfolio"]


def _input_options(parser: argparse.ArgumentParser) -> None:
    add_table_options(parser, unknown="add", template=False)  # --templates: per chain
    parser.add_argument("--region", help="the district (focal region)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object to stdout (nothing else)")


def add_portfolio(sub: Any) -> None:
    """Add the ``portfolio`` parser block."""
    parser = sub.add_parser(
        "portfolio", help="a district's chains: portfolio table, echelon plan, dossiers",
        description="Read a district's portfolio of chains (one enterprise table with "
                    "a chain column 产业链 plus one link table, or a folder / workbook "
                    "with one chain per file or sheet pair), and report one row per "
                    "chain, the echelon plan and the enterprises shared between chains. "
                    "--out DIR writes portfolio.md/.json/.xlsx, ladder.png, map.png "
                    "and chains/<chain>/ with each chain's full diagnosis.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="ENTERPRISES LINKS, or one folder or workbook")
    parser.add_argument("--chains-column", metavar="COL",
                        help="enterprise column naming each enterprise's chains "
                             "(default: chain, 产业链, ...)")
    parser.add_argument("--chains", metavar="FILE",
                        help="chain metadata (YAML/CSV/Excel: 产业链, 模板, 总链长, 链长, "
                             "链主企业, 链长办, 目标产值, 2025目标产值, ...)")
    parser.add_argument("--templates", metavar="CHAIN=TEMPLATE,...",
                        help="each chain's segment template, e.g. '新能源汽车=nev,"
                             "化妆品=cosmetics'")
    parser.add_argument("--targets", metavar="SPEC", default="2000亿:1,100亿:4,10亿:10",
                        help="echelon plan: THRESHOLD:COUNT pairs (default "
                             "'2000亿:1,100亿:4,10亿:10')")
    parser.add_argument("--previous", nargs="+", metavar="FILE",
                        help="last year's portfolio (same form): adds growth and the "
                             "year-on-year changes")
    parser.add_argument("--out", metavar="DIR",
                        help="write the overview and one folder per chain here")
    parser.add_argument("--year", type=int, metavar="YEAR",
                        help="year of the snapshot (for the yearly targets)")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="report language (default: zh for Chinese chain names)")
    _input_options(parser)


def _templates(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    out = {}
    for part in text.replace("，", ",").split(","):
        chain, sep, template = part.partition("=")
        if not sep or not chain.strip() or not template.strip():
            raise ValueError(f"--templates: expected CHAIN=TEMPLATE pairs separated by "
                             f"commas, got {part!r}")
        out[chain.strip()] = template.strip()
    return out


def _read_portfolio(args: argparse.Namespace, files: list[str],
                    year: int | None = None) -> Any:
    from chaingraph.readwrite.portfolio import read_portfolio

    if not 1 <= len(files) <= 2:
        raise ValueError(f"give ENTERPRISES LINKS, or one folder or workbook; got "
                         f"{len(files)} files")
    check_files(files)
    meta = {"year": year} if year is not None else None
    return read_portfolio(files[0], files[1] if len(files) == 2 else None,
                          chains=args.chains, chains_column=args.chains_column,
                          templates=_templates(args.templates), region=args.region,
                          columns=parse_columns(args.columns), unknown=args.unknown,
                          duplicates=args.duplicates, meta=meta,
                          exchange_rates=exchange_rates(args.exchange_rate))


def run_portfolio(args: argparse.Namespace) -> int:
    """Run ``chaingraph portfolio``."""
    import pandas as pd

    from chaingraph.algorithms.pool import find_shared_enterprises
    from chaingraph.algorithms.portfolio import (
        find_echelon_plan,
        find_plan_progress,
        find_portfolio,
    )
    from chaingraph.dossier import PortfolioReport, diagnose_portfolio

    P = _read_portfolio(args, args.files, args.year)
    previous = _read_portfolio(args, args.previous, args.year - 1 if args.year else None) \
        if args.previous else None
    if args.out:
        report = diagnose_portfolio(P, targets=args.targets, previous=previous,
                                    seed=args.seed)
        written = _write(report, Path(args.out), args.lang)
    else:
        report = PortfolioReport(P, {}, {
            "chains": find_portfolio(P, previous=previous, seed=args.seed),
            "targets": find_echelon_plan(P, targets=args.targets),
            "shared_enterprises": find_shared_enterprises(P),
            "plan_progress": find_plan_progress(P) if P.year is not None
            else pd.DataFrame()})
        written = []
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
        return 0
    _print(report, written, args.lang)
    return 0


def _write(report: Any, out: Path, lang: str | None) -> list[Path]:
    """The dossiers and their maps, all or none: staged inside ``out``, then moved."""
    from chaingraph.readwrite.safety import staged_folder

    with staged_folder(out) as stage:
        written = _write_staged(report, stage, lang)
    return [out / path.relative_to(stage) for path in written]


def _write_staged(report: Any, out: Path, lang: str | None) -> list[Path]:
    from chaingraph.dossier import chain_folder, write_portfolio_report

    written = write_portfolio_report(report, out, lang=lang)
    try:
        from chaingraph.plotting import (
            plot_chain_map,
            plot_echelon_plan,
            plot_portfolio_map,
            save_figure,
        )
    except ImportError as error:
        print(f"chaingraph: note: maps not written ({error})", file=sys.stderr)
        return written
    import matplotlib.pyplot as plt

    from chaingraph.report import atomic_path

    P = report.portfolio
    figures = [(out / "ladder.png", lambda: plot_echelon_plan(P)),
               (out / "map.png", lambda: plot_portfolio_map(P))]
    for name, chain_report in report.reports.items():
        figures.append((chain_folder(out, name) / "map.png", lambda r=chain_report: plot_chain_map(
            r.chain, template=r.template, report=r, region=r.summary.get("region"))))
    for path, draw in figures:
        ax = draw()
        try:
            with atomic_path(path) as tmp:
                save_figure(ax.figure, tmp, dpi=120)
        finally:
            plt.close(ax.figure)
        written.append(path)
    return written


def _print(report: Any, written: list[Path], lang: str | None = None) -> None:
    from chaingraph.amounts import format_amount
    from chaingraph.labels import detect_lang

    P = report.portfolio
    if (lang or detect_lang(P)) == "zh":  # as the dossier's files
        _print_zh(report, written)
        return
    print(f"{P.region or 'portfolio'} {P.year or ''}: {len(P)} chains, "
          f"{P.pool.n_enterprises} enterprises, {P.pool.n_links} links")
    for row in report.tables["chains"].to_dict("records"):
        print(f"  {row['chain']}: {format_amount(row['output'])} ({row['rung']}), "
              f"{row['n_focal']} district enterprises, {row['n_breakpoints']} "
              f"breakpoints, quality-and-efficiency {row['qe_index']:.2f}")
    for text in report.tables["targets"]["explanation"]:
        print(f"  plan {text}")
    shared = report.tables["shared_enterprises"]
    print(f"  enterprises linking chains: {len(shared)} "
          f"({int((shared['kind'] == 'shared member').sum())} in several chains)")
    if written:
        print(f"wrote {len(written)} files under {written[0].parent}")


def _print_zh(report: Any, written: list[Path]) -> None:
    from chaingraph._report_explain import PORTFOLIO_ZH
    from chaingraph._report_text import Names

    P = report.portfolio
    names = Names(P.pool, None, "zh")
    print(f"{P.region or '本区'}{f' {P.year} 年' if P.year else ''}：{len(P)} 条产业链，"
          f"企业 {P.pool.n_enterprises:,} 家，供应关系 {P.pool.n_links:,} 条")
    for row in report.tables["chains"].itertuples(index=False):
        print(f"  {PORTFOLIO_ZH['chains'](row, names)}")
    for row in report.tables["targets"].itertuples(index=False):
        print(f"  梯队目标：{PORTFOLIO_ZH['targets'](row, names)}")
    shared = report.tables["shared_enterprises"]
    print(f"  跨链企业 {len(shared)} 家（其中 "
          f"{int((shared['kind'] == 'shared member').sum())} 家同属多条产业链）")
    if written:
        print(f"已写入 {len(written)} 个文件：{written[0].parent}")


# --- compare ---------------------------------------------------------------------------
def add_compare(sub: Any) -> None:
    """Add the ``compare`` parser block."""
    parser = sub.add_parser(
        "compare", help="what changed in a chain between two snapshots",
        description="Compare two snapshots of one chain (e.g. last year and this year): "
                    "enterprises added and gone, segments gained and lost, breakpoints "
                    "closed and opened, bottlenecks relieved, leaders' rank moves, "
                    "echelon move and output growth. Enterprises are matched by id, "
                    "then by exact name.")
    parser.add_argument("files", nargs=4, metavar="FILE",
                        help="BEFORE_ENTERPRISES BEFORE_LINKS AFTER_ENTERPRISES "
                             "AFTER_LINKS")
    parser.add_argument("--template", metavar="NAME|FILE",
                        help="segment template (built-in name or file)")
    parser.add_argument("--out", metavar="FILE.csv", help="write every change here")
    parser.add_argument("--top", type=int, default=20, metavar="N",
                        help="changes printed (default 20)")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="language of the printed changes (default: zh for Chinese "
                             "chain names); --json and --out keep codes and English")
    _input_options(parser)


def run_compare(args: argparse.Namespace) -> int:
    """Run ``chaingraph compare``."""
    from chaingraph.algorithms.compare import find_changes, summarize_changes
    from chaingraph.readwrite import read_chain

    check_files(args.files)
    options = {"columns": parse_columns(args.columns), "unknown": args.unknown,
               "duplicates": args.duplicates,
               "exchange_rates": exchange_rates(args.exchange_rate)}
    before = read_chain(args.files[0], args.files[1], **options)
    after = read_chain(args.files[2], args.files[3], **options)
    template = args.template or after.meta.get("template")
    region = args.region or after.meta.get("focal_region")
    changes = find_changes(before, after, template=template, region=region,
                           seed=args.seed)
    if args.out:
        from chaingraph.report import atomic_path

        with atomic_path(Path(args.out)) as tmp:
            changes.to_csv(tmp, index=False, encoding="utf-8-sig")
    if args.json:
        summary = summarize_changes(changes)
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return 0
    s = summarize_changes(changes)
    from chaingraph._report_explain import printed_names
    from chaingraph.model.lookup import as_template

    names = printed_names(after, as_template(template) if template else None, args.lang)
    if names is not None:
        from chaingraph._report_explain import change_explanation

        rung = " → ".join(str(names.value(r)) if r else "未入梯队"
                          for r in (s["rung_before"], s["rung_after"]))
        print(f"共 {len(changes)} 项变化：新加入企业 {len(s['enterprises_added'])} 家，退出 "
              f"{len(s['enterprises_removed'])} 家；消除断点 {len(s['breakpoints_closed'])} "
              f"个，新增断点 {len(s['breakpoints_opened'])} 个；梯队 {rung}")
        for row in changes.head(args.top).itertuples(index=False):
            print(f"  {change_explanation(row, names)}")
        return 0
    print(f"{len(changes)} changes: {len(s['enterprises_added'])} enterprises added, "
          f"{len(s['enterprises_removed'])} gone; {len(s['breakpoints_closed'])} "
          f"breakpoints closed, {len(s['breakpoints_opened'])} opened; rung "
          f"{s['rung_before']} -> {s['rung_after']}")
    for text in changes["explanation"].head(args.top):
        print(f"  {text}")
    return 0
