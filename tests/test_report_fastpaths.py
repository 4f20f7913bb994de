"""Fast paths of the report's writing checked against the plain reference code.

The minimum-cut table and its segment-pair summary are built from enterprise codes
(integer takes from the chain's own columns); the references below are the
straightforward per-value versions they replaced, kept here as the oracle.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph._report_cut import min_cut_pairs, min_cut_table
from chaingraph.model import SEGMENT


def _segments_of(chain, ids, fallback):
    ids = np.where(pd.isna(ids), fallback, ids)
    codes = chain.index.get_indexer(pd.Index(ids, dtype=object))
    segments = np.append(chain.column(SEGMENT, default=None).astype(object), None)
    return segments[codes]


def reference_table(chain, flow):
    cut = flow.min_cut
    supplier, buyer, enterprise = (cut[c].to_numpy(dtype=object)
                                   for c in ("supplier", "buyer", "enterprise"))
    out = pd.DataFrame({
        "element": cut["element"].to_numpy(dtype=object),
        "supplier": supplier, "buyer": buyer, "enterprise": enterprise,
        "supplier_segment": _segments_of(chain, supplier, enterprise),
        "buyer_segment": _segments_of(chain, buyer, enterprise),
        "capacity": cut["capacity"].to_numpy(dtype=float)})
    out["share"] = out["capacity"] / float(flow.value)
    return out.sort_values("capacity", ascending=False, kind="stable").reset_index(
        drop=True)


def reference_pairs(cut):
    columns = ["supplier_segment", "buyer_segment", "element", "n_elements", "capacity",
               "share"]
    keys = cut[["supplier_segment", "buyer_segment", "element"]].astype(object).fillna(
        "\x00")
    grouped = cut.assign(**{c: keys[c] for c in keys.columns}).groupby(
        ["supplier_segment", "buyer_segment", "element"], sort=False, dropna=False).agg(
        n_elements=("capacity", "size"), capacity=("capacity", "sum"),
        share=("share", "sum")).reset_index()
    for c in ("supplier_segment", "buyer_segment"):
        grouped[c] = grouped[c].map(lambda v: None if v == "\x00" else v)
    grouped["n_elements"] = grouped["n_elements"].astype(int)
    return grouped.sort_values("capacity", ascending=False, kind="stable").reset_index(
        drop=True)[columns]


def _variants():
    chain = cg.datasets.load_example()
    yield "example", chain
    ent = chain.enterprises
    ent["capacity"] = np.where(np.arange(len(ent)) % 3 == 0, 1e6, np.nan)
    ent.loc[::7, "segment"] = None  # enterprises without a segment
    yield "capacities, blank segments", cg.Chain.from_frames(ent, chain.links,
                                                             meta=chain.meta)
    ids = {i: n for n, i in enumerate(chain.enterprises["id"])}
    ent = chain.enterprises.assign(id=lambda f: f["id"].map(ids))
    links = chain.links.assign(supplier=lambda f: f["supplier"].map(ids),
                               buyer=lambda f: f["buyer"].map(ids))
    yield "integer ids", cg.Chain.from_frames(ent, links, meta=chain.meta)
    ent = chain.enterprises.assign(segment=lambda f: np.arange(len(f)) % 4)
    yield "integer segments", cg.Chain.from_frames(ent, chain.links, meta=chain.meta)


@pytest.mark.parametrize("name", ["example", "capacities, blank segments",
                                  "integer ids", "integer segments"])
def test_min_cut_table_and_pairs_match_the_reference(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = dict(_variants())[name]
        flow = cg.max_flow(chain)
    table = min_cut_table(chain, flow)
    pd.testing.assert_frame_equal(table, reference_table(chain, flow), check_exact=True)
    pd.testing.assert_frame_equal(min_cut_pairs(table), reference_pairs(table),
                                  check_exact=True)
    assert len(table) == len(flow.min_cut)


@pytest.fixture(scope="module")
def example_report():
    return cg.diagnose(cg.datasets.load_example(), template="nev", region="明湾示范区")


def test_folder_tables_written_beside_the_maps_are_the_tables(example_report, tmp_path):
    """The CLI folder writes the full tables in a second thread, started at once:
    the same files as ChainReport.write_tables writes alone."""
    from chaingraph._cli_output import write_folder

    written = write_folder(example_report, tmp_path / "out")
    alone = example_report.write_tables(tmp_path / "alone")
    tables = sorted(p for p in written if p.parent.name == "tables")
    assert [f"alone/{p.name}" for p in tables] == sorted(alone.values())
    for path in tables:
        assert path.read_bytes() == (tmp_path / "alone" / path.name).read_bytes()


def test_tables_written_in_chunks_read_back_as_written_whole(example_report, tmp_path,
                                                             monkeypatch):
    """Parquet tables are written a chunk of rows at a time (a row group each): read
    back, every table equals the one written in one piece, including columns that
    are missing in the first chunk only."""
    import pyarrow.parquet as pq

    from chaingraph import _report_tables

    whole = example_report.write_tables(tmp_path / "whole")
    monkeypatch.setattr(_report_tables, "PARQUET_CHUNK_ROWS", 7)
    chunked = example_report.write_tables(tmp_path / "chunked")
    late = pd.DataFrame({"who": [None] * 9 + ["a", "b"], "n": range(11)})
    _report_tables._write_parquet(late, tmp_path / "late.parquet")
    back = pd.read_parquet(tmp_path / "late.parquet")
    assert back["who"].tolist()[9:] == ["a", "b"] and back["who"].isna().sum() == 9
    grouped = 0
    for name, file in whole.items():
        a = pd.read_parquet(tmp_path / file)
        b = pd.read_parquet(tmp_path / chunked[name])
        pd.testing.assert_frame_equal(a, b, obj=name)
        grouped += pq.ParquetFile(tmp_path / chunked[name]).metadata.num_row_groups > 1
    assert grouped  # some table was long enough to be cut


def test_a_failing_table_writer_leaves_no_folder(example_report, tmp_path, monkeypatch):
    from chaingraph import _report_tables
    from chaingraph._cli_output import write_folder

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_report_tables, "_write_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write_folder(example_report, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_report_failing_before_the_derived_tables_stops_the_writer(
        example_report, tmp_path, monkeypatch):
    """The writer starts with the analyses' tables and waits for the key findings
    and the cut: a failure before they are built stops it (no hang, no folder)."""
    import threading

    from chaingraph._cli_output import write_folder

    def boom(self):
        raise OSError("no key findings")

    monkeypatch.setattr(type(example_report), "full_tables", boom)
    raised = []

    def write():
        try:
            write_folder(example_report, tmp_path / "out")
        except OSError as error:
            raised.append(str(error))

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and raised == ["no key findings"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["example", "capacities, blank segments"])
def test_min_cut_table_trusts_kept_codes_only_for_their_own_cut(name):
    """The flow keeps its cut's enterprise codes; a cut whose rows no longer match
    them (here reversed) is looked up again and still equals the reference."""
    import dataclasses

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = dict(_variants())[name]
        flow = cg.max_flow(chain)
    assert set(flow.arrays["cut_codes"]) == {"supplier", "buyer", "enterprise"}
    assert flow.min_cut["capacity"].nunique() > 1  # reversing changes the rows
    moved = dataclasses.replace(
        flow, min_cut=flow.min_cut.iloc[::-1].reset_index(drop=True))
    assert moved.arrays["cut_codes"] is flow.arrays["cut_codes"]  # stale codes
    pd.testing.assert_frame_equal(min_cut_table(chain, moved),
                                  reference_table(chain, moved), check_exact=True)


def _other_id(chain, flow):
    """An id of the chain that is no end of a link of the cut."""
    ends = set(flow.min_cut["supplier"]) | set(flow.min_cut["buyer"])
    return next(i for i in chain.enterprises["id"] if i not in ends)


@pytest.mark.parametrize("change", ["loc", "iloc", "column", "other column", "update"])
def test_min_cut_table_sees_a_cut_changed_in_place(change):
    """A cut changed in place after the flow (any of its object columns, by label
    or position, replaced, or by ``DataFrame.update``) is not taken as the one the kept codes are
    for: the table still equals the reference built from its values."""
    chain = cg.datasets.load_example()
    flow = cg.max_flow(chain)
    cut, other = flow.min_cut, _other_id(chain, flow)
    row = int(np.flatnonzero(cut["element"].eq("link"))[0])  # a link: ids in both ends
    if change == "loc":
        cut.loc[row, "supplier"] = other
    elif change == "iloc":
        cut.iloc[row, cut.columns.get_loc("supplier")] = other
    elif change == "column":
        cut["supplier"] = cut["supplier"].where(cut.index != row, other)
    elif change == "other column":  # the buyer only: the supplier's block is shared
        cut.loc[row, "buyer"] = other
    else:
        cut.update(pd.DataFrame({"supplier": [other]}, index=[row]))
    table = min_cut_table(chain, flow)
    pd.testing.assert_frame_equal(table, reference_table(chain, flow), check_exact=True)
    assert other in set(table["supplier"]) | set(table["buyer"])


def test_min_cut_table_takes_an_untouched_cut_without_comparing_ids(monkeypatch):
    """The cut as the flow built it is known by its buffers (copy-on-write): its
    kept codes are used without comparing every id (pandas 3 and later)."""
    import chaingraph._report_cut as text

    if not text._copy_on_write():
        pytest.skip("pandas without copy-on-write compares the ids")
    chain = cg.datasets.load_example()
    flow = cg.max_flow(chain)
    monkeypatch.setattr(text, "_codes_match", lambda *a: pytest.fail("ids compared"))
    pd.testing.assert_frame_equal(min_cut_table(chain, flow),
                                  reference_table(chain, flow), check_exact=True)


def test_min_cut_table_trusts_kept_codes_only_for_the_flows_own_chain():
    """The cut's buffers vouch for the cut, not for the chain: with another chain
    (the same enterprises in reverse order) the ids are compared and looked up."""
    chain = cg.datasets.load_example()
    flow = cg.max_flow(chain)
    ent = chain.enterprises.iloc[::-1].reset_index(drop=True)
    other = cg.Chain.from_frames(ent, chain.links, meta=chain.meta)
    assert not np.array_equal(other.ids, chain.ids)
    pd.testing.assert_frame_equal(min_cut_table(other, flow),
                                  reference_table(other, flow), check_exact=True)



def test_min_cut_table_of_a_smaller_chain_holding_the_cut_looks_the_ids_up():
    """Another chain that holds every enterprise of the cut but fewer enterprises
    than the flow's: the flow's codes (which index its own chain) are not used
    there, not even to compare ids (they ran past the end: an IndexError)."""
    chain = cg.datasets.load_example()
    flow = cg.max_flow(chain)
    cut = flow.min_cut
    held = pd.unique(pd.concat([cut[c] for c in ("supplier", "buyer", "enterprise")])
                     .dropna().to_numpy(dtype=object))
    ent = chain.enterprises[chain.enterprises["id"].isin(held)].reset_index(drop=True)
    links = chain.links[chain.links["supplier"].isin(held) & chain.links["buyer"].isin(held)]
    other = cg.Chain.from_frames(ent, links.reset_index(drop=True), meta=chain.meta)
    codes = flow.arrays["cut_codes"]
    assert max(int(c.max()) for c in codes.values()) >= other.n_enterprises
    pd.testing.assert_frame_equal(min_cut_table(other, flow),
                                  reference_table(other, flow), check_exact=True)

def _reference_width(value):
    """The workbook's column width of a cell, character by character."""
    if isinstance(value, str):
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in value[:60]) + 2
    return len(f"{value:,.1f}") + 2 if isinstance(value, (int, float)) else 0



def _cells(values):
    """Values comparable across object and pyarrow columns (any missing: None)."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values]


@given(names=st.lists(st.one_of(st.none(), st.sampled_from(["", "  ", "电芯厂", " a "]),
                                st.text(max_size=3)), min_size=1, max_size=25),
       data=st.data())
def test_some_rows_of_a_text_column_are_those_rows_of_the_whole(names, data):
    """Chain.column_at, text_labels and labels_of of some rows (converted for those
    rows only) equal the whole column's (converted once) at those rows, for text
    stored as pyarrow and as objects, by positions and by mask."""
    from chaingraph.algorithms.common import labels_of
    from chaingraph.model.roles import text_labels

    n = len(names)
    codes = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n)),
                     dtype=np.int64)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    for dtype in ("str", object):
        ent = pd.DataFrame({"id": [f"e{i}" for i in range(n)],
                            "name": pd.Series(names, dtype=dtype)})
        links = pd.DataFrame({"supplier": ["e0"], "buyer": [f"e{n - 1}"]})

        def chain(ent=ent, links=links):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return cg.Chain.from_frames(ent, links, self_loops="keep")

        whole = chain()
        for rows in (codes, mask):
            assert _cells(chain().column_at("name", rows, default=None)) == _cells(
                whole.column("name", default=None)[rows])
            assert _cells(text_labels(chain(), "name", np.flatnonzero(rows) if
                                      rows.dtype == bool else rows)) == _cells(
                text_labels(whole, "name")[rows])
            assert labels_of(chain(), rows).tolist() == labels_of(whole)[rows].tolist()
        assert _cells(chain().column_at("region", codes, default=None)) == [None] * len(codes)


@given(st.one_of(st.text(max_size=90), st.text(alphabet=st.characters(
    min_codepoint=0x2E70, max_codepoint=0x2E90), max_size=70),
    st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**15, 10**15),
    st.none()))
def test_excel_cell_width_is_the_character_by_character_width(value):
    from chaingraph._report_excel import _width

    assert _width(value) == _reference_width(value)


_EXCEL_CELLS = st.one_of(
    st.text(max_size=90), st.text(alphabet=st.characters(min_codepoint=0x2E70,
                                                         max_codepoint=0x2E90), max_size=40),
    st.sampled_from(["铝", "电芯", "x" * 70]), st.floats(),
    st.integers(-10**15, 10**15), st.none())


@given(st.text(max_size=70), st.lists(_EXCEL_CELLS, max_size=30))
def test_excel_column_width_is_the_widest_cell(header, cells):
    """The column width measures each text once and only the extreme numbers:
    the same as measuring every cell."""
    from chaingraph._report_excel import _column_width, _width

    expected = min(60, max([6, _width(header), *(_width(v) for v in cells)]))
    assert _column_width(header, cells) == expected


@given(st.lists(st.one_of(st.none(), st.just(float("nan")), st.sampled_from(
    ["", "电芯厂", "a\x01b", "\ufffe", "x\ny"]), st.text(max_size=5), st.booleans(),
    st.integers(-5, 5), st.floats(allow_nan=False)), max_size=12),
       st.sampled_from(["object", "str"]), st.sampled_from(["zh", "en"]))
def test_excel_text_column_cells_are_those_of_each_cell(cells, dtype, lang):
    """A column of text and missing cells is written without a call per cell: the
    same values as :func:`_cell` of each (characters a sheet cannot hold replaced,
    missing as None), and any other column is written cell by cell."""
    from chaingraph._report_excel import _cell, _column_cells

    if dtype == "str" and not all(v is None or isinstance(v, str)
                                  or (isinstance(v, float) and v != v) for v in cells):
        dtype = "object"
    values = pd.Series(cells, dtype=dtype)
    assert _column_cells(values, 1.0, lang) == [_cell(v, 1.0, lang)
                                                for v in values.tolist()]


def test_labels_of_some_rows_do_not_depend_on_which_rows_came_first():
    """Equal names of different types (1.0 and 1) are labelled as in the whole column,
    whichever rows are asked for first (object text is cleaned whole, then indexed)."""
    from chaingraph.algorithms.common import labels_of

    ent = pd.DataFrame({"id": ["a", "b", "c"],
                        "name": pd.Series([1.0, 1, "x"], dtype=object)})
    links = pd.DataFrame({"supplier": ["a"], "buyer": ["c"]})

    def chain():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cg.Chain.from_frames(ent, links)

    assert labels_of(chain(), [1]).tolist() == labels_of(chain())[[1]].tolist()
