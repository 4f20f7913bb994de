"""Option parsing shared by the CLI commands (``cli.py`` and the ``_cli_*`` modules).

Public helpers inside the package, so that command modules need not import
``cli.py`` (which imports them: no cycle).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_exchange_rate", "add_table_options", "check_files", "cli_words", "exchange_rates",
           "header_row", "parse_columns", "read_input", "resolve_template",
           "segment_spellings"]


def parse_columns(text: str | None) -> dict[str, str] | None:
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


def resolve_template(name: str | None) -> Any:
    """``--template``: a built-in template name or a template file (None: no template)."""
    if not name:
        return None
    from chaingraph.model.lookup import as_template

    return as_template(name)


def add_table_options(parser: argparse.ArgumentParser, *, unknown: str = "error",
                      duplicates: str = "error", template: bool = True) -> None:
    """How a command reads its tables, spelled alike in every command.

    ``--columns``, ``--template`` (unless ``template=False``), ``--unknown``,
    ``--duplicates`` (with this command's defaults) and ``--exchange-rate``.
    """
    parser.add_argument("--columns", metavar="MAPPING",
                        help="column names: 'file column=canonical,...', a JSON object "
                             "or a YAML/JSON file (e.g. '企业名称=id,供应商=supplier')")
    if template:
        parser.add_argument("--template", metavar="NAME|FILE",
                            help="segment template: a built-in name (nev, ...) or a file")
    what = {"error": "error", "add": "add them as outside enterprises"}[unknown]
    parser.add_argument("--unknown", choices=("error", "add"), default=unknown,
                        help=f"links naming enterprises not in the table (default: "
                             f"{what})")
    how = {"error": "error", "sum": "sum them"}[duplicates]
    parser.add_argument("--duplicates", choices=("error", "sum"), default=duplicates,
                        help=f"repeated supplier-buyer rows (default: {how})")
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


def read_input(args: argparse.Namespace, files: Sequence[str], *,
               template: Any = None, **options: Any) -> Any:
    """The chain of a command's FILE arguments, read with its table options.

    One or two files (a workbook, JSON chain or directory; or enterprises and links),
    each checked to exist; ``--template`` unless ``template`` is given; the optional
    ``--header-row``, ``--sheets``, ``--segments``, ``--name`` where the command has
    them; ``options`` go to :func:`chaingraph.read_chain` as they are. numba's
    set-up starts beside the reading (:func:`~chaingraph._engines.warm_up`).
    """
    from chaingraph._engines import warm_up
    from chaingraph.readwrite import read_chain

    if not 1 <= len(files) <= 2:
        raise ValueError(f"give one file (a workbook, JSON chain or directory) or two "
                         f"(enterprises, links), got {len(files)}")
    check_files(files)
    warm_up()
    if template is None:
        template = resolve_template(getattr(args, "template", None))
    return read_chain(files[0], files[1] if len(files) == 2 else None,
                      columns=parse_columns(args.columns), template=template,
                      unknown=args.unknown, duplicates=args.duplicates,
                      header_row=header_row(getattr(args, "header_row", None)),
                      sheets=getattr(args, "sheets", None),
                      segments=segment_spellings(getattr(args, "segments", None)),
                      name=getattr(args, "name", None),
                      exchange_rates=exchange_rates(getattr(args, "exchange_rate", [])),
                      **options)


def header_row(text: str | None) -> Any:
    """``--header-row``: N (enterprise sheet) or N,M (enterprise and link sheets)."""
    if not text:
        return None
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    try:
        rows = [int(p) if p else None for p in parts]
    except ValueError:
        raise ValueError(f"--header-row: expected N or N,M, got {text!r}") from None
    return rows[0] if len(rows) == 1 else tuple(rows)


def segment_spellings(text: str | None) -> Any:
    """``--segments``: a two-column sheet (CSV/Excel) or a YAML/JSON mapping file."""
    if not text:
        return None
    path = Path(text)
    if not path.is_file():
        raise FileNotFoundError(f"--segments {text}: no such file")
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return parse_columns(text)
    return path


def check_files(files: Sequence[str]) -> None:
    """FileNotFoundError naming the first of ``files`` that does not exist."""
    for file in files:
        if not Path(file).exists():
            raise FileNotFoundError(f"{file}: no such file or directory")


#: Python keyword hints in messages of the library, as the command line spells them.
_CLI_WORDS = [
    (re.compile(r"\b(unknown|duplicates)='(\w+)'"), r"--\1 \2"),
    (re.compile(r"\bsector=None\b"), "--sector none"),
    (re.compile(r"\bsheets?=\.\.\."), "--sheets ENTERPRISES,LINKS"),
    (re.compile(r"\bcolumns=\.\.\."), "--columns"),
    (re.compile(r"\bsegments=\.\.\."), "--segments FILE"),
    (re.compile(r"\bheader_rows?=\.\.\."), "--header-row"),
    (re.compile(r"\bchains_column="), "--chains-column "),
    (re.compile(r"\(pass self_loops='keep' or 'drop' if this is intended\)"),
     "(remove the row: the command line reads no self-loops)"),
]


def cli_words(text: str) -> str:
    """A message with the library's keyword hints spelled as command-line options.

    Examples
    --------
    >>> cli_words("unknown enterprise 'x' (pass unknown='add' to add it)")
    "unknown enterprise 'x' (pass --unknown add to add it)"
    """
    for pattern, replacement in _CLI_WORDS:
        text = pattern.sub(replacement, text)
    return text.strip()
