"""Do chaingraph and the networkx baseline give the same answers?

Each ``compare_*`` function runs one chaingraph analysis and its baseline
(``benchmarks/nx_baseline.py``) on the same chain and returns a list of
disagreements (empty = same answers). ``tests/test_benchmarks.py`` calls them on
small generated and real networks; ``python -m benchmarks.run --check`` calls
:func:`check_chain` on generated networks of the chosen sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from benchmarks import nx_baseline as nb

__all__ = ["CHECKS", "check_chain", "check_sizes"]

REL = 1e-9


def _close(a: float, b: float, rel: float = REL, abs_: float = 1e-12) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def _given(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def compare_tiers(chain: Any, G: nx.DiGraph, **_: Any) -> list[str]:
    """Same tier for every enterprise; the same enterprises without a tier."""
    from chaingraph.algorithms.structure import tiers

    lib = {k: int(v) for k, v in tiers(chain).items() if _given(v)}
    ref = nb.tiers_nx(G)
    bad = [v for v in set(lib) | set(ref) if lib.get(v) != ref.get(v)]
    return [f"tiers differ for {len(bad)} enterprises, e.g. "
            f"{[(v, lib.get(v), ref.get(v)) for v in sorted(bad, key=str)[:3]]}"] if bad else []


def _spof_rows(frame: pd.DataFrame, element: str) -> pd.DataFrame:
    if "element" in frame.columns:
        frame = frame[frame["element"] == element]
    key = ["enterprise"] if element == "enterprise" else ["supplier", "buyer"]
    return frame.dropna(subset=key)


def compare_spof(chain: Any, G: nx.DiGraph, *, region: Any = None, **_: Any) -> list[str]:
    """Same enterprise and link SPOF sets, and the same number of final producers cut."""
    from chaingraph.algorithms.breakpoints import find_single_points_of_failure

    lib = find_single_points_of_failure(chain, region=region, links=True)
    problems = []
    for element, ref, key in (
            ("enterprise", nb.single_points_of_failure_nx(G, region=region),
             ["enterprise"]),
            ("link", nb.link_single_points_of_failure_nx(G, region=region),
             ["supplier", "buyer"])):
        rows = _spof_rows(lib, element)
        got = {tuple(r[:-1]): r[-1] for r in rows[[*key, "n_final_cut"]].itertuples(
            index=False, name=None)}
        want = {tuple(r[:-1]): r[-1] for r in ref[[*key, "n_final_cut"]].itertuples(
            index=False, name=None)}
        if set(got) != set(want):
            extra, missing = set(got) - set(want), set(want) - set(got)
            problems.append(f"{element} SPOFs differ: chaingraph only "
                            f"{sorted(extra, key=str)[:3]} ({len(extra)}), networkx only "
                            f"{sorted(missing, key=str)[:3]} ({len(missing)})")
        elif any(int(got[k]) != int(want[k]) for k in got):
            problems.append(f"{element} SPOFs: n_final_cut differs")
    return problems


def compare_flow(chain: Any, G: nx.DiGraph, **_: Any) -> list[str]:
    """Same maximum-flow value (1e-9 relative); chaingraph's cut capacity = value."""
    from chaingraph.algorithms.bottlenecks import max_flow

    lib = max_flow(chain)
    ref = nb.max_flow_nx(G)
    problems = []
    if not _close(lib.value, ref["value"], rel=1e-9, abs_=1e-6):
        problems.append(f"max flow {lib.value!r} != networkx {ref['value']!r}")
    cut = float(lib.min_cut["capacity"].sum()) if len(lib.min_cut) else 0.0
    if not _close(cut, lib.value, rel=1e-9, abs_=1e-6):
        problems.append(f"min cut capacity {cut!r} != flow value {lib.value!r}")
    return problems


def compare_throughput(chain: Any, G: nx.DiGraph, **_: Any) -> list[str]:
    """Exact throughput centrality agrees to 1e-9; so does a seeded sampled run."""
    from chaingraph.algorithms.bottlenecks import throughput_centrality

    n_sources = len(nb.roles_nx(G)[0])
    problems = []
    runs = [("exact", {"samples": None, "exact_limit": max(n_sources, 1)}, {})]
    if n_sources > 3:
        k = max(n_sources // 2, 1)
        runs.append(("sampled", {"samples": k, "seed": 7}, {"samples": k, "seed": 7}))
    for label, lib_kw, ref_kw in runs:
        lib = throughput_centrality(chain, **lib_kw)
        ref = nb.throughput_nx(G, **ref_kw)
        bad = [v for v in ref if not _close(lib.get(v, 0.0), ref[v], abs_=1e-12)]
        if bad:
            problems.append(f"{label} throughput differs for {len(bad)} enterprises, "
                            f"e.g. {[(v, lib.get(v), ref[v]) for v in bad[:3]]}")
    return problems


def compare_concentration(chain: Any, G: nx.DiGraph, *, region: Any = None,
                          template: Any = None, **_: Any) -> list[str]:
    """Same HHI, enterprise count and top enterprise share per segment."""
    from chaingraph.algorithms.bottlenecks import find_concentration

    lib = find_concentration(chain, region=region, template=template).set_index("segment")
    ref = nb.concentration_nx(G, region=region).set_index("segment")
    problems = []
    ref = ref[ref["hhi"].notna()]
    for seg, row in ref.iterrows():
        if seg not in lib.index:
            problems.append(f"segment {seg!r} missing from find_concentration")
            continue
        got = lib.loc[seg]
        for col in ("hhi", "top1_share"):
            if not _close(float(got[col]), float(row[col])):
                problems.append(f"{seg}: {col} {got[col]!r} != networkx {row[col]!r}")
        if int(got["n_enterprises"]) != int(row["n_enterprises"]):
            problems.append(f"{seg}: n_enterprises {got['n_enterprises']} != "
                            f"{row['n_enterprises']}")
    return problems


def compare_outside(chain: Any, G: nx.DiGraph, *, region: Any = None,
                    **_: Any) -> list[str]:
    """Same input volume, outside share and abroad share per buyer segment."""
    from chaingraph.algorithms.bottlenecks import find_outside_dependence

    lib = find_outside_dependence(chain, region=region).set_index("segment")
    ref = nb.outside_dependence_nx(G, region=region).set_index("segment")
    problems = []
    for seg, row in ref[ref["input_volume"] > 0].iterrows():
        if seg not in lib.index:
            problems.append(f"segment {seg!r} missing from find_outside_dependence")
            continue
        for col in ("input_volume", "outside_share", "abroad_share"):
            if not _close(float(lib.loc[seg, col]), float(row[col])):
                problems.append(f"{seg}: {col} {lib.loc[seg, col]!r} != {row[col]!r}")
    return problems


def compare_segments(chain: Any, G: nx.DiGraph, *, template: Any = None,
                     region: Any = None, **_: Any) -> list[str]:
    """Same missing segments and broken template links."""
    if template is None:
        return []
    from chaingraph.algorithms.breakpoints import (
        find_broken_links,
        find_missing_segments,
    )

    problems = []
    got = set(find_missing_segments(chain, template=template, region=region)["segment"])
    want = set(nb.missing_segments_nx(G, template, region=region))
    if got != want:
        problems.append(f"missing segments: chaingraph {sorted(got)} != {sorted(want)}")
    lib = find_broken_links(chain, template=template, region=region)
    cols = [c for c in ("supplier_segment", "buyer_segment") if c in lib.columns]
    if len(cols) < 2:
        cols = ["supplier", "buyer"]
    got_links = set(lib[cols].itertuples(index=False, name=None))
    want_links = set(nb.broken_links_nx(G, template, region=region))
    if got_links != want_links:
        problems.append(f"broken links: chaingraph {sorted(got_links)} != "
                        f"{sorted(want_links)}")
    return problems


def compare_leaders(chain: Any, G: nx.DiGraph, *, region: Any = None,
                    template: Any = None, **_: Any) -> list[str]:
    """Same leader components for every focal enterprise and the same top 5."""
    from chaingraph.algorithms.leaders import find_leaders

    lib = find_leaders(chain, region=region, template=template).set_index("enterprise")
    ref = nb.leader_scores_nx(G, region=region).set_index("enterprise")
    problems = []
    for col in ("output_share", "local_suppliers", "downstream_reach", "demand_pull",
                "score"):
        diff = np.abs(lib.loc[ref.index, col].to_numpy(float) - ref[col].to_numpy(float))
        if diff.max(initial=0.0) > 1e-6:
            problems.append(f"leaders: {col} differs by up to {diff.max():.3g}")
    # The top 5 must agree, up to ties at the boundary (ordering among ties is free).
    scores = ref["score"].to_numpy(float)
    k = 5
    while 0 < k < len(scores) and abs(scores[k - 1] - scores[k]) <= 1e-9:
        k -= 1
    top_lib, top_ref = set(lib.index[:k]), set(ref.index[:k])
    if top_lib != top_ref:
        problems.append(f"top {k} leaders {sorted(top_lib, key=str)} != networkx "
                        f"{sorted(top_ref, key=str)}")
    return problems


#: name -> compare function(chain, G, template=, region=) -> list of disagreements.
CHECKS: dict[str, Callable[..., list[str]]] = {
    "tiers": compare_tiers,
    "spof": compare_spof,
    "segments": compare_segments,
    "max_flow": compare_flow,
    "throughput": compare_throughput,
    "concentration": compare_concentration,
    "outside_dependence": compare_outside,
    "leaders": compare_leaders,
}


def check_chain(chain: Any, *, template: Any = None, region: Any = None,
                log: Callable[[str], None] | None = None) -> list[str]:
    """Run every comparison; a chaingraph analysis not importable is a failure."""
    G = nb.graph_from_chain(chain)
    failures = []
    for name, func in CHECKS.items():
        try:
            problems = func(chain, G, template=template, region=region)
        except Exception as exc:  # reported, the other checks go on
            problems = [f"raised {type(exc).__name__}: {exc}"]
        failures += [f"{name}: {p}" for p in problems]
        if log:
            log(f"  {name}: {'ok' if not problems else '; '.join(problems)}")
    return failures


def check_sizes(sizes: list[int], *, links_per: float = 5.0, seed: int = 0,
                log: Callable[[str], None] | None = None) -> list[str]:
    """Generate a chain per size and :func:`check_chain` it (region "focal", nev)."""
    from chaingraph.datasets import generate_chain, load_template

    template = load_template("nev")
    failures = []
    for n in sizes:
        chain = generate_chain(n, n_links=round(links_per * n), seed=seed)
        if log:
            log(f"[{n}] {chain!r}")
        failures += [f"[{n}] {f}" for f in check_chain(chain, template=template,
                                                      region="focal", log=log)]
    return failures
