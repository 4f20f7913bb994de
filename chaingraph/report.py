"""diagnose(): run every analysis once on one chain and collect the findings.

:func:`diagnose` converts its input to a :class:`~chaingraph.model.Chain` once, runs
structure, breakpoints (断点), bottlenecks (堵点), chain leaders (链主), extension
candidates (补链/延链/强链) and the echelon (梯队) on it, and returns a
:class:`ChainReport` that renders as HTML in Jupyter, as Markdown, as an Excel workbook
and as JSON.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from chaingraph._progress import counter as _counter
from chaingraph._report_cut import min_cut_pairs, min_cut_table
from chaingraph._report_excel import excel_bytes
from chaingraph._report_explain import chain_lang, display_frame
from chaingraph._report_findings import KEY_FINDINGS, key_findings
from chaingraph._report_json import json_chunks, json_text
from chaingraph._report_render import html_fragment, html_page, markdown
from chaingraph._report_steps import analysis_steps, run_steps
from chaingraph._report_tables import atomic_path, write_tables
from chaingraph._report_text import (
    BOTTLENECK_ORDER,
    DISPLAY_ROWS,
    ROW_LIMIT,
    Names,
    order_breakpoints,
    order_kinds,
)
from chaingraph.labels import COLUMNS, LANGS, SECTIONS
from chaingraph.model import Chain, SegmentTemplate
from chaingraph.model.lookup import TemplateLike

__all__ = ["DISPLAY_ROWS", "KEY_FINDINGS", "ROW_LIMIT", "SECTIONS", "ChainReport",
           "diagnose"]

#: English column -> Chinese header, for ``to_excel(lang="zh")``.
CHINESE_HEADERS: dict[str, str] = {column: zh for column, (zh, _) in COLUMNS.items()}
_LIMIT = DISPLAY_ROWS  # rows per section in Markdown / HTML
#: Files of the full tables, as written by :meth:`ChainReport.write_tables`.
TABLE_FILES = ("key_findings", *SECTIONS, "min_cut_pairs", "min_cut")

#: Result columns renamed in issue 11 (one spelling per concept): table -> {new: old}.
#: The report's tables keep the old column beside the new one, so that the JSON
#: report still has the old keys.
RENAMED_COLUMNS: dict[str, dict[str, str]] = {
    "concentration": {"name_zh": "segment_name"},
    "outside_dependence": {"name_zh": "segment_name"},
    "candidates": {"suppliers_present": "present_suppliers",
                   "buyers_present": "present_buyers"},
}


@dataclass
class ChainReport:
    """The findings of :func:`diagnose`: a summary and one table per question.

    Attributes
    ----------
    summary : dict
        Counts and headline numbers (structure summary, breakpoints by kind, the
        maximum flow, the top leader, the focal echelon rung, ``skipped`` steps
        with the reason, ``seconds`` per step).
    structure, coverage, breakpoints, bottlenecks, concentration,
    outside_dependence, throughput, leaders, candidates, echelon : DataFrame
        The finders' tables (empty when a step was skipped; see
        ``summary["skipped"]``).
    flow : FlowResult or None
        Maximum flow and minimum cut (None when it could not be computed).
    chain : Chain
        The diagnosed chain.
    template : SegmentTemplate or None
        The template used.
    lang : {"zh", "en"}
        Language of the rendered report (labels, explanations, key findings).
    key_findings : DataFrame
        重点问题, the ranked short list every format opens with (a property).

    Examples
    --------
    >>> from chaingraph.report import diagnose
    >>> report = diagnose(cg.datasets.load_example(), template="nev",
    ...                   region="明湾示范区")
    >>> report.summary["breakpoints_by_kind"]["missing_segment"]
    4
    >>> list(report.tables())[:3]
    ['structure', 'coverage', 'breakpoints']
    >>> report.lang, report.to_markdown().splitlines()[0]
    ('zh', '# 产业链诊断报告：明湾示范区新能源汽车产业链（合成示例）')
    >>> report.key_findings["category"].iloc[0], report.key_findings["kind"].iloc[0]
    ('breakpoint', 'missing_segment')
    >>> report.to_markdown(lang="en").splitlines()[2]
    '## Key findings'
    """

    summary: dict[str, Any]
    structure: pd.DataFrame
    coverage: pd.DataFrame
    breakpoints: pd.DataFrame
    bottlenecks: pd.DataFrame
    flow: Any
    concentration: pd.DataFrame
    outside_dependence: pd.DataFrame
    throughput: pd.DataFrame
    leaders: pd.DataFrame
    candidates: pd.DataFrame
    echelon: pd.DataFrame
    chain: Chain = field(repr=False, default=None)  # type: ignore[assignment]
    template: SegmentTemplate | None = field(repr=False, default=None)

    lang: str = "en"
    _cache: dict[Any, Any] = field(repr=False, default_factory=dict, compare=False)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<ChainReport {s.get('chain_name') or ''!s}: {s.get('n_focal')} focal "
                f"enterprises, {s.get('n_breakpoints')} breakpoints, "
                f"{s.get('n_bottlenecks')} bottlenecks>").replace("ChainReport :",
                                                                   "ChainReport:")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by attribute name, in report order."""
        return {name: getattr(self, name) for name in SECTIONS}

    # --- derived tables -------------------------------------------------------------
    @property
    def key_findings(self) -> pd.DataFrame:
        """重点问题: about ten findings to act on, in the report's language.

        Columns ``rank``, ``category`` (breakpoint, bottleneck, candidate, leader),
        ``category_label``, ``kind`` (finding-kind code), ``kind_label``,
        ``subjects`` (enterprise ids), ``segments`` (segment ids), ``number``,
        ``score`` (the finding's own score, comparable only within its kind) and
        ``explanation`` (one sentence). See :func:`diagnose` for the ranking rule.
        """
        return self.key_findings_in(self.lang)

    def key_findings_in(self, lang: str | None = None) -> pd.DataFrame:
        """:attr:`key_findings` in ``lang`` ("zh" or "en"; default the report's)."""
        lang = _lang(lang, self.lang)
        key = ("key_findings", lang)
        if key not in self._cache:
            self._cache[key] = key_findings(self, self.names(lang))
        return self._cache[key]

    def names(self, lang: str | None = None) -> Names:
        """How this report names enterprises, segments and codes in ``lang``."""
        lang = _lang(lang, self.lang)
        return Names(self.chain, self.template, lang, self.summary.get("unit") or "yuan",
                     flow_basis=self.summary.get("flow_basis"),
                     throughput_basis=self.summary.get("throughput_basis"))

    def shown_table(self, section: str, *, lang: str | None = None,
                    rows: int | None = _LIMIT) -> pd.DataFrame:
        """A section's first ``rows`` rows as the report files show them.

        The section's display columns, codes and ids as labels and names, the
        explanation in ``lang`` (default: the report's); the headers are still the
        column codes. Built once per section, language and row count and shared by
        the Markdown, HTML and Excel reports (do not modify it); built again when the
        section's table has been replaced (a table changed in place is not seen, as
        with :attr:`key_findings`). ``section`` is a table of :meth:`tables` or
        ``"min_cut_pairs"`` / ``"min_cut"``.

        Examples
        --------
        >>> from chaingraph.report import diagnose
        >>> report = diagnose(cg.datasets.load_example(), template="nev",
        ...                   region="明湾示范区")
        >>> shown = report.shown_table("breakpoints", lang="en", rows=3)
        >>> len(shown), shown is report.shown_table("breakpoints", lang="en", rows=3)
        (3, True)
        """
        lang = _lang(lang, self.lang)
        if section == "min_cut":
            table = self.min_cut_table()
        elif section == "min_cut_pairs":
            table = self.min_cut_pairs()
        elif section in SECTIONS:
            table = getattr(self, section)
        else:
            known = [*SECTIONS, "min_cut_pairs", "min_cut"]
            raise ValueError(f"section must be one of {known}, got {section!r}")
        key = ("shown", section, lang, rows)
        made = self._cache.get(key)
        if made is None or made[0] is not table:  # the table itself is held: no id reuse
            made = self._cache[key] = (table, display_frame(table, section,
                                                            self.names(lang), rows))
        return made[1]

    def min_cut_table(self) -> pd.DataFrame:
        """The minimum cut's elements with segments and share of the maximum flow."""
        if "min_cut" not in self._cache:
            self._cache["min_cut"] = min_cut_table(self.chain, self.flow)
        return self._cache["min_cut"]

    def min_cut_pairs(self) -> pd.DataFrame:
        """The minimum cut summarised by segment pair (links) and segment (others)."""
        if "min_cut_pairs" not in self._cache:
            self._cache["min_cut_pairs"] = min_cut_pairs(self.min_cut_table())
        return self._cache["min_cut_pairs"]

    def full_tables(self) -> dict[str, pd.DataFrame]:
        """Every table in full, by file stem (see :data:`TABLE_FILES`)."""
        out = {"key_findings": self.key_findings}
        out.update(self.tables())
        out["min_cut_pairs"] = self.min_cut_pairs()
        out["min_cut"] = self.min_cut_table()
        return out

    # --- renderers ------------------------------------------------------------------
    def to_markdown(self, *, rows: int = _LIMIT, lang: str | None = None,
                    files: dict[str, str] | None = None) -> str:
        """A readable report: key findings, summary, then each section's top rows.

        ``lang`` is "zh" or "en" (default: the report's, see :func:`diagnose`);
        ``files`` maps a table name to the file holding it in full (stated under
        the table when rows are left out).
        """
        return markdown(self, rows, _lang(lang, self.lang), files)

    def to_html(self, *, rows: int = _LIMIT, lang: str | None = None,
                map_png: bytes | None = None, files: dict[str, str] | None = None) -> str:
        """report.html: one self-contained styled page, key findings first.

        Every section is open (nothing to click); ``map_png`` (PNG bytes) is
        embedded as the chain map. No network access is needed to view it.
        """
        return html_page(self, rows, _lang(lang, self.lang), files,
                                        map_png)

    def _repr_html_(self) -> str:
        return html_fragment(self, _LIMIT, self.lang)

    def to_json(self, *, indent: int | str | None = "auto", lang: str | None = None,
                rows: int | None = ROW_LIMIT) -> str:
        """The report as JSON (valid: NaN becomes null; ids as given).

        Top-level keys: ``key_findings``, ``summary``, ``structure``,
        ``breakpoints``, ``bottlenecks``, ``leaders``, ``candidates``, ``echelon``,
        ``labels``. Keys and finding-kind codes are the same in every language; a
        ``kind_label`` in ``lang`` sits beside each ``kind``. Each table holds its
        first ``rows`` rows (:data:`ROW_LIMIT`; None: all), and
        ``summary["table_rows"]`` gives every total. ``indent="auto"``
        pretty-prints chains of up to 10,000 enterprises and writes larger ones
        compactly. To save a report, prefer :meth:`write_json`, which streams it.
        """
        if indent == "auto":
            small = self.chain is None or self.chain.n_enterprises <= 10_000
            indent = 2 if small else None
        return json_text(self, indent, rows=rows,
                                        lang=_lang(lang, self.lang))

    def write_json(self, path: str | os.PathLike, *,
                   indent: int | str | None = "auto", lang: str | None = None,
                   rows: int | None = ROW_LIMIT) -> Path:
        """Write :meth:`to_json`'s document to ``path`` (UTF-8); returns the path.

        The text is streamed table by table. Written to a temporary name and
        renamed, like :meth:`to_excel`.
        """
        path = Path(path)
        lang = _lang(lang, self.lang)
        if indent == "auto":
            small = self.chain is None or self.chain.n_enterprises <= 10_000
            indent = 2 if small else None
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            for chunk in json_chunks(self, rows=rows, lang=lang, indent=indent):
                handle.write(chunk)
        return path

    def to_excel(self, path: str | os.PathLike, *, chinese: bool | None = None,
                 lang: str | None = None, rows: int = ROW_LIMIT,
                 files: dict[str, str] | None = None) -> Path:
        """Write the workbook: key findings, summary, one sheet per table.

        Sheet names, headers and labels are in ``lang`` (``chinese=True`` is
        ``lang="zh"``). Values stay numeric with number formats (amounts in 万元,
        shares as percentages); every sheet has a frozen header row, a filter
        and column widths; text from the data is written as text, never as a
        formula. Each sheet holds its first ``rows`` rows; the summary sheet says
        how many the table has. Built in memory and written to a temporary name,
        then renamed, so an interrupted write leaves no partial workbook.
        """
        path = Path(path)
        if lang is None and chinese is not None:
            lang = "zh" if chinese else "en"
        data = excel_bytes(self, rows, _lang(lang, self.lang), files)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return path

    def write_tables(self, folder: str | os.PathLike) -> dict[str, str]:
        """Write every table in full into ``folder`` (Parquet; CSV without pyarrow).

        Returns table name -> file name relative to ``folder``'s parent (e.g.
        ``tables/breakpoints.parquet``). Column names and codes are the finders'
        own, in every language. Each file is written atomically.
        """
        return write_tables(self.full_tables(), Path(folder))


def _lang(lang: str | None, default: str) -> str:
    lang = default if lang is None else lang
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def diagnose(G: Chain | nx.DiGraph, /, *, template: TemplateLike = None, region: Any = None,
             sources: Any = None, final: Any = None, targets: Any = None, seed: Any = 0,
             method: str = "auto", progress: bool | None = None,
             lang: str | None = None, relatedness: Any = None,
             on_step: Callable[[str], Any] | None = None) -> ChainReport:
    """Diagnose a chain: structure, breakpoints, bottlenecks, leaders, candidates.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain (edges supplier -> buyer). Converted once.
    template : SegmentTemplate, str or path, optional
        The industry template: an object, a built-in name (``"nev"``, see
        :func:`chaingraph.datasets.list_templates`) or a YAML/JSON file. Without
        one, template-based findings (coverage, missing segments, broken links,
        extension candidates) are skipped and ``summary["skipped"]`` says so.
    region : str or list of str, optional
        Focal region; None diagnoses the whole chain.
    sources, final : selector, optional
        Override who counts as source / final producer (ids, or
        ``{"segment": ...}``, ``{"stage": ...}``, ``{"region": ...}``).
    targets : float or dict, optional
        Output targets for the echelon (see
        :func:`chaingraph.algorithms.echelon.find_echelon`).
    seed : int, numpy Generator or None, default 0
        Randomness of sampled estimates (throughput, large-chain reach).
    method : str, default "auto"
        Engine for the heavy kernels ("numba" or "scipy").
    progress : bool, optional
        Show a progress bar over the steps (default: only on a terminal).
    lang : {"zh", "en"}, optional
        Language of the rendered report. Default: Chinese when enterprise names,
        segment values or the chain's name contain Chinese characters, else
        English. Codes (JSON keys, finding kinds, table columns) never change.
    relatedness : Series, dict or DataFrame, optional
        An external relatedness density for the candidates (segment -> value, or
        regions x segments). Default: from the chain (see Notes).
    on_step : callable, optional
        Called with each step's name once the step has ended without error
        (``"summary"``, ``"structure"``, ..., ``"leaders"``; ``"flow"`` and
        ``"throughput"`` from the background thread they run in). An exception it
        raises ends the diagnosis as a step's would. The command line uses it to
        start its map process once the leaders, the largest step in memory, have
        ended.

    Returns
    -------
    ChainReport

    Raises
    ------
    TemplateError
        An unknown template name or a malformed template file.
    ValueError
        A region no enterprise is in.

    See Also
    --------
    ChainReport.to_markdown, ChainReport.to_excel, ChainReport.to_json

    Notes
    -----
    Each analysis runs once; the bottleneck table is assembled from the one
    maximum flow, concentration, outside-dependence and throughput results by
    :func:`chaingraph.algorithms.bottlenecks.combine_bottlenecks` (the same rows
    as :func:`~chaingraph.algorithms.bottlenecks.find_bottlenecks`). The
    breakpoints table is grouped by kind (missing segments, broken links, single
    points of failure, single sources), each kind by its own score: scores of
    different kinds are on different scales and are never sorted together. The
    bottleneck table likewise: outside dependence, concentration, throughput
    hubs, then the minimum-cut elements (summarised by segment pair in
    :meth:`ChainReport.min_cut_pairs`).

    **Key findings** (重点问题, :attr:`ChainReport.key_findings`): each kind lists
    its items by its own severity -- the missing segments as one item; single
    points of failure by share of final output cut, enterprises before links;
    on the minimum cut, focal enterprises running at full capacity first, then
    segment pairs by capacity; dependence on abroad grouped by source segment,
    by volume; concentration by HHI; candidates by score; the top leader. The
    list takes one item per category in turn (断点 breakpoints > 堵点
    bottlenecks > 补链/延链/强链 candidates > 链主 leaders), each category
    cycling through its kinds in that priority, at most three of one kind, up to
    :data:`KEY_FINDINGS` items.

    **Relatedness density** of the focal region (:func:`chaingraph.focal_density`,
    from the chain's regions) enters the 补链/延链 score as the
    ``relatedness_density`` component (weight 0.20, column and explanation of the
    same name). When it cannot be computed (no focal region, no regions, one
    region) the score is as without it and ``summary["skipped"]`` says why.
    Chains with cycles are fine (cycles are condensed where an analysis needs a
    DAG). A step that cannot run on this chain (no template, no segments, no
    outputs, an unbounded flow) is skipped and listed in ``summary["skipped"]``
    with the reason. KeyboardInterrupt propagates at once; nothing is written.
    The maximum flow runs in a background thread, started before the other steps
    (its compiled search releases the GIL, so it uses the second core of a 2-core
    machine while the Python-bound steps run); the throughput follows it there, on
    one numba thread while the other steps run and on every thread once they have
    ended (its scores do not depend on the thread count). The results are those of
    running the steps one after the other, and ``summary["seconds"]`` gives each
    step's own, overlapping, wall time. After each step the memory it freed is
    given back to the system (glibc's ``malloc_trim``, 1-5 ms a step at a million
    enterprises; ``CHAINGRAPH_RELEASE_MEMORY=0`` turns it off).

    Examples
    --------
    >>> from chaingraph.report import diagnose
    >>> report = diagnose(cg.datasets.load_example(), template="nev",
    ...                   region="明湾示范区")
    >>> report.summary["breakpoints_by_kind"]["missing_segment"]
    4
    >>> report.candidates["kind"].iloc[0], bool(report.leaders["designated"].iloc[0])
    ('延链 upstream', True)
    >>> report.summary["focal_rung"]
    '千亿级'
    """
    from chaingraph.model.context import resolve

    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)  # fails early on an unknown template or region
    chain, template = context.chain, context.template
    notes: dict[str, str] = {}
    options = {"region": region, "sources": sources, "final": final,
               "targets": targets, "seed": seed, "method": method,
               "relatedness": relatedness, "notes": notes}
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    seconds: dict[str, float] = {}
    steps = analysis_steps(chain, template, options)
    with _counter(sum(reason is None for _, _, reason in steps), desc="diagnose",
                  unit="step", show=progress) as bar:
        run_steps(steps, results, skipped, seconds, bar.counting(on_step))
        if unbounded := sum(name not in results for name in seconds):
            bar.update(unbounded)  # a step that ran and was skipped: the flow
    skipped.update(notes)  # components left out of a step that ran
    if template is not None:
        from chaingraph.algorithms.gaps import NO_LINK_DATA, unjudged_links

        unjudged = unjudged_links(chain, template=template, region=region)
        if len(unjudged):
            skipped["broken_link"] = (f"{NO_LINK_DATA}: {len(unjudged)} template "
                                      "links not judged")
    if lang is None:
        lang = chain_lang(chain)
    return _assemble(chain, template, results, skipped, seconds, options,
                     _lang(lang, "en"))




def _assemble(chain: Chain, template: SegmentTemplate | None, results: dict[str, Any],
              skipped: dict[str, str], seconds: dict[str, float],
              options: dict[str, Any], lang: str) -> ChainReport:
    from chaingraph._report_headline import headline
    from chaingraph.algorithms.bottlenecks import combine_bottlenecks

    empty = pd.DataFrame()
    tables = {name: results.get(name, empty) for name in SECTIONS if name != "bottlenecks"}
    tables["breakpoints"] = order_breakpoints(tables["breakpoints"])
    flow = results.get("flow")
    tables["bottlenecks"] = order_kinds(combine_bottlenecks(
        chain, flow=flow, concentration=results.get("concentration"),
        outside_dependence=results.get("outside_dependence"),
        throughput=results.get("throughput"), explain=ROW_LIMIT), BOTTLENECK_ORDER)
    for name, renamed in RENAMED_COLUMNS.items():
        tables[name] = _with_old_names(tables[name], renamed)
    summary = dict(results.get("summary", {}))
    summary.update(headline(chain, template, tables, flow, options))
    summary["skipped"] = skipped
    summary["seconds"] = seconds
    return ChainReport(summary=summary, flow=flow, chain=chain, template=template,
                       lang=lang, **tables)


def _with_old_names(table: pd.DataFrame, renamed: Mapping[str, str]) -> pd.DataFrame:
    """The table with each renamed column repeated under its old name, right after it."""
    for new, old in renamed.items():
        if new in table.columns and old not in table.columns:
            table = table.copy() if table is not None else table
            table.insert(table.columns.get_loc(new) + 1, old, table[new])
    return table

