"""The ``chaingraph`` console script: a thin argparse front end over the library.

Commands (``chaingraph COMMAND --help`` for each):

* ``demo [--out DIR]`` - diagnose the embedded example, write the report files;
* ``info FILES...`` - what a chain file holds (counts, roles, tiers, regions);
* ``diagnose ENTERPRISES [LINKS] ...`` - the full diagnosis, as report.md,
  report.xlsx, report.json, map.png and map.html (or JSON on stdout);
* ``risk ENTERPRISES LINKS --out FILE.csv`` - systemic risk (ESRI) of every
  enterprise (implemented in :mod:`chaingraph._cli_risk`);
* ``io TABLE [--sheet S] [--out DIR] [--json]`` - input-output table indicators per
  sector (implemented in :mod:`chaingraph._cli_io`).
* ``portfolio ENTERPRISES LINKS`` and ``compare BEFORE_E BEFORE_L AFTER_E AFTER_L`` - a
  district's chains and year on year (:mod:`chaingraph._cli_portfolio`).
* ``regions FILES`` / ``transfer FILES --to REGION`` - every region's chain, and
  transfer scenarios (implemented in :mod:`chaingraph._cli_regions`).

Each command is one ``_add_<name>`` parser block and one ``_run_<name>`` function,
registered in :data:`_COMMANDS`. Bad input exits with status 2 and one line
``chaingraph: error: <file, row, column: message>`` on stderr (``--debug`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chaingraph._cli_io import add_io as _add_io
from chaingraph._cli_io import run_io as _run_io
from chaingraph._cli_options import add_table_options as _add_table_options
from chaingraph._cli_options import cli_words
from chaingraph._cli_options import read_input as _read
from chaingraph._cli_options import resolve_template as _template
from chaingraph._cli_portfolio import add_compare as _add_compare
from chaingraph._cli_portfolio import add_portfolio as _add_portfolio
from chaingraph._cli_portfolio import run_compare as _run_compare
from chaingraph._cli_portfolio import run_portfolio as _run_portfolio
from chaingraph._cli_regions import add_regions as _add_regions
from chaingraph._cli_regions import add_transfer as _add_transfer
from chaingraph._cli_regions import run_regions as _run_regions
from chaingraph._cli_regions import run_transfer as _run_transfer
from chaingraph._cli_risk import add_risk as _add_risk
from chaingraph._cli_risk import run_risk as _run_risk
from chaingraph.exceptions import ChainDataWarning, ChainGraphError

__all__ = ["main"]

Runner = Callable[[argparse.Namespace], int]


# --- shared helpers -------------------------------------------------------------------
def _selector(text: str | None) -> Any:
    """``--sources``/``--final``: ``"id1,id2"`` or ``"segment:a,b"`` (stage, region)."""
    if not text:
        return None
    key, sep, values = text.partition(":")
    if sep and key in ("segment", "stage", "region"):
        return {key: [v.strip() for v in values.split(",") if v.strip()]}
    return [v.strip() for v in text.split(",") if v.strip()]


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    _add_table_options(parser)
    parser.add_argument("--header-row", metavar="N[,M]",
                        help="spreadsheet row of the column names in the enterprise "
                             "sheet (N) and the link sheet (M) (default: found below "
                             "title, unit and blank rows)")
    parser.add_argument("--sheets", metavar="ENTERPRISES,LINKS",
                        help="workbook sheets to read, e.g. '重点企业名单,供应关系' "
                             "(default: recognised by their columns)")
    parser.add_argument("--segments", metavar="FILE",
                        help="segment spellings: a two-column sheet 原环节名 -> 模板环节 "
                             "(CSV/Excel) or a YAML/JSON mapping")
    parser.add_argument("--name", help="the chain's title (default: the sheet's "
                                       "title row)")


def _write_outputs(report: Any, out: Path, lang: str | None = None,
                   helper: Any = None) -> list[Path]:
    """The report folder (report.md/.html/.xlsx/.json, map.png/.html, tables/),
    written atomically: all files or none (see :mod:`chaingraph._cli_output`).
    ``helper``: the map process started by :func:`_map_helper`."""
    from chaingraph._cli_output import write_folder

    return write_folder(report, out, lang, helper)


def _map_helper(wanted: bool = True, files: Sequence[str] = ()
                ) -> contextlib.AbstractContextManager[Any]:
    """A process that draws map.png (:mod:`chaingraph._map_process`), started now
    so that it imports matplotlib while this one reads and analyses the chain; for
    input files that hold a large chain (:func:`_large_input`) it starts later, as
    for a chain found large once read (:func:`_postpone_map_helper`), and does not
    take a core from the reading (at a million enterprises the read took 4.4 s
    beside the helper's start-up, 3.0 s alone)."""
    if not wanted:
        return contextlib.nullcontext()
    from chaingraph._map_process import MapProcess

    return MapProcess.later() if _large_input(files) else MapProcess.start()


def _large_input(files: Sequence[str]) -> bool:
    """Whether the input holds at least :data:`~chaingraph._map_process.
    LATE_START_ENTERPRISES` enterprises, told from Parquet metadata without reading
    the tables (the enterprise table is the shorter one; a chain folder's
    ``enterprises.parquet``). Other formats: False (the chain's size decides once
    read)."""
    from chaingraph._map_process import LATE_START_ENTERPRISES

    paths = []
    for name in files:
        path = Path(name)
        paths.append(path / "enterprises.parquet" if path.is_dir() else path)
    if not paths or not all(p.suffix.lower() == ".parquet" and p.is_file() for p in paths):
        return False
    try:
        import pyarrow.parquet as pq

        rows = min(pq.read_metadata(p).num_rows for p in paths)
    except Exception:  # a damaged file: the reader reports it
        return False
    return rows >= LATE_START_ENTERPRISES


def _postpone_map_helper(helper: Any, chain: Any) -> Any:
    """A large chain's map process is stopped now and started again once the
    leaders are found (:data:`chaingraph._map_process.LATE_START_ENTERPRISES`);
    returns diagnose's ``on_step`` for that (None: nothing to start later)."""
    from chaingraph._map_process import LATE_START_ENTERPRISES

    if helper is None or chain.n_enterprises < LATE_START_ENTERPRISES:
        return None
    helper.postpone()
    # the leaders' reach samples are the analyses' largest arrays: from then on the
    # helper's start-up overlaps the last steps (in the writing of the files at the
    # latest, where write_folder starts it)
    return lambda step: helper.begin() if step == "leaders" else None


def _print_summary(report: Any, written: list[Path], lang: str | None = None) -> None:
    from chaingraph._cli_output import print_summary

    print_summary(report, written, lang)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="report language (default: Chinese when enterprise or "
                             "segment names are Chinese, else English)")


# --- commands -------------------------------------------------------------------------
def _add_demo(sub: Any) -> None:
    parser = sub.add_parser("demo", help="diagnose the embedded example chain",
                            description="Diagnose the embedded synthetic example chain "
                                        "and write report.md, report.html, report.xlsx, "
                                        "report.json, map.png, map.html and tables/.")
    parser.add_argument("--out", default="chaingraph-demo", metavar="DIR",
                        help="output folder (default: chaingraph-demo)")
    _add_lang(parser)


def _run_demo(args: argparse.Namespace) -> int:
    from chaingraph._engines import warm_up
    from chaingraph.datasets import load_example
    from chaingraph.report import diagnose

    warm_up()  # beside the example's loading
    with _map_helper() as helper:
        chain = load_example()
        report = diagnose(chain, template=chain.meta.get("template"),
                          region=chain.meta.get("focal_region"), seed=args.seed,
                          lang=args.lang)
        _print_summary(report, _write_outputs(report, Path(args.out), helper=helper))
    return 0


def _add_info(sub: Any) -> None:
    parser = sub.add_parser("info", help="what a chain file holds",
                            description="Count enterprises, links, segments, regions, "
                                        "tiers, sources, final producers and isolated "
                                        "enterprises of a chain.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="enterprises and links files, or one workbook / JSON chain")
    _add_input_options(parser)
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language (default: Chinese when enterprise or segment "
                             "names are Chinese, else English)")


def _run_info(args: argparse.Namespace) -> int:
    from chaingraph._report_explain import chain_lang
    from chaingraph._report_text import segment_names
    from chaingraph.algorithms.structure import find_structure, structure_summary

    chain = _read(args, args.files)
    template = _template(args.template)
    s = structure_summary(chain, template=template)
    table = find_structure(chain, template=template)
    lang = args.lang or chain_lang(chain)
    zh = lang == "zh"
    if template is None and isinstance(chain.meta.get("template"), str):
        try:  # segments are named as in the chain's own template
            template = _template(chain.meta["template"])
        except (ValueError, OSError):
            template = None
    named = segment_names(template or _naming_template(table["segment"]), lang)
    sep = "、" if zh else ", "
    print(f"{chain.meta.get('name') or ', '.join(args.files)}")
    print(f"  企业：{chain.n_enterprises:,} 家" if zh else
          f"  enterprises: {chain.n_enterprises}")
    print(f"  供应关系：{chain.n_links:,} 条" if zh else f"  links: {chain.n_links}")
    for column, title in (("segment", "环节"), ("region", "地区")):
        values = table[column].dropna()
        if len(values):
            counts = values.value_counts()
            show = named.get if column == "segment" else (lambda v, _: v)
            shown = sep.join(f"{show(k, k)} {v}" for k, v in counts.head(8).items())
            if zh:
                more = f"{sep}……（共 {len(counts)} 个）" if len(counts) > 8 else ""
                print(f"  {title}：{len(counts)} 个（{shown}{more}）")
            else:
                more = f", ... ({len(counts)} in all)" if len(counts) > 8 else ""
                print(f"  {column}s: {len(counts)} ({shown}{more})")
    tiers = table["tier"].dropna()
    if len(tiers):
        counts = tiers.astype(int).value_counts().sort_index()
        print(f"  层级：0-{int(tiers.max())}（" + sep.join(
            f"第 {k} 层 {v}" for k, v in counts.items()) + "）" if zh else
            f"  tiers: 0-{int(tiers.max())} ("
            + ", ".join(f"tier {k}: {v}" for k, v in counts.items()) + ")")
    for key, title, word in (("n_sources", "源头企业", "sources"),
                             ("n_final", "终端企业", "final producers"),
                             ("n_isolated", "孤立企业", "isolated")):
        print(f"  {title}：{s[key]:,} 家" if zh else f"  {word}: {s[key]}")
    if s.get("has_cycles"):
        print(f"  循环供应：{s['n_cycles']} 个（{s['n_in_cycles']} 家企业在循环中）" if zh
              else f"  cycles: {s['n_cycles']} ({s['n_in_cycles']} enterprises in cycles)")
    if chain.meta.get("load_log"):
        from chaingraph.readwrite import load_summary

        print(f"  读取情况：{load_summary(chain.meta['load_log'], 'zh')}" if zh else
              f"  loading: {load_summary(chain.meta['load_log'])}")
    return 0


def _naming_template(segments: Any) -> Any:
    """The one built-in template whose segment ids are every segment given (to name
    them in ``info``; the analyses use only the template asked for), else None."""
    from chaingraph.model.lookup import builtin_templates, load_template

    given = {s for s in segments.dropna().unique().tolist() if isinstance(s, str)}
    if not given:
        return None
    fits = [t for t in (load_template(name) for name in sorted(builtin_templates()))
            if given <= set(t.segments["id"])]
    return fits[0] if len(fits) == 1 else None


def _add_diagnose(sub: Any) -> None:
    parser = sub.add_parser(
        "diagnose", help="full diagnosis of a chain",
        description="Diagnose a chain: structure, breakpoints (断点), bottlenecks "
                    "(堵点), chain leaders (链主), extension candidates (补链/延链/强链) "
                    "and echelon (梯队). Writes report.md, report.html, report.xlsx, "
                    "report.json, map.png, map.html and tables/ (full tables) "
                    "into --out, all or none; with --json prints only the "
                    "JSON report (files are then written only if --out is given).")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="ENTERPRISES LINKS, or one workbook / JSON chain")
    _add_input_options(parser)
    parser.add_argument("--region", help="focal region (default: the chain's "
                                         "focal_region metadata, else the whole chain)")
    parser.add_argument("--sources", metavar="SELECTOR",
                        help="who counts as a source: 'id1,id2' or 'segment:a,b', "
                             "'stage:upstream', 'region:X'")
    parser.add_argument("--final", metavar="SELECTOR",
                        help="who counts as a final producer (same form as --sources)")
    parser.add_argument("--target", type=float, metavar="YUAN",
                        help="output target of the focal region for the echelon")
    parser.add_argument("--relatedness", metavar="CSV",
                        help="external relatedness density for the 补链/延链 score: a "
                             "regions x segments CSV (first column: region), e.g. "
                             "cg.relatedness_density(...).to_csv(); default: computed "
                             "from the chain's own regions")
    parser.add_argument("--out", metavar="DIR", help="output folder "
                                                     "(default: chaingraph-report)")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON report to stdout (nothing else)")
    _add_lang(parser)


def _run_diagnose(args: argparse.Namespace) -> int:
    from chaingraph.report import diagnose

    with _map_helper(not args.json or bool(args.out), args.files) as helper:
        chain = _read(args, args.files)
        on_step = _postpone_map_helper(helper, chain)
        template = args.template or chain.meta.get("template")
        region = args.region or chain.meta.get("focal_region")
        report = diagnose(chain, template=template, region=region,
                          sources=_selector(args.sources), final=_selector(args.final),
                          targets=args.target, seed=args.seed, lang=args.lang,
                          relatedness=_relatedness(args.relatedness), on_step=on_step)
        if args.json:
            text = report.to_json()
            if args.out:
                _write_outputs(report, Path(args.out), helper=helper)
            sys.stdout.write(text + "\n")
            return 0
        _print_summary(report, _write_outputs(report, Path(args.out or "chaingraph-report"),
                                              helper=helper))
    return 0


def _relatedness(path: str | None) -> Any:
    """A regions x segments density table from CSV (first column: region), or None."""
    if path is None:
        return None
    import pandas as pd

    from chaingraph.exceptions import ChainDataError, Problem

    table = pd.read_csv(path, index_col=0, encoding="utf-8-sig")
    table.index = table.index.astype(str)
    values = table.apply(pd.to_numeric, errors="coerce")
    if table.empty or values.isna().any().any() or not values.stack().between(0, 1).all():
        raise ChainDataError(Problem("expected a regions x segments table of relatedness "
                                     "densities in [0, 1] (first column: region)", path))
    return values


#: name -> (parser block, runner). The resilience helper adds "risk" here.
_COMMANDS: dict[str, tuple[Callable[[Any], None], Runner]] = {
    "demo": (_add_demo, _run_demo),
    "info": (_add_info, _run_info),
    "diagnose": (_add_diagnose, _run_diagnose),
    "risk": (_add_risk, _run_risk),
    "io": (_add_io, _run_io),
    "portfolio": (_add_portfolio, _run_portfolio),
    "compare": (_add_compare, _run_compare),
    "regions": (_add_regions, _run_regions),
    "transfer": (_add_transfer, _run_transfer),
}


def _parser() -> argparse.ArgumentParser:
    from chaingraph import __version__

    parser = argparse.ArgumentParser(
        prog="chaingraph", description="Industrial chains as directed graphs: "
        "breakpoints, bottlenecks, chain leaders, extension targets, systemic risk.")
    parser.add_argument("--version", action="version", version=f"chaingraph {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback on errors")
    common.add_argument("--seed", type=int, default=0,
                        help="seed of sampled estimates (default 0)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    real = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return real(name, parents=[common], **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]
    for add, _ in _COMMANDS.values():
        add(sub)
    return parser


def _show_warning(message: Any, category: Any, filename: str, lineno: int,
                  file: Any = None, line: Any = None) -> None:
    """A warning as one line ``chaingraph: warning: ...`` (no Python source line)."""
    text = cli_words(" ".join(str(message).split()))
    print(f"chaingraph: warning: {text}", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chaingraph`` command line; returns the exit status.

    Examples
    --------
    >>> from chaingraph.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    chaingraph ...
    0
    """
    _tolerant_console()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    run = _COMMANDS[args.command][1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", ChainDataWarning)  # printed, never raised
            warnings.showwarning = _show_warning
            return run(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("chaingraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of the output stopped reading (``chaingraph demo | head``):
        # stop quietly, as a command ended by SIGPIPE does (status 128 + 13); the
        # files written so far are whole (each is written atomically)
        _quiet_stdout()
        return 141
    except (ChainGraphError, ValueError, TypeError, OSError, RecursionError,
            _networkx_error()) as error:
        if args.debug:
            raise
        text = error.one_line() if hasattr(error, "one_line") else str(error)
        if isinstance(error, OSError) and error.filename and error.strerror:
            text = f"{error.filename}: {error.strerror}"
        print(f"chaingraph: error: {cli_words(' '.join(text.split()))}", file=sys.stderr)
        return 2


def _networkx_error() -> type[Exception]:
    """networkx's base exception (NodeNotFound for an unknown --sources id, ...)."""
    import networkx as nx

    return nx.NetworkXException


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that the flush at exit cannot
    fail again on a closed pipe (the recipe of Python's signal documentation)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _tolerant_console() -> None:
    """A console that cannot show some characters (GBK) gets escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # detached or closed
                reconfigure(errors="backslashreplace")


def _runtime_settings() -> None:
    """How the command's process runs numpy (set before numpy is imported).

    numpy asks the kernel for transparent huge pages for each array of 4 MB or more
    (``madvise(MADV_HUGEPAGE)``). Where the kernel then compacts memory to find them
    (THP "madvise" with defrag "madvise", the default of many distributions), a
    diagnosis of 500,000 enterprises spent 1.3-2.4 s of system time instead of
    0.7-0.95 s and took 0.3-1.0 s longer on two cores. At 100,000 it is the same;
    at 1,000,000 one generator's chain took 0.8-1.3 s less without them, another's
    0.6 s more (its searches read the largest arrays at random, which huge pages
    help), with the same peak memory. The command asks numpy not to (``NUMPY_MADVISE_HUGEPAGE=0``, which the map process
    inherits), unless the user set that variable; ``import chaingraph`` changes
    nothing.
    """
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def console() -> None:
    """The ``chaingraph`` console script: :func:`main`, then a hard exit.

    Once every file is written and the output flushed, the process ends without
    freeing its objects one by one (mypy's ``hard_exit`` does the same): a run on a
    million enterprises holds tens of millions of them, and freeing them took about
    a second. :func:`main` itself returns normally (for use from Python); only the
    command skips the teardown. Output whose reader has stopped reading (a closed
    pipe) ends the command quietly with status 141, as in :func:`main`; another
    stream that cannot be flushed exits the usual way, so Python reports it.
    See :func:`_runtime_settings` for how the command runs numpy.
    """
    _runtime_settings()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _quiet_stdout()
        os._exit(141)
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover - python -m chaingraph.cli
    console()
