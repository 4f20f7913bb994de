"""Execute notebook 05 (a district's portfolio of chains) and check what it shows."""

from __future__ import annotations

import pytest
from test_notebooks import _outputs, _run

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def test_portfolio_notebook(tmp_path):
    nb = _run("05_portfolio.ipynb", tmp_path)
    text, images, _ = _outputs(nb)
    assert "新型显示 needs 37亿 more" in text
    assert "('missing_segment', 'automotive_chips')" in text
    assert "E0407" in text
    assert images >= 2
    assert (tmp_path / "portfolio_dossier" / "portfolio.md").exists()
