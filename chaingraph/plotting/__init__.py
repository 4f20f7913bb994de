"""Chain maps and charts (matplotlib), and a standalone interactive HTML map.

matplotlib is imported only here (``import chaingraph`` stays light). Every function
returns the Axes (or an HTML object) and never calls ``plt.show()`` or ``savefig``;
use :func:`save_figure`. Chinese labels use a CJK font found automatically
(:func:`cjk_font`): a system CJK font, else the bundled Noto Sans CJK SC subset.

Each name below is imported from its module on first use (PEP 562, as in
``chaingraph`` itself): drawing a :class:`MapScene` (:func:`draw_map_scene`, what
the CLI's map process does) imports matplotlib and pandas, not the analyses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaingraph._lazy import lazy_attributes as _lazy_attributes

__all__ = [
    "CJKFontWarning",
    "ChainLayout",
    "HTMLMap",
    "MapScene",
    "chain_layout",
    "cjk_font",
    "draw_map_scene",
    "html_map",
    "map_findings",
    "map_scene",
    "plot_chain_map",
    "plot_context",
    "plot_distribution",
    "plot_echelon",
    "plot_echelon_plan",
    "plot_geography",
    "plot_leaders",
    "plot_portfolio_map",
    "plot_resilience_curve",
    "plot_segment_flows",
    "save_figure",
    "write_html_map",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time see __getattr__
    from chaingraph.plotting._fonts import CJKFontWarning, cjk_font
    from chaingraph.plotting._scene_data import ChainLayout, MapScene
    from chaingraph.plotting._style import plot_context, save_figure
    from chaingraph.plotting.chain_map import draw_map_scene, plot_chain_map
    from chaingraph.plotting.charts import (
        plot_echelon,
        plot_leaders,
        plot_resilience_curve,
        plot_segment_flows,
    )
    from chaingraph.plotting.distribution import plot_distribution, plot_geography
    from chaingraph.plotting.interactive import HTMLMap, html_map, write_html_map
    from chaingraph.plotting.layout import chain_layout
    from chaingraph.plotting.portfolio import plot_echelon_plan, plot_portfolio_map
    from chaingraph.plotting.scene import map_findings, map_scene

#: module -> the public names it defines, imported on first use (the same names as
#: the TYPE_CHECKING imports above: ``tests/test_plotting.py`` checks both agree)
_LAZY_MODULES = {
    "chaingraph.plotting._fonts": ("CJKFontWarning", "cjk_font"),
    "chaingraph.plotting._scene_data": ("ChainLayout", "MapScene"),
    "chaingraph.plotting._style": ("plot_context", "save_figure"),
    "chaingraph.plotting.chain_map": ("draw_map_scene", "plot_chain_map"),
    "chaingraph.plotting.charts": (
        "plot_echelon", "plot_leaders", "plot_resilience_curve", "plot_segment_flows",
    ),
    "chaingraph.plotting.distribution": ("plot_distribution", "plot_geography"),
    "chaingraph.plotting.interactive": ("HTMLMap", "html_map", "write_html_map"),
    "chaingraph.plotting.layout": ("chain_layout",),
    "chaingraph.plotting.portfolio": ("plot_echelon_plan", "plot_portfolio_map"),
    "chaingraph.plotting.scene": ("map_findings", "map_scene"),
}
__getattr__, __dir__ = _lazy_attributes(
    __name__, _LAZY_MODULES,
    hidden={"TYPE_CHECKING", "annotations", "_LAZY_MODULES", "_lazy_attributes"})
