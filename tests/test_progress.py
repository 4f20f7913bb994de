"""Progress bars count enterprises, with a rate and an ETA (issue 10)."""

from __future__ import annotations

import chaingraph as cg
from chaingraph._progress import Counter, counter


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


def test_diagnose_counts_its_steps_as_they_end(monkeypatch, capsys):
    """The bar advances once a step has ended (it was full before the first ran)."""
    import contextlib

    import chaingraph.report as report_module
    from chaingraph.algorithms import leaders

    totals, ended, at_leaders = [], [], []

    class Bar:
        def update(self, k=1):
            ended.append(k)

    @contextlib.contextmanager
    def recording(total, **options):
        totals.append((total, options["unit"]))
        yield Counter(Bar())

    real = leaders.find_leaders

    def spy(*args, **kwargs):
        at_leaders.append(len(ended))
        return real(*args, **kwargs)

    chain = cg.datasets.load_example()
    monkeypatch.setattr(leaders, "find_leaders", spy)
    with monkeypatch.context() as patch:
        patch.setattr(report_module, "_counter", recording)
        report = cg.diagnose(chain, template="nev", region="明湾示范区", progress=True)
    steps = len(report.summary["seconds"])
    assert totals == [(steps, "step")] and ended == [1] * steps
    assert at_leaders[0] < steps  # the leaders had not ended: the bar was not full
    cg.diagnose(chain, template="nev", region="明湾示范区", progress=True)
    err = capsys.readouterr().err
    assert f"/{steps} [" in err and "step" in err


def test_diagnose_counts_an_unbounded_flow_as_a_step_ended(monkeypatch):
    """The flow's ValueError (unbounded) makes it a skipped step: the bar still ends
    full (it stopped one step short)."""
    import contextlib

    import chaingraph.report as report_module
    from chaingraph.algorithms import bottlenecks

    totals, ended = [], []

    class Bar:
        def update(self, k=1):
            ended.append(k)

    @contextlib.contextmanager
    def recording(total, **options):
        totals.append(total)
        yield Counter(Bar())

    def unbounded(*args, **kwargs):
        raise ValueError("the flow is unbounded")

    monkeypatch.setattr(bottlenecks, "max_flow", unbounded)
    monkeypatch.setattr(report_module, "_counter", recording)
    report = cg.diagnose(cg.datasets.load_example(), template="nev", region="明湾示范区")
    assert "flow" in report.summary["skipped"]
    assert sum(ended) == totals[0]
