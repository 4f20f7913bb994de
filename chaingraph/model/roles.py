"""Who is a source, a final producer, isolated, or in the focal region.

Every analysis answers its question relative to these roles, so they are resolved in
one place and the same way everywhere.

Definitions
-----------
* **source** (raw-material enterprise): by default an enterprise with no suppliers in
  the chain but at least one buyer. Users can name sources by id, by segment or by
  stage.
* **final producer** (sells to end users): by default an enterprise with no buyers in
  the chain but at least one supplier. Users can override the same way.
* **isolated**: no links at all (self-loops do not count as links here). An isolated
  enterprise is neither source nor final producer.
* **focal region**: the enterprises being diagnosed; all of them by default.

Segment and stage of an enterprise
----------------------------------
* **segment**: the ``segment`` cell, mapped to the template's segment id when a
  template is given (an id, Chinese or English name; a label the template does not
  know is kept as is); blank cells mean "no segment".
* **stage**, one precedence everywhere: the enterprise's own ``stage`` cell when the
  chain has a ``stage`` column and the cell is not blank; otherwise the template's
  stage of the enterprise's segment; otherwise unknown (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model.chain import Chain
from chaingraph.model.fields import (
    DOWNSTREAM,
    MIDSTREAM,
    REGION,
    SEGMENT,
    STAGE,
    UPSTREAM,
)
from chaingraph.model.idlookup import is_arrow_text
from chaingraph.model.template import SegmentTemplate
from chaingraph.model.validation import read_only

__all__ = ["Roles", "Selector", "arrow_text_labels", "clean_labels", "degrees",
           "enterprise_segments", "enterprise_stages", "focal_mask", "is_blank",
           "is_pyarrow_text", "label_codes", "resolve_roles", "select", "text_labels"]

Selector = Iterable[Any] | Mapping[str, Any] | None


@dataclass(frozen=True)
class Roles:
    """Boolean masks (over ``chain.ids``) of sources, final producers and isolated."""

    sources: np.ndarray
    final: np.ndarray
    isolated: np.ndarray


def degrees(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-degree of each enterprise, ignoring self-loops (read-only, cached)."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        src, dst = chain.link_codes
        proper = src != dst
        n = chain.n_enterprises
        return (read_only(np.bincount(dst[proper], minlength=n)),
                read_only(np.bincount(src[proper], minlength=n)))

    return chain.cached("roles.degrees", compute)


#: Stage names a selector may use beside the stage codes.
_STAGE_NAMES = {"上游": UPSTREAM, "中游": MIDSTREAM, "下游": DOWNSTREAM}


def select(chain: Chain, selector: Selector, *,
           template: SegmentTemplate | None = None) -> np.ndarray:
    """Boolean mask of the enterprises a selector names.

    Parameters
    ----------
    chain : Chain
    selector : iterable of ids, or mapping
        Ids, or ``{"segment": ...}``, ``{"stage": ...}`` or ``{"region": ...}`` (a value
        or a list of values). Stages need a template or a ``stage`` column.
    template : SegmentTemplate, optional

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    networkx.NodeNotFound
        An id that is not in the chain.
    ValueError
        A mapping with another key, a stage selector without stages, or a value
        that names no enterprise (a misspelt segment would select none).

    Examples
    --------
    >>> import networkx as nx
    >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
    >>> select(chain, ["b"]).tolist()
    [False, True]
    """
    n = chain.n_enterprises
    mask = np.zeros(n, dtype=bool)
    if isinstance(selector, Mapping):
        for key, wanted in selector.items():
            values = [wanted] if isinstance(wanted, str) or not isinstance(
                wanted, Iterable) else list(wanted)
            if key in (SEGMENT, REGION):
                if not chain.has_column(key):
                    raise ValueError(f"a {key} selector needs a {key!r} column, which "
                                     "the chain does not have")
                column = chain.column(key, default=None)
            elif key == STAGE:
                if template is None and not chain.has_column(STAGE):
                    raise ValueError("stages need a template (or a 'stage' column)")
                column = enterprise_stages(chain, template)
            else:
                raise ValueError(
                    f"selector key must be 'segment', 'stage' or 'region', got {key!r}")
            if key == SEGMENT and template is not None:
                values = [template.resolve(v) or v for v in values]
            if key == STAGE:
                values = [_STAGE_NAMES.get(v, v) if isinstance(v, str) else v
                          for v in values]
            column = column.astype(object)
            for value in values:
                found = np.isin(column, np.array([value], dtype=object))
                if not found.any():
                    known = sorted({str(v) for v in column if not is_blank(v)})
                    raise ValueError(
                        f"{key} {value!r} names no enterprise of the chain ({key}s: "
                        f"{', '.join(known[:12])}{' ...' if len(known) > 12 else ''})")
                mask |= found
        return mask
    mask[chain.codes_of(selector)] = True
    return mask


def is_blank(value: Any) -> bool:
    """Whether a cell is empty: None, NA, NaN or only whitespace."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value
                                               ) or (isinstance(value, str)
                                                     and not value.strip())


def clean_labels(values: np.ndarray, convert: Any = None) -> np.ndarray:
    """Labels with blank cells as None (and ``convert`` applied), one call per label.

    Blank (see :func:`is_blank`) is found for all distinct labels at once, so a
    column of a million distinct names costs one vectorised pass.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    # NA-like cells are factorised to -1; whitespace-only text is blank too
    try:
        blank = distinct.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    except AttributeError:  # no text at all (e.g. integer codes): nothing blank
        blank = np.array([is_blank(v) for v in distinct.tolist()], dtype=bool)
    table = np.empty(len(uniques) + 1, dtype=object)  # the last slot answers code -1
    table[:-1] = distinct.to_numpy(dtype=object)
    table[:-1][blank] = None
    if convert is not None:
        for i in np.flatnonzero(~blank).tolist():
            table[i] = convert(table[i])
    return table[codes]


def text_labels(chain: Chain, column: str, codes: np.ndarray | None = None) -> np.ndarray:
    """An enterprise column as labels: :func:`clean_labels` of ``chain.column(column)``
    (of the enterprises ``codes`` only, when given: the same labels, converted for
    those rows alone; see :meth:`Chain.column_at`).

    A pyarrow text column (what Parquet and large CSV files give) is cleaned in
    pyarrow, with no pass over Python strings: blank cells are found by its
    whitespace-trimming kernel (the same characters as ``str.strip``), and the
    object array :meth:`Chain.column` keeps is reused when none is blank.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")]); G.nodes["a"]["region"] = " "
    >>> text_labels(cg.as_chain(G), "region").tolist()
    [None, None]
    """
    stored = _stored_text(chain, column)
    if stored is None:  # labels of equal values (1, 1.0) follow the whole column
        labels = clean_labels(chain.column(column, default=None))
        return labels if codes is None else labels[codes]
    values = chain.column(column, default=None) if codes is None else chain.column_at(
        column, codes, default=None)
    if codes is not None:
        stored = stored.iloc[codes]
    blank = _blank_text(stored)
    if not blank.any():
        return values
    values = values.copy()
    values[blank] = None
    return values


def arrow_text_labels(chain: Chain, column: str) -> pd.Series | None:
    """:func:`text_labels` of every enterprise kept as pyarrow text (blank cells
    missing), when the column is stored as pyarrow text; else None.

    A table with a row per enterprise takes its text from here: a million names
    stay in pyarrow's buffers instead of becoming a million Python strings.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")]); G.nodes["a"]["name"] = " "; G.nodes["b"]["name"] = "电芯厂"
    >>> labels = arrow_text_labels(cg.as_chain(G), "name")  # None without pyarrow
    >>> labels is None or (labels.isna().tolist(), labels[1]) == ([True, False], "电芯厂")
    True
    """
    stored = _stored_text(chain, column)
    if stored is None:
        return None
    stored = stored.reset_index(drop=True)
    blank = _blank_text(stored)
    return stored.mask(blank) if blank.any() else stored


def is_pyarrow_text(chain: Chain, column: str) -> bool:
    """Whether the chain stores the enterprise column ``column`` as pyarrow text.

    Examples
    --------
    >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
    >>> is_pyarrow_text(chain, "region")
    False
    """
    return _stored_text(chain, column) is not None


def _stored_text(chain: Chain, column: str) -> pd.Series | None:
    """The column as stored when it is pyarrow text (else None)."""
    if not chain.has_column(column):
        return None
    series = chain.enterprises[column]  # a shallow table copy: pyarrow data is shared
    return series if is_arrow_text(series) else None


def _blank_text(series: pd.Series) -> np.ndarray:
    """Missing or whitespace-only cells of a pyarrow text column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(pa.array(series.array))
    empty = pc.fill_null(pc.equal(pc.binary_length(trimmed), 0), True)
    return np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)


def enterprise_segments(chain: Chain, template: SegmentTemplate | None
                        ) -> np.ndarray | None:
    """Segment of each enterprise (template ids when a template is given), or None.

    None when the chain has no ``segment`` column; blank cells are None.

    Examples
    --------
    >>> chain = cg.as_chain(nx.DiGraph([("a", "b")]))
    >>> enterprise_segments(chain, None) is None
    True
    """
    if not chain.has_column(SEGMENT):
        return None

    def compute() -> np.ndarray:
        raw = chain.column(SEGMENT, default=None)
        if template is None:
            return read_only(clean_labels(raw))
        return read_only(clean_labels(raw, lambda s: template.resolve(str(s)) or s))

    return chain.cached("roles.segments", compute, owner=template)


def label_codes(chain: Chain, labels: np.ndarray) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Integer codes of a label per enterprise (-1: None) and the distinct labels.

    ``pd.factorize`` of ``labels`` (first-seen order), kept on the chain per labels
    array: coverage, single sources and extension candidates code the one array
    :func:`enterprise_segments` keeps (0.04-0.07 s each at 500,000 enterprises).

    Examples
    --------
    >>> chain = cg.as_chain(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> codes, uniques = label_codes(chain, np.array(["y", None, "y"], dtype=object))
    >>> codes.tolist(), uniques
    ([0, -1, 0], ('y',))
    """
    def compute() -> tuple[np.ndarray, tuple[Any, ...]]:
        codes, uniques = pd.factorize(pd.Series(labels, dtype=object),
                                      use_na_sentinel=True)
        return read_only(codes.astype(np.int64)), tuple(uniques)

    return chain.cached("roles.label_codes", compute, owner=labels)


def enterprise_stages(chain: Chain, template: SegmentTemplate | None,
                      segments: np.ndarray | None = None) -> np.ndarray:
    """Stage of each enterprise: its own ``stage`` cell, else its segment's template stage.

    The one precedence used everywhere (see the module notes); None where neither
    says. ``segments`` (from :func:`enterprise_segments`) saves resolving them again.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")])
    >>> G.nodes["a"].update(segment="lithium_resources", stage="midstream")
    >>> G.nodes["b"].update(segment="vehicle_assembly")
    >>> enterprise_stages(cg.as_chain(G), cg.datasets.load_template("nev")).tolist()
    ['midstream', 'downstream']
    """
    stages = np.full(chain.n_enterprises, None, dtype=object)
    if template is not None:
        if segments is None:
            segments = enterprise_segments(chain, template)
        if segments is not None:
            stage_of = dict(zip(template.segments["id"], template.segments["stage"],
                                strict=True))
            stages = clean_labels(segments, stage_of.get)
    if chain.has_column(STAGE):
        own = clean_labels(chain.column(STAGE, default=None))
        given = np.array([v is not None for v in own], dtype=bool)
        stages = np.where(given, own, stages)
    return stages


def resolve_roles(chain: Chain, *, sources: Selector = None, final: Selector = None,
                  template: SegmentTemplate | None = None) -> Roles:
    """Resolve sources, final producers and isolated enterprises.

    Parameters
    ----------
    chain : Chain
    sources, final : selector, optional
        See :func:`select`. Default: no suppliers (sources) / no buyers (final
        producers), among enterprises with at least one link.
    template : SegmentTemplate, optional
        Needed for ``{"stage": ...}`` selectors.

    Returns
    -------
    Roles

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car")])
    >>> G.add_node("lonely")
    >>> r = resolve_roles(cg.as_chain(G))
    >>> r.sources.tolist(), r.final.tolist(), r.isolated.tolist()
    ([True, False, False, False], [False, False, True, False], [False, False, False, True])
    """
    indeg, outdeg = degrees(chain)
    isolated = (indeg == 0) & (outdeg == 0)
    src_mask = (indeg == 0) & ~isolated if sources is None else select(
        chain, sources, template=template)
    fin_mask = (outdeg == 0) & ~isolated if final is None else select(
        chain, final, template=template)
    return Roles(src_mask, fin_mask, isolated)


def focal_mask(chain: Chain, region: Any = None) -> np.ndarray:
    """Mask of the focal region: all enterprises, one region, or a list of regions.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b")]); G.nodes["a"]["region"] = "南沙"
    >>> focal_mask(cg.as_chain(G), "南沙").tolist()
    [True, False]
    """
    if region is None:
        return np.ones(chain.n_enterprises, dtype=bool)
    regions = [region] if isinstance(region, str) or not isinstance(
        region, Iterable) else list(region)
    mask = chain.cached(f"roles.focal_mask.{regions!r}", lambda: _region_mask(chain, regions))
    if not mask.any():
        column = chain.column(REGION, default=None)
        known = sorted({str(r) for r in column if r is not None and r == r})[:10]
        raise ValueError(f"no enterprise is in region {region!r} (regions: {known})")
    return mask.copy()


def _region_mask(chain: Chain, regions: list[Any]) -> np.ndarray:
    """Enterprises whose region is one of ``regions`` (hashed per distinct region)."""
    stored = _stored_text(chain, REGION)  # pyarrow text: factorised without objects
    codes, uniques = pd.factorize(
        pd.Series(chain.column(REGION, default=None), dtype=object) if stored is None
        else stored, use_na_sentinel=True)
    wanted = np.append(np.isin(np.asarray(uniques, dtype=object),
                               np.array(regions, dtype=object)), False)
    return read_only(wanted[codes])
