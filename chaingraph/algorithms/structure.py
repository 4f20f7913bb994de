"""The shape of a chain: roles, stages, tiers and chain length, per enterprise.

Answers "what does our chain look like?": who is upstream of whom (tiers, see
:mod:`~chaingraph.algorithms.tiers`), which template segments the focal region has
(coverage, see :mod:`~chaingraph.algorithms.coverage`), and how long the local chain is
(chain length, in segments). ``tiers`` and ``find_segment_coverage`` are re-exported
here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import (
    component_sizes,
    longest_condensed_path,
    proper_csr,
    ranked,
    strong_components_of,
    template_order,
    text_column,
)
from chaingraph.algorithms.coverage import (
    coverage_numbers,
    find_segment_coverage,
    local_segment_links,
)
from chaingraph.algorithms.tiers import tier_array, tiers
from chaingraph.kernels.passes import weak_component_count
from chaingraph.model import (
    NAME,
    REGION,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.objects import filled
from chaingraph.model.roles import (
    Selector,
    arrow_text_labels,
    degrees,
    enterprise_segments,
    enterprise_stages,
    focal_mask,
    resolve_roles,
)

__all__ = ["find_segment_coverage", "find_structure", "structure_summary", "tiers"]

_STRUCTURE_COLUMNS = [
    "enterprise", "name", "segment", "stage", "region", "in_focal", "role", "tier",
    "in_cycle", "n_suppliers", "n_buyers", "n_local_suppliers", "n_local_buyers",
    "score", "explanation"]


# --- one row per enterprise -----------------------------------------------------------
def _role_array(roles: Any) -> np.ndarray:
    role = filled(len(roles.sources), "intermediate")
    role[roles.final] = "final"
    role[roles.sources] = "source"
    role[roles.isolated] = "isolated"
    return role


def _names(chain: Chain) -> pd.Series:
    """Every enterprise's name (blank: missing) as pandas text: the chain's own
    pyarrow text when it stores names so (no million Python strings), else the
    dtype pandas infers from the object labels."""
    names = arrow_text_labels(chain, NAME)
    return names if names is not None else pd.Series(text_column(chain, NAME))


def _local_degrees(chain: Chain, focal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src, dst = chain.link_codes
    local = (src != dst) & focal[src] & focal[dst]
    n = chain.n_enterprises
    return (np.bincount(dst[local], minlength=n), np.bincount(src[local], minlength=n))


def find_structure(G: Chain | Any, /, *, template: TemplateLike = None,
                   region: Any = None, sources: Selector = None, final: Selector = None,
                   method: str = "auto", top: int | None = None,
                   explain: int | None = None) -> pd.DataFrame:
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
    explain : int, optional
        Write the ``explanation`` sentence for the first ``explain`` rows only (the
        rest get None); default every row. :func:`chaingraph.report.diagnose`
        explains the rows its report shows.

    Returns
    -------
    DataFrame
        Columns ``enterprise``, ``name`` (pandas text: the chain's own text dtype
        when it stores names as pyarrow text; missing where blank), ``segment``,
        ``stage``, ``region``,
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
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    level = tier_array(chain, roles.sources, method)
    segments = enterprise_segments(chain, template)
    n = chain.n_enterprises
    indeg, outdeg = degrees(chain)
    local_in, local_out = _local_degrees(chain, focal)
    frame = pd.DataFrame({
        "enterprise": pd.Series(chain.ids, dtype=object),
        "name": _names(chain),
        "segment": pd.Series(segments if segments is not None else [None] * n,
                             dtype=object),
        "stage": pd.Series(enterprise_stages(chain, template, segments), dtype=object),
        "region": pd.Series(text_column(chain, REGION), dtype=object),
        "in_focal": focal,
        "role": pd.Series(_role_array(roles), dtype=object),
        "tier": pd.array(np.where(level >= 0, level, 0), dtype="Int64"),
        "in_cycle": component_sizes(chain) > 1,
        "n_suppliers": indeg, "n_buyers": outdeg,
        "n_local_suppliers": local_in, "n_local_buyers": local_out,
        "score": indeg + outdeg,
    })
    frame.loc[level < 0, "tier"] = pd.NA
    return ranked(frame, _STRUCTURE_COLUMNS, top, build=_structure_explanations,
                  explain=explain)


def _structure_explanations(frame: pd.DataFrame) -> list[str]:
    label = [e if pd.isna(nm) else nm for e, nm in
             zip(frame["enterprise"].tolist(), frame["name"].tolist(), strict=True)]
    level = frame["tier"].fillna(-1).astype(np.int64).tolist()
    out = []
    for who, role, tier, seg, stage, ns, nb, cyc in zip(
            label, frame["role"].tolist(), level, frame["segment"].tolist(),
            frame["stage"].tolist(), frame["n_suppliers"].tolist(),
            frame["n_buyers"].tolist(), frame["in_cycle"].tolist(), strict=True):
        where = f"tier {tier}" if tier >= 0 else "no tier (no source feeds it)"
        seg_text = "" if seg is None else (
            f", segment {seg}" + ("" if stage is None else f" ({stage})"))
        cycle = ", on a supply cycle" if cyc else ""
        out.append(f"{who} is {'an' if role[0] in 'aeiou' else 'a'} {role} enterprise "
                   f"at {where}{seg_text}{cycle}, with {ns} suppliers and {nb} buyers")
    return out


def _chain_length(chain: Chain, template: SegmentTemplate | None, focal: np.ndarray,
                  segments: np.ndarray | None, method: str
                  ) -> tuple[int, list[Any], str]:
    """Chain length, the longest local path, and what it counts."""
    if segments is not None and any(s is not None for s in segments[focal]):
        known = set(template.segment_ids) if template is not None else None
        all_labels, codes, a, b = local_segment_links(chain, focal, segments)
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
        length, groups = longest_condensed_path(len(labels), a[ok], b[ok], method)
        order = template_order(template)
        path = [s for g in groups for s in sorted(
            (labels[i] for i in g), key=lambda s: order.get(s, (0, 0, 0, str(s))))]
        return length, path, "template segments" if template else "segments"
    src, dst = chain.link_codes
    local = focal[src] & focal[dst]
    codes = np.flatnonzero(focal)
    position = np.full(chain.n_enterprises, -1, dtype=np.int64)
    position[codes] = np.arange(len(codes))
    length, groups = longest_condensed_path(len(codes), position[src[local]],
                                   position[dst[local]], method)
    ids = chain.ids
    return length, [ids[codes[i]] for g in groups for i in sorted(g)], "enterprises"


def structure_summary(G: Chain | Any, /, *, template: TemplateLike = None,
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
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain, template = context.chain, context.template
    focal = focal_mask(chain, region)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    level = tier_array(chain, roles.sources, method)
    segments = enterprise_segments(chain, template)
    src, dst = chain.link_codes
    indptr, indices = proper_csr(chain)
    count, labels = strong_components_of(chain)
    sizes = np.bincount(labels, minlength=count)
    role = _role_array(roles)
    focal_role = pd.Series(role[focal]).value_counts()
    tiered = level[focal & (level >= 0)]
    length, path, unit = _chain_length(chain, template, focal, segments, method)
    stages = enterprise_stages(chain, template, segments)
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
        "n_components": weak_component_count(indptr, indices, method=method),
        "chain_length": length, "longest_local_path": path, "chain_length_unit": unit,
        "stage_counts": {str(k): int(v) for k, v in pd.Series(
            stages[focal], dtype=object).value_counts().items()},
    }
    summary.update(coverage_numbers(chain, template, focal, segments))
    return summary
