"""Arrow searches of object text columns give the cell-by-cell rules' answers."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from chaingraph._arrow_text import PY_WHITESPACE, arrow_text, edge_space, strip_text
from chaingraph.readwrite._schema import _spaces_marked
from chaingraph.readwrite._typed import needs_typed_text

#: Text meeting every branch: Python-only whitespace (\x1c-\x1f, \x85, \u3000),
#: empty and space-only cells, Chinese, and a lone surrogate (not UTF-8).
_TEXT = st.lists(st.sampled_from([" ", "\t", "\x1c", "\x85", "\u3000", "\u200b", "a",
                                  "链", "_", "\ud800"]), max_size=5).map("".join)
_CELLS = st.lists(st.one_of(_TEXT, st.none()), max_size=25)
_ODD = st.lists(st.one_of(_TEXT, st.none(), st.just(float("nan")), st.integers(0, 3),
                          st.binary(max_size=3)), max_size=25)


def test_python_whitespace_is_the_running_pythons():
    every = {chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()}
    assert set(PY_WHITESPACE) == every


@given(st.one_of(_CELLS, _ODD))
@example(["", None, "a"])
@example([" \u3000", "\ud800"])
def test_arrow_view_and_its_edges(cells):
    values = np.array(cells, dtype=object)
    text = arrow_text(values)
    plain = all(v is None or (isinstance(v, str) and not any(
        0xD800 <= ord(c) <= 0xDFFF for c in v)) for v in cells)
    assert (text is not None) is plain
    if text is not None:
        assert text.to_pylist() == cells
        want = [isinstance(v, str) and v != "" and v != v.strip() for v in cells]
        assert edge_space(text).tolist() == want


@given(st.one_of(_CELLS, _ODD))
@example(["", None])
@example(["text", b'=HYPERLINK("http://x")'])  # bytes are typed text, not text
def test_needs_typed_text_as_cell_by_cell(cells):
    series = pd.Series(cells, dtype=object)
    want = not all(v is None or (isinstance(v, str) and v != "") for v in cells)
    assert needs_typed_text(series) is want


@given(st.one_of(_CELLS, _ODD))
@example([" ", "  a", "\u3000", None])
def test_spaces_marked_as_cell_by_cell(cells):
    series = pd.Series(cells, dtype=object)
    blank = [isinstance(v, str) and v != "" and not v.strip() for v in cells]
    want = [f"_x{ord(v[0]):04X}_{v[1:]}" if b else v for v, b in zip(cells, blank,
                                                                       strict=True)]
    got = _spaces_marked(series).tolist()
    assert [None if g is None or g != g else g for g in got] == [
        None if w is None or w != w else w for w in want]


@given(st.one_of(_CELLS, st.lists(st.one_of(_TEXT, st.none(), st.just(float("nan"))),
                                   max_size=25)))
@example([" a ", "", None, "\u3000", "b"])
@example([" a", float("nan")])  # not all text or None: pandas' path
def test_strip_text_as_pandas(cells):
    series = pd.Series(cells, dtype=object)
    values, blank = strip_text(series)
    want = [v.strip() if isinstance(v, str) else None for v in cells]  # nan: missing
    assert blank.tolist() == [w is None or w == "" for w in want]
    assert [v for v, b in zip(values, blank, strict=True) if not b] == [
        w for w in want if w]


def test_without_pyarrow_the_cell_by_cell_rules_run(monkeypatch):
    """pyarrow is an extra (``parquet``), not a dependency of pandas: a plain install
    takes the Python path (README command 1 had failed on ``import pyarrow``)."""
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    series = pd.Series([" a", None, "", "  "], dtype=object)
    assert arrow_text(series) is None
    values, blank = strip_text(series)
    assert values[0] == "a" and blank.tolist() == [False, True, True, True]
    assert needs_typed_text(series) is True
    assert _spaces_marked(series).tolist()[3] == "_x0020_ "


def test_arrow_text_columns_are_escaped_and_marked(tmp_path):
    """Columns of pandas' Arrow string dtype are text like any other: escaped,
    neutralised in CSV, space-only cells marked (they were written as they were)."""
    import networkx as nx
    import pyarrow as pa

    import chaingraph as cg

    chain = cg.as_chain(nx.DiGraph([("a", "b"), ("b", "c")]))
    notes = ["'quoted", "_x0041_", "=1+1", "  "]
    for dtype in (pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.large_string())):
        ent = chain.enterprises.assign(note=pd.Series(notes[:3], dtype=dtype))
        ent = pd.concat([ent, pd.DataFrame({"id": ["d"], "note": pd.Series(
            notes[3:], dtype=dtype)})], ignore_index=True)
        odd = cg.Chain.from_frames(ent, chain.links)
        for fmt in ("csv", "excel", "parquet"):
            path = cg.write_chain(odd, tmp_path / f"{fmt}{'.xlsx' if fmt == 'excel' else ''}",
                                  format=fmt)
            back = cg.read_chain(path)
            assert back.enterprises["note"].tolist() == notes, fmt
        text = (tmp_path / "csv" / "enterprises.csv").read_text(encoding="utf-8-sig")
        assert "\n=1+1" not in text and ",=1+1" not in text
