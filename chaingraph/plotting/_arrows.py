"""Many arrows as one matplotlib artist (the segment view's flows).

Drawing a thousand :class:`~matplotlib.patches.FancyArrowPatch` objects costs most of
a chain map's time in Python: each arrow builds its own paths, graphics context and
transforms on every draw. :class:`FlowArrows` draws the same arrows -- a quadratic
"arc3" curve (straight, or bent for a flow running back) with a filled ``-|>`` head,
the geometry of ``FancyArrowPatch(arrowstyle="-|>", mutation_scale=8 + width,
shrinkA=0, shrinkB=0)`` -- computed for all arrows at once with numpy, and passes
the very same paths to the renderer, in the same order, with the same line widths,
colours, caps and joins. The picture is the same pixel for pixel
(``tests/test_plotting.py`` checks it against the patches).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.artist import Artist
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

from chaingraph.plotting._style import COLORS

__all__ = ["FlowArrows", "add_flow_arrows"]

_HEAD_LENGTH, _HEAD_WIDTH = 0.4, 0.2  # ArrowStyle "-|>" defaults, times the scale
_LINE_CODES = np.array([Path.MOVETO, Path.CURVE3, Path.CURVE3], dtype=Path.code_type)
_HEAD_CODES = np.array([Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY],
                       dtype=Path.code_type)


class FlowArrows(Artist):
    """Arrows from ``starts`` to ``ends`` (data coordinates), drawn in one pass.

    ``widths`` are line widths in points (the head scale is ``8 + width``),
    ``colors`` RGBA rows (alpha included), ``rad`` the arc3 curvature of each
    arrow. ``flows`` (any table, one row per arrow) is kept for readers of the
    figure: which segment pair each arrow is.
    """

    def __init__(self, starts: np.ndarray, ends: np.ndarray, *, widths: np.ndarray,
                 colors: np.ndarray, rad: np.ndarray, flows: Any = None,
                 gid: str = "segment-flows", zorder: float = 2) -> None:
        super().__init__()
        self.starts = np.asarray(starts, dtype=float).reshape(-1, 2)
        self.ends = np.asarray(ends, dtype=float).reshape(-1, 2)
        self.widths = np.asarray(widths, dtype=float)
        self.colors = np.asarray(colors, dtype=float).reshape(-1, 4)
        self.rad = np.asarray(rad, dtype=float)
        self.flows = flows
        self.set_gid(gid)
        self.set_zorder(zorder)

    def paths(self, dpi_cor: float) -> list[tuple[Path, Path | None]]:
        """(line, head) paths of every arrow in display coordinates.

        ``dpi_cor`` is pixels per point. The arithmetic is FancyArrowPatch's
        (arc3 connection, ``_Curve`` transmute), in the same order.
        """
        n = len(self.starts)
        points = (self.get_transform().transform(np.concatenate([self.starts, self.ends]))
                  if n else np.zeros((0, 2)))
        x1, y1 = points[:n, 0], points[:n, 1]
        x2, y2 = points[n:, 0], points[n:, 1]
        x12, y12 = (x1 + x2) / 2., (y1 + y2) / 2.
        dx, dy = x2 - x1, y2 - y1
        cx, cy = x12 + self.rad * dy, y12 - self.rad * dx
        mutation = (8 + self.widths) * dpi_cor
        linewidth = self.widths * dpi_cor
        head_length, head_width = _HEAD_LENGTH * mutation, _HEAD_WIDTH * mutation
        head_dist = np.hypot(head_length, head_width)
        cos_t, sin_t = head_length / head_dist, head_width / head_dist
        # _get_arrow_wedge(cx, cy, x2, y2, ...): the head at the end point
        wx, wy = cx - x2, cy - y2
        distance = np.hypot(wx, wy)
        has_head = (cx != x2) | (cy != y2)
        distance = np.where(distance == 0, 1, distance)
        pad = .5 * linewidth / sin_t
        ddx, ddy = pad * wx / distance, pad * wy / distance
        wx, wy = wx / distance * head_dist, wy / distance * head_dist
        dx1, dy1 = cos_t * wx + sin_t * wy, -sin_t * wx + cos_t * wy
        dx2, dy2 = cos_t * wx - sin_t * wy, sin_t * wx + cos_t * wy
        ddx, ddy = np.where(has_head, ddx, 0), np.where(has_head, ddy, 0)
        out = []
        for i in range(n):
            line = Path(np.array([[x1[i], y1[i]], [cx[i], cy[i]],
                                  [x2[i] + ddx[i], y2[i] + ddy[i]]]), _LINE_CODES)
            head = None
            if has_head[i]:
                tip_x, tip_y = x2[i] + ddx[i], y2[i] + ddy[i]
                head = Path(np.array([[tip_x + dx1[i], tip_y + dy1[i]], [tip_x, tip_y],
                                      [tip_x + dx2[i], tip_y + dy2[i]], [0, 0]]),
                            _HEAD_CODES)
            out.append((line, head))
        return out

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        renderer.open_group("patch", self.get_gid())
        gc = renderer.new_gc()
        gc.set_capstyle("round")
        gc.set_joinstyle("round")
        gc.set_antialiased(True)
        self._set_gc_clip(gc)
        gc.set_snap(self.get_snap())
        gc.set_dashes(0, None)
        identity = IdentityTransform()
        for (line, head), width, color in zip(
                self.paths(renderer.points_to_pixels(1.)), self.widths, self.colors,
                strict=True):
            rgba = tuple(float(c) for c in color)
            gc.set_linewidth(float(width))
            gc.set_alpha(rgba[3])
            gc.set_foreground(rgba, isRGBA=True)
            renderer.draw_path(gc, line, identity, None)
            if head is not None:
                renderer.draw_path(gc, head, identity, rgba)
        gc.restore()
        renderer.close_group("patch")
        self.stale = False


def add_flow_arrows(ax: Any, links: pd.DataFrame, widths: np.ndarray,
                    cut_pairs: set[tuple[Any, Any]]) -> FlowArrows:
    """The segment view's flows on ``ax``: grey arrows fading with volume, the
    minimum cut's segment pairs (``cut_pairs``) in orange."""
    widths = np.asarray(widths, dtype=float)
    alphas = 0.15 + 0.45 * (widths - 0.6) / 8.4  # small flows fade
    cut = np.array([pair in cut_pairs for pair in zip(links["supplier"], links["buyer"],
                                                       strict=True)], dtype=bool)
    colors = np.array([mcolors.to_rgba(COLORS["cut"]),
                       mcolors.to_rgba(COLORS["link"])])[np.where(cut, 0, 1)]
    colors[:, 3] = np.where(cut, 0.85, alphas)
    x0, y0, x1, y1 = (links[c].to_numpy(dtype=float) for c in ("x0", "y0", "x1", "y1"))
    flows = pd.DataFrame({"supplier": links["supplier"].to_numpy(dtype=object),
                          "buyer": links["buyer"].to_numpy(dtype=object),
                          "volume": links["volume"].to_numpy(dtype=float), "cut": cut})
    arrows = FlowArrows(np.column_stack([x0, y0]), np.column_stack([x1, y1]),
                        widths=widths, colors=colors, rad=np.where(x1 <= x0, 0.35, 0.0),
                        flows=flows)
    ax.add_artist(arrows)  # clipped to the axes, like the patches it replaces
    return arrows
