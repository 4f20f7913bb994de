"""Fuzz every loader: any table gives a valid Chain or a ChainDataError, nothing else."""

from __future__ import annotations

import json
import math
import re
import tempfile
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import corrupted_frames, messy_frames

import chaingraph as cg
from chaingraph.exceptions import ChainDataError, ChainDataWarning
from chaingraph.readwrite import read_chain, read_chain_graph

IDS = ["a", "b", "007", "宁德", " a ", "", 7, 7.0]
#: A pair of tables: arbitrary ones, or a valid chain with a few cells messed up.
PAIRS = st.one_of(st.tuples(messy_frames(ids=IDS), messy_frames(ids=IDS)),
                  corrupted_frames(max_enterprises=6))


def fuzz(examples: int) -> settings:
    """Settings of one fuzz test (``examples`` inputs)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=list(HealthCheck))



OPTIONS = st.fixed_dictionaries({
    "unknown": st.sampled_from(["error", "add"]),
    "self_loops": st.sampled_from(["error", "keep", "drop"]),
    "duplicates": st.sampled_from(["error", "sum"]),
})
MAPPINGS = st.one_of(st.none(), st.dictionaries(
    st.sampled_from(["企业名称", "供应商", "金额", "x", "id", "采购方"]),
    st.sampled_from(["id", "supplier", "buyer", "volume", "output", "segment"]),
    max_size=3))


def check_invariants(chain: cg.Chain, self_loops: str) -> None:
    """The Chain invariants every loader must guarantee."""
    ent, lk = chain.enterprises, chain.links
    ids = ent["id"].tolist()
    assert len(set(ids)) == len(ids)
    for v in ids:
        assert v is not None and not (isinstance(v, float) and math.isnan(v))
        assert not (isinstance(v, str) and not v.strip())
    known = set(ids)
    pairs = list(zip(lk["supplier"], lk["buyer"], strict=True))
    assert all(s in known and b in known for s, b in pairs)
    assert len(set(pairs)) == len(pairs)
    if self_loops != "keep":
        assert all(s != b for s, b in pairs)
    for frame, cols in ((ent, ("output", "capacity")), (lk, ("volume", "capacity"))):
        for col in cols:
            if col in frame.columns:
                values = frame[col].to_numpy(dtype=np.float64)
                assert frame[col].dtype == np.float64
                assert not np.isinf(values).any() and not (values < 0).any()
    src, dst = chain.link_codes
    assert (src >= 0).all() and (dst >= 0).all()
    assert chain.structure.shape == (chain.n_enterprises, chain.n_enterprises)


def load_or_reject(loader, options) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChainDataWarning)
        try:
            chain = loader()
        except ChainDataError as err:
            assert err.problems and all(str(p) for p in err.problems)
            event("rejected with ChainDataError")
            return
    event("valid chain")
    check_invariants(chain, options["self_loops"])


# --- DataFrames ----------------------------------------------------------------------------
@fuzz(100)
@given(pair=PAIRS, drop=st.booleans(), options=OPTIONS, columns=MAPPINGS)
def test_fuzz_dataframes(pair, drop, options, columns):
    ent, lk = (None, pair[1]) if drop else pair
    load_or_reject(lambda: read_chain(ent, lk, columns=columns, **options), options)


@fuzz(100)
@given(lk=messy_frames(ids=IDS), ent_ids=st.lists(st.sampled_from(IDS), max_size=6),
       options=OPTIONS)
def test_fuzz_dataframes_with_id_tables(lk, ent_ids, options):
    """Tables that have the required columns, so validation goes deep."""
    lk = lk.copy()
    n = len(lk)
    for col in ("supplier", "buyer"):
        if col not in lk.columns:
            lk[col] = pd.Series([IDS[i % len(IDS)] for i in range(n)], dtype=object)
    ent = pd.DataFrame({"id": pd.Series(ent_ids, dtype=object)})
    load_or_reject(lambda: read_chain(ent, lk, **options), options)


# --- files ----------------------------------------------------------------------------------
def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="cgfuzz"))


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    def clean(v):
        if isinstance(v, str):
            return _ILLEGAL.sub("?", v)
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        return v
    out = frame.map(clean) if len(frame) else frame
    out.columns = [_ILLEGAL.sub("?", str(c)) or "blank" for c in out.columns]
    return out.loc[:, ~out.columns.duplicated()]


@fuzz(60)
@given(pair=PAIRS, options=OPTIONS, sep=st.sampled_from([",", "\t"]),
       encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_fuzz_csv(pair, options, sep, encoding):
    ent, lk = pair
    folder, suffix = _tmp(), ".csv" if sep == "," else ".tsv"
    paths = []
    for name, frame in (("e", ent), ("l", lk)):
        path = folder / f"{name}{suffix}"
        try:
            frame.to_csv(path, sep=sep, index=False, encoding=encoding)
        except UnicodeEncodeError:
            frame.to_csv(path, sep=sep, index=False, encoding="utf-8")
        paths.append(path)
    load_or_reject(lambda: read_chain(*paths, **options), options)


@fuzz(60)
@given(data=st.binary(max_size=200), suffix=st.sampled_from(
    [".csv", ".tsv", ".txt", ".json", ".xlsx", ".parquet", ".graphml", ".gexf"]))
def test_fuzz_random_bytes(data, suffix):
    path = _tmp() / f"x{suffix}"
    path.write_bytes(data)
    load_or_reject(lambda: read_chain(path), {"self_loops": "error"})
    load_or_reject(lambda: read_chain(links=path), {"self_loops": "error"})


@fuzz(15)
@given(pair=PAIRS, options=OPTIONS, one_book=st.booleans())
def test_fuzz_excel(pair, options, one_book):
    ent, lk = pair
    folder = _tmp()
    ent, lk = _excel_safe(ent), _excel_safe(lk)
    if one_book:
        path = folder / "book.xlsx"
        with pd.ExcelWriter(path) as writer:
            ent.to_excel(writer, sheet_name="企业", index=False)
            lk.to_excel(writer, sheet_name="供应关系", index=False)
        load_or_reject(lambda: read_chain(path, **options), options)
        return
    paths = [folder / "e.xlsx", folder / "l.xlsx"]
    ent.to_excel(paths[0], index=False)
    lk.to_excel(paths[1], index=False)
    load_or_reject(lambda: read_chain(*paths, **options), options)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(),
              st.sampled_from(IDS[:5]), st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["id", "supplier", "buyer", "volume", "links",
                                 "enterprises", "nodes", "edges", "format", "schema",
                                 "meta", "source", "target", "output"]), inner,
                                max_size=5)),
    max_leaves=25)


@fuzz(80)
@given(data=JSON, pair=PAIRS, options=OPTIONS, tagged=st.booleans())
def test_fuzz_json(data, pair, options, tagged):
    ent, lk = pair
    folder = _tmp()
    (folder / "x.json").write_text(json.dumps(data), encoding="utf-8")
    load_or_reject(lambda: read_chain(folder / "x.json", **options), options)
    records = {"enterprises": ent.to_dict("records"), "links": lk.to_dict("records")}
    if tagged:
        records |= {"format": "chaingraph", "schema": {"links": {"volume": "integer"}}}
    (folder / "y.json").write_text(json.dumps(records, default=str), encoding="utf-8")
    load_or_reject(lambda: read_chain(folder / "y.json", **options), options)


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        series = frame[col]
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in ("integer", "floating", "mixed-integer-float"):
            out[str(col)] = pd.to_numeric(series, errors="coerce")
        elif kind in ("string", "empty", "boolean"):
            out[str(col)] = series
        else:
            out[str(col)] = series.map(lambda v: None if v is None else str(v))
    return out


@fuzz(40)
@given(pair=PAIRS, options=OPTIONS)
def test_fuzz_parquet(pair, options):
    ent, lk = pair
    folder = _tmp()
    paths = [folder / "e.parquet", folder / "l.parquet"]
    _parquet_safe(ent).to_parquet(paths[0], index=False)
    _parquet_safe(lk).to_parquet(paths[1], index=False)
    load_or_reject(lambda: read_chain(*paths, **options), options)


ATTR = st.one_of(st.text(max_size=4).map(lambda s: _ILLEGAL.sub("", s)),
                 st.floats(), st.integers(-5, 5), st.booleans())


@fuzz(40)
@given(edges=st.lists(st.tuples(st.sampled_from(["a", "b", "007", "宁德"]),
                                st.sampled_from(["a", "b", "007", "宁德"]),
                                st.dictionaries(st.sampled_from(
                                    ["volume", "weight", "product", "capacity", "x"]),
                                    ATTR, max_size=3)), max_size=6),
       nodes=st.dictionaries(st.sampled_from(["a", "b", "007", "宁德"]),
                             st.dictionaries(st.sampled_from(
                                 ["output", "segment", "region", "y"]), ATTR,
                                 max_size=3), max_size=4),
       fmt=st.sampled_from(["graphml", "gexf"]), multi=st.booleans(), options=OPTIONS)
def test_fuzz_graph_files(edges, nodes, fmt, multi, options):
    G = nx.MultiDiGraph() if multi and fmt == "graphml" else nx.DiGraph()
    for node, attrs in nodes.items():
        G.add_node(node, **attrs)
    for u, v, attrs in edges:
        G.add_edge(u, v, **attrs)
    path = _tmp() / f"g.{fmt}"
    try:
        (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(G, path)
    except (nx.NetworkXError, ValueError, TypeError, KeyError):
        return  # networkx cannot write this graph: nothing to read
    load_or_reject(lambda: read_chain_graph(path, **options), options)


# --- the vectorised amount parser agrees with the one-cell parser ---------------------------
AMOUNT_TEXT = st.one_of(
    st.text(alphabet="0123456789.,-+eE 万亿元￥kmb_xn\t١２", max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["nan", "inf", "-inf", "Infinity", "1e500", "", " ", "-", "无"]),
)


@fuzz(300)
@given(cells=st.lists(st.one_of(AMOUNT_TEXT, st.none()), max_size=6),
       scale=st.sampled_from([1.0, 1e4]), as_str=st.booleans())
def test_parse_amounts_matches_parse_amount(cells, scale, as_str):
    """Whole-column parsing (vectorised for text columns) = cell-by-cell parsing."""
    column = pd.Series(cells, dtype="str" if as_str else object)
    parsed, bad = cg.parse_amounts(column, scale=scale)
    bad_at = {i for i, _ in bad}
    for i, cell in enumerate(column.tolist()):
        try:
            expected = cg.parse_amount(cell, scale=scale)
        except ValueError:
            assert i in bad_at and math.isnan(parsed[i])
            continue
        assert i not in bad_at
        assert (math.isnan(parsed[i]) and math.isnan(expected)) or parsed[i] == expected
