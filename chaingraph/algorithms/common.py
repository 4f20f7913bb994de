"""Helpers shared by the analyses: cached graph arrays, labels, ranking, longest paths.

Public inside the package (analyses import these names; nothing imports a private
name of another module). Values derived from a chain are cached with
:meth:`Chain.cached`, never written into the chain from outside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph._checks import check_top
from chaingraph.kernels.graph import (
    condensation,
    csr_arrays,
    longest_path_levels,
    strong_components,
    transpose,
)
from chaingraph.model import (
    NAME,
    STAGES,
    VOLUME,
    Chain,
    SegmentTemplate,
)
from chaingraph.model.roles import is_pyarrow_text, text_labels
from chaingraph.model.validation import read_only

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "component_sizes", "condensation_of", "explain_per_kind",
           "explain_rows",
           "first_rows", "flags", "has_volumes",
           "labels_of",
           "longest_condensed_path", "proper_csr", "ranked", "segment_label",
           "strong_components_of", "template_order", "text_column"]


#: Cell texts read as yes and as no in flag columns (是/否, √, 1/0, true/false),
#: compared stripped and lower-cased.
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "x"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "", "nan", "none", "—", "-"})


def flags(values: Any, *, other: bool = True) -> np.ndarray:
    """A flag column as booleans: bool as given, numbers non-zero, text by
    :data:`TRUE_WORDS` / :data:`FALSE_WORDS` (a CSV's ``"False"`` is no, not a
    non-empty string), blank no, other text ``other`` (``"市级链主"`` in a
    designation column: yes).

    Examples
    --------
    >>> flags(pd.Series(["False", "是", "否", None, "市级链主", 1, 0])).tolist()
    [False, True, False, False, True, True, False]
    """
    if isinstance(values, np.ndarray) and values.dtype == np.bool_:
        return values.copy()  # a column of booleans: no loop
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).to_numpy(dtype=bool)

    def one(v: Any) -> bool:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            return False
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return v != 0
        text = str(v).strip().lower()
        return True if text in TRUE_WORDS else False if text in FALSE_WORDS else other

    return np.fromiter((one(v) for v in series.tolist()), dtype=bool, count=len(series))


def has_volumes(chain: Chain) -> bool:
    """Whether the links have volumes (some positive): else analyses count links, and
    their texts say so instead of naming money.

    Examples
    --------
    >>> has_volumes(cg.as_chain(nx.DiGraph([("a", "b", {"volume": 2.0})])))
    True
    """
    return chain.has_column(VOLUME, table="links") and bool(
        np.nansum(chain.column(VOLUME, table="links")) > 0)


def proper_csr(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of the chain without self-loops (cached on the chain).

    Built from an unweighted :meth:`Chain.adjacency`, without keeping the chain's
    :attr:`Chain.structure` matrix beside them (at 5M links, 50 MB that no analysis
    of :func:`chaingraph.report.diagnose` needs besides these arrays).
    """
    return chain.cached("algorithms.proper_csr",
                        lambda: csr_arrays(chain.adjacency(weight=None)))


def text_column(chain: Chain, column: str, codes: np.ndarray | None = None) -> np.ndarray:
    """A text column (blank cells -> None), for all enterprises or only ``codes``.

    The whole column is cleaned once per chain (cached, read-only; see
    :func:`~chaingraph.model.roles.text_labels`) when it is asked for; the labels
    of ``codes`` alone are built for those rows only when the column is stored as
    pyarrow text and the whole was not cleaned yet.
    """
    key = f"algorithms.text_column.{column}"
    if codes is not None and not chain.is_cached(key) and is_pyarrow_text(chain, column):
        codes = np.asarray(codes)
        return text_labels(chain, column,
                           np.flatnonzero(codes) if codes.dtype == bool else codes)
    values = chain.cached(key, lambda: read_only(text_labels(chain, column)))
    return values if codes is None else values[codes]


def strong_components_of(chain: Chain) -> tuple[int, np.ndarray]:
    """Strongly connected components of the chain (cached on the chain)."""
    return chain.cached("algorithms.strong_components",
                        lambda: strong_components(*proper_csr(chain)))


def condensation_of(chain: Chain) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays (read-only) of the chain's condensation DAG, one node per strongly
    connected component of :func:`strong_components_of` (cached on the chain: the
    tiers and the leaders' downstream reach both use it)."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        count, labels = strong_components_of(chain)
        indptr, indices = condensation(*proper_csr(chain), labels, count)
        return read_only(indptr), read_only(indices)

    return chain.cached("algorithms.condensation", compute)


def ranked(frame: pd.DataFrame, columns: list[str], top: int | None = None, *,
           build: Callable[[pd.DataFrame], Sequence[str]] | None = None,
           explain: int | None = None) -> pd.DataFrame:
    """Rows sorted by score, descending (stable), the given columns, first ``top``.

    With ``build``, the ``explanation`` column is built after sorting and cutting, by
    :func:`explain_rows` (only for the rows kept, and only the first ``explain``).
    """
    if len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    order = np.argsort(-frame["score"].to_numpy(dtype=np.float64), kind="stable")
    if build is None:
        return first_rows(frame.iloc[order].reset_index(drop=True)[columns], top)
    top = check_top(top)
    if top is not None:
        order = order[:top]
    rows = frame.iloc[order].reset_index(drop=True)
    return explain_rows(rows, build, explain)[columns]


def explain_rows(frame: pd.DataFrame, build: Callable[[pd.DataFrame], Sequence[str]],
                 explain: int | None = None) -> pd.DataFrame:
    """``frame`` (a new frame) with its ``explanation`` column: ``build(rows)`` for
    the first ``explain`` rows (all when None), None for the rest.

    The one rule behind every finder's ``explain=``: explanation sentences cost
    Python time per row, so a report of a million-row table builds them only for
    the rows it shows. Rows past ``explain`` keep every other column.
    """
    explain = check_top(explain, "explain")
    k = len(frame) if explain is None else min(explain, len(frame))
    texts = np.full(len(frame), None, dtype=object)
    if k:
        texts[:k] = list(build(frame.iloc[:k]))
    return frame.assign(explanation=pd.Series(texts, index=frame.index, dtype=object))


def explain_per_kind(frame: pd.DataFrame, explain: int | None) -> pd.DataFrame:
    """``frame`` with the explanation of each kind's rows after its first ``explain``
    (in the frame's order) set to None: the rule of the tables that combine several
    kinds of finding (:func:`~chaingraph.algorithms.breakpoints.find_breakpoints`,
    :func:`~chaingraph.algorithms.bottlenecks.find_bottlenecks`). It covers the first
    ``explain`` rows of the table, and those of each kind, which a report grouped by
    kind shows. Changes ``frame`` (one the caller made) and returns it.
    """
    explain = check_top(explain, "explain")
    if explain is not None and len(frame):
        later = frame.groupby("kind", sort=False, dropna=False).cumcount().to_numpy() >= explain
        if later.any():
            frame.loc[later, "explanation"] = None
    return frame


def first_rows(frame: pd.DataFrame, top: int | None) -> pd.DataFrame:
    """The first ``top`` rows (all when None), index 0..k-1.

    The one ``top=`` rule of every finder: ``top`` must be None or an integer >= 0
    (a negative or non-integer ``top`` raises, see :func:`chaingraph._checks.check_top`).
    """
    top = check_top(top)
    if top is None:
        return frame
    return frame.iloc[:top].reset_index(drop=True)


def component_sizes(chain: Chain) -> np.ndarray:
    """Size of the strongly connected component of each enterprise."""
    count, labels = strong_components_of(chain)
    return np.bincount(labels, minlength=count)[labels]


def longest_condensed_path(n: int, src: np.ndarray, dst: np.ndarray, method: str
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
    cindptr, cindices = condensation(indptr, indices, labels, count, method=method)
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


def template_order(template: SegmentTemplate | None) -> dict[str, tuple]:
    """Reading order of template segments: depth, stage, position in the template."""
    if template is None:
        return {}
    rank = {stage: i for i, stage in enumerate(STAGES)}
    depth = template.depth
    return {sid: (depth[sid], rank.get(stage, 0), i, sid) for i, (sid, stage) in
            enumerate(zip(template.segments["id"], template.segments["stage"],
                          strict=True))}


def labels_of(chain: Chain, codes: np.ndarray | None = None) -> np.ndarray:
    """Display label of each enterprise (or of ``codes``): its name, else its id.

    Every enterprise's label is built once per chain (cached) when asked for; the
    labels of ``codes`` alone are built for those codes only (a finder explains its
    first rows, not a million enterprises), the same text either way.
    """
    if codes is None:
        return chain.cached("algorithms.labels_of", lambda: _labels(chain, None))
    codes = np.asarray(codes)  # positions or a boolean mask
    return _labels(chain, codes if codes.dtype.kind in "biu" else codes.astype(np.intp))


def _labels(chain: Chain, codes: np.ndarray | None) -> np.ndarray:
    names = text_column(chain, NAME, codes)
    label = names.copy()
    missing = pd.isna(names)
    label[missing] = (chain.ids if codes is None else chain.ids[codes])[missing]
    # every label as text (ids and numeric names too), converted in one pass
    return read_only(np.asarray(pd.Series(label, dtype=object).astype(str), dtype=object))


def segment_label(template: SegmentTemplate | None, segment: Any) -> str:
    """Chinese name of a template segment (else its id / label)."""
    if template is None or segment is None:
        return str(segment)
    return template.names_zh.get(segment, str(segment))
