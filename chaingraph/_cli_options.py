"""Option parsing shared by the CLI commands (``cli.py`` and the ``_cli_*`` modules).

Public helpers inside the package, so that command modules need not import
``cli.py`` (which imports them: no cycle).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["parse_columns", "resolve_template"]


def parse_columns(text: str | None) -> dict[str, str] | None:
    """``--columns``: a JSON/YAML file, a JSON object, or ``"user=canonical,..."``."""
    if not text:
        return None
    path = Path(text)
    if path.is_file():
        import yaml

        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    elif text.lstrip().startswith("{"):
        loaded = json.loads(text)
    else:
        loaded = {}
        for part in text.split(","):
            user, sep, canonical = part.partition("=")
            if not sep or not user.strip() or not canonical.strip():
                raise ValueError(f"--columns: expected 'user=canonical' pairs separated "
                                 f"by commas, got {part!r}")
            loaded[user.strip()] = canonical.strip()
    if not isinstance(loaded, dict):
        raise ValueError("--columns must map the file's column names to canonical names")
    return {str(k): str(v) for k, v in loaded.items()}


def resolve_template(name: str | None) -> Any:
    """``--template``: a built-in template name or a template file (None: no template)."""
    if not name:
        return None
    from chaingraph.model.lookup import as_template

    return as_template(name)
