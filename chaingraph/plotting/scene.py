"""What the static chain map shows, computed from a chain and its report (no matplotlib).

:func:`map_findings` collects the findings a map marks; :func:`map_scene` adds the
layout, colours, labels and marks into a :class:`MapScene` -- small, picklable and
free of the chain -- which :func:`~chaingraph.plotting.draw_map_scene` draws (in this
process, or in the CLI's map process).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.labels import map_text
from chaingraph.model import Chain, SegmentTemplate
from chaingraph.plotting._scene_data import ChainLayout, MapScene
from chaingraph.plotting._style import COLORS, PALETTE, STAGE_LABELS
from chaingraph.plotting.layout import map_inputs

__all__ = ["MapScene", "map_findings", "map_scene", "node_colors", "shared_findings"]

_TAGS = (("补链", "补链"), ("延链", "延链"), ("强链", "强链"))


def _frame(report: Any, name: str) -> pd.DataFrame:
    value = getattr(report, name, None) if report is not None else None
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame),
                                                                dtype=object)


def map_findings(report: Any = None, *, leaders: int = 5, cut: int = 20
                 ) -> dict[str, Any]:
    """Collect what the maps highlight from a report (missing attributes are skipped).

    Parameters
    ----------
    report : ChainReport, optional
        From :func:`chaingraph.report.diagnose`.
    leaders : int, default 5
        How many top-ranked leaders to label.
    cut : int, default 20
        How many minimum-cut elements (largest capacity first) to highlight: a
        national chain's cut can have thousands of links.

    Returns
    -------
    dict
        ``missing`` (set of segments), ``spof`` (set of enterprises), ``spof_links``,
        ``cut_links`` (sets of (supplier, buyer)), ``cut_nodes`` (set of enterprises),
        ``tags`` (segment -> list of 补链/延链/强链), ``leaders`` (ids, best first),
        ``notes`` (enterprise -> list of finding texts, for tooltips; a read-only
        mapping, built when first read).

    Examples
    --------
    >>> cg.plotting.map_findings(None)["missing"]
    set()
    """
    out: dict[str, Any] = {"missing": set(), "spof": set(), "spof_links": set(),
                           "cut_links": set(), "cut_nodes": set(), "tags": {},
                           "leaders": [], "notes": {}}
    bp = _frame(report, "breakpoints")
    kind = _col(bp, "kind")
    out["missing"] = set(_col(bp, "segment")[kind == "missing_segment"].dropna())
    spof = bp[kind == "single_point_of_failure"]
    ent, sup, buy = _col(spof, "enterprise"), _col(spof, "supplier"), _col(spof, "buyer")
    out["spof"] = set(ent.dropna())
    out["spof_links"] = {(s, b) for s, b, e in zip(sup, buy, ent, strict=True)
                         if pd.notna(s) and pd.notna(b) and pd.isna(e)}
    flow = getattr(report, "flow", None) if report is not None else None
    table = getattr(flow, "min_cut", None)
    if isinstance(table, pd.DataFrame) and len(table):
        if "capacity" in table.columns:
            table = table.sort_values("capacity", ascending=False, kind="mergesort")
        table = table.head(cut)
        element = _col(table, "element")
        links = table[element == "link"]
        out["cut_links"] = set(zip(_col(links, "supplier"), _col(links, "buyer"),
                                   strict=True))
        out["cut_nodes"] = set(_col(table[element != "link"], "enterprise").dropna())
    cand = _frame(report, "candidates")
    for seg, kind_text in zip(_col(cand, "segment"), _col(cand, "kind"), strict=True):
        tag = next((t for key, t in _TAGS if key in str(kind_text)), None)
        if tag and tag not in out["tags"].setdefault(seg, []):
            out["tags"][seg].append(tag)
    lead = _frame(report, "leaders")
    if len(lead) and "enterprise" in lead.columns:
        if "rank" in lead.columns:
            lead = lead.sort_values("rank", kind="mergesort")
        out["leaders"] = list(lead["enterprise"].head(leaders))
    out["notes"] = _Notes(bp)
    return out


class _Notes(Mapping):
    """:func:`_notes` of a breakpoint table, built when first read: only the
    interactive map's enterprise view reads it (a national chain's segment view
    would spend a second on notes it never shows)."""

    def __init__(self, bp: pd.DataFrame) -> None:
        self._bp: pd.DataFrame | None = bp
        self._notes: dict[Any, list[str]] = {}

    def _built(self) -> dict[Any, list[str]]:
        if self._bp is not None:
            self._notes, self._bp = _notes(self._bp), None
        return self._notes

    def __getitem__(self, key: Any) -> list[str]:
        return self._built()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def _notes(bp: pd.DataFrame) -> dict[Any, list[str]]:
    """Enterprise -> the texts of the breakpoints naming it (as enterprise, supplier
    or buyer), in table order."""
    notes: dict[Any, list[str]] = {}
    if not len(bp):
        return notes
    texts = [str(t) for t in (bp["explanation"] if "explanation" in bp.columns
                              else bp["kind"]).to_numpy(dtype=object)]
    whos = np.column_stack([_col(bp, c).to_numpy(dtype=object)
                            for c in ("enterprise", "supplier", "buyer")]).ravel()
    known = np.array([w is not None and w == w for w in whos], dtype=bool)
    rows = np.repeat(np.arange(len(bp)), 3)[known]
    for who, row in zip(whos[known], rows, strict=True):
        notes.setdefault(who, []).append(texts[row])
    return notes


def shared_findings(report: Any) -> dict[str, Any]:
    """:func:`map_findings` of ``report``, computed once for the static and the
    interactive map of one report (kept with the report's chain; read-only use)."""
    chain = getattr(report, "chain", None)
    if not isinstance(chain, Chain):
        return map_findings(report)
    made = chain.cached("plotting.findings", list)
    for known, found in made:
        if known is report:
            return found
    found = map_findings(report)
    made[:] = [*made[-3:], (report, found)]
    return found


def node_colors(nodes: pd.DataFrame, color_by: str | None, template: Any
                 ) -> tuple[list[str], dict[str, str]]:
    """Per-node colours and the legend entries for them."""
    if color_by in (None, "focal") or (color_by in nodes.columns
                                       and nodes[color_by].isna().all()):
        colors = [COLORS["focal"] if f else COLORS["outside"] for f in nodes["focal"]]
        return colors, {}
    if color_by == "stage":
        stage = ({s: template.stage_of(s) for s in set(nodes["segment"])}
                 if template is not None else {})
        values = [stage.get(s) for s in nodes["segment"]]
        legend = {STAGE_LABELS[s]: COLORS[s] for s in STAGE_LABELS if s in values}
        return [COLORS.get(v, COLORS[None]) for v in values], legend
    if color_by not in nodes.columns:
        raise ValueError(f"color_by must be 'region', 'stage', 'focal' or a node column, "
                         f"got {color_by!r}")
    values = nodes[color_by].astype(object).where(nodes[color_by].notna(), "(none)")
    counts = values.value_counts(sort=False)
    ranked = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
    palette = {v: PALETTE[i] if i < len(PALETTE) else COLORS["outside"]
               for i, v in enumerate(ranked)}
    legend = {str(v): palette[v] for v in ranked[:len(PALETTE)]}
    return [palette[v] for v in values], legend


def _labels_for(layout: ChainLayout, found: dict[str, Any], label: Any,
                highlight: set[Any]) -> list[Any]:
    nodes = layout.nodes
    if label is None or label == "none":
        chosen: list[Any] = []
    elif label == "leaders":
        chosen = list(found["leaders"]) or list(nodes.loc[nodes["focal"], "enterprise"]
                                                .head(5))
    elif label == "all":
        chosen = list(nodes["enterprise"])
    elif isinstance(label, Iterable) and not isinstance(label, str):
        chosen = list(label)
    else:
        raise ValueError(f"label must be 'leaders', 'all', None or a list of ids, "
                         f"got {label!r}")
    present = set(nodes["enterprise"])
    return [e for e in dict.fromkeys([*chosen, *sorted(highlight, key=str)]) if e in present]


def _segment_marks(found: dict[str, Any], seg_of: Any, names: dict[Any, Any]
                   ) -> dict[Any, tuple[int, list[str]]]:
    """Segment view: segment -> (number of single points of failure, leader names)."""
    marks: dict[Any, tuple[int, list[str]]] = {}
    for enterprise in found["spof"]:
        n, leaders = marks.get(seg_of.get(enterprise), (0, []))
        marks[seg_of.get(enterprise)] = (n + 1, leaders)
    for enterprise in found["leaders"]:
        name = names.get(enterprise)  # the id when the name is missing (never "None")
        n, leaders = marks.setdefault(seg_of.get(enterprise), (0, []))
        leaders.append(name if isinstance(name, str) and name.strip() else str(enterprise))
    return marks


def map_scene(G: Chain | nx.DiGraph, /, *, template: SegmentTemplate | None = None,
              report: Any = None, region: Any = None, view: str = "auto",
              max_enterprises: int = 300, color_by: str | None = "region",
              highlight: Iterable[Any] | None = None, label: Any = "leaders",
              title: str | None = None, lang: str | None = None) -> MapScene:
    """What :func:`plot_chain_map` draws, computed from the chain (no matplotlib).

    Parameters
    ----------
    G, template, report, region, view, max_enterprises, color_by, highlight, label, \
title, lang :
        As in :func:`plot_chain_map`.

    Returns
    -------
    MapScene
        Everything the drawing needs; it holds no reference to the chain.

    Raises
    ------
    ValueError
        For a bad ``view``, ``color_by`` or ``label`` (as :func:`plot_chain_map`).

    See Also
    --------
    draw_map_scene : draws it.

    Examples
    --------
    >>> scene = cg.plotting.map_scene(cg.datasets.load_example(), view="segment")
    >>> scene.layout.view, len(scene.layout.segments)
    ('segment', 29)
    """
    chain, template, region, layout = map_inputs(G, template, report, region, view,
                                                 max_enterprises)
    found = {k: v for k, v in shared_findings(report).items() if k != "notes"}
    highlight = frozenset(highlight or ())
    lang = lang if lang is not None else getattr(report, "lang", None)
    meta = {k: v for k, v in layout.meta.items() if k not in ("segment_of", "segments")}
    scene = MapScene(replace(layout, meta=meta), found, region, lang,
                     title if title is not None else _title(chain, layout, region, lang),
                     highlight=highlight, has_template=template is not None)
    if layout.view == "enterprise":
        colors, legend = node_colors(layout.nodes, color_by, template)
        return replace(scene, colors=list(colors), legend=legend,
                       labels=_labels_for(layout, found, label, set(highlight)))
    seg = layout.meta["segment_of"]
    leaders = list(found["leaders"])  # only they are named: no whole-chain dict
    codes = chain.lookup_codes(leaders)
    known = codes >= 0
    names = dict(zip(np.asarray(leaders, dtype=object)[known].tolist(),
                     chain.column_at("name", codes[known], default=None), strict=True))
    cut_pairs = frozenset((seg.get(s), seg.get(b)) for s, b in found["cut_links"])
    return replace(scene, marks=_segment_marks(found, seg, names), cut_pairs=cut_pairs)


def _title(chain: Chain, layout: ChainLayout, region: Any, lang: str | None = None) -> str:
    name = chain.meta.get("name") or map_text("chain", lang)
    where = map_text("where", lang, region=region) if region is not None else ""
    view = map_text("segment_view" if layout.view == "segment" else "enterprise_view",
                    lang)
    return f"{name}{where}\n" + map_text("counts", lang, n=chain.n_enterprises,
                                         m=chain.n_links, view=view)
