"""The report's tables as shown: display columns, labels, and explanations in the
report's language, built only for the rows shown (private; see :mod:`chaingraph.report`).

The finders' own ``explanation`` column (English) is kept in the full tables; here a
Chinese sentence is written from each shown row's columns, and English rows whose
finder sentence would mislead (a leader without output) are rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_text import DISPLAY, Names, missing, percent
from chaingraph.labels import KINDS, detect_lang, label
from chaingraph.model import NAME, OUTSIDE_REGION, SEGMENT, Chain

__all__ = ["PORTFOLIO_ZH", "benefit_explanation", "candidate_label", "chain_lang",
           "change_explanation", "display_frame",
           "explanations", "printed_names", "region_explanation",
           "transfer_explanation"]


def chain_lang(chain: Chain) -> str:
    """The language a chain's reports default to: ``"zh"`` when its title, ids, names
    or segments (the first 2,000 of each) are mostly Chinese, else ``"en"``.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain_lang(cg.datasets.load_example())
    'zh'
    >>> chain_lang(cg.Chain.from_frames(pd.DataFrame({"id": [], "name": []}),
    ...                                 pd.DataFrame({"supplier": [], "buyer": []})))
    'en'
    """
    texts = [chain.meta.get("name"), *chain.ids[:2000]]
    first = np.arange(min(2000, chain.n_enterprises), dtype=np.int64)
    for column in (NAME, SEGMENT):
        if chain.has_column(column) and len(first):
            texts += list(chain.column_at(column, first, default=None))
    return detect_lang(texts)


def printed_names(chain: Chain, template: Any, lang: str | None = None) -> Names | None:
    """How a command's printed lines name the chain's things in Chinese, when ``lang``
    (default: :func:`chain_lang`) is ``"zh"``; None for English.

    Examples
    --------
    >>> import chaingraph as cg
    >>> printed_names(cg.datasets.load_example(), None).lang
    'zh'
    >>> printed_names(cg.datasets.load_example(), None, "en") is None
    True
    """
    if (lang or chain_lang(chain)) != "zh":
        return None
    return Names(chain, template, "zh", chain.meta.get("unit") or "yuan")


def _get(row: Any, name: str, default: Any = None) -> Any:
    value = getattr(row, name, default)
    return default if missing(value) else value


def _breakpoint(row: Any, n: Names) -> str:
    kind = _get(row, "kind")
    if kind == "missing_segment":
        return f"本区没有 {n.segment(row.segment)} 环节的企业，本地链条在此断开。"
    if kind == "broken_link":
        return (f"模板链接 {n.segment(_get(row, 'supplier_segment'))}→"
                f"{n.segment(_get(row, 'buyer_segment'))} 在本区断开：两端环节本区都有企业，"
                "但彼此之间没有供应关系。")
    if kind == "single_point_of_failure":
        cut = _get(row, "n_final_cut")
        count = f"{int(cut)} 家终端企业" if cut is not None else "部分终端企业"
        share = percent(_get(row, "score"))
        who = (f"企业 {n.enterprise(row.enterprise)}" if _get(row, "enterprise")
               is not None else f"链接 {n.enterprise(_get(row, 'supplier'))}→"
               f"{n.enterprise(_get(row, 'buyer'))}")
        return f"失去{who}，{count}（占终端产值 {share}）将与所有源头断开。"
    if kind == "single_source":
        return (f"{n.enterprise(_get(row, 'buyer'))} 的 {n.segment(_get(row, 'segment'))} "
                f"投入只来自一家供应商：{n.enterprise(_get(row, 'supplier'))}。")
    return ""


def _bottleneck(row: Any, n: Names) -> str:
    kind = _get(row, "kind")
    score = _get(row, "score", 0.0)
    if kind == "min_cut":
        if _get(row, "enterprise") is not None:
            return (f"企业 {n.enterprise(row.enterprise)} 的产能位于最小割上，"
                    f"承载最大流的 {percent(score)}。")
        return (f"链接 {n.enterprise(_get(row, 'supplier'))}→{n.enterprise(_get(row, 'buyer'))}"
                f" 位于最小割上，承载最大流的 {percent(score)}。")
    if kind == "concentration":
        return (f"{n.segment(_get(row, 'segment'))} 环节高度集中（HHI {score * 1e4:,.0f}），"
                f"最大企业为 {n.enterprise(_get(row, 'enterprise'))}。")
    if kind == "outside_dependence":
        return f"{n.segment(_get(row, 'segment'))} 环节 {percent(score)} 的投入来自本区以外。"
    if kind == "throughput_hub":
        return f"{n.enterprise(_get(row, 'enterprise'))} {n.paths(score)}。"
    return ""


def _coverage(row: Any, n: Names) -> str:
    seg = n.segment(row.segment)
    if not _get(row, "present", False):
        return f"{seg} 在本区没有企业。"
    possible, done = _get(row, "n_links_possible", 0), _get(row, "n_links_realised", 0)
    return (f"{seg} 在本区有 {int(_get(row, 'n_enterprises', 0))} 家企业，"
            f"本地实现模板链接 {int(done)}/{int(possible)} 条。")


def _leader(row: Any, n: Names) -> str:
    name = n.enterprise(row.enterprise)
    seg = n.segment(_get(row, "segment"))
    output = _get(row, "output")
    if n.lang == "zh":
        share = ("产值未填报" if output is None else
                 f"产值 {n.money(output)}，占本区产值 {percent(_get(row, 'output_share'))}")
        text = (f"{name}（{seg}）链主排名第 {int(row.rank)}（得分 {row.score:.2f}）：{share}，"
                f"本地供应商 {int(_get(row, 'local_suppliers', 0))} 家，下游覆盖 "
                f"{percent(_get(row, 'downstream_reach', 0.0))}")
        return text + ("；认定链主。" if _get(row, "designated", False) else "。")
    share = ("output not reported (产值未填报)" if output is None else
             f"output {n.money(output)}, {percent(_get(row, 'output_share'))} of focal output")
    text = (f"{name} ({seg}) ranks {int(row.rank)} as chain leader (score "
            f"{row.score:.2f}): {share}, {int(_get(row, 'local_suppliers', 0))} local "
            f"suppliers, reaches {percent(_get(row, 'downstream_reach', 0.0))} of the "
            "chain downstream")
    return text + ("; designated leader" if _get(row, "designated", False) else "")


def _candidate(row: Any, n: Names) -> str:
    seg = n.segment(row.segment)
    targets = _get(row, "target_names")
    targets = "、".join(map(str, targets[:3])) if targets is not None and len(
        targets) else ""
    attract = f"招引目标：{targets}。" if targets else "数据中没有区外该环节企业。"
    if row.kind == "强链 strengthen":
        return (f"强链：{seg} 薄弱（本区 {int(_get(row, 'n_focal', 0))} 家企业，HHI "
                f"{_get(row, 'hhi', 0.0) * 1e4:,.0f}，外部投入占 "
                f"{percent(_get(row, 'outside_share', 0.0))}）。{attract}")
    where = {"补链 internal gap": "位于本区已有环节之间",
             "延链 upstream": "位于本区已有环节上游",
             "延链 downstream": "位于本区已有环节下游"}.get(row.kind, "")
    return (f"{n.kind(row.kind)}：{seg} 缺失且{where}；填补可使本地链条延长 "
            f"{int(_get(row, 'chain_length_gain', 0))} 个环节、修复 "
            f"{int(_get(row, 'links_repaired', 0))} 条模板链接，"
            f"{n.outside_purchases(_get(row, 'outside_demand'))}。{attract}")


def _echelon(row: Any, n: Names) -> str:
    group = n.value(row.group)
    text = f"{group}：总产值 {n.money(row.output)}"
    rung = _get(row, "rung")
    text += f"，处于{n.value(rung)}" if rung else ""
    nxt = _get(row, "next_rung")
    text += (f"，距{nxt}还差 {n.money(_get(row, 'distance_to_next'))}" if nxt
             else "，已达最高梯队")
    if _get(row, "target") is not None:
        text += f"，完成目标 {percent(_get(row, 'progress'))}"
    return text + "。"


_CHANGE_VERBS = {"breakpoint_closed": "断点已消除", "breakpoint_opened": "新增断点",
                 "bottleneck_relieved": "堵点已缓解", "bottleneck_new": "新增堵点"}


def change_explanation(row: Any, n: Names) -> str:
    """One row of :func:`~chaingraph.algorithms.compare.find_changes` in Chinese, from
    its columns (``kind``, ``enterprise``, ``segment``, ``item``, ``before``,
    ``after``, ``change``); the English is the row's own ``explanation``."""
    kind = _get(row, "kind")
    seg = _get(row, "segment")
    if kind in ("enterprise_added", "enterprise_removed"):
        amount = _get(row, "after") if kind == "enterprise_added" else _get(row, "before")
        verb = "新加入产业链" if kind == "enterprise_added" else "退出产业链"
        return (f"{_get(row, 'item') or n.enterprise(_get(row, 'enterprise'))}"
                f"（{n.segment(seg)}）{verb}，产值 {n.money(amount)}。")
    if kind == "segment_gained":
        return f"本区新增 {n.segment(seg)} 环节的企业。"
    if kind == "segment_lost":
        return f"本区不再有 {n.segment(seg)} 环节的企业。"
    if kind in _CHANGE_VERBS:
        item = _get(row, "item")
        where = []
        if _get(row, "supplier") is not None or _get(row, "buyer") is not None:
            where.append(f"链接 {n.enterprise(_get(row, 'supplier'))}→"
                         f"{n.enterprise(_get(row, 'buyer'))}")
        if _get(row, "enterprise") is not None:
            where.append(f"企业 {n.enterprise(row.enterprise)}")
        if seg is not None:
            where.append(n.segment(seg) if item == "missing_segment" else
                         f"{n.segment(seg)} 环节")
        return (f"{_CHANGE_VERBS[kind]}：{n.kind(item)}"
                + (f"（{'，'.join(where)}）" if where else "") + "。")
    if kind == "leader_moved":
        ranks = [("未进入前列" if _get(row, k) is None else f"第 {int(_get(row, k))} 名")
                 for k in ("before", "after")]
        return f"{_get(row, 'item')} 链主排名由{ranks[0]}变为{ranks[1]}。"
    if kind == "rung_changed":
        before, after = (n.value(_get(row, k)) if _get(row, k) else "未入梯队"
                         for k in ("before", "after"))
        return f"梯队由{before}变为{after}。"
    if kind == "output_growth":
        before, after = _get(row, "before"), _get(row, "after")
        growth = f"（{after / before - 1:+.1%}）" if before else ""
        return f"产值由 {n.money(before)} 变为 {n.money(after)}{growth}。"
    return str(_get(row, "explanation", ""))


_BUCKETS = {"abroad": "境外", "outside": "省外", "unknown": "地区不详"}


def _segment_list(segments: Any, n: Names, most: int = 5) -> str:
    names = [n.segment(s) for s in (segments if segments is not None else [])]
    return "、".join(names[:most]) + ("等" if len(names) > most else "")


def region_explanation(row: Any, n: Names, n_segments: int | None = None) -> str:
    """One row of :func:`~chaingraph.algorithms.regions.find_regions` in Chinese;
    ``n_segments``: the template's segments (None without a template)."""
    head = (f"{row.region}：{int(_get(row, 'n_enterprises', 0)):,} 家企业，产值 "
            f"{n.money(_get(row, 'output'))}")
    if _get(row, "kind") != "region":
        bucket = _BUCKETS.get(_get(row, "kind"), str(_get(row, "kind")))
        what = "汇总，不参与排名" if bucket in str(row.region) else f"{bucket}，汇总，不参与排名"
        return f"{row.region}（{what}）：{head.split('：', 1)[1]}。"
    parts = [head]
    present = int(_get(row, "n_segments_present", 0))
    if n_segments:
        missing = _get(row, "missing_segments")
        parts.append(f"覆盖模板 {present}/{n_segments} 个环节（{percent(_get(row, 'coverage'))}）"
                     + (f"，缺少 {_segment_list(missing, n)}" if missing is not None
                        and len(missing) else ""))
    else:
        parts.append(f"有 {present} 个环节")
    if (_get(row, "input_volume") or 0) > 0:
        parts.append(f"本地采购占投入 {percent(_get(row, 'local_supply_share'))}")
    parts.append(f"本地链条单点失效企业 {int(_get(row, 'n_single_points', 0))} 家")
    if _get(row, "rung"):
        parts.append(f"处于{n.value(row.rung)}")
    return "；".join(parts) + "。"


def transfer_explanation(row: Any, n: Names) -> str:
    """One region row of :func:`~chaingraph.algorithms.transfer.simulate_transfer`
    in Chinese."""
    if not _get(row, "changed", False):
        return f"{row.region}：无变化。"
    parts = [f"{row.region}：产值由 {n.money(_get(row, 'output_before'))} 变为 "
             f"{n.money(_get(row, 'output_after'))}"]
    for key, verb in (("segments_gained", "新增环节"), ("segments_lost", "失去环节")):
        if _get(row, key) is not None and len(row_value := getattr(row, key)):
            parts.append(f"{verb} {_segment_list(row_value, n, 8)}")
    parts.append(f"消除断点 {int(_get(row, 'breakpoints_closed', 0))} 个，新增 "
                 f"{int(_get(row, 'breakpoints_opened', 0))} 个")
    before, after = _get(row, "rung_before"), _get(row, "rung_after")
    if before != after:
        parts.append(f"梯队由{n.value(before) if before else '未入梯队'}变为"
                     f"{n.value(after) if after else '未入梯队'}")
    return "；".join(parts) + "。"


def benefit_explanation(row: Any, n: Names) -> str:
    """One row of the transfer's benefit sharing (``benefits``) in Chinese."""
    share = float(_get(row, "origin_share", 0.5))
    tax = _get(row, "tax")
    amounts = f"产值 {n.money(_get(row, 'output'))}" + (
        f"、税收 {n.money(tax)}" if tax is not None else "")
    source = _get(row, "source_enterprise")
    who = (n.enterprise(row.enterprise) if source is None or source == row.enterprise
           else f"{n.enterprise(source)} 迁出的部分（{row.enterprise}）")
    return (f"{who} 由 {row.origin} 迁往 {row.destination}："
            f"{int(_get(row, 'years', 0))} 年内其{amounts}按 {percent(share)} 计入"
            f" {row.origin}、{percent(1 - share)} 计入 {row.destination}，期满后全部计入"
            f" {row.destination}。")


def _chains(names: Any) -> str:
    return "、".join(map(str, names if names is not None else []))


def _portfolio_chain(row: Any, n: Names) -> str:
    """A row of :func:`~chaingraph.algorithms.portfolio.find_portfolio` in Chinese."""
    text = (f"{row.chain}：质效指数 {_get(row, 'qe_index', 0.0):.2f}，本区 "
            f"{int(_get(row, 'n_focal', 0))} 家企业产值 {n.money(_get(row, 'output'))}")
    text += f"，处于{n.value(row.rung)}" if _get(row, "rung") else "，未入梯队"
    if _get(row, "coverage") is not None:
        text += f"；模板环节覆盖 {percent(row.coverage)}"
    text += f"；断点 {int(_get(row, 'n_breakpoints', 0))} 个"
    if _get(row, "top_candidate"):
        text += f"；首要招引方向：{candidate_label(row.top_candidate, n.lang)}"
    if _get(row, "growth") is not None:
        text += f"；产值增长 {row.growth:+.0%}"
    return text + "。"


def candidate_label(text: Any, lang: str) -> str:
    """A portfolio's ``top_candidate`` (a candidate kind and what it names, as
    :func:`chaingraph.algorithms.portfolio.find_portfolio` writes it) with the kind
    in ``lang``.

    Examples
    --------
    >>> candidate_label("补链 internal gap 芯片", "zh"), candidate_label("强链 strengthen", "zh")
    ('补链 芯片', '强链')
    """
    for kind in KINDS:
        if text == kind or str(text).startswith(kind + " "):
            return f"{label('kinds', kind, lang)}{str(text)[len(kind):]}"
    return "" if text is None else str(text)


def _plan(row: Any, n: Names) -> str:
    """A row of :func:`~chaingraph.algorithms.portfolio.find_echelon_plan` in Chinese."""
    reached = _get(row, "chains")
    text = (f"产值 {row.label}元以上的产业链目标 {int(row.target)} 条，已有 "
            f"{int(row.achieved)} 条达到"
            + (f"（{_chains(reached)}）" if reached is not None and len(reached) else ""))
    if _get(row, "met", False):
        return text + "，目标已完成。"
    text += f"，还差 {int(_get(row, 'gap', 0))} 条"
    closest, short = _get(row, "closest"), _get(row, "shortfalls")
    if closest is not None and len(closest):
        text += "；最接近的：" + "、".join(
            f"{c}（还差 {n.money(v)}）" for c, v in zip(closest, short, strict=True))
    return text + "。"


def _progress(row: Any, n: Names) -> str:
    """A row of :func:`~chaingraph.algorithms.portfolio.find_plan_progress` in Chinese."""
    text = (f"{row.chain} {row.year} 年：产值 {n.money(row.output)}，完成目标 "
            f"{n.money(row.target)} 的 {percent(row.progress)}")
    text += "（已完成）" if _get(row, "met", False) else f"（还差 {n.money(row.gap)}）"
    growth = _get(row, "growth_needed")
    if growth is not None and np.isfinite(growth):
        text += (f"；{row.final_year} 年达到 {n.money(row.final_target)} 需年均增长 "
                 f"{growth:.0%}" if growth > 0 else
                 f"；现有产值已达到 {row.final_year} 年目标 {n.money(row.final_target)}")
    return text + "。"


def _shared(row: Any, n: Names) -> str:
    """A row of :func:`~chaingraph.algorithms.pool.find_shared_enterprises` in Chinese."""
    who = row.name if isinstance(_get(row, "name"), str) else str(row.enterprise)
    chains = _get(row, "chains")
    text = f"{who} 同属 {len(chains)} 条产业链：{_chains(chains)}" if chains is not None \
        and len(chains) > 1 else f"{who} 属于 {_chains(chains)}"
    linked = _get(row, "linked_chains")
    if linked is not None and len(linked):
        text += (f"；与 {_chains(linked)} 的企业有供应往来（{int(_get(row, 'cross_links', 0))}"
                 f" 条链接，{n.volume(_get(row, 'cross_volume'))}）")
    return text + "。"


#: Chinese sentences of the portfolio's tables (the dossier's overview), by table.
PORTFOLIO_ZH: dict[str, Callable[[Any, Names], str]] = {
    "chains": _portfolio_chain, "targets": _plan, "plan_progress": _progress,
    "shared_enterprises": _shared,
}


def _structure(row: Any, n: Names) -> str:
    who = n.enterprise(row.enterprise)
    role = n.value(_get(row, "role"))
    tier = _get(row, "tier")
    text = f"{who}（{n.segment(_get(row, 'segment'))}）为{role}企业"
    text += f"，位于第 {int(tier)} 层" if tier is not None else "，不在任何源头的下游"
    if _get(row, "in_cycle", False):
        text += "，处于循环供应中"
    return (text + f"，供应商 {int(_get(row, 'n_suppliers', 0))} 家、客户 "
            f"{int(_get(row, 'n_buyers', 0))} 家。")


def _concentration(row: Any, n: Names) -> str:
    seg = n.segment(row.segment)
    count = int(_get(row, "n_enterprises", 0))
    top = n.enterprise(_get(row, "top1_enterprise")) if _get(row, "top1_enterprise") \
        is not None else _get(row, "top1_name", "")
    if count <= 1:
        return f"{seg} 环节只有一家企业（{top}），失去它该环节即告空缺。"
    return (f"{seg} 环节 HHI {_get(row, 'hhi_points', 0.0):,.0f}，{top} 占该环节产值 "
            f"{percent(_get(row, 'top1_share'))}（共 {count} 家企业）。")


def _outside(row: Any, n: Names) -> str:
    seg = n.segment(row.segment)
    text = (f"{seg} 环节 {percent(_get(row, 'outside_share', 0.0))} 的投入来自本区以外，"
            f"{percent(_get(row, 'abroad_share', 0.0))} 来自境外"
            f"（投入 {n.volume(_get(row, 'input_volume'))}）")
    region, source = _get(row, "top_outside_region"), _get(row, "top_outside_segment")
    if region is not None or source is not None:
        text += (f"；区外供给主要来自 {region or '未标注地区'} 的 "
                 f"{n.segment(source)} 环节")
    return text + "。"


def _throughput(row: Any, n: Names) -> str:
    return f"{n.enterprise(row.enterprise)} {n.paths(_get(row, 'throughput', 0.0))}。"


_ZH: dict[str, Callable[[Any, Names], str]] = {
    "breakpoints": _breakpoint, "bottlenecks": _bottleneck, "coverage": _coverage,
    "leaders": _leader, "candidates": _candidate, "echelon": _echelon,
    "structure": _structure, "concentration": _concentration,
    "outside_dependence": _outside, "throughput": _throughput,
}


def explanations(rows: pd.DataFrame, section: str, names: Names) -> list[str]:
    """One explanation per row of ``rows`` in the report's language."""
    given = rows["explanation"].tolist() if "explanation" in rows.columns else [""] * len(
        rows)
    if names.lang != "zh":
        if section == "leaders" and "output" in rows.columns:
            return [_leader(row, names) if missing(row.output) else text
                    for row, text in zip(rows.itertuples(index=False), given, strict=True)]
        return [("" if missing(t) else str(t)) for t in given]
    build = _ZH.get(section)
    if build is None:
        return [("" if missing(t) else str(t)) for t in given]
    return [build(row, names) for row in rows.itertuples(index=False)]


def display_frame(frame: pd.DataFrame, section: str, names: Names,
                  rows: int | None) -> pd.DataFrame:
    """The shown part of a table: its display columns, first ``rows`` rows, with
    codes, ids and segments as labels and names (numbers stay numbers) and the
    explanation in the report's language; headers are still column codes."""
    cols = [c for c in DISPLAY.get(section, ()) if c in frame.columns]
    head = frame.head(rows) if rows is not None else frame  # first: no full-table copy
    shown = head.loc[:, cols or list(frame.columns)]
    if "output_share" in shown.columns and "output" in shown.columns:
        # no output given: no share either (not "0.0%")
        shown = shown.assign(output_share=shown["output_share"].where(
            shown["output"].notna()))
    out = pd.DataFrame(index=shown.index)
    own_name = "name" in shown.columns
    sep = "、" if names.lang == "zh" else ", "
    for col in shown.columns:
        values = shown[col]
        if col == "explanation":
            out[col] = explanations(head, section, names)  # the rows shown
        elif col == "kind":
            out[col] = values.map(names.kind)
        elif col in ("segment", "supplier_segment", "buyer_segment"):
            out[col] = values.map(lambda v: None if missing(v) else names.segment(v))
        elif col in ("supplier", "buyer") or (col == "enterprise" and not own_name):
            out[col] = values.map(names.enterprise)
        elif col == "name":
            ids = shown["enterprise"] if "enterprise" in shown.columns else values
            out[col] = [v if isinstance(v, str) and v.strip() else str(e)
                        for v, e in zip(values, ids, strict=True)]
        elif col == "region":  # the region given to added outside enterprises, named
            out[col] = values.map(lambda v: names.value(v) if v == OUTSIDE_REGION else v)
        elif col in ("stage", "role", "element", "level", "group", "rung", "next_rung"):
            out[col] = values.map(lambda v: None if missing(v) else names.value(v))
        elif col == "target_names":
            out[col] = values.map(lambda v: sep.join(map(str, v))
                                  if isinstance(v, (list, tuple, np.ndarray)) else v)
        else:
            out[col] = values
    return _counted(out, shown, section, names).reset_index(drop=True)


def _counted(out: pd.DataFrame, shown: pd.DataFrame, section: str, names: Names
             ) -> pd.DataFrame:
    """Sums of link volumes that are counts of links, not money, shown as such.

    Without link volumes, a segment's inputs are its links (``input_links``, not
    ``input_volume`` in yuan); a maximum flow with capacity 1 per link (basis
    ``"unit"``) gives its cut's links no amount: their rows' capacity is left blank
    (the links are counted in ``n_elements``, their part of the flow in ``share``),
    and the column is dropped when every row is a link. An enterprise's own
    capacity in the cut stays an amount.
    """
    if (section == "outside_dependence" and "input_volume" in out.columns
            and not names.volume_weighted):
        out = out.rename(columns={"input_volume": "input_links"})
    if (section in ("min_cut", "min_cut_pairs") and names.flow_basis == "unit"
            and "capacity" in out.columns and "element" in shown.columns):
        link = (shown["element"] == "link").to_numpy()
        if link.all():
            out = out.drop(columns="capacity")
        elif link.any():
            out = out.assign(capacity=out["capacity"].where(~link))
    return out
