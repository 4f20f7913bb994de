"""chaingraph: industrial chains as directed graphs.

Map a chain (产业链图谱), find its breakpoints (断点) and bottlenecks (堵点/卡点), rank
its chain leaders (链主) and the segments to attract (补链/延链/强链), and measure each
enterprise's systemic risk.

Import is light: the public names below, the subpackages (``cg.datasets``,
``cg.plotting``, ...) and the optional engines load on first use (PEP 562 module
``__getattr__``), so ``import chaingraph`` and the command line start quickly and a
command imports only what it runs.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from chaingraph._lazy import lazy_attributes as _lazy_attributes
from chaingraph.exceptions import (
    ChainDataError,
    ChainDataWarning,
    ChainGraphError,
    ConvergenceError,
    Problem,
    TemplateError,
)

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

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time see __getattr__
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
    from chaingraph.algorithms.input_output import (
        complete_links,
        sector_chain,
        sector_indicators,
    )
    from chaingraph.algorithms.leaders import find_leaders, leader_scores
    from chaingraph.algorithms.propagation import (
        ShockResult,
        essentiality_table,
        simulate_shock,
    )
    from chaingraph.algorithms.region_flows import find_region_flows, region_flow_matrix
    from chaingraph.algorithms.regions import find_regions
    from chaingraph.algorithms.relatedness import (
        find_related_segments,
        focal_density,
        presence,
        proximity,
        region_segment_table,
        relatedness_density,
        revealed_advantage,
    )
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
    from chaingraph.algorithms.systemic_risk import find_systemic_risk, systemic_risk
    from chaingraph.algorithms.transfer import TransferResult, simulate_transfer
    from chaingraph.algorithms.transfer_plan import plan_transfer
    from chaingraph.amounts import parse_amount, parse_amounts
    from chaingraph.datasets import (
        generate_chain,
        list_templates,
        load_example,
        load_template,
    )
    from chaingraph.iotable import IOTable
    from chaingraph.model import Chain, SegmentTemplate, as_chain
    from chaingraph.readwrite import (
        read_chain,
        read_chain_graph,
        read_template,
        write_chain,
        write_gexf,
        write_graphml,
        write_template,
    )
    from chaingraph.readwrite.iotables import read_io_table
    from chaingraph.readwrite.portfolio import Portfolio, read_portfolio
    from chaingraph.report import ChainReport, diagnose

#: module -> the public names it defines, imported on first use (same names as the
#: TYPE_CHECKING imports above: ``tests/test_package.py`` checks both lists agree)
_LAZY_MODULES = {
    "chaingraph.algorithms.bottlenecks": (
        "FlowResult", "find_bottlenecks", "find_concentration", "find_min_cut",
        "find_outside_dependence", "find_throughput", "max_flow",
        "throughput_centrality",
    ),
    "chaingraph.algorithms.breakpoints": (
        "find_breakpoints", "find_broken_links", "find_missing_segments",
        "find_single_points_of_failure", "find_single_sources",
    ),
    "chaingraph.algorithms.compare": ("compare_portfolios", "compare_reports"),
    "chaingraph.algorithms.counterparts": ("find_counterparts",),
    "chaingraph.algorithms.echelon": ("find_echelon",),
    "chaingraph.algorithms.extension": (
        "find_extension_candidates", "find_target_enterprises",
    ),
    "chaingraph.algorithms.input_output": (
        "complete_links", "sector_chain", "sector_indicators",
    ),
    "chaingraph.algorithms.leaders": ("find_leaders", "leader_scores"),
    "chaingraph.algorithms.propagation": (
        "ShockResult", "essentiality_table", "simulate_shock",
    ),
    "chaingraph.algorithms.region_flows": ("find_region_flows", "region_flow_matrix"),
    "chaingraph.algorithms.regions": ("find_regions",),
    "chaingraph.algorithms.relatedness": (
        "find_related_segments", "focal_density", "presence", "proximity",
        "region_segment_table", "relatedness_density", "revealed_advantage",
    ),
    "chaingraph.algorithms.scenarios": (
        "ChainComparison", "compare_chains", "resilience_curve",
        "simulate_random_failures",
    ),
    "chaingraph.algorithms.structure": (
        "find_segment_coverage", "find_structure", "structure_summary", "tiers",
    ),
    "chaingraph.algorithms.systemic_risk": ("find_systemic_risk", "systemic_risk"),
    "chaingraph.algorithms.transfer": ("TransferResult", "simulate_transfer"),
    "chaingraph.algorithms.transfer_plan": ("plan_transfer",),
    "chaingraph.amounts": ("parse_amount", "parse_amounts"),
    "chaingraph.datasets": (
        "generate_chain", "list_templates", "load_example", "load_template",
    ),
    "chaingraph.iotable": ("IOTable",),
    "chaingraph.model": ("Chain", "SegmentTemplate", "as_chain"),
    "chaingraph.readwrite": (
        "read_chain", "read_chain_graph", "read_template", "write_chain", "write_gexf",
        "write_graphml", "write_template",
    ),
    "chaingraph.readwrite.iotables": ("read_io_table",),
    "chaingraph.readwrite.portfolio": ("Portfolio", "read_portfolio"),
    "chaingraph.report": ("ChainReport", "diagnose"),
}
#: subpackages and modules reachable as attributes (``cg.datasets``, ``cg.plotting``);
#: dir() lists plotting and distributed (matplotlib, Dask) only once imported
_SUBMODULES = ("algorithms", "amounts", "datasets", "distributed", "exceptions",
               "iotable", "kernels", "labels", "model", "plotting", "readwrite", "report")
_UNLISTED = {"distributed", "plotting"}
_HIDDEN = {"TYPE_CHECKING", "_HIDDEN", "_LAZY_MODULES", "_SUBMODULES",
           "_UNLISTED", "__dir__", "_lazy_attributes"}
__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY_MODULES, submodules=_SUBMODULES,
                                        unlisted=_UNLISTED, hidden=_HIDDEN)
