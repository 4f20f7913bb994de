"""Execute the tutorial notebooks and check what they show.

The notebooks run in a temporary copy of ``notebooks/`` (their files land there). Each
notebook also asserts its own findings; here we check that every cell ran, that the
pictures were drawn, and that key results appear in the outputs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _run(name: str, tmp_path: Path, env: dict[str, str] | None = None):
    for item in NOTEBOOKS.iterdir():
        if item.suffix == ".ipynb":
            shutil.copy(item, tmp_path / item.name)
    nb = nbformat.read(tmp_path / name, as_version=4)
    old = dict(os.environ)
    os.environ.update({"CHAINGRAPH_PROGRESS": "0", "MPLBACKEND": "Agg",
                       "CHAINGRAPH_NOTEBOOK_OUT": str(tmp_path), **(env or {})})
    try:
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def _outputs(nb) -> tuple[str, int, int]:
    text, images, html = [], 0, 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("execution_count"), "a code cell did not run"
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out
            if out.output_type == "stream":
                text.append(out.text)
            data = out.get("data", {})
            text.append(data.get("text/plain", ""))
            images += "image/png" in data
            html += "text/html" in data
    return "\n".join(text), images, html


def test_quickstart_notebook(tmp_path):
    nb = _run("01_quickstart.ipynb", tmp_path)
    text, images, html = _outputs(nb)
    assert "missing segments:" in text
    assert "maximum flow:" in text
    assert images >= 1 and html >= 3
    assert (tmp_path / "quickstart_map.html").stat().st_size > 10_000
    assert (tmp_path / "quickstart_report.xlsx").exists()


def test_own_data_notebook(tmp_path):
    nb = _run("02_your_own_data.ipynb", tmp_path)
    text, images, _ = _outputs(nb)
    assert "problems in the input" in text
    assert "有错误的表.xlsx" in text and "row" in text
    assert "断点" in text  # Chinese sheet names of the Excel report
    assert images >= 1


def test_willems_notebook(tmp_path, shared_data):
    nb = _run("03_willems_real_chains.ipynb", tmp_path,
              env={"CHAINGRAPH_SHARED_DATA": str(shared_data)})
    text, images, _ = _outputs(nb)
    assert "single points of failure in chain 09, all confirmed" in text
    assert images >= 2


def test_input_output_notebook(tmp_path):
    nb = _run("06_input_output.ipynb", tmp_path)
    text, _, html = _outputs(nb)
    assert "key sectors: ['电力热力']" in text
    assert "without 制造业's purchases" in text
    assert "relatedness density" in text
    assert html >= 5


def test_regions_notebook(tmp_path):
    nb = _run("04_regions.ipynb", tmp_path)
    text, images, _ = _outputs(nb)
    assert "moves; objective" in text
    assert "澄岚市" in text and "韶峰高新区" in text
    assert images >= 1


def test_willems_notebook_skips_clearly_without_the_data(tmp_path):
    nb = _run("03_willems_real_chains.ipynb", tmp_path,
              env={"CHAINGRAPH_SHARED_DATA": str(tmp_path / "absent")})
    text, images, _ = _outputs(nb)
    assert "SKIPPING this notebook" in text
    assert text.count("skipped: this notebook needs") == sum(
        c.cell_type == "code" for c in nb.cells) - 1
    assert images == 0


def test_notebooks_write_nothing_beside_themselves():
    for name in ("01_quickstart.ipynb", "03_willems_real_chains.ipynb"):
        source = (NOTEBOOKS / name).read_text(encoding="utf-8")
        assert "CHAINGRAPH_NOTEBOOK_OUT" in source and "tempfile.mkdtemp" in source
