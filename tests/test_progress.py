"""Progress bars count enterprises, with a rate and an ETA (issue 10)."""

from __future__ import annotations

import chaingraph as cg
from chaingraph._progress import counter


def test_counter_counts_items_with_rate_and_eta(capsys):
    with counter(10, desc="ESRI", unit="enterprise", show=True) as bar:
        bar.update(4)
        bar.update(6)
    err = capsys.readouterr().err
    assert "/10 [" in err and "enterprise/s" in err and "<" in err  # count, rate, ETA


def test_counter_is_silent_when_off(capsys):
    with counter(10, unit="enterprise", show=False) as bar:
        bar.update(10)
    assert capsys.readouterr().err == ""


def test_systemic_risk_progress_counts_enterprises(capsys):
    chain = cg.datasets.load_example()
    ids = chain.ids[:30].tolist()
    cg.find_systemic_risk(chain, enterprises=ids, progress=True, batch_size=10,
                          method="scipy")
    err = capsys.readouterr().err
    assert "/30 [" in err and "enterprise/s" in err and "batch" not in err
