"""Validation shortcuts give the chain the slow path gives.

* ``Chain.from_frames(link_codes=...)``: codes a loader already looked up are a hint
  only; any hint (right, shuffled, out of range, all missing) gives exactly the chain
  built without one, for text, integer and object ids, with ``unknown="add"`` too.
* ``clean_ids`` says whether the ids are the cells as given (its flag decides
  whether a hint may be used).
* ``read_chain`` (which passes the hint) gives the chain ``from_frames`` gives.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.exceptions import ChainDataWarning
from chaingraph.model.idlookup import lookup
from chaingraph.model.validation import Collector, clean_ids


def _frames(kind: str, n: int = 60, m: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n) * 7 + 3
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    pairs = pd.DataFrame({"s": src[keep], "d": dst[keep]}).drop_duplicates()
    if kind == "text":
        label = np.array([f"E{i}" for i in ids], dtype=object)
        as_column = lambda values: pd.Series(values, dtype="str")  # noqa: E731
    elif kind == "integer":
        label = ids
        as_column = lambda values: pd.Series(values, dtype="int64")  # noqa: E731
    else:  # object ids mixing numbers and text
        label = np.array([i if i % 2 else f"E{i}" for i in ids], dtype=object)
        as_column = lambda values: pd.Series(values, dtype=object)  # noqa: E731
    enterprises = pd.DataFrame({"id": as_column(label), "output": rng.random(n)})
    links = pd.DataFrame({"supplier": as_column(label[pairs["s"].to_numpy()]),
                          "buyer": as_column(label[pairs["d"].to_numpy()]),
                          "volume": rng.random(len(pairs))})
    return enterprises, links


def _hints(enterprises, links, how: str, seed: int = 1):
    rng = np.random.default_rng(seed)
    right = {c: lookup(enterprises["id"], links[c]) for c in ("supplier", "buyer")}
    if how == "right":
        return right
    if how == "shuffled":
        return {c: rng.permutation(v) for c, v in right.items()}
    if how == "one_off":
        return {c: np.where(np.arange(len(v)) == 3, (v + 1) % len(enterprises), v)
                for c, v in right.items()}
    if how == "out_of_range":
        return {c: v + len(enterprises) for c, v in right.items()}
    if how == "missing":
        return {c: np.full(len(v), -1) for c, v in right.items()}
    if how == "short":
        return {c: v[:-1] for c, v in right.items()}
    raise AssertionError(how)


def _same(a: cg.Chain, b: cg.Chain) -> None:
    pd.testing.assert_frame_equal(a.enterprises, b.enterprises)
    pd.testing.assert_frame_equal(a.links, b.links)
    for x, y in zip(a.link_codes, b.link_codes, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kind", ["text", "integer", "object"])
@pytest.mark.parametrize("how", ["right", "shuffled", "one_off", "out_of_range",
                                 "missing", "short"])
def test_link_code_hints_never_change_the_chain(kind, how):
    enterprises, links = _frames(kind)
    plain = cg.Chain.from_frames(enterprises, links)
    hinted = cg.Chain.from_frames(enterprises, links,
                                  link_codes=_hints(enterprises, links, how))
    _same(plain, hinted)


@pytest.mark.parametrize("kind", ["text", "integer", "object"])
@pytest.mark.parametrize("how", ["right", "shuffled", "missing"])
def test_link_code_hints_with_added_enterprises(kind, how):
    enterprises, links = _frames(kind)
    known = enterprises.iloc[::3].reset_index(drop=True)  # many ends unknown
    hints = _hints(known, links, how)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = cg.Chain.from_frames(known, links, unknown="add")
        hinted = cg.Chain.from_frames(known, links, unknown="add", link_codes=hints)
    _same(plain, hinted)
    assert hinted.n_enterprises > len(known)


def test_link_code_hints_with_unknown_ends_report_the_same_problems():
    enterprises, links = _frames("text")
    known = enterprises.iloc[1:].reset_index(drop=True)
    messages = []
    for hints in (None, _hints(known, links, "right")):
        with pytest.raises(cg.ChainDataError) as err:
            cg.Chain.from_frames(known, links, link_codes=hints)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "unknown enterprise 'E3'" in messages[0]


@pytest.mark.parametrize("own", [False, True])
def test_link_code_hints_are_ignored_when_cleaning_changes_ids(own):
    from chaingraph.model.idlookup import OwnCodes

    enterprises, links = _frames("text")
    hints = _hints(enterprises, links, "right")
    hints = OwnCodes(hints) if own else hints
    spaced = links.assign(buyer=" " + links["buyer"].astype(object))
    spaced["buyer"] = spaced["buyer"].astype("str")
    # the hint says the spaced buyers are unknown: cleaning strips them, so it is
    # not used for that column
    hints["buyer"] = lookup(enterprises["id"], spaced["buyer"])
    assert (hints["buyer"] < 0).all()
    _same(cg.Chain.from_frames(enterprises, links),
          cg.Chain.from_frames(enterprises, spaced, link_codes=hints))


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize(("cells", "same"), [
    (["a", "b", "c"], True), (["a", " b", "c"], False), (["a", "", "c"], False),
    (["a", None, "c"], False), (["a", "b\u3000", "c"], False)])
def test_clean_ids_says_whether_ids_are_as_given(dtype, cells, same):
    out = Collector("t", None, {})
    values, flag = clean_ids(pd.Series(cells, dtype=dtype), "id", out)
    assert flag is (same and dtype == "str")
    assert [None if pd.isna(v) else v for v in values] == [
        None if c is None or not c.strip() else c.strip() for c in cells]
    assert bool(out.problems) is any(c is None or not c.strip() for c in cells)


def test_clean_ids_integer_ids_are_as_given():
    out = Collector("t", None, {})
    given = pd.Series([5, 3, 9], dtype="int64")
    values, flag = clean_ids(given, "id", out)
    assert flag is True and values.tolist() == [5, 3, 9]
    values[0] = 0  # a copy: the caller's column is not aliased
    assert given.tolist() == [5, 3, 9]


@pytest.mark.parametrize("names", [False, True])
def test_read_chain_parquet_matches_from_frames(tmp_path, names):
    pytest.importorskip("pyarrow")
    enterprises, links = _frames("text", n=200, m=800, seed=3)
    if names:
        enterprises["name"] = "企业" + enterprises["id"].astype(object)
        links.loc[::7, "buyer"] = "企业" + links.loc[::7, "buyer"].astype(object)
    enterprises.to_parquet(tmp_path / "e.parquet")
    links.to_parquet(tmp_path / "l.parquet")
    read = cg.read_chain(tmp_path / "e.parquet", tmp_path / "l.parquet")
    if names:
        assert read.meta["load_log"]["by_name"] == len(links.loc[::7])
    else:
        direct = cg.Chain.from_frames(pd.read_parquet(tmp_path / "e.parquet"),
                                      pd.read_parquet(tmp_path / "l.parquet"))
        pd.testing.assert_frame_equal(read.links, direct.links)
        pd.testing.assert_frame_equal(read.enterprises, direct.enterprises)
    expected = [lookup(read.enterprises["id"], read.links[c].astype(object))
                for c in ("supplier", "buyer")]
    for got, want in zip(read.link_codes, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["text", "integer"])
def test_right_hints_are_used(monkeypatch, kind):
    import chaingraph.model.idlookup as validation

    enterprises, links = _frames(kind)
    hints = _hints(enterprises, links, "right")
    calls = []
    real = validation.lookup
    monkeypatch.setattr(validation, "lookup",
                        lambda ids, targets: calls.append(len(targets)) or real(ids, targets))
    cg.Chain.from_frames(enterprises, links, link_codes=hints)
    assert calls == []  # checked, not looked up again
    cg.Chain.from_frames(enterprises, links)
    assert calls == [len(links), len(links)]


@pytest.mark.parametrize("kind", ["text", "integer", "object"])
def test_a_loaders_own_codes_are_taken_unchecked(monkeypatch, kind):
    """OwnCodes (a loader's lookup on the cells it passes on) skip the check a
    caller's hints get, and give the chain built without them."""
    import chaingraph.model.idlookup as idlookup

    enterprises, links = _frames(kind)
    checked = []
    real = idlookup.points_at
    monkeypatch.setattr(idlookup, "points_at",
                        lambda *args: checked.append(1) or real(*args))
    plain = cg.Chain.from_frames(enterprises, links)
    own = idlookup.OwnCodes(_hints(enterprises, links, "right"))
    _same(plain, cg.Chain.from_frames(enterprises, links, link_codes=own))
    assert checked == []
    _same(plain, cg.Chain.from_frames(enterprises, links,
                                      link_codes=_hints(enterprises, links, "right")))
    # object ids are never "as given" (clean_ids): no hint is used for them at all
    assert checked == ([] if kind == "object" else [1, 1])
    assert set(own) == {"supplier", "buyer"}  # the caller's mapping is left as it was


def test_a_callers_hint_arrays_are_copied_not_kept():
    enterprises, links = _frames("integer")
    hints = _hints(enterprises, links, "right")
    given = {c: v.copy() for c, v in hints.items()}
    chain = cg.Chain.from_frames(enterprises, links, link_codes=hints)
    for c in ("supplier", "buyer"):
        assert hints[c].flags.writeable
        hints[c][:] = -7  # the chain's codes do not change with the caller's array
    for got, col in zip(chain.link_codes, ("supplier", "buyer"), strict=True):
        np.testing.assert_array_equal(got, given[col])


def test_read_chain_looks_each_link_column_up_once(monkeypatch, tmp_path):
    pytest.importorskip("pyarrow")
    import chaingraph.model.idlookup as validation

    enterprises, links = _frames("text", n=100, m=400, seed=4)
    enterprises["name"] = "企业" + enterprises["id"].astype(object)
    enterprises.to_parquet(tmp_path / "e.parquet")
    links.to_parquet(tmp_path / "l.parquet")
    calls = []
    real = validation.lookup

    def counted(ids, targets):
        calls.append(len(targets))
        return real(ids, targets)

    monkeypatch.setattr(validation, "lookup", counted)
    serial = cg.read_chain(tmp_path / "e.parquet", tmp_path / "l.parquet")
    assert calls == [len(links), len(links)]
    # the same with both columns looked up on two threads
    monkeypatch.setattr(validation, "PARALLEL_LOOKUP_ROWS", 1)
    threaded = cg.read_chain(tmp_path / "e.parquet", tmp_path / "l.parquet")
    assert calls == [len(links)] * 4
    _same(serial, threaded)


def test_lookup_all_on_threads_matches_lookup(monkeypatch):
    import chaingraph.model.idlookup as validation

    enterprises, links = _frames("text", n=300, m=3000, seed=5)
    targets = [links["supplier"], links["buyer"], links["buyer"].iloc[::-1]]
    serial = validation.lookup_all(enterprises["id"], targets)
    monkeypatch.setattr(validation, "PARALLEL_LOOKUP_ROWS", 1)
    threaded = validation.lookup_all(enterprises["id"], targets)
    for a, b, t in zip(serial, threaded, targets, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, lookup(enterprises["id"], t))


_IDS = st.lists(st.sampled_from(["a", "b", "链", " a", "a ", "", "\u3000", "e1", "e10",
                                  "\x00", "ab"]), max_size=4).map("".join)


@given(ids=st.lists(_IDS, min_size=1, max_size=30, unique=True),
       targets=st.lists(st.one_of(_IDS, st.none()), max_size=12))
def test_scan_positions_matches_the_hash_table(ids, targets):
    """The scan of pyarrow text ids gives pd.Index.get_indexer's positions: absent
    text, None, repeated targets, blank, space-only and NUL-bearing text."""
    from chaingraph.model.idlookup import scan_positions

    column = pd.Series(ids, dtype=pd.StringDtype("pyarrow"))
    expected = pd.Index(ids, dtype=object).get_indexer(pd.Index(targets, dtype=object))
    got = scan_positions(column, targets)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_lookup_codes_scans_a_few_times_then_uses_the_hash_table(monkeypatch):
    """Chain.lookup_codes: few text ids (forced here on the example) are found by a
    scan, SCAN_CALLS times, then by the hash table; the codes are those of
    pd.Index.get_indexer either way (absent, None, repeated, not UTF-8)."""
    import chaingraph.model.chain as chain_module

    chain = cg.datasets.load_example()
    ids = chain.enterprises["id"].tolist()
    monkeypatch.setattr(chain_module, "SCAN_MIN_ENTERPRISES", 1)
    monkeypatch.setattr(chain_module, "SCAN_SHARE", 1)
    scans = []
    real = chain_module.scan_positions
    monkeypatch.setattr(chain_module, "scan_positions",
                        lambda column, targets: scans.append(1) or real(column, targets))
    asks = [[ids[3], "nobody", None, ids[3], ids[-1]], ids[::7],
            np.asarray([None, ids[5]], dtype=object), [], [ids[2]]]
    odd = ["\ud800", ids[0]]  # not UTF-8: the scan gives up, the hash table answers

    def check(chain, targets):
        got = chain.lookup_codes(targets)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(
            got, chain.index.get_indexer(pd.Index(targets, dtype=object)))

    for k in range(2 * chain_module.SCAN_CALLS):
        check(chain, asks[k % len(asks)])
        assert len(scans) == min(k + 1, chain_module.SCAN_CALLS)
    check(chain, odd)
    assert len(scans) == chain_module.SCAN_CALLS
    fresh = cg.datasets.load_example()
    check(fresh, odd)
    check(fresh, asks[0])
    assert len(scans) == chain_module.SCAN_CALLS + 1  # tried once; hashed from then on


def _text_chain(cells: list) -> cg.Chain:
    n = len(cells)
    enterprises = pd.DataFrame({"id": pd.Series([f"e{i}" for i in range(n)], dtype="str"),
                                "region": pd.Series(cells, dtype="str"),
                                "name": pd.Series(cells, dtype=object)})
    links = pd.DataFrame({"supplier": pd.Series(["e0"], dtype="str"),
                          "buyer": pd.Series(["e1"], dtype="str")})
    return cg.Chain.from_frames(enterprises, links)


@pytest.mark.parametrize("cells", [
    ["a", "b", "a", "c"], ["a", None, " ", "\u3000", "b ", " a", "", "\t\n"],
    ["x", "\u00a0", "\u2028y", "\x1c", "\u200b"]])
def test_text_labels_of_pyarrow_text_match_clean_labels(cells):
    from chaingraph.model.roles import clean_labels, text_labels

    chain = _text_chain(cells)
    assert chain.enterprises["region"].dtype.storage == "pyarrow"
    expected = clean_labels(chain.column("region", default=None))
    assert text_labels(chain, "region").tolist() == expected.tolist()
    # an object column takes the general path; a missing column is all None
    assert text_labels(chain, "name").tolist() == expected.tolist()
    assert text_labels(chain, "segment").tolist() == [None] * len(cells)


def test_pyarrow_whitespace_is_python_whitespace():
    """text_labels trusts pyarrow's trimming to blank the cells str.strip blanks."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array(chars))
    arrow_blank = pc.equal(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)
    python_blank = np.array([not c.strip() for c in chars])
    assert [hex(ord(c)) for c in np.array(chars)[arrow_blank != python_blank]] == []


@pytest.mark.parametrize("region", ["南沙", ["南沙", "b"], "nowhere"])
def test_focal_mask_of_pyarrow_text_matches_object_column(region):
    from chaingraph.model.roles import focal_mask

    cells = ["南沙", None, "b", "南沙 ", "南沙"]
    chain = _text_chain(cells)
    as_object = chain.with_tables(
        enterprises=chain.enterprises.assign(region=pd.Series(cells, dtype=object)))
    assert as_object.enterprises["region"].dtype == object
    results = []
    for c in (chain, as_object):
        try:
            results.append(focal_mask(c, region).tolist())
        except ValueError as err:
            results.append(str(err))
    assert results[0] == results[1]


@pytest.mark.parametrize("dtype", ["str", pd.StringDtype("pyarrow"), object])
def test_column_of_few_distinct_texts_is_the_plain_conversion(dtype):
    """Chain.column converts low-cardinality pyarrow text through its distinct values."""
    n = 30_000
    rng = np.random.default_rng(6)
    regions = np.array(["南沙", "番禺", None, " 天河", "越秀"], dtype=object)[
        rng.integers(0, 5, n)]
    names = np.array([f"企业{i}" if i % 97 else None for i in range(n)], dtype=object)
    enterprises = pd.DataFrame({"id": pd.Series([f"e{i}" for i in range(n)], dtype="str"),
                                "region": pd.Series(regions, dtype=dtype),
                                "name": pd.Series(names, dtype=dtype)})
    links = pd.DataFrame({"supplier": ["e0"], "buyer": ["e1"]})
    chain = cg.Chain.from_frames(enterprises, links)
    for column in ("region", "name"):
        got = chain.column(column, default=None)
        want = chain.enterprises[column].to_numpy(dtype=object)
        assert got.dtype == object and not got.flags.writeable
        assert [type(v) for v in got] == [type(v) for v in want]
        assert pd.Series(got, dtype=object).equals(pd.Series(want, dtype=object))


def test_summed_duplicate_links_are_named():
    """duplicates='sum' merged rows without a word, and a blank amount beside a given
    one was summed silently (an analyst's review)."""
    links = pd.DataFrame({"供应商": ["甲", "甲", "丙", "丙", "乙"],
                          "采购方": ["乙", "乙", "丁", "丁", "丙"],
                          "金额": [5, None, "1万", "2万", 3]})
    with pytest.warns(ChainDataWarning, match=r"4 rows are 2 duplicate links") as caught:
        chain = cg.read_chain(links=links, duplicates="sum")
    message = str(caught[0].message)
    assert "row 0 + row 1 ('甲' -> '乙')" in message and "row 2 + row 3" in message
    assert "1 of them has '金额' on some rows only" in message
    assert chain.links["volume"].tolist() == [5.0, 30_000.0, 3.0]


def test_ids_that_are_names_match_other_spellings_with_a_warning():
    """With only 企业名称 (names as ids), a link end in another spelling became a
    phantom outside enterprise (an analyst's review); now it is matched and named."""
    ent = pd.DataFrame({"企业名称": ["甲科技（深圳）有限公司", "乙电池有限公司",
                                     "丙 汽车有限公司", "ＡＢＣ公司"],
                        "所在区域": ["示范区"] * 4})
    links = pd.DataFrame({"供应商": ["甲科技(深圳)有限公司", "乙电池有限公司", "ABC公司"],
                          "采购方": ["乙电池有限公司", "丙汽车有限公司", "乙电池有限公司"]})
    with pytest.warns(ChainDataWarning, match="3 link ends name an enterprise in another "
                      "spelling") as caught:
        chain = cg.read_chain(ent, links, unknown="add")
    assert chain.n_enterprises == 4  # nothing added
    assert "row 1 采购方 '丙汽车有限公司' -> '丙 汽车有限公司'" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_link_ends_take_the_dtype_of_the_ids_they_name():
    """Integer ids typed as text in the links ('1001') were unknown; float ends (1.0)
    were kept beside integer ids, and graph files then refused the chain."""
    ent = pd.DataFrame({"企业编号": [1001, 1002, 1003], "企业名称": ["a", "b", "c"]})
    links = pd.DataFrame({"供应商": ["1001", "1002"], "采购方": ["1002", "c"]})
    chain = cg.read_chain(ent, links)
    assert chain.links["supplier"].tolist() == [1001, 1002]
    assert chain.links["buyer"].dtype == chain.enterprises["id"].dtype == np.int64
    floats = cg.Chain.from_frames(pd.DataFrame({"id": [1, 2, 3]}),
                                  pd.DataFrame({"supplier": [1.0, 2.0], "buyer": [2.0, 3.0]}))
    assert floats.links["supplier"].dtype == np.int64


def test_duplicate_rows_are_named_as_in_the_file_after_self_loops_are_dropped(tmp_path):
    """Rows were off by the number of self-loops dropped before them (a reviewer's
    probe)."""
    (tmp_path / "e.csv").write_text("id\na\nb\nc\n", encoding="utf-8")
    (tmp_path / "l.csv").write_text(
        "supplier,buyer,volume\nc,c,1\nb,b,2\na,b,5\nb,c,1\na,b,\n", encoding="utf-8")
    with pytest.warns(ChainDataWarning, match=r"row 4 \+ row 6 \('a' -> 'b'\)"):
        cg.read_chain(tmp_path / "e.csv", tmp_path / "l.csv", self_loops="drop",
                      duplicates="sum")
    with pytest.raises(cg.ChainDataError) as err:
        cg.read_chain(tmp_path / "e.csv", tmp_path / "l.csv", self_loops="drop")
    assert [(p.row, p.column) for p in err.value.problems] == [(6, "buyer")]
    assert "first in row 4" in err.value.problems[0].message
