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
#: public name -> the module it is imported from on first use
LAZY = {name: module for module, names in cg._LAZY_MODULES.items() for name in names}


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON value."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", cg.__all__)
def test_every_public_name_resolves(name):
    value = getattr(cg, name)
    assert value is not None
    module = LAZY.get(name)
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
    lazy = {(module, name) for name, module in LAZY.items()}
    assert imported - {("chaingraph", "datasets")} == lazy
    assert set(cg.__all__) == set(LAZY) | {
        "datasets", "__version__", "ChainDataError", "ChainDataWarning",
        "ChainGraphError", "ConvergenceError", "Problem", "TemplateError"}


def test_dir_lists_public_names_before_they_load():
    listed = _fresh("import json, chaingraph; print(json.dumps(dir(chaingraph)))")
    assert set(cg.__all__) <= set(listed)
    assert {"algorithms", "datasets", "kernels", "model", "readwrite", "report",
            "iotable"} <= set(listed)
    assert "_LAZY_MODULES" not in listed and "TYPE_CHECKING" not in listed
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


# --- chaingraph.plotting: the same facade -----------------------------------------------
PLOTTING_INIT = INIT.parent / "plotting" / "__init__.py"


def _type_checking_imports(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and getattr(node.test, "id", None) == "TYPE_CHECKING")
    return {(node.module, alias.name) for node in block.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_plotting_names_match_their_type_checking_imports():
    plotting = importlib.import_module("chaingraph.plotting")
    lazy = {(module, name) for module, names in plotting._LAZY_MODULES.items()
            for name in names}
    assert _type_checking_imports(PLOTTING_INIT) == lazy
    assert {name for _, name in lazy} == set(plotting.__all__)


@pytest.mark.parametrize("name", importlib.import_module("chaingraph.plotting").__all__)
def test_every_plotting_name_resolves_to_its_modules_object(name):
    plotting = importlib.import_module("chaingraph.plotting")
    module = next(m for m, names in plotting._LAZY_MODULES.items() if name in names)
    assert getattr(plotting, name) is getattr(importlib.import_module(module), name)


def test_plotting_loads_only_what_is_asked_for():
    """Drawing a scene (the CLI's map process) needs neither networkx nor the
    chain model; dir() lists every name before any is loaded; * binds them all."""
    found = _fresh(
        "import json, sys\n"
        "from chaingraph.plotting import draw_map_scene, MapScene\n"
        "import chaingraph.plotting as p\n"
        "heavy = [m for m in ('networkx', 'scipy', 'chaingraph.model') if m in sys.modules]\n"
        "listed = dir(p)\n"
        "namespace = {}\n"
        "exec('from chaingraph.plotting import *', namespace)\n"
        "print(json.dumps([heavy, listed, sorted(set(p.__all__) - set(namespace))]))")
    heavy, listed, unbound = found
    plotting = importlib.import_module("chaingraph.plotting")
    assert heavy == []
    assert set(plotting.__all__) <= set(listed) and listed == sorted(listed)
    assert "_LAZY_MODULES" not in listed and "TYPE_CHECKING" not in listed
    assert unbound == []
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        plotting.nonexistent  # noqa: B018
