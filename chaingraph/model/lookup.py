"""Which template an argument means: a template object, a built-in name or a file.

This is the one place a ``template=`` argument is resolved, for every analysis, the
report, the plots and the CLI (so a file behaves the same everywhere). The built-in
templates are the YAML files packaged in ``chaingraph/datasets/templates``; they are
read with :mod:`importlib.resources` (no import of :mod:`chaingraph.datasets`).

Precedence for a string: a built-in template id (``"nev"``) first, then a path to a
YAML/JSON file. A file without an ``id`` gets its file name (without suffix) as id.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chaingraph.exceptions import TemplateError
from chaingraph.model.template import SegmentTemplate

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["TemplateLike", "as_template", "builtin_template_data", "builtin_templates",
           "load_template", "read_template_file", "template_format"]

#: What a ``template=`` argument accepts.
TemplateLike = SegmentTemplate | str | os.PathLike | None


def builtin_templates() -> dict[str, Traversable]:
    """Built-in template id -> its packaged YAML file."""
    folder = resources.files("chaingraph").joinpath("datasets", "templates")
    return {entry.name[:-5]: entry for entry in folder.iterdir()
            if entry.name.endswith(".yaml")}


@cache
def _builtin(name: str) -> dict[str, Any]:
    """The parsed YAML of a built-in template, with libyaml's safe loader when PyYAML
    has it (about ten times faster than the pure-Python one; the same values)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(builtin_templates()[name].read_text(encoding="utf-8"), Loader=loader)


def builtin_template_data(name: str) -> dict[str, Any]:
    """The parsed YAML of a built-in template (a copy)."""
    return copy.deepcopy(_builtin(name))


def template_format(path: Path, format: str | None) -> str:
    """``"yaml"`` or ``"json"``: the given format, else the file suffix's."""
    name = (format or path.suffix.lstrip(".")).lower()
    name = {"yml": "yaml"}.get(name, name)
    if name not in ("yaml", "json"):
        raise TemplateError(f"cannot tell the template format of {path.name!r}: use a "
                            ".yaml, .yml or .json file, or pass format='yaml'/'json'")
    return name


def read_template_file(path: str | os.PathLike, /, *, format: str | None = None
                       ) -> SegmentTemplate:
    """Read a segment template from a YAML or JSON file (see ``read_template``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.json"
    >>> _ = path.write_text('{"segments": [{"id": "ore", "stage": "upstream"}]}')
    >>> read_template_file(path).name  # no id in the file: the file name
    'toy'
    """
    path = Path(path)
    fmt = template_format(path, format)
    if not path.is_file():
        raise TemplateError(f"template file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
        if fmt == "json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (UnicodeDecodeError, ValueError) as err:
        raise TemplateError(f"{path.name}: cannot read the template: {err}") from None
    except Exception as err:  # yaml.YAMLError
        raise TemplateError(f"{path.name}: not valid YAML: {err}") from None
    if isinstance(data, dict):
        data.setdefault("id", path.stem)
    try:
        return SegmentTemplate.from_dict(data)
    except TemplateError as err:
        raise TemplateError(f"{path.name}: {err}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise TemplateError(f"{path.name}: invalid template: {err}") from None


def load_template(name: SegmentTemplate | str | os.PathLike) -> SegmentTemplate:
    """A template object, a built-in template (a new object) or a template file.

    Raises
    ------
    chaingraph.TemplateError
        An unknown name, or a file that is not a valid template.
    TypeError
        For anything else.

    Examples
    --------
    >>> load_template("nev").name
    'nev'
    """
    if isinstance(name, SegmentTemplate):
        return name
    if isinstance(name, str) and name in builtin_templates():
        return SegmentTemplate.from_dict(builtin_template_data(name))
    if isinstance(name, (str, os.PathLike)) and os.path.isfile(name):
        return read_template_file(name)
    if isinstance(name, (str, os.PathLike)):
        known = ", ".join(sorted(builtin_templates()))
        raise TemplateError(
            f"no built-in template or template file {str(name)!r} (built-in: {known}; "
            "or give the path of a YAML/JSON template file)")
    raise TypeError(
        f"expected a template name, path or SegmentTemplate, got {type(name).__name__}")


def as_template(template: TemplateLike) -> SegmentTemplate | None:
    """Resolve a ``template=`` argument: None, an object, a built-in name or a file.

    Examples
    --------
    >>> as_template("nev").name, as_template(None)
    ('nev', None)
    """
    return None if template is None else load_template(template)
