"""Cross-cutting API conventions (STYLE.md, "Tests"): every public finder and callable.

For each ``find_*`` in ``chaingraph.__all__``, on the bundled example (with the
``nev`` template and its focal region) and on a small hand-made networkx DiGraph:
the result is a DataFrame with ``score`` and ``explanation`` columns, sorted by
score descending; ``top=k`` gives the first ``k`` rows of the full result; the
columns listed in the docstring's Returns section exist; the input is not
mutated; the result is deterministic; and the DiGraph and Chain forms agree.
Every public callable has a numpydoc docstring with Parameters, Returns (or
Attributes for classes) and doctest Examples.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg

REGION = "明湾示范区"
FINDERS = sorted(n for n in cg.__all__ if n.startswith("find_"))
CALLABLES = sorted(n for n in cg.__all__ if callable(getattr(cg, n)))


# ----------------------------------------------------------------- inputs
def _small_graph() -> nx.DiGraph:
    """A 12-enterprise NEV chain: two regions, volumes, outputs, a single source."""
    G = nx.DiGraph(name="small test chain", unit="yuan")
    nodes = {  # id: (segment, region, output)
        "li": ("lithium_salts", "境外", 9e8),
        "li2": ("lithium_salts", REGION, 2e8),
        "cat": ("cathode", REGION, 6e8),
        "cat2": ("cathode", "东湾省其他市", 3e8),
        "gra": ("graphite", "国内其他省份", 1e8),
        "ano": ("anode", REGION, 2e8),
        "chem": ("basic_chemicals", REGION, 1e8),
        "sep": ("separator", REGION, 5e7),
        "cell": ("battery_cell", REGION, 1.2e9),
        "pack": ("battery_pack", REGION, 1.5e9),
        "car": ("vehicle_assembly", REGION, 4e9),
        "car2": ("vehicle_assembly", "境外", 2e9),
    }
    for node, (segment, region, output) in nodes.items():
        G.add_node(node, name=f"{node} 有限公司", segment=segment, region=region,
                   output=output, capacity=output * 1.2)
    links = [("li", "cat", 3e8), ("li2", "cat", 1e8), ("li", "cat2", 2e8),
             ("gra", "ano", 8e7), ("chem", "sep", 4e7), ("cat", "cell", 5e8),
             ("cat2", "cell", 2e8), ("ano", "cell", 1.5e8), ("sep", "cell", 4e7),
             ("cell", "pack", 9e8), ("pack", "car", 1.2e9), ("pack", "car2", 2e8)]
    for u, v, volume in links:
        G.add_edge(u, v, volume=volume, capacity=volume * 1.5)
    return G


_EXAMPLE: dict[str, Any] = {}


def _example() -> tuple[cg.Chain, nx.DiGraph]:
    if not _EXAMPLE:
        chain = cg.load_example()
        _EXAMPLE.update(chain=chain, graph=chain.to_networkx())
    return _EXAMPLE["chain"], _EXAMPLE["graph"]


# The finder contract (docs/api.md, "Finder contract") has no exceptions: G is the
# only positional argument; everything else, ``template`` included, is keyword-only.
POSITIONAL: dict[str, tuple[str, ...]] = {}
# Required keyword arguments of some finders (a small table; "template" = nev).
REQUIRED_KW: dict[str, tuple[str, ...]] = {
    "find_segment_coverage": ("template",),
    "find_missing_segments": ("template",),
    "find_broken_links": ("template",),
    "find_extension_candidates": ("template",),
    "find_target_enterprises": ("segment",),
}
TARGET_SEGMENT = {"example": "battery_cell", "small": "cathode"}
# Keywords that make a finder cheap on the 406-enterprise example.
EXTRA_KW: dict[str, dict[str, Any]] = {"find_systemic_risk": {"explain": 3}}


def _call(name: str, G: Any, dataset: str, **kwargs: Any) -> pd.DataFrame:
    func = getattr(cg, name)
    params = inspect.signature(func).parameters
    template = cg.load_template("nev")
    if "segment" in REQUIRED_KW.get(name, ()):
        kwargs.setdefault("segment", TARGET_SEGMENT[dataset])
    if "region" in params:
        kwargs.setdefault("region", REGION)
    if "template" in params:
        kwargs.setdefault("template", template)
    kwargs = {**EXTRA_KW.get(name, {}), **kwargs}
    return func(G, **kwargs)


def _inputs(dataset: str) -> tuple[cg.Chain, nx.DiGraph]:
    if dataset == "example":
        return _example()
    G = _small_graph()
    return cg.as_chain(G), G


_RESULTS: dict[tuple[str, str, str], pd.DataFrame] = {}


def _result(name: str, dataset: str, form: str) -> pd.DataFrame:
    """The finder's default result (cached: several tests inspect the same one)."""
    key = (name, dataset, form)
    if key not in _RESULTS:
        chain, G = _inputs(dataset)
        _RESULTS[key] = _call(name, chain if form == "chain" else G, dataset)
    return _RESULTS[key]


DATASETS = ["example", "small"]

# Known inconsistencies in modules this test's author may not edit, each with its
# owner. xfail is strict: once fixed, the test passes, xpasses, and this entry must go.
KNOWN: dict[tuple[str, str], str] = {}


def _known(request: pytest.FixtureRequest, name: str) -> None:
    """Mark a known, owned inconsistency as a strict xfail."""
    reason = KNOWN.get((request.function.__name__, name))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


# ---------------------------------------------------------- docstring parsing
def _section(doc: str, title: str) -> str | None:
    """The text of a numpydoc section (None when absent)."""
    doc = inspect.cleandoc(doc)
    match = re.search(rf"^{title}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M)
    return match.group(1) if match else None


def _listed_columns(doc: str, params: set[str]) -> tuple[set[str], set[str], set[str]]:
    """Columns a Returns section lists: (required, optional, patterns).

    Loose parse: ``name`` literals and ``name :`` entries. ``attrs[...]`` keys,
    quoted values (``by="..."``) and input columns ("the chain's ``x`` column",
    "an ``x`` column") are not result columns. Names in ``[...]`` and names that
    are also parameters (``top_targets``, ``region``) may be columns but need not
    be; ``*_x`` is a pattern.
    """
    block = _section(doc, "Returns") or ""
    block = re.sub(r"attrs\[[^\]]*\]", "", block)
    block = re.sub(r"(chain's|an?) ``\w+`` column", "", block)
    names = set(re.findall(r"``([A-Za-z_*][\w*]*)``", block))
    names |= set(re.findall(r"^\s*(\w+) :", block, re.M))
    names -= {"DataFrame", "None", "True", "False", "NaN", "attrs", "k"}
    optional = set(re.findall(r"\[``(\w+)``\]", block)) | (names & params)
    patterns = {n for n in names if "*" in n}
    return names - optional - patterns, optional, patterns


def _has_examples(doc: str) -> bool:
    examples = _section(doc, "Examples")
    return examples is not None and ">>>" in examples


# ------------------------------------------------------------------- tests
def test_there_are_finders():
    """The loop below covers something (guards against an empty __all__)."""
    assert len(FINDERS) >= 15
    assert all(callable(getattr(cg, n)) for n in FINDERS)


@pytest.mark.parametrize("name", FINDERS)
def test_finder_signature(name):
    """G positional-only first, then the extra positionals, then keyword-only."""
    params = list(inspect.signature(getattr(cg, name)).parameters.values())
    n_positional = 1 + len(POSITIONAL.get(name, ()))
    assert [p.kind for p in params[:n_positional]] == \
        [inspect.Parameter.POSITIONAL_ONLY] * n_positional
    assert params[0].name == "G"
    rest = [p.kind for p in params[n_positional:]]
    assert all(k == inspect.Parameter.KEYWORD_ONLY for k in rest), rest  # no **kwargs
    assert "top" in {p.name for p in params}
    for p in params:
        if p.name == "template":  # object, built-in name or file: typed so
            assert "TemplateLike" in str(p.annotation) or (
                "str" in str(p.annotation) and "PathLike" in str(p.annotation)), name


def test_positional_exceptions_are_empty():
    """The contract is written with no exceptions (issue 11)."""
    assert POSITIONAL == {}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FINDERS)
def test_finder_frame_shape(name, dataset):
    """A DataFrame with score and explanation, sorted by score descending."""
    result = _result(name, dataset, "chain")
    assert isinstance(result, pd.DataFrame)
    assert {"score", "explanation"} <= set(result.columns), list(result.columns)
    scores = result["score"].to_numpy(dtype=float)
    assert not np.isnan(scores).any(), "NaN scores cannot be ranked"
    assert (np.diff(scores) <= 1e-12 * np.maximum(1.0, np.abs(scores[:-1]))).all(), \
        "not sorted by score descending"
    assert result.index.equals(pd.RangeIndex(len(result)))
    assert result.attrs == {}, "results live in columns, never in DataFrame.attrs"
    explanations = result["explanation"].tolist()
    assert all(isinstance(e, str) and e.strip() for e in explanations)


def test_finders_find_something():
    """Every finder reports rows on at least one of the two inputs.

    (Otherwise the checks above would pass on empty frames.)
    """
    empty = [n for n in FINDERS
             if all(_result(n, dataset, "chain").empty for dataset in DATASETS)]
    assert empty == []


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FINDERS)
def test_finder_top(name, dataset, request):
    """top=k returns at most k rows: the first k rows of the full result."""
    _known(request, name)
    chain, _ = _inputs(dataset)
    full = _result(name, dataset, "chain")
    for k in sorted({0, 1, 3, max(len(full) - 1, 0), len(full) + 5}):
        head = _call(name, chain, dataset, top=k)
        assert len(head) <= k
        pd.testing.assert_frame_equal(head, full.head(k), check_index_type=False)


EXPLAINING = [name for name in FINDERS if name != "find_systemic_risk"  # its own rule
              and "explain" in inspect.signature(getattr(cg, name)).parameters]


def test_explaining_finders_are_the_documented_ones():
    assert set(EXPLAINING) >= {"find_structure", "find_leaders", "find_throughput",
                               "find_min_cut", "find_bottlenecks", "find_breakpoints",
                               "find_single_sources", "find_single_points_of_failure"}


#: Tables of several kinds of finding: explain=k explains each kind's first k rows.
PER_KIND = ("find_breakpoints", "find_bottlenecks")


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", EXPLAINING)
def test_finder_explain(name, dataset):
    """explain=k: the full result, with the explanation of the first k rows (of each
    kind, in the tables that combine kinds) and None after them (docs/api.md,
    "Explanations on demand")."""
    chain, _ = _inputs(dataset)
    full = _result(name, dataset, "chain")
    for k in sorted({0, 1, 3, max(len(full) - 1, 0), len(full) + 5}):
        some = _call(name, chain, dataset, explain=k)
        pd.testing.assert_frame_equal(some.drop(columns="explanation"),
                                      full.drop(columns="explanation"))
        rank = (full.groupby("kind", sort=False).cumcount().to_numpy() if name in PER_KIND
                else np.arange(len(full)))
        kept = rank < k
        assert some["explanation"][kept].tolist() == full["explanation"][kept].tolist()
        assert some["explanation"][~kept].isna().all()
        assert some["explanation"].iloc[:k].notna().all() or full["explanation"].iloc[
            :k].isna().any()


def test_report_explains_every_breakpoint_it_shows():
    """The report groups breakpoints by kind: the rows it shows have their sentence
    even when another kind's rows outrank them by score (single sources score 0.5
    or 1, single points of failure their share of final output)."""
    import chaingraph._report_steps as steps

    G = nx.DiGraph()
    for i in range(12):  # 12 buyers in the region, each with one outside supplier
        G.add_node(f"o{i}", region="out", segment="raw")
        G.add_node(f"b{i}", region="in", segment="mid")
        G.add_edge(f"o{i}", f"b{i}")
        G.add_edge(f"b{i}", f"f{i % 3}")
    for j in range(3):
        G.add_node(f"f{j}", region="in", segment="final")
    G.add_node("lone", region="in", segment="final")  # x is its single point of failure
    G.add_node("x", region="out", segment="raw")
    G.add_edge("x", "lone")
    chain = cg.as_chain(G, weight=None)
    limit = steps.ROW_LIMIT
    steps.ROW_LIMIT = 10
    try:
        report = cg.diagnose(chain, region="in", lang="en")
    finally:
        steps.ROW_LIMIT = limit
    from chaingraph._report_text import order_breakpoints

    shown = order_breakpoints(report.breakpoints).head(10)
    assert set(shown["kind"]) >= {"single_point_of_failure", "single_source"}
    assert shown["explanation"].notna().all()


@pytest.mark.parametrize("name", FINDERS)
def test_finder_lists_its_columns(name):
    """The columns named in the docstring's Returns section exist in the frame."""
    func = getattr(cg, name)
    params = set(inspect.signature(func).parameters)
    required, _optional, patterns = _listed_columns(func.__doc__ or "", params)
    assert required, f"{name}: its Returns section lists no columns"
    assert "score" in required and "explanation" in required
    result = _result(name, "example", "chain")
    missing = sorted(required - set(result.columns))
    assert missing == [], f"{name}: listed in Returns but absent: {missing}"
    for pattern in patterns:
        regex = re.compile(pattern.replace("*", r"\w+") + "$")
        assert any(regex.match(c) for c in result.columns), pattern
    unlisted = sorted(set(result.columns) - required - _optional
                      - {c for c in result.columns for p in patterns
                         if re.match(p.replace("*", r"\w+") + "$", c)})
    assert unlisted == [], f"{name}: columns not listed in Returns: {unlisted}"


def _graph_state(G: nx.DiGraph) -> tuple:
    return (copy.deepcopy(dict(G.graph)), copy.deepcopy(list(G.nodes(data=True))),
            copy.deepcopy(list(G.edges(data=True))))


def _chain_state(chain: cg.Chain) -> tuple:
    return chain.enterprises, chain.links, copy.deepcopy(dict(chain.meta))


def _assert_same_chain(before: tuple, chain: cg.Chain) -> None:
    after = _chain_state(chain)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    assert after[2] == before[2]


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FINDERS)
def test_finder_does_not_mutate(name, dataset):
    """Neither the Chain's tables and meta nor the DiGraph change."""
    chain, G = (_example() if dataset == "example"
                else (cg.as_chain(_small_graph()), _small_graph()))
    chain_before, graph_before = _chain_state(chain), _graph_state(G)
    template_before = cg.load_template("nev").to_dict()
    _call(name, chain, dataset)
    _call(name, G, dataset)
    _assert_same_chain(chain_before, chain)
    assert _graph_state(G) == graph_before
    assert cg.load_template("nev").to_dict() == template_before


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FINDERS)
def test_finder_is_deterministic(name, dataset):
    """Two calls with the default arguments give the same frame."""
    chain, _ = _inputs(dataset)
    pd.testing.assert_frame_equal(_call(name, chain, dataset),
                                  _result(name, dataset, "chain"))


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FINDERS)
def test_finder_digraph_equals_chain(name, dataset):
    """Passing the networkx DiGraph or the Chain gives the same result."""
    pd.testing.assert_frame_equal(_result(name, dataset, "graph"),
                                  _result(name, dataset, "chain"))


def test_small_graph_round_trip():
    """The hand-made graph converts without loss (a precondition of the above)."""
    G = _small_graph()
    chain = cg.as_chain(G)
    assert chain.n_enterprises == 12 and chain.n_links == 12
    back = chain.to_networkx()
    assert set(back.edges) == set(G.edges)
    assert back.nodes["cell"]["segment"] == "battery_cell"


def test_reading_frames_does_not_mutate_them():
    """Input DataFrames given to the loaders stay as they were."""
    chain = cg.load_example()
    enterprises, links = chain.enterprises, chain.links
    links["volume"] = links["volume"].astype(object)
    links.loc[0, "volume"] = "6169万"  # a text amount the loader must parse
    e_before, l_before = enterprises.copy(deep=True), links.copy(deep=True)
    loaded = cg.read_chain(enterprises, links)
    assert loaded.links["volume"].iat[0] == pytest.approx(6.169e7)
    pd.testing.assert_frame_equal(enterprises, e_before)
    pd.testing.assert_frame_equal(links, l_before)
    cg.Chain.from_frames(enterprises, links.assign(volume=chain.links["volume"]))
    pd.testing.assert_frame_equal(enterprises, e_before)


# ------------------------------------------------------------ docstrings
def _doc_params(obj: Any) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):  # builtin __init__
        return []
    return [n for n in params if n not in ("self", "args", "kwargs")]


@pytest.mark.parametrize("name", CALLABLES)
def test_public_docstring(name, request):
    """Numpydoc: summary, Parameters (if any), Returns (functions), Examples."""
    _known(request, name)
    obj = getattr(cg, name)
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    problems = []
    if _doc_params(obj) and _section(doc, "Parameters") is None \
            and _section(doc, "Attributes") is None:
        problems.append("no Parameters section")
    if not inspect.isclass(obj) and _section(doc, "Returns") is None \
            and _section(doc, "Yields") is None:
        problems.append("no Returns section")
    if not _has_examples(doc):
        problems.append("no Examples section with >>> doctests")
    assert problems == [], f"{name}: {problems}"


@pytest.mark.parametrize("name", [n for n in CALLABLES if not inspect.isclass(getattr(cg, n))])
def test_documented_parameters_exist(name):
    """Each signature parameter is documented under Parameters."""
    func: Callable = getattr(cg, name)
    section = _section(inspect.getdoc(func) or "", "Parameters") or ""
    documented = set()
    for line in section.splitlines():
        if line and not line[0].isspace():
            head = line.split(" :")[0]
            documented |= {p.strip().lstrip("*") for p in head.split(",")}
    missing = [p for p in _doc_params(func) if p not in documented]
    assert missing == [], f"{name}: parameters not documented: {missing}"


# ------------------------------------------------------ signatures, measures
EXTRA_POSITIONAL = {**POSITIONAL, "simulate_shock": ("shock",),
                    "write_chain": ("path",), "write_gexf": ("path",),
                    "write_graphml": ("path",)}
GRAPH_FUNCTIONS = [n for n in CALLABLES if not inspect.isclass(getattr(cg, n))
                   and next(iter(inspect.signature(getattr(cg, n)).parameters), "") == "G"]


@pytest.mark.parametrize("name", GRAPH_FUNCTIONS)
def test_graph_functions_signature(name, request):
    """Every public function on a chain: G positional-only, the rest keyword-only."""
    _known(request, name)
    params = list(inspect.signature(getattr(cg, name)).parameters.values())
    extra = EXTRA_POSITIONAL.get(name, ())
    assert [p.name for p in params[:1 + len(extra)]] == ["G", *extra]
    kinds = [p.kind for p in params]
    n_positional = 1 + len(extra)
    assert kinds[:n_positional] == [inspect.Parameter.POSITIONAL_ONLY] * n_positional
    assert all(k in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)
               for k in kinds[n_positional:])


MEASURES = {"leader_scores": float, "throughput_centrality": float, "tiers": int}


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_measures_return_dicts(name):
    """Measures return dict[node, number], keyed by the chain's ids, for both forms."""
    chain, G = _example()
    kwargs = {"region": REGION} if "region" in \
        inspect.signature(getattr(cg, name)).parameters else {}
    result = getattr(cg, name)(chain, **kwargs)
    assert isinstance(result, dict)
    assert set(result) <= set(chain.ids) and len(result) > 0
    assert all(isinstance(v, MEASURES[name] | np.integer | np.floating)
               for v in result.values())
    assert dict(getattr(cg, name)(G, **kwargs)) == dict(result)


SEEDED = [n for n in FINDERS if "seed" in inspect.signature(getattr(cg, n)).parameters]
ENGINES = [n for n in FINDERS if "method" in inspect.signature(getattr(cg, n)).parameters]


@pytest.mark.parametrize("name", SEEDED)
def test_finder_seed(name):
    """An int seed reproduces a result; a numpy Generator is accepted."""
    chain, _ = _example()
    kwargs = {"samples": 20} if "samples" in \
        inspect.signature(getattr(cg, name)).parameters else {}
    first = _call(name, chain, "example", seed=3, **kwargs)
    pd.testing.assert_frame_equal(_call(name, chain, "example", seed=3, **kwargs), first)
    pd.testing.assert_frame_equal(
        _call(name, chain, "example", seed=np.random.default_rng(3), **kwargs),
        _call(name, chain, "example", seed=np.random.default_rng(3), **kwargs))


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", ENGINES)
def test_finder_engines_agree(name, dataset):
    """method="numba" and method="scipy" give the same frame."""
    pytest.importorskip("numba")
    chain, _ = _inputs(dataset)
    pd.testing.assert_frame_equal(_call(name, chain, dataset, method="numba"),
                                  _call(name, chain, dataset, method="scipy"),
                                  check_exact=False, rtol=1e-9)


REGIONAL = [n for n in FINDERS if "region" in inspect.signature(getattr(cg, n)).parameters]


@pytest.mark.parametrize("name", REGIONAL)
def test_finder_unknown_region_raises(name):
    """A focal region no enterprise is in is an error, not an empty answer."""
    chain, _ = _example()
    with pytest.raises(ValueError, match="nowhere"):
        _call(name, chain, "example", region="nowhere")


@pytest.mark.parametrize("edges", [[], [("a", "b")]], ids=["empty", "one_link"])
@pytest.mark.parametrize("name", FINDERS)
def test_finder_degenerate_graphs(name, edges):
    """An empty graph and a single bare link (no attributes): a frame, no warning."""
    G = nx.DiGraph(edges)
    kwargs = {"sector": None} if name == "find_systemic_risk" else {}
    if "region" in inspect.signature(getattr(cg, name)).parameters:
        kwargs["region"] = None
    result = _call(name, G, "small", **kwargs)
    assert isinstance(result, pd.DataFrame)
    assert {"score", "explanation"} <= set(result.columns)
    assert result.empty or len(edges) > 0 or name in TEMPLATE_ROWS_WHEN_EMPTY
    assert not result["score"].isna().any()


# Finders that report on the template's segments, so an empty chain still has rows.
TEMPLATE_ROWS_WHEN_EMPTY = {"find_breakpoints", "find_extension_candidates",
                            "find_missing_segments", "find_segment_coverage",
                            "find_echelon"}
