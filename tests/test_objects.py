"""Object arrays of text share one string per distinct value (chaingraph.model.objects).

The values are checked against ``to_numpy(dtype=object)`` (the oracle); the sharing
is checked by object identity, which is what the memory of a million-row table
depends on (each copy of a short string costs about 60 bytes).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.model.objects import FEW_DISTINCT, filled, text_objects

ROWS = 10 * FEW_DISTINCT + 5  # past the rows that decide whether to factorize


def _distinct_objects(values) -> int:
    return len({id(v) for v in values})


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal element by element, a missing value being missing of the same type."""
    return len(a) == len(b) and all(
        (pd.isna(x) and pd.isna(y) and type(x) is type(y))
        or (not pd.isna(x) and type(x) is type(y) and x == y)
        for x, y in zip(a, b, strict=True))


@settings(max_examples=40, deadline=None)
@given(words=st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=1, max_size=6),
       data=st.data(), dtype=st.sampled_from(["str", "string[pyarrow]", object]))
def test_text_objects_equal_to_numpy_and_share_repeated_words(words, data, dtype):
    pattern = data.draw(st.lists(st.integers(0, len(words) - 1), min_size=1,
                                 max_size=60))
    picks = np.resize(pattern, ROWS)  # the pattern repeated over the rows
    series = pd.Series([words[i] for i in picks], dtype=dtype)
    got = text_objects(series)
    assert got.dtype == object
    assert _same(got, series.to_numpy(dtype=object))
    if dtype is not object:  # pyarrow text: one string per distinct value, not per row
        assert _distinct_objects(got) <= len(words) + 1


def test_text_objects_of_many_distinct_words_are_converted_row_by_row():
    series = pd.Series([f"E{i}" for i in range(ROWS)], dtype="str")
    got = text_objects(series)
    assert got.tolist() == series.tolist()


def test_filled_holds_one_object():
    value = "intermediate" + "x"  # not an interned constant
    got = filled(5, value)
    assert got.dtype == object and got.tolist() == [value] * 5
    assert all(v is value for v in got)
    assert filled(0, "a").shape == (0,)


def test_big_tables_share_their_repeated_words():
    """The structure table's role and the bottleneck table's kind hold one string
    per distinct value (numpy's full and pyarrow's to_numpy made one per row; at a
    million rows that was ~60 bytes a row)."""
    G = nx.DiGraph()
    for i in range(ROWS):  # ROWS intermediate enterprises, each cut from the source
        G.add_edge("source", f"m{i}", volume=1.0)
        G.add_edge(f"m{i}", "final", volume=2.0)
    structure = cg.find_structure(G)
    roles = structure["role"].to_numpy()
    assert _distinct_objects(roles) == structure["role"].nunique() == 3
    table = cg.find_bottlenecks(G)
    assert len(table) >= ROWS  # the cut: every link from the source
    assert _distinct_objects(table["kind"].to_numpy()) == table["kind"].nunique()


def test_a_missing_columns_default_is_one_object_as_np_full_gave_it():
    chain = cg.as_chain(nx.DiGraph([("a", "b"), ("b", "c")]))
    for default, expected in ((None, None), ("x", "x"), (np.int32(3), 3),
                              (np.str_("y"), "y")):
        got = chain.column("nowhere", default=default)
        assert got.dtype == object and got.tolist() == [expected] * 3
        assert type(got[0]) is type(expected) and _distinct_objects(got) == 1
    assert chain.column("nowhere").dtype == np.float64  # NaN: a float column
