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

# Each area below adds its public names here (explicit imports, and to __all__).
# --- readwrite ---------------------------------------------------------------------
# --- datasets and templates --------------------------------------------------------
# --- algorithms: structure, breakpoints, bottlenecks -------------------------------
# --- algorithms: leaders, extension, echelon; report -------------------------------
# --- algorithms: propagation, systemic risk, scenarios ------------------------------


def __getattr__(name: str):  # lazy subpackages that import heavy dependencies
    if name in ("plotting", "datasets", "readwrite", "algorithms", "kernels"):
        import importlib

        return importlib.import_module(f"chaingraph.{name}")
    raise AttributeError(f"module 'chaingraph' has no attribute {name!r}")
