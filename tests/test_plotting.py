"""Tests for chaingraph.plotting: CJK fonts, layout, static chain map and charts."""

from __future__ import annotations

import io
import itertools
import warnings
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from strategies import chain_frames

import chaingraph as cg
from chaingraph.plotting import _fonts
from chaingraph.plotting._style import COLORS
from chaingraph.plotting.layout import _template_depth

REGION = "明湾示范区"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy():
    """Four segments, one (ore 矿石) without enterprises; 5 enterprises, 2 regions."""
    tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
        {"id": "ore", "name_zh": "矿石", "stage": "upstream"},
        {"id": "metal", "name_zh": "金属", "stage": "upstream"},
        {"id": "part", "name_zh": "零部件", "stage": "midstream"},
        {"id": "car", "name_zh": "整车", "stage": "downstream"}],
        "edges": [["ore", "metal"], ["metal", "part"], ["part", "car"]]})
    ent = pd.DataFrame({"id": ["m1", "m2", "p1", "p2", "c1"],
                        "name": ["甲金属", "乙金属", "丙部件", "丁部件", "戊汽车"],
                        "segment": ["metal", "metal", "part", "part", "car"],
                        "region": ["本区", "外地", "本区", "本区", "本区"],
                        "output": [4.0, 1.0, 2.0, 1.0, 9.0]})
    links = pd.DataFrame({"supplier": ["m1", "m2", "p1", "p2", "m1"],
                          "buyer": ["p1", "p2", "c1", "c1", "p2"],
                          "volume": [3.0, 1.0, 2.0, 1.0, 0.5]})
    return cg.Chain.from_frames(ent, links), tpl


@pytest.fixture(scope="module")
def example():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    report = cg.report.diagnose(chain, template=tpl, region=REGION)
    return chain, tpl, report


def _by_gid(ax, prefix, kind=object):
    found = [a for a in (*ax.collections, *ax.patches, *ax.texts)
             if isinstance(a, kind) and (a.get_gid() or "").startswith(prefix)]
    return found


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60, metadata={"Software": None})
    return buffer.getvalue()


# --- fonts --------------------------------------------------------------------------
def test_chinese_labels_render_without_missing_glyphs(toy):
    assert cg.plotting.cjk_font() is not None
    chain, tpl = toy
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = cg.plotting.plot_chain_map(chain, template=tpl, region="本区", label="all")
        with cg.plotting.plot_context():
            ax.set_xlabel("上游 中游 下游 锂电池 动力电池回收利用")
        _png(ax.figure)  # plain savefig, outside chaingraph's context
    glyphs = [w for w in caught if "missing from" in str(w.message) or "Glyph" in
              str(w.message)]
    assert not glyphs, [str(w.message) for w in glyphs]
    texts = [t.get_text() for t in ax.texts]
    assert any("金属" in t for t in texts) and any("戊汽车" in t for t in texts)
    assert ax.texts[0].get_fontproperties().get_family()[0] == cg.plotting.cjk_font()


@pytest.fixture
def bundled_font_only(monkeypatch):
    """As on a machine with no system CJK font: only the bundled subset is found."""
    monkeypatch.setenv("CHAINGRAPH_IGNORE_SYSTEM_FONTS", "1")
    _fonts._find.cache_clear()
    yield
    _fonts._find.cache_clear()


def test_bundled_font_draws_the_example_map_without_a_system_font(bundled_font_only):
    assert cg.plotting.cjk_font() == _fonts.BUNDLED_CJK_FONT
    chain = cg.datasets.load_example()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = cg.diagnose(chain, template="nev", region="明湾示范区")
        ax = cg.plotting.plot_chain_map(chain, template="nev", report=report, label="all")
        _png(ax.figure)
        plt.close(ax.figure)
    bad = [str(w.message) for w in caught if issubclass(w.category, _fonts.CJKFontWarning)
           or "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not bad, bad[:3]


def test_bundled_font_covers_gb2312_and_every_character_of_the_package():
    from importlib import resources

    from fontTools.ttLib import TTFont

    path = resources.files("chaingraph.plotting") / "assets" / "ChaingraphSansSC-Regular.otf"
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    gb = {bytes((hi, lo)).decode("gb2312", errors="ignore")
          for hi in range(0xB0, 0xF8) for lo in range(0xA1, 0xFF)} - {""}
    assert len(gb) == 6763  # the GB 2312 hanzi
    text = "".join(f.read_text(encoding="utf-8") for f in
                   (resources.files("chaingraph.datasets") / "templates").iterdir())
    text += cg.datasets.load_example().enterprises.to_csv()
    missing = sorted({c for c in gb | set(text) if ord(c) >= 0x20} - {chr(c) for c in cmap})
    assert not missing, missing[:20]
    licence = (resources.files("chaingraph.plotting") / "assets" / "OFL.txt").read_text(
        encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "Version 1.1" in licence


def test_font_settings_do_not_leak_into_user_plots(toy):
    before = list(matplotlib.rcParams["font.family"])
    cg.plotting.plot_chain_map(toy[0], template=toy[1])
    assert list(matplotlib.rcParams["font.family"]) == before
    assert cg.plotting.cjk_font() not in before


def test_no_cjk_font_gives_one_clear_warning(monkeypatch):
    monkeypatch.setattr(_fonts, "_find", lambda: None)
    with pytest.warns(cg.plotting.CJKFontWarning, match="Reinstall chaingraph"):
        assert cg.plotting.cjk_font() is None
    assert issubclass(cg.plotting.CJKFontWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cg.plotting.cjk_font(warn=False) is None


# --- layout -------------------------------------------------------------------------
def test_layout_columns_follow_the_template(toy):
    chain, tpl = toy
    lay = cg.plotting.chain_layout(chain, template=tpl, region="本区")
    col = dict(zip(lay.segments["segment"], lay.segments["column"], strict=True))
    assert col == {"ore": 0, "metal": 1, "part": 2, "car": 3}
    counts = lay.segments.set_index("segment")[["n_focal", "n_total"]]
    assert counts.loc["metal"].tolist() == [1, 2]
    assert counts.loc["ore"].tolist() == [0, 0]
    nodes = lay.nodes.set_index("enterprise")
    # every node lies inside its segment box
    boxes = lay.segments.set_index("segment")
    for e, row in nodes.iterrows():
        box = boxes.loc[row["segment"]]
        assert box["x0"] < row["x"] < box["x0"] + box["width"], e
        assert box["y0"] < row["y"] < box["y0"] + box["height"], e
    # supply links run left to right
    assert (lay.links["x1"] > lay.links["x0"]).all()


@pytest.mark.parametrize("name", ["nev", "integrated_circuits", "biomedicine"])
def test_template_columns_put_suppliers_left_of_buyers(name):
    tpl = cg.datasets.load_template(name)
    depth = _template_depth(tpl)
    rank = {"upstream": 0, "midstream": 1, "downstream": 2}
    stage = dict(zip(tpl.segments["id"], tpl.segments["stage"], strict=True))
    for u, v in zip(tpl.edges["supplier"], tpl.edges["buyer"], strict=True):
        if rank[stage[u]] <= rank[stage[v]] and not nx.has_path(
                tpl.to_networkx(), v, u):
            assert depth[u] < depth[v], (u, v)


def test_layout_is_invariant_to_row_order(example):
    chain, tpl, _ = example
    shuffled = cg.Chain(chain.enterprises.sample(frac=1, random_state=3),
                        chain.links.sample(frac=1, random_state=4), chain.meta)
    a = cg.plotting.chain_layout(chain, template=tpl, region=REGION, view="enterprise")
    b = cg.plotting.chain_layout(shuffled, template=tpl, region=REGION, view="enterprise")
    pa = a.nodes.set_index("enterprise")[["x", "y"]].sort_index()
    pb = b.nodes.set_index("enterprise")[["x", "y"]].sort_index()
    pd.testing.assert_frame_equal(pa, pb)


def test_layout_without_template_uses_segments_then_tiers():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    lay = cg.plotting.chain_layout(G)
    x = lay.nodes.set_index("enterprise")["x"]
    assert x["a"] < x["b"] < x["c"] < x["d"]
    assert set(lay.segments["segment"]) == {"tier 0", "tier 1", "tier 2", "tier 3"}
    nx.set_node_attributes(G, {"a": "ore", "b": "ore", "c": "car", "d": "shop"}, "segment")
    lay = cg.plotting.chain_layout(G)
    col = dict(zip(lay.segments["segment"], lay.segments["column"], strict=True))
    assert col["ore"] < col["car"] < col["shop"]


def test_bad_arguments_raise(toy):
    chain, _tpl = toy
    with pytest.raises(ValueError, match="view"):
        cg.plotting.plot_chain_map(chain, view="galaxy")
    with pytest.raises(ValueError, match="label"):
        cg.plotting.plot_chain_map(chain, label=3)
    with pytest.raises(ValueError, match="color_by"):
        cg.plotting.plot_chain_map(chain, color_by="no_such_column")


# --- static map ---------------------------------------------------------------------
def test_enterprise_view_draws_every_enterprise_and_link(toy):
    chain, tpl = toy
    ax = cg.plotting.plot_chain_map(chain, template=tpl, region="本区")
    (focal,) = _by_gid(ax, "nodes-focal", PathCollection)
    (outside,) = _by_gid(ax, "nodes-outside", PathCollection)
    assert len(focal.get_offsets()) == 4 and len(outside.get_offsets()) == 1
    assert not np.allclose(focal.get_facecolors()[:, :3], 1.0)  # filled
    assert np.allclose(outside.get_facecolors()[:, :3], 1.0)  # hollow (white)
    (links,) = _by_gid(ax, "links", LineCollection)
    assert len(links.get_segments()) == chain.n_links
    widths = links.get_linewidths()
    assert widths[0] == max(widths)  # m1 -> p1 has the largest volume
    sizes = focal.get_sizes()
    assert sizes[0] == max(sizes)  # the largest output is drawn first and biggest
    # segment without any enterprise: dashed ghost; stage labels present
    (ghost,) = _by_gid(ax, "segment:ore", FancyBboxPatch)
    assert ghost.get_linestyle() == "--"
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "上游" in texts and "中游" in texts and "下游" in texts
    assert "金属  1/2" in texts
    assert ax.get_legend() is not None and ax.get_title(loc="left")


def test_report_findings_are_marked(toy):
    chain, tpl = toy
    report = SimpleNamespace(
        breakpoints=pd.DataFrame({
            "kind": ["missing_segment", "single_point_of_failure",
                     "single_point_of_failure"],
            "enterprise": [None, "c1", None], "supplier": [None, None, "p1"],
            "buyer": [None, None, "c1"], "segment": ["ore", "car", None],
            "explanation": ["ore missing", "c1 alone", "link alone"]}),
        flow=SimpleNamespace(min_cut=pd.DataFrame({
            "element": ["link", "enterprise"], "supplier": ["m2", None],
            "buyer": ["p2", None], "enterprise": [None, "m1"], "capacity": [1.0, 2.0]})),
        candidates=pd.DataFrame({"segment": ["ore"], "kind": ["延链 upstream"],
                                 "score": [1.0]}),
        leaders=pd.DataFrame({"enterprise": ["c1", "p1"], "score": [0.9, 0.5],
                              "rank": [1, 2]}))
    ax = cg.plotting.plot_chain_map(chain, template=tpl, report=report, region="本区")
    (missing,) = _by_gid(ax, "missing:ore", FancyBboxPatch)
    assert matplotlib.colors.to_hex(missing.get_edgecolor()) == COLORS["missing"].lower()
    (spof,) = _by_gid(ax, "spof", PathCollection)
    assert spof.get_offsets().shape == (1, 2)
    (cut,) = _by_gid(ax, "min-cut-links", LineCollection)
    assert len(cut.get_segments()) == 1
    assert matplotlib.colors.to_hex(cut.get_colors()[0]) == COLORS["cut"].lower()
    assert len(_by_gid(ax, "min-cut-enterprises", PathCollection)) == 1
    assert len(_by_gid(ax, "spof-links", LineCollection)) == 1
    (tag,) = _by_gid(ax, "tag:ore")
    assert tag.get_text() == "延链"
    labels = [t.get_text() for t in _by_gid(ax, "label:")]
    assert labels == ["1. 戊汽车", "2. 丙部件"]


def test_real_report_integration(example):
    chain, _tpl, report = example
    ax = cg.plotting.plot_chain_map(chain, report=report, view="enterprise",
                                    max_enterprises=1000)
    missing = set(report.breakpoints.query("kind == 'missing_segment'")["segment"])
    drawn = {p.get_gid().split(":", 1)[1] for p in _by_gid(ax, "missing:")}
    assert drawn == missing and missing
    top = report.leaders.sort_values("rank")["name"].head(5).tolist()
    labels = [t.get_text() for t in _by_gid(ax, "label:")]
    assert [lab.split(". ", 1)[1] for lab in labels] == top
    assert REGION in ax.get_title(loc="left")  # region taken from the report
    assert _by_gid(ax, "min-cut-links") and _by_gid(ax, "tag:")


def test_aggregate_segment_view_above_threshold(example):
    chain, tpl, report = example
    ax = cg.plotting.plot_chain_map(chain, template=tpl, report=report, max_enterprises=100)
    assert not _by_gid(ax, "nodes-")
    (arrows,) = [a for a in ax.artists if a.get_gid() == "segment-flows"]
    src, dst = chain.link_codes
    seg = chain.column("segment", default=None)
    pairs = {(a, b) for a, b in zip(seg[src], seg[dst], strict=True) if a != b}
    assert len(arrows.flows) == len(pairs) == len(arrows.starts)
    assert set(zip(arrows.flows["supplier"], arrows.flows["buyer"], strict=True)) == pairs
    assert arrows.flows["cut"].any()  # minimum-cut flows drawn in orange
    boxes = _by_gid(ax, "segment:") + _by_gid(ax, "missing:")
    assert len(boxes) == len(tpl.segments)
    assert "环节视图" in ax.get_title(loc="left")  # the report's language (zh)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "缺失环节（断点）" in legend
    plt.close(ax.figure)
    ax = cg.plotting.plot_chain_map(chain, template=tpl, report=report, max_enterprises=100,
                                    lang="en")
    assert "segment view" in ax.get_title(loc="left")
    marks = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("marks:")]
    assert marks and not any("None" in m for m in marks)
    plt.close(ax.figure)


def test_leader_without_name_shows_its_id(example):
    chain, tpl, report = example
    ent = chain.enterprises.copy()
    top = report.leaders["enterprise"].iloc[0]
    ent.loc[ent["id"] == top, "name"] = None
    nameless = cg.Chain.from_frames(ent, chain.links, meta=chain.meta)
    ax = cg.plotting.plot_chain_map(nameless, template=tpl, report=report,
                                    max_enterprises=100)
    marks = "\n".join(t.get_text() for t in ax.texts)
    assert f"★ {top}" in marks and "★ None" not in marks
    plt.close(ax.figure)


def test_large_generated_chain_uses_segment_view():
    chain = cg.datasets.generate_chain(2000, seed=1)
    ax = cg.plotting.plot_chain_map(chain, template=cg.datasets.load_template("nev"))
    assert "segment view" in ax.get_title(loc="left")  # no report: English
    assert not _by_gid(ax, "nodes-")


def test_same_input_gives_identical_png(example):
    chain, tpl, report = example
    pictures = [_png(cg.plotting.plot_chain_map(chain, template=tpl, report=report,
                                                max_enterprises=1000).figure)
                for _ in range(2)]
    assert pictures[0] == pictures[1]


def test_draws_on_given_axes_and_accepts_digraph_without_mutation(toy):
    chain, tpl = toy
    G = chain.to_networkx()
    before = nx.to_dict_of_dicts(G), dict(G.nodes(data=True))
    _fig, ax = plt.subplots()
    n_figures = len(plt.get_fignums())
    out = cg.plotting.plot_chain_map(G, template=tpl, ax=ax, color_by="stage")
    assert out is ax and len(plt.get_fignums()) == n_figures
    assert (nx.to_dict_of_dicts(G), dict(G.nodes(data=True))) == before
    assert chain.enterprises.equals(cg.as_chain(G).enterprises)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_save_figure(tmp_path, toy, suffix):
    ax = cg.plotting.plot_chain_map(toy[0], template=toy[1])
    path = cg.plotting.save_figure(ax.figure, tmp_path / f"map{suffix}")
    assert path.stat().st_size > 1000


@pytest.mark.parametrize("bbox", [None, "tight"])
def test_save_figure_with_indexed_colours_matches_the_full_colour_png(tmp_path, toy, bbox):
    """colors=256 (the CLI's map.png): the same pixels within a few levels of 255,
    white kept white, the same size, in a fraction of the bytes."""
    from PIL import Image

    paths = {}
    for colors in (None, 256):
        ax = cg.plotting.plot_chain_map(toy[0], template=toy[1])
        ax.figure.patch.set_facecolor("white")
        paths[colors] = cg.plotting.save_figure(ax.figure, tmp_path / f"map{colors}.png",
                                                dpi=80, bbox_inches=bbox, colors=colors)
        plt.close(ax.figure)
    full, indexed = (Image.open(paths[c]) for c in (None, 256))
    assert indexed.mode == "P" and indexed.size == full.size
    a = np.asarray(full.convert("RGB"), dtype=int)
    b = np.asarray(indexed.convert("RGB"), dtype=int)
    assert np.abs(a - b).max() <= 16
    assert (b[a.sum(axis=2) == 3 * 255] == 255).all()  # white stays white
    assert paths[256].stat().st_size < paths[None].stat().st_size / 2


def test_save_figure_with_indexed_colours_keeps_transparency(tmp_path, toy):
    from PIL import Image

    ax = cg.plotting.plot_chain_map(toy[0], template=toy[1])
    path = cg.plotting.save_figure(ax.figure, tmp_path / "map.png", dpi=60,
                                   transparent=True, colors=64)
    image = Image.open(path)
    assert image.mode == "P" and len(image.getcolors(256)) <= 64
    assert np.asarray(image.convert("RGBA"))[..., 3].min() == 0


@pytest.mark.parametrize("name,colors", [("map.svg", 256), ("map.png", 1), ("map.png", 257)])
def test_save_figure_rejects_impossible_colour_counts(tmp_path, toy, name, colors):
    ax = cg.plotting.plot_chain_map(toy[0])
    with pytest.raises(ValueError, match="2 to 256"):
        cg.plotting.save_figure(ax.figure, tmp_path / name, colors=colors)
    assert not (tmp_path / name).exists()


def test_save_figure_rejects_other_formats(tmp_path, toy):
    ax = cg.plotting.plot_chain_map(toy[0])
    with pytest.raises(ValueError, match="png"):
        cg.plotting.save_figure(ax.figure, tmp_path / "map.jpg")


# --- charts -------------------------------------------------------------------------
def test_segment_flows_matrix_matches_hand_sums(toy):
    chain, tpl = toy
    ax = cg.plotting.plot_segment_flows(chain, template=tpl)
    values = np.ma.filled(ax.images[0].get_array(), np.nan)
    order = [t.get_text() for t in ax.get_yticklabels()]
    assert order == ["矿石", "金属", "零部件", "整车"]
    assert values[1, 2] == pytest.approx(4.5)  # metal -> part: 3 + 1 + 0.5
    assert values[2, 3] == pytest.approx(3.0)  # part -> car: 2 + 1
    assert np.isnan(values[0]).all()
    ax = cg.plotting.plot_segment_flows(chain, template=tpl, region="外地")
    assert np.isnan(np.ma.filled(ax.images[0].get_array(), np.nan)).all()


def test_echelon_ladder(example):
    _, _, report = example
    ax = cg.plotting.plot_echelon(report.echelon)
    assert len(ax.patches) == len(report.echelon)
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted(report.echelon["output"]))
    assert {"千亿级", "百亿级", "十亿级"} <= {t.get_text().strip() for t in ax.texts}
    table = pd.DataFrame({"group": ["本区"], "output": [5e9], "target": [1e10]})
    ax = cg.plotting.plot_echelon(table)
    assert len(ax.collections) == 1  # the target marker
    with pytest.raises(ValueError, match="group"):
        cg.plotting.plot_echelon(pd.DataFrame({"x": [1]}))


def test_leader_bars_stack_to_the_score(example):
    _, _, report = example
    ax = cg.plotting.plot_leaders(report.leaders, top=6)
    ends: dict[float, float] = {}
    for p in ax.patches:
        y = round(p.get_y(), 6)
        ends[y] = max(ends.get(y, 0.0), p.get_x() + p.get_width())
    top = report.leaders.sort_values("score", ascending=False).head(6)
    assert sorted(ends.values()) == pytest.approx(sorted(top["score"]), abs=1e-6)
    assert ax.get_yticklabels()[-1].get_text() == top["name"].iloc[0]
    with pytest.raises(ValueError, match="enterprise"):
        cg.plotting.plot_leaders(pd.DataFrame({"a": [1]}))


def test_resilience_curve_from_scenarios(example):
    from chaingraph.algorithms.scenarios import resilience_curve

    curve = resilience_curve(example[0], steps=3, runs=2, seed=0)
    ax = cg.plotting.plot_resilience_curve(curve)
    assert len(ax.get_lines()) == curve["strategy"].nunique()
    line = ax.get_lines()[0]
    first = curve[curve["strategy"] == curve["strategy"].iloc[0]]
    assert line.get_ydata() == pytest.approx(first["output_kept"].to_numpy() * 100)
    with pytest.raises(ValueError, match="output_kept"):
        cg.plotting.plot_resilience_curve(pd.DataFrame({"strategy": ["a"]}))


def test_template_by_name_and_bad_template(example):
    chain, tpl, _ = example
    a = cg.plotting.chain_layout(chain, template="nev", view="segment")
    b = cg.plotting.chain_layout(chain, template=tpl, view="segment")
    pd.testing.assert_frame_equal(a.segments, b.segments)
    ax = cg.plotting.plot_chain_map(chain, template="nev", max_enterprises=10)
    assert len(_by_gid(ax, "segment:") + _by_gid(ax, "missing:")) == len(tpl.segments)
    with pytest.raises(TypeError, match="template"):
        cg.plotting.plot_chain_map(chain, template=42)


# --- properties ---------------------------------------------------------------------


@settings(max_examples=25)
@given(chain_frames(max_enterprises=15), st.randoms(use_true_random=False))
def test_layout_places_each_enterprise_once_in_its_box_whatever_the_row_order(frames, rnd):
    ent, links = frames
    chain = cg.Chain.from_frames(ent, links)
    order = list(range(len(ent)))
    rnd.shuffle(order)
    shuffled = cg.Chain.from_frames(ent.iloc[order], links.iloc[::-1])
    a = cg.plotting.chain_layout(chain, view="enterprise")
    b = cg.plotting.chain_layout(shuffled, view="enterprise")
    assert sorted(a.nodes["enterprise"], key=str) == sorted(chain.ids, key=str)
    pa = a.nodes.set_index("enterprise")[["x", "y"]]
    pb = b.nodes.set_index("enterprise")[["x", "y"]].loc[pa.index]
    np.testing.assert_allclose(pa.to_numpy(float), pb.to_numpy(float))
    boxes = a.segments.set_index("segment")
    for row in a.nodes.itertuples(index=False):
        box = boxes.loc[row.segment]
        assert box["x0"] < row.x < box["x0"] + box["width"]
        assert box["y0"] < row.y < box["y0"] + box["height"]
    for _, column in a.segments.groupby("column"):  # boxes in a column do not overlap
        spans = sorted(zip(column["y0"], column["y0"] + column["height"], strict=True))
        assert all(hi <= lo for (_, hi), (lo, _) in itertools.pairwise(spans))


@settings(max_examples=25)
@given(chain_frames(max_enterprises=12, acyclic=True, segments=None))
def test_tier_columns_send_every_link_downstream(frames):
    chain = cg.Chain.from_frames(*frames)
    lay = cg.plotting.chain_layout(chain, view="enterprise")
    assert (lay.links["x1"] > lay.links["x0"]).all()


def test_without_outputs_every_node_gets_one_size():
    ax = cg.plotting.plot_chain_map(nx.DiGraph([("a", "b"), ("b", "c")]))
    (nodes,) = _by_gid(ax, "nodes-focal", PathCollection)
    assert len(set(nodes.get_sizes())) == 1 and len(nodes.get_offsets()) == 3
    assert not _by_gid(ax, "nodes-outside", PathCollection)[0].get_offsets().size


def test_user_axes_made_outside_the_context_get_chinese_tick_labels():
    """Regression: tick labels of an Axes the user made drew Chinese as boxes."""
    import warnings

    import matplotlib.pyplot as plt

    chain = cg.load_example()
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))  # outside plot_context
    try:
        cg.plotting.plot_segment_flows(chain, template="nev", ax=axes[0])
        cg.plotting.plot_leaders(cg.find_leaders(chain, region="明湾示范区", top=5),
                                 ax=axes[1])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig.canvas.draw()
    finally:
        plt.close(fig)


def test_charts_accept_a_report_where_they_accept_its_tables():
    report = cg.diagnose(cg.datasets.load_example(), template="nev", region="明湾示范区")
    ax = cg.plotting.plot_leaders(report, top=5)
    want = cg.plotting.plot_leaders(report.leaders, top=5)
    assert [t.get_text() for t in ax.get_yticklabels()] == \
        [t.get_text() for t in want.get_yticklabels()]
    ax = cg.plotting.plot_echelon(report)
    assert len(ax.patches) == len(report.echelon)
    with pytest.raises(TypeError, match="ChainReport"):
        cg.plotting.plot_leaders(object())
    plt.close("all")


def test_blank_segments_get_their_own_unlabelled_column():
    """A blank 所属环节 is 未标注 on the map, apart from segments not in the template."""
    from chaingraph.plotting.layout import OTHER, UNLABELLED, chain_layout

    ent = pd.DataFrame({"id": ["a", "b", "c", "d"],
                        "segment": ["lithium_salts", None, "不存在的环节", "battery_cell"]})
    links = pd.DataFrame({"supplier": ["a", "b"], "buyer": ["d", "d"]})
    chain = cg.Chain.from_frames(ent, links)
    lay = chain_layout(chain, template=None, view="enterprise")
    labels = dict(zip(lay.segments["segment"], lay.segments["label"], strict=True))
    assert labels[UNLABELLED] == "未标注 unlabelled"
    assert OTHER not in labels  # without a template every named segment is its own box
    box = dict(zip(lay.nodes["enterprise"], lay.nodes["segment"], strict=True))
    assert box["b"] == UNLABELLED and box["c"] == "不存在的环节"
    # with a template: segments not in it are (other), blanks (unlabelled), each one
    # string for all its rows (np.where had made one per row)
    ent2 = pd.concat([ent, pd.DataFrame({"id": ["e", "f"], "segment": ["无此环节", ""]})])
    lay = chain_layout(cg.Chain.from_frames(ent2, links), template="nev", view="segment")
    seg = lay.meta["segments"]
    assert seg.tolist() == ["lithium_salts", UNLABELLED, OTHER, "battery_cell", OTHER,
                            UNLABELLED]
    assert seg[2] is seg[4] and seg[1] is seg[5]


def test_flow_arrows_draw_what_fancy_arrow_patches_draw():
    """The segment view's one-artist arrows are pixel for pixel the patches they
    replaced (one FancyArrowPatch per flow, the reference)."""
    from chaingraph.plotting._arrows import FlowArrows

    rng = np.random.default_rng(0)
    n = 120
    starts, ends = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (n, 2))
    ends[:3] = starts[:3]  # zero-length arrows too
    widths = rng.uniform(0.6, 9, n)
    rad = np.where(ends[:, 0] <= starts[:, 0], 0.35, 0.0)
    colors = np.column_stack([rng.uniform(0, 1, (n, 3)), rng.uniform(0.1, 0.9, n)])
    pictures = []
    for one_artist in (False, True):
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.set_xlim(-1, 11)
        ax.set_ylim(-1, 11)
        if one_artist:
            ax.add_artist(FlowArrows(starts, ends, widths=widths, colors=colors, rad=rad))
        else:
            for i in range(n):
                ax.add_artist(FancyArrowPatch(
                    tuple(starts[i]), tuple(ends[i]), arrowstyle="-|>",
                    mutation_scale=8 + widths[i], connectionstyle=f"arc3,rad={rad[i]}",
                    linewidth=widths[i], color=tuple(colors[i, :3]),
                    alpha=float(colors[i, 3]), zorder=2, shrinkA=0.0, shrinkB=0.0))
        fig.canvas.draw()
        pictures.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)
    assert np.array_equal(pictures[0], pictures[1])


def test_saving_with_the_layout_run_once_gives_the_same_png(example, tmp_path):
    """save_figure runs a constrained layout once instead of savefig's extra draw:
    the file is the same as matplotlib's own two-pass save."""
    chain, tpl, report = example
    files = []
    for ours in (True, False):
        ax = cg.plotting.plot_chain_map(chain, template=tpl, report=report,
                                        max_enterprises=100)
        path = tmp_path / f"{ours}.png"
        if ours:
            cg.plotting.save_figure(ax.figure, path, dpi=80, bbox_inches=None)
        else:
            with cg.plotting.plot_context():
                ax.figure.savefig(path, dpi=80, bbox_inches=None,
                                  metadata={"Software": None})
        assert ax.figure.get_layout_engine() is not None  # restored
        plt.close(ax.figure)
        files.append(path.read_bytes())
    assert files[0] == files[1]


def test_segment_layout_matches_a_plain_groupby():
    """The segment view's boxes and flows (counted by integer codes) against the
    plain per-value groupby they replaced."""
    from chaingraph.plotting.layout import OTHER, UNLABELLED

    chain = cg.datasets.generate_chain(3000, seed=2)
    ent = chain.enterprises
    ent.loc[::11, "segment"] = None
    chain = cg.Chain.from_frames(ent, chain.links, meta=chain.meta)
    for region in (None, ent["region"].dropna().iloc[0]):
        lay = cg.plotting.chain_layout(chain, template="nev", region=region,
                                       view="segment")
        seg = lay.meta["segments"]
        assert all(lay.meta["segment_of"][e] == s
                   for e, s in zip(chain.ids[:50], seg[:50], strict=True))
        assert lay.meta["segment_of"].get("no such id") is None
        assert set(seg) <= set(lay.segments["segment"]) | {OTHER, UNLABELLED}
        focal = cg.model.roles.focal_mask(chain, region)
        output = np.nan_to_num(chain.column("output"), nan=0.0)
        frame = pd.DataFrame({"segment": pd.Series(seg, dtype=object), "focal": focal,
                              "output": output,
                              "focal_output": np.where(focal, output, 0.0)})
        counts = frame.groupby("segment", sort=False).agg(
            n_total=("focal", "size"), n_focal=("focal", "sum"),
            output=("output", "sum"), focal_output=("focal_output", "sum"))
        got = lay.segments.set_index("segment").loc[counts.index]
        for column in counts.columns:
            assert got[column].tolist() == counts[column].tolist()
        src, dst = chain.link_codes
        volume = chain.link_weights("volume", missing=0.0)
        pairs = pd.DataFrame({"supplier": seg[src], "buyer": seg[dst], "volume": volume})
        pairs = pairs[pairs["supplier"] != pairs["buyer"]]
        expected = pairs.groupby(["supplier", "buyer"], sort=True).agg(
            volume=("volume", "sum"), n_links=("volume", "size")).reset_index()
        links = lay.links.sort_values(["supplier", "buyer"]).reset_index(drop=True)
        assert links[["supplier", "buyer", "n_links"]].values.tolist() == \
            expected[["supplier", "buyer", "n_links"]].values.tolist()
        np.testing.assert_allclose(links["volume"], expected["volume"], rtol=1e-12)
