"""Tests for the standalone interactive HTML chain map."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from types import SimpleNamespace

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg

REGION = "明湾示范区"
NASTY = "甲</script><script>alert(1)</script>&<!--乙"


@pytest.fixture(scope="module")
def example():
    chain = cg.datasets.load_example()
    tpl = cg.datasets.load_template("nev")
    return chain, tpl, cg.report.diagnose(chain, template=tpl, region=REGION)


@pytest.fixture(scope="module")
def nasty():
    G = nx.DiGraph()
    G.add_node("a", name=NASTY, segment="ore", region="本区", output=5.0)
    G.add_node("b", name="乙公司", segment="car", region="外地", output=2.0)
    G.add_edge("a", "b", volume=3.0)
    return cg.as_chain(G)


def _data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="chaingraph-data">(.*?)</script>',
                      page, re.S)
    assert match, "embedded data not found"
    return json.loads(match.group(1))


def test_page_is_standalone_utf8_and_escapes_script_breakers(nasty):
    page = cg.plotting.html_map(nasty).html
    assert '<meta charset="utf-8">' in page
    assert "<script src" not in page and "<link" not in page
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    # the hostile name cannot end the data block: exactly two </script> (data, viewer)
    assert page.count("</script>") == 2
    assert "alert(1)</script>" not in page
    data = _data(page)
    names = {n["name"] for n in data["nodes"]}
    assert NASTY in names and "乙公司" in names  # text survives intact
    assert "乙公司" in page  # Chinese kept as UTF-8, not \u-escaped


def test_layout_is_shared_with_the_static_map(example):
    chain, tpl, report = example
    page = cg.plotting.html_map(chain, template=tpl, report=report, region=REGION,
                                view="enterprise", max_enterprises=1000).html
    data = _data(page)
    lay = cg.plotting.chain_layout(chain, template=tpl, region=REGION, view="enterprise")
    pos = lay.nodes.set_index("enterprise")
    assert len(data["nodes"]) == chain.n_enterprises
    assert len(data["links"]) == chain.n_links
    for node in data["nodes"][:50]:
        assert node["x"] == pytest.approx(pos.loc[node["id"], "x"], abs=1e-3)
        assert node["y"] == pytest.approx(pos.loc[node["id"], "y"], abs=1e-3)
    missing = set(report.breakpoints.query("kind == 'missing_segment'")["segment"])
    assert {s["id"] for s in data["segments"] if s["missing"]} == missing
    spof = set(report.breakpoints["enterprise"].dropna()) & set(pos.index)
    assert {n["id"] for n in data["nodes"] if n["spof"]} == spof
    assert sum(link["cut"] for link in data["links"]) >= 1
    leaders = report.leaders.sort_values("rank")["enterprise"].head(5).tolist()
    assert [n["id"] for n in sorted(data["nodes"], key=lambda n: n["leader"] or 99)
            ][:5] == leaders
    node = next(n for n in data["nodes"] if n["id"] == leaders[0])
    assert node["name"] in node["label"] and node["tier"] >= 0 and "亿" in node["output_text"]


def test_segment_view_above_threshold(example):
    chain, tpl, report = example
    data = _data(cg.plotting.html_map(chain, report=report, max_enterprises=50).html)
    assert data["view"] == "segment" and data["nodes"] == []
    assert len(data["segments"]) == len(tpl.segments)
    assert any(link["cut"] for link in data["links"])


def test_repr_html_and_save(tmp_path, nasty):
    m = cg.plotting.html_map(nasty, title="测试")
    frame = m._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "</script>" not in frame
    path = m.save(tmp_path / "map.html")
    assert path.read_text(encoding="utf-8") == m.html
    out = cg.plotting.write_html_map(nasty, tmp_path / "b.html", title="测试")
    assert out.read_text(encoding="utf-8") == m.html  # deterministic
    assert "<title>测试</title>" in m.html


def test_findings_from_a_minimal_report(nasty):
    report = SimpleNamespace(breakpoints=pd.DataFrame({
        "kind": ["single_point_of_failure"], "enterprise": ["a"], "supplier": [None],
        "buyer": [None], "segment": [None], "explanation": ["a is the only supplier"]}))
    data = _data(cg.plotting.html_map(nasty, report=report).html)
    node = next(n for n in data["nodes"] if n["id"] == "a")
    assert node["spof"] and node["notes"] == ["a is the only supplier"]


# --- headless browser ---------------------------------------------------------------
def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CHAINGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail("CHAINGRAPH_REQUIRE_BROWSER=1 but no chromium found "
                    "(apt-get install chromium)")
    pytest.skip("headless Chromium not installed")


def _run(browser: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,800", *args]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=False)


@pytest.mark.browser
def test_browser_draws_the_map(tmp_path, example):
    browser = _chromium()
    chain, tpl, report = example
    path = cg.plotting.write_html_map(chain, tmp_path / "map.html", template=tpl,
                                      report=report, region=REGION, view="enterprise",
                                      max_enterprises=1000)
    done = _run(browser, tmp_path, "--dump-dom", path.as_uri())
    dom = done.stdout.decode("utf-8")
    body = re.search(r"<body[^>]*>", dom)
    assert body, done.stderr.decode(errors="replace")[-2000:]
    attrs = dict(re.findall(r'data-(\w+)="(\d+)"', body.group(0)))
    assert attrs["rendered"] == "1"
    assert int(attrs["nodes"]) == chain.n_enterprises
    assert int(attrs["links"]) == chain.n_links
    assert int(attrs["ghosts"]) >= 4
    assert dom.count('class="node focal"') == 150
    assert dom.count('class="segment missing"') == 4


@pytest.mark.browser
def test_browser_screenshot_shows_the_graph(tmp_path, example):
    import matplotlib.image

    browser = _chromium()
    chain, _tpl, report = example
    path = cg.plotting.write_html_map(chain, tmp_path / "map.html", report=report,
                                      view="enterprise", max_enterprises=1000)
    shot = tmp_path / "shot.png"
    _run(browser, tmp_path, f"--screenshot={shot}", path.as_uri())
    pixels = matplotlib.image.imread(shot)[..., :3]
    focal = (abs(pixels[..., 0] - 0x1F / 255) < 0.08) & (abs(pixels[..., 1] - 0x77 / 255)
                                                          < 0.08) & (pixels[..., 2] > 0.6)
    red = (pixels[..., 0] > 0.75) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)
    assert focal.sum() > 500, "focal enterprise nodes not visible"
    assert red.sum() > 100, "missing-segment / single-point-of-failure marks not visible"


@settings(max_examples=25)
@given(st.text(min_size=1, max_size=30))
def test_any_name_survives_embedding(name):
    G = nx.DiGraph([("a", "b")])
    G.nodes["a"]["name"] = name
    page = cg.plotting.html_map(G, title=name).html
    assert page.count("</script>") == 2
    assert {n["name"] for n in _data(page)["nodes"]} == {name, "b"}
