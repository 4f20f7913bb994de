"""Rendering of a :class:`~chaingraph.report.ChainReport`: Markdown and HTML (JSON:
:mod:`chaingraph._report_json`).

Private; :mod:`chaingraph.report` calls these with the report object (duck typed), so
nothing here imports the report (dependencies point one way). Every format opens with
the key findings (重点问题); tables show their first rows with the total stated; the
full tables go to the output folder's ``tables/`` files.
"""

from __future__ import annotations

import base64
import html as _html
import re
from typing import Any

import pandas as pd

from chaingraph._report_text import Names, cell_text
from chaingraph.labels import (
    COLUMNS,
    KINDS,
    PARTS,
    SECTION_ZH,
    SECTIONS,
    SUMMARY,
    label,
)

__all__ = ["html_fragment", "html_page", "markdown", "section_title", "shown_sections",
           "skip_text", "summary_rows", "title"]


def _part(key: str, lang: str, **values: Any) -> str:
    text = PARTS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text


def section_title(section: str, lang: str) -> tuple[str, str]:
    """(title, definition) of a report section in ``lang``."""
    if section in SECTION_ZH and lang == "zh":
        return SECTION_ZH[section]
    if section in SECTIONS:
        return SECTIONS[section][0], SECTIONS[section][2]
    return _part(section, lang), ""


_REASONS_ZH = {"no template given": "未提供模板",
               "the chain has no segment column": "数据没有所属环节列",
               "the chain has no output column": "数据没有产值列",
               "maximum flow not computed": "未计算最大流",
               "relatedness density not in the candidate score":
                   "关联密度未计入补链/延链得分"}
#: The details of those reasons that come from a finder's error, in Chinese.
_DETAILS_ZH = (
    (re.compile(r"relatedness density needs at least one region besides the focal "
                r"(.+) \(found only (\d+) region\(s\)\)"),
     r"需要本区（\1）以外至少一个地区的企业才能计算（只有 \2 个地区）"),
    (re.compile(r"relatedness density: no enterprise with a segment is in focal "
                r"region\(s\) (.+)"),
     r"本区 \1 没有标明所属环节的企业"),
    (re.compile(r"^无供应关系数据 \(no supply-link data\): (\d+) template links not judged$"),
     r"无供应关系数据：\1 条模板链接未判断"),
)


def skip_text(step: str, reason: Any, lang: str) -> tuple[str, str]:
    """(step label, reason) of a skipped step in ``lang``."""
    name = (section_title(step, lang)[0] if step in SECTIONS else
            label("summary", "max_flow", lang) if step == "flow" else step)
    reason = str(reason)
    if lang == "zh" and name == step:  # not a section: a finding kind or a column
        if step in KINDS:  # broken_link: 断链
            name = label("kinds", step, lang)
        elif step in COLUMNS:  # relatedness_density: 关联密度
            name = label("columns", step, lang)
    if lang == "zh":
        for english, chinese in _REASONS_ZH.items():
            if reason.startswith(english):
                reason = chinese + reason[len(english):]
        for pattern, chinese in _DETAILS_ZH:
            reason = pattern.sub(chinese, reason)
    return name, reason


def title(report: Any, lang: str) -> str:
    name = report.summary.get("chain_name") or ("产业链" if lang == "zh" else "chain")
    return f"{_part('title', lang)}{'：' if lang == 'zh' else ': '}{name}"


# --- summary --------------------------------------------------------------------------
def _summary_value(report: Any, key: str, names: Names) -> str:
    s = report.summary
    value = s[key]
    lang = names.lang
    if key in ("breakpoints_by_kind", "bottlenecks_by_kind", "candidates_by_kind"):
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{names.kind(k)} {v:,}" for k, v in value.items())
    if key == "focal_output" or (key == "max_flow" and s.get("flow_basis") not in (
            None, "unit")):
        return names.money(value)
    if key in ("coverage", "completeness"):
        return cell_text("coverage", value, names.unit, lang)
    if key == "designated_leaders_in_top" and lang == "zh":
        return str(value).replace(" of ", "/")
    if key == "added_enterprises":
        shown = "、".join(value[:20]) if lang == "zh" else ", ".join(value[:20])
        more = len(value) - 20
        return shown + ((f" 等 {len(value)} 家" if lang == "zh" else f" and {more} more")
                        if more > 0 else "")
    if key == "region" and not isinstance(value, str):
        return "、".join(map(str, value))
    if key == "focal_rung":
        return names.value(value)  # below 十亿级 -> 十亿级以下
    return cell_text(key, value, names.unit, lang)


def summary_rows(report: Any, names: Names) -> list[tuple[str, str]]:
    """(label, text) of the headline numbers, in display order."""
    s = report.summary
    rows = [(label("summary", key, names.lang), _summary_value(report, key, names))
            for key in SUMMARY if s.get(key) is not None and s.get(key) != {}]
    if s.get("top_leader_name") is None and s.get("top_leader") is not None:
        rows.append((label("summary", "top_leader_name", names.lang),
                     str(s["top_leader"])))
    skip = _part("skipped", names.lang)
    for step, reason in s.get("skipped", {}).items():
        name, why = skip_text(step, reason, names.lang)
        rows.append((f"{skip}: {name}", why))
    return rows


# --- shown tables ---------------------------------------------------------------------
def shown_sections(report: Any) -> list[tuple[str, pd.DataFrame]]:
    """(section, full table) in report order, with the min-cut summary and list."""
    out = []
    for section in SECTIONS:
        out.append((section, getattr(report, section)))
        if section == "bottlenecks":
            out.append(("min_cut_pairs", report.min_cut_pairs()))
    out.append(("min_cut", report.min_cut_table()))
    return out


def _cells(shown: pd.DataFrame, names: Names) -> list[list[str]]:
    return [[cell_text(c, v, names.unit, names.lang) for c, v in zip(
        shown.columns, row, strict=True)] for row in shown.itertuples(index=False)]


def _more(total: int, shown: int, section: str, files: dict[str, str] | None,
          lang: str) -> str:
    if total <= shown:
        return ""
    file = (files or {}).get(section)
    if file:
        return _part("more_rows", lang, n=total - shown, total=total, file=file)
    return _part("more_rows_plain", lang, n=total - shown, total=total)


# --- Markdown -------------------------------------------------------------------------
def _md(text: Any) -> str:
    """Markdown cell text: raw HTML, links and table syntax neutralised."""
    text = str(text)
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"),
                     ("[", "\\["), ("]", "\\]"), ("`", "\\`"), ("\r", " "), ("\n", " ")):
        text = text.replace(old, new)
    return text


def markdown(report: Any, rows: int, lang: str, files: dict[str, str] | None = None
             ) -> str:
    names = report.names(lang)
    lines = [f"# {_md(title(report, lang))}", "", f"## {_part('key_findings', lang)}", ""]
    findings = report.key_findings_in(lang)
    if len(findings):
        lines += [f"{r.rank}. **{_md(r.category_label)}** {_md(r.explanation)}"
                  for r in findings.itertuples(index=False)]
    else:
        lines.append(_part("no_findings", lang))
    lines += ["", f"*{_md(_part('ranking_rule', lang))}*", "",
              f"## {_part('summary', lang)}", ""]
    lines += [f"- **{_md(k)}**: {_md(v)}" for k, v in summary_rows(report, names)]
    skipped = report.summary.get("skipped", {})
    for section, table in shown_sections(report):
        head, definition = section_title(section, lang)
        if section == "min_cut":
            head = _part("appendix", lang)
        lines += ["", f"## {_md(head)}", ""]
        if definition:
            lines += [f"*{_md(definition)}*", ""]
        if section in skipped:
            why = skip_text(section, skipped[section], lang)[1]
            lines.append(f"{_part('skipped', lang)}: {_md(why)}.")
            continue
        if not len(table):
            lines.append(_part("no_findings", lang))
            continue
        shown = report.shown_table(section, lang=lang, rows=rows)
        lines.append("| " + " | ".join(_md(label("columns", c, lang)) for c in
                                         shown.columns) + " |")
        lines.append("|" + "---|" * len(shown.columns))
        lines += ["| " + " | ".join(_md(v) for v in row) + " |"
                  for row in _cells(shown, names)]
        more = _more(len(table), len(shown), section, files, lang)
        if more:
            lines += ["", _md(more)]
    return "\n".join(lines) + "\n"


# --- HTML -----------------------------------------------------------------------------
_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei","WenQuanYi Micro Hei",system-ui,sans-serif;margin:0;color:#1d2733;
background:#f6f7f9;line-height:1.5}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:8px 0 18px}h2{font-size:20px;margin:34px 0 8px;
border-bottom:2px solid #d6dbe1;padding-bottom:4px}
.findings{background:#fff;border-left:6px solid #c0392b;padding:10px 18px 10px 36px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
.findings li{margin:6px 0}.tag{display:inline-block;min-width:4.5em;font-weight:600;
color:#c0392b}.note{color:#5c6773;font-size:13px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0;width:100%;
box-shadow:0 1px 2px rgba(0,0,0,.06)}
th{background:#e9edf2;text-align:left;position:sticky;top:0}
th,td{border:1px solid #d6dbe1;padding:4px 8px;vertical-align:top}
td.num{text-align:right;white-space:nowrap}tr:nth-child(even) td{background:#fafbfc}
.summary th{width:28%}img.map{max-width:100%;border:1px solid #d6dbe1;background:#fff}
"""


def _html_table(shown: pd.DataFrame, names: Names) -> str:
    esc = _html.escape
    head = "".join(f"<th>{esc(label('columns', c, names.lang))}</th>"
                   for c in shown.columns)
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(
        shown[c]) for c in shown.columns]
    body = []
    for row in _cells(shown, names):
        body.append("<tr>" + "".join(
            f"<td class='num'>{esc(v)}</td>" if num else f"<td>{esc(v)}</td>"
            for v, num in zip(row, numeric, strict=True)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _findings_html(report: Any, lang: str) -> str:
    esc = _html.escape
    findings = report.key_findings_in(lang)
    if not len(findings):
        return f"<p>{esc(_part('no_findings', lang))}</p>"
    items = "".join(f"<li><span class='tag'>{esc(r.category_label)}</span> "
                    f"{esc(r.explanation)}</li>" for r in findings.itertuples(index=False))
    return (f"<ol class='findings'>{items}</ol><p class='note'>"
            f"{esc(_part('ranking_rule', lang))}</p>")


def html_body(report: Any, rows: int, lang: str, files: dict[str, str] | None = None,
              map_png: bytes | None = None, heading: str = "h1") -> str:
    """The report as HTML elements: key findings, summary, map, every section open."""
    esc = _html.escape
    names = report.names(lang)
    sub = "h2" if heading == "h1" else "h4"
    parts = [f"<{heading}>{esc(title(report, lang))}</{heading}>",
             f"<{sub}>{esc(_part('key_findings', lang))}</{sub}>",
             _findings_html(report, lang),
             f"<{sub}>{esc(_part('summary', lang))}</{sub}>", "<table class='summary'>"]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
              for k, v in summary_rows(report, names)]
    parts.append("</table>")
    if map_png:
        data = base64.b64encode(map_png).decode("ascii")
        parts += [f"<{sub}>{esc(_part('map', lang))}</{sub}>",
                  f"<img class='map' alt='{esc(_part('map', lang))}' "
                  f"src='data:image/png;base64,{data}'>"]
    skipped = report.summary.get("skipped", {})
    for section, table in shown_sections(report):
        head, definition = section_title(section, lang)
        if section == "min_cut":
            head = _part("appendix", lang)
        parts.append(f"<section id='{esc(section)}'><{sub}>{esc(head)}</{sub}>")
        if definition:
            parts.append(f"<p class='note'>{esc(definition)}</p>")
        if section in skipped:
            why = skip_text(section, skipped[section], lang)[1]
            parts.append(f"<p>{esc(_part('skipped', lang))}: {esc(why)}</p>")
        elif not len(table):
            parts.append(f"<p>{esc(_part('no_findings', lang))}</p>")
        else:
            shown = report.shown_table(section, lang=lang, rows=rows)
            parts.append(_html_table(shown, names))
            more = _more(len(table), len(shown), section, files, lang)
            if more:
                parts.append(f"<p class='note'>{esc(more)}</p>")
        parts.append("</section>")
    return "\n".join(parts)


def html_fragment(report: Any, rows: int, lang: str) -> str:
    """For Jupyter: the report in a div (no page, no map)."""
    return ("<div class='chaingraph-report'>" + html_body(report, rows, lang,
                                                          heading="h3") + "</div>")


def html_page(report: Any, rows: int, lang: str, files: dict[str, str] | None = None,
              map_png: bytes | None = None) -> str:
    """report.html: one self-contained, styled page (no network), key findings first."""
    esc = _html.escape
    return (f"<!DOCTYPE html>\n<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head>"
            "<meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            "img-src data:; style-src 'unsafe-inline'\">"
            f"<title>{esc(title(report, lang))}</title><style>{_CSS}</style></head>"
            f"<body><main>{html_body(report, rows, lang, files, map_png)}</main>"
            "</body></html>\n")
