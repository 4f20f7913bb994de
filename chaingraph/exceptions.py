"""Exceptions and warnings raised by chaingraph.

Every domain problem is a :class:`ChainGraphError`; each subclass also inherits the
builtin exception a Python user would expect (``ValueError`` for bad data,
``RuntimeError`` for a computation that cannot finish), so ``except ValueError`` keeps
working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ChainDataError",
    "ChainDataWarning",
    "ChainGraphError",
    "ConvergenceError",
    "Problem",
    "TemplateError",
]


class ChainGraphError(Exception):
    """Base class of every chaingraph error.

    Examples
    --------
    >>> issubclass(ChainDataError, ChainGraphError), issubclass(ChainDataError, ValueError)
    (True, True)
    """


@dataclass(frozen=True)
class Problem:
    """One problem found in the input, located as precisely as the input allows.

    Attributes
    ----------
    message : str
        What is wrong, what was expected and how to fix it.
    file : str or None
        File (or table) name, e.g. ``"links.csv"`` or ``"enterprises"``.
    row : Any
        Row as the user sees it: the spreadsheet row number for files (the header is
        row 1), the index label for DataFrames, ``None`` for whole-table problems.
    column : str or None
        Column name as the user wrote it (before any column mapping).

    Examples
    --------
    >>> p = Problem("negative amount", "links.csv", 7, "金额")
    >>> str(p)
    "links.csv, row 7, column '金额': negative amount"
    """

    message: str
    file: str | None = None
    row: Any = None
    column: str | None = None

    def location(self) -> str:
        """Return ``"file, row R, column 'C'"`` with the parts that are known."""
        parts = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ChainDataError(ChainGraphError, ValueError):
    """Bad input data: one or more problems, each naming file, row and column.

    All problems found in one pass are collected, so a user fixes a sheet once rather
    than once per problem.

    Parameters
    ----------
    problems : list of Problem or str
        The problems found (a plain string becomes a problem without location).

    Examples
    --------
    >>> err = ChainDataError([Problem("duplicate id 'A1'", "ent.csv", 3, "id")])
    >>> str(err)
    "ent.csv, row 3, column 'id': duplicate id 'A1'"
    >>> err.problems[0].row
    3
    """

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        super().__init__(self._text())

    def _text(self) -> str:
        if not self.problems:
            return "invalid chain data"
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the input:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def one_line(self, limit: int = 3) -> str:
        """Return the problems on one line (at most ``limit`` shown), for the CLI."""
        shown = "; ".join(str(p) for p in self.problems[:limit])
        more = len(self.problems) - limit
        return shown + (f"; and {more} more problem(s)" if more > 0 else "")


class TemplateError(ChainGraphError, ValueError):
    """A segment template is malformed or unknown.

    Examples
    --------
    >>> cg.load_template("no_such_chain")
    Traceback (most recent call last):
    ...
    chaingraph.exceptions.TemplateError: ...
    """


class ConvergenceError(ChainGraphError, RuntimeError):
    """An iterative computation did not reach its stopping rule in the allowed steps.

    Examples
    --------
    >>> from chaingraph.kernels.pagerank import pagerank
    >>> import scipy.sparse as sp
    >>> A = sp.csr_array(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))
    >>> try:
    ...     pagerank(A, max_iter=2, tol=1e-15)
    ... except ConvergenceError:
    ...     print("did not converge")
    did not converge
    """


class ChainDataWarning(UserWarning):
    """A soft problem in the input that chaingraph worked around (and says how).

    Examples
    --------
    >>> import warnings
    >>> G = nx.DiGraph([("a", "b", {"volume": 1.0}), ("b", "c")])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = cg.as_chain(G)
    >>> caught[0].category.__name__
    'ChainDataWarning'
    """
