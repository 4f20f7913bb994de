"""Throughput centrality of a chain (private module).

Users reach these through :mod:`chaingraph.algorithms.bottlenecks`.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._checks import check_top
from chaingraph._engines import resolve_method
from chaingraph.algorithms.common import explain_rows, labels_of, proper_csr
from chaingraph.kernels import betweenness as _bc
from chaingraph.model import NAME, SEGMENT, VOLUME, Chain
from chaingraph.model.context import resolve, weighted
from chaingraph.model.lookup import TemplateLike
from chaingraph.model.roles import resolve_roles
from chaingraph.model.validation import read_only

__all__ = ["DEFAULT_SAMPLES", "EXACT_LIMIT", "MIN_SAMPLES", "SAMPLE_WORK",
           "ThroughputScores", "default_samples", "find_throughput",
           "throughput_centrality", "throughput_table"]

#: Sources searched by :func:`throughput_centrality` when it samples by default
#: (at most; see :data:`SAMPLE_WORK`).
DEFAULT_SAMPLES = 256
#: Fewest sources searched by default, however large the chain.
MIN_SAMPLES = 64
#: Default sampling budget in enterprise-plus-link visits: ``DEFAULT_SAMPLES``
#: searches up to about 100,000 enterprises / 500,000 links, fewer above (never
#: under :data:`MIN_SAMPLES`), so that one search per sample stays a few seconds
#: in all; the error bound reported grows accordingly.
SAMPLE_WORK = 160_000_000
#: Up to this many sources, throughput centrality is computed exactly by default.
EXACT_LIMIT = 2000


class ThroughputScores(dict):
    """Throughput centrality per enterprise (a dict) with its precision attached.

    Attributes
    ----------
    exact : bool
        True when every source was searched.
    samples : int
        Sources searched (drawn with replacement when not exact).
    error_bound : float
        With probability at least ``1 - delta``, every estimate is within this of
        its exact value (0 when exact).
    delta : float
        Failure probability of the bound.
    weighted : bool
        True when the sources and final producers were weighted by their volumes;
        False when every one counted the same (no weight column, or no volume).
    """

    def __init__(self, values: dict[Any, float], *, exact: bool, samples: int,
                 error_bound: float, delta: float, array: np.ndarray | None = None,
                 weighted: bool = True) -> None:
        super().__init__(values)
        self.exact, self.samples = exact, samples
        self.error_bound, self.delta = error_bound, delta
        self.weighted = weighted
        #: The values in the chain's enterprise order (None when built from a dict).
        self.array = array


# --- throughput centrality ----------------------------------------------------------------
def _end_weights(chain: Chain, mask: np.ndarray, weight: str | None, outgoing: bool
                 ) -> tuple[np.ndarray, bool]:
    """Weights of sources (out-volume) or final producers (in-volume), summing to 1,
    and whether they are volumes (False: all alike)."""
    values = np.zeros(chain.n_enterprises)
    if weight is not None and chain.has_column(weight, table="links") and chain.n_links:
        src, dst = chain.link_codes
        proper = src != dst
        w = chain.link_weights(weight, missing=0.0)
        values = np.bincount((src if outgoing else dst)[proper], weights=w[proper],
                             minlength=chain.n_enterprises)
    values = np.where(mask, values, 0.0)
    weighted = bool(values.sum() > 0)
    if not weighted:
        values = mask.astype(np.float64)
    total = values.sum()
    return (values / total if total > 0 else values), weighted


def default_samples(n_enterprises: int, n_links: int) -> int:
    """Sources :func:`throughput_centrality` samples by default on a chain this size.

    Examples
    --------
    >>> from chaingraph.algorithms.throughput import default_samples
    >>> default_samples(100_000, 500_000), default_samples(1_000_000, 5_000_000)
    (256, 64)
    """
    budget = SAMPLE_WORK // max(n_enterprises + n_links, 1)
    return int(min(DEFAULT_SAMPLES, max(MIN_SAMPLES, budget)))


def throughput_centrality(
    G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
    template: TemplateLike = None, weight: str | None = VOLUME,
    samples: int | None = None, exact_limit: int = EXACT_LIMIT, delta: float = 0.05,
    seed: int | np.random.Generator | None = None, method: str = "auto",
) -> ThroughputScores:
    """Volume-weighted source-to-final betweenness of every enterprise.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final : selector, optional
        As in :func:`max_flow`.
    template : SegmentTemplate, optional
        Needed for ``{"stage": ...}`` selectors.
    weight : str or None, default "volume"
        Link column weighting the ends (of a networkx graph: the edge attribute, see
        :func:`~chaingraph.model.context.weighted`); None, or the default on a chain
        without volumes: uniform weights. Another name that is not a link column
        raises :class:`~chaingraph.exceptions.ChainDataError`.
    samples : int, optional
        Number of sources to sample. Default: exact when there are at most
        ``exact_limit`` weighted sources, else :data:`DEFAULT_SAMPLES` up to the
        work budget :data:`SAMPLE_WORK` / (n + m) and at least :data:`MIN_SAMPLES`
        (256 at 100,000 enterprises / 500,000 links, 64 at 1M / 5M). A value at
        least the number of sources computes exactly.
    exact_limit : int, default 2000
        See ``samples``. The exact computation costs one search per source (about
        3 ms per source at 100k enterprises / 500k links and 80 ms at 1M / 5M with
        numba, measured on 2 cores).
    delta : float, default 0.05
        Failure probability of the reported error bound.
    seed : int, Generator or None
        Randomness of the sampling.
    method : {"auto", "numba", "scipy"}
        Engine (see :mod:`chaingraph.kernels.betweenness`).

    Returns
    -------
    ThroughputScores
        A dict enterprise id -> throughput in [0, 1], with attributes ``exact``,
        ``samples``, ``error_bound`` and ``delta``.

    See Also
    --------
    find_throughput : the same as a ranked, explained table.

    Notes
    -----
    Definition. ``TC(v) = sum_{s, t} w_s w_t sigma_st(v) / sigma_st`` over sources
    ``s`` and final producers ``t`` with ``v != s, t``, where ``sigma_st`` counts
    the shortest (hop-count) supply paths from ``s`` to ``t`` and ``sigma_st(v)``
    those through ``v``; ``w_s`` is ``s``'s share of the sources' total
    out-volume and ``w_t`` is ``t``'s share of the final producers' total
    in-volume (uniform when there are no volumes). So ``TC(v)`` is the expected
    fraction of volume-weighted source-to-final shortest paths through ``v``.

    Method. Exact: Brandes' dependency accumulation, one breadth-first search per
    source, counting only final producers as targets; O(S (n + m)) for S sources.
    Sampled: ``k`` sources drawn with replacement with probability ``w_s``
    (importance sampling, unbiased); each draw's estimate lies in [0, 1], so by
    Hoeffding's inequality and a union bound over the n enterprises,
    ``P(max_v |TC_hat(v) - TC(v)| > sqrt(ln(2 n / delta) / (2 k))) <= delta``;
    that bound is ``error_bound``. O(k (n + m)).

    References
    ----------
    .. [1] Brandes, U. (2001). A faster algorithm for betweenness centrality.
       Journal of Mathematical Sociology 25(2), 163-177.
    .. [2] Brandes, U. (2008). On variants of shortest-path betweenness centrality
       and their generic computation. Social Networks 30(2), 136-145.
    .. [3] Hoeffding, W. (1963). Probability inequalities for sums of bounded random
       variables. JASA 58(301), 13-30.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("lith", "cell"), ("cell", "car"),
    ...                 ("cell", "bus")])
    >>> tc = cg.throughput_centrality(G, weight=None)  # no volumes: unit weights
    >>> {k: round(v, 2) for k, v in tc.items()}
    {'ore': 0.0, 'cell': 1.0, 'lith': 0.0, 'car': 0.0, 'bus': 0.0}
    >>> tc.exact, tc.error_bound
    (True, 0.0)
    """
    G, weight = weighted(G, weight)
    context = resolve(G, template=template, sources=sources, final=final)
    values, exact, k, bound, by_volume = _estimate(
        context.chain, sources=sources, final=final, template=context.template,
        weight=weight, samples=samples, exact_limit=exact_limit, delta=delta, seed=seed,
        method=method)
    return ThroughputScores(
        dict(zip(context.chain.ids.tolist(), values.tolist(), strict=True)), exact=exact,
        samples=k, error_bound=bound, delta=delta, array=values, weighted=by_volume)


def _estimate(chain: Chain, *, sources: Any, final: Any, template: Any,
              weight: str | None, samples: int | None, exact_limit: int, delta: float,
              seed: Any, method: str) -> tuple[np.ndarray, bool, int, float, bool]:
    """Throughput per enterprise (chain order, read-only), exact?, samples, bound,
    weighted by volumes?"""
    engine = resolve_method(method)
    roles = resolve_roles(chain, sources=sources, final=final, template=template)
    a, weighted = _end_weights(chain, roles.sources, weight, outgoing=True)
    b, weighted_final = _end_weights(chain, roles.final, weight, outgoing=False)
    candidates = np.flatnonzero(a > 0)
    n = chain.n_enterprises
    k = default_samples(n, chain.n_links) if samples is None else int(samples)
    if k < 1:
        raise ValueError(f"samples must be >= 1, got {samples!r}")
    exact = len(candidates) <= exact_limit if samples is None else k >= len(candidates)
    if exact:
        chosen, chosen_weight, bound, k = candidates, a[candidates], 0.0, len(candidates)
    else:
        rng = np.random.default_rng(seed)
        p = a[candidates] / a[candidates].sum()
        chosen, counts = np.unique(rng.choice(candidates, size=k, p=p),
                                   return_counts=True)
        chosen_weight = counts / k
        bound = math.sqrt(math.log(2 * n / delta) / (2 * k))
    # self-loops lie on no shortest path: the proper arrays give the same scores
    indptr, indices = proper_csr(chain)
    kernel = (_bc.weighted_betweenness_numba if engine == "numba"
              else _bc.weighted_betweenness_scipy)
    values = kernel(indptr, indices, chosen, chosen_weight, b) if len(chosen) \
        else np.zeros(n)
    return read_only(values), exact, k, bound, weighted or weighted_final


def find_throughput(
    G: Chain | nx.DiGraph, /, *, sources: Any = None, final: Any = None,
    template: TemplateLike = None, weight: str | None = VOLUME,
    samples: int | None = None, exact_limit: int = EXACT_LIMIT, delta: float = 0.05,
    seed: int | np.random.Generator | None = None, method: str = "auto",
    top: int | None = None, explain: int | None = None,
) -> pd.DataFrame:
    """Enterprises that the chain's supply paths funnel through, ranked.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    sources, final, template, weight, samples, exact_limit, delta, seed, method
        As in :func:`throughput_centrality`.
    top : int, optional
        Keep the first ``top`` rows.
    explain : int, optional
        Write the ``explanation`` for the first ``explain`` rows only (None for the
        rest); default every row.

    Returns
    -------
    DataFrame
        One row per enterprise with positive throughput, sorted by ``score``:
        ``enterprise``, ``name``, ``segment``, ``throughput``, ``error_bound``,
        ``score`` (= throughput), ``explanation``.

    See Also
    --------
    throughput_centrality : definition, method and error bound.

    Notes
    -----
    See :func:`throughput_centrality`.

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell", {"volume": 3.0}), ("cell", "car", {"volume": 3.0}),
    ...                 ("ore", "pack", {"volume": 1.0}), ("pack", "car", {"volume": 1.0})])
    >>> table = cg.find_throughput(G)
    >>> table[["enterprise", "throughput"]].values.tolist()
    [['cell', 0.5], ['pack', 0.5]]
    >>> print(table["explanation"].iat[0])
    cell lies on 50% of the volume-weighted shortest supply paths from sources to final producers
    """
    G, weight = weighted(G, weight)
    context = resolve(G, template=template, sources=sources, final=final)
    values, exact, k, bound, by_volume = _estimate(
        context.chain, sources=sources, final=final, template=context.template,
        weight=weight, samples=samples, exact_limit=exact_limit, delta=delta, seed=seed,
        method=method)
    # the table reads the array: no per-enterprise dict (1 s at 1M enterprises)
    return _table(context.chain, values, exact, k, bound, delta, top, explain,
                  by_volume)


def throughput_table(chain: Chain, tc: ThroughputScores, top: int | None,
                     explain: int | None = None) -> pd.DataFrame:
    """The :func:`find_throughput` table of already computed scores."""
    values = tc.array if tc.array is not None and len(tc.array) == chain.n_enterprises \
        else np.array([tc.get(v, 0.0) for v in chain.ids.tolist()], dtype=np.float64)
    return _table(chain, values, tc.exact, tc.samples, tc.error_bound, tc.delta, top,
                  explain, tc.weighted)


def _table(chain: Chain, values: np.ndarray, exact: bool, samples: int, bound: float,
           delta: float, top: int | None, explain: int | None, weighted: bool = True
           ) -> pd.DataFrame:
    keep = np.flatnonzero(values > 1e-12)
    keep = keep[np.argsort(-values[keep], kind="stable")]
    top = check_top(top)
    if top is not None:
        keep = keep[:top]
    table = pd.DataFrame({
        "enterprise": pd.Series(chain.ids[keep], dtype=object),
        "name": pd.Series(chain.column_at(NAME, keep, default=None), dtype=object),
        "segment": pd.Series(chain.column(SEGMENT, default=None)[keep], dtype=object),
        "throughput": values[keep], "error_bound": bound})
    table["score"] = table["throughput"]
    note = "" if exact else (f" (estimated from {samples} sampled sources: within "
                             f"±{bound:.2f} with probability {1 - delta:.0%})")

    paths = "volume-weighted shortest supply paths" if weighted else \
        "shortest supply paths"
    if not weighted:  # no weight asked for, or none on the ends' links
        note = " (sources and final producers counted alike)" + note

    def build(rows: pd.DataFrame) -> list[str]:
        label = labels_of(chain, keep[:len(rows)])
        return [f"{who} lies on {v:.0%} of the {paths} from sources to final "
                f"producers{note}" for who, v in
                zip(label.tolist(), rows["throughput"].tolist(), strict=True)]

    return explain_rows(table, build, explain)
