"""Import rules of the package, checked by a small AST scan of its source.

* Dependencies point one way: model -> readwrite -> kernels/algorithms -> report ->
  plotting -> cli, with datasets beside readwrite (see ``LAYERS``). Lazy imports
  inside functions count like any other.
* No import cycles between modules.
* No module imports another module's private (``_underscore``) names; importing a
  private *module* of the package (``chaingraph._engines``) is fine.
* No analysis (algorithms, kernels, model, readwrite) imports ``chaingraph.datasets``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chaingraph"

#: Layer of each top-level part of the package; a module may import its own layer
#: and lower ones. Ranks with a fraction are "beside" the layer below them.
LAYERS: dict[str, float] = {
    "exceptions": 0, "amounts": 0, "_checks": 1.5, "_engines": 0, "_progress": 0, "_env": 0,
    "_memory": 0, "_arrow_text": 0, "_warnings": 0, "_lazy": 0, "_atomic": 0,
    "kernels": 0.5,  # generic maths on arrays: they import only the layer-0 helpers
    "model": 1, "iotable": 1,  # the data model: chains, templates, input-output tables
    "readwrite": 2,
    "datasets": 2.5,  # beside readwrite: readwrite and the analyses never import it
    "algorithms": 4,
    "distributed": 5,
    "labels": 0,  # translation tables only
    "report": 5, "_report_render": 5, "_report_json": 5, "_report_text": 5, "_report_cut": 5,
    "_report_explain": 5,
    "_report_findings": 5, "_report_headline": 5, "_report_excel": 5,
    "_report_tables": 5, "_report_steps": 5, "dossier": 5,
    "plotting": 6,
    "cli": 7, "__main__": 7.5, "_map_process": 7, "_cli_options": 7, "_cli_risk": 7, "_cli_output": 7, "_cli_io": 7, "_cli_portfolio": 7, "_cli_regions": 7,
}
#: Parts that must not import ``chaingraph.datasets`` (or anything above them).
NO_DATASETS = ("model", "readwrite", "kernels", "algorithms")

# Lane R (the report rewrite) removes the report <-> _report_render cycle and its
# private-name imports; until that branch is merged, exactly this pair is allowed.
# The lead removes this allow-list after merging it.
ALLOWED_PAIRS: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_module(name: str, modules: dict[str, Path]) -> bool:
    return name in modules


def _imports(name: str, path: Path, modules: dict[str, Path]
             ) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, None, node.lineno) for alias in node.names
                       if alias.name.startswith("chaingraph"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = name.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("chaingraph"):
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if _is_module(full, modules):
                    out.append((full, None, node.lineno))
                else:
                    out.append((target, alias.name, node.lineno))
    return out


def _runtime_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (not imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and \
                    child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _graph() -> nx.DiGraph:
    modules = _modules()
    G = nx.DiGraph()
    for name, path in modules.items():
        G.add_node(name)
        for target, imported, line in _imports(name, path, modules):
            if target == "chaingraph" or target == name:
                continue  # the package facade itself, and self-references
            G.add_edge(name, target, name_imported=imported, line=line)
    return G


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    return _graph()


def test_every_part_of_the_package_has_a_layer(graph):
    parts = {_part(m) for m in graph if _part(m) is not None}
    assert parts - set(LAYERS) == set()


def test_dependencies_point_one_way(graph):
    wrong = []
    for module, target, data in graph.edges(data=True):
        a, b = _part(module), _part(target)
        if a is None or b is None or a == b:
            continue
        if LAYERS[b] > LAYERS[a] or (a in NO_DATASETS and b == "datasets"):
            wrong.append(f"{module}:{data['line']} imports {target}")
    assert wrong == []


def test_kernels_know_nothing_of_chains(graph):
    wrong = [f"{m} imports {t}" for m, t in graph.edges
             if _part(m) == "kernels" and LAYERS.get(_part(t) or "", 0) >= 1
             and _part(t) != "kernels"]
    assert wrong == []


def test_no_import_cycles(graph):
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    cycles = [c for c in cycles if frozenset(c) not in ALLOWED_PAIRS]
    assert cycles == []


def test_no_private_names_imported_from_other_modules(graph):
    wrong = []
    for module, target, data in graph.edges(data=True):
        name = data["name_imported"]
        if name is None or not name.startswith("_") or name.startswith("__"):
            continue
        if frozenset({module, target}) in ALLOWED_PAIRS:
            continue
        wrong.append(f"{module}:{data['line']} imports {target}.{name}")
    assert wrong == []


def test_no_analysis_imports_datasets(graph):
    wrong = [f"{m} imports {t}" for m, t in graph.edges
             if _part(m) in NO_DATASETS and _part(t) == "datasets"]
    assert wrong == []


def test_modules_stay_small_or_say_why():
    """Modules above ~500 lines say why in their docstring ("Long module: ...")."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 520:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "long module" not in doc.lower():
                long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
    assert long == []


def test_the_scan_sees_a_private_import_and_a_cycle():
    """The rules can fail: a fake private import and a fake cycle are caught."""
    G = nx.DiGraph()
    G.add_edge("chaingraph.a", "chaingraph.b", name_imported="_x", line=1)
    G.add_edge("chaingraph.b", "chaingraph.a", name_imported=None, line=1)
    with pytest.raises(AssertionError):
        test_no_import_cycles(G)
    with pytest.raises(AssertionError):
        test_no_private_names_imported_from_other_modules(G)
    G = nx.DiGraph()
    G.add_edge("chaingraph.algorithms.x", "chaingraph.datasets", name_imported=None,
               line=3)
    with pytest.raises(AssertionError):
        test_no_analysis_imports_datasets(G)
    with pytest.raises(AssertionError):
        test_dependencies_point_one_way(G)
