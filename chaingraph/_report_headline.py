"""Headline numbers of a report's summary (private; used by :mod:`chaingraph.report`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from chaingraph.model import Chain, SegmentTemplate

__all__ = ["headline"]


def _counts(table: pd.DataFrame, column: str) -> dict[str, int]:
    if column not in table.columns or not len(table):
        return {}
    return {str(k): int(v) for k, v in table[column].value_counts(sort=False).items()}


def _throughput_basis(weighted: bool | None) -> str | None:
    """``"volume"`` or ``"paths"`` as the throughput step weighted its paths (None
    when it did not run)."""
    return None if weighted is None else ("volume" if weighted else "paths")


def headline(chain: Chain, template: SegmentTemplate | None,
             tables: dict[str, pd.DataFrame], flow: Any, options: dict[str, Any]
             ) -> dict[str, Any]:
    """Headline numbers added to the structure summary (keys are stable codes)."""
    region = options["region"]
    out: dict[str, Any] = {
        "chain_name": chain.meta.get("name"), "region": region,
        "template": template.name if template is not None else None,
        "unit": chain.meta.get("unit"), "currency": chain.meta.get("currency"),
        "n_breakpoints": len(tables["breakpoints"]),
        "breakpoints_by_kind": _counts(tables["breakpoints"], "kind"),
        "max_flow": None if flow is None else float(flow.value),
        "flow_basis": None if flow is None else flow.capacity_basis,
        # the throughput's paths: weighted by the ends' volumes, or counted alike
        "throughput_basis": _throughput_basis(options.get("throughput_weighted")),
        "n_min_cut": None if flow is None else len(flow.min_cut),
        "n_bottlenecks": len(tables["bottlenecks"]),
        "bottlenecks_by_kind": _counts(tables["bottlenecks"], "kind"),
        "n_candidates": len(tables["candidates"]),
        # outside suppliers the loader added (unknown="add"), listed for the office
        "added_enterprises": [str(e) for e in
                              (chain.meta.get("load_log") or {}).get("added") or []] or None,
        "candidates_by_kind": _counts(tables["candidates"], "kind")}
    leaders = tables["leaders"]
    if len(leaders):
        top = leaders.iloc[0]
        name = top.get("name")
        out["top_leader"] = top["enterprise"]
        out["top_leader_name"] = name if isinstance(name, str) and name.strip() else str(
            top["enterprise"])
        from chaingraph.algorithms.leaders import designated_hits

        hits = designated_hits(leaders)
        if hits is not None and hits[1]:  # none designated: nothing to say ("0 of 0")
            out["designated_leaders_in_top"] = f"{hits[0]} of {hits[1]}"
    echelon = tables["echelon"]
    if len(echelon):
        focal = echelon[echelon["level"] == "focal"].iloc[0]
        out["focal_output"] = float(focal["output"])
        out["focal_rung"] = focal["rung"]
    return out
