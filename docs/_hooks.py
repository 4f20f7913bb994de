"""mkdocs hook: Sphinx cross-reference roles in docstrings become links or code.

The docstrings follow numpydoc and use Sphinx roles (``:func:`max_flow```); mkdocstrings
renders them as ``:func:<code>max_flow</code>``. This hook (``hooks:`` in mkdocs.yml)
turns each one into a link to the object's entry on the same page when the page
documents it (by full path, by the name under ``chaingraph``, or by a unique name
suffix), else into plain code. A leading ``~`` keeps only the last name, as in Sphinx.
"""

from __future__ import annotations

import re

_ROLE = re.compile(
    r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const):<code>(~?)([^<]*)</code>")
_ID = re.compile(r'id="(chaingraph\.[\w.]+)"')


def _resolve(target: str, ids: set[str]) -> str | None:
    last = target.rsplit(".", 1)[-1]
    for candidate in (target, f"chaingraph.{target}", f"chaingraph.{last}",
                      f"chaingraph.datasets.{last}"):
        if candidate in ids:
            return candidate
    ends = [i for i in ids if i.endswith(f".{target}")]
    return ends[0] if len(ends) == 1 else None


def on_page_content(html: str, page, config, files) -> str:
    """Rewrite the roles of one rendered page."""
    if ":<code>" not in html:
        return html
    ids = set(_ID.findall(html))

    def replace(match: re.Match) -> str:
        tilde, target = match.groups()
        shown = target.rsplit(".", 1)[-1] if tilde else target
        anchor = _resolve(target, ids)
        code = f"<code>{shown}</code>"
        return f'<a href="#{anchor}">{code}</a>' if anchor else code

    return _ROLE.sub(replace, html)
