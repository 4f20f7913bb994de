"""Read and write segment templates as YAML or JSON."""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

from chaingraph.model import SegmentTemplate
from chaingraph.model.lookup import read_template_file, template_format
from chaingraph.readwrite.safety import atomic_path

__all__ = ["read_template", "write_template"]


def read_template(path: str | PathLike, /, *, format: str | None = None
                  ) -> SegmentTemplate:
    """Read a segment template from a YAML or JSON file.

    Parameters
    ----------
    path : path
        ``.yaml``/``.yml`` or ``.json`` file with the layout of
        :meth:`SegmentTemplate.from_dict`: ``id``, ``name_zh``, ``name_en``,
        ``basis``, ``segments`` (list of ``{id, name_zh, name_en, stage}``) and
        ``edges`` (list of ``[supplier, buyer]`` or ``{supplier, buyer, essential}``).
    format : {"yaml", "json"}, optional
        When the suffix does not say.

    Returns
    -------
    SegmentTemplate

    Raises
    ------
    TemplateError
        Missing or unreadable file, bad YAML/JSON, or an invalid template (unknown
        segments in edges, bad stages, duplicate ids, ...).

    See Also
    --------
    write_template, chaingraph.datasets.load_template

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "name_zh": "矿石", "stage": "upstream"},
    ...     {"id": "car", "name_zh": "整车", "stage": "downstream"}],
    ...     "edges": [["ore", "car"]]})
    >>> path = cg.write_template(tpl, pathlib.Path(tempfile.mkdtemp()) / "toy.yaml")
    >>> cg.read_template(path)
    <SegmentTemplate 'toy': 2 segments, 1 edges>
    """
    return read_template_file(path, format=format)


def write_template(template: SegmentTemplate, path: str | PathLike, /, *,
                   format: str | None = None) -> Path:
    """Write a segment template as YAML or JSON (UTF-8, Chinese kept readable).

    Parameters
    ----------
    template : SegmentTemplate
        The template.
    path : path
        ``.yaml``/``.yml`` or ``.json`` file.
    format : {"yaml", "json"}, optional
        When the suffix does not say.

    Returns
    -------
    pathlib.Path
        The file written.

    See Also
    --------
    read_template

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tpl = cg.SegmentTemplate.from_dict({"id": "toy", "segments": [
    ...     {"id": "ore", "stage": "upstream"}], "edges": []})
    >>> path = cg.write_template(tpl, pathlib.Path(tempfile.mkdtemp()) / "toy.json")
    >>> cg.read_template(path).segment_ids
    ['ore']
    """
    path = Path(path)
    fmt = template_format(path, format)
    data = template.to_dict()
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        if fmt == "json":
            json.dump(data, handle, ensure_ascii=False, indent=2, default=_plain)
        else:
            import yaml

            yaml.safe_dump(_plain_tree(data), handle, allow_unicode=True,
                           sort_keys=False)
    return path


def _plain(value: object) -> object:
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def _plain_tree(value: object) -> object:
    """Numpy scalars -> Python scalars, recursively (yaml.safe_dump needs them)."""
    if isinstance(value, dict):
        return {k: _plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v) for v in value]
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (str, bytes)) else value
