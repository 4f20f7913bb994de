"""The ``chaingraph`` console script: a thin argparse front end over the library.

Commands (``chaingraph COMMAND --help`` for each):

* ``demo [--out DIR]`` - diagnose the embedded example, write the report files;
* ``info FILES...`` - what a chain file holds (counts, roles, tiers, regions);
* ``diagnose ENTERPRISES [LINKS] ...`` - the full diagnosis, as report.md,
  report.xlsx, report.json, map.png and map.html (or JSON on stdout);
* ``risk ENTERPRISES LINKS --out FILE.csv`` - systemic risk (ESRI) of every
  enterprise (implemented in :mod:`chaingraph._cli_risk`).

Each command is one ``_add_<name>`` parser block and one ``_run_<name>`` function,
registered in :data:`_COMMANDS`. Bad input exits with status 2 and one line
``chaingraph: error: <file, row, column: message>`` on stderr (``--debug`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chaingraph._cli_risk import add_risk as _add_risk
from chaingraph._cli_risk import run_risk as _run_risk
from chaingraph.exceptions import ChainGraphError

__all__ = ["main"]

Runner = Callable[[argparse.Namespace], int]


# --- shared helpers -------------------------------------------------------------------
def _columns(text: str | None) -> dict[str, str] | None:
    """``--columns``: a JSON/YAML file, a JSON object, or ``"user=canonical,..."``."""
    if not text:
        return None
    path = Path(text)
    if path.is_file():
        import yaml

        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise ValueError(f"--columns {path.name}: not a valid YAML/JSON mapping "
                             f"({' '.join(str(err).split())})") from None
    elif text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as err:
            raise ValueError(f"--columns: not a valid JSON object ({err})") from None
    else:
        loaded = {}
        for part in text.split(","):
            user, sep, canonical = part.partition("=")
            if not sep or not user.strip() or not canonical.strip():
                raise ValueError(f"--columns: expected 'user=canonical' pairs separated "
                                 f"by commas, got {part!r}")
            loaded[user.strip()] = canonical.strip()
    if not isinstance(loaded, dict):
        raise ValueError("--columns must map the file's column names to canonical names")
    return {str(k): str(v) for k, v in loaded.items()}


def _selector(text: str | None) -> Any:
    """``--sources``/``--final``: ``"id1,id2"`` or ``"segment:a,b"`` (stage, region)."""
    if not text:
        return None
    key, sep, values = text.partition(":")
    if sep and key in ("segment", "stage", "region"):
        return {key: [v.strip() for v in values.split(",") if v.strip()]}
    return [v.strip() for v in text.split(",") if v.strip()]


def _read(args: argparse.Namespace, files: Sequence[str]) -> Any:
    from chaingraph.readwrite import read_chain

    if not 1 <= len(files) <= 2:
        raise ValueError(f"give one file (a workbook, JSON chain or directory) or two "
                         f"(enterprises, links), got {len(files)}")
    for file in files:
        if not Path(file).exists():
            raise FileNotFoundError(f"{file}: no such file or directory")
    template = _template(getattr(args, "template", None))
    return read_chain(files[0], files[1] if len(files) == 2 else None,
                      columns=_columns(args.columns), template=template,
                      unknown=args.unknown, duplicates=args.duplicates,
                      exchange_rates=exchange_rates(getattr(args, "exchange_rate", [])))


def _template(name: str | None) -> Any:
    if not name:
        return None
    from chaingraph.report import _template as resolve

    return resolve(name)


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--columns", metavar="MAPPING",
                        help="column names: 'file column=canonical,...', a JSON object "
                             "or a YAML/JSON file (e.g. '企业名称=id,供应商=supplier')")
    parser.add_argument("--template", metavar="NAME|FILE",
                        help="segment template: a built-in name (nev, ...) or a file")
    parser.add_argument("--unknown", choices=("error", "add"), default="error",
                        help="links naming enterprises not in the table (default: error)")
    parser.add_argument("--duplicates", choices=("error", "sum"), default="error",
                        help="repeated supplier-buyer rows (default: error)")
    add_exchange_rate(parser)


def add_exchange_rate(parser: argparse.ArgumentParser) -> None:
    """``--exchange-rate USD=7.1`` (repeatable): yuan per unit of a foreign currency."""
    parser.add_argument("--exchange-rate", action="append", metavar="CUR=RATE",
                        dest="exchange_rate", default=[],
                        help="yuan per unit of a foreign currency, e.g. USD=7.1 "
                             "(repeatable); amounts in a currency without a rate "
                             "are rejected")


def exchange_rates(items: Sequence[str] | None) -> dict[str, float]:
    """``["USD=7.1"]`` -> ``{"USD": 7.1}`` (ValueError naming the bad item)."""
    rates = {}
    for item in items or []:
        currency, sep, rate = item.partition("=")
        try:
            rates[currency.strip().upper()] = float(rate)
        except ValueError:
            sep = ""
        if not sep or not currency.strip():
            raise ValueError(f"--exchange-rate: expected CUR=RATE such as USD=7.1, got "
                             f"{item!r}")
    return rates


def _write_outputs(report: Any, out: Path) -> list[Path]:
    """report.md, report.xlsx, report.json, map.png, map.html (each written whole)."""
    from chaingraph.report import atomic_path

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(report.to_markdown(), encoding="utf-8")
    written.append(out / "report.md")
    written.append(report.write_json(out / "report.json"))  # streamed, table by table
    written.append(report.to_excel(out / "report.xlsx"))
    written += _write_maps(report, out)
    return written


def _write_maps(report: Any, out: Path) -> list[Path]:
    """map.png and map.html from chaingraph.plotting (skipped, with a note, if absent)."""
    try:
        from chaingraph.plotting import plot_chain_map, save_figure, write_html_map
    except ImportError as error:
        print(f"chaingraph: note: maps not written ({error})", file=sys.stderr)
        return []
    import matplotlib.pyplot as plt

    from chaingraph.report import atomic_path

    options = {"template": report.template, "report": report,
               "region": report.summary.get("region")}
    ax = plot_chain_map(report.chain, **options)
    try:
        with atomic_path(out / "map.png") as tmp:
            save_figure(ax.figure, tmp, dpi=150)
    finally:
        plt.close(ax.figure)
    with atomic_path(out / "map.html") as tmp:
        write_html_map(report.chain, tmp, **options)
    return [out / "map.png", out / "map.html"]


def _print_summary(report: Any, written: list[Path]) -> None:
    s = report.summary
    focal = f"; {s.get('n_focal')} in {s['region']}" if s.get("region") else ""
    print(f"{s.get('chain_name') or 'chain'}: {s.get('n_enterprises')} enterprises, "
          f"{s.get('n_links')} links{focal}")
    kinds = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in
                      s.get("breakpoints_by_kind", {}).items()) or "none"
    print(f"  breakpoints (断点): {kinds}")
    kinds = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in
                      s.get("bottlenecks_by_kind", {}).items()) or "none"
    print(f"  bottlenecks (堵点): {kinds}")
    if s.get("top_leader") is not None:
        print(f"  top chain leader (链主): {s.get('top_leader_name') or s['top_leader']}")
    if len(report.candidates):
        top = report.candidates.iloc[0]
        print(f"  top candidate: {top['kind']} {top['name_zh']} ({top['segment']})")
    if s.get("focal_rung"):
        print(f"  echelon (梯队): {s['focal_rung']}")
    for step, reason in s.get("skipped", {}).items():
        print(f"  skipped {step}: {reason}")
    if written:
        print(f"wrote {', '.join(str(p) for p in written)}")


# --- commands -------------------------------------------------------------------------
def _add_demo(sub: Any) -> None:
    parser = sub.add_parser("demo", help="diagnose the embedded example chain",
                            description="Diagnose the embedded synthetic example chain "
                                        "and write report.md, report.xlsx, report.json, "
                                        "map.png and map.html.")
    parser.add_argument("--out", default="chaingraph-demo", metavar="DIR",
                        help="output folder (default: chaingraph-demo)")


def _run_demo(args: argparse.Namespace) -> int:
    from chaingraph.datasets import load_example
    from chaingraph.report import diagnose

    chain = load_example()
    report = diagnose(chain, template=chain.meta.get("template"),
                      region=chain.meta.get("focal_region"), seed=args.seed)
    _print_summary(report, _write_outputs(report, Path(args.out)))
    return 0


def _add_info(sub: Any) -> None:
    parser = sub.add_parser("info", help="what a chain file holds",
                            description="Count enterprises, links, segments, regions, "
                                        "tiers, sources, final producers and isolated "
                                        "enterprises of a chain.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="enterprises and links files, or one workbook / JSON chain")
    _add_input_options(parser)


def _run_info(args: argparse.Namespace) -> int:
    from chaingraph.algorithms.structure import find_structure, structure_summary

    chain = _read(args, args.files)
    template = _template(args.template)
    s = structure_summary(chain, template=template)
    table = find_structure(chain, template=template)
    print(f"{chain.meta.get('name') or ', '.join(args.files)}")
    print(f"  enterprises: {chain.n_enterprises}")
    print(f"  links: {chain.n_links}")
    for column in ("segment", "region"):
        values = table[column].dropna()
        if len(values):
            counts = values.value_counts()
            shown = ", ".join(f"{k} {v}" for k, v in counts.head(8).items())
            more = f", ... ({len(counts)} in all)" if len(counts) > 8 else ""
            print(f"  {column}s: {len(counts)} ({shown}{more})")
    tiers = table["tier"].dropna()
    if len(tiers):
        counts = tiers.astype(int).value_counts().sort_index()
        print(f"  tiers: 0-{int(tiers.max())} ("
              + ", ".join(f"tier {k}: {v}" for k, v in counts.items()) + ")")
    print(f"  sources: {s['n_sources']}")
    print(f"  final producers: {s['n_final']}")
    print(f"  isolated: {s['n_isolated']}")
    if s.get("has_cycles"):
        print(f"  cycles: {s['n_cycles']} ({s['n_in_cycles']} enterprises in cycles)")
    return 0


def _add_diagnose(sub: Any) -> None:
    parser = sub.add_parser(
        "diagnose", help="full diagnosis of a chain",
        description="Diagnose a chain: structure, breakpoints (断点), bottlenecks "
                    "(堵点), chain leaders (链主), extension candidates (补链/延链/强链) "
                    "and echelon (梯队). Writes report.md, report.xlsx, report.json, "
                    "map.png and map.html into --out; with --json prints only the "
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
    parser.add_argument("--out", metavar="DIR", help="output folder "
                                                     "(default: chaingraph-report)")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON report to stdout (nothing else)")


def _run_diagnose(args: argparse.Namespace) -> int:
    from chaingraph.report import diagnose

    chain = _read(args, args.files)
    template = args.template or chain.meta.get("template")
    region = args.region or chain.meta.get("focal_region")
    report = diagnose(chain, template=template, region=region,
                      sources=_selector(args.sources), final=_selector(args.final),
                      targets=args.target, seed=args.seed)
    if args.json:
        text = report.to_json()
        if args.out:
            _write_outputs(report, Path(args.out))
        sys.stdout.write(text + "\n")
        return 0
    _print_summary(report, _write_outputs(report, Path(args.out or "chaingraph-report")))
    return 0


#: name -> (parser block, runner). The resilience helper adds "risk" here.
_COMMANDS: dict[str, tuple[Callable[[Any], None], Runner]] = {
    "demo": (_add_demo, _run_demo),
    "info": (_add_info, _run_info),
    "diagnose": (_add_diagnose, _run_diagnose),
    "risk": (_add_risk, _run_risk),
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
        return run(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("chaingraph: interrupted", file=sys.stderr)
        return 130
    except (ChainGraphError, ValueError, TypeError, OSError, RecursionError,
            _networkx_error()) as error:
        if args.debug:
            raise
        text = error.one_line() if hasattr(error, "one_line") else str(error)
        if isinstance(error, OSError) and error.filename and error.strerror:
            text = f"{error.filename}: {error.strerror}"
        print(f"chaingraph: error: {' '.join(text.split())}", file=sys.stderr)
        return 2


def _networkx_error() -> type[Exception]:
    """networkx's base exception (NodeNotFound for an unknown --sources id, ...)."""
    import networkx as nx

    return nx.NetworkXException


def _tolerant_console() -> None:
    """A console that cannot show some characters (GBK) gets escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # detached or closed
                reconfigure(errors="backslashreplace")


if __name__ == "__main__":  # pragma: no cover - python -m chaingraph.cli
    sys.exit(main())
