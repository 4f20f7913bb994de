"""Breakpoints (断点): where the chain is broken or hangs on a single thread.

Four kinds of finding, from two modules, combined by :func:`find_breakpoints`:

* coverage gaps (:mod:`~chaingraph.algorithms.gaps`): **missing_segment**,
  **broken_link**;
* fragility (:mod:`~chaingraph.algorithms.fragility`): **single_point_of_failure**,
  **single_source**.

The four finders are re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import (
    explain_per_kind,
    ranked,
)
from chaingraph.algorithms.fragility import (
    MAX_LISTED,
    find_single_points_of_failure,
    find_single_sources,
)
from chaingraph.algorithms.gaps import find_broken_links, find_missing_segments
from chaingraph.model import (
    Chain,
)
from chaingraph.model.context import resolve
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import (
    Selector,
    enterprise_segments,
)

__all__ = [
    "MAX_LISTED",
    "find_breakpoints",
    "find_broken_links",
    "find_missing_segments",
    "find_single_points_of_failure",
    "find_single_sources",
]

_BREAKPOINT_COLUMNS = ["kind", "element", "enterprise", "supplier", "buyer", "segment",
                       "supplier_segment", "buyer_segment", "in_focal", "n_final_cut",
                       "score", "explanation"]


# --- everything together --------------------------------------------------------------
def find_breakpoints(G: Chain | Any, /, *, template: TemplateLike = None,
                     region: Any = None, sources: Selector = None,
                     final: Selector = None, method: str = "auto",
                     top: int | None = None, explain: int | None = None) -> pd.DataFrame:
    """All breakpoints of a chain in one table.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    template : SegmentTemplate, optional
        Needed for missing segments and broken links (skipped without one).
    region : str or list of str, optional
        The focal region (default: the whole chain).
    sources, final : selector, optional
        Override who the sources / final producers are.
    method : {"auto", "numba", "scipy"}
        Engine for the dominator computation.
    top : int, optional
        Keep only the ``top`` highest-scoring rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows of each kind only
        (None for the rest): they include the table's first ``explain`` rows, and
        those a report grouped by kind shows. Default every row.

    Returns
    -------
    DataFrame
        Columns ``kind`` ("missing_segment", "broken_link",
        "single_point_of_failure", "single_source"), ``element`` ("segment",
        "segment_link", "enterprise" or "link"), ``enterprise``, ``supplier``,
        ``buyer`` (enterprise ids), ``segment`` (the missing segment, the SPOF
        enterprise's segment, or a single source's input segment),
        ``supplier_segment``, ``buyer_segment`` (broken links), ``in_focal``,
        ``n_final_cut`` (SPOFs), ``score`` and ``explanation``; None / NaN where a
        column does not apply; sorted by score, descending. Final producers no source
        reaches at all are listed by :func:`~chaingraph.algorithms.fragility.unsupplied_final`.

    See Also
    --------
    find_missing_segments, find_broken_links, find_single_points_of_failure,
    find_single_sources

    Notes
    -----
    Scores are on one 0-1 scale: missing segments 1.0 (a present neighbour) or 0.5;
    broken links 1.0 (essential) or 0.5; single points of failure the share of final
    output (or final producers) cut; single sources 1.0 (outside supplier) or 0.5.
    See each finder for the exact definitions.

    Examples
    --------
    >>> G = nx.DiGraph([("mine", "cell"), ("cell", "car")])
    >>> find_breakpoints(G)[["kind", "element", "enterprise", "supplier", "buyer"]]
                          kind     element enterprise supplier buyer
    0  single_point_of_failure  enterprise       mine     None  None
    1  single_point_of_failure  enterprise       cell     None  None
    2  single_point_of_failure        link       None     mine  cell
    3  single_point_of_failure        link       None     cell   car
    4            single_source        link       cell     mine  cell
    5            single_source        link        car     cell   car
    """
    context = resolve(G, template=template, region=region, sources=sources,
                      final=final)
    chain, template = context.chain, context.template
    segments = enterprise_segments(chain, template)
    parts = []
    if template is not None:
        missing = find_missing_segments(chain, template=template, region=region)
        parts.append(missing.assign(kind="missing_segment", element="segment"))
        broken = find_broken_links(chain, template=template, region=region)
        parts.append(broken.assign(kind="broken_link", element="segment_link"))
    spof = find_single_points_of_failure(chain, sources=sources, final=final,
                                         region=region, template=template, method=method,
                                         explain=explain)
    codes = chain.lookup_codes(spof["enterprise"].to_numpy(dtype=object))
    seg_of = (segments[codes] if segments is not None else np.full(len(codes), None))
    parts.append(spof.assign(kind="single_point_of_failure", segment=pd.Series(
        np.where(codes >= 0, seg_of, None), dtype=object)))
    single = find_single_sources(chain, template=template, region=region, explain=explain)
    parts.append(single.assign(kind="single_source", element="link",
                               in_focal=True))
    frames = [p.reindex(columns=_BREAKPOINT_COLUMNS) for p in parts if len(p)]
    if not frames:
        out = ranked(pd.DataFrame(), _BREAKPOINT_COLUMNS)
    else:
        out = ranked(pd.concat(frames, ignore_index=True), _BREAKPOINT_COLUMNS, top)
        explain_per_kind(out, explain)
        for col in ("enterprise", "supplier", "buyer", "segment", "supplier_segment",
                    "buyer_segment"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out
