"""One dossier per chain ("one chain, one policy", 一链一策) and the portfolio overview.

:func:`diagnose_portfolio` runs :func:`chaingraph.diagnose` on every chain of a
:class:`~chaingraph.readwrite.portfolio.Portfolio`; :func:`write_portfolio_report`
writes the overview (portfolio table, echelon plan, plan progress, enterprise pool,
shared enterprises, size structure and, with last year's portfolio, the year-on-year
changes) and one folder per chain with its full diagnosis (the report writers of
:class:`~chaingraph.report.ChainReport`) and its governance and key findings
(``dossier.md``). Maps are drawn by the plotting layer (``chaingraph portfolio``
draws them).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_explain import PORTFOLIO_ZH, candidate_label, change_explanation
from chaingraph._report_text import Names, cell_text
from chaingraph.algorithms.compare import compare_portfolios
from chaingraph.algorithms.pool import (
    find_enterprise_pool,
    find_shared_enterprises,
    find_size_structure,
)
from chaingraph.algorithms.portfolio import (
    DEFAULT_PLAN,
    find_echelon_plan,
    find_plan_progress,
    find_portfolio,
)
from chaingraph.amounts import format_amount
from chaingraph.labels import KINDS, detect_lang, label
from chaingraph.readwrite.portfolio import Portfolio
from chaingraph.readwrite.safety import staged_folder
from chaingraph.report import ChainReport, atomic_path, diagnose

__all__ = ["PortfolioReport", "chain_folder", "diagnose_portfolio",
           "write_portfolio_report"]

_TITLES = {  # section -> (English, Chinese)
    "chains": ("Chains", "产业链总览"), "targets": ("Echelon plan", "梯队目标"),
    "plan_progress": ("Plan progress", "年度目标进度"),
    "shared_enterprises": ("Enterprises linking chains", "跨链企业"),
    "size_structure": ("Size structure", "大中小企业结构"),
    "pool": ("Enterprise pool", "企业库"), "changes": ("Year on year", "年度变化"),
}


class PortfolioReport:
    """The portfolio's tables and each chain's diagnosis (from :func:`diagnose_portfolio`).

    Attributes
    ----------
    portfolio : Portfolio
    reports : dict
        Chain -> :class:`~chaingraph.report.ChainReport`.
    tables : dict
        ``chains`` (:func:`~chaingraph.algorithms.portfolio.find_portfolio`),
        ``targets`` (:func:`~chaingraph.algorithms.portfolio.find_echelon_plan`),
        ``plan_progress``, ``shared_enterprises``, ``size_structure``, ``pool`` and,
        with a previous portfolio, ``changes``.

    Examples
    --------
    >>> from chaingraph.dossier import diagnose_portfolio
    >>> R = diagnose_portfolio(cg.datasets.load_example_portfolio())
    >>> sorted(R.tables)[:3], len(R.reports)
    (['chains', 'plan_progress', 'pool'], 6)
    """

    def __init__(self, portfolio: Portfolio, reports: dict[str, ChainReport],
                 tables: dict[str, pd.DataFrame]) -> None:
        self.portfolio, self.reports, self.tables = portfolio, reports, tables

    def __repr__(self) -> str:
        return f"<PortfolioReport: {len(self.reports)} chains>"

    def to_json(self) -> str:
        """The tables as one JSON object (NaN as null), keys as in :attr:`tables`."""
        return json.dumps({k: _records(v) for k, v in self.tables.items()},
                          ensure_ascii=False, indent=2)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def diagnose_portfolio(P: Portfolio, /, *, targets: Any = DEFAULT_PLAN,
                       previous: Portfolio | None = None, seed: Any = 0,
                       method: str = "auto", progress: bool | None = None
                       ) -> PortfolioReport:
    """Diagnose every chain of a portfolio and build the portfolio's tables.

    Parameters
    ----------
    P : Portfolio
    targets : str, dict or list, default ``"2000亿:1,100亿:4,10亿:10"``
        The echelon plan (:func:`~chaingraph.algorithms.portfolio.parse_targets`).
    previous : Portfolio, optional
        Last year's snapshot: adds growth and the ``changes`` table
        (:func:`chaingraph.compare_portfolios`).
    seed, method, progress
        Passed to :func:`chaingraph.diagnose`.

    Returns
    -------
    PortfolioReport

    Examples
    --------
    >>> from chaingraph.dossier import diagnose_portfolio
    >>> R = diagnose_portfolio(cg.datasets.load_example_portfolio())
    >>> R.tables["targets"]["achieved"].tolist()
    [1, 2, 5]
    """
    reports = {}
    for name in P:
        view = P.chain(name)
        region = P.region if P.region is not None and (
            view.column("region", default=None) == P.region).any() else None
        reports[name] = diagnose(view, template=P.template(name), region=region,
                                 seed=seed, method=method, progress=progress)
    tables = {
        "chains": find_portfolio(P, reports=reports, previous=previous),
        "targets": find_echelon_plan(P, targets=targets),
        "plan_progress": find_plan_progress(P) if P.year is not None
        else pd.DataFrame(),
        "shared_enterprises": find_shared_enterprises(P),
        "size_structure": find_size_structure(P),
        "pool": find_enterprise_pool(P),
    }
    if previous is not None:
        tables["changes"] = compare_portfolios(previous, P, seed=seed, method=method)
    return PortfolioReport(P, reports, tables)


def _call(method: Any, *args: Any, lang: str, **kwargs: Any) -> Any:
    """Call a report writer with ``lang=`` when it takes one (newer report writers)."""
    if "lang" in inspect.signature(method).parameters:
        kwargs["lang"] = lang
    return method(*args, **kwargs)


def write_portfolio_report(report: PortfolioReport, out: str | Path, /, *,
                           lang: str | None = None) -> list[Path]:
    """Write the overview and one folder per chain; returns the files written.

    Parameters
    ----------
    report : PortfolioReport
        From :func:`diagnose_portfolio`.
    out : path
        Output folder (created). Files: ``portfolio.md``, ``portfolio.json``,
        ``portfolio.xlsx`` and ``chains/<chain>/`` with ``report.md``,
        ``report.json``, ``report.xlsx`` and ``dossier.md`` (governance, targets,
        key findings). The files are written in a staging folder inside ``out``
        and moved into place once all are written: an error or Ctrl-C leaves
        ``out`` as it was (other files in it stay).
    lang : {"zh", "en"}, optional
        Language of headings; default Chinese when the chain names are Chinese.

    Returns
    -------
    list of Path

    Examples
    --------
    >>> from chaingraph.dossier import diagnose_portfolio, write_portfolio_report
    >>> import tempfile, pathlib
    >>> R = diagnose_portfolio(cg.datasets.load_example_portfolio())
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> files = write_portfolio_report(R, folder)
    >>> sorted(p.name for p in files if p.parent == folder)
    ['portfolio.json', 'portfolio.md', 'portfolio.xlsx']
    """
    out = Path(out)
    zh = (lang or detect_lang(report.portfolio)) == "zh"  # as the printed summary
    with staged_folder(out) as stage:
        written = _write_files(report, stage, zh)
    return [out / path.relative_to(stage) for path in written]


def _write_files(report: PortfolioReport, out: Path, zh: bool) -> list[Path]:
    written = []
    with atomic_path(out / "portfolio.md") as tmp:
        tmp.write_text(_overview(report, zh), encoding="utf-8")
    written.append(out / "portfolio.md")
    with atomic_path(out / "portfolio.json") as tmp:
        tmp.write_text(report.to_json() + "\n", encoding="utf-8")
    written.append(out / "portfolio.json")
    written.append(_excel(report, out / "portfolio.xlsx", zh))
    meta = report.portfolio.chain_table.set_index("chain")
    for name, chain_report in report.reports.items():
        folder = chain_folder(out, name)
        folder.mkdir(parents=True, exist_ok=True)
        language = "zh" if zh else "en"
        with atomic_path(folder / "report.md") as tmp:
            tmp.write_text(_call(chain_report.to_markdown, lang=language), encoding="utf-8")
        written.append(folder / "report.md")
        written.append(chain_report.write_json(folder / "report.json"))
        written.append(_call(chain_report.to_excel, folder / "report.xlsx", lang=language,
                             chinese=zh))
        with atomic_path(folder / "dossier.md") as tmp:
            tmp.write_text(_dossier(name, chain_report, meta.loc[name], report, zh),
                           encoding="utf-8")
        written.append(folder / "dossier.md")
    return written


#: The longest folder name of a chain's dossier, in UTF-8 bytes (a longer chain name
#: is cut there and ends with a digest of the whole name, so that names stay apart).
_NAME_BYTES = 120


def chain_folder(out: str | Path, name: str) -> Path:
    """The folder of one chain's dossier: ``out/chains/<name>`` (name made path-safe,
    a long one cut short with a digest of it).

    Examples
    --------
    >>> from chaingraph.dossier import chain_folder
    >>> chain_folder("out", "汽车/零部件").as_posix()
    'out/chains/汽车_零部件'
    """
    text = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", str(name)).strip(" .")
    if len(text.encode("utf-8")) > _NAME_BYTES:  # file systems hold 255 bytes a name
        digest = hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
        clipped = text.encode("utf-8")[:_NAME_BYTES - 9].decode("utf-8", "ignore")
        text = f"{clipped}_{digest}"
    return Path(out) / "chains" / (text or "chain")


def _cell(value: Any) -> str:
    """Markdown-safe text of one cell (no markup from the data)."""
    if isinstance(value, float):
        return "" if not np.isfinite(value) else (
            format_amount(value) if abs(value) >= 1e4 else f"{value:.3g}")
    if isinstance(value, (list, tuple)):
        value = "、".join(map(str, value))
    if isinstance(value, dict):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    text = "" if value is None else str(value)
    return re.sub(r"([|*_`<>\[\]#\\])", r"\\\1", text.replace("\n", " "))


def _table(frame: pd.DataFrame, columns: list[str], rows: int = 20, lang: str = "en",
           counts: frozenset[str] = frozenset(), total: int | None = None) -> str:
    """A Markdown table of the first ``rows`` rows: headers and codes as labels in
    ``lang``, amounts in 亿/万, shares in percent, ``counts`` as plain numbers (no
    markup from the data)."""
    columns = [c for c in columns if c in frame.columns]
    zh = lang == "zh"
    if not len(frame) or not columns:
        return "（无）\n" if zh else "(none)\n"
    lines = ["| " + " | ".join(_cell(label("columns", c, lang)) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    for record in frame.head(rows).to_dict("records"):
        lines.append("| " + " | ".join(_shown(c, record[c], lang, counts)
                                       for c in columns) + " |")
    total = len(frame) if total is None else total  # the shown rows may be a head
    more = "" if total <= rows else (
        f"\n……另有 {total - rows} 行，见 portfolio.xlsx\n" if zh else
        f"\n... {total - rows} more rows in portfolio.xlsx\n")
    return "\n".join(lines) + "\n" + more


#: Shares among the overview's columns (the report's own are known to cell_text).
_SHARES = frozenset(("local_supply_share", "large_output_share"))


def _shown(column: str, value: Any, lang: str, counts: frozenset[str] = frozenset()
           ) -> str:
    """One cell of the overview: a code as its label, a number as people read it."""
    if column == "top_candidate" and isinstance(value, str):
        value = candidate_label(value, lang)
    elif column in ("kind", "rung", "item") and isinstance(value, str):
        value = label("kinds" if value in KINDS else "values", value, lang)
    if column in ("explanation", "chain", "name", "enterprise", "label", "item"):
        return _cell(value)
    if column in counts:
        return _cell(cell_text("count", value, "yuan", lang))
    return _cell(cell_text("share" if column in _SHARES else column, value, "yuan", lang))


_SHOWN = {
    "chains": ["chain", "n_focal", "output", "rung", "coverage", "n_breakpoints",
               "n_bottlenecks", "top_candidate", "local_supply_share", "qe_index"],
    "targets": ["label", "target", "achieved", "chains", "explanation"],
    "plan_progress": ["chain", "output", "target", "progress", "explanation"],
    "shared_enterprises": ["enterprise", "name", "chains", "linked_chains", "kind"],
    "size_structure": ["chain", "n_large", "n_medium", "n_small", "n_micro",
                       "large_output_share"],
    "changes": ["chain", "kind", "item", "explanation"],
}


def _overview(report: PortfolioReport, zh: bool) -> str:
    P = report.portfolio
    lang = "zh" if zh else "en"
    head = f"{P.region or ''} {P.year or ''}".strip()
    title = f"# {head} 重点产业链总览" if zh else f"# Portfolio of chains {head}"
    parts = [title, ""]
    for key, columns in _SHOWN.items():
        if key not in report.tables:
            continue
        table = report.tables[key]
        note = ""
        if key == "changes" and len(table):  # bottleneck rows are many: counted only
            moved = table["kind"].astype(str).str.startswith("bottleneck")
            table = table[~moved]
            note = (f"另有 {int(moved.sum())} 项堵点变化（缓解或新增）列于 portfolio.xlsx。\n"
                    if zh else f"{int(moved.sum())} bottleneck changes (relieved or new) "
                    "are listed in portfolio.xlsx.\n")
        total = len(table)
        if zh:
            table = _in_chinese(key, table.head(_OVERVIEW_ROWS), report)
        counts = frozenset(("target",)) if key == "targets" else frozenset()
        parts += [f"## {_TITLES[key][1 if zh else 0]}", "",
                  _table(table, columns, _OVERVIEW_ROWS, lang, counts, total), note]
    pool = report.tables["pool"]
    shared = int((pool["n_chains"] >= 2).sum())
    parts += [f"## {_TITLES['pool'][1 if zh else 0]}", "",
              f"企业库共 {len(pool):,} 家企业，其中 {shared} 家属于两条及以上产业链"
              "（完整名单见 portfolio.xlsx）。" if zh else
              f"{len(pool)} enterprises; {shared} in two or more chains "
              "(full list in portfolio.xlsx).", ""]
    return "\n".join(parts)


#: Rows of each table in portfolio.md (the rest in portfolio.xlsx).
_OVERVIEW_ROWS = 40


def _in_chinese(key: str, table: pd.DataFrame, report: PortfolioReport) -> pd.DataFrame:
    """The shown rows with their explanation in Chinese (the tables keep English)."""
    if not len(table) or "explanation" not in table.columns:
        return table
    if key == "changes":  # each chain's own segment names
        rows = list(table.itertuples(index=False))
        names = [_names(report, getattr(row, "chain", None)) for row in rows]
        texts = [change_explanation(row, n) for row, n in zip(rows, names, strict=True)]
        return table.assign(explanation=texts, item=[
            _change_item(row, n) for row, n in zip(rows, names, strict=True)])
    elif key in PORTFOLIO_ZH:
        names = _names(report, None)
        texts = [PORTFOLIO_ZH[key](row, names) for row in table.itertuples(index=False)]
    else:
        return table
    return table.assign(explanation=texts)


def _change_item(row: Any, names: Names) -> Any:
    """What a year-on-year change is about, named: a segment, 产值, a rung."""
    kind, item = getattr(row, "kind", None), getattr(row, "item", None)
    if kind in ("segment_gained", "segment_lost"):
        return names.segment(item)
    if kind == "output_growth":
        return label("columns", "output", "zh")
    if kind == "rung_changed":
        return names.value(item)
    return names.kind(item) if isinstance(item, str) and item in KINDS else item


def _names(report: PortfolioReport, chain: Any) -> Names:
    """Chinese names: of one chain's report (its segments), else of the pool."""
    chain_report = report.reports.get(chain) if chain is not None else None
    if chain_report is not None:
        return chain_report.names("zh")
    return Names(report.portfolio.pool, None, "zh")


def _excel(report: PortfolioReport, path: Path, zh: bool) -> Path:
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for key, frame in report.tables.items():
            sheet = _TITLES[key][1 if zh else 0][:31]
            clean = frame.map(lambda v: _excel_cell(v)) if len(frame) else frame
            clean.to_excel(writer, sheet_name=sheet, index=False)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path


def _excel_cell(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, dict)):
        value = _cell(value).replace("\\", "")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula from the data
    return value


def _dossier(name: str, chain_report: ChainReport, meta: pd.Series,
             report: PortfolioReport, zh: bool) -> str:
    row = report.tables["chains"].set_index("chain").loc[name]
    labels = (("总链长", "general_chief"), ("链长", "chief"), ("链长办", "office"),
              ("链主企业", "leaders"), ("模板", "template"), ("目标产值", "target"))
    lines = [f"# {name}{'：一链一策' if zh else ': one chain, one policy'}", "",
             "## 链长制" if zh else "## Governance", ""]
    for zh_label, key in labels:
        value = meta.get(key)
        shown = getattr(value, "name", value)
        lines.append(f"- {zh_label if zh else key}: {_cell(shown) or '-'}")
    targets = meta.get("targets") or {}
    if targets:
        lines.append(("- 年度目标: " if zh else "- yearly targets: ") + "; ".join(
            f"{y}: {format_amount(v)}" for y, v in sorted(targets.items())))
    lines += ["", "## 重点问题" if zh else "## Key findings", ""]
    if zh:  # the chain's own ranked findings, in Chinese
        summary = report.tables["chains"].set_index("chain").loc[[name]].reset_index()
        lines.append(f"- {_cell(_in_chinese('chains', summary, report)['explanation'].iat[0])}")
        findings = chain_report.key_findings_in("zh")
        lines += [f"- {_cell(text)}" for text in findings["explanation"].head(5)]
    else:
        lines.append(f"- {_cell(row['explanation'])}")
        for table in (chain_report.breakpoints, chain_report.bottlenecks,
                      chain_report.candidates):
            if len(table) and "explanation" in table:
                lines.append(f"- {_cell(table['explanation'].iloc[0])}")
    lines.append("")
    return "\n".join(lines)
