"""The resolved context of one call: chain, template, focal region, sources and final.

Every analysis, the report, the plots and the CLI turn what a user passes into one
:class:`ChainContext` with :func:`resolve`, once per call:

* the chain: a :class:`~chaingraph.model.Chain` is used as is, a networkx
  ``DiGraph`` converted once (:func:`~chaingraph.model.as_chain`);
* the template: an object, a built-in name or a YAML/JSON file, through the one
  resolver :func:`~chaingraph.model.lookup.as_template`;
* segments: with a template, segment labels (id, Chinese or English name) are mapped
  to template ids once; the mapped chain is kept in the original chain's cache, so
  later calls on the same chain and template reuse it;
* the focal region (checked: a region no enterprise is in is an error), and the
  ``sources`` / ``final`` selectors (see :mod:`chaingraph.model.roles`).

Derived arrays (focal mask, roles, segments, stages) are computed on first use and
kept with :meth:`Chain.cached`; nothing is written into the chain or the template from
outside. Stage precedence is documented in :mod:`chaingraph.model.roles`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainDataError, ChainDataWarning, Problem
from chaingraph.model.chain import Chain, as_chain
from chaingraph.model.fields import BUYER, SEGMENT, SUPPLIER, VOLUME
from chaingraph.model.lookup import TemplateLike, as_template
from chaingraph.model.roles import (
    Roles,
    Selector,
    enterprise_segments,
    enterprise_stages,
    focal_mask,
    resolve_roles,
)
from chaingraph.model.template import SegmentTemplate
from chaingraph.model.validation import UNIT_WEIGHTS_MESSAGE

__all__ = ["ChainContext", "on_template", "resolve", "weighted"]


@dataclass(frozen=True, eq=False)
class ChainContext:
    """What one call works on: the chain, its template, region and role selectors.

    Build it with :func:`resolve`. The arrays are computed on first use.

    Attributes
    ----------
    chain : Chain
        The chain (segments mapped to template ids when a template is given).
    template : SegmentTemplate or None
        The resolved template.
    region : str, list of str or None
        The focal region (None: the whole chain).
    sources, final : selector or None
        Who counts as source / final producer (None: the defaults).
    """

    chain: Chain
    template: SegmentTemplate | None = None
    region: Any = None
    sources: Selector = None
    final: Selector = None

    @property
    def focal(self) -> np.ndarray:
        """Boolean mask of the focal enterprises (all when ``region`` is None)."""
        return focal_mask(self.chain, self.region)

    @property
    def roles(self) -> Roles:
        """Sources, final producers and isolated enterprises."""
        return resolve_roles(self.chain, sources=self.sources, final=self.final,
                             template=self.template)

    @property
    def segments(self) -> np.ndarray | None:
        """Segment of each enterprise (template ids), None without a segment column."""
        return enterprise_segments(self.chain, self.template)

    @property
    def stages(self) -> np.ndarray:
        """Stage of each enterprise (see :func:`~chaingraph.model.roles.enterprise_stages`)."""
        return enterprise_stages(self.chain, self.template, self.segments)


def on_template(chain: Chain, template: SegmentTemplate | None) -> Chain:
    """The chain with segment labels mapped to template ids (the same chain if they are).

    The answer is kept in the chain's cache, per set of template labels (so calls
    with the same built-in name reuse it).

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b")])
    >>> G.nodes["a"]["segment"] = "整车制造"
    >>> chain = on_template(cg.as_chain(G), cg.datasets.load_template("nev"))
    >>> chain.column("segment", default=None).tolist()
    ['vehicle_assembly', nan]
    """
    if template is None or not chain.has_column(SEGMENT):
        return chain
    held = chain.cached("context.on_template", dict)
    key = template.label_key  # templates with the same labels map alike
    if key in held:
        return held[key]
    known = list(template.segment_ids)
    values = chain.column(SEGMENT, default=None)
    cells = pd.Series(values, dtype=object)
    if bool((cells.isin(known) | cells.isna()).all()):
        mapped = chain
    else:
        labels = [template.resolve(v) or v if isinstance(v, str) else v for v in values]
        enterprises = chain.enterprises
        enterprises[SEGMENT] = pd.Series(labels, dtype=object)
        mapped = Chain(enterprises, chain.links, chain.meta,
                       link_codes=chain.link_codes)
    held[key] = mapped
    return mapped


def resolve(G: Chain | nx.DiGraph | ChainContext, /, *, template: TemplateLike = None,
            region: Any = None, sources: Selector = None, final: Selector = None
            ) -> ChainContext:
    """Turn what a user passes into one :class:`ChainContext` (once per call).

    Parameters
    ----------
    G : Chain, networkx.DiGraph or ChainContext
        The chain. A context is returned as is (the other arguments must be unset).
    template : SegmentTemplate, str, path or None
        A template object, a built-in name (``"nev"``) or a YAML/JSON file.
    region : str or list of str, optional
        The focal region.
    sources, final : selector, optional
        Who counts as source / final producer (ids, ``{"segment": ...}``,
        ``{"stage": ...}`` or ``{"region": ...}``).

    Returns
    -------
    ChainContext

    Raises
    ------
    TemplateError
        An unknown template name or a malformed template file.
    ValueError
        A region no enterprise is in.

    Examples
    --------
    >>> ctx = resolve(cg.datasets.load_example(), template="nev", region="明湾示范区")
    >>> ctx.template.name, int(ctx.focal.sum())
    ('nev', 150)
    """
    if isinstance(G, ChainContext):
        return G
    template = as_template(template)
    chain = on_template(as_chain(G), template)
    if region is not None:
        focal_mask(chain, region)  # fail early on an unknown region
    return ChainContext(chain, template, region, sources, final)


def weighted(G: Chain | nx.DiGraph | ChainContext, weight: str | None, *,
             volumes_used: bool = False) -> tuple[Chain | ChainContext, str | None]:
    """What an analysis taking ``weight=`` works on, and the link column it names.

    A networkx graph becomes a chain as every analysis converts it (its volume: a
    ``volume`` edge attribute, else ``weight``), and ``weight`` then names the link
    column holding the attribute it names, as networkx reads ``weight=``: the default
    ``"volume"`` is that volume, ``"weight"`` the ``weight`` attribute (the volume
    when the graph has no ``volume``), another name that attribute (an error when no
    edge has it), ``None`` unit weights. The one-line warning about a graph without
    weights is given only when the volumes are used: ``weight="volume"``, or
    ``volumes_used`` (an analysis whose other parts, a maximum flow, use them). A
    chain (or context) is returned as it is, and a ``weight`` other than
    ``"volume"`` or None must be one of its link columns.

    Parameters
    ----------
    G : Chain, networkx.DiGraph or ChainContext
        What the user passed.
    weight : str or None
        The analysis's ``weight`` argument.
    volumes_used : bool, default False
        Whether the analysis uses the volumes beside ``weight``.

    Returns
    -------
    (Chain or ChainContext, str or None)

    Raises
    ------
    ChainDataError
        No edge attribute or link column of that name.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b", {"tonnes": 4.0, "volume": 9.0})])
    >>> chain, column = weighted(G, "tonnes")
    >>> column, chain.links["tonnes"].tolist(), chain.links["volume"].tolist()
    ('tonnes', [4.0], [9.0])
    """
    if isinstance(G, nx.Graph):
        with warnings.catch_warnings():
            if weight != VOLUME and not volumes_used:  # unit volumes are not used
                warnings.filterwarnings("ignore", UNIT_WEIGHTS_MESSAGE, ChainDataWarning)
            G = as_chain(G)
        if weight == "weight" and not G.has_column("weight", table="links"):
            weight = VOLUME  # the graph's weight attribute became its volume
    chain = G.chain if isinstance(G, ChainContext) else G
    if (weight is not None and weight != VOLUME and isinstance(chain, Chain)
            and not chain.has_column(weight, table="links")):
        columns = [c for c in chain.links.columns if c not in (SUPPLIER, BUYER)]
        raise ChainDataError(Problem(
            f"no link column or edge attribute {weight!r} chosen as weight (link "
            f"columns: {columns}; weight=None for unit weights)", file="links",
            column=str(weight)))
    return G, weight
