"""Shared fixtures; doctests get ``cg``, ``nx``, ``pd`` and ``np`` preloaded."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("CHAINGRAPH_PROGRESS", "0")
# switches a user may have set that change what the tests check (each test that
# needs one sets it itself): the map process and the release of freed memory
for _switch in ("CHAINGRAPH_MAP_PROCESS", "CHAINGRAPH_RELEASE_MEMORY"):
    os.environ.pop(_switch, None)

settings.register_profile(
    "ci", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# nightly: the standing fuzz of every loader and format at >= 10,000 examples in all
# (tests/test_readwrite_fuzz.py multiplies its per-test counts by FUZZ_SCALE)
settings.register_profile("nightly", max_examples=1000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data (skips when the shared data is absent)."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present beside the checkout")
    return SHARED
