"""Shared hypothesis strategies for chains (import from tests: ``from strategies import ...``).

Every strategy draws *valid* chains unless it says otherwise:

* :func:`enterprise_ids` - id values (Chinese names, codes with leading zeros, ...).
* :func:`chain_frames` - ``(enterprises, links)`` DataFrames that
  ``Chain.from_frames`` accepts (unique ids, known link ends, no duplicate pairs, no
  self-loops unless asked, amounts finite and >= 0).
* :func:`chains` - the same as a validated :class:`chaingraph.Chain`.
* :func:`digraphs` - a ``networkx.DiGraph`` with enterprise / link attributes.
* :func:`dags` - acyclic digraphs (links only go from lower to higher position).
* :func:`messy_frames` - arbitrary, possibly invalid tables for fuzzing loaders.

Amount columns are either fully given or fully absent by default, so that building a
chain does not emit the ``ChainDataWarning`` about partially missing amounts (the
test suite turns warnings into errors); pass ``partial_amounts=True`` to allow NaN.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import strategies as st

import chaingraph as cg

__all__ = [
    "REGIONS",
    "SEGMENTS",
    "chain_frames",
    "chains",
    "dags",
    "digraphs",
    "enterprise_ids",
    "hostile_chains",
    "hostile_text",
    "messy_frames",
    "to_digraph",
]

#: Segment labels used when no template is given (stage classes of a generic chain).
SEGMENTS = ("原材料", "零部件", "电池", "整车", "销售")
#: Regions drawn for enterprises; "境外" counts as abroad.
REGIONS = ("本区", "邻市", "外省", "境外")

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
_ASCII = st.characters(min_codepoint=ord("a"), max_codepoint=ord("z"))


def enterprise_ids(kind: str | None = None) -> st.SearchStrategy:
    """Non-blank, stripped id strings.

    Parameters
    ----------
    kind : {"chinese", "code", "ascii", None}
        Chinese names (``"宁德材料"``), codes with leading zeros (``"007"``), short
        ASCII names, or any of them (None).
    """
    chinese = st.text(_CJK, min_size=2, max_size=6)
    code = st.integers(0, 10**6).map(lambda i: f"{i:07d}")
    ascii_ = st.text(_ASCII, min_size=1, max_size=5)
    options = {"chinese": chinese, "code": code, "ascii": ascii_}
    if kind is not None:
        return options[kind]
    return st.one_of(chinese, code, ascii_)


@st.composite
def chain_frames(
    draw: st.DrawFn,
    *,
    min_enterprises: int = 1,
    max_enterprises: int = 12,
    max_links: int | None = None,
    acyclic: bool = False,
    self_loops: bool = False,
    id_kind: str | None = None,
    segments: tuple[str, ...] | None = SEGMENTS,
    regions: tuple[str, ...] | None = REGIONS,
    amounts: bool = True,
    partial_amounts: bool = False,
    extra_columns: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw ``(enterprises, links)`` frames of a valid chain.

    Parameters
    ----------
    min_enterprises, max_enterprises : int
        Number of enterprises.
    max_links : int, optional
        At most this many links (default ``3 * n``).
    acyclic : bool
        Links go only from lower to higher row position (a DAG).
    self_loops : bool
        Allow links from an enterprise to itself.
    id_kind : str, optional
        See :func:`enterprise_ids`.
    segments, regions : tuple of str or None
        Values for the ``segment`` / ``region`` columns (None: no such column).
    amounts : bool
        Add ``output`` (enterprises) and ``volume`` (links) columns.
    partial_amounts : bool
        Let amounts be NaN in some rows (building a chain then warns).
    extra_columns : bool
        Add free-form columns (a Chinese text column, an int column, a bool column).

    Returns
    -------
    tuple of DataFrame
        Id columns have dtype object.
    """
    n = draw(st.integers(min_enterprises, max_enterprises))
    ids = draw(st.lists(enterprise_ids(id_kind), min_size=n, max_size=n, unique=True))
    ent: dict[str, Any] = {"id": pd.Series(ids, dtype=object)}
    ent["name"] = pd.Series([f"企业{i}" for i in ids], dtype=object)
    if segments:
        ent["segment"] = pd.Series(
            draw(st.lists(st.sampled_from(segments), min_size=n, max_size=n)), dtype=object)
    if regions:
        ent["region"] = pd.Series(
            draw(st.lists(st.sampled_from(regions), min_size=n, max_size=n)), dtype=object)
    amount = st.floats(0, 1e12, allow_nan=False, allow_infinity=False)
    if partial_amounts:
        amount = st.one_of(amount, st.just(math.nan))
    if amounts:
        ent["output"] = np.array(
            draw(st.lists(amount, min_size=n, max_size=n)), dtype=np.float64)
    if extra_columns:
        ent["备注"] = pd.Series(draw(st.lists(st.text(_CJK, max_size=4), min_size=n,
                                              max_size=n)), dtype=object)
        ent["employees"] = np.array(draw(st.lists(st.integers(0, 10**5), min_size=n,
                                                  max_size=n)), dtype=np.int64)
        ent["listed"] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                                 dtype=bool)
    enterprises = pd.DataFrame(ent)

    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    if acyclic:
        pairs = pairs.filter(lambda p: p[0] < p[1])
    elif not self_loops:
        pairs = pairs.filter(lambda p: p[0] != p[1])
    limit = 3 * n if max_links is None else max_links
    if n < 2 and not self_loops:
        chosen: list[tuple[int, int]] = []
    else:
        chosen = draw(st.lists(pairs, max_size=limit, unique=True))
    lk: dict[str, Any] = {
        "supplier": pd.Series([ids[u] for u, _ in chosen], dtype=object),
        "buyer": pd.Series([ids[v] for _, v in chosen], dtype=object),
    }
    m = len(chosen)
    if amounts:
        lk["volume"] = np.array(draw(st.lists(amount, min_size=m, max_size=m)),
                                dtype=np.float64)
    if extra_columns:
        lk["product"] = pd.Series(draw(st.lists(st.sampled_from(["电芯", "正极", "整车"]),
                                                min_size=m, max_size=m)), dtype=object)
    links = pd.DataFrame(lk)
    return enterprises, links


@st.composite
def chains(draw: st.DrawFn, **kwargs: Any) -> cg.Chain:
    """Draw a validated :class:`chaingraph.Chain` (keywords as :func:`chain_frames`)."""
    enterprises, links = draw(chain_frames(**kwargs))
    loops = "keep" if kwargs.get("self_loops") else "error"
    return cg.Chain.from_frames(enterprises, links, self_loops=loops,
                                meta={"name": "hypothesis chain"})


def to_digraph(enterprises: pd.DataFrame, links: pd.DataFrame) -> nx.DiGraph:
    """Build a DiGraph from frames (independently of ``Chain.to_networkx``)."""
    G = nx.DiGraph()
    for row in enterprises.to_dict("records"):
        node = row.pop("id")
        G.add_node(node, **{k: v for k, v in row.items()
                            if not (isinstance(v, float) and math.isnan(v))})
    for row in links.to_dict("records"):
        u, v = row.pop("supplier"), row.pop("buyer")
        G.add_edge(u, v, **{k: w for k, w in row.items()
                            if not (isinstance(w, float) and math.isnan(w))})
    return G


@st.composite
def digraphs(draw: st.DrawFn, **kwargs: Any) -> nx.DiGraph:
    """Draw a ``networkx.DiGraph`` chain (keywords as :func:`chain_frames`)."""
    return to_digraph(*draw(chain_frames(**kwargs)))


def dags(**kwargs: Any) -> st.SearchStrategy:
    """Draw an acyclic ``networkx.DiGraph`` chain (keywords as :func:`chain_frames`)."""
    return digraphs(acyclic=True, **kwargs)


# --- messy tables, for fuzzing loaders ----------------------------------------------------
_CELL = st.one_of(
    st.none(),
    st.just(""), st.just("  "), st.just("nan"), st.just("inf"), st.just("-1"),
    st.just("1,234.5"), st.just("12万"), st.just("3.5亿"), st.just("1.2e9"),
    st.just("007"), st.just("无"), st.just("TRUE"), st.just("=SUM(A1)"),
    st.text(max_size=6),
    st.text(_CJK, min_size=1, max_size=4),
    st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    # issue 13: units, currencies, huge and tiny numbers, datetimes, control characters
    st.sampled_from(["USD 5", "$5 million", "5万美元", "5百万", "1e308", "1e-320",
                     "1e101", "5 EUR", "¥8,000元", "a\x00b", "x\x1fy", "\r=1",
                     "@cmd", "+1", "ＡＢＣ公司", "ABC公司", "_x0041_"]),
    st.sampled_from([2**63 + 1, 2**70, -(2**63) - 1, 1e308, 5e-324, -0.0]),
    st.sampled_from([pd.NaT, pd.Timestamp("2024-01-02"), np.datetime64("NaT")]),
)
_COLUMN = st.one_of(
    st.sampled_from(["id", "name", "segment", "region", "output", "capacity", "supplier",
                     "buyer", "volume", "product", "企业名称", "所属环节", "供应商", "采购方",
                     "金额", "产值", "地区", "客户", "Unnamed: 0", "",
                     "金额（万美元）", "金额/万元", "产值(百万)", "金额（千万）", "a\x01"]),
    st.text(min_size=1, max_size=6),
)


@st.composite
def messy_frames(draw: st.DrawFn, *, max_rows: int = 8, ids: list[Any] | None = None
                 ) -> pd.DataFrame:
    """Draw an arbitrary table: random column names (Chinese too) and cell types.

    Parameters
    ----------
    max_rows : int
        At most this many rows.
    ids : list, optional
        Values that id-like columns often take (so that links sometimes resolve).

    Returns
    -------
    DataFrame
        Column dtype object; column names may repeat only if pandas allows them.
    """
    names = draw(st.lists(_COLUMN, min_size=0, max_size=6, unique=True))
    n = draw(st.integers(0, max_rows))
    cell = _CELL if not ids else st.one_of(_CELL, st.sampled_from(ids))
    data = {name: pd.Series(draw(st.lists(cell, min_size=n, max_size=n)), dtype=object)
            for name in names}
    return pd.DataFrame(data, index=range(n))


_RENAMES = {"id": ["企业名称", "企业", "名称", "ID"], "segment": ["所属环节", "环节"],
            "region": ["地区", "所在地"], "output": ["产值", "年产值（万元）"],
            "supplier": ["供应商", "供方", "from"], "buyer": ["采购方", "客户", "需方"],
            "volume": ["金额", "采购金额", "交易额"]}


@st.composite
def corrupted_frames(draw: st.DrawFn, *, max_cells: int = 3, **kwargs: Any
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Valid ``(enterprises, links)`` frames with a few cells messed up and columns
    renamed to aliases: for fuzzing the deep parts of validation.

    Up to ``max_cells`` cells (id, link end, amount or text) get a messy value (blank,
    ``"inf"``, ``"-1"``, ``"12万"``, an unknown id, a bool, ...); columns may be
    renamed to Chinese aliases (``企业名称``, ``供应商``, ``金额``, ...).
    """
    enterprises, links = draw(chain_frames(**kwargs))
    frames = [enterprises.astype(object), links.astype(object)]
    for _ in range(draw(st.integers(0, max_cells))):
        which = draw(st.integers(0, 1))
        frame = frames[which]
        if len(frame) == 0 or frame.shape[1] == 0:
            continue
        row = draw(st.integers(0, len(frame) - 1))
        col = draw(st.sampled_from(list(frame.columns)))
        frame.iat[row, frame.columns.get_loc(col)] = draw(_CELL)
    renamed = []
    for frame in frames:
        mapping = {c: draw(st.sampled_from(_RENAMES[c])) for c in frame.columns
                   if c in _RENAMES and draw(st.booleans())}
        renamed.append(frame.rename(columns=mapping))
    return renamed[0], renamed[1]


# --- hostile but valid chains, for write_chain -> read_chain round trips -------------------
#: Text that spreadsheets, XML and CSV treat specially (formulas, control characters,
#: our own escape marker, surrogate-free unicode, leading/trailing spaces).
_HOSTILE = st.one_of(
    st.sampled_from(['=HYPERLINK("http://evil.example","点击")', "+1", "-2", "@SUM(A1)",
                     "\t=1", "\r\n", "'quoted", "_x0041_", "a\x00b", "x\x1f\x7f",
                     "<b>粗</b>", "&amp;", "ＡＢＣ", "  padded  ", "\u3000全角", "None",
                     "nan", "TRUE", "007", "1e5", "[1, 2]", '{"a": 1}']),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6),
)


def hostile_text() -> st.SearchStrategy:
    """Non-blank text cells that try to become something else in some format."""
    return _HOSTILE.filter(lambda t: t.strip() != "")


_ID_VALUES = {
    "text": hostile_text().map(str.strip).filter(bool),
    "int": st.integers(-(2**63), 2**63 - 1),
    "uint": st.integers(0, 2**64 - 1),
    "bigint": st.integers(-(2**80), 2**80),
}


@st.composite
def hostile_chains(draw: st.DrawFn, *, max_enterprises: int = 6) -> cg.Chain:
    """A valid chain whose ids and attributes are hard to store and read back.

    Ids are hostile text, int64, uint64 or integers beyond 64 bits; enterprise and
    link attributes are text, floats (huge, tiny, NaN), integers, booleans,
    datetimes (with NaT) and categoricals, some under reserved-looking names
    (``value``, ``weight``, ``sector``, ``city``, ``sales``); self-loops allowed.
    """
    kind = draw(st.sampled_from(sorted(_ID_VALUES)))
    ids = draw(st.lists(_ID_VALUES[kind], min_size=1, max_size=max_enterprises,
                        unique_by=lambda v: v if kind != "text" else v.strip()))
    n = len(ids)
    if kind == "uint":
        id_column = pd.Series(np.array(ids, dtype=np.uint64))
    elif kind == "bigint":
        id_column = pd.Series(ids, dtype=object)
    else:
        id_column = pd.Series(ids)
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          max_size=2 * n, unique=True))
    names = draw(st.lists(st.sampled_from(["value", "weight", "sector", "city", "sales",
                                           "note", "数量", "x\x01", "备注 ", " ", "上游",
                                           "下游", "原环节名", "模板环节"]),
                          unique=True, max_size=3))
    ent = pd.DataFrame({"id": id_column})
    links = pd.DataFrame({"supplier": id_column.iloc[[p[0] for p in pairs]].reset_index(
        drop=True), "buyer": id_column.iloc[[p[1] for p in pairs]].reset_index(drop=True)})
    for frame in (ent, links):
        rows = len(frame)
        for name in names:
            frame[name] = draw(_attribute(rows))
    if len(links):
        links["volume"] = draw(st.lists(st.floats(0, 1e15), min_size=len(links),
                                        max_size=len(links)))
    return cg.Chain.from_frames(ent, links, self_loops="keep")


@st.composite
def _attribute(draw: st.DrawFn, rows: int) -> pd.Series:
    kind = draw(st.sampled_from(["text", "float", "int", "bool", "datetime", "category"]))
    if kind == "text":
        values = draw(st.lists(st.one_of(st.none(), hostile_text()), min_size=rows,
                               max_size=rows))
        return pd.Series(values, dtype=object)
    if kind == "float":
        return pd.Series(draw(st.lists(st.one_of(
            st.floats(allow_infinity=False, width=64), st.sampled_from(
                [1e300, 5e-324, -1e-300, 0.1, 1 / 3])), min_size=rows, max_size=rows)),
            dtype=np.float64)
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-(2**53), 2**53), min_size=rows,
                                       max_size=rows)), dtype=np.int64)
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)),
                         dtype=bool)
    if kind == "datetime":
        stamps = draw(st.lists(st.one_of(st.none(), st.datetimes(
            min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
            max_value=pd.Timestamp("2200-01-01").to_pydatetime())), min_size=rows,
            max_size=rows))
        return pd.Series(pd.to_datetime(stamps))
    labels = draw(st.lists(st.sampled_from(["甲", "乙", "=1", "c"]), min_size=rows,
                           max_size=rows))
    return pd.Series(pd.Categorical(labels))
