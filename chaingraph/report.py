"""diagnose(): run every analysis once on one chain and collect the findings.

:func:`diagnose` converts its input to a :class:`~chaingraph.model.Chain` once, runs
structure, breakpoints (断点), bottlenecks (堵点), chain leaders (链主), extension
candidates (补链/延链/强链) and the echelon (梯队) on it, and returns a
:class:`ChainReport` that renders as HTML in Jupyter, as Markdown, as an Excel workbook
and as JSON.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._progress import progress as _progress
from chaingraph.model import OUTPUT, SEGMENT, Chain, SegmentTemplate
from chaingraph.model.lookup import TemplateLike

__all__ = ["SECTIONS", "ChainReport", "diagnose"]

#: Report tables: attribute -> (title, Chinese sheet name, one-line definition).
SECTIONS: dict[str, tuple[str, str, str]] = {
    "structure": ("Structure", "结构", "Every enterprise with its role (source, final "
                  "producer, intermediate, isolated), tier and trading partners."),
    "coverage": ("Segment coverage", "环节覆盖", "Each template segment: present in "
                 "the focal region or not, and how many of its template links are "
                 "realised locally."),
    "breakpoints": ("Breakpoints (断点)", "断点", "Missing segments, broken template "
                    "links, single points of failure (one enterprise or link whose "
                    "loss cuts final producers off from every source) and single "
                    "sources."),
    "bottlenecks": ("Bottlenecks (堵点)", "堵点", "Minimum-cut elements that cap the "
                    "flow from sources to final producers, concentrated segments, "
                    "outside-dependent segments and throughput hubs."),
    "concentration": ("Concentration", "集中度", "Herfindahl-Hirschman index of each "
                      "segment's output among focal enterprises."),
    "outside_dependence": ("Outside dependence", "外部依赖", "Share of each segment's "
                           "input volume bought from outside the focal region and "
                           "from abroad."),
    "throughput": ("Throughput", "通量", "Share of the volume-weighted source-to-final "
                   "shortest supply paths through each enterprise."),
    "leaders": ("Chain leaders (链主)", "链主", "Focal enterprises scored by output "
                "share, local suppliers, downstream reach and demand pull."),
    "candidates": ("Extension candidates (补链/延链/强链)", "补链延链", "Missing "
                   "segments to attract, scored by chain-length gain, links repaired, "
                   "outside demand and relatedness, and weak segments to strengthen."),
    "echelon": ("Echelon (梯队)", "梯队", "Total output against the 千亿/百亿/十亿 "
                "(100/10/1 billion yuan) ladder."),
}

#: English column -> Chinese header, for ``to_excel(chinese=True)``.
CHINESE_HEADERS: dict[str, str] = {
    "enterprise": "企业", "name": "名称", "segment": "环节", "stage": "阶段",
    "region": "地区", "role": "角色", "tier": "层级", "kind": "类型", "score": "得分",
    "explanation": "说明", "supplier": "供应方", "buyer": "采购方",
    "element": "要素", "capacity": "产能", "output": "产值", "volume": "金额",
    "in_focal": "在本区", "rank": "排名", "segment_rank": "环节内排名",
    "output_share": "产值占比", "local_suppliers": "本地供应商数",
    "local_supplier_volume": "本地采购额", "downstream_reach": "下游覆盖率",
    "demand_pull": "需求拉动", "designated": "认定链主", "name_zh": "环节名称",
    "targets": "招商目标", "target_names": "目标企业", "reason": "原因",
    "chain_length_gain": "链长增量", "links_repaired": "修复链接数",
    "outside_demand": "外部采购额", "relatedness": "关联度", "hhi": "HHI",
    "outside_share": "外部依赖度", "abroad_share": "境外依赖度", "group": "组别",
    "level": "层次", "rung": "梯队", "next_rung": "下一梯队", "progress": "进度",
    "target": "目标", "gap": "差距", "distance_to_next": "距下一梯队",
    "throughput": "通量", "key": "项目", "value": "值", "flow": "流量",
    "saturation": "饱和度", "n_enterprises": "企业数", "present": "已有",
}

_LIMIT = 10  # rows per section in Markdown / HTML

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

    Examples
    --------
    >>> from chaingraph.report import diagnose
    >>> report = diagnose(cg.datasets.load_example(), template="nev",
    ...                   region="明湾示范区")
    >>> report.summary["breakpoints_by_kind"]["missing_segment"]
    4
    >>> list(report.tables())[:3]
    ['structure', 'coverage', 'breakpoints']
    >>> report.to_markdown().splitlines()[0]
    '# Chain diagnosis: 明湾示范区新能源汽车产业链（合成示例）'
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

    def __repr__(self) -> str:
        s = self.summary
        return (f"<ChainReport {s.get('chain_name') or ''!s}: {s.get('n_focal')} focal "
                f"enterprises, {s.get('n_breakpoints')} breakpoints, "
                f"{s.get('n_bottlenecks')} bottlenecks>").replace("ChainReport :",
                                                                   "ChainReport:")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by attribute name, in report order."""
        return {name: getattr(self, name) for name in SECTIONS}

    # --- renderers ------------------------------------------------------------------
    def to_markdown(self, *, rows: int = _LIMIT) -> str:
        """A readable report: summary, then each section's definition and top rows."""
        from chaingraph._report_render import markdown

        return markdown(self, rows)

    def _repr_html_(self) -> str:
        from chaingraph._report_render import html

        return html(self, _LIMIT)

    def to_json(self, *, indent: int | str | None = "auto") -> str:
        """The report as JSON (valid: NaN becomes null; ids as given).

        Top-level keys: ``summary``, ``structure``, ``breakpoints``,
        ``bottlenecks``, ``leaders``, ``candidates``, ``echelon``. ``indent="auto"``
        pretty-prints chains of up to 10,000 enterprises and writes larger ones
        compactly (much faster). To save a national chain's report, prefer
        :meth:`write_json`, which streams it to a file table by table.
        """
        from chaingraph._report_render import json_text

        if indent == "auto":
            small = self.chain is None or self.chain.n_enterprises <= 10_000
            indent = 2 if small else None
        return json_text(self, indent)

    def write_json(self, path: str | os.PathLike, *,
                   indent: int | str | None = "auto") -> Path:
        """Write :meth:`to_json`'s document to ``path`` (UTF-8); returns the path.

        Compact output is streamed table by table, so a national chain's report
        never sits in memory as one string. Written to a temporary name and
        renamed, like :meth:`to_excel`.
        """
        from chaingraph._report_render import json_chunks

        path = Path(path)
        if indent == "auto":
            small = self.chain is None or self.chain.n_enterprises <= 10_000
            indent = 2 if small else None
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            if indent is None:
                for chunk in json_chunks(self):
                    handle.write(chunk)
            else:
                handle.write(self.to_json(indent=indent))
        return path

    def to_excel(self, path: str | os.PathLike, *, chinese: bool = False) -> Path:
        """Write one sheet per table (and a summary sheet); returns the path.

        With ``chinese=True`` sheet names and common headers are Chinese (断点,
        堵点, 链主, 补链延链, 梯队, ...). The file is written to a temporary name
        and renamed, so an interrupted write leaves no partial workbook.
        """
        from chaingraph._report_render import excel_sheets

        path = Path(path)
        sheets = excel_sheets(self, chinese)
        buffer = io.BytesIO()  # built in memory: an interruption leaves no file
        writer = pd.ExcelWriter(buffer, engine="openpyxl")
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        writer.close()
        with atomic_path(path) as tmp:
            tmp.write_bytes(buffer.getvalue())
        return path


class atomic_path:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=self.path.suffix,
                                        dir=self.path.parent)
        os.close(handle)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self.tmp, 0o666 & ~mask)
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def _steps(chain: Chain, template: SegmentTemplate | None, options: dict[str, Any]
           ) -> list[tuple[str, Callable[[], Any], str | None]]:
    """(name, thunk, reason to skip or None) for each analysis, in order."""
    from chaingraph.algorithms import bottlenecks as bn
    from chaingraph.algorithms import breakpoints as bp
    from chaingraph.algorithms import structure as st
    from chaingraph.algorithms.echelon import find_echelon
    from chaingraph.algorithms.extension import find_extension_candidates
    from chaingraph.algorithms.leaders import find_leaders

    region, sources, final = options["region"], options["sources"], options["final"]
    method, seed = options["method"], options["seed"]
    roles = {"sources": sources, "final": final}
    no_template = None if template is not None else "no template given"
    has_segments = chain.has_column(SEGMENT)
    no_segments = None if has_segments else "the chain has no segment column"
    has_output = chain.has_column(OUTPUT)
    return [
        ("summary", lambda: st.structure_summary(
            chain, template=template, region=region, method=method, **roles), None),
        ("structure", lambda: st.find_structure(
            chain, template=template, region=region, method=method, **roles), None),
        ("coverage", lambda: st.find_segment_coverage(chain, template=template, region=region),
         no_template),
        ("breakpoints", lambda: bp.find_breakpoints(
            chain, template=template, region=region, method=method, **roles), None),
        ("flow", lambda: bn.max_flow(chain, template=template, method=method, **roles),
         None),
        ("concentration", lambda: bn.find_concentration(
            chain, region=region, template=template), no_segments),
        ("outside_dependence", lambda: bn.find_outside_dependence(
            chain, region=region, template=template), no_segments),
        ("throughput", lambda: bn.find_throughput(
            chain, template=template, seed=seed, method=method, **roles), None),
        ("leaders", lambda: find_leaders(chain, region=region, template=template,
                                         seed=seed), None),
        ("candidates", lambda: find_extension_candidates(chain, template=template, region=region),
         no_template or no_segments),
        ("echelon", lambda: find_echelon(chain, region=region, targets=options["targets"]),
         None if has_output else "the chain has no output column"),
    ]


def diagnose(G: Chain | nx.DiGraph, /, *, template: TemplateLike = None, region: Any = None,
             sources: Any = None, final: Any = None, targets: Any = None, seed: Any = 0,
             method: str = "auto", progress: bool | None = None) -> ChainReport:
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
    maximum flow, concentration, outside-dependence and throughput results (the
    same rows as :func:`chaingraph.algorithms.bottlenecks.find_bottlenecks`).
    Chains with cycles are fine (cycles are condensed where an analysis needs a
    DAG). A step that cannot run on this chain (no template, no segments, no
    outputs, an unbounded flow) is skipped and listed in ``summary["skipped"]``
    with the reason. KeyboardInterrupt propagates at once; nothing is written.

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
    options = {"region": region, "sources": sources, "final": final,
               "targets": targets, "seed": seed, "method": method}
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    seconds: dict[str, float] = {}
    steps = _steps(chain, template, options)
    for name, run, reason in _progress(steps, total=len(steps), desc="diagnose",
                                       show=progress, unit="step"):
        if reason is not None:
            skipped[name] = reason
            continue
        start = time.perf_counter()
        try:
            results[name] = run()
        except ValueError as error:
            if name != "flow":
                raise
            skipped[name] = f"maximum flow not computed: {error}"
        seconds[name] = round(time.perf_counter() - start, 4)
    if template is not None:
        from chaingraph.algorithms.gaps import NO_LINK_DATA, unjudged_links

        unjudged = unjudged_links(chain, template=template, region=region)
        if len(unjudged):
            skipped["broken_link"] = (f"{NO_LINK_DATA}: {len(unjudged)} template "
                                      "links not judged")
    return _assemble(chain, template, results, skipped, seconds, options)


def _assemble(chain: Chain, template: SegmentTemplate | None, results: dict[str, Any],
              skipped: dict[str, str], seconds: dict[str, float],
              options: dict[str, Any]) -> ChainReport:
    from chaingraph._report_render import bottleneck_table, headline

    empty = pd.DataFrame()
    tables = {name: results.get(name, empty) for name in SECTIONS if name != "bottlenecks"}
    flow = results.get("flow")
    tables["bottlenecks"] = bottleneck_table(chain, flow, results)
    for name, renamed in RENAMED_COLUMNS.items():
        tables[name] = _with_old_names(tables[name], renamed)
    summary = dict(results.get("summary", {}))
    summary.update(headline(chain, template, tables, flow, options))
    summary["skipped"] = skipped
    summary["seconds"] = seconds
    return ChainReport(summary=summary, flow=flow, chain=chain, template=template,
                       **tables)


def _with_old_names(table: pd.DataFrame, renamed: Mapping[str, str]) -> pd.DataFrame:
    """The table with each renamed column repeated under its old name, right after it."""
    for new, old in renamed.items():
        if new in table.columns and old not in table.columns:
            table = table.copy() if table is not None else table
            table.insert(table.columns.get_loc(new) + 1, old, table[new])
    return table


def _clean(value: Any) -> Any:
    """JSON-safe value: NaN/inf/NA -> None, numpy -> Python, sets -> sorted lists."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, set, frozenset)):
        items = list(value)
        if isinstance(value, (set, frozenset)):
            items = sorted(items, key=str)
        return [_clean(v) for v in items]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
