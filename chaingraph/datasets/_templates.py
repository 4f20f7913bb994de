"""Built-in segment templates: reference chains of industries, shipped as YAML."""

from __future__ import annotations

import copy
import os
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from chaingraph.exceptions import TemplateError
from chaingraph.model import SegmentTemplate

__all__ = ["list_templates", "load_template"]

_PACKAGE = "chaingraph.datasets"


def _template_files() -> dict[str, Any]:
    folder = resources.files(_PACKAGE).joinpath("templates")
    return {entry.name[:-5]: entry for entry in folder.iterdir()
            if entry.name.endswith(".yaml")}


@cache
def _read_builtin(name: str) -> dict[str, Any]:
    import yaml

    text = _template_files()[name].read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _read_path(path: str | os.PathLike[str]) -> dict[str, Any]:
    import json

    import yaml

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if str(path).lower().endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def load_template(name: str | os.PathLike[str] | SegmentTemplate) -> SegmentTemplate:
    """Load a built-in segment template by name, or a template file.

    Parameters
    ----------
    name : str, path or SegmentTemplate
        A built-in template id (see :func:`list_templates`: ``"nev"``,
        ``"cosmetics"``, ``"electronic_display"``, ...), a path to a YAML or JSON
        template file, or a :class:`~chaingraph.SegmentTemplate` (returned as is).

    Returns
    -------
    SegmentTemplate
        A new template object on each call (changing it changes no other copy).

    Raises
    ------
    chaingraph.TemplateError
        An unknown name, or a file that is not a valid template.

    See Also
    --------
    list_templates : the built-in templates.
    chaingraph.SegmentTemplate.from_dict : the file layout.

    Notes
    -----
    The built-in templates are simplified reference structures compiled from public
    industry descriptions (each file's ``basis`` says which); they are not official
    chain maps. Segment ids are snake_case English; every segment has a Chinese and
    an English name, a stage and a description; edges marked ``essential: false``
    are substitutable inputs.

    Examples
    --------
    >>> tpl = cg.datasets.load_template("nev")
    >>> tpl.name, tpl.resolve("整车制造"), tpl.stage_of("lithium_resources")
    ('nev', 'vehicle_assembly', 'upstream')
    >>> cg.datasets.load_template(tpl) is tpl
    True
    """
    if isinstance(name, SegmentTemplate):
        return name
    if isinstance(name, str) and name in _template_files():
        return SegmentTemplate.from_dict(copy.deepcopy(_read_builtin(name)))
    if isinstance(name, (str, os.PathLike)) and os.path.isfile(name):
        data = _read_path(name)
        if isinstance(data, dict):
            data.setdefault("id", os.path.splitext(os.path.basename(name))[0])
        return SegmentTemplate.from_dict(data)
    if isinstance(name, (str, os.PathLike)):
        known = ", ".join(sorted(_template_files()))
        raise TemplateError(
            f"no built-in template or template file {str(name)!r} (built-in: {known}; "
            "or give the path of a YAML/JSON template file)")
    raise TypeError(
        f"expected a template name, path or SegmentTemplate, got {type(name).__name__}")


def list_templates() -> pd.DataFrame:
    """The built-in segment templates.

    Returns
    -------
    DataFrame
        One row per template, sorted by id, columns ``id``, ``name_zh``,
        ``name_en``, ``n_segments``, ``n_edges``, ``basis``.

    See Also
    --------
    load_template

    Examples
    --------
    >>> table = cg.datasets.list_templates()
    >>> "nev" in set(table["id"])
    True
    >>> table.columns.tolist()
    ['id', 'name_zh', 'name_en', 'n_segments', 'n_edges', 'basis']
    """
    rows = []
    for name in sorted(_template_files()):
        data = _read_builtin(name)
        rows.append({"id": data.get("id", name), "name_zh": data.get("name_zh"),
                     "name_en": data.get("name_en"),
                     "n_segments": len(data.get("segments") or []),
                     "n_edges": len(data.get("edges") or []),
                     "basis": " ".join(str(data.get("basis", "")).split())})
    columns = ["id", "name_zh", "name_en", "n_segments", "n_edges", "basis"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"id": object, "name_zh": object, "name_en": object, "basis": object})
