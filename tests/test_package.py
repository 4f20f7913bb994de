"""The package facade (``chaingraph/__init__.py``): every public name, loaded lazily.

``import chaingraph`` imports only the exceptions; each name of ``__all__`` and each
subpackage is imported on first use (PEP 562 ``__getattr__``). These tests check that
the public API is the same as with eager imports, and that the command line starts
without pandas, numba or matplotlib.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import chaingraph as cg

INIT = Path(cg.__file__)
HEAVY = ("pandas", "numpy", "networkx", "scipy", "numba", "matplotlib", "pyarrow")


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON value."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", cg.__all__)
def test_every_public_name_resolves(name):
    value = getattr(cg, name)
    assert value is not None
    module = cg._LAZY.get(name)
    if module is not None:  # the object its own module defines, not a copy
        assert value is getattr(importlib.import_module(module), name)


def test_star_import_binds_all():
    namespace: dict = {}
    exec("from chaingraph import *", namespace)
    assert set(cg.__all__) <= set(namespace)
    assert namespace["diagnose"] is cg.report.diagnose
    assert namespace["datasets"] is cg.datasets


def test_lazy_names_match_the_type_checking_imports():
    """The TYPE_CHECKING block (what mypy and IDEs see) and the lazy table agree."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and getattr(node.test, "id", None) == "TYPE_CHECKING")
    imported = {(node.module, alias.name) for node in block.body
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    lazy = {(module, name) for name, module in cg._LAZY.items()}
    assert imported - {("chaingraph", "datasets")} == lazy
    assert set(cg.__all__) == set(cg._LAZY) | {
        "datasets", "__version__", "ChainDataError", "ChainDataWarning",
        "ChainGraphError", "ConvergenceError", "Problem", "TemplateError"}


def test_dir_lists_public_names_before_they_load():
    listed = _fresh("import json, chaingraph; print(json.dumps(dir(chaingraph)))")
    assert set(cg.__all__) <= set(listed)
    assert {"algorithms", "datasets", "kernels", "model", "readwrite", "report",
            "iotable"} <= set(listed)
    assert "_LAZY" not in listed and "TYPE_CHECKING" not in listed
    assert listed == sorted(listed)


def test_subpackages_and_unknown_names():
    assert cg.plotting.__name__ == "chaingraph.plotting"
    assert cg.kernels.__name__ == "chaingraph.kernels"
    assert cg.datasets.load_example().n_enterprises > 0
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        cg.nonexistent  # noqa: B018


def test_import_and_cli_parser_stay_light():
    """``import chaingraph.cli`` and building its parser load no heavy library."""
    loaded = _fresh(
        "import json, sys, chaingraph.cli as c; c._parser(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert loaded == []
