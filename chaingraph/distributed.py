"""ESRI on a Dask cluster: batches of failure scenarios as tasks.

Needs the ``distributed`` extra: ``pip install "chaingraph[distributed]"``.
See ``docs/distributed.md`` for running it on a real cluster.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from chaingraph.model import SEGMENT, Chain, SegmentTemplate, as_chain

__all__ = ["systemic_risk_distributed"]


def _require_distributed():
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - exercised without dask only
        raise ImportError("systemic_risk_distributed needs dask.distributed: "
                          "pip install 'chaingraph[distributed]'") from err
    return distributed


def _esri_batch(model, codes: np.ndarray, run_kw: dict[str, Any]):
    """Task: ESRI of one batch of single-enterprise failures (runs on a worker)."""
    from chaingraph._engines import resolve_method
    from chaingraph.algorithms.systemic_risk import single_scenarios
    from chaingraph.kernels.cascade import run_cascades

    kw = dict(run_kw)
    kw["method"] = resolve_method(kw.get("method", "auto"))
    return run_cascades(model, single_scenarios(codes), **kw)


def systemic_risk_distributed(G: Chain | nx.DiGraph, /, *, client: Any = None,
                              batch_size: int = 2000, enterprises: Any = None,
                              essentiality: Any = None,
                              template: SegmentTemplate | None = None,
                              sector: str | None = SEGMENT, substitution: bool = False,
                              tol: float = 1e-2, max_iter: int = 1000,
                              method: str = "auto") -> pd.DataFrame:
    """ESRI of each enterprise computed on a Dask cluster (same numbers as locally).

    The prepared network (a few arrays, ~50 bytes per link) is scattered to every
    worker once; each task then runs ``batch_size`` failure scenarios on its worker
    (in parallel over the worker's cores with numba) and returns a small table.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    client : distributed.Client, optional
        The cluster's client. Default: the current client (``get_client()``).
    batch_size : int, default 2000
        Scenarios per task. Larger batches mean fewer, longer tasks; aim for tasks
        of a few seconds to a minute.
    enterprises, essentiality, template, sector, substitution, tol, max_iter, method
        As in :func:`chaingraph.algorithms.systemic_risk.systemic_risk`; ``method``
        is resolved on each worker.

    Returns
    -------
    DataFrame
        The same table as :func:`~chaingraph.algorithms.systemic_risk.systemic_risk`.

    Raises
    ------
    ImportError
        Without ``dask.distributed`` (install ``chaingraph[distributed]``).
    ValueError
        When no client is given and none is running.

    See Also
    --------
    chaingraph.algorithms.systemic_risk.systemic_risk : single-machine version
        (with checkpoint / resume).

    Notes
    -----
    On a real cluster, start a scheduler and workers (``dask scheduler``;
    ``dask worker tcp://scheduler:8786 --nthreads 1 --nworkers 1`` per machine, so
    that numba's own threads use the machine's cores), install chaingraph with the
    ``fast`` and ``distributed`` extras on every machine, then
    ``client = distributed.Client("tcp://scheduler:8786")`` and pass it here.
    Work per task: O(batch_size x links reached per scenario).

    Examples
    --------
    >>> from chaingraph.distributed import systemic_risk_distributed
    >>> from distributed import Client, LocalCluster
    >>> with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
    ...                   dashboard_address=":0") as cluster, \\
    ...         Client(cluster, set_as_default=False) as client:
    ...     table = systemic_risk_distributed(cg.datasets.load_example(), client=client)
    >>> len(table) == cg.datasets.load_example().n_enterprises
    True
    """
    distributed = _require_distributed()
    from chaingraph.algorithms.propagation import check_scheme, prepare_propagation
    from chaingraph.algorithms.systemic_risk import result_frame, scenario_codes

    check_scheme("synchronous")
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError as err:
            raise ValueError("no Dask client is running: create one (distributed."
                             "Client(...)) and pass client=...") from err
    chain = as_chain(G)
    codes = scenario_codes(chain, enterprises)
    model = prepare_propagation(chain, essentiality, template, sector, substitution)
    run_kw = {"substitution": substitution, "tol": tol, "max_iter": max_iter,
              "method": method}
    # hash=False: a fresh key per call. Re-scattering identical content under the same
    # (hashed) key while the previous copy is being released can hang the broadcast.
    [shared] = client.scatter([model], broadcast=True, hash=False)
    batches = [codes[lo:lo + batch_size] for lo in range(0, len(codes), batch_size)]
    futures = [client.submit(_esri_batch, shared, batch, run_kw, pure=False)
               for batch in batches]
    try:
        results = client.gather(futures)
    finally:
        client.cancel([shared, *futures])
    if results:
        table = np.concatenate([r[0] for r in results])
        iterations = np.concatenate([r[1] for r in results])
    else:
        table, iterations = np.zeros((0, 5)), np.zeros(0, dtype=np.int64)
    return result_frame(chain, codes, table, iterations)
