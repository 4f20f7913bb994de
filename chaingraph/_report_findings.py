"""Key findings (重点问题): the short ranked list every report format opens with.

Rule (documented in :func:`key_findings`): each kind of finding keeps its own order by
its own severity; the list takes one item per category in turn -- 断点 breakpoints,
堵点 bottlenecks, 补链/延链/强链 candidates, 链主 leaders -- and inside a category its
kinds take turns in a fixed priority. Scores of different kinds are never compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_cut import min_cut_pairs, min_cut_table
from chaingraph._report_text import Names, missing, percent
from chaingraph.labels import label
from chaingraph.model import CAPACITY, OUTPUT, REGION

__all__ = ["KEY_FINDINGS", "key_findings"]

#: Items in the key-findings list.
KEY_FINDINGS = 10
#: Categories and, inside each, the kinds in priority order.
ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("breakpoint", ("missing_segment", "broken_link", "single_point_of_failure",
                    "single_source")),
    ("bottleneck", ("min_cut", "outside_dependence", "concentration", "throughput_hub")),
    ("candidate", ("extension", "强链 strengthen")),
    ("leader", ("leader",)),
)
_PER_KIND = 3  # at most this many items of one kind (only these get a sentence)
_COLUMNS = ["rank", "category", "category_label", "kind", "kind_label", "subjects",
            "segments", "number", "score", "explanation"]


def _zh(n: Names) -> bool:
    return n.lang == "zh"


def _item(kind: str, subjects: list[Any], segments: list[Any], value: Any, score: float,
          text: str) -> dict[str, Any]:
    return {"kind": kind, "subjects": [s for s in subjects if not missing(s)],
            "segments": [s for s in segments if not missing(s)],
            "number": None if missing(value) else float(value), "score": float(score),
            "explanation": text}


def _list(items: list[str], n: Names, limit: int = 6) -> str:
    sep = "、" if _zh(n) else ", "
    more = len(items) - limit
    text = sep.join(items[:limit])
    if more > 0:
        text += f"等 {len(items)} 个" if _zh(n) else f" and {more} more"
    return text


# --- 断点 ---------------------------------------------------------------------------------
def _missing(report: Any, n: Names) -> list[dict[str, Any]]:
    bp = report.breakpoints
    rows = bp[bp["kind"] == "missing_segment"] if len(bp) else bp
    if not len(rows):
        return []
    segs = list(rows["segment"])
    names = [n.segment(s) for s in segs]
    text = (f"缺失环节：本区缺少 {len(segs)} 个模板环节（{_list(names, n)}），本地链条在这些环节断开，"
            "需补链或依靠区外供应。" if _zh(n) else
            f"{len(segs)} template segments have no enterprise in the focal region "
            f"({_list(names, n)}): the local chain breaks there.")
    return [_item("missing_segment", [], segs, len(segs), float(rows["score"].max()), text)]


def _broken(report: Any, n: Names) -> list[dict[str, Any]]:
    bp = report.breakpoints
    rows = bp[bp["kind"] == "broken_link"] if len(bp) else bp
    out = []
    rows = rows.sort_values("score", ascending=False, kind="stable").head(_PER_KIND)
    for row in rows.itertuples():
        pair = f"{n.segment(row.supplier_segment)}→{n.segment(row.buyer_segment)}"
        text = (f"断链：模板链接 {pair} 在本区断开——两端环节本区都有企业，但彼此没有供货，"
                "下游只能从区外采购。" if _zh(n) else
                f"The template link {pair} is broken in the focal region: both segments "
                "are present but no local enterprise supplies the other.")
        out.append(_item("broken_link", [], [row.supplier_segment, row.buyer_segment],
                         None, row.score, text))
    return out


def _spof(report: Any, n: Names) -> list[dict[str, Any]]:
    bp = report.breakpoints
    rows = bp[bp["kind"] == "single_point_of_failure"] if len(bp) else bp
    if not len(rows):
        return []
    # enterprises first (a firm is what an office can act on), each by its own score
    rows = rows.assign(is_firm=rows["enterprise"].notna()).sort_values(
        ["is_firm", "score"], ascending=False, kind="stable").head(_PER_KIND)
    out = []
    for row in rows.itertuples():
        cut = 0 if missing(row.n_final_cut) else int(row.n_final_cut)
        if row.is_firm:
            who = n.enterprise(row.enterprise)
            seg = f"（{n.segment(row.segment)}）" if _zh(n) else f" ({n.segment(row.segment)})"
        else:
            who = f"{n.enterprise(row.supplier)}→{n.enterprise(row.buyer)}"
            seg = ""
        text = (f"单点失效：{who}{seg} 一旦停产或断供，{cut} 家终端企业（占终端产值 "
                f"{percent(row.score)}）将与所有源头断开。" if _zh(n) else
                f"Single point of failure: losing {who}{seg} cuts {cut} final producer(s) "
                f"({percent(row.score)} of final output) off from every source.")
        out.append(_item("single_point_of_failure",
                         [row.enterprise] if row.is_firm else [row.supplier, row.buyer],
                         [row.segment], cut, row.score, text))
    return out


def _single_source(report: Any, n: Names) -> list[dict[str, Any]]:
    bp = report.breakpoints
    rows = bp[bp["kind"] == "single_source"] if len(bp) else bp
    out = []
    rows = rows.sort_values("score", ascending=False, kind="stable").head(_PER_KIND)
    for row in rows.itertuples():
        buyer, supplier = n.enterprise(row.buyer), n.enterprise(row.supplier)
        text = (f"单一来源：{buyer} 的 {n.segment(row.segment)} 投入只来自 {supplier} 一家"
                f"{'（区外）' if row.score >= 1 else ''}。" if _zh(n) else
                f"Single source: {buyer} buys its {n.segment(row.segment)} from "
                f"{supplier} alone{' (outside the region)' if row.score >= 1 else ''}.")
        out.append(_item("single_source", [row.buyer, row.supplier], [row.segment], None,
                         row.score, text))
    return out


# --- 堵点 ---------------------------------------------------------------------------------
def _capped(report: Any, cut: pd.DataFrame, n: Names) -> list[dict[str, Any]]:
    """Focal enterprises on the cut running at full capacity, by segment."""
    chain = report.chain
    firms = cut[cut["element"] == "enterprise"]
    if not len(firms) or CAPACITY not in chain.enterprises.columns or \
            OUTPUT not in chain.enterprises.columns:
        return []
    codes = chain.lookup_codes(firms["enterprise"].to_numpy(dtype=object))
    output = chain.column(OUTPUT)[codes]
    capacity = chain.column(CAPACITY)[codes]
    full = np.isfinite(output) & np.isfinite(capacity) & (capacity > 0) & (
        output >= 0.999 * capacity)
    focal = _focal(report, codes)
    firms = firms[full & focal]
    out = []
    for seg, group in firms.groupby("supplier_segment", sort=False, dropna=False):
        total, share = float(group["capacity"].sum()), float(group["share"].sum())
        names = [n.enterprise(e) for e in group["enterprise"]]
        text = (f"产能瓶颈：{n.segment(seg)} 的 {len(group)} 家本区企业（{_list(names, n, 3)}）"
                f"满负荷运行且位于最小割上，合计产能 {n.money(total)}，占全链最大流 "
                f"{percent(share)}；扩产即可提高全链可供应量。" if _zh(n) else
                f"Capacity bottleneck: {len(group)} focal {n.segment(seg)} enterprises "
                f"({_list(names, n, 3)}) run at full capacity on the minimum cut, "
                f"{n.money(total)} in all ({percent(share)} of the maximum flow).")
        out.append(_item("min_cut", list(group["enterprise"]), [seg], total, share, text))
    return sorted(out, key=lambda item: -item["score"])


def _focal(report: Any, codes: np.ndarray) -> np.ndarray:
    region = report.summary.get("region")
    if region is None or REGION not in report.chain.enterprises.columns:
        return np.ones(len(codes), dtype=bool)
    wanted = {region} if isinstance(region, str) else set(region)
    return np.array([r in wanted for r in report.chain.column(REGION)[codes]], dtype=bool)


def _min_cut(report: Any, n: Names) -> list[dict[str, Any]]:
    if report.flow is None or report.chain is None:
        return []
    cut = (report.min_cut_table() if hasattr(report, "min_cut_table") else
           min_cut_table(report.chain, report.flow))  # the report's, computed once
    out = _capped(report, cut[cut["element"] == "enterprise"], n)
    if hasattr(report, "min_cut_pairs"):  # the report's, computed once: same link groups
        pairs = report.min_cut_pairs()
        pairs = pairs[pairs["element"] == "link"]
    else:
        pairs = min_cut_pairs(cut[cut["element"] == "link"])
    for row in pairs.head(_PER_KIND).itertuples():
        pair = f"{n.segment(row.supplier_segment)}→{n.segment(row.buyer_segment)}"
        amount = n.flow_amount(row.capacity, report.flow.capacity_basis)
        text = (f"最小割经过 {pair}：{row.n_elements} 条链接，合计 {amount}，"
                f"占全链最大流 {percent(row.share)}。" if _zh(n) else
                f"The minimum cut runs through {pair}: {row.n_elements} link(s), "
                f"{amount} ({percent(row.share)} of the maximum flow).")
        out.append(_item("min_cut", [], [row.supplier_segment, row.buyer_segment],
                         row.capacity, row.share, text))
    return out


def _outside(report: Any, n: Names) -> list[dict[str, Any]]:
    dep = report.outside_dependence
    if not len(dep) or "flagged" not in dep.columns:
        return []
    dep = dep[dep["flagged"]]
    out = []
    abroad = dep[dep["abroad_share"] >= 0.5]
    if "top_outside_segment" in abroad.columns and len(abroad):
        groups = abroad.groupby("top_outside_segment", sort=False, dropna=False)
        ranked = sorted(groups, key=lambda g: -float(g[1]["abroad_volume"].sum()))
        for source, group in ranked:
            group = group.sort_values("abroad_share", ascending=False, kind="stable")
            buyers = [n.segment(s) for s in group["segment"]]
            volume = float(group["abroad_volume"].sum())
            share = volume / float(group["input_volume"].sum())
            text = (f"境外依赖：{_list(buyers, n)} 的投入主要来自境外（合计 {n.volume(volume)}，"
                    f"占其投入 {percent(share)}），最大来源环节为 {n.segment(source)}。"
                    if _zh(n) else
                    f"Foreign dependence: {_list(buyers, n)} buy mostly from abroad "
                    f"({n.volume(volume)}, {percent(share)} of their inputs), above all "
                    f"{n.segment(source)}.")
            out.append(_item("outside_dependence", [], [source, *group["segment"]],
                             volume, share, text))
    rest = dep[~dep.index.isin(abroad.index)].sort_values("score", ascending=False,
                                                          kind="stable")
    for row in rest.itertuples():
        text = (f"外部依赖：{n.segment(row.segment)} 投入的 {percent(row.outside_share)} "
                f"来自本区以外（投入 {n.volume(row.input_volume)}）。" if _zh(n) else
                f"Outside dependence: {n.segment(row.segment)} buys "
                f"{percent(row.outside_share)} of its inputs ({n.volume(row.input_volume)}) "
                "from outside the focal region.")
        out.append(_item("outside_dependence", [], [row.segment], row.outside_share,
                         row.score, text))
    return out


def _concentration(report: Any, n: Names) -> list[dict[str, Any]]:
    conc = report.concentration
    if not len(conc) or "flagged" not in conc.columns:
        return []
    conc = conc[conc["flagged"]].sort_values(["score", "total"], ascending=False,
                                             kind="stable").head(_PER_KIND)
    out = []
    for row in conc.itertuples():
        seg, top = n.segment(row.segment), n.enterprise(row.top1_enterprise)
        if row.n_enterprises == 1:
            text = (f"高度集中：{seg} 在本区只有 1 家企业（{top}），一旦退出该环节即空缺。"
                    if _zh(n) else f"Concentration: {seg} has a single focal enterprise "
                    f"({top}); losing it empties the segment.")
        else:
            text = (f"高度集中：{seg} 的 HHI 为 {row.hhi * 1e4:,.0f}，{top} 占 "
                    f"{percent(row.top1_share)}。" if _zh(n) else
                    f"Concentration: {seg} has an HHI of {row.hhi * 1e4:,.0f}; {top} "
                    f"holds {percent(row.top1_share)}.")
        out.append(_item("concentration", [row.top1_enterprise], [row.segment], row.hhi,
                         row.score, text))
    return out


def _hubs(report: Any, n: Names) -> list[dict[str, Any]]:
    hubs = report.bottlenecks
    hubs = (hubs[hubs["kind"] == "throughput_hub"] if len(hubs) else hubs).head(_PER_KIND)
    out = []
    for row in hubs.itertuples():
        who = n.enterprise(row.enterprise)
        text = (f"通量枢纽：{who} {n.paths(row.score)}。" if _zh(n)
                else f"Throughput hub: {who} {n.paths(row.score)}.")
        out.append(_item("throughput_hub", [row.enterprise], [row.segment], row.score,
                         row.score, text))
    return out


# --- 补链/延链/强链 and 链主 -------------------------------------------------------------
def _candidates(report: Any, n: Names, strengthen: bool) -> list[dict[str, Any]]:
    cand = report.candidates
    if not len(cand):
        return []
    rows = cand[(cand["kind"] == "强链 strengthen") == strengthen]
    out = []
    for row in rows.itertuples():
        seg = n.segment(row.segment)
        targets = _list([str(t) for t in row.target_names], n, 3)
        if strengthen:
            text = (f"强链：{seg} 薄弱——本区 {int(row.n_focal)} 家企业，HHI "
                    f"{row.hhi * 1e4:,.0f}，{percent(row.outside_share)} 的投入来自区外"
                    + (f"；可招引 {targets}。" if targets else "。") if _zh(n) else
                    f"Strengthen {seg}: {int(row.n_focal)} focal enterprise(s), HHI "
                    f"{row.hhi * 1e4:,.0f}, {percent(row.outside_share)} of inputs from "
                    "outside" + (f"; attract {targets}." if targets else "."))
        else:
            text = (f"{n.kind(row.kind)}：招引 {seg} 可使本地链条延长 "
                    f"{int(row.chain_length_gain)} 个环节、修复 {int(row.links_repaired)} "
                    f"条模板链接（{n.outside_purchases(row.outside_demand)}）"
                    + (f"；目标企业：{targets}。" if targets else "。") if _zh(n) else
                    f"{n.kind(row.kind)}: attracting {seg} adds "
                    f"{int(row.chain_length_gain)} segment(s) to the local chain and repairs "
                    f"{int(row.links_repaired)} template link(s) "
                    f"({n.outside_purchases(row.outside_demand)})"
                    + (f"; targets: {targets}." if targets else "."))
        out.append(_item(row.kind, list(row.targets), [row.segment],
                         None if strengthen else row.outside_demand, row.score, text))
    return out


def _leaders(report: Any, n: Names) -> list[dict[str, Any]]:
    lead = report.leaders
    if not len(lead):
        return []
    row = next(lead.sort_values("rank", kind="stable").itertuples())
    who, seg = n.enterprise(row.enterprise), n.segment(row.segment)
    output = None if missing(row.output) else row.output
    if _zh(n):
        share = ("产值未填报" if output is None else
                 f"产值 {n.money(output)}，占本区 {percent(row.output_share)}")
        text = (f"链主：{who}（{seg}）居链主首位——{share}，本地供应商 "
                f"{int(row.local_suppliers)} 家，下游覆盖全链 "
                f"{percent(row.downstream_reach)}。")
    else:
        share = ("output not reported (产值未填报)" if output is None else
                 f"output {n.money(output)}, {percent(row.output_share)} of the region's")
        text = (f"Chain leader: {who} ({seg}) ranks first -- {share}, "
                f"{int(row.local_suppliers)} local supplier(s), reaches "
                f"{percent(row.downstream_reach)} of the chain downstream.")
    hits = report.summary.get("designated_leaders_in_top")
    if hits:
        text += (f"认定链主进入前列：{hits.replace(' of ', '/')}。" if _zh(n) else
                 f" Designated leaders in the top ranks: {hits}.")
    return [_item("leader", [row.enterprise], [row.segment], output, row.score, text)]


def _by_kind(report: Any, n: Names) -> dict[str, list[dict[str, Any]]]:
    return {
        "missing_segment": _missing(report, n), "broken_link": _broken(report, n),
        "single_point_of_failure": _spof(report, n),
        "single_source": _single_source(report, n), "min_cut": _min_cut(report, n),
        "outside_dependence": _outside(report, n),
        "concentration": _concentration(report, n), "throughput_hub": _hubs(report, n),
        "extension": _candidates(report, n, False),
        "强链 strengthen": _candidates(report, n, True), "leader": _leaders(report, n)}


def key_findings(report: Any, names: Names, limit: int = KEY_FINDINGS) -> pd.DataFrame:
    """The key findings (重点问题) of a report, ranked by the documented rule.

    Each kind lists its items by its own severity (missing segments as one item;
    single points of failure by share of final output cut, enterprises before links;
    on the minimum cut, focal enterprises running at full capacity first, then
    segment pairs by capacity; foreign dependence grouped by the source segment, by
    volume; concentration by HHI; candidates by their score; the top leader). The list
    then takes one item per category in turn (断点 > 堵点 > 补链/延链/强链 > 链主),
    each category cycling through its kinds in priority order, at most three items
    of one kind, until ``limit`` items.
    """
    items = _by_kind(report, names)
    queues = []
    for category, kinds in ORDER:
        lists = [items.get(k, [])[:_PER_KIND] for k in kinds]
        merged = [lst[i] for i in range(_PER_KIND) for lst in lists if i < len(lst)]
        queues.append((category, merged))
    chosen: list[dict[str, Any]] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(q) for _, q in queues):
        for category, queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append({**queue[depth], "category": category})
        depth += 1
    out = pd.DataFrame(chosen, columns=[c for c in _COLUMNS if c != "rank"]
                       ) if chosen else pd.DataFrame(columns=_COLUMNS[1:])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["category_label"] = [label("categories", c, names.lang) for c in out["category"]]
    out["kind_label"] = [_kind_label(k, names.lang) for k in out["kind"]]
    return out[_COLUMNS]


def _kind_label(kind: str, lang: str) -> str:
    if kind == "min_cut":
        return "最小割" if lang == "zh" else "minimum cut"
    return label("kinds", kind, lang)
