"""Extension candidates (补链 / 延链 / 强链): which segments a region should attract.

For every template segment missing from the focal region, the candidate is classed by
where it sits relative to the segments the region has, scored by what filling it would
bring, and given target enterprises outside the region to attract. Weak present
segments get "strengthen" (强链) rows.

Long module (about 550 lines): 补链/延链 and 强链 rows share one scoring, one
explanation builder and one table contract; the target-enterprise finder they call
sits here too because it is ranked by the same supply-into-the-region measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._checks import check_top
from chaingraph.algorithms.common import first_rows, has_volumes
from chaingraph.amounts import format_amount
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    STAGES,
    UPSTREAM,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import enterprise_segments, focal_mask, label_codes
from chaingraph.model.template import condensed_levels

__all__ = [
    "DEFAULT_EXTENSION_WEIGHTS",
    "KINDS",
    "find_extension_candidates",
    "find_target_enterprises",
]

INTERNAL, UP, DOWN, STRENGTHEN = ("补链 internal gap", "延链 upstream", "延链 downstream",
                                  "强链 strengthen")
#: The four kinds of candidate rows.
KINDS = (INTERNAL, UP, DOWN, STRENGTHEN)
#: Default weights of the normalised components of a missing segment's score. They
#: sum to 1 with a relatedness density; without one, ``relatedness_density`` is left
#: out and the other four are rescaled to sum to 1 (0.30, 0.25, 0.25, 0.20).
DEFAULT_EXTENSION_WEIGHTS: dict[str, float] = {
    "chain_length_gain": 0.24,
    "links_repaired": 0.20,
    "outside_demand": 0.20,
    "relatedness": 0.16,
    "relatedness_density": 0.20,
}
_COMPONENTS = tuple(DEFAULT_EXTENSION_WEIGHTS)
_DENSITY = "relatedness_density"
#: Strengthen rows score at most this, so missing segments with as much evidence
#: rank first.
STRENGTHEN_CAP = 0.5


Segments = tuple[np.ndarray, dict[Any, int]]


def _segments(chain: Chain, template: SegmentTemplate | None) -> Segments:
    """Each enterprise's segment as an integer code, and segment label -> code.

    Labels are template ids where they resolve (else as given); missing = -1.
    """
    def compute() -> Segments:
        values = enterprise_segments(chain, template)  # blank cells are None
        if values is None:
            values = np.full(chain.n_enterprises, None, dtype=object)
        codes, uniques = label_codes(chain, values)
        return codes, {label: i for i, label in enumerate(uniques)}

    return chain.cached("extension.segments", compute, owner=template)


def _is(seg: Segments, label: Any) -> np.ndarray:
    """Mask of the enterprises in segment ``label``."""
    return seg[0] == seg[1].get(label, -2)


def _longest(T: nx.DiGraph, nodes: set[str]) -> int:
    """Segments on the longest path of the template restricted to ``nodes``."""
    if not nodes:
        return 0
    return max(condensed_levels(T.subgraph(nodes), count_members=True).values())


def _supply_into_focal(chain: Chain, focal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per enterprise: volume sold to focal buyers (link count without volumes), and
    the number of focal buyers; counted for non-focal suppliers only."""
    src, dst = chain.link_codes
    into = ~focal[src] & focal[dst]
    has_volume = chain.has_column(VOLUME, table="links")
    weight = np.nan_to_num(chain.column(VOLUME, table="links")) if has_volume else (
        np.ones(chain.n_links))
    n = chain.n_enterprises
    supply = np.bincount(src[into], weights=weight[into], minlength=n)
    buyers = np.bincount(src[into], minlength=n)
    return supply, buyers


def find_target_enterprises(G: Chain | nx.DiGraph, /, *, segment: str,
                            region: Any = None, template: TemplateLike = None,
                            top: int | None = None) -> pd.DataFrame:
    """Enterprises outside the focal region in a segment, ranked as targets to attract.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    segment : str
        Segment id (or, with a template, its Chinese or English name).
    region : str or list of str, optional
        Focal region. None: every enterprise is focal, so there are no targets.
    template : SegmentTemplate, optional
        Resolves segment names.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        ``enterprise``, ``name``, ``segment``, ``region``, ``supply_to_focal``
        (volume sold to focal enterprises; number of links when the chain has no
        volumes), ``n_focal_buyers``, ``output``, ``score`` (share of the segment's
        supply into the focal region; 0 for enterprises not yet supplying it) and
        ``explanation``; sorted by supply, then output, descending.

    See Also
    --------
    find_extension_candidates

    Notes
    -----
    Enterprises that already sell into the region know its buyers: they are the
    easiest to attract, so they come first; the rest are ranked by output.
    O(n + m).

    Examples
    --------
    >>> from chaingraph.algorithms.extension import find_target_enterprises
    >>> G = nx.DiGraph([("x", "car", {"volume": 5.0}), ("y", "car", {"volume": 1.0})])
    >>> nx.set_node_attributes(G, {"x": "外省", "y": "外省", "car": "本区"}, "region")
    >>> nx.set_node_attributes(G, {"x": "cell", "y": "cell", "car": "car"}, "segment")
    >>> find_target_enterprises(G, segment="cell", region="本区")[["enterprise", "score"]]
      enterprise     score
    0          x  0.833333
    1          y  0.166667
    """
    context = resolve(G, template=template, region=region)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    wanted = (template.resolve(segment) or segment) if template is not None else segment
    return _targets(chain, focal, _segments(chain, template),
                    _supply_into_focal(chain, focal), wanted, top)


def _targets(chain: Chain, focal: np.ndarray, seg: Segments,
             supply_buyers: tuple[np.ndarray, np.ndarray], wanted: str,
             top: int | None) -> pd.DataFrame:
    supply, buyers = supply_buyers
    codes = np.flatnonzero(_is(seg, wanted) & ~focal)
    total = supply[codes].sum()
    output = chain.column(OUTPUT)[codes]
    score = supply[codes] / total if total > 0 else np.zeros(len(codes))
    # score, then output (missing last), both descending; ties in chain order
    # (np.lexsort is stable); the table is built for the rows kept only, its text
    # columns taking the dtype they have over all rows (as the top rows of one)
    order = np.lexsort((-np.nan_to_num(output, nan=-1.0), -score))
    top = check_top(top)
    order = order[:top] if top is not None else order
    text = {"name": chain.column_at(NAME, codes, default=None),
            "region": chain.column(REGION, default=None)[codes]}
    text = {k: pd.Series(v).iloc[order].reset_index(drop=True) for k, v in text.items()}
    codes = codes[order]
    out = pd.DataFrame({
        "enterprise": pd.Series(chain.ids[codes], dtype=object),
        "name": text["name"],
        "segment": pd.Series([wanted] * len(codes), dtype=object),
        "region": text["region"],
        "supply_to_focal": supply[codes], "n_focal_buyers": buyers[codes],
        "output": output[order], "score": score[order]})
    unit = chain.meta.get("unit", "yuan")
    volumes = chain.has_column(VOLUME, table="links")
    out["explanation"] = pd.Series([_target_text(row, wanted, unit, volumes)
                                    for row in out.itertuples(index=False)], dtype=object)
    return out


def _target_text(row: Any, segment: str, unit: str, volumes: bool) -> str:
    label = row.name if isinstance(row.name, str) and row.name else str(row.enterprise)
    if row.n_focal_buyers:
        sold = format_amount(row.supply_to_focal, unit) if volumes else (
            f"{int(row.supply_to_focal)} links")
        how = (f"already sells {sold} to {row.n_focal_buyers} focal enterprise(s) "
               f"({row.score:.0%} of the segment's supply into the region)")
    else:
        how = "does not sell into the region yet"
    size = "" if not np.isfinite(row.output) else (
        f", output {format_amount(row.output, unit)}")
    return f"{label} ({row.region}, {segment}) {how}{size}"


def _weights(weights: Mapping[str, float] | None, density: bool) -> dict[str, float]:
    """Merged, checked weights over the active components, summing to 1."""
    merged = {**DEFAULT_EXTENSION_WEIGHTS, **dict(weights or {})}
    unknown = set(merged) - set(DEFAULT_EXTENSION_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown extension weight(s) {sorted(unknown)}; expected "
                         f"keys {list(DEFAULT_EXTENSION_WEIGHTS)}")
    if any(not np.isfinite(w) or w < 0 for w in merged.values()) or not sum(
            merged.values()) > 0:
        raise ValueError(f"extension weights must be >= 0 with a positive sum: {merged}")
    if not density:
        merged.pop(_DENSITY)
        if not sum(merged.values()) > 0:
            raise ValueError(f"extension weights: only {_DENSITY} is weighted, but no "
                             f"relatedness density was given")
    total = sum(merged.values())
    return {k: w / total for k, w in merged.items()}


def _missing_rows(chain: Chain, template: SegmentTemplate, focal: np.ndarray,
                  seg: Segments) -> list[dict[str, Any]]:
    """Raw components of every template segment with no focal enterprise."""
    T = template.to_networkx()
    label = {code: name for name, code in seg[1].items()}
    present = {label[c] for c in np.unique(seg[0][focal]) if c >= 0 and label[c] in T}
    base = _longest(T, present)
    src, dst = chain.link_codes
    into = ~focal[src] & focal[dst]
    # without volumes the demand is a number of links (the explanation says so)
    weight = np.nan_to_num(chain.column(VOLUME, table="links")) if has_volumes(chain) \
        else np.ones(chain.n_links)
    rows = []
    forward = _forward(T)
    for s in template.segment_ids:
        if s in present:
            continue
        ancestors = nx.ancestors(forward, s) & present
        descendants = nx.descendants(forward, s) & present
        neighbours = set(T.predecessors(s)) | set(T.successors(s))
        direct = neighbours & present
        rows.append({
            "segment": s, "kind": _kind(ancestors, descendants, template.stage_of(s)),
            "chain_length_gain": float(_longest(T, present | {s}) - base),
            "links_repaired": float(sum(T.has_edge(s, p) + T.has_edge(p, s)
                                        for p in direct)),
            "outside_demand": float(weight[into & _is(seg, s)[src]].sum()),
            "relatedness": len(direct) / len(neighbours) if neighbours else 0.0,
            _DENSITY: np.nan,
            "suppliers_present": sorted(set(T.predecessors(s)) & present),
            "buyers_present": sorted(set(T.successors(s)) & present),
            "has_relatives": bool(ancestors or descendants)})
    return rows


def _forward(T: nx.DiGraph) -> nx.DiGraph:
    """Template without the edges that run back to an earlier stage (recycling)."""
    order = {stage: i for i, stage in enumerate(STAGES)}
    stage = nx.get_node_attributes(T, "stage")
    back = [(u, v) for u, v in T.edges
            if order.get(stage.get(v), 0) < order.get(stage.get(u), 0)]
    return nx.restricted_view(T, [], back)


def _kind(ancestors: set, descendants: set, stage: str | None) -> str:
    if ancestors and descendants:
        return INTERNAL
    if descendants:
        return UP
    if ancestors:
        return DOWN
    return {UPSTREAM: UP, "downstream": DOWN}.get(stage or "", INTERNAL)


def _strengthen_rows(chain: Chain, template: SegmentTemplate, focal: np.ndarray,
                     seg: Segments, hhi_threshold: float,
                     outside_threshold: float, max_share: float = 1 / 3
                     ) -> list[dict[str, Any]]:
    """Present segments that are thin, concentrated or dependent on outside supply."""
    output = np.nan_to_num(chain.column(OUTPUT))
    src, dst = chain.link_codes
    # without volumes the demand is a number of links (the explanation says so)
    weight = np.nan_to_num(chain.column(VOLUME, table="links")) if has_volumes(chain) \
        else np.ones(chain.n_links)
    # links into focal enterprises grouped by the buyer's segment (stable: each
    # group keeps link order, so its sums are the same as over a boolean mask)
    into = np.flatnonzero(focal[dst] & (src != dst))
    code = seg[0][dst[into]]
    order = np.argsort(code, kind="stable")
    into, code = into[order], code[order]
    into_weight, from_outside = weight[into], ~focal[src[into]]
    rows = []
    for s in template.segment_ids:
        members = np.flatnonzero(focal & _is(seg, s))
        if not len(members):
            continue
        shares = output[members] / output[members].sum() if output[members].sum() > 0 \
            else np.full(len(members), 1 / len(members))
        hhi = float((shares ** 2).sum())
        c = seg[1].get(s, -2)
        lo, hi = np.searchsorted(code, c, side="left"), np.searchsorted(code, c, side="right")
        total_in = into_weight[lo:hi].sum()
        outside = float(into_weight[lo:hi][from_outside[lo:hi]].sum() / total_in) if \
            total_in > 0 else 0.0
        reasons = []
        if len(members) == 1:
            reasons.append("only one focal enterprise")
        elif hhi >= hhi_threshold:
            reasons.append(f"concentrated (HHI {hhi:.2f})")
        if outside >= outside_threshold:
            reasons.append(f"{outside:.0%} of its inputs come from outside the region")
        weakness = (hhi + outside) / 2
        rows.append({"segment": s, "kind": STRENGTHEN, "n_focal": len(members),
                     "hhi": hhi, "outside_share": outside,
                     "score": STRENGTHEN_CAP * weakness,
                     "reason": "; ".join(reasons) if reasons else None})
    return _weakest(rows, max_share)


def _weakest(rows: list[dict[str, Any]], max_share: float) -> list[dict[str, Any]]:
    """The rows that are really weak against the other present segments.

    A present segment is kept when it meets an absolute criterion (a reason), its
    weakness is at least the mean plus half a standard deviation of all present
    segments' weaknesses, and it is among the ``floor(max_share * n_present)``
    weakest (ties in template order).
    """
    if not rows:
        return []
    weakness = np.array([row["score"] for row in rows])
    bar = weakness.mean() + 0.5 * weakness.std()
    cap = int(np.floor(max_share * len(rows) + 1e-9))
    order = np.argsort(-weakness, kind="stable")
    kept = [i for i in order if rows[i]["reason"] and weakness[i] >= bar - 1e-12][:cap]
    return [rows[i] for i in sorted(kept)]
    return rows


def find_extension_candidates(
    G: Chain | nx.DiGraph, /, *, template: TemplateLike, region: Any = None,
    top_targets: int = 5, weights: Mapping[str, float] | None = None,
    hhi_threshold: float = 0.5, outside_threshold: float = 0.8,
    max_strengthen_share: float = 1 / 3, top: int | None = None,
    relatedness: Mapping[Any, float] | pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Segments to attract (补链 / 延链) or strengthen (强链), scored and explained.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain, with a ``segment`` column naming template segments.
    template : SegmentTemplate
        The industry's reference chain.
    region : str or list of str, optional
        Focal region; None treats the whole chain as focal (then no segment is
        dependent on outside supply and no outside targets exist).
    top_targets : int, default 5
        Target enterprises listed per candidate.
    weights : dict, optional
        Component weights, merged into :data:`DEFAULT_EXTENSION_WEIGHTS`.
    hhi_threshold : float, default 0.5
        A present segment whose output HHI reaches this is "concentrated" (one
        enterprise holds most of it).
    outside_threshold : float, default 0.8
        A present segment buying at least this share of its input volume from
        outside the region is "outside-dependent".
    max_strengthen_share : float, default 1/3
        At most this share of the present segments (rounded down) gets a 强链 row.
    top : int, optional
        Keep only the ``top`` best rows.
    relatedness : Series, dict or DataFrame, optional
        Relatedness density of each segment for the region (values in [0, 1], e.g.
        ``cg.relatedness_density(cg.region_segment_table(chain)).loc[region]``; a
        regions x segments DataFrame is read at the row ``region``). When given, it
        enters the score as the ``relatedness_density`` component: "how much of
        what this region has is related to the missing segment". Segments it does
        not list get 0. Default: no density (the component is left out, see
        Notes). :func:`chaingraph.focal_density` computes it from the chain;
        :func:`chaingraph.diagnose` does so whenever it can.

    Returns
    -------
    DataFrame
        One row per candidate, sorted by ``score``: ``segment``, ``name_zh``,
        ``stage``, ``kind`` (one of :data:`KINDS`), ``score`` (in [0, 1]),
        ``chain_length_gain``, ``links_repaired``, ``outside_demand``,
        ``relatedness``, ``relatedness_density`` (components, NaN for strengthen
        rows; ``relatedness_density`` NaN when no density was given), ``n_focal``,
        ``hhi``, ``outside_share`` (strengthen rows), ``suppliers_present``,
        ``buyers_present`` (present template neighbour segments, lists),
        ``reason``, ``targets`` (ids of up to ``top_targets`` outside enterprises
        of the segment, best first), ``target_names`` (their names) and
        ``explanation``.

    Raises
    ------
    ValueError
        Bad weights, or a region no enterprise is in.

    See Also
    --------
    find_target_enterprises : the full target list of one segment.
    chaingraph.algorithms.breakpoints.find_missing_segments

    Notes
    -----
    A segment is **present** when a focal enterprise belongs to it. A missing
    segment is an **internal gap (补链)** when the template has a present segment
    upstream of it (an ancestor) and one downstream (a descendant), an **upstream
    extension (延链 upstream)** with present descendants only, a **downstream
    extension (延链 downstream)** with present ancestors only; with no present
    relative it is classed by its stage (upstream / downstream; midstream counts
    as a gap) and the explanation says so. Template edges that run back to an
    earlier stage (recycling loops) are ignored for this classification.

    Components of a missing segment ``s`` (``P`` = present segments):

    * ``chain_length_gain``: segments on the longest path of the template
      restricted to ``P + {s}`` minus that for ``P`` (cycles condensed);
    * ``links_repaired``: template edges between ``s`` and ``P``;
    * ``outside_demand``: volume focal enterprises buy from outside enterprises of
      segment ``s`` (links when there are no volumes);
    * ``relatedness``: share of ``s``'s template neighbours in ``P`` (how the
      engineering of the chain connects ``s`` to what the region has);
    * ``relatedness_density`` (only with ``relatedness=``): the region's
      relatedness density in ``s`` (Hidalgo et al. 2007), the share of the
      segments related to ``s`` -- by co-location across regions, not by the
      template -- that the region has: "how much of what this region has is
      related to the missing segment". In [0, 1].

    Each is divided by its maximum over the missing segments; the score is the
    weighted mean (:data:`DEFAULT_EXTENSION_WEIGHTS`: 0.24, 0.20, 0.20, 0.16 and
    0.20 for density). Without a density its weight is left out and the others
    are rescaled to sum to 1, which gives exactly the scores of a table without
    that component (0.30, 0.25, 0.25, 0.20). A **strengthen (强链)** row
    is a present segment that is really weak against the others: its *weakness*,
    the mean of its output HHI (1 for one focal enterprise) and its outside share,
    is at least the mean plus half a standard deviation of the weaknesses of all
    present segments; it has one focal enterprise, an HHI at least
    ``hhi_threshold`` or an outside share at least ``outside_threshold``; and it
    is among the ``floor(max_strengthen_share * n_present)`` weakest (so at most
    a third of the present segments by default). Its score is half its weakness
    (:data:`STRENGTHEN_CAP`), so strengthening ranks below filling
    a gap with as much evidence. Cost: O(S (S + E))
    on the template plus O(n + m) per segment for the targets.

    References
    ----------
    .. [1] Hidalgo, Klinger, Barabási, Hausmann (2007), "The product space
       conditions the development of nations", Science 317(5837).

    Examples
    --------
    >>> from chaingraph.algorithms.extension import find_extension_candidates
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}, {"id": "cell", "stage": "midstream"},
    ...     {"id": "car", "stage": "downstream"}],
    ...     "edges": [["ore", "cell"], ["cell", "car"]]})
    >>> G = nx.DiGraph([("o", "c", {"volume": 3.0}), ("c", "v", {"volume": 4.0})])
    >>> nx.set_node_attributes(G, {"o": "ore", "c": "cell", "v": "car"}, "segment")
    >>> nx.set_node_attributes(G, {"o": "本区", "c": "外省", "v": "本区"}, "region")
    >>> table = find_extension_candidates(G, template=tpl, region="本区")
    >>> table[["segment", "kind", "score", "targets"]].round(2)
      segment             kind  score targets
    0    cell  补链 internal gap    1.0     [c]

    (Two present segments: none is 强链, as at most a third of them may be.)

    >>> print(table["explanation"][0])
    补链 internal gap cell is missing and sits between segments the region has: filling it adds 2 segment(s) to the longest local chain, repairs 2 template link(s), focal enterprises buy 4 yuan of it from outside, 100% of its template neighbours are present (score 1.00); targets: c
    """
    context = resolve(G, template=template, region=region)
    chain, template = context.chain, context.template
    w = _weights(weights, density=relatedness is not None)
    focal = focal_mask(chain, region)
    seg = _segments(chain, template)
    missing = pd.DataFrame(_missing_rows(chain, template, focal, seg),
                           columns=["segment", "kind", *_COMPONENTS, "suppliers_present",
                                    "buyers_present", "has_relatives"])
    if relatedness is not None:  # relatedness density as a component (issue 15)
        missing = _with_density(missing, relatedness, template, region)
    if len(missing):
        norm = {c: missing[c] / missing[c].max() if missing[c].max() > 0 else 0.0 * missing[c]
                for c in w}
        missing["score"] = sum(w[c] * norm[c] for c in w)
    else:
        missing["score"] = pd.Series(dtype=float)
    strengthen = pd.DataFrame(_strengthen_rows(chain, template, focal, seg,
                                               hhi_threshold, outside_threshold,
                                               max_strengthen_share))
    out = pd.concat([frame for frame in (missing, strengthen) if len(frame)],
                    ignore_index=True) if len(missing) or len(strengthen) else (
        pd.DataFrame(columns=["segment", "kind", "score"]))
    return _finish(out, chain, template, region, top_targets, top)


_COLUMNS = ["segment", "name_zh", "stage", "kind", "score", *_COMPONENTS, "n_focal",
            "hhi", "outside_share", "suppliers_present", "buyers_present", "reason",
            "targets", "target_names", "explanation"]


def _finish(out: pd.DataFrame, chain: Chain, template: SegmentTemplate, region: Any,
            top_targets: int, top: int | None) -> pd.DataFrame:
    info = template.segments.set_index("id")
    out["name_zh"] = [info.at[s, "name_zh"] for s in out["segment"]]
    out["stage"] = [info.at[s, "stage"] for s in out["segment"]]
    for col in (*_COMPONENTS, "n_focal", "hhi", "outside_share", "score"):
        out[col] = pd.to_numeric(out[col], errors="coerce") if col in out else np.nan
    for col in ("suppliers_present", "buyers_present"):
        if col not in out:
            out[col] = None
        out[col] = [v if isinstance(v, list) else [] for v in out[col]]
    for col in ("reason", "has_relatives"):
        if col not in out:
            out[col] = None
    targets, names, texts = [], [], []
    volumes = has_volumes(chain)  # once: a pass over every link
    focal = focal_mask(chain, region)
    seg = _segments(chain, template)
    supply = _supply_into_focal(chain, focal)
    for row in out.itertuples(index=False):
        found = _targets(chain, focal, seg, supply, row.segment, top_targets)
        targets.append(found["enterprise"].tolist())
        names.append([n if isinstance(n, str) and n else str(e) for e, n in
                      zip(found["enterprise"], found["name"], strict=True)])
        texts.append(_explain(row, names[-1], chain.meta.get("unit", "yuan"), volumes))
    out["targets"], out["target_names"] = targets, names
    out["explanation"] = texts
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    out = out[_COLUMNS]
    return first_rows(out, top)


def _with_density(missing: pd.DataFrame, relatedness: Any, template: SegmentTemplate,
                  region: Any) -> pd.DataFrame:
    """The ``relatedness_density`` component from a given density."""
    if isinstance(relatedness, pd.DataFrame):
        if region is None or isinstance(region, list) or region not in relatedness.index:
            raise ValueError("relatedness: a regions x segments table needs region= "
                             "naming one of its rows")
        relatedness = relatedness.loc[region]
    values = {(template.resolve(k) or k) if isinstance(k, str) else k: float(v)
              for k, v in dict(relatedness).items()}
    if any(not 0.0 <= v <= 1.0 for v in values.values()):
        raise ValueError("relatedness densities must lie in [0, 1]")
    missing = missing.copy()
    missing[_DENSITY] = [values.get(s, 0.0) for s in missing["segment"]]
    return missing


def _relatedness_text(row: Any) -> str:
    text = f"{row.relatedness:.0%} of its template neighbours are present"
    density = getattr(row, _DENSITY, np.nan)
    if isinstance(density, float) and np.isfinite(density):
        text += (f", relatedness density {density:.2f} (the region has {density:.0%} "
                 f"of the segments related to it)")
    return text


def _explain(row: Any, names: list[str], unit: str, volumes: bool = True) -> str:
    label = f"{row.name_zh} ({row.segment})" if row.name_zh != row.segment else row.segment
    attract = (f"; targets: {', '.join(names)}" if names else
               "; no enterprise of this segment outside the region is in the data")
    if row.kind == STRENGTHEN:
        return f"强链 {label}: {row.reason} (score {row.score:.2f}){attract}"
    where = {INTERNAL: "sits between segments the region has",
             UP: "is upstream of segments the region has",
             DOWN: "is downstream of segments the region has"}[row.kind]
    if not row.has_relatives:
        where = (f"has no present template relative, so it is classed by its stage "
                 f"({row.stage})")
    bought = (f"focal enterprises buy {format_amount(row.outside_demand, unit)} of it "
              "from outside" if volumes else f"focal enterprises buy it from outside "
              f"over {int(row.outside_demand)} link(s) (the links have no volumes)")
    return (f"{row.kind} {label} is missing and {where}: filling it adds "
            f"{int(row.chain_length_gain)} segment(s) to the longest local chain, "
            f"repairs {int(row.links_repaired)} template link(s), {bought}, "
            f"{_relatedness_text(row)} "
            f"(score {row.score:.2f}){attract}")
