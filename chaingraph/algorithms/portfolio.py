"""A district's portfolio of chains: one row per chain, the echelon plan, the pool.

The chain chief system (链长制) runs many chains at once: a district grades them on
the 千亿/百亿/十亿 ladder against a plan ("one 200-billion chain group, four
10-billion, ten 1-billion"), keeps one enterprise pool shared by the chains and
directs resources to the chains of best quality and efficiency (质效). This module
answers those questions on a :class:`~chaingraph.readwrite.portfolio.Portfolio`:

* :func:`find_portfolio` - one row per chain: size, rung, coverage, breakpoints,
  bottlenecks, leaders, local supply and the quality-and-efficiency index;
* :func:`find_echelon_plan` - per rung of the plan, how many chains reach it and
  how far the closest ones are;
* :func:`find_enterprise_pool`, :func:`find_shared_enterprises`,
  :func:`find_size_structure` - the enterprise pool (企业库), the enterprises that
  link chains, and each chain's large/medium/small structure.

Output counts once per chain: an enterprise in two chains counts in both (as
district chain statistics do), so chain outputs do not add up to the district's.

Long module (about 550 lines): the portfolio table, the echelon plan across chains and
the plan progress share one per-chain pass and one amount convention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.amounts import format_amount, parse_amount
from chaingraph.model import OUTPUT, REGION, SEGMENT, VOLUME
from chaingraph.readwrite.portfolio import Portfolio

__all__ = ["DEFAULT_PLAN", "QE_WEIGHTS", "chain_outputs", "find_echelon_plan",
           "find_plan_progress", "find_portfolio", "parse_targets"]

#: The Huadu-style plan: one chain group >= 2000亿, four >= 100亿, ten >= 10亿.
DEFAULT_PLAN = "2000亿:1,100亿:4,10亿:10"
#: Weights of the quality-and-efficiency index (质效指数); see :func:`find_portfolio`.
QE_WEIGHTS = {"scale": 0.30, "completeness": 0.25, "local_supply": 0.25,
              "innovation": 0.20, "growth": 0.20}
_LADDER = ((1e11, "千亿级"), (1e10, "百亿级"), (1e9, "十亿级"))


def _focal(P: Portfolio) -> np.ndarray:
    pool = P.pool
    if P.region is None or REGION not in pool._enterprises.columns:
        return np.ones(pool.n_enterprises, dtype=bool)
    return pool.column(REGION, default=None).astype(object) == P.region


def chain_outputs(P: Portfolio, /) -> pd.DataFrame:
    """Each chain's members, focal members and focal output (yuan), from the pool.

    Parameters
    ----------
    P : Portfolio

    Returns
    -------
    DataFrame
        ``chain``, ``n_enterprises`` (members, every region), ``n_focal``
        (members in the district), ``output`` (their summed ``output``; an
        enterprise in several chains counts in each), in portfolio order.

    Examples
    --------
    >>> from chaingraph.algorithms.portfolio import chain_outputs
    >>> t = chain_outputs(cg.datasets.load_example_portfolio())
    >>> t.loc[t["chain"] == "新型显示", "output"].item() / 1e8
    63.0004
    """
    focal = _focal(P)
    output = P.pool.column(OUTPUT)
    rows = []
    for name in P:
        codes = P.codes(name)
        inside = codes[focal[codes]]
        values = output[inside]
        rows.append({"chain": name, "n_enterprises": len(codes), "n_focal": len(inside),
                     "output": float(np.nansum(values)) if len(values) else 0.0})
    return pd.DataFrame(rows, columns=["chain", "n_enterprises", "n_focal", "output"])


def _rung(output: float) -> str:
    for threshold, label in _LADDER:
        if output >= threshold:
            return label
    return f"below {_LADDER[-1][1]}"


def parse_targets(spec: str | Mapping[Any, int] | Sequence[tuple[Any, int]]
                  ) -> list[tuple[float, int]]:
    """Parse an echelon plan such as ``"2000亿:1,100亿:4,10亿:10"``.

    Parameters
    ----------
    spec : str, dict or list of pairs
        ``THRESHOLD:COUNT`` pairs separated by commas (amounts as
        :func:`chaingraph.parse_amount` reads them), or threshold -> count.

    Returns
    -------
    list of (float, int)
        (threshold in yuan, number of chains wanted at or above it), highest first.

    Raises
    ------
    ValueError
        A pair that is not ``AMOUNT:COUNT``, a bad amount or a negative count.

    Examples
    --------
    >>> from chaingraph.algorithms.portfolio import parse_targets
    >>> parse_targets("2000亿:1,100亿:4,10亿:10")
    [(200000000000.0, 1), (10000000000.0, 4), (1000000000.0, 10)]
    """
    if isinstance(spec, str):
        pairs = []
        for part in (p for p in spec.replace("，", ",").split(",") if p.strip()):
            amount, sep, count = part.rpartition(":")
            if not sep:
                amount, sep, count = part.rpartition("：")
            if not sep or not amount.strip():
                raise ValueError(f"echelon targets: expected THRESHOLD:COUNT pairs such "
                                 f"as '100亿:4', got {part.strip()!r}")
            pairs.append((amount.strip(), count.strip()))
    else:
        pairs = list(spec.items() if isinstance(spec, Mapping) else spec)
    out = []
    for amount, count in pairs:
        threshold = parse_amount(amount)
        if not (np.isfinite(threshold) and threshold > 0):
            raise ValueError(f"echelon targets: threshold {amount!r} must be a positive "
                             "amount")
        try:
            wanted = int(count)
        except (TypeError, ValueError):
            raise ValueError(f"echelon targets: count {count!r} is not a whole "
                             "number") from None
        if wanted < 0:
            raise ValueError(f"echelon targets: count {count!r} must be >= 0")
        out.append((threshold, wanted))
    return sorted(out, key=lambda pair: -pair[0])


def find_echelon_plan(P: Portfolio | pd.DataFrame, /, *, targets: Any = DEFAULT_PLAN,
                      closest: int = 3, top: int | None = None) -> pd.DataFrame:
    """How many chains reach each rung of the echelon plan, and how far the rest are.

    Parameters
    ----------
    P : Portfolio or DataFrame
        The portfolio, or a table with ``chain`` and ``output`` (yuan), such as
        :func:`find_portfolio`'s.
    targets : str, dict or list of pairs, default ``"2000亿:1,100亿:4,10亿:10"``
        Thresholds and the number of chains wanted at or above each
        (:func:`parse_targets`).
    closest : int, default 3
        How many chains below each threshold to list with their shortfall.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per threshold, highest first: ``threshold`` (yuan), ``label``
        (``2000亿``), ``target`` (chains wanted), ``achieved`` (chains at or above),
        ``met`` (bool), ``chains`` (list of those chains, largest first),
        ``closest`` (list of the nearest chains below), ``shortfalls`` (their
        distances, yuan), ``gap`` (chains still missing), ``score`` (achieved /
        target, 1 when target is 0) and ``explanation``.

    Raises
    ------
    ValueError
        Bad targets.

    Notes
    -----
    A chain reaches a threshold when its output (its focal members' summed
    ``output``, see :func:`chain_outputs`) is at or above it; the count is
    cumulative (a 2000亿 chain also counts for 100亿). Rows keep the plan's order
    (highest threshold first) rather than sorting by score.

    Examples
    --------
    >>> from chaingraph.algorithms.portfolio import find_echelon_plan
    >>> plan = find_echelon_plan(cg.datasets.load_example_portfolio())
    >>> plan[["label", "target", "achieved"]].values.tolist()
    [['2,000亿', 1, 1], ['100亿', 4, 2], ['10亿', 10, 5]]
    >>> print(plan["explanation"][1])
    100亿: 2 of 4 chains reach it (新能源汽车, 化妆品); 2 short; closest: 新型显示 needs 37亿 more, 轨道交通 needs 66亿 more, 绿色建材 needs 74亿 more
    """
    table = chain_outputs(P) if isinstance(P, Portfolio) else P
    if not {"chain", "output"} <= set(table.columns):
        raise ValueError("find_echelon_plan needs a portfolio or a table with chain "
                         "and output columns")
    ordered = table[["chain", "output"]].sort_values("output", ascending=False,
                                                     kind="stable")
    names = ordered["chain"].tolist()
    outputs = ordered["output"].to_numpy(dtype=float)
    rows = []
    for threshold, wanted in parse_targets(targets):
        above = outputs >= threshold
        below = np.flatnonzero(~above)[:closest]
        reached = [names[i] for i in np.flatnonzero(above)]
        near = [names[i] for i in below]
        short = [float(threshold - outputs[i]) for i in below]
        rows.append({"threshold": threshold, "label": format_amount(threshold),
                     "target": wanted, "achieved": len(reached),
                     "met": len(reached) >= wanted, "chains": reached, "closest": near,
                     "shortfalls": short, "gap": max(wanted - len(reached), 0),
                     "score": len(reached) / wanted if wanted else 1.0})
    out = pd.DataFrame(rows, columns=["threshold", "label", "target", "achieved", "met",
                                      "chains", "closest", "shortfalls", "gap", "score"])
    out["explanation"] = [_plan_text(r) for r in out.itertuples(index=False)]
    return out if top is None else out.head(top)


def _plan_text(row: Any) -> str:
    text = (f"{row.label}: {row.achieved} of {row.target} chains reach it"
            + (f" ({', '.join(row.chains)})" if row.chains else ""))
    text += "; target met" if row.met else f"; {row.gap} short"
    if row.closest and not row.met:
        text += "; closest: " + ", ".join(
            f"{c} needs {format_amount(s)} more"
            for c, s in zip(row.closest, row.shortfalls, strict=True))
    return text


# --- the portfolio table -------------------------------------------------------------
def _local_supply(P: Portfolio, codes: np.ndarray, focal: np.ndarray) -> float:
    """Share of the focal members' purchases (volume) bought from district suppliers."""
    pool = P.pool
    src, dst = pool.link_codes
    buyer = np.zeros(pool.n_enterprises, dtype=bool)
    buyer[codes[focal[codes]]] = True
    mine = buyer[dst]
    if not mine.any():
        return np.nan
    volume = pool.link_weights(VOLUME, missing=0.0)[mine]
    total = volume.sum()
    return float(volume[focal[src[mine]]].sum() / total) if total > 0 else np.nan


def _label(row: Mapping[str, Any]) -> str:
    kind = str(row.get("kind", ""))
    for key in ("name_zh", "segment", "enterprise"):
        value = row.get(key)
        if isinstance(value, str) and value:
            return f"{kind} {value}"
    for pair in (("supplier_segment", "buyer_segment"), ("supplier", "buyer")):
        ends = [row.get(k) for k in pair]
        if all(v is not None and v == v for v in ends):
            return f"{kind} {ends[0]} -> {ends[1]}"
    return kind


def _coverage(view: Any, template: Any, region: Any, breakpoints: pd.DataFrame
              ) -> pd.DataFrame:
    """Coverage table from the breakpoints (same numbers as find_segment_coverage's).

    A template segment is present when it is not a ``missing_segment``; a template
    link is possible when both its segments are present, and realised unless it is
    a ``broken_link``.
    """
    if template is None or SEGMENT not in view._enterprises.columns:
        return pd.DataFrame()
    kinds = breakpoints["kind"] if "kind" in breakpoints else pd.Series(dtype=object)
    missing = set(breakpoints.loc[kinds == "missing_segment", "segment"])
    present = pd.Series([s not in missing for s in template.segment_ids], dtype=bool)
    edges = template.edges
    both = [(u, v) for u, v in zip(edges["supplier"], edges["buyer"], strict=True)
            if u not in missing and v not in missing and u != v]
    broken = int((kinds == "broken_link").sum())
    return pd.DataFrame({"present": present,
                         "n_links_possible": [len(both)] + [0] * (len(present) - 1),
                         "n_links_realised": [len(both) - broken]
                         + [0] * (len(present) - 1)})


def _analyse(P: Portfolio, name: str, report: Any, seed: Any, method: str
             ) -> dict[str, Any]:
    """The per-chain tables: from a report when given, else from the finders."""
    if report is not None:
        return {k: getattr(report, k, pd.DataFrame()) for k in
                ("breakpoints", "bottlenecks", "leaders", "candidates", "coverage")}
    from chaingraph.algorithms.bottlenecks import find_bottlenecks
    from chaingraph.algorithms.breakpoints import find_breakpoints
    from chaingraph.algorithms.extension import find_extension_candidates
    from chaingraph.algorithms.leaders import find_leaders

    view, template = P.chain(name), P.template(name)
    region = P.region if P.region is not None and (
        view.column(REGION, default=None) == P.region).any() else None
    empty = pd.DataFrame()
    out = {"breakpoints": find_breakpoints(view, template=template, region=region,
                                           method=method),
           "leaders": find_leaders(view, region=region, template=template, seed=seed,
                                   top=3)}
    try:
        out["bottlenecks"] = find_bottlenecks(view, template=template, region=region,
                                              seed=seed, method=method)
    except ValueError:  # e.g. an unbounded maximum flow: counted as unknown
        out["bottlenecks"] = None
    has_segments = SEGMENT in view._enterprises.columns
    out["coverage"] = _coverage(view, template, region, out["breakpoints"])
    out["candidates"] = find_extension_candidates(view, template=template, region=region, top=1) \
        if template is not None and has_segments else empty
    return out


def find_portfolio(P: Portfolio, /, *, reports: Mapping[str, Any] | None = None,
                   previous: Portfolio | None = None,
                   weights: Mapping[str, float] | None = None, seed: Any = 0,
                   method: str = "auto", top: int | None = None) -> pd.DataFrame:
    """The portfolio table: one row per chain, with its quality-and-efficiency index.

    Parameters
    ----------
    P : Portfolio
        The district's chains.
    reports : dict, optional
        Chain -> its :func:`chaingraph.diagnose` report; the tables of a given
        report are used instead of running the finders again.
    previous : Portfolio, optional
        Last year's portfolio: adds output ``growth`` and the index's growth part.
    weights : dict, optional
        Weights of the index parts (default :data:`QE_WEIGHTS`).
    seed : int, numpy Generator or None, default 0
        Randomness of sampled estimates (throughput, leaders on large chains).
    method : str, default "auto"
        Engine of the heavy kernels.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per chain, sorted by ``score``: ``chain``, ``template``,
        ``n_enterprises`` (members), ``n_focal`` (members in the district),
        ``output`` (focal members' output, yuan), ``rung`` (千亿级/百亿级/十亿级),
        ``target`` and ``progress`` (metadata 目标产值), ``coverage`` (share of the
        template's segments present in the district) and ``completeness`` (share
        of possible template links realised locally; NaN without a template),
        ``n_breakpoints``, ``top_breakpoint``, ``n_bottlenecks``,
        ``top_bottleneck``, ``top_candidate``, ``leaders`` (designated 链主企业,
        else the top three of :func:`chaingraph.find_leaders`),
        ``local_supply_share``, ``growth`` (NaN without ``previous``), the index
        parts ``qe_scale``, ``qe_completeness``, ``qe_local_supply``,
        ``qe_innovation``, ``qe_growth``, then ``qe_index``, ``score``
        (= ``qe_index``) and ``explanation``.

    Notes
    -----
    The **quality-and-efficiency index** (质效指数) is a weighted mean of parts in
    [0, 1] (default weights :data:`QE_WEIGHTS`): *scale* ``log10(1 + output/1亿)
    / log10(1 + 1000)`` (1 at 1000亿, capped), *completeness* the template
    coverage, *local supply* the share of the focal members' purchases bought
    from district suppliers, *innovation* the share of focal members tagged
    高新技术企业 or 专精特新 (when such columns exist) and *growth* output growth
    over ``previous`` / 20% (clipped to [0, 1]). A part that cannot be computed
    (no template, no tags, no previous year) is left out and the other weights
    are rescaled; the explanation names the parts used. It ranks chains within
    one portfolio; it is not an official statistic.

    Breakpoints and bottlenecks are those of :func:`chaingraph.find_breakpoints`
    and :func:`chaingraph.find_bottlenecks` on the chain's view
    (:meth:`Portfolio.chain`) for the district. Cost: one run of each finder per
    chain.

    Examples
    --------
    >>> from chaingraph.algorithms.portfolio import find_portfolio
    >>> P = cg.datasets.load_example_portfolio()
    >>> table = find_portfolio(P)
    >>> table[["chain", "rung", "n_breakpoints"]].head(2).values.tolist()
    [['新能源汽车', '千亿级', 10], ['化妆品', '百亿级', 1]]
    >>> print(table["explanation"][0])  # doctest: +ELLIPSIS
    新能源汽车: quality-and-efficiency index 0.7...
    """
    weights = dict(QE_WEIGHTS if weights is None else weights)
    base = chain_outputs(P).set_index("chain")
    before = chain_outputs(previous).set_index("chain")["output"] \
        if previous is not None else None
    focal = _focal(P)
    from chaingraph.algorithms.pool import tag_flags

    flags = tag_flags(P)
    innovative = [c for c in flags.columns if c in ("高新技术企业", "专精特新",
                                                    "high_tech", "little_giant")]
    innov = flags[innovative].any(axis=1).to_numpy() if innovative else None
    meta = P.chain_table.set_index("chain")
    rows = []
    for name in P:
        tables = _analyse(P, name, (reports or {}).get(name), seed, method)
        codes = P.codes(name)
        rows.append(_row(name, base.loc[name], tables, meta.loc[name], codes, focal,
                         innov, before, _local_supply(P, codes, focal)))
    out = pd.DataFrame(rows)
    out = _index(out, weights)
    out["explanation"] = [_table_text(r) for r in out.to_dict("records")]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def _row(name: str, base: pd.Series, tables: dict[str, Any], meta: pd.Series,
         codes: np.ndarray, focal: np.ndarray, innov: np.ndarray | None,
         before: pd.Series | None, local: float) -> dict[str, Any]:
    cov, bps, bns = tables["coverage"], tables["breakpoints"], tables["bottlenecks"]
    cands, leaders = tables["candidates"], tables["leaders"]
    output = float(base["output"])
    target = meta["target"]
    present = cov["present"].astype(bool) if "present" in cov else None
    possible = cov["n_links_possible"].sum() if "n_links_possible" in cov else 0
    designated = list(meta["leaders"] or [])
    named = designated or ([str(v) for v in leaders["name"].head(3)]
                           if "name" in leaders else [])
    inside = codes[focal[codes]]
    prev = before.get(name, np.nan) if before is not None else np.nan
    template = meta["template"]
    return {
        "chain": name, "template": getattr(template, "name", template),
        "n_enterprises": int(base["n_enterprises"]), "n_focal": int(base["n_focal"]),
        "output": output, "rung": _rung(output), "target": target,
        "progress": output / target if target and target == target else np.nan,
        "coverage": float(present.mean()) if present is not None and len(present)
        else np.nan,
        "completeness": float(cov["n_links_realised"].sum() / possible)
        if possible else np.nan,
        "n_breakpoints": len(bps), "top_breakpoint": _label(bps.iloc[0].to_dict())
        if len(bps) else None,
        "n_bottlenecks": len(bns) if bns is not None else np.nan,
        "top_bottleneck": _label(bns.iloc[0].to_dict()) if bns is not None and len(bns)
        else None,
        "top_candidate": _label(cands.iloc[0].to_dict()) if len(cands) else None,
        "leaders": named, "local_supply_share": local,
        "growth": output / prev - 1 if prev and prev == prev and prev > 0 else np.nan,
        "innovation_share": float(innov[inside].mean()) if innov is not None and
        len(inside) else np.nan,
    }


def _index(out: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Add the qe_* parts, qe_index and score (to our own table)."""
    parts = {
        "scale": np.minimum(1.0, np.log10(1 + out["output"] / 1e8) / np.log10(1001)),
        "completeness": out["coverage"],
        "local_supply": out["local_supply_share"],
        "innovation": out["innovation_share"],
        "growth": np.clip(out["growth"] / 0.2, 0.0, 1.0),
    }
    total = np.zeros(len(out))
    weight = np.zeros(len(out))
    for key, values in parts.items():
        out[f"qe_{key}"] = values.astype(float)
        w = float(weights.get(key, 0.0))
        known = np.isfinite(out[f"qe_{key}"].to_numpy())
        total += np.where(known, w * np.nan_to_num(out[f"qe_{key}"].to_numpy()), 0.0)
        weight += np.where(known, w, 0.0)
    out["qe_index"] = np.where(weight > 0, total / np.where(weight > 0, weight, 1), np.nan)
    out["score"] = out["qe_index"]
    return out.drop(columns=["innovation_share"])


def _table_text(row: Mapping[str, Any]) -> str:
    used = [k for k in QE_WEIGHTS if np.isfinite(row[f"qe_{k}"])]
    parts = ", ".join(f"{k} {row[f'qe_{k}']:.2f}" for k in used)
    text = (f"{row['chain']}: quality-and-efficiency index {row['qe_index']:.2f} "
            f"({parts}); output {format_amount(row['output'])} at {row['rung']} from "
            f"{row['n_focal']} district enterprises")
    if np.isfinite(row["coverage"]):
        text += f"; {row['coverage']:.0%} of template segments present"
    text += f"; {row['n_breakpoints']} breakpoints"
    if row["top_breakpoint"]:
        text += f" (first: {row['top_breakpoint']})"
    if row["top_candidate"]:
        text += f"; top candidate {row['top_candidate']}"
    if np.isfinite(row["growth"]):
        text += f"; output growth {row['growth']:+.0%}"
    return text


def find_plan_progress(P: Portfolio, /, *, year: int | None = None,
                       top: int | None = None) -> pd.DataFrame:
    """Each chain against its yearly output targets (the three-year action plan).

    Parameters
    ----------
    P : Portfolio
        The portfolio; yearly targets come from its chain metadata (columns such
        as ``2025目标产值``, see :func:`chaingraph.readwrite.portfolio.read_chain_meta`).
    year : int, optional
        The year reviewed (default ``P.year``).
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per chain with a target for ``year``: ``chain``, ``year``,
        ``output``, ``target``, ``progress`` (output / target), ``met``, ``gap``
        (yuan, at least 0), ``final_year`` and ``final_target`` (the plan's last
        year), ``growth_needed`` (yearly growth from now to the final target),
        ``score`` (``progress``) and ``explanation``; sorted by score.

    Examples
    --------
    >>> from chaingraph.algorithms.portfolio import find_plan_progress
    >>> plan = find_plan_progress(cg.datasets.load_example_portfolio(2025))
    >>> row = plan.set_index("chain").loc["新型显示"]
    >>> float(row["target"]), bool(row["met"])
    (10000000000.0, True)
    """
    year = int(year if year is not None else P.year)
    outputs = chain_outputs(P).set_index("chain")["output"]
    rows = []
    for record in P.chain_table.to_dict("records"):
        targets = record.get("targets") or {}
        if year not in targets:
            continue
        target, output = float(targets[year]), float(outputs[record["chain"]])
        final_year = max(targets)
        final = float(targets[final_year])
        left = final_year - year
        rows.append({"chain": record["chain"], "year": year, "output": output,
                     "target": target, "progress": output / target,
                     "met": output >= target, "gap": max(target - output, 0.0),
                     "final_year": final_year, "final_target": final,
                     "growth_needed": (final / output) ** (1 / left) - 1
                     if left > 0 and output > 0 else np.nan})
    columns = ["chain", "year", "output", "target", "progress", "met", "gap",
               "final_year", "final_target", "growth_needed"]
    out = pd.DataFrame(rows, columns=columns)
    out["score"] = out["progress"]
    out["explanation"] = [_progress_text(r) for r in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def _progress_text(row: Any) -> str:
    text = (f"{row.chain} {row.year}: output {format_amount(row.output)}, "
            f"{row.progress:.0%} of the target {format_amount(row.target)}")
    text += " (met)" if row.met else f" ({format_amount(row.gap)} short)"
    if np.isfinite(row.growth_needed):
        text += (f"; reaching {format_amount(row.final_target)} by {row.final_year} "
                 f"needs {row.growth_needed:+.0%} a year")
    return text
