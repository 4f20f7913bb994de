"""Rendering of a :class:`~chaingraph.report.ChainReport`: headline numbers, the
bottleneck table, Markdown, HTML, JSON and Excel sheets (private; used by report.py)."""

from __future__ import annotations

import html as _html
import json
import math
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.amounts import format_amount
from chaingraph.model import NAME, Chain, SegmentTemplate

#: Columns shown per section in Markdown and HTML (those that exist, in this order).
DISPLAY: dict[str, tuple[str, ...]] = {
    "structure": ("enterprise", "name", "segment", "region", "role", "tier", "score"),
    "coverage": ("segment", "name_zh", "present", "n_enterprises", "score",
                 "explanation"),
    "breakpoints": ("kind", "enterprise", "supplier", "buyer", "segment",
                    "supplier_segment", "buyer_segment", "score", "explanation"),
    "bottlenecks": ("kind", "enterprise", "supplier", "buyer", "segment", "score",
                    "explanation"),
    "concentration": ("segment", "n_enterprises", "hhi", "top1_name", "top1_share",
                      "score"),
    "outside_dependence": ("segment", "input_volume", "outside_share", "abroad_share",
                           "score"),
    "throughput": ("enterprise", "name", "segment", "throughput", "score"),
    "leaders": ("rank", "enterprise", "name", "segment", "score", "explanation"),
    "candidates": ("segment", "name_zh", "kind", "score", "explanation"),
    "echelon": ("group", "output", "rung", "next_rung", "progress", "explanation"),
}
#: Data rows per Excel sheet (1,048,576 rows minus the header).
EXCEL_MAX_ROWS = 1_048_575


# --- assembling ---------------------------------------------------------------------
def bottleneck_table(chain: Chain, flow: Any, results: dict[str, Any]) -> pd.DataFrame:
    """The combined bottleneck rows from results computed once (find_bottlenecks'
    rows: internal min-cut elements, flagged concentration and outside dependence,
    throughput hubs)."""
    from chaingraph.algorithms.bottlenecks import combine_bottlenecks

    return combine_bottlenecks(
        chain, flow=flow, concentration=results.get("concentration"),
        outside_dependence=results.get("outside_dependence"),
        throughput=results.get("throughput"))


def _counts(table: pd.DataFrame, column: str) -> dict[str, int]:
    if column not in table.columns or not len(table):
        return {}
    return {str(k): int(v) for k, v in table[column].value_counts(sort=False).items()}


def headline(chain: Chain, template: SegmentTemplate | None,
             tables: dict[str, pd.DataFrame], flow: Any, options: dict[str, Any]
             ) -> dict[str, Any]:
    """Headline numbers added to the structure summary."""
    region = options["region"]
    out: dict[str, Any] = {
        "chain_name": chain.meta.get("name"), "region": region,
        "template": template.name if template is not None else None,
        "unit": chain.meta.get("unit"), "currency": chain.meta.get("currency"),
        "n_breakpoints": len(tables["breakpoints"]),
        "breakpoints_by_kind": _counts(tables["breakpoints"], "kind"),
        "max_flow": None if flow is None else float(flow.value),
        "flow_basis": None if flow is None else flow.capacity_basis,
        "n_min_cut": None if flow is None else len(flow.min_cut),
        "n_bottlenecks": len(tables["bottlenecks"]),
        "bottlenecks_by_kind": _counts(tables["bottlenecks"], "kind"),
        "n_candidates": len(tables["candidates"]),
        "candidates_by_kind": _counts(tables["candidates"], "kind")}
    leaders = tables["leaders"]
    if len(leaders):
        top = leaders.iloc[0]
        out["top_leader"] = top["enterprise"]
        out["top_leader_name"] = top["name"]
        from chaingraph.algorithms.leaders import designated_hits

        hits = designated_hits(leaders)
        if hits is not None:
            out["designated_leaders_in_top"] = f"{hits[0]} of {hits[1]}"
    echelon = tables["echelon"]
    if len(echelon):
        focal = echelon[echelon["level"] == "focal"].iloc[0]
        out["focal_output"] = float(focal["output"])
        out["focal_rung"] = focal["rung"]
    return out


# --- cells --------------------------------------------------------------------------
def _cell(value: Any, digits: int = 3) -> str:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ", ".join(_cell(v, digits) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v, digits)}" for k, v in value.items())
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value)}"
        return f"{value:.{digits}g}" if abs(value) >= 1e6 or abs(value) < 1e-3 else (
            f"{value:.{digits}f}".rstrip("0").rstrip("."))
    return str(value)


def _shown(frame: pd.DataFrame, section: str, rows: int) -> pd.DataFrame:
    cols = [c for c in DISPLAY.get(section, ()) if c in frame.columns]
    return frame.loc[:, cols or list(frame.columns)].head(rows)


_SUMMARY_KEYS = (
    ("chain_name", "Chain"), ("region", "Focal region"), ("template", "Template"),
    ("n_enterprises", "Enterprises"), ("n_links", "Links"),
    ("n_focal", "Focal enterprises"), ("n_sources", "Sources"),
    ("n_final", "Final producers"), ("n_isolated", "Isolated"),
    ("max_tier", "Deepest tier"), ("has_cycles", "Has cycles"),
    ("chain_length", "Chain length"), ("coverage", "Segment coverage"),
    ("completeness", "Template-link completeness"),
    ("breakpoints_by_kind", "Breakpoints"), ("max_flow", "Maximum flow"),
    ("bottlenecks_by_kind", "Bottlenecks"), ("top_leader_name", "Top chain leader"),
    ("designated_leaders_in_top", "Designated leaders in the top ranks"),
    ("candidates_by_kind", "Extension candidates"), ("focal_output", "Focal output"),
    ("focal_rung", "Echelon rung"))


def _summary_cell(s: dict[str, Any], key: str) -> str:
    """A summary value as text; amounts in readable units (``846亿 yuan``)."""
    value = s[key]
    if key == "focal_output" or (key == "max_flow" and s.get("flow_basis") not in (None, "unit")):
        return f"{format_amount(value, s.get('unit') or 'yuan')} ({value:,.0f})"
    return _cell(value)


def _summary_rows(report: Any) -> list[tuple[str, str]]:
    s = report.summary
    rows = [(label, _summary_cell(s, key)) for key, label in _SUMMARY_KEYS
            if s.get(key) is not None and s.get(key) != {}]
    if s.get("top_leader_name") is None and s.get("top_leader") is not None:
        rows.append(("Top chain leader", _cell(s["top_leader"])))
    return rows


# --- Markdown and HTML ----------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: Any, rows: int) -> str:
    from chaingraph.report import SECTIONS

    name = report.summary.get("chain_name") or "chain"
    lines = [f"# Chain diagnosis: {name}", "", "## Summary", ""]
    lines += [f"- **{label}**: {_md(value)}" for label, value in _summary_rows(report)]
    for step, reason in report.summary.get("skipped", {}).items():
        lines.append(f"- *Skipped {step}*: {_md(reason)}")
    for section, (title, _, definition) in SECTIONS.items():
        table = getattr(report, section)
        lines += ["", f"## {title}", "", f"*{definition}*", ""]
        if section in report.summary.get("skipped", {}):
            lines.append(f"Skipped: {report.summary['skipped'][section]}.")
            continue
        if not len(table):
            lines.append("No findings.")
            continue
        shown = _shown(table, section, rows)
        lines.append("| " + " | ".join(map(str, shown.columns)) + " |")
        lines.append("|" + "---|" * len(shown.columns))
        for record in shown.itertuples(index=False):
            lines.append("| " + " | ".join(_md(_cell(v)) for v in record) + " |")
        if len(table) > rows:
            lines += ["", f"... and {len(table) - rows} more rows."]
    return "\n".join(lines) + "\n"


def html(report: Any, rows: int) -> str:
    from chaingraph.report import SECTIONS

    esc = _html.escape
    name = report.summary.get("chain_name") or "chain"
    parts = [f"<div class='chaingraph-report'><h3>Chain diagnosis: {esc(str(name))}</h3>",
             "<table>"]
    parts += [f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>"
              f"{esc(v)}</td></tr>" for k, v in _summary_rows(report)]
    parts.append("</table>")
    for step, reason in report.summary.get("skipped", {}).items():
        parts.append(f"<p><em>Skipped {esc(step)}: {esc(reason)}</em></p>")
    for section, (title, _, definition) in SECTIONS.items():
        table = getattr(report, section)
        parts.append(f"<details><summary><b>{esc(title)}</b> ({len(table)} rows)"
                     f"</summary><p><em>{esc(definition)}</em></p>")
        if len(table):
            shown = _shown(table, section, rows).map(_cell)
            parts.append(shown.to_html(index=False, escape=True))
        parts.append("</details>")
    parts.append("</div>")
    return "\n".join(parts)


# --- JSON -----------------------------------------------------------------------------
def _frame_json(frame: pd.DataFrame | None) -> str | None:
    """Records JSON text of ``frame`` (pandas' vectorised writer), None if it fails."""
    if frame is None or not len(frame):
        return "[]"
    try:  # pandas writes NaN/inf as null and numpy scalars as numbers
        return frame.to_json(orient="records", force_ascii=False, double_precision=15)
    except (TypeError, ValueError, OverflowError):
        return None


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    from chaingraph.report import _clean

    text = _frame_json(frame)
    if text is not None:
        return json.loads(text)
    return [_clean(r) for r in frame.to_dict("records")]  # type: ignore[union-attr]


class _Raw:
    """A table whose JSON text :func:`json_chunks` encodes when it reaches it."""

    __slots__ = ("encode",)

    def __init__(self, encode: Callable[[], str]) -> None:
        self.encode = encode


def _encoded_records(frame: pd.DataFrame | None) -> str:
    text = _frame_json(frame)
    if text is None:
        return json.dumps(_records(frame), ensure_ascii=False, allow_nan=False)
    return text


def _raw_records(frame: pd.DataFrame | None) -> _Raw:
    return _Raw(lambda: _encoded_records(frame))


def _min_cut_items(flow: Any) -> list[Any]:
    """The cut as ``[supplier, buyer]`` pairs (links) and enterprise ids."""
    cut = flow.min_cut
    return [[s, b] if e == "link" else x for e, s, b, x in zip(
        cut["element"], cut["supplier"], cut["buyer"], cut["enterprise"], strict=True)]


def _encoded_min_cut(flow: Any) -> str:
    from chaingraph.report import _clean

    items = _min_cut_items(flow)
    if not items:
        return "[]"
    try:
        return pd.Series(items, dtype=object).to_json(
            orient="values", force_ascii=False, double_precision=15)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(_clean(items), ensure_ascii=False, allow_nan=False)


def _raw_min_cut(flow: Any) -> _Raw:
    return _Raw(lambda: _encoded_min_cut(flow))


def json_document(report: Any, *, raw: bool = False) -> dict[str, Any]:
    """The JSON layout: exactly seven top-level keys.

    With ``raw=True`` the tables are left as encoded text (:class:`_Raw`) for
    :func:`json_text` to splice in, instead of being decoded into Python objects.
    """
    from chaingraph.report import _clean

    records = _raw_records if raw else _records
    flow = report.flow
    min_cut: Any = []
    if flow is not None:
        min_cut = _raw_min_cut(flow) if raw else _clean(_min_cut_items(flow))
    summary = _clean(report.summary)
    summary["meta"] = _clean(report.chain.meta) if report.chain is not None else {}
    return {
        "summary": summary,
        "structure": {"enterprises": records(report.structure),
                      "coverage": records(report.coverage)},
        "breakpoints": records(report.breakpoints),
        "bottlenecks": {
            "max_flow": None if flow is None else _clean(float(flow.value)),
            "min_cut": min_cut,
            "min_cut_elements": [] if flow is None else records(flow.min_cut),
            "findings": records(report.bottlenecks),
            "concentration": records(report.concentration),
            "outside_dependence": records(report.outside_dependence),
            "throughput": records(report.throughput)},
        "leaders": records(report.leaders),
        "candidates": records(report.candidates),
        "echelon": records(report.echelon),
    }


def json_chunks(report: Any) -> Iterator[str]:
    """Compact JSON text of the report, piece by piece.

    Each table is encoded by pandas' vectorised writer when its turn comes and
    spliced into the document, instead of being decoded into Python objects and
    re-encoded: the same values as ``json.dumps(json_document(report))``, several
    times faster, and only one table's text in memory at a time.
    """
    tables: list[_Raw] = []
    token = f"\x00chaingraph-raw-{uuid.uuid4().hex}\x00"

    def placeholder(value: Any) -> Any:
        if isinstance(value, _Raw):
            tables.append(value)
            return token
        if isinstance(value, dict):
            return {k: placeholder(v) for k, v in value.items()}
        return value

    skeleton = json.dumps(placeholder(json_document(report, raw=True)),
                          ensure_ascii=False, allow_nan=False)
    parts = skeleton.split(json.dumps(token))
    yield parts[0]
    for table, part in zip(tables, parts[1:], strict=True):
        yield table.encode()
        yield part


def json_text(report: Any, indent: int | str | None) -> str:
    """The report as JSON text (compact output through :func:`json_chunks`)."""
    if indent is not None:
        return json.dumps(json_document(report), ensure_ascii=False, indent=indent,
                          allow_nan=False)
    return "".join(json_chunks(report))


# --- Excel ----------------------------------------------------------------------------
def _excel_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _excel_frame(frame: pd.DataFrame, chinese: bool) -> pd.DataFrame:
    from chaingraph.report import CHINESE_HEADERS

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(_excel_value)
    if chinese:
        out = out.rename(columns=lambda c: CHINESE_HEADERS.get(str(c), str(c)))
    return out


def excel_sheets(report: Any, chinese: bool) -> dict[str, pd.DataFrame]:
    """Sheet name -> table: a summary sheet, each report table, the minimum cut."""
    from chaingraph.report import SECTIONS

    summary = pd.DataFrame({
        "key": list(report.summary),
        "value": [_excel_value(v) if not isinstance(v, (str, int, float, bool))
                  or v is None else v for v in report.summary.values()]})
    summary["value"] = summary["value"].map(
        lambda v: v if isinstance(v, (str, int, float, bool)) else _cell(v))
    tables = {(zh if chinese else section): getattr(report, section)
              for section, (_, zh, _) in SECTIONS.items()}
    if report.flow is not None:
        tables["最小割" if chinese else "min_cut"] = report.flow.min_cut
    notes = []
    for name, table in tables.items():
        if len(table) > EXCEL_MAX_ROWS:
            notes.append({"key": f"sheet {name}", "value": (
                f"first {EXCEL_MAX_ROWS:,} of {len(table):,} rows (Excel's limit); "
                "the full table is in the JSON report")})
            tables[name] = table.head(EXCEL_MAX_ROWS)
    if notes:
        summary = pd.concat([summary, pd.DataFrame(notes)], ignore_index=True)
    sheets = {("概要" if chinese else "summary"): _excel_frame(summary, chinese)}
    sheets.update({name: _excel_frame(table, chinese) for name, table in tables.items()})
    return sheets


def names_of(chain: Chain) -> dict[Any, str]:
    """Enterprise id -> display name (its name when given, else the id)."""
    names = chain.column(NAME, default=None)
    return {i: (n if isinstance(n, str) and n else str(i))
            for i, n in zip(chain.ids, names, strict=True)}
