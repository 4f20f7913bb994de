"""The documentation renders offline: no script or stylesheet from the network (issue 10)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_docs_load_no_script_or_style_from_the_network():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"),
                       Loader=yaml.BaseLoader)
    assets = list(config.get("extra_javascript", [])) + list(config.get("extra_css", []))
    assert assets
    remote = [a for a in assets if "://" in str(a)]
    assert not remote, remote
    for asset in assets:
        assert (ROOT / "docs" / str(asset)).is_file(), asset
    mathjax = (ROOT / "docs" / "javascripts" / "mathjax" / "tex-svg.js").read_text(
        encoding="utf-8")
    assert "MathJax" in mathjax and len(mathjax) > 1_000_000
