"""Text helpers of the report renderers: readable numbers, names, the tables as shown.

Private to the report: :mod:`chaingraph.report` and its renderers
(:mod:`chaingraph._report_render`, :mod:`chaingraph._report_json`,
:mod:`chaingraph._report_excel`, :mod:`chaingraph._report_findings`) use these;
nothing here imports the report, so the dependencies point one way (report ->
renderers -> this module -> labels).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import has_volumes
from chaingraph.labels import COLUMNS, KINDS, VALUES, label
from chaingraph.model import NAME, Chain

#: Rows of each table in the bounded report files (JSON, Excel); the full tables
#: go to ``tables/`` beside them.
ROW_LIMIT = 1_000
#: Rows of each table shown in Markdown and HTML.
DISPLAY_ROWS = 20

#: Columns holding amounts (in the chain's unit), shares and plain counts.
MONEY = frozenset({"output", "volume", "capacity", "input_volume", "outside_volume",
                   "abroad_volume", "outside_demand", "local_supplier_volume", "target",
                   "gap", "distance_to_next", "total", "flow", "focal_output",
                   "rung_threshold", "next_threshold"})
SHARES = frozenset({"output_share", "outside_share", "abroad_share", "top1_share",
                    "throughput", "downstream_reach", "progress", "coverage", "share",
                    "saturation", "completeness", "relatedness", "top_outside_share"})
#: Columns shown per section (those that exist, in this order).
DISPLAY: dict[str, tuple[str, ...]] = {
    "structure": ("enterprise", "name", "segment", "region", "role", "tier", "score"),
    "coverage": ("segment", "stage", "present", "n_enterprises", "output", "score",
                 "explanation"),
    "breakpoints": ("kind", "enterprise", "supplier", "buyer", "segment",
                    "n_final_cut", "score", "explanation"),
    "bottlenecks": ("kind", "enterprise", "segment", "score", "explanation"),
    "concentration": ("segment", "n_enterprises", "hhi", "top1_name", "top1_share",
                      "score"),
    "outside_dependence": ("segment", "input_volume", "outside_share", "abroad_share",
                           "score"),
    "throughput": ("enterprise", "name", "segment", "throughput", "score"),
    "leaders": ("rank", "enterprise", "name", "segment", "output", "output_share",
                "score", "explanation"),
    "candidates": ("segment", "kind", "score", "target_names", "explanation"),
    "echelon": ("group", "output", "rung", "next_rung", "distance_to_next",
                "explanation"),
    "min_cut_pairs": ("supplier_segment", "buyer_segment", "element", "n_elements",
                      "capacity", "share"),
    "min_cut": ("element", "supplier", "buyer", "enterprise", "capacity", "share"),
    "key_findings": ("rank", "category", "kind", "explanation"),
}
#: Order of the breakpoint kinds in the report (each kind keeps its own score).
BREAKPOINT_ORDER = ("missing_segment", "broken_link", "single_point_of_failure",
                    "single_source")
#: Order of the bottleneck kinds in the report: segment-level findings first, the
#: minimum-cut links last (summarised by segment pair in their own table).
BOTTLENECK_ORDER = ("outside_dependence", "concentration", "throughput_hub", "min_cut")
_YUAN = {"yuan": 1.0, "元": 1.0, "cny": 1.0, "rmb": 1.0, "万元": 1e4, "万": 1e4,
         "亿元": 1e8, "亿": 1e8, "千元": 1e3, "百万元": 1e6, "million yuan": 1e6}


# --- values ---------------------------------------------------------------------------
def clean(value: Any) -> Any:
    """JSON-safe value: NaN/inf/NA -> None, numpy -> Python, sets -> sorted lists."""
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, set, frozenset)):
        items = list(value)
        if isinstance(value, (set, frozenset)):
            items = sorted(items, key=str)
        return [clean(v) for v in items]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def missing(value: Any) -> bool:
    """None, NA, NaN or an infinite number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(float(value))
    return False


def yuan_per_unit(unit: Any) -> float | None:
    """Yuan per unit of the chain's amounts (None: not a money unit we know)."""
    if unit is None:
        return 1.0
    return _YUAN.get(str(unit).strip().lower())


def money(value: Any, unit: Any = "yuan", lang: str = "zh") -> str:
    """An amount as people read it: ``846.0亿元``, ``1,234万元``, ``950元``.

    Examples
    --------
    >>> from chaingraph._report_text import money
    >>> money(3.27e10), money(1.2345e7, "yuan", "en"), money(12.5, "万元"), money(0.5)
    ('327.0亿元', '1,234.5万元', '12.5万元', '0.5元')
    >>> money(0.999), money(1e-5)
    ('0.999元', '<0.001元')
    """
    if missing(value):
        return "未填报" if lang == "zh" else "not given"
    scale = yuan_per_unit(unit)
    if scale is None:
        return f"{float(value):,.4g} {unit}"
    yuan = float(value) * scale
    for size, word in ((1e8, "亿元"), (1e4, "万元")):
        if abs(yuan) >= size:
            return f"{yuan / size:,.1f}{word}"
    if abs(yuan) >= 1 or yuan == 0:
        return f"{yuan:,.0f}元"
    # under one yuan: not "0元", nor 1e-05元
    return f"{yuan:.3g}元" if abs(yuan) >= 0.001 else ("<0.001元" if yuan > 0 else "-<0.001元")


def percent(value: Any) -> str:
    """A share as a percentage that stays informative when tiny (``0.6%``)."""
    if missing(value):
        return ""
    share = 100 * float(value)
    return f"{share:.1f}%" if abs(share) >= 0.1 or share == 0 else f"{share:.2g}%"


def number(value: Any, digits: int = 3) -> str:
    """A plain number: integers with separators, else ``digits`` decimals."""
    if missing(value):
        return ""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def cell_text(column: str, value: Any, unit: Any, lang: str) -> str:
    """One displayed value as text (Markdown, HTML, printed summary)."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return ("、" if lang == "zh" else ", ").join(
            cell_text(column, v, unit, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell_text(column, v, unit, lang)}"
                         for k, v in value.items())
    if isinstance(value, (bool, np.bool_)):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if missing(value):
        return ""
    if isinstance(value, (int, float, np.integer, np.floating)):
        if column in MONEY:
            return money(value, unit, lang)
        if column in SHARES:
            return percent(value)
        return number(value)
    return str(value)


# --- names ----------------------------------------------------------------------------
def enterprise_name(chain: Chain | None, value: Any,
                    names: np.ndarray | None = None) -> str:
    """An enterprise's display name: its name when given, else the id.

    Looked up through the chain's id index (a hash lookup): a report names a few
    thousand enterprises, so no id -> name table of the whole chain is built.
    ``names`` is ``chain.column("name")`` when the caller holds it already.
    """
    try:
        position = chain.index.get_loc(value) if chain is not None else None
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        position = None
    if not isinstance(position, (int, np.integer)):  # unknown (or a duplicated id)
        return str(value)
    name = (chain.column(NAME, default=None) if names is None else names)[position]
    return name if isinstance(name, str) and name.strip() else str(value)


def _names_of(chain: Chain) -> Any:
    """The chain's name column as stored (a report names a few enterprises: no
    million-row conversion to Python objects just to read ten of them)."""
    frame = chain.enterprises  # a shallow-cost copy; its columns are the chain's
    if NAME in frame.columns and not pd.api.types.is_numeric_dtype(frame[NAME].dtype):
        return frame[NAME].array
    return chain.column(NAME, default=None)


def segment_names(template: Any, lang: str) -> dict[Any, str]:
    """Segment id -> its name in ``lang`` (the id when the template has none)."""
    if template is None:
        return {}
    rows = template.segments
    column = "name_zh" if lang == "zh" else "name_en"
    if column not in rows.columns:
        column = "name_zh" if "name_zh" in rows.columns else "id"
    return {i: (n if isinstance(n, str) and n else str(i))
            for i, n in zip(rows["id"], rows[column], strict=True)}


class Names:
    """How the report names things in one language: enterprises, segments, codes."""

    def __init__(self, chain: Chain | None, template: Any, lang: str,
                 unit: Any = "yuan", flow_basis: str | None = None,
                 throughput_basis: str | None = None) -> None:
        self.lang = lang
        self.unit = unit
        #: What the maximum flow's link capacities were (``"unit"``: 1 per link).
        self.flow_basis = flow_basis
        #: How the throughput weighted its paths (``"volume"``, ``"paths"``; None:
        #: as the links' volumes say).
        self.throughput_basis = throughput_basis
        self.chain = chain
        self._enterprises: dict[Any, str] = {}  # the ids named so far
        self._names: np.ndarray | None = None
        self.segments = segment_names(template, lang)

    def enterprise(self, value: Any) -> str:
        if missing(value):
            return ""
        try:
            return self._enterprises[value]
        except KeyError:
            if self._names is None and self.chain is not None:
                self._names = _names_of(self.chain)
            name = self._enterprises[value] = enterprise_name(self.chain, value,
                                                              self._names)
            return name
        except TypeError:  # unhashable: not an id
            return str(value)

    def segment(self, value: Any) -> str:
        if missing(value):
            return "未标注" if self.lang == "zh" else "unlabelled"
        return self.segments.get(value, str(value))

    def kind(self, value: Any) -> str:
        return label("kinds", value, self.lang)

    def value(self, value: Any) -> str:
        return label("values", value, self.lang)

    def money(self, value: Any) -> str:
        return money(value, self.unit, self.lang)

    @functools.cached_property
    def volume_weighted(self) -> bool:
        """Whether the links have volumes (else supply paths count alike: the
        throughput's ends weigh the same, and a link's capacity is 1)."""
        return self.chain is not None and has_volumes(self.chain)

    def paths(self, share: Any) -> str:
        """``share`` of the source-to-final supply paths, weighted as they were (the
        throughput's own basis when known: volumes on some links but none on the
        sources' and final producers' links count every path alike)."""
        weighted = (self.volume_weighted if self.throughput_basis is None
                    else self.throughput_basis == "volume")
        why = ("链接无金额" if not self.volume_weighted else "源头和终端的链接无金额")
        reason = ("the links have no volumes" if not self.volume_weighted else
                  "the sources' and final producers' links have no volumes")
        if self.lang == "zh":
            return (f"位于 {percent(share)} 的金额加权供应路径上" if weighted
                    else f"位于 {percent(share)} 的供应路径上（{why}，每条路径同等计）")
        return (f"lies on {percent(share)} of the volume-weighted supply paths"
                if weighted else f"lies on {percent(share)} of the supply "
                f"paths ({reason}: every path counts the same)")

    def volume(self, value: Any) -> str:
        """A sum of link volumes: money, or a number of links when they have none."""
        if self.volume_weighted:
            return self.money(value)
        count = 0 if missing(value) else int(value)
        return (f"{count} 条链接（链接无金额）" if self.lang == "zh" else
                f"{count} link(s), the links have no volumes")

    def outside_purchases(self, value: Any) -> str:
        """What focal enterprises buy from outside: money, or links without volumes."""
        amount = self.volume(value)
        if self.lang == "zh":
            return f"本区{'每年' if self.volume_weighted else ''}从区外采购 {amount}"
        return (f"focal enterprises buy {amount} of it from outside" if self.volume_weighted
                else f"focal enterprises buy it from outside over {amount}")

    def flow_amount(self, value: Any, basis: Any) -> str:
        """An amount of the maximum flow: money, or links when capacities were 1."""
        if basis != "unit":
            return self.money(value)
        return (f"{float(value):,.0f}（链接无金额，每条按 1 计）" if self.lang == "zh"
                else f"{float(value):,.0f} (links without volumes count 1 each)")


# --- tables ---------------------------------------------------------------------------
def order_kinds(table: pd.DataFrame, order: tuple[str, ...]) -> pd.DataFrame:
    """Rows grouped by kind in ``order``, each kind by its own score (stable)."""
    if not len(table) or "kind" not in table.columns:
        return table
    rank = {k: i for i, k in enumerate(order)}
    codes, kinds = pd.factorize(table["kind"].to_numpy(dtype=object), use_na_sentinel=True)
    by_kind = np.array([rank.get(k, len(rank)) for k in kinds] + [len(rank)],
                       dtype=np.int64)  # the last slot answers code -1 (no kind)
    key = by_kind[codes]
    order_ = np.lexsort((-table["score"].to_numpy(dtype=float), key))
    return table.iloc[order_].reset_index(drop=True)


def order_breakpoints(table: pd.DataFrame) -> pd.DataFrame:
    """Breakpoints grouped by kind (:data:`BREAKPOINT_ORDER`), each by its own score.

    Scores of different kinds are on different scales (a single point of failure's
    share of final output is not comparable with a single source's 0.5 / 1.0), so
    the report never sorts them together.
    """
    return order_kinds(table, BREAKPOINT_ORDER)


def header(column: str, lang: str, unit: Any = None) -> str:
    """A column header in ``lang`` (money columns say their unit in Excel)."""
    return label("columns", column, lang) if column in COLUMNS else column


def kind_labels(kinds: pd.Series, lang: str) -> list[str]:
    """Translated labels beside the kind codes (JSON ``kind_label``)."""
    return [label("kinds", k, lang) if k in KINDS else ("" if missing(k) else str(k))
            for k in kinds]


__all__ = ["DISPLAY", "DISPLAY_ROWS", "MONEY", "ROW_LIMIT", "SHARES", "VALUES"]
