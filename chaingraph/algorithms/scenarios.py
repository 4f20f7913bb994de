"""Failure scenarios: random failures, targeted attacks, resilience curves, and
before/after comparisons of two versions of a chain.

Single scenarios (a set of enterprises, a whole segment or region, partial shocks)
are :func:`chaingraph.algorithms.propagation.simulate_shock`; the functions here run
many scenarios at once on the same engine (numba: in parallel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph._engines import resolve_method
from chaingraph.algorithms.propagation import prepare_propagation
from chaingraph.algorithms.systemic_risk import systemic_risk
from chaingraph.kernels.cascade import run_cascades
from chaingraph.model import SEGMENT, Chain, as_chain
from chaingraph.model.roles import degrees, select

__all__ = ["ChainComparison", "compare_chains", "resilience_curve",
           "simulate_random_failures"]

_MODEL_KEYS = ("essentiality", "template", "sector", "substitution", "tol", "max_iter",
               "method")
STRATEGIES = ("random", "esri", "output", "degree")


def _model(chain: Chain, kw: dict[str, Any]):
    unknown = set(kw) - set(_MODEL_KEYS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {sorted(unknown)}")
    model = prepare_propagation(chain, kw.get("essentiality"), kw.get("template"),
                     kw.get("sector", SEGMENT), kw.get("substitution", False))
    run_kw = {"substitution": kw.get("substitution", False), "tol": kw.get("tol", 1e-2),
              "max_iter": kw.get("max_iter", 1000),
              "method": resolve_method(kw.get("method", "auto"))}
    return model, run_kw


def _run_sets(model, sets: list[np.ndarray], run_kw: dict[str, Any]):
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    firms = np.concatenate(sets).astype(np.int64) if sets else np.zeros(0, np.int64)
    ones = np.ones(len(firms))
    return run_cascades(model, (ptr, firms, ones, ones), **run_kw)


def simulate_random_failures(G: Chain | nx.DiGraph, /, *, n_failures: int = 1,
                             runs: int = 100, candidates: Any = None,
                             seed: int | np.random.Generator | None = None,
                             **kwargs: Any) -> pd.DataFrame:
    """Monte Carlo: ``runs`` scenarios, each failing ``n_failures`` random enterprises.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    n_failures : int, default 1
        Enterprises failing together in each run (drawn without replacement).
    runs : int, default 100
        Number of scenarios.
    candidates : selector, optional
        Enterprises that may fail: ids or ``{"segment": ...}`` / ``{"region": ...}``
        (default: all).
    seed : int, Generator or None
        Random seed (same seed, same failures).
    **kwargs
        Model settings as in :func:`simulate_shock` (``essentiality``, ``template``,
        ``sector``, ``substitution``, ``tol``, ``max_iter``, ``method``).

    Returns
    -------
    DataFrame
        One row per run: ``run``, ``failed`` (list of ids), ``output_lost`` (share
        of output lost, the scenario's ESRI), ``output_lost_downstream``,
        ``output_lost_upstream``, ``n_affected``, ``iterations``.
        ``df["output_lost"].describe()`` is the loss distribution.

    Notes
    -----
    Complexity: ``runs`` cascades (parallel with numba).

    Examples
    --------
    >>> from chaingraph.algorithms.scenarios import simulate_random_failures
    >>> chain = cg.datasets.load_example()
    >>> runs = simulate_random_failures(chain, n_failures=3, runs=50, seed=1)
    >>> len(runs), bool(runs["output_lost"].between(0, 1).all())
    (50, True)
    """
    chain = as_chain(G)
    pool = np.arange(chain.n_enterprises) if candidates is None else np.flatnonzero(
        select(chain, candidates, template=kwargs.get("template")))
    if not 0 < n_failures <= len(pool):
        raise ValueError(f"n_failures must be in 1..{len(pool)}, got {n_failures}")
    rng = np.random.default_rng(seed)
    sets = [np.sort(rng.choice(pool, n_failures, replace=False)) for _ in range(runs)]
    model, run_kw = _model(chain, kwargs)
    table, iterations = _run_sets(model, sets, run_kw)
    return pd.DataFrame({
        "run": np.arange(runs), "failed": [list(chain.ids[s]) for s in sets],
        "output_lost": table[:, 0], "output_lost_downstream": table[:, 1],
        "output_lost_upstream": table[:, 2], "n_affected": table[:, 3].astype(np.int64),
        "iterations": iterations})


def _ranking(chain: Chain, strategy: str, kwargs: dict[str, Any]) -> np.ndarray:
    """Enterprise codes, most important first (ties: chain order)."""
    if strategy == "esri":
        score = systemic_risk(chain, **kwargs)["esri"].to_numpy()
    elif strategy == "output":
        src, _ = chain.link_codes
        score = np.bincount(src, weights=chain.link_weights("volume"),
                            minlength=chain.n_enterprises)
    elif strategy == "degree":
        indeg, outdeg = degrees(chain)
        score = (indeg + outdeg).astype(np.float64)
    else:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    return np.argsort(-score, kind="stable")


def resilience_curve(G: Chain | nx.DiGraph, /, *, strategies: Any = ("random", "esri"),
                     steps: int = 10, max_fraction: float = 0.2, runs: int = 20,
                     seed: int | np.random.Generator | None = None,
                     **kwargs: Any) -> pd.DataFrame:
    """Output kept as more and more enterprises fail, random vs targeted.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    strategies : str or list of str, default ("random", "esri")
        ``"random"`` (``runs`` random orders), or a targeted attack removing the
        highest-ranked enterprises first by ``"esri"``, ``"output"`` (sales) or
        ``"degree"`` (number of links).
    steps : int, default 10
        Points on the curve, evenly spaced from 1 enterprise to ``max_fraction``.
    max_fraction : float, default 0.2
        Largest share of enterprises removed.
    runs : int, default 20
        Random orders averaged for ``"random"``.
    seed : int, Generator or None
        Random seed.
    **kwargs
        Model settings as in :func:`simulate_shock`.

    Returns
    -------
    DataFrame
        One row per strategy and step: ``strategy``, ``n_removed``,
        ``fraction_removed``, ``output_kept`` (mean share of output kept),
        ``output_kept_low`` and ``output_kept_high`` (5th / 95th percentile over
        random runs; equal to the mean for targeted attacks).

    Notes
    -----
    Removal sets are nested along each curve (the first k of one order).
    Complexity: ``steps x (runs or 1)`` cascades per strategy, plus an ESRI run
    for ``"esri"``.

    Examples
    --------
    >>> from chaingraph.algorithms.scenarios import resilience_curve
    >>> chain = cg.datasets.load_example()
    >>> curve = resilience_curve(chain, strategies=["random", "output"], steps=3,
    ...                          runs=5, seed=0)
    >>> curve.groupby("strategy").size().to_dict()
    {'output': 3, 'random': 3}
    """
    chain = as_chain(G)
    strategies = [strategies] if isinstance(strategies, str) else list(strategies)
    n = chain.n_enterprises
    top = max(1, round(max_fraction * n))
    counts = np.unique(np.linspace(1, top, steps).round().astype(np.int64))
    model, run_kw = _model(chain, kwargs)
    rng = np.random.default_rng(seed)
    rows = []
    for strategy in strategies:
        orders = [rng.permutation(n) for _ in range(runs)] if strategy == "random" \
            else [_ranking(chain, strategy, kwargs)]
        sets = [order[:k] for order in orders for k in counts]
        table, _ = _run_sets(model, sets, run_kw)
        kept = (1.0 - table[:, 0]).reshape(len(orders), len(counts))
        for col, k in enumerate(counts):
            rows.append({"strategy": strategy, "n_removed": int(k),
                         "fraction_removed": k / n,
                         "output_kept": float(kept[:, col].mean()),
                         "output_kept_low": float(np.percentile(kept[:, col], 5)),
                         "output_kept_high": float(np.percentile(kept[:, col], 95))})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ChainComparison:
    """Systemic risk of two versions of a chain, side by side.

    Attributes
    ----------
    summary : DataFrame
        One row per metric (``max``, ``mean``, ``output_weighted``, ``p95``,
        ``n_above_10pct``): ``metric``, ``before``, ``after``, ``change``.
    enterprises : DataFrame
        Enterprises in both chains: ``enterprise``, ``esri_before``,
        ``esri_after``, ``change`` (after - before), sorted by ``change``
        (largest risk reduction first).
    before, after : DataFrame
        The full :func:`systemic_risk` tables.
    explanation : str
        One sentence: safer or not, with the numbers.

    Examples
    --------
    >>> before = nx.DiGraph([("ore1", "plant", {"volume": 5.0}),
    ...                      ("plant", "shop", {"volume": 5.0})])
    >>> after = before.copy()
    >>> after.add_edge("ore2", "plant", volume=5.0)  # a second supplier
    >>> comparison = cg.compare_chains(before, after, sector=None)
    >>> comparison.safer
    True
    >>> list(comparison.summary["metric"])[:2]
    ['max', 'mean']
    """

    summary: pd.DataFrame
    enterprises: pd.DataFrame
    before: pd.DataFrame
    after: pd.DataFrame
    explanation: str

    @property
    def safer(self) -> bool:
        """True when the maximum and the output-weighted ESRI both do not rise."""
        s = self.summary.set_index("metric")["change"]
        return bool(s["max"] <= 1e-12 and s["output_weighted"] <= 1e-12)


def _metrics(chain: Chain, table: pd.DataFrame) -> dict[str, float]:
    esri = table["esri"].to_numpy()
    src, _ = chain.link_codes
    sales = np.bincount(src, weights=chain.link_weights("volume"),
                        minlength=chain.n_enterprises)
    sales = sales[chain.codes_of(table["enterprise"])]
    weighted = float(sales @ esri / sales.sum()) if sales.sum() > 0 else float("nan")
    return {"max": float(esri.max(initial=0.0)), "mean": float(esri.mean()),
            "output_weighted": weighted,
            "p95": float(np.percentile(esri, 95)) if len(esri) else float("nan"),
            "n_above_10pct": float((esri > 0.1).sum())}


def compare_chains(before: Chain | nx.DiGraph, after: Chain | nx.DiGraph, /,
                   **kwargs: Any) -> ChainComparison:
    """Does a change (a new enterprise, a second supplier) make the chain safer?

    Parameters
    ----------
    before, after : Chain or networkx.DiGraph
        Two versions of the chain (e.g. after adding a candidate enterprise and
        its links).
    **kwargs
        Passed to :func:`systemic_risk` for both (``essentiality``, ``template``,
        ``substitution``, ``tol``, ...).

    Returns
    -------
    ChainComparison

    Notes
    -----
    ESRI is a share of each chain's own total output, so adding output changes
    the denominator too; ``enterprises`` compares the enterprises present in both.
    Complexity: two ESRI runs.

    Examples
    --------
    >>> from chaingraph.algorithms.scenarios import compare_chains
    >>> before = nx.DiGraph([("ore", "cell", {"volume": 10.0}),
    ...                      ("cell", "car", {"volume": 20.0})])
    >>> after = before.copy()
    >>> after.add_edge("ore2", "cell", volume=10.0)
    >>> cmp = compare_chains(before, after, sector=None, essentiality="linear")
    >>> cmp.safer
    True
    >>> cmp.enterprises[["enterprise", "esri_before", "esri_after"]].round(3)
      enterprise  esri_before  esri_after
    0        ore          1.0         0.5
    1       cell          1.0         1.0
    2        car          1.0         1.0
    """
    a_chain, b_chain = as_chain(before), as_chain(after)
    a, b = systemic_risk(a_chain, **kwargs), systemic_risk(b_chain, **kwargs)
    ma, mb = _metrics(a_chain, a), _metrics(b_chain, b)
    summary = pd.DataFrame({"metric": list(ma), "before": list(ma.values()),
                            "after": [mb[k] for k in ma]})
    summary["change"] = summary["after"] - summary["before"]
    common = a.merge(b, on="enterprise", suffixes=("_before", "_after"))
    per = common[["enterprise", "esri_before", "esri_after"]].copy()
    per["change"] = per["esri_after"] - per["esri_before"]
    per = per.sort_values("change", kind="stable").reset_index(drop=True)
    verdict = "safer" if mb["max"] <= ma["max"] + 1e-12 and \
        mb["output_weighted"] <= ma["output_weighted"] + 1e-12 else "not safer"
    text = (f"The change makes the chain {verdict}: the largest ESRI goes from "
            f"{100 * ma['max']:.1f}% to {100 * mb['max']:.1f}% and the output-weighted "
            f"ESRI from {100 * ma['output_weighted']:.1f}% to "
            f"{100 * mb['output_weighted']:.1f}%; {int((per['change'] < -1e-12).sum())} "
            f"of {len(per)} common enterprises become less risky, "
            f"{int((per['change'] > 1e-12).sum())} more.")
    return ChainComparison(summary, per, a, b, text)
