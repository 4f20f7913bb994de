"""Segment coverage: which template segments the focal region has, and how completely
the template's segment-to-segment links are realised locally."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import (
    ranked,
)
from chaingraph.model import (
    OUTPUT,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import (
    enterprise_segments,
    focal_mask,
    label_codes,
)
from chaingraph.model.validation import read_only

__all__ = ["coverage_numbers", "find_segment_coverage", "local_segment_links",
           "template_realisation"]

_COVERAGE_COLUMNS = [
    "segment", "name_zh", "name_en", "stage", "depth", "present", "n_enterprises",
    "n_elsewhere", "output", "n_template_suppliers", "n_suppliers_present",
    "n_template_buyers", "n_buyers_present", "n_links_possible", "n_links_realised",
    "score", "explanation"]


# --- segment coverage -----------------------------------------------------------------
def local_segment_links(chain: Chain, focal: np.ndarray, segments: np.ndarray
                         ) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Segment labels, each enterprise's label code (-1: none), and the distinct
    (supplier segment, buyer segment) code pairs of links inside the focal region.

    Cached on the chain per segments array (the one :func:`enterprise_segments`
    keeps) and focal mask: coverage, gaps and structure each ask for it.
    """
    def compute() -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
        codes, uniques = label_codes(chain, segments)
        labels = list(uniques)
        src, dst = chain.link_codes
        local = focal[src] & focal[dst] & (src != dst)
        a, b = codes[src[local]], codes[dst[local]]
        ok = (a >= 0) & (b >= 0)
        k = len(labels) + 1
        pairs = np.unique(a[ok].astype(np.int64) * k + b[ok])
        return labels, read_only(codes), read_only(pairs // k), read_only(pairs % k)

    labels, codes, a, b = chain.cached(("coverage.local_segment_links", focal.tobytes()),
                                       compute, owner=segments)
    return list(labels), codes, a, b


def template_realisation(chain: Chain, template: SegmentTemplate, focal: np.ndarray,
                          segments: np.ndarray | None) -> tuple[
                              set[str], pd.DataFrame]:
    """Segments present locally, and each template edge with possible / realised."""
    present: set[str] = set()
    local_pairs: set[tuple[Any, Any]] = set()
    if segments is not None:
        labels, codes, a, b = local_segment_links(chain, focal, segments)
        present = {labels[c] for c in np.unique(codes[focal]) if c >= 0}
        local_pairs = {(labels[i], labels[j]) for i, j in zip(
            a.tolist(), b.tolist(), strict=True)}
    edges = template.edges[["supplier", "buyer", "essential"]].copy()
    edges["possible"] = [a in present and b in present for a, b in
                         zip(edges["supplier"], edges["buyer"], strict=True)]
    edges["realised"] = [(a, b) in local_pairs for a, b in
                         zip(edges["supplier"], edges["buyer"], strict=True)]
    return present, edges


def find_segment_coverage(G: Chain | Any, /, *, template: TemplateLike,
                          region: Any = None, top: int | None = None) -> pd.DataFrame:
    """One row per template segment: is it present in the focal region, how linked.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain; enterprise ``segment`` labels may be template ids or names.
    template : SegmentTemplate
        The reference chain of the industry.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        Columns ``segment``, ``name_zh``, ``name_en``, ``stage``, ``depth``
        (template position), ``present``, ``n_enterprises`` (in the focal region),
        ``n_elsewhere`` (in the chain, outside the focal region), ``output`` (focal
        total, NaN when unknown), ``n_template_suppliers``, ``n_suppliers_present``,
        ``n_template_buyers``, ``n_buyers_present`` (template neighbour segments and
        how many are present locally), ``n_links_possible`` (template edges at this
        segment with both ends present), ``n_links_realised`` (of those, realised by
        a local supply link), ``score`` and ``explanation``; sorted by score,
        descending.

    See Also
    --------
    structure_summary : coverage and completeness as two numbers.

    Notes
    -----
    ``score`` is 1.0 for an absent segment, and for a present one half the share of
    its possible template links that are not realised locally (0 when every
    possible link exists). Cost O(n + m + template size).

    Examples
    --------
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
    ...     {"id": "car", "stage": "downstream"}],
    ...     "edges": [["ore", "cell"], ["cell", "car"]]})
    >>> G = nx.DiGraph([("a", "b")])
    >>> nx.set_node_attributes(G, {"a": "ore", "b": "cell"}, "segment")
    >>> find_segment_coverage(G, template=tpl)[["segment", "present", "score"]]
      segment  present  score
    0     car    False    1.0
    1     ore     True    0.0
    2    cell     True    0.0
    """
    context = resolve(G, template=template, region=region)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    segments = enterprise_segments(chain, template)
    present, edges = template_realisation(chain, template, focal, segments)
    n_local, n_else, local_output = _segment_counts(chain, focal, segments)
    # the template's edges per segment, in plain Python (a template has tens of
    # segments: a pandas selection per segment cost more than the whole rest)
    ins: dict[Any, list[tuple[Any, bool, bool]]] = {}
    outs: dict[Any, list[tuple[Any, bool, bool]]] = {}
    for sup, buy, can, done in zip(edges["supplier"].tolist(), edges["buyer"].tolist(),
                                   edges["possible"].tolist(), edges["realised"].tolist(),
                                   strict=True):
        ins.setdefault(buy, []).append((sup, bool(can), bool(done)))
        outs.setdefault(sup, []).append((buy, bool(can), bool(done)))
    rows = []
    depth = template.depth
    for seg in template.segments.itertuples(index=False):
        sid = seg.id
        into, out_of = ins.get(sid, []), outs.get(sid, [])
        touching = into + out_of  # a loop on the segment counts on both sides
        possible = sum(can for _, can, _ in touching)
        realised = sum(can and done for _, can, done in touching)
        is_present = sid in present
        score = 1.0 if not is_present else (
            0.5 * (possible - realised) / possible if possible else 0.0)
        rows.append({
            "segment": sid, "name_zh": seg.name_zh, "name_en": seg.name_en,
            "stage": seg.stage, "depth": depth[sid], "present": is_present,
            "n_enterprises": n_local.get(sid, 0),
            "n_elsewhere": n_else.get(sid, 0),
            "output": local_output.get(sid, np.nan),
            "n_template_suppliers": len(into),
            "n_suppliers_present": sum(other in present for other, _, _ in into),
            "n_template_buyers": len(out_of),
            "n_buyers_present": sum(other in present for other, _, _ in out_of),
            "n_links_possible": possible, "n_links_realised": realised,
            "score": float(score)})
    frame = pd.DataFrame(rows, columns=_COVERAGE_COLUMNS[:-1])
    frame["explanation"] = [_coverage_text(r) for r in frame.itertuples(index=False)]
    return ranked(frame, _COVERAGE_COLUMNS, top)


def _segment_counts(chain: Chain, focal: np.ndarray, segments: np.ndarray | None
                    ) -> tuple[dict[Any, int], dict[Any, int], dict[Any, float]]:
    """Per segment: enterprises in the focal region, enterprises elsewhere, and the
    focal enterprises' output (a segment whose outputs are all unknown has none),
    counted on the segments' integer codes."""
    if segments is None:
        return {}, {}, {}
    codes, labels = label_codes(chain, segments)
    k = len(labels)
    has = codes >= 0
    local = np.bincount(codes[has & focal], minlength=k).tolist()
    other = np.bincount(codes[has & ~focal], minlength=k).tolist()
    output = chain.column(OUTPUT).astype(np.float64)
    # pandas' grouped sum (compensated, NaN skipped) on the codes: the same sums as
    # grouped by the labels themselves
    sums = pd.Series(output[has & focal]).groupby(codes[has & focal]).sum(min_count=1)
    totals = {labels[c]: float(v) for c, v in zip(sums.index.tolist(), sums.tolist(),
                                                  strict=True)}
    return dict(zip(labels, local, strict=True)), dict(zip(labels, other, strict=True)), \
        totals


def _coverage_text(row: Any) -> str:
    label = row.name_zh if isinstance(row.name_zh, str) else row.segment
    if not row.present:
        where = (f"; {row.n_elsewhere} enterprises of it are in the chain outside "
                 "the focal region") if row.n_elsewhere else ""
        return (f"Segment {label} ({row.stage}) has no enterprise in the focal "
                f"region{where}")
    links = (f"{row.n_links_realised} of its {row.n_links_possible} possible template "
             "links are realised locally") if row.n_links_possible else (
        "none of its template neighbours is present locally")
    return (f"Segment {label} ({row.stage}) has {row.n_enterprises} enterprises in "
            f"the focal region; {links}")


def coverage_numbers(chain: Chain, template: SegmentTemplate | None,
                      focal: np.ndarray, segments: np.ndarray | None) -> dict[str, Any]:
    keys = ("coverage", "completeness", "n_template_segments", "n_segments_present",
            "n_template_links_possible", "n_template_links_realised")
    if template is None:
        return dict.fromkeys(keys)
    present, edges = template_realisation(chain, template, focal, segments)
    n_seg = len(template.segment_ids)
    n_present = len(present & set(template.segment_ids))
    possible = int(edges["possible"].sum())
    realised = int((edges["possible"] & edges["realised"]).sum())
    return dict(zip(keys, (
        n_present / n_seg if n_seg else None, realised / possible if possible else None,
        n_seg, n_present, possible, realised), strict=True))
