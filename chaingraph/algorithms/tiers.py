"""Tiers: how far downstream of the sources each enterprise sits."""

from __future__ import annotations

from typing import Any

import numpy as np

from chaingraph.algorithms.common import (
    condensation_of,
    proper_csr,
    strong_components_of,
)
from chaingraph.kernels.graph import (
    tier_levels,
)
from chaingraph.model import (
    Chain,
    as_chain,
)
from chaingraph.model.roles import (
    Selector,
    resolve_roles,
)

__all__ = ["tier_array", "tiers"]


def tier_array(chain: Chain, source_mask: np.ndarray, method: str) -> np.ndarray:
    """Tier of each enterprise (-1: none); cached on the chain per sources and
    method (diagnose asks twice: summary and table), a copy is returned."""
    key = (method, np.packbits(source_mask).tobytes())

    def compute() -> np.ndarray:
        indptr, indices = proper_csr(chain)
        return tier_levels(indptr, indices, source_mask, method=method,
                           components=strong_components_of(chain),
                           condensed=lambda: condensation_of(chain))

    return chain.cached(f"algorithms.tiers.{key!r}", compute).copy()


def tiers(G: Chain | Any, /, *, sources: Selector = None, method: str = "auto"
          ) -> dict[Any, int]:
    """Tier of each enterprise: the longest supply path (in links) from a source.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources : selector, optional
        The sources (ids, ``{"segment": ...}``, ``{"stage": ...}``,
        ``{"region": ...}``); default: enterprises with buyers but no suppliers.
    method : {"auto", "numba", "scipy"}
        Engine for the kernels.

    Returns
    -------
    dict
        Enterprise id -> tier (int). Enterprises that are not downstream of any
        source (isolated enterprises, cycles no source feeds) have no tier and are
        left out of the dict.

    See Also
    --------
    find_structure : tiers with roles, stages and regions in one table.

    Notes
    -----
    The **tier** of an enterprise is the length, in links, of the longest supply
    path from any source to it: sources have tier 0, their direct buyers at least 1.
    Cycles (mutual supply) are condensed first: strongly connected components are
    found with scipy's ``connected_components(connection="strong")``, every member
    of a cycle gets the same tier, and the longest path is taken in the condensation
    DAG of the part of the chain reachable from the sources. Only paths that start
    at a source count. Self-loops are ignored.

    Cost: one BFS, one SCC pass and one topological peeling, O(n + m).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car"), ("ore", "car")])
    >>> cg.algorithms.tiers.tiers(G)
    {'ore': 0, 'cell': 1, 'car': 2}
    """
    chain = as_chain(G)
    roles = resolve_roles(chain, sources=sources)
    level = tier_array(chain, roles.sources, method)
    has = np.flatnonzero(level >= 0)
    return dict(zip(chain.ids[has].tolist(), level[has].tolist(), strict=True))
