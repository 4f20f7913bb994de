"""The documentation: API reference completeness and runnable how-to pages.

Conventions of the how-to pages (docs/howto/*.md, docs/index.md):

* a fenced block opened with ```` ```python ```` runs; the blocks of one page run in order,
  in one namespace, in a temporary working directory;
* a ```` ```text ```` block right after a python block is that block's printed output,
  compared with whitespace runs collapsed;
* ```` ```py ```` blocks are shown only (national-scale runs, files the reader has).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import matplotlib
import pytest

import chaingraph as cg

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
RUN_PAGES = ["index.md", "howto/load.md", "howto/diagnose.md", "howto/maps.md",
             "howto/risk.md", "howto/scale.md", "howto/real-sheets.md", "quickstart-zh.md",
             "howto/input-output.md", "howto/regions.md"]


def _blocks(page: Path) -> list[tuple[str, str | None]]:
    """(python code, expected output or None) for each runnable block of a page."""
    fences = [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]
    runs = []
    for i, (lang, body) in enumerate(fences):
        if lang == "python":
            nxt = fences[i + 1] if i + 1 < len(fences) else None
            runs.append((body, nxt[1] if nxt and nxt[0] == "text" else None))
    return runs


def _squash(text: str) -> str:
    return " ".join(text.split())


def run_page(page: Path) -> list[tuple[str, str, str | None]]:
    """Run a page's python blocks in order; (code, printed output, expected output)."""
    namespace: dict = {"__name__": "__docs__"}
    results = []
    for code, expected in _blocks(page):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, f"{page.name}", "exec"), namespace)
        results.append((code, buffer.getvalue(), expected))
    return results


@pytest.mark.parametrize("name", RUN_PAGES)
def test_page_code_runs_and_prints_what_the_page_says(name, tmp_path, monkeypatch):
    page = DOCS / name
    if not page.exists():
        pytest.skip(f"{name} not written")
    plots = "cg.plotting" in page.read_text(encoding="utf-8")
    if plots:
        matplotlib.use("Agg")
        if cg.plotting.cjk_font(warn=False) is None:
            pytest.skip("no CJK font (the bundled one is missing)")
    monkeypatch.chdir(tmp_path)
    try:
        for code, printed, expected in run_page(page):
            if expected is not None:
                assert _squash(printed) == _squash(expected), f"block:\n{code}"
    finally:
        if plots:
            import matplotlib.pyplot as plt

            plt.close("all")


def test_fence_parser_finds_blocks_and_outputs(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("x\n```python\nprint(1)\n```\n\n```text\n1\n```\n```py\nnot run\n```\n"
                    "```python\nprint(2)\n```\n", encoding="utf-8")
    assert _blocks(page) == [("print(1)\n", "1\n"), ("print(2)\n", None)]
    outputs = [printed for _, printed, _ in run_page(page)]
    assert outputs == ["1\n", "2\n"]


def _documented() -> set[str]:
    names = set()
    for line in (DOCS / "api.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("::: "):
            names.add(line[4:].strip())
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = _documented()
    missing = []
    for name in cg.__all__:
        if name in ("__version__", "datasets"):
            continue
        if not {f"chaingraph.{name}", f"chaingraph.datasets.{name}"} & documented:
            missing.append(name)
    for module in ("datasets", "plotting", "distributed"):
        for name in getattr(cg, module).__all__:
            if f"chaingraph.{module}.{name}" not in documented:
                missing.append(f"{module}.{name}")
    assert missing == []


def test_api_reference_names_exist():
    import importlib

    for dotted in _documented():
        module, _, attr = dotted.rpartition(".")
        try:
            obj = importlib.import_module(dotted)
        except ImportError:
            obj = getattr(importlib.import_module(module), attr)
        assert obj is not None, dotted


def test_nav_pages_exist():
    import yaml

    config = yaml.safe_load((DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from pages(value)
        elif isinstance(node, list):
            for item in node:
                yield from pages(item)

    for page in pages(config["nav"]):
        assert (DOCS / page).exists(), page


def test_cli_reference_lists_every_command_and_option():
    import argparse

    from chaingraph.cli import _parser

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert subparsers.choices, "no commands found"
    sections = {}
    for part in text.split("\n## chaingraph ")[1:]:
        sections[part.split(None, 1)[0]] = part
    for name, sub in subparsers.choices.items():
        assert f"## chaingraph {name}" in text, name
        for action in sub._actions:
            for option in action.option_strings:
                # in the command's own section (its --help block), not just anywhere
                assert re.search(rf"{re.escape(option)}\b", sections[name]), \
                    f"{name} {option}"
