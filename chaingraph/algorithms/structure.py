"""The shape of a chain: tiers, roles, stages, segment coverage and chain length.

Answers "what does our chain look like?": who is upstream of whom (tiers), which
template segments the focal region has (coverage), how many of the template's
segment-to-segment links are realised locally (completeness), and how long the local
chain is (chain length, in segments).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from chaingraph._checks import check_top
from chaingraph.algorithms.roles import (
    Selector,
    degrees,
    focal_mask,
    resolve_roles,
)
from chaingraph.datasets import as_template
from chaingraph.kernels.graph import (
    condensation,
    csr_arrays,
    longest_path_levels,
    strong_components,
    tier_levels,
    transpose,
)
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    STAGES,
    Chain,
    SegmentTemplate,
    as_chain,
)

__all__ = ["find_segment_coverage", "find_structure", "structure_summary", "tiers"]

_STRUCTURE_COLUMNS = [
    "enterprise", "name", "segment", "stage", "region", "in_focal", "role", "tier",
    "in_cycle", "n_suppliers", "n_buyers", "n_local_suppliers", "n_local_buyers",
    "score", "explanation"]
_COVERAGE_COLUMNS = [
    "segment", "name_zh", "name_en", "stage", "depth", "present", "n_enterprises",
    "n_elsewhere", "output", "n_template_suppliers", "n_suppliers_present",
    "n_template_buyers", "n_buyers_present", "n_links_possible", "n_links_realised",
    "score", "explanation"]


# --- shared helpers (also used by breakpoints) ----------------------------------------
def _graph(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of the chain without self-loops (cached on the chain)."""
    cached = chain.__dict__.get("_cg_proper_csr")
    if cached is None:
        cached = csr_arrays(chain.structure)
        chain.__dict__["_cg_proper_csr"] = cached
    return cached


def _segments(chain: Chain, template: SegmentTemplate | None) -> np.ndarray | None:
    """Segment of each enterprise (template ids when a template is given), or None."""
    if SEGMENT not in chain._enterprises.columns:
        return None
    raw = chain.column(SEGMENT, default=None)
    if template is None:
        return _clean(raw)
    return _clean(raw, lambda s: template.resolve(str(s)) or s)


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value
                                               ) or (isinstance(value, str)
                                                     and not value.strip())


def _clean(values: np.ndarray, convert: Any = None) -> np.ndarray:
    """Labels with blank cells as None (and ``convert`` applied), one call per label."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)  # the last slot answers code -1
    for i, label in enumerate(uniques):
        table[i] = None if _blank(label) else (label if convert is None
                                               else convert(label))
    return table[codes]


def _stages(chain: Chain, template: SegmentTemplate | None,
            segments: np.ndarray | None) -> np.ndarray:
    """Stage of each enterprise: from the template, else a ``stage`` column, else None."""
    n = chain.n_enterprises
    if template is not None and segments is not None:
        stage_of = dict(zip(template.segments["id"], template.segments["stage"],
                            strict=True))
        return _clean(segments, stage_of.get)
    if "stage" in chain._enterprises.columns:
        return _clean(chain.column("stage", default=None))
    return np.full(n, None, dtype=object)


def _texts(chain: Chain, column: str, codes: np.ndarray | None = None) -> np.ndarray:
    """A text column (blank cells -> None), for all enterprises or only ``codes``."""
    values = chain.column(column, default=None)
    return _clean(values if codes is None else values[codes])


def _components(chain: Chain) -> tuple[int, np.ndarray]:
    """Strongly connected components of the chain (cached on the chain)."""
    cached = chain.__dict__.get("_cg_scc")
    if cached is None:
        cached = strong_components(*_graph(chain))
        chain.__dict__["_cg_scc"] = cached
    return cached


def _ranked(frame: pd.DataFrame, columns: list[str], top: int | None = None
            ) -> pd.DataFrame:
    """Rows sorted by score, descending (stable), the given columns, first ``top``."""
    top = check_top(top)
    if len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    order = np.argsort(-frame["score"].to_numpy(dtype=np.float64), kind="stable")
    if top is not None:
        order = order[:max(int(top), 0)]
    return frame.iloc[order].reset_index(drop=True)[columns]


def _tier_array(chain: Chain, source_mask: np.ndarray, method: str) -> np.ndarray:
    """Tier of each enterprise (-1: none); the last answer is cached on the chain
    (diagnose asks twice: summary and table), a copy is returned."""
    key = (method, np.packbits(source_mask).tobytes())
    cached = chain.__dict__.get("_cg_tiers")
    if cached is None or cached[0] != key:
        indptr, indices = _graph(chain)
        cached = (key, tier_levels(indptr, indices, source_mask, method=method,
                                   components=_components(chain)))
        chain.__dict__["_cg_tiers"] = cached
    return cached[1].copy()


def _component_sizes(chain: Chain) -> np.ndarray:
    """Size of the strongly connected component of each enterprise."""
    count, labels = _components(chain)
    return np.bincount(labels, minlength=count)[labels]


# --- tiers ----------------------------------------------------------------------------
def tiers(G: Chain | Any, /, *, sources: Selector = None, method: str = "auto"
          ) -> dict[Any, int]:
    """Tier of each enterprise: the longest supply path (in links) from a source.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources : selector, optional
        The sources (ids, ``{"segment": ...}``, ``{"stage": ...}``,
        ``{"region": ...}``); default: enterprises with buyers but no suppliers.
    method : {"auto", "numba", "scipy"}
        Engine for the kernels.

    Returns
    -------
    dict
        Enterprise id -> tier (int). Enterprises that are not downstream of any
        source (isolated enterprises, cycles no source feeds) have no tier and are
        left out of the dict.

    See Also
    --------
    find_structure : tiers with roles, stages and regions in one table.

    Notes
    -----
    The **tier** of an enterprise is the length, in links, of the longest supply
    path from any source to it: sources have tier 0, their direct buyers at least 1.
    Cycles (mutual supply) are condensed first: strongly connected components are
    found with scipy's ``connected_components(connection="strong")``, every member
    of a cycle gets the same tier, and the longest path is taken in the condensation
    DAG of the part of the chain reachable from the sources. Only paths that start
    at a source count. Self-loops are ignored.

    Cost: one BFS, one SCC pass and one topological peeling, O(n + m).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car"), ("ore", "car")])
    >>> cg.algorithms.structure.tiers(G)
    {'ore': 0, 'cell': 1, 'car': 2}
    """
    chain = as_chain(G)
    roles = resolve_roles(chain, sources=sources)
    level = _tier_array(chain, roles.sources, method)
    has = np.flatnonzero(level >= 0)
    return dict(zip(chain.ids[has].tolist(), level[has].tolist(), strict=True))


# --- one row per enterprise -----------------------------------------------------------
def _role_array(roles: Any) -> np.ndarray:
    role = np.full(len(roles.sources), "intermediate", dtype=object)
    role[roles.final] = "final"
    role[roles.sources] = "source"
    role[roles.isolated] = "isolated"
    return role


def _local_degrees(chain: Chain, focal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src, dst = chain.link_codes
    local = (src != dst) & focal[src] & focal[dst]
    n = chain.n_enterprises
    return (np.bincount(dst[local], minlength=n), np.bincount(src[local], minlength=n))


def find_structure(G: Chain | Any, /, *, template: SegmentTemplate | None = None,
                   region: Any = None, sources: Selector = None, final: Selector = None,
                   method: str = "auto", top: int | None = None) -> pd.DataFrame:
    """One row per enterprise: role, tier, stage, region and trading partners.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, optional
        Gives each segment its stage.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    sources, final : selector, optional
        Override who the sources / final producers are (see
        :func:`chaingraph.algorithms.roles.resolve_roles`).
    method : {"auto", "numba", "scipy"}
        Engine for the kernels.
    top : int, optional
        Keep only the ``top`` highest-scoring rows.

    Returns
    -------
    DataFrame
        Columns ``enterprise``, ``name``, ``segment``, ``stage``, ``region``,
        ``in_focal``, ``role`` (source / final / intermediate / isolated), ``tier``
        (nullable Int64: <NA> when no source feeds the enterprise), ``in_cycle``,
        ``n_suppliers``, ``n_buyers``, ``n_local_suppliers``, ``n_local_buyers``
        (partners inside the focal region; counted for every enterprise),
        ``score`` (number of trading partners, suppliers plus buyers) and
        ``explanation``; sorted by score, descending.

    See Also
    --------
    tiers, structure_summary

    Notes
    -----
    **Roles**: a source has buyers but no suppliers, a final producer suppliers but no
    buyers, an isolated enterprise no links (self-loops ignored). **Tier**: see
    :func:`tiers`. **Stage**: the template's stage of the enterprise's segment when a
    template is given, else a ``stage`` column, else None. ``in_cycle``: the
    enterprise lies on a supply cycle. Cost O(n + m).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car")])
    >>> find_structure(G)[["enterprise", "role", "tier", "score"]]
      enterprise          role  tier  score
    0       cell  intermediate     1      2
    1        ore        source     0      1
    2        car         final     2      1
    """
    chain = as_chain(G)
    template = as_template(template)
    focal = focal_mask(chain, region)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    level = _tier_array(chain, roles.sources, method)
    segments = _segments(chain, template)
    n = chain.n_enterprises
    indeg, outdeg = degrees(chain)
    local_in, local_out = _local_degrees(chain, focal)
    frame = pd.DataFrame({
        "enterprise": pd.Series(chain.ids, dtype=object),
        "name": pd.Series(_texts(chain, NAME), dtype=object),
        "segment": pd.Series(segments if segments is not None else [None] * n,
                             dtype=object),
        "stage": pd.Series(_stages(chain, template, segments), dtype=object),
        "region": pd.Series(_texts(chain, REGION), dtype=object),
        "in_focal": focal,
        "role": pd.Series(_role_array(roles), dtype=object),
        "tier": pd.array(np.where(level >= 0, level, 0), dtype="Int64"),
        "in_cycle": _component_sizes(chain) > 1,
        "n_suppliers": indeg, "n_buyers": outdeg,
        "n_local_suppliers": local_in, "n_local_buyers": local_out,
        "score": indeg + outdeg,
    })
    frame.loc[level < 0, "tier"] = pd.NA
    frame["explanation"] = _structure_explanations(frame, level)
    return _ranked(frame, _STRUCTURE_COLUMNS, top)


def _structure_explanations(frame: pd.DataFrame, level: np.ndarray) -> list[str]:
    label = [nm if nm is not None else e for e, nm in
             zip(frame["enterprise"].tolist(), frame["name"].tolist(), strict=True)]
    out = []
    for who, role, tier, seg, stage, ns, nb, cyc in zip(
            label, frame["role"].tolist(), level.tolist(), frame["segment"].tolist(),
            frame["stage"].tolist(), frame["n_suppliers"].tolist(),
            frame["n_buyers"].tolist(), frame["in_cycle"].tolist(), strict=True):
        where = f"tier {tier}" if tier >= 0 else "no tier (no source feeds it)"
        seg_text = "" if seg is None else (
            f", segment {seg}" + ("" if stage is None else f" ({stage})"))
        cycle = ", on a supply cycle" if cyc else ""
        out.append(f"{who} is {'an' if role[0] in 'aeiou' else 'a'} {role} enterprise "
                   f"at {where}{seg_text}{cycle}, with {ns} suppliers and {nb} buyers")
    return out


# --- segment coverage -----------------------------------------------------------------
def _local_segment_links(chain: Chain, focal: np.ndarray, segments: np.ndarray
                         ) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Segment labels, each enterprise's label code (-1: none), and the distinct
    (supplier segment, buyer segment) code pairs of links inside the focal region."""
    codes, uniques = pd.factorize(pd.Series(segments, dtype=object),
                                  use_na_sentinel=True)
    labels = list(uniques)
    src, dst = chain.link_codes
    local = focal[src] & focal[dst] & (src != dst)
    a, b = codes[src[local]], codes[dst[local]]
    ok = (a >= 0) & (b >= 0)
    k = len(labels) + 1
    pairs = np.unique(a[ok].astype(np.int64) * k + b[ok])
    return labels, codes, pairs // k, pairs % k


def _template_realisation(chain: Chain, template: SegmentTemplate, focal: np.ndarray,
                          segments: np.ndarray | None) -> tuple[
                              set[str], pd.DataFrame]:
    """Segments present locally, and each template edge with possible / realised."""
    present: set[str] = set()
    local_pairs: set[tuple[Any, Any]] = set()
    if segments is not None:
        labels, codes, a, b = _local_segment_links(chain, focal, segments)
        present = {labels[c] for c in np.unique(codes[focal]) if c >= 0}
        local_pairs = {(labels[i], labels[j]) for i, j in zip(
            a.tolist(), b.tolist(), strict=True)}
    edges = template.edges[["supplier", "buyer", "essential"]].copy()
    edges["possible"] = [a in present and b in present for a, b in
                         zip(edges["supplier"], edges["buyer"], strict=True)]
    edges["realised"] = [(a, b) in local_pairs for a, b in
                         zip(edges["supplier"], edges["buyer"], strict=True)]
    return present, edges


def find_segment_coverage(G: Chain | Any, template: SegmentTemplate, /, *,
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
    >>> find_segment_coverage(G, tpl)[["segment", "present", "score"]]
      segment  present  score
    0     car    False    1.0
    1     ore     True    0.0
    2    cell     True    0.0
    """
    chain = as_chain(G)
    template = as_template(template)
    focal = focal_mask(chain, region)
    segments = _segments(chain, template)
    present, edges = _template_realisation(chain, template, focal, segments)
    seg_values = segments if segments is not None else np.full(
        chain.n_enterprises, None, dtype=object)
    seg_series = pd.Series(seg_values, dtype=object)
    n_local = seg_series[focal].value_counts()
    n_else = seg_series[~focal].value_counts()
    output = chain.column(OUTPUT).astype(np.float64)
    local_output = pd.Series(output[focal]).groupby(
        seg_series[focal].to_numpy()).sum(min_count=1)
    rows = []
    depth = template.depth
    for seg in template.segments.itertuples(index=False):
        sid = seg.id
        ins = edges[edges["buyer"] == sid]
        outs = edges[edges["supplier"] == sid]
        touching = pd.concat([ins, outs])
        possible = int(touching["possible"].sum())
        realised = int((touching["possible"] & touching["realised"]).sum())
        is_present = sid in present
        score = 1.0 if not is_present else (
            0.5 * (possible - realised) / possible if possible else 0.0)
        rows.append({
            "segment": sid, "name_zh": seg.name_zh, "name_en": seg.name_en,
            "stage": seg.stage, "depth": depth[sid], "present": is_present,
            "n_enterprises": int(n_local.get(sid, 0)),
            "n_elsewhere": int(n_else.get(sid, 0)),
            "output": float(local_output.get(sid, np.nan)),
            "n_template_suppliers": len(ins),
            "n_suppliers_present": int(ins["supplier"].isin(present).sum()),
            "n_template_buyers": len(outs),
            "n_buyers_present": int(outs["buyer"].isin(present).sum()),
            "n_links_possible": possible, "n_links_realised": realised,
            "score": float(score)})
    frame = pd.DataFrame(rows, columns=_COVERAGE_COLUMNS[:-1])
    frame["explanation"] = [_coverage_text(r) for r in frame.itertuples(index=False)]
    return _ranked(frame, _COVERAGE_COLUMNS, top)


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


# --- the summary ----------------------------------------------------------------------
def _longest_path(n: int, src: np.ndarray, dst: np.ndarray, method: str
                  ) -> tuple[int, list[list[int]]]:
    """Longest path in a graph whose cycles are condensed (a cycle counts all members).

    Returns the number of nodes on the path and the path as groups of node codes (one
    group per condensed component, in supply order).
    """
    if n == 0:
        return 0, []
    keep = src != dst
    A = sp.csr_array((np.ones(int(keep.sum()), dtype=np.int8), (src[keep], dst[keep])),
                     shape=(n, n))
    indptr, indices = csr_arrays(A)
    count, labels = strong_components(indptr, indices)
    cindptr, cindices = condensation(indptr, indices, labels, count)
    size = np.bincount(labels, minlength=count)
    level = longest_path_levels(cindptr, cindices, weights=size, method=method)
    tindptr, tindices = transpose(cindptr, cindices)
    comp = int(np.argmax(level))
    path = [comp]
    while level[comp] > size[comp]:
        preds = tindices[tindptr[comp]:tindptr[comp + 1]]
        comp = int(preds[np.flatnonzero(level[preds] == level[comp] - size[comp])[0]])
        path.append(comp)
    members = pd.Series(np.arange(n)).groupby(labels).agg(list)
    return int(level.max()), [list(members[c]) for c in reversed(path)]


def _chain_length(chain: Chain, template: SegmentTemplate | None, focal: np.ndarray,
                  segments: np.ndarray | None, method: str
                  ) -> tuple[int, list[Any], str]:
    """Chain length, the longest local path, and what it counts."""
    if segments is not None and any(s is not None for s in segments[focal]):
        known = set(template.segment_ids) if template is not None else None
        all_labels, codes, a, b = _local_segment_links(chain, focal, segments)
        used = np.unique(codes[focal])
        keep = [c for c in used.tolist() if c >= 0 and (
            known is None or all_labels[c] in known)]
        if not keep:
            return 0, [], "template segments" if template else "segments"
        labels = [all_labels[c] for c in keep]
        position = np.full(len(all_labels), -1, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        a, b = position[a], position[b]
        ok = (a >= 0) & (b >= 0)
        length, groups = _longest_path(len(labels), a[ok], b[ok], method)
        order = _template_order(template)
        path = [s for g in groups for s in sorted(
            (labels[i] for i in g), key=lambda s: order.get(s, (0, 0, 0, str(s))))]
        return length, path, "template segments" if template else "segments"
    src, dst = chain.link_codes
    local = focal[src] & focal[dst]
    codes = np.flatnonzero(focal)
    position = np.full(chain.n_enterprises, -1, dtype=np.int64)
    position[codes] = np.arange(len(codes))
    length, groups = _longest_path(len(codes), position[src[local]],
                                   position[dst[local]], method)
    ids = chain.ids
    return length, [ids[codes[i]] for g in groups for i in sorted(g)], "enterprises"


def _template_order(template: SegmentTemplate | None) -> dict[str, tuple]:
    """Reading order of template segments: depth, stage, position in the template."""
    if template is None:
        return {}
    rank = {stage: i for i, stage in enumerate(STAGES)}
    depth = template.depth
    return {sid: (depth[sid], rank.get(stage, 0), i, sid) for i, (sid, stage) in
            enumerate(zip(template.segments["id"], template.segments["stage"],
                          strict=True))}


def structure_summary(G: Chain | Any, /, *, template: SegmentTemplate | None = None,
                      region: Any = None, sources: Selector = None,
                      final: Selector = None, method: str = "auto") -> dict[str, Any]:
    """Headline numbers of a chain's structure.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, optional
        Needed for coverage and completeness, and to count template segments.
    region : str or list of str, optional
        The focal region (default: the whole chain).
    sources, final : selector, optional
        Override who the sources / final producers are.
    method : {"auto", "numba", "scipy"}
        Engine for the kernels.

    Returns
    -------
    dict
        ``n_enterprises``, ``n_links`` (whole chain); ``n_focal``,
        ``n_focal_links`` (both ends in the focal region); ``n_sources``,
        ``n_final``, ``n_intermediate``, ``n_isolated`` (roles, counted in the focal
        region); ``n_final_unsupplied`` (focal final producers no source reaches);
        ``max_tier`` (focal, None when no tier); ``n_without_tier``; ``has_cycles``,
        ``n_cycles``, ``n_in_cycles`` (whole chain); ``n_components`` (weakly
        connected, whole chain); ``chain_length``, ``longest_local_path``,
        ``chain_length_unit`` ("template segments", "segments" or "enterprises");
        ``coverage``, ``completeness``, ``n_template_segments``,
        ``n_segments_present``, ``n_template_links_possible``,
        ``n_template_links_realised`` (None without a template); ``stage_counts``
        (focal enterprises per stage).

    See Also
    --------
    find_structure, find_segment_coverage

    Notes
    -----
    * **chain length**: the number of segments on the longest path of the *local
      segment graph*, where segment A -> B when some focal-region enterprise of A
      supplies a focal-region enterprise of B. Cycles are condensed and a condensed
      cycle counts all its segments. With a template only template segments count;
      without one the enterprises' ``segment`` labels are used; without segments, the
      number of enterprises on the longest local supply path (cycles condensed the
      same way). ``longest_local_path`` lists that path (segment ids or enterprise
      ids), upstream first.
    * **segment coverage** = template segments present in the focal region / all
      template segments.
    * **completeness** = template links realised locally (some focal A enterprise
      supplies some focal B enterprise) / template links whose two segments are both
      present locally (None when no template link has both ends present).
    * tiers: see :func:`tiers`.

    Cost O(n + m) plus the template size.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car")])
    >>> s = structure_summary(G)
    >>> s["max_tier"], s["chain_length"], s["longest_local_path"]
    (2, 3, ['ore', 'cell', 'car'])
    """
    chain = as_chain(G)
    template = as_template(template)
    focal = focal_mask(chain, region)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    level = _tier_array(chain, roles.sources, method)
    segments = _segments(chain, template)
    src, dst = chain.link_codes
    indptr, indices = _graph(chain)
    count, labels = _components(chain)
    sizes = np.bincount(labels, minlength=count)
    role = _role_array(roles)
    focal_role = pd.Series(role[focal]).value_counts()
    tiered = level[focal & (level >= 0)]
    length, path, unit = _chain_length(chain, template, focal, segments, method)
    stages = _stages(chain, template, segments)
    summary: dict[str, Any] = {
        "n_enterprises": chain.n_enterprises, "n_links": chain.n_links,
        "n_focal": int(focal.sum()), "n_focal_links": int((focal[src] & focal[dst]).sum()),
        **{f"n_{r}": int(focal_role.get(k, 0)) for r, k in (
            ("sources", "source"), ("final", "final"), ("intermediate", "intermediate"),
            ("isolated", "isolated"))},
        "n_final_unsupplied": int((roles.final & focal & (level < 0)).sum()),
        "max_tier": int(tiered.max()) if len(tiered) else None,
        "n_without_tier": int((focal & (level < 0)).sum()),
        "has_cycles": bool((sizes > 1).any()), "n_cycles": int((sizes > 1).sum()),
        "n_in_cycles": int(sizes[sizes > 1].sum()),
        "n_components": _weak_components(indptr, indices),
        "chain_length": length, "longest_local_path": path, "chain_length_unit": unit,
        "stage_counts": {str(k): int(v) for k, v in pd.Series(
            stages[focal], dtype=object).value_counts().items()},
    }
    summary.update(_coverage_numbers(chain, template, focal, segments))
    return summary


def _weak_components(indptr: np.ndarray, indices: np.ndarray) -> int:
    n = len(indptr) - 1
    if n == 0:
        return 0
    A = sp.csr_array((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(n, n))
    return int(csgraph.connected_components(A, directed=True, connection="weak")[0])


def _coverage_numbers(chain: Chain, template: SegmentTemplate | None,
                      focal: np.ndarray, segments: np.ndarray | None) -> dict[str, Any]:
    keys = ("coverage", "completeness", "n_template_segments", "n_segments_present",
            "n_template_links_possible", "n_template_links_realised")
    if template is None:
        return dict.fromkeys(keys)
    present, edges = _template_realisation(chain, template, focal, segments)
    n_seg = len(template.segment_ids)
    n_present = len(present & set(template.segment_ids))
    possible = int(edges["possible"].sum())
    realised = int((edges["possible"] & edges["realised"]).sum())
    return dict(zip(keys, (
        n_present / n_seg if n_seg else None, realised / possible if possible else None,
        n_seg, n_present, possible, realised), strict=True))
