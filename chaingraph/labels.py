"""Display labels of the report in Chinese and English: one table per kind of text.

Machine-readable codes (JSON keys, finding-kind codes such as ``missing_segment`` or
``强链 strengthen``, column names of the full tables) never change with the language;
these tables give the label shown beside them. :func:`label` looks one up and falls back
to the code itself, so an unknown code is shown as it is, never dropped.

Everything here is plain data and two small functions, so every renderer can import it
(it imports nothing from chaingraph).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["LANGS", "SECTIONS", "detect_lang", "has_cjk", "label", "map_text"]

#: The report's languages.
LANGS = ("zh", "en")

#: Report tables: attribute -> (title, Chinese sheet name, one-line definition).
#: (The historical English layout; :data:`SECTION_ZH` gives the Chinese title and
#: definition.)
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
    "throughput": ("Throughput", "通量", "Share of the source-to-final shortest supply "
                   "paths (weighted by volume when the links have volumes) through each "
                   "enterprise."),
    "leaders": ("Chain leaders (链主)", "链主", "Focal enterprises scored by output "
                "share, local suppliers, downstream reach and demand pull."),
    "candidates": ("Extension candidates (补链/延链/强链)", "补链延链", "Missing "
                   "segments to attract, scored by chain-length gain, links repaired, "
                   "outside demand and relatedness, and weak segments to strengthen."),
    "echelon": ("Echelon (梯队)", "梯队", "Total output against the 千亿/百亿/十亿 "
                "(100/10/1 billion yuan) ladder."),
}

#: Chinese title and definition of each section.
SECTION_ZH: dict[str, tuple[str, str]] = {
    "structure": ("链条结构", "每家企业的角色（源头、终端、中间、孤立）、层级和交易对象。"),
    "coverage": ("环节覆盖", "模板每个环节在本区是否有企业，以及其模板链接在本地实现了多少。"),
    "breakpoints": ("断点", "缺失环节、断开的模板链接、单点失效（一家企业或一条链接失去后，"
                    "终端企业与所有源头断开）和单一来源。"),
    "bottlenecks": ("堵点", "限制源头到终端流量的最小割、高度集中的环节、依赖外部供应的环节"
                    "和通量枢纽。"),
    "concentration": ("集中度", "各环节本区企业产值的赫芬达尔-赫希曼指数（HHI）。"),
    "outside_dependence": ("外部依赖", "各环节投入中从本区以外和境外采购的比例。"),
    "throughput": ("通量", "源头到终端最短供应路径（有金额时按金额加权）经过每家企业的比例。"),
    "leaders": ("链主", "按产值占比、本地供应商、下游覆盖和需求拉动为本区企业打分。"),
    "candidates": ("补链/延链/强链", "应招引的缺失环节（按链长增量、修复链接、外部采购和"
                   "关联度打分），以及需要加强的薄弱环节。"),
    "echelon": ("梯队", "总产值对照千亿级、百亿级、十亿级梯队。"),
}

#: Titles of the report's own parts.
PARTS: dict[str, tuple[str, str]] = {
    "title": ("产业链诊断报告", "Chain diagnosis"),
    "key_findings": ("重点问题", "Key findings"),
    "summary": ("概要", "Summary"),
    "min_cut_pairs": ("最小割（按环节对汇总）", "Minimum cut by segment pair"),
    "appendix": ("附录：最小割明细", "Appendix: minimum-cut links"),
    "min_cut": ("附录：最小割明细", "Appendix: minimum-cut links"),
    "map": ("产业链图谱", "Chain map"),
    "no_findings": ("无发现。", "No findings."),
    "skipped": ("未运行", "Skipped"),
    "more_rows": ("另有 {n:,} 行（共 {total:,} 行）见 {file}。",
                  "... and {n:,} more rows ({total:,} in all) in {file}."),
    "more_rows_plain": ("另有 {n:,} 行（共 {total:,} 行）。",
                        "... and {n:,} more rows ({total:,} in all)."),
    "shown_rows": ("显示前 {n:,} 行，共 {total:,} 行", "first {n:,} of {total:,} rows"),
    "ranking_rule": (
        "排序规则：按类别轮流选取（断点 > 堵点 > 补链/延链/强链 > 链主），每类内部按其自身"
        "得分排序；不同类别的得分不相互比较。",
        "Ranking: one item per kind in turn (断点 breakpoints > 堵点 bottlenecks > "
        "补链/延链/强链 candidates > 链主 leaders), each kind ordered by its own score; "
        "scores of different kinds are never compared."),
    "rank": ("序号", "No."),
    "category": ("类别", "Category"),
    "finding": ("问题", "Finding"),
}

#: Column name -> (Chinese, English) header.
COLUMNS: dict[str, tuple[str, str]] = {
    "enterprise": ("企业", "Enterprise"), "name": ("名称", "Name"),
    "segment": ("环节", "Segment"), "stage": ("阶段", "Stage"),
    "region": ("地区", "Region"), "role": ("角色", "Role"), "tier": ("层级", "Tier"),
    "kind": ("类型", "Kind"), "kind_label": ("类型", "Kind"), "score": ("得分", "Score"),
    "explanation": ("说明", "Explanation"), "supplier": ("供应方", "Supplier"),
    "buyer": ("采购方", "Buyer"), "element": ("要素", "Element"),
    "capacity": ("产能", "Capacity"), "output": ("产值", "Output"),
    "volume": ("金额", "Volume"), "in_focal": ("在本区", "In focal region"),
    "rank": ("排名", "Rank"), "segment_rank": ("环节内排名", "Rank in segment"),
    "output_share": ("产值占比", "Output share"),
    "local_suppliers": ("本地供应商数", "Local suppliers"),
    "local_supplier_volume": ("本地采购额", "Local purchases"),
    "downstream_reach": ("下游覆盖率", "Downstream reach"),
    "demand_pull": ("需求拉动", "Demand pull"), "designated": ("认定链主", "Designated"),
    "name_zh": ("环节名称", "Segment name"), "segment_name": ("环节名称", "Segment name"),
    "targets": ("招商目标", "Targets"), "target_names": ("目标企业", "Target enterprises"),
    "reason": ("原因", "Reason"), "chain_length_gain": ("链长增量", "Chain-length gain"),
    "links_repaired": ("修复链接数", "Links repaired"),
    "outside_demand": ("外部采购额", "Outside demand"),
    "relatedness": ("关联度", "Relatedness"),
    "relatedness_density": ("关联密度", "Relatedness density"), "hhi": ("HHI", "HHI"),
    "outside_share": ("外部依赖度", "Outside share"),
    "abroad_share": ("境外依赖度", "Abroad share"), "group": ("组别", "Group"),
    "level": ("层次", "Level"), "rung": ("梯队", "Rung"),
    "next_rung": ("下一梯队", "Next rung"), "progress": ("进度", "Progress"),
    "target": ("目标", "Target"), "gap": ("差距", "Gap"),
    "distance_to_next": ("距下一梯队", "Distance to next rung"),
    "throughput": ("通量", "Throughput"), "key": ("项目", "Item"),
    "value": ("值", "Value"), "flow": ("流量", "Flow"),
    "saturation": ("饱和度", "Saturation"), "n_enterprises": ("企业数", "Enterprises"),
    "present": ("已有", "Present"), "n_links": ("链接数", "Links"),
    "input_volume": ("投入金额", "Input volume"),
    "input_links": ("投入链接数（链接无金额）", "Input links (links without volumes)"),
    "top1_name": ("最大企业", "Largest enterprise"),
    "top1_share": ("最大企业占比", "Largest share"),
    "supplier_segment": ("供应环节", "Supplier segment"),
    "buyer_segment": ("采购环节", "Buyer segment"),
    "n_final_cut": ("断开终端数", "Final producers cut"),
    "share": ("占最大流比例", "Share of maximum flow"),
    "n_elements": ("要素数", "Elements"), "category": ("类别", "Category"),
    "subject": ("对象", "Subject"), "subject_name": ("对象名称", "Subject name"),
    "number": ("数值", "Number"), "supplier_name": ("供应方名称", "Supplier name"),
    "buyer_name": ("采购方名称", "Buyer name"), "error_bound": ("误差界", "Error bound"),
    "n_focal": ("本区企业数", "Focal enterprises"),
    # the portfolio overview (one row per chain, per echelon threshold, per enterprise)
    "chain": ("产业链", "Chain"), "coverage": ("环节覆盖率", "Coverage"),
    "n_breakpoints": ("断点数", "Breakpoints"), "n_bottlenecks": ("堵点数", "Bottlenecks"),
    "top_candidate": ("首要招引方向", "Top candidate"),
    "local_supply_share": ("本地配套率", "Local supply share"),
    "qe_index": ("质效指数", "Quality-and-efficiency index"),
    "label": ("梯队门槛", "Threshold"), "achieved": ("已达到", "Achieved"),
    "chains": ("所在产业链", "Chains"), "linked_chains": ("关联产业链", "Linked chains"),
    "n_large": ("大型企业", "Large"), "n_medium": ("中型企业", "Medium"),
    "n_small": ("小型企业", "Small"), "n_micro": ("微型企业", "Micro"),
    "large_output_share": ("大型企业产值占比", "Large enterprises' output share"),
    "item": ("事项", "Item"),
}

#: Finding-kind code -> (Chinese, English) label.
KINDS: dict[str, tuple[str, str]] = {
    "missing_segment": ("缺失环节", "missing segment"),
    "broken_link": ("断链", "broken link"),
    "single_point_of_failure": ("单点失效", "single point of failure"),
    "single_source": ("单一来源", "single source"),
    "min_cut": ("最小割", "minimum cut"),
    "concentration": ("高度集中", "concentration"),
    "outside_dependence": ("外部依赖", "outside dependence"),
    "throughput_hub": ("通量枢纽", "throughput hub"),
    "补链 internal gap": ("补链", "internal gap (补链)"),
    "延链 upstream": ("延链（上游）", "extend upstream (延链)"),
    "延链 downstream": ("延链（下游）", "extend downstream (延链)"),
    "强链 strengthen": ("强链", "strengthen (强链)"),
    "leader": ("链主", "chain leader"),
    "echelon": ("梯队", "echelon"),
}

#: Categories of the key findings, in priority order.
CATEGORIES: dict[str, tuple[str, str]] = {
    "breakpoint": ("断点", "breakpoint (断点)"),
    "bottleneck": ("堵点", "bottleneck (堵点)"),
    "candidate": ("补链/延链/强链", "candidate (补链/延链/强链)"),
    "leader": ("链主", "chain leader (链主)"),
}

#: Other cell values shown in tables (roles, stages, cut elements, levels, booleans).
VALUES: dict[str, tuple[str, str]] = {
    "source": ("源头", "source"), "final": ("终端", "final"),
    "intermediate": ("中间", "intermediate"), "isolated": ("孤立", "isolated"),
    "upstream": ("上游", "upstream"), "midstream": ("中游", "midstream"),
    "downstream": ("下游", "downstream"), "link": ("链接", "link"),
    "segment_link": ("环节链接", "segment link"), "enterprise": ("企业", "enterprise"),
    "shared member": ("多链共有企业", "shared member"),
    # year-on-year change kinds (chaingraph.algorithms.compare.CHANGE_KINDS)
    "enterprise_added": ("新加入企业", "enterprise added"),
    "enterprise_removed": ("退出企业", "enterprise removed"),
    "segment_gained": ("新增环节", "segment gained"),
    "segment_lost": ("失去环节", "segment lost"),
    "breakpoint_closed": ("断点消除", "breakpoint closed"),
    "breakpoint_opened": ("新增断点", "breakpoint opened"),
    "bottleneck_relieved": ("堵点缓解", "bottleneck relieved"),
    "bottleneck_new": ("新增堵点", "new bottleneck"),
    "leader_moved": ("链主排名变化", "leader moved"), "rung_changed": ("梯队变化", "rung changed"),
    "output_growth": ("产值变化", "output growth"),
    "cross-chain link": ("跨链供应企业", "cross-chain link"),
    "segment": ("环节", "segment"), "source_supply": ("源头供给", "source supply"),
    "final_demand": ("终端需求", "final demand"), "focal": ("本区", "focal"),
    "whole chain": ("全链", "whole chain"),
    "outside": ("区外（名单外补录）", "outside"),  # the region of added enterprises
}

#: Summary key -> (Chinese, English) label, in display order.
SUMMARY: dict[str, tuple[str, str]] = {
    "chain_name": ("产业链", "Chain"), "region": ("本区", "Focal region"),
    "template": ("模板", "Template"), "n_enterprises": ("企业数", "Enterprises"),
    "n_links": ("供应关系数", "Links"), "n_focal": ("本区企业数", "Focal enterprises"),
    "n_sources": ("源头企业数", "Sources"), "n_final": ("终端企业数", "Final producers"),
    "n_isolated": ("孤立企业数", "Isolated"), "max_tier": ("最深层级", "Deepest tier"),
    "has_cycles": ("存在循环", "Has cycles"), "chain_length": ("链长", "Chain length"),
    "coverage": ("环节覆盖率", "Segment coverage"),
    "completeness": ("模板链接完整度", "Template-link completeness"),
    "breakpoints_by_kind": ("断点", "Breakpoints"), "max_flow": ("最大流", "Maximum flow"),
    "bottlenecks_by_kind": ("堵点", "Bottlenecks"),
    "top_leader_name": ("首位链主", "Top chain leader"),
    "designated_leaders_in_top": ("认定链主进入前列", "Designated leaders in the top ranks"),
    "candidates_by_kind": ("补链/延链/强链", "Extension candidates"),
    "focal_output": ("本区总产值", "Focal output"), "focal_rung": ("梯队", "Echelon rung"),
    "added_enterprises": ("补录的区外供应商（名单外）",
                          "Outside suppliers added (not in the enterprise list)"),
}

#: Sheet names of the Excel workbook (31 characters at most).
SHEETS: dict[str, tuple[str, str]] = {
    "key_findings": ("重点问题", "key_findings"), "summary": ("概要", "summary"),
    **{name: (zh, name) for name, (_, zh, _) in SECTIONS.items()},
    "min_cut_pairs": ("最小割汇总", "min_cut_pairs"), "min_cut": ("最小割", "min_cut"),
}

#: Texts of the chain maps (static and interactive): key -> (Chinese, English).
MAP: dict[str, tuple[str, str]] = {
    "focal_in": ("{region}企业（实心；大小 = 产值）", "enterprise in {region} (filled; size = output)"),
    "outside": ("区外企业（空心）", "outside enterprise (hollow)"),
    "enterprise": ("企业（大小 = 产值）", "enterprise (size = output)"),
    "segment": ("环节（高度 = 产值；本区/全部企业数）",
                "segment (height = output; focal/total enterprises)"),
    "link": ("供应关系（粗细 = 金额）", "supply link (width = volume)"),
    "missing": ("缺失环节（断点）", "missing segment (断点)"),
    "spof": ("单点失效", "single point of failure"),
    "spof_count": ("⚠ {n} 个单点失效", "⚠ {n} single point(s) of failure"),
    "cut": ("最小割，最大部分（堵点）", "minimum cut, largest (bottleneck, 堵点)"),
    "cut_short": ("最小割（堵点）", "minimum cut (堵点)"),
    "candidate": ("补链/延链/强链 候选", "补链/延链/强链 candidate"),
    "focal_filled": ("本区企业（实心）", "focal enterprise (filled)"),
    "help": ("拖动平移，滚轮缩放，悬停查看详情", "drag to pan, wheel to zoom, hover for details"),
    "chain": ("产业链", "Industrial chain"),
    "where": ("——本区：{region}", " — focal region: {region}"),
    "segment_view": ("环节视图", "segment view"),
    "enterprise_view": ("企业视图", "enterprise view"),
    "counts": ("{n:,} 家企业，{m:,} 条供应关系（{view}）；上游 → 下游",
               "{n:,} enterprises, {m:,} links ({view}); upstream → downstream"),
}

_TABLES = {"columns": COLUMNS, "kinds": KINDS, "values": VALUES, "summary": SUMMARY,
           "sheets": SHEETS, "parts": PARTS, "categories": CATEGORIES, "map": MAP}
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def label(table: str, code: Any, lang: str) -> str:
    """The label of ``code`` in ``table`` ("columns", "kinds", "values", ...).

    Examples
    --------
    >>> from chaingraph.labels import label
    >>> label("kinds", "single_point_of_failure", "zh"), label("columns", "xyz", "zh")
    ('单点失效', 'xyz')
    >>> label("values", "below 十亿级", "zh")
    '十亿级以下'
    """
    pair = _TABLES[table].get(code) if isinstance(code, str) else None
    if pair is None and table == "values" and isinstance(code, str) \
            and code.startswith("below "):  # an echelon's rung below its lowest
        return f"{code[6:]}以下" if lang == "zh" else code
    if pair is None:
        return "" if code is None else str(code)
    return pair[0] if lang == "zh" else pair[1]


def map_text(key: str, lang: str | None, **values: Any) -> str:
    """A chain-map text in ``lang`` (English when None), with ``values`` filled in."""
    text = MAP[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text


def has_cjk(text: Any) -> bool:
    """Whether ``text`` contains a Chinese (CJK) character."""
    return isinstance(text, str) and _CJK.search(text) is not None


def detect_lang(texts: Iterable[Any], *, sample: int = 2000) -> str:
    """``"zh"`` when any of the first ``sample`` texts contains a CJK character.

    Examples
    --------
    >>> from chaingraph.labels import detect_lang
    >>> detect_lang(["Acme Ltd.", "明湾电池有限公司"]), detect_lang(["Acme Ltd."])
    ('zh', 'en')
    """
    for count, text in enumerate(texts):
        if count >= sample:
            break
        if has_cjk(text):
            return "zh"
    return "en"
