"""What a chain map draws, as data: :class:`ChainLayout` and :class:`MapScene`.

Computed by :mod:`~chaingraph.plotting.layout` and :mod:`~chaingraph.plotting.scene`
from a chain; drawn by :mod:`~chaingraph.plotting.chain_map`. This module imports
neither the chain model nor networkx, so that the CLI's map process, which receives
a pickled scene and only draws it, imports matplotlib and pandas and not the
analyses (about 40 MB and 0.2-0.3 s of one core less in every run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ChainLayout", "MapScene"]


@dataclass
class ChainLayout:
    """Positions of segment boxes, enterprises and links (data units).

    Attributes
    ----------
    view : {"enterprise", "segment"}
    segments : DataFrame
        segment, label, stage, column, x0, y0, width, height, n_focal, n_total,
        output, focal_output, present (has a focal enterprise), in_template.
    nodes : DataFrame
        enterprise, name, segment, region, focal, output, tier, x, y (enterprise view;
        empty in the segment view).
    links : DataFrame
        supplier, buyer, volume, x0, y0, x1, y1 (between enterprises, or between
        segments in the segment view).
    columns : DataFrame
        column, x, stage (majority stage of the column's segments).
    meta : dict
        n_enterprises, n_links, region, name, segment_of (enterprise -> segment
        drawn, a read-only mapping), segments (the segment drawn per enterprise
        code, an array).

    See Also
    --------
    chain_layout : builds one.

    Examples
    --------
    >>> lay = cg.plotting.chain_layout(nx.DiGraph([("a", "b")]))
    >>> lay.view, lay.nodes["x"].tolist()
    ('enterprise', [0.5, 1.5])
    """

    view: str
    segments: pd.DataFrame
    nodes: pd.DataFrame
    links: pd.DataFrame
    columns: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)



@dataclass(frozen=True)
class MapScene:
    """What the static chain map draws, without the chain: small and picklable.

    Built by :func:`map_scene` from a chain and its report; drawn by
    :func:`draw_map_scene`, in this process or another one (the CLI draws its map
    in a helper process while it writes the other report files).

    Attributes
    ----------
    layout : ChainLayout
        The positions (its ``meta`` without the per-enterprise segment lookup).
    found : dict
        :func:`map_findings` without the tooltip notes.
    region, lang, title :
        The focal region, the language of the marks and the title drawn.
    colors : list of str
        Enterprise view: one colour per node of ``layout.nodes``.
    legend : dict
        Legend entries of those colours (name -> colour).
    labels : list
        Enterprise view: the enterprises labelled, in drawing order.
    highlight : frozenset
        Enterprises ringed.
    marks : dict
        Segment view: segment -> (number of single points of failure, leader names).
    cut_pairs : frozenset
        Segment view: segment pairs holding a highlighted minimum-cut link.
    has_template : bool
        Segments without a focal enterprise are drawn as ghosts.

    Examples
    --------
    >>> import pickle
    >>> scene = cg.plotting.map_scene(cg.datasets.load_example(), view="segment")
    >>> pickle.loads(pickle.dumps(scene)).title == scene.title
    True
    """

    layout: ChainLayout
    found: dict[str, Any]
    region: Any
    lang: str | None
    title: str
    colors: list[str] = field(default_factory=list)
    legend: dict[str, str] = field(default_factory=dict)
    labels: list[Any] = field(default_factory=list)
    highlight: frozenset[Any] = frozenset()
    marks: dict[Any, tuple[int, list[str]]] = field(default_factory=dict)
    cut_pairs: frozenset[tuple[Any, Any]] = frozenset()
    has_template: bool = False

