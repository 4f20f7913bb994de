"""Year on year: what changed in a chain (or a district's chains) between two snapshots.

The chain chief office reviews its three-year action plan every year: which
enterprises arrived and left, which segments are newly present or lost, which
breakpoints (断点) were closed and which opened, which bottlenecks (堵点) were
relieved, how the chain leaders' ranks moved, whether the chain climbed the
echelon ladder, and how far it is from the year's target.

* :func:`find_changes` - two chains (before, after): one row per change;
* :func:`compare_reports` - the same from two diagnoses already made
  (:func:`chaingraph.diagnose` reports, or anything with the same tables);
* :func:`compare_portfolios` - every chain of two portfolio snapshots;
* :func:`chaingraph.algorithms.portfolio.find_plan_progress` - each chain against
  its yearly targets;
* :func:`summarize_changes` - the changes as the ``chaingraph compare --json`` object.

For the change in systemic risk between two chains see
:func:`chaingraph.algorithms.scenarios.compare_chains`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.amounts import format_amount
from chaingraph.model import (
    NAME,
    OUTPUT,
    REGION,
    SEGMENT,
    Chain,
    SegmentTemplate,
    as_chain,
)
from chaingraph.model.lookup import TemplateLike, as_template
from chaingraph.readwrite.portfolio import Portfolio

__all__ = ["CHANGE_KINDS", "compare_portfolios", "compare_reports", "find_changes",
           "summarize_changes"]

#: Kinds of change rows, in the order they are explained in the docs.
CHANGE_KINDS = ("enterprise_added", "enterprise_removed", "segment_gained",
                "segment_lost", "breakpoint_closed", "breakpoint_opened",
                "bottleneck_relieved", "bottleneck_new", "leader_moved", "rung_changed",
                "output_growth")
_BREAK_KEY = ("kind", "segment", "enterprise", "supplier", "buyer", "supplier_segment",
              "buyer_segment")
_COLUMNS = ["kind", "enterprise", "segment", "supplier", "buyer", "item", "before", "after",
            "change", "score", "explanation"]


@dataclass
class _Snapshot:
    """The tables a comparison needs (the attributes of a ChainReport)."""

    chain: Chain
    breakpoints: pd.DataFrame
    bottlenecks: pd.DataFrame
    leaders: pd.DataFrame
    echelon: pd.DataFrame
    summary: dict


def _snapshot(chain: Chain, template: SegmentTemplate | None, region: Any, seed: Any,
              method: str) -> _Snapshot:
    from chaingraph.algorithms.bottlenecks import find_bottlenecks
    from chaingraph.algorithms.breakpoints import find_breakpoints
    from chaingraph.algorithms.echelon import find_echelon
    from chaingraph.algorithms.leaders import find_leaders

    if template is not None and SEGMENT in chain._enterprises.columns:
        values = chain.column(SEGMENT, default=None)
        mapped = [template.resolve(v) or v if isinstance(v, str) else v for v in values]
        chain = Chain(chain._enterprises.assign(**{SEGMENT: pd.Series(mapped, dtype=object)}),
                      chain._links, chain._meta)
    try:
        bottlenecks = find_bottlenecks(chain, template=template, region=region,
                                       seed=seed, method=method)
    except ValueError:
        bottlenecks = pd.DataFrame()
    echelon = find_echelon(chain, region=region, by_region=False) \
        if OUTPUT in chain._enterprises.columns else pd.DataFrame()
    return _Snapshot(chain, find_breakpoints(chain, template=template, region=region,
                                             method=method),
                     bottlenecks, find_leaders(chain, region=region, template=template,
                                               seed=seed),
                     echelon, {"region": region})


def find_changes(before: Chain | Any, after: Chain | Any, /, *,
                 template: TemplateLike = None, region: Any = None,
                 seed: Any = 0, method: str = "auto", top: int | None = None
                 ) -> pd.DataFrame:
    """What changed in one chain between two snapshots (e.g. last year and this year).

    Parameters
    ----------
    before, after : Chain or networkx.DiGraph
        The two snapshots. Enterprises are matched by id, then by exact ``name``.
    template : SegmentTemplate or str, optional
        Segment template (object or built-in name): adds missing segments and
        broken template links to the breakpoints compared.
    region : str or list of str, optional
        Focal region (the district); None compares whole chains.
    seed : int, numpy Generator or None, default 0
        Randomness of sampled estimates (the same for both snapshots).
    method : str, default "auto"
        Engine of the heavy kernels.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        See :func:`compare_reports`.

    See Also
    --------
    compare_reports, compare_portfolios,
    chaingraph.algorithms.scenarios.compare_chains : change in systemic risk.

    Notes
    -----
    Runs :func:`chaingraph.find_breakpoints`, :func:`chaingraph.find_bottlenecks`,
    :func:`chaingraph.find_leaders` and :func:`chaingraph.find_echelon` on each
    snapshot, then :func:`compare_reports`.

    Examples
    --------
    >>> from chaingraph.algorithms.compare import find_changes
    >>> P24 = cg.datasets.load_example_portfolio(2024)
    >>> P25 = cg.datasets.load_example_portfolio(2025)
    >>> changes = find_changes(P24.chain("新能源汽车"), P25.chain("新能源汽车"),
    ...                        template="nev", region="明湾示范区")
    >>> changes.query("kind == 'breakpoint_closed'")["segment"].tolist()
    ['automotive_chips']
    >>> changes.attrs["rung_before"], changes.attrs["rung_after"]
    ('千亿级', '千亿级')
    """
    template = as_template(template)
    shots = [_snapshot(as_chain(G), template, region, seed, method)
             for G in (before, after)]
    return compare_reports(*shots, top=top)


def _match(before: Chain, after: Chain) -> dict[Any, Any]:
    """after id -> before id: by id, then by exact name among the unmatched."""
    old, new = set(before.ids.tolist()), after.ids.tolist()
    mapping = {i: i for i in new if i in old}
    names_b = before.column(NAME, default=None)
    names_a = after.column(NAME, default=None)
    free = {}
    for i, name in zip(before.ids.tolist(), names_b, strict=True):
        if isinstance(name, str) and i not in mapping.values():
            free.setdefault(name, []).append(i)
    for i, name in zip(new, names_a, strict=True):
        if i not in mapping and isinstance(name, str) and len(free.get(name, ())) == 1:
            mapping[i] = free.pop(name)[0]
    return mapping


def _focal_segments(chain: Chain, region: Any) -> set[str]:
    if SEGMENT not in chain._enterprises.columns:
        return set()
    seg = chain.column(SEGMENT, default=None)
    if region is not None and REGION in chain._enterprises.columns:
        regions = [region] if isinstance(region, str) else list(region)
        seg = seg[np.isin(chain.column(REGION, default=None).astype(object),
                          np.array(regions, dtype=object))]
    return {s for s in seg if isinstance(s, str)}


def _keys(table: pd.DataFrame, fields: tuple[str, ...], rename: Mapping[Any, Any]
          ) -> dict[tuple, dict[str, Any]]:
    if table is None or not len(table):
        return {}
    cols = [c for c in fields if c in table.columns]
    out = {}
    for row in table.to_dict("records"):
        key = tuple(_norm(rename.get(row[c], row[c]) if c in ("enterprise", "supplier",
                                                              "buyer") else row[c])
                    for c in cols)
        out.setdefault(key, row)
    return out


def _norm(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) \
        else value


def compare_reports(before: Any, after: Any, /, *, top: int | None = None
                    ) -> pd.DataFrame:
    """Compare two diagnoses of one chain: one row per change, with an explanation.

    Parameters
    ----------
    before, after : ChainReport
        Reports of :func:`chaingraph.diagnose` (or objects with the same
        ``chain``, ``breakpoints``, ``bottlenecks``, ``leaders``, ``echelon`` and
        ``summary`` attributes) for the same region and template.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        One row per change: ``kind`` (:data:`CHANGE_KINDS`), ``enterprise`` (id in
        ``after``; in ``before`` for removals), ``segment``, ``supplier`` and
        ``buyer`` (a link's ends, for a breakpoint or bottleneck on a link), ``item`` (what
        changed: a breakpoint or bottleneck kind, a leader's name, the rung),
        ``before``, ``after``, ``change``, ``score`` (comparable within one kind:
        output share for enterprises, 1 for segments, the finding's own score for
        breakpoints and bottlenecks, rank places moved / 10 for leaders, 1 for the
        rung, ``abs(growth)`` for output) and ``explanation``, sorted by score. A
        chain compared with itself gives no row. ``attrs`` holds
        ``rung_before``, ``rung_after``, ``output_before`` and ``output_after``.

    Notes
    -----
    Enterprises are matched by id, then (for the unmatched) by an exact, unique
    ``name``. A breakpoint is identified by its kind and its segment, enterprise
    or link; one present before and not after was closed. Bottlenecks likewise
    (the minimum cut can move with small changes in capacities). Leaders: the
    top ten of either year whose rank changed. Segments: present among the focal
    enterprises.

    Examples
    --------
    >>> from chaingraph.algorithms.compare import compare_reports
    >>> report = cg.diagnose(cg.datasets.load_example(), template="nev",
    ...                      region="明湾示范区")
    >>> compare_reports(report, report).empty
    True
    """
    rename = _match(before.chain, after.chain)  # after id -> before id
    back = {v: k for k, v in rename.items()}
    region = (getattr(after, "summary", None) or {}).get("region")
    rows = _enterprise_rows(before.chain, after.chain, rename)
    rows += _segment_rows(before.chain, after.chain, region)
    rows += _finding_rows(before.breakpoints, after.breakpoints, back, "breakpoint_closed",
                          "breakpoint_opened", "closed", "opened")
    rows += _finding_rows(before.bottlenecks, after.bottlenecks, back,
                          "bottleneck_relieved", "bottleneck_new", "relieved", "new")
    rows += _leader_rows(before.leaders, after.leaders, back)
    rung, output = _echelon_rows(before.echelon, after.echelon, rows)
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    out = out if top is None else out.head(top)
    out.attrs.update({"rung_before": rung[0], "rung_after": rung[1],
                      "output_before": output[0], "output_after": output[1]})
    return out


def _names(chain: Chain) -> dict[Any, str]:
    return dict(zip(chain.ids.tolist(), chain.column(NAME, default=None), strict=True))


def _enterprise_rows(before: Chain, after: Chain, rename: Mapping) -> list[dict]:
    rows = []
    matched = set(rename.values())
    for chain, ids, kind, verb in (
            (after, [i for i in after.ids.tolist() if i not in rename], "enterprise_added",
             "joined"),
            (before, [i for i in before.ids.tolist() if i not in matched],
             "enterprise_removed", "left")):
        if not ids:
            continue
        codes = chain.codes_of(ids)
        output = chain.column(OUTPUT)
        total = np.nansum(output) or 1.0
        seg = chain.column(SEGMENT, default=None)
        names = chain.column(NAME, default=None)
        for i, c in zip(ids, codes, strict=True):
            who = names[c] if isinstance(names[c], str) else str(i)
            value = output[c]
            rows.append({"kind": kind, "enterprise": i, "segment": seg[c], "item": who,
                         "before": None if verb == "joined" else value,
                         "after": value if verb == "joined" else None,
                         "change": value if verb == "joined" else -value,
                         "score": float(np.nan_to_num(value) / total),
                         "explanation": f"{who} ({seg[c]}) {verb} the chain; output "
                                        f"{format_amount(value)}"})
    return rows


def _segment_rows(before: Chain, after: Chain, region: Any) -> list[dict]:
    old, new = _focal_segments(before, region), _focal_segments(after, region)
    where = f" in {region}" if isinstance(region, str) else ""
    rows = [{"kind": "segment_gained", "enterprise": None, "segment": s, "item": s,
             "before": 0, "after": 1, "change": 1, "score": 1.0,
             "explanation": f"segment {s} is newly present{where}"} for s in sorted(new - old)]
    rows += [{"kind": "segment_lost", "enterprise": None, "segment": s, "item": s,
              "before": 1, "after": 0, "change": -1, "score": 1.0,
              "explanation": f"segment {s} is no longer present{where}"}
             for s in sorted(old - new)]
    return rows


def _finding_rows(before: pd.DataFrame, after: pd.DataFrame, back: Mapping,
                  gone_kind: str, new_kind: str, gone_verb: str, new_verb: str
                  ) -> list[dict]:
    old = _keys(before, _BREAK_KEY, {})
    new = _keys(after, _BREAK_KEY, back)  # after ids in before's terms
    rows = []
    for keys, kind, verb in ((old.keys() - new.keys(), gone_kind, gone_verb),
                             (new.keys() - old.keys(), new_kind, new_verb)):
        table = old if verb == gone_verb else new
        for key in sorted(keys, key=str):
            row = table[key]
            enterprise = row.get("enterprise")
            if verb == new_verb and enterprise is not None:
                enterprise = next((k for k, v in back.items() if v == enterprise),
                                  enterprise)
            score = row.get("score", 1.0)
            rows.append({"kind": kind, "enterprise": _norm(enterprise),
                         "segment": _norm(row.get("segment")),
                         "supplier": _norm(row.get("supplier")),
                         "buyer": _norm(row.get("buyer")), "item": row.get("kind"),
                         "before": 1 if verb == gone_verb else 0,
                         "after": 0 if verb == gone_verb else 1,
                         "change": -1 if verb == gone_verb else 1,
                         "score": float(score) if score == score else 0.0,
                         "explanation": f"{verb}: {_finding_text(row)}"})
    return rows


def _finding_text(row: Mapping) -> str:
    """The finding's own explanation; a short description where it has none (a
    report explains only the rows it shows, see ``explain=`` of the finders)."""
    text = row.get("explanation")
    if isinstance(text, str) and text:
        return text
    link = (f"{row.get('supplier')} -> {row.get('buyer')}"
            if _norm(row.get("supplier")) is not None else None)
    who = [x for x in (row.get("kind"), _norm(row.get("enterprise")), link,
                       _norm(row.get("segment"))) if x is not None]
    return " ".join(str(x) for x in who)


def _leader_rows(before: pd.DataFrame, after: pd.DataFrame, back: Mapping) -> list[dict]:
    if before is None or after is None or "rank" not in before or "rank" not in after:
        return []
    old = dict(zip(before["enterprise"], before["rank"], strict=True))
    new = {back.get(e, e): (e, r) for e, r in zip(after["enterprise"], after["rank"],
                                                  strict=True)}
    names = dict(zip(after["enterprise"], after.get("name", after["enterprise"]),
                     strict=True))
    rows = []
    for key in sorted(set(old) | set(new), key=str):
        r0 = old.get(key)
        e1, r1 = new.get(key, (key, None))
        if r0 == r1 or ((r0 is None or r0 > 10) and (r1 is None or r1 > 10)):
            continue
        who = names.get(e1, key)
        r0s = f"{int(r0)}" if r0 is not None else "unranked"
        r1s = f"{int(r1)}" if r1 is not None else "unranked"
        moved = (r0 or len(old) + 1) - (r1 or len(new) + 1)
        rows.append({"kind": "leader_moved", "enterprise": e1, "segment": None,
                     "item": who, "before": r0, "after": r1, "change": moved,
                     "score": abs(moved) / 10,
                     "explanation": f"chain-leader rank of {who}: {r0s} -> {r1s}"})
    return rows


def _focal_row(table: pd.DataFrame) -> dict | None:
    if table is None or not len(table):
        return None
    rows = table[table["level"] == "focal"] if "level" in table else table
    return rows.iloc[0].to_dict() if len(rows) else None


def _echelon_rows(before: pd.DataFrame, after: pd.DataFrame, rows: list[dict]
                  ) -> tuple[tuple, tuple]:
    b, a = _focal_row(before), _focal_row(after)
    if b is None or a is None:
        return (b and b["rung"], a and a["rung"]), (b and b["output"], a and a["output"])
    if b["rung"] != a["rung"]:
        rows.append({"kind": "rung_changed", "enterprise": None, "segment": None,
                     "item": a["rung"], "before": b["rung"], "after": a["rung"],
                     "change": None, "score": 1.0,
                     "explanation": f"echelon rung {b['rung']} -> {a['rung']} (output "
                                    f"{format_amount(b['output'])} -> "
                                    f"{format_amount(a['output'])})"})
    if b["output"] != a["output"]:
        growth = a["output"] / b["output"] - 1 if b["output"] > 0 else np.inf
        rows.append({"kind": "output_growth", "enterprise": None, "segment": None,
                     "item": "output", "before": b["output"], "after": a["output"],
                     "change": a["output"] - b["output"], "score": abs(growth),
                     "explanation": f"output {format_amount(b['output'])} -> "
                                    f"{format_amount(a['output'])} ({growth:+.1%})"})
    return (b["rung"], a["rung"]), (b["output"], a["output"])


def summarize_changes(changes: pd.DataFrame, /) -> dict[str, Any]:
    """The changes as one JSON-ready object (the ``chaingraph compare --json`` keys).

    Parameters
    ----------
    changes : DataFrame
        A table of :func:`find_changes` or :func:`compare_reports`.

    Returns
    -------
    dict
        ``enterprises_added``, ``enterprises_removed`` (ids), ``segments_gained``,
        ``segments_lost`` (segment ids), ``breakpoints_closed``,
        ``breakpoints_opened`` (objects with ``kind``, ``segment``, ``enterprise``
        and ``explanation``), ``bottlenecks_relieved``, ``bottlenecks_new`` (same
        form), ``leaders_moved`` (``enterprise``, ``before``, ``after``),
        ``rung_before``, ``rung_after``, ``output_before``, ``output_after``.

    Examples
    --------
    >>> from chaingraph.algorithms.compare import summarize_changes
    >>> empty = cg.algorithms.compare.compare_reports(*[cg.diagnose(
    ...     cg.datasets.load_example(), template="nev", region="明湾示范区")] * 2)
    >>> summarize_changes(empty)["breakpoints_closed"]
    []
    """
    def ids(kind: str, col: str) -> list:
        return [_plain(v) for v in changes.loc[changes["kind"] == kind, col]]

    def findings(kind: str) -> list[dict]:
        part = changes[changes["kind"] == kind]
        return [{"kind": r["item"], "segment": _plain(r["segment"]),
                 "enterprise": _plain(r["enterprise"]), "explanation": r["explanation"]}
                for r in part.to_dict("records")]

    attrs = changes.attrs
    return {
        "enterprises_added": ids("enterprise_added", "enterprise"),
        "enterprises_removed": ids("enterprise_removed", "enterprise"),
        "segments_gained": ids("segment_gained", "segment"),
        "segments_lost": ids("segment_lost", "segment"),
        "breakpoints_closed": findings("breakpoint_closed"),
        "breakpoints_opened": findings("breakpoint_opened"),
        "bottlenecks_relieved": findings("bottleneck_relieved"),
        "bottlenecks_new": findings("bottleneck_new"),
        "leaders_moved": [{"enterprise": _plain(r["enterprise"]),
                           "before": _plain(r["before"]), "after": _plain(r["after"])}
                          for r in changes[changes["kind"] == "leader_moved"]
                          .to_dict("records")],
        "rung_before": _plain(attrs.get("rung_before")),
        "rung_after": _plain(attrs.get("rung_after")),
        "output_before": _plain(attrs.get("output_before")),
        "output_after": _plain(attrs.get("output_after")),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return value



def compare_portfolios(before: Portfolio, after: Portfolio, /, *, seed: Any = 0,
                       method: str = "auto", top: int | None = None) -> pd.DataFrame:
    """Year on year for every chain of a district: :func:`find_changes` per chain.

    Parameters
    ----------
    before, after : Portfolio
        Two snapshots of the district's chains (e.g. 2024 and 2025).
    seed, method
        As for :func:`find_changes`.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    DataFrame
        A ``chain`` column, then :func:`compare_reports`'s columns; chains present
        in only one snapshot get one ``chain_added`` / ``chain_removed`` row.
        Sorted by chain (portfolio order), then score.

    Examples
    --------
    >>> from chaingraph.algorithms.compare import compare_portfolios
    >>> changes = compare_portfolios(cg.datasets.load_example_portfolio(2024),
    ...                              cg.datasets.load_example_portfolio(2025))
    >>> changes.query("kind == 'rung_changed'")[["chain", "before", "after"]].values.tolist()
    [['新型显示', '十亿级', '百亿级'], ['生物医药', 'below 十亿级', '十亿级']]
    """
    frames = []
    order = list(dict.fromkeys([*after.chains, *before.chains]))
    for name in order:
        if name not in before or name not in after:
            kind = "chain_added" if name in after else "chain_removed"
            frames.append(pd.DataFrame([{
                "chain": name, "kind": kind, "item": name, "score": 1.0,
                "explanation": f"chain {name} is {'new' if name in after else 'gone'}"}]))
            continue
        template = after.template(name) or before.template(name)
        region = after.region
        has = {P: region is not None and bool(
            (P.chain(name).column(REGION, default=None) == region).any())
            for P in (before, after)}
        table = find_changes(before.chain(name), after.chain(name), template=template,
                             region=region if all(has.values()) else None, seed=seed,
                             method=method)
        table.insert(0, "chain", name)
        frames.append(table)
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["chain", *_COLUMNS])
    return out if top is None else out.head(top)
