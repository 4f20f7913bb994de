"""The report's two tables of the minimum cut: its elements with their segments and
share of the maximum flow (:func:`min_cut_table`), and the same summed by segment
pair (:func:`min_cut_pairs`).

Private to the report (:mod:`chaingraph.report`, :mod:`chaingraph._report_findings`).
A cut of a million links is built from the enterprise codes the maximum flow kept,
by integer takes from the chain's own columns, not by converting or looking up a
million Python strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model import ID, SEGMENT, Chain

__all__ = ["min_cut_pairs", "min_cut_table"]


def _segments_of(chain: Chain, ids: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Segment of each id (``fallback`` where the id is None; None when unknown)."""
    ids = np.where(pd.isna(ids), fallback, ids)
    codes = chain.lookup_codes(ids)
    segments = np.append(chain.column(SEGMENT, default=None).astype(object), None)
    return segments[codes]  # code -1 (not an enterprise) picks the trailing None


def _text_column(values: np.ndarray) -> Any:
    """``values`` (object) as the DataFrame constructor would store them."""
    return pd.Series(values).array


def _taken(source: Any, codes: np.ndarray, values: np.ndarray) -> Any:
    """``values`` (ids of the chain, None where absent) as a column, taken by code.

    Taking from the chain's own text column (``source``, an extension array) by
    integer code avoids converting a million Python strings; the result is what
    the DataFrame constructor infers from ``values``. None when an id is not in
    the chain (the general path then runs).
    """
    absent = codes < 0
    if not absent.any():
        return source.take(codes)
    if not pd.isna(values[absent]).all():  # an id not in the chain
        return None
    if absent.all():
        return _text_column(values)  # all None: stays as given
    return source.take(codes, allow_fill=True)


def _segment_column(chain: Chain, codes: np.ndarray) -> Any:
    """The segment (text) of each enterprise code; None for code -1."""
    column = chain.column(SEGMENT, default=None)
    labels, uniques = chain.cached("report.segment_codes",
                                   lambda: pd.factorize(column, use_na_sentinel=True))
    seg = np.append(labels, -1)[codes]
    present = np.flatnonzero(np.bincount(seg + 1, minlength=len(uniques) + 1)) - 1
    sample = [uniques[k] if k >= 0 else None for k in present]
    kind = pd.Series(np.array(sample, dtype=object)).dtype if sample else None
    if sample and isinstance(kind, pd.StringDtype):  # take from the few segment names
        return pd.array(np.asarray(uniques, dtype=object), dtype=kind).take(
            seg, allow_fill=True)
    return np.append(column.astype(object), None)[codes]  # mixed kinds: as given


def min_cut_table(chain: Chain | None, flow: Any) -> pd.DataFrame:
    """The minimum cut's elements with their segments and share of the maximum flow."""
    columns = ["element", "supplier", "buyer", "enterprise", "supplier_segment",
               "buyer_segment", "capacity", "share"]
    if flow is None or chain is None or not len(flow.min_cut):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    cut = flow.min_cut
    total = float(flow.value) if flow.value else float("nan")
    arrays = getattr(flow, "arrays", {})
    # the kept codes and buffers vouch for the cut on the flow's own chain only
    # (another chain's codes differ, and may run past its end)
    own = arrays.get("ids") is chain.ids
    out = _min_cut_by_code(chain, cut, arrays.get("cut_codes") if own else None,
                           arrays.get("cut_columns") if own else None)
    if out is None:
        supplier, buyer, enterprise = (cut[c].to_numpy(dtype=object)
                                       for c in ("supplier", "buyer", "enterprise"))
        out = pd.DataFrame({
            "element": cut["element"].to_numpy(dtype=object),
            "supplier": supplier, "buyer": buyer, "enterprise": enterprise,
            "supplier_segment": _segments_of(chain, supplier, enterprise),
            "buyer_segment": _segments_of(chain, buyer, enterprise),
            "capacity": cut["capacity"].to_numpy(dtype=float)})
    out["share"] = out["capacity"] / total
    capacity = out["capacity"].to_numpy()
    if not np.isnan(capacity).any() and (capacity[:-1] >= capacity[1:]).all():
        return out  # sorted already (the flow's order): a stable sort keeps it
    return out.sort_values("capacity", ascending=False, kind="stable").reset_index(
        drop=True)


def _codes_match(chain: Chain, code: np.ndarray, values: np.ndarray) -> bool:
    """Whether ``code`` gives exactly the ids ``values`` (None where code is -1), so
    that codes kept by an earlier step are trusted only for the cut they came from
    (an element-wise comparison: cheaper than looking every id up again)."""
    if len(code) != len(values):
        return False
    absent = code < 0  # None must be there and only there: the others compare unequal
    if not pd.isna(values[absent]).all():
        return False
    try:
        return bool((chain.ids[code[~absent]] == values[~absent]).all())
    except (TypeError, ValueError):  # pd.NA where an id should be: not this cut
        return False


def _copy_on_write() -> bool:
    """Whether pandas always copies a column's buffer before changing it while
    another object refers to it: pandas 3 and later. (In pandas 2 it is an option,
    which may have been off, for a change in place, between the flow and now.)"""
    return int(pd.__version__.split(".")[0]) >= 3


def _unchanged(kept: pd.Series | None, column: pd.Series) -> bool:
    """Whether ``column`` still holds the very buffer of ``kept`` (an object column
    taken from the same frame when it was built). With copy-on-write, a column
    changed in place, by any column of its block, gets a new buffer first, since
    ``kept`` refers to the old one; the old one stays alive, so its address
    cannot be reused. The same buffer thus means the same values, except after a
    write that goes around copy-on-write (``Series.array[i] = v``, which pandas
    means to forbid, pandas-dev/pandas#58007, or a NumPy view made writeable)."""
    if kept is None or not _copy_on_write():
        return False
    old, new = kept.to_numpy(), column.to_numpy()  # object columns: views, no copy
    if old.dtype != object or new.dtype != object:
        return False
    return (old.__array_interface__["data"][0] == new.__array_interface__["data"][0]
            and old.shape == new.shape and old.strides == new.strides)


def _min_cut_by_code(chain: Chain, cut: pd.DataFrame,
                     known: dict[str, np.ndarray] | None = None,
                     kept: dict[str, pd.Series] | None = None) -> pd.DataFrame | None:
    """:func:`min_cut_table`'s columns built from enterprise codes (text ids only).

    The codes the maximum flow kept for its cut (``known``) are used when the cut's
    id columns are still the ones it built (``kept``, see :func:`_unchanged`) or
    when they match the cut's ids element by element; otherwise one hash lookup
    per id column. Then integer takes from the chain's own columns: no
    million-row conversion of Python strings. None when the chain's ids are not
    text (the general path then runs).
    """
    ids = chain.enterprises[ID]
    if ids.dtype != pd.Series(np.array(["text"], dtype=object)).dtype:
        return None  # not the text dtype the DataFrame constructor gives
    source = ids.array
    data: dict[str, Any] = {}
    codes = {}
    for name in ("supplier", "buyer", "enterprise"):
        values = cut[name].to_numpy(dtype=object)
        if known is not None and ((kept is not None and _unchanged(kept[name], cut[name]))
                                  or _codes_match(chain, known[name], values)):
            code = known[name]
        elif name == "enterprise":  # mostly None (set for non-link elements only)
            present = ~pd.isna(values)
            code = np.full(len(values), -1, dtype=np.intp)
            code[present] = chain.lookup_codes(values[present])
        else:
            code = chain.lookup_codes(values)
        column = _taken(source, code, values)
        if column is None:
            return None
        data[name], codes[name] = column, code
    element = cut["element"]
    data = {"element": (element.array if isinstance(element.dtype, pd.StringDtype) else
                        _text_column(element.to_numpy(dtype=object))), **data}
    for end in ("supplier", "buyer"):  # an end's code is -1 exactly where it is None
        code = np.where(codes[end] < 0, codes["enterprise"], codes[end])
        data[f"{end}_segment"] = _segment_column(chain, code)
    data["capacity"] = cut["capacity"].to_numpy(dtype=float)
    return pd.DataFrame(data)


def min_cut_pairs(cut: pd.DataFrame) -> pd.DataFrame:
    """The minimum cut summarised by segment pair: elements, capacity, share.

    Links are grouped by (supplier segment, buyer segment); enterprise capacities
    by their segment (both columns the same); source supply and final demand by
    the source's / final producer's segment. Sorted by capacity.
    """
    columns = ["supplier_segment", "buyer_segment", "element", "n_elements", "capacity",
               "share"]
    if not len(cut):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    keys = ["supplier_segment", "buyer_segment", "element"]
    # group on one integer key (a code per column, missing its own code): the
    # groups, their first-seen order and the sums are those of grouping the values
    key = np.zeros(len(cut), dtype=np.int64)
    for name in keys:
        code, uniques = pd.factorize(cut[name], use_na_sentinel=True)
        key = key * (len(uniques) + 1) + (code + 1)
    group, _ = pd.factorize(key)  # numbered in first-seen order
    numbers = pd.DataFrame({"capacity": cut["capacity"].to_numpy(),
                            "share": cut["share"].to_numpy()})
    grouped = numbers.groupby(group, sort=True).agg(  # groups 0, 1, ...: first-seen
        n_elements=("capacity", "size"), capacity=("capacity", "sum"),
        share=("share", "sum"))
    # the first row of each group: where the running highest group number rises
    first = np.flatnonzero(np.diff(np.maximum.accumulate(group), prepend=-1) > 0)
    labels = cut[keys].iloc[first].astype(object).fillna("\x00")
    grouped = pd.DataFrame({**{c: labels[c].to_numpy(dtype=object) for c in keys},
                            **{c: grouped[c].to_numpy() for c in grouped.columns}})
    for c in ("supplier_segment", "buyer_segment"):
        grouped[c] = grouped[c].map(lambda v: None if v == "\x00" else v)
    grouped["n_elements"] = grouped["n_elements"].astype(int)
    return grouped.sort_values("capacity", ascending=False, kind="stable").reset_index(
        drop=True)[columns]
