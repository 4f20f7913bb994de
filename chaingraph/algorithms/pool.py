"""The enterprise pool (企业库) of a portfolio: roles, tags, shared enterprises, sizes.

* :func:`find_enterprise_pool` - every enterprise with its chains, its role in each
  (链主, member, outside supplier) and its tags (专精特新, 高新技术企业, 规上, ...);
* :func:`find_shared_enterprises` - the enterprises that link two or more chains;
* :func:`find_size_structure` - each chain's large / medium / small / micro structure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.algorithms.common import TRUE_WORDS
from chaingraph.amounts import format_amount
from chaingraph.model import NAME, OUTPUT, REGION, SEGMENT, VOLUME
from chaingraph.model.objects import filled
from chaingraph.readwrite.portfolio import Portfolio

__all__ = ["SIZE_THRESHOLDS", "find_enterprise_pool", "find_shared_enterprises",
           "find_size_structure", "tag_flags"]

#: Size classes by annual revenue (yuan), after NBS 统计上大中小微型企业划分办法
#: (2017) for industry (工业): large >= 4亿, medium >= 2000万, small >= 300万, micro
#: below (employee counts, which the rule also uses, are ignored).
SIZE_THRESHOLDS = {"large": 4e8, "medium": 2e7, "small": 3e6}
_TAG_TRUE = TRUE_WORDS
_TAG_FALSE = frozenset({"否", "n", "no", "false", "0", ""})


def _focal(P: Portfolio) -> np.ndarray:
    pool = P.pool
    if P.region is None or REGION not in pool._enterprises.columns:
        return np.ones(pool.n_enterprises, dtype=bool)
    return pool.column(REGION, default=None).astype(object) == P.region


def _tag_columns(P: Portfolio, tags: Sequence[str] | None) -> list[str]:
    frame = P.pool._enterprises
    if tags is not None:
        missing = [t for t in tags if t not in frame.columns]
        if missing:
            raise ValueError(f"tag columns not in the enterprise table: {missing} "
                             f"(columns: {', '.join(map(str, frame.columns))})")
        return list(tags)
    known = {"id", NAME, SEGMENT, REGION, OUTPUT, "capacity", "is_leader", "added"}
    out = []
    for col in frame.columns:
        if col in known or col in ("chain", "chains", "产业链"):
            continue
        values = frame[col].dropna()
        if len(values) and values.map(
                lambda v: str(v).strip().lower() in _TAG_TRUE | _TAG_FALSE).all():
            out.append(col)
    return out


def _is_true(values: pd.Series) -> np.ndarray:
    return values.map(lambda v: str(v).strip().lower() in _TAG_TRUE
                      if v is not None and v == v else False).to_numpy(dtype=bool)


def tag_flags(P: Portfolio, /, *, tags: Sequence[str] | None = None) -> pd.DataFrame:
    """The pool's tag columns as booleans (是/否, yes/no, 1/0, √ read as true/false).

    Parameters
    ----------
    P : Portfolio
    tags : list of str, optional
        Tag columns; default every free-form column holding only such values.

    Returns
    -------
    DataFrame
        One bool column per tag, one row per enterprise of the pool (pool order).

    Raises
    ------
    ValueError
        A named tag column that the enterprise table lacks.

    Examples
    --------
    >>> from chaingraph.algorithms.pool import tag_flags
    >>> flags = tag_flags(cg.datasets.load_example_portfolio())
    >>> list(flags.columns)
    ['规上', '高新技术企业', '专精特新']
    """
    columns = _tag_columns(P, tags)
    return pd.DataFrame({t: _is_true(P.pool._enterprises[t]) for t in columns},
                        index=range(P.pool.n_enterprises))


def _designated(P: Portfolio) -> dict[str, set]:
    """Chain -> ids of its designated leaders (metadata 链主企业 by id or name, or
    ``is_leader``)."""
    pool = P.pool
    ids = pool.ids
    names = pool.column(NAME, default=None).astype(object)
    flagged = (pool.column("is_leader", default=False).astype(bool)
               if "is_leader" in pool._enterprises.columns else None)
    table = P.chain_table.set_index("chain")
    out = {}
    for chain in P:
        codes = P.codes(chain)
        wanted = set(table.at[chain, "leaders"] or [])
        hit = {ids[i] for i in codes if ids[i] in wanted or names[i] in wanted}
        if flagged is not None:
            hit |= {ids[i] for i in codes if flagged[i]}
        out[chain] = hit
    return out


def _size(output: np.ndarray, thresholds: Mapping[str, float]) -> np.ndarray:
    labels = filled(len(output), "micro")
    for label in ("small", "medium", "large"):
        labels[output >= thresholds[label]] = label
    labels[np.isnan(output)] = None
    return labels


def find_enterprise_pool(P: Portfolio, /, *, tags: Sequence[str] | None = None,
                         size_thresholds: Mapping[str, float] = SIZE_THRESHOLDS,
                         top: int | None = None) -> pd.DataFrame:
    """The enterprise pool (企业库): every enterprise with its chains, roles and tags.

    Parameters
    ----------
    P : Portfolio
    tags : list of str, optional
        Tag columns (是/否, yes/no, 1/0, √). Default: every such free-form column
        (e.g. 专精特新, 高新技术企业, 规上).
    size_thresholds : dict, default :data:`SIZE_THRESHOLDS`
        Revenue (``output``) thresholds of ``large``, ``medium`` and ``small``.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per enterprise of the pool: ``enterprise``, ``name``, ``segment``,
        ``region``, ``output``, ``chains`` (list), ``n_chains``, ``roles`` (dict
        chain -> ``"链主"``, ``"member"`` or ``"outside supplier"``; enterprises
        in no chain have role ``"outside supplier"`` for each chain they supply),
        ``size`` (large/medium/small/micro by output), ``tags`` (list of the tag
        columns that are true), ``score`` (number of chains, plus 1 per 链主 role,
        plus output / the pool's largest output) and ``explanation``; sorted by
        score.

    Examples
    --------
    >>> from chaingraph.algorithms.pool import find_enterprise_pool
    >>> pool = find_enterprise_pool(cg.datasets.load_example_portfolio())
    >>> pool.loc[0, ["enterprise", "chains"]].tolist()
    ['E0078', ['新能源汽车']]
    >>> int((pool["n_chains"] >= 2).sum())
    7
    """
    pool = P.pool
    ids = pool.ids
    focal = _focal(P)
    memberships = list(P.memberships)
    leaders = _designated(P)
    tag_cols = _tag_columns(P, tags)
    flags = {t: _is_true(pool._enterprises[t]) for t in tag_cols}
    src, dst = pool.link_codes
    supplied: dict[int, set[str]] = {}
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        if not memberships[s] and memberships[d]:
            supplied.setdefault(s, set()).update(memberships[d])
    output = pool.column(OUTPUT)
    top_output = np.nanmax(output) if np.isfinite(output).any() else 1.0
    rows = []
    for i, chains in enumerate(memberships):
        roles = {c: "链主" if ids[i] in leaders[c] else
                 ("member" if focal[i] else "outside supplier") for c in chains}
        for c in sorted(supplied.get(i, ())):
            roles[c] = "outside supplier"
        rows.append((list(roles), roles,
                     [t for t in tag_cols if flags[t][i]]))
    out = pd.DataFrame({
        "enterprise": pd.Series(ids, dtype=object),
        "name": pool.column(NAME, default=None).astype(object),
        "segment": pool.column(SEGMENT, default=None).astype(object),
        "region": pool.column(REGION, default=None).astype(object),
        "output": output,
        "chains": [r[0] for r in rows], "roles": [r[1] for r in rows],
        "size": _size(output, size_thresholds), "tags": [r[2] for r in rows]})
    out["n_chains"] = out["chains"].map(len)
    lead = out["roles"].map(lambda r: sum(v == "链主" for v in r.values()))
    share = np.nan_to_num(output / top_output) if top_output > 0 else 0.0
    out["score"] = out["n_chains"] + lead + share
    out["explanation"] = [_pool_text(r) for r in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def _pool_text(row: Any) -> str:
    who = row.name if isinstance(row.name, str) else str(row.enterprise)
    if not row.roles:
        return f"{who}: in no chain and supplies none (outside the pool's chains)"
    parts = ", ".join(f"{c} ({r})" for c, r in row.roles.items())
    text = f"{who}: {parts}; output {format_amount(row.output)}"
    if isinstance(row.size, str):
        text += f", {row.size}"
    if row.tags:
        text += f"; {', '.join(row.tags)}"
    return text


def find_shared_enterprises(P: Portfolio, /, *, top: int | None = None) -> pd.DataFrame:
    """Enterprises that link two or more chains: shared members and cross-chain trade.

    Parameters
    ----------
    P : Portfolio
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per enterprise that is a member of two or more chains or trades
        with a member of a chain it is not in: ``enterprise``, ``name``,
        ``chains`` (its own chains), ``linked_chains`` (other chains it supplies or
        buys from), ``n_chains`` (own + linked), ``kind`` (``"shared member"`` or
        ``"cross-chain link"``), ``cross_links`` (links to members of other
        chains), ``cross_volume`` (their volume), ``output``, ``score``
        (``n_chains`` plus the share of the pool's cross-chain volume) and
        ``explanation``; sorted by score.

    Examples
    --------
    >>> from chaingraph.algorithms.pool import find_shared_enterprises
    >>> shared = find_shared_enterprises(cg.datasets.load_example_portfolio())
    >>> int(shared.query("kind == 'shared member'")["chains"].map(len).min())
    2
    """
    pool = P.pool
    memberships = list(P.memberships)
    src, dst = pool.link_codes
    volume = pool.link_weights(VOLUME, missing=0.0) if VOLUME in pool._links.columns \
        else np.zeros(pool.n_links)
    linked: dict[int, set[str]] = {}
    count: dict[int, int] = {}
    vol: dict[int, float] = {}
    for k, (s, d) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
        a, b = set(memberships[s]), set(memberships[d])
        if not a or not b or a & b:  # no chain, or a link inside a common chain
            continue
        for mine, other in ((s, b - a), (d, a - b)):
            if other:
                linked.setdefault(mine, set()).update(other)
                count[mine] = count.get(mine, 0) + 1
                vol[mine] = vol.get(mine, 0.0) + float(volume[k])
    keep = sorted({i for i, m in enumerate(memberships) if len(m) > 1} | set(linked))
    ids, names = pool.ids, pool.column(NAME, default=None).astype(object)
    output = pool.column(OUTPUT)
    total = sum(vol.values()) or 1.0
    rows = []
    for i in keep:
        own = list(memberships[i])
        other = sorted(linked.get(i, set()) - set(own))
        rows.append({"enterprise": ids[i], "name": names[i], "chains": own,
                     "linked_chains": other, "n_chains": len(own) + len(other),
                     "kind": "shared member" if len(own) > 1 else "cross-chain link",
                     "cross_links": count.get(i, 0), "cross_volume": vol.get(i, 0.0),
                     "output": output[i],
                     "score": len(own) + len(other) + vol.get(i, 0.0) / total})
    columns = ["enterprise", "name", "chains", "linked_chains", "n_chains", "kind",
               "cross_links", "cross_volume", "output", "score"]
    out = pd.DataFrame(rows, columns=columns)
    out["explanation"] = [_shared_text(r) for r in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def _shared_text(row: Any) -> str:
    who = row.name if isinstance(row.name, str) else str(row.enterprise)
    text = f"{who} is in {len(row.chains)} chain(s): {', '.join(row.chains)}"
    if row.linked_chains:
        text += (f"; trades with members of {', '.join(row.linked_chains)} "
                 f"({row.cross_links} links, {format_amount(row.cross_volume)})")
    return text


def find_size_structure(P: Portfolio, /, *,
                        thresholds: Mapping[str, float] = SIZE_THRESHOLDS,
                        top: int | None = None) -> pd.DataFrame:
    """Each chain's large / medium / small / micro structure (大中小企业融通).

    Parameters
    ----------
    P : Portfolio
    thresholds : dict, default :data:`SIZE_THRESHOLDS`
        Revenue thresholds (yuan) of ``large``, ``medium`` and ``small``; the
        default is the NBS 2017 rule for industry by revenue (4亿, 2000万, 300万).
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per chain (its focal members): ``chain``, ``n_large``,
        ``n_medium``, ``n_small``, ``n_micro``, ``n_unknown`` (no output),
        ``large_output_share`` (share of the chain's output from large
        enterprises), ``sme_share`` (share of enterprises that are small or
        micro), ``score`` (``large_output_share``: how much the chain leans on its
        large enterprises) and ``explanation``; sorted by score.

    Examples
    --------
    >>> from chaingraph.algorithms.pool import find_size_structure
    >>> s = find_size_structure(cg.datasets.load_example_portfolio())
    >>> s.set_index("chain").loc["新能源汽车", ["n_large", "n_medium"]].tolist()
    [101, 49]
    """
    focal = _focal(P)
    output = P.pool.column(OUTPUT)
    sizes = _size(output, thresholds)
    rows = []
    for chain in P:
        codes = P.codes(chain)
        codes = codes[focal[codes]]
        s, o = sizes[codes], output[codes]
        counts = {k: int((s == k).sum()) for k in ("large", "medium", "small", "micro")}
        total = float(np.nansum(o))
        large = float(np.nansum(o[s == "large"]))
        n = len(codes)
        rows.append({"chain": chain, **{f"n_{k}": v for k, v in counts.items()},
                     "n_unknown": int(pd.isna(s).sum()),
                     "large_output_share": large / total if total > 0 else np.nan,
                     "sme_share": (counts["small"] + counts["micro"]) / n if n else np.nan})
    out = pd.DataFrame(rows)
    out["score"] = out["large_output_share"]
    out["explanation"] = [
        f"{r.chain}: {r.n_large} large, {r.n_medium} medium, {r.n_small} small and "
        f"{r.n_micro} micro enterprises in the district; large ones make "
        f"{r.large_output_share:.0%} of its output" for r in out.itertuples(index=False)]
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)
