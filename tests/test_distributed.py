"""Dask ESRI: identical to the single-machine run on a local two-worker cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.algorithms.systemic_risk import systemic_risk

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_identical_to_local_run(client, shared_data):
    from chaingraph.distributed import systemic_risk_distributed
    from chaingraph.readwrite import read_chain

    ref = shared_data / "esri-reference"
    chain = read_chain(ref / "synth2k_firms.csv", ref / "synth2k_edges.csv")
    ess = ref / "synth2k_ess.csv"
    for sub in (False, True):
        local = systemic_risk(chain, essentiality=ess, substitution=sub)
        remote = systemic_risk_distributed(chain, client=client, batch_size=300,
                                           essentiality=ess, substitution=sub)
        pd.testing.assert_frame_equal(local, remote)
    want = pd.read_csv(ref / "synth2k_esri_nosub_eps1e-2.csv")
    remote = systemic_risk_distributed(chain, client=client, essentiality=ess,
                                       method="scipy", batch_size=700)
    np.testing.assert_allclose(remote["esri"], want["ESRI"], rtol=0, atol=1e-12)
    assert (remote["iterations"].to_numpy() == want["T"].to_numpy()).all()


def test_subset_default_client_and_errors(client):
    from chaingraph.distributed import systemic_risk_distributed

    chain = cg.datasets.generate_chain(200, seed=2)
    tpl = cg.datasets.load_template("nev")
    ids = list(chain.ids[[5, 0, 17]])
    local = systemic_risk(chain, enterprises=ids, template=tpl)
    with client.as_current():  # no client= : the current client is used
        remote = systemic_risk_distributed(chain, enterprises=ids, template=tpl)
    pd.testing.assert_frame_equal(local, remote)
    assert remote["enterprise"].tolist() == ids
    empty = systemic_risk_distributed(chain, client=client, enterprises=[], template=tpl)
    assert empty.empty and list(empty.columns) == list(local.columns)
