"""chaingraph: industrial chains as directed graphs.

Map a chain (产业链图谱), find its breakpoints (断点) and bottlenecks (堵点/卡点), rank
its chain leaders (链主) and the segments to attract (补链/延链/强链), and measure each
enterprise's systemic risk.

Import is light: plotting (matplotlib) and optional engines load on first use.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from chaingraph.amounts import parse_amount, parse_amounts
from chaingraph.exceptions import (
    ChainDataError,
    ChainDataWarning,
    ChainGraphError,
    ConvergenceError,
    Problem,
    TemplateError,
)
from chaingraph.model import Chain, SegmentTemplate, as_chain

try:
    __version__ = version("chaingraph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Chain",
    "ChainDataError",
    "ChainDataWarning",
    "ChainGraphError",
    "ConvergenceError",
    "Problem",
    "SegmentTemplate",
    "TemplateError",
    "__version__",
    "as_chain",
    "parse_amount",
    "parse_amounts",
]

from chaingraph import datasets
from chaingraph.algorithms.bottlenecks import (
    FlowResult,
    find_bottlenecks,
    find_concentration,
    find_min_cut,
    find_outside_dependence,
    find_throughput,
    max_flow,
    throughput_centrality,
)
from chaingraph.algorithms.breakpoints import (
    find_breakpoints,
    find_broken_links,
    find_missing_segments,
    find_single_points_of_failure,
    find_single_sources,
)
from chaingraph.algorithms.compare import compare_portfolios, compare_reports
from chaingraph.algorithms.counterparts import find_counterparts
from chaingraph.algorithms.echelon import find_echelon
from chaingraph.algorithms.extension import (
    find_extension_candidates,
    find_target_enterprises,
)
from chaingraph.algorithms.leaders import find_leaders, leader_scores
from chaingraph.algorithms.propagation import (
    ShockResult,
    essentiality_table,
    simulate_shock,
)
from chaingraph.algorithms.region_flows import find_region_flows, region_flow_matrix
from chaingraph.algorithms.regions import find_regions
from chaingraph.algorithms.scenarios import (
    ChainComparison,
    compare_chains,
    resilience_curve,
    simulate_random_failures,
)
from chaingraph.algorithms.structure import (
    find_segment_coverage,
    find_structure,
    structure_summary,
    tiers,
)
from chaingraph.algorithms.systemic_risk import (
    find_systemic_risk,
    systemic_risk,
)
from chaingraph.algorithms.transfer import TransferResult, simulate_transfer
from chaingraph.algorithms.transfer_plan import plan_transfer
from chaingraph.datasets import (
    generate_chain,
    list_templates,
    load_example,
    load_template,
)
from chaingraph.readwrite import (
    read_chain,
    read_chain_graph,
    read_template,
    write_chain,
    write_gexf,
    write_graphml,
    write_template,
)
from chaingraph.readwrite.portfolio import Portfolio, read_portfolio
from chaingraph.report import ChainReport, diagnose

__all__ += [  # regions and orderly industrial transfer
    "TransferResult",
    "find_counterparts",
    "find_region_flows",
    "find_regions",
    "plan_transfer",
    "region_flow_matrix",
    "simulate_transfer",
]

__all__ += [
    "ChainComparison",
    "ChainReport",
    "FlowResult",
    "Portfolio",
    "ShockResult",
    "compare_chains",
    "compare_portfolios",
    "compare_reports",
    "datasets",
    "diagnose",
    "essentiality_table",
    "find_bottlenecks",
    "find_breakpoints",
    "find_broken_links",
    "find_concentration",
    "find_echelon",
    "find_extension_candidates",
    "find_leaders",
    "find_min_cut",
    "find_missing_segments",
    "find_outside_dependence",
    "find_segment_coverage",
    "find_single_points_of_failure",
    "find_single_sources",
    "find_structure",
    "find_systemic_risk",
    "find_target_enterprises",
    "find_throughput",
    "generate_chain",
    "leader_scores",
    "list_templates",
    "load_example",
    "load_template",
    "max_flow",
    "read_chain",
    "read_chain_graph",
    "read_portfolio",
    "read_template",
    "resilience_curve",
    "simulate_random_failures",
    "simulate_shock",
    "structure_summary",
    "systemic_risk",
    "throughput_centrality",
    "tiers",
    "write_chain",
    "write_gexf",
    "write_graphml",
    "write_template",
]

# input-output tables and relatedness
from chaingraph.algorithms.input_output import (  # noqa: E402
    complete_links,
    sector_chain,
    sector_indicators,
)
from chaingraph.algorithms.relatedness import (  # noqa: E402
    find_related_segments,
    focal_density,
    presence,
    proximity,
    region_segment_table,
    relatedness_density,
    revealed_advantage,
)
from chaingraph.iotable import IOTable  # noqa: E402
from chaingraph.readwrite.iotables import read_io_table  # noqa: E402

__all__ += [
    "IOTable",
    "complete_links",
    "find_related_segments",
    "focal_density",
    "presence",
    "proximity",
    "read_io_table",
    "region_segment_table",
    "relatedness_density",
    "revealed_advantage",
    "sector_chain",
    "sector_indicators",
]


def __getattr__(name: str):  # lazy subpackages that import heavy dependencies
    if name in ("plotting", "distributed", "kernels"):
        import importlib

        return importlib.import_module(f"chaingraph.{name}")
    raise AttributeError(f"module 'chaingraph' has no attribute {name!r}")
