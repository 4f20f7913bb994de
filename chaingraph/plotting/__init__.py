"""Chain maps and charts (matplotlib), and a standalone interactive HTML map.

matplotlib is imported only here (``import chaingraph`` stays light). Every function
returns the Axes (or an HTML object) and never calls ``plt.show()`` or ``savefig``;
use :func:`save_figure`. Chinese labels use a CJK font found automatically
(:func:`cjk_font`): a system CJK font, else the bundled Noto Sans CJK SC subset.
"""

from chaingraph.plotting._fonts import CJKFontWarning, cjk_font
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
from chaingraph.plotting.layout import ChainLayout, chain_layout
from chaingraph.plotting.portfolio import plot_echelon_plan, plot_portfolio_map
from chaingraph.plotting.scene import MapScene, map_findings, map_scene

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
