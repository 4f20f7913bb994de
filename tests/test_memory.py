"""chaingraph._memory: freed memory goes back to the system (glibc), or nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chaingraph import _memory
from chaingraph._memory import release_free_memory

# Run in a fresh process: the test's own heap is then known. 2,000 blocks of 64 KiB
# (below glibc's mmap threshold: they come from the heap) are freed while the small
# block allocated after each is kept: the free memory lies in holes, which glibc
# does not give back by itself.
_CHILD = """
import numpy as np
from chaingraph._memory import release_free_memory, resident_bytes as rss

blocks, keep = [], []
for _ in range(2000):  # 64 KiB each, 125 MiB, each followed by a small kept block
    blocks.append(np.ones(8192))
    keep.append(np.ones(16))
before = rss()
del blocks
freed = rss()
released = release_free_memory()
after = rss()
print(before, freed, after, released)
"""


@pytest.mark.skipif(_memory._malloc_trim() is None, reason="not glibc: nothing to release")
def test_freed_heap_memory_goes_back_to_the_system():
    env = {k: v for k, v in os.environ.items() if k != "CHAINGRAPH_RELEASE_MEMORY"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    before, freed, after = map(int, out[:3])
    assert out[3] == "True"
    assert freed > before - 40 * 2**20  # free() alone kept most of it
    assert after < freed - 80 * 2**20  # released: at least 80 of the 125 MiB


def test_switched_off_or_without_glibc_it_does_nothing(monkeypatch):
    monkeypatch.delenv("CHAINGRAPH_RELEASE_MEMORY", raising=False)
    called = []
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: lambda pad: called.append(pad) or 1)
    assert release_free_memory() is True and called == [0]
    monkeypatch.setenv("CHAINGRAPH_RELEASE_MEMORY", "0")
    assert release_free_memory() is False and called == [0]
    monkeypatch.delenv("CHAINGRAPH_RELEASE_MEMORY")
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: None)
    assert release_free_memory() is False


def test_above_returns_memory_only_from_a_process_that_large(monkeypatch):
    """The diagnosis's steps give memory back only once the process holds
    LARGE_PROCESS_BYTES; a size that cannot be read does not stop it."""
    monkeypatch.delenv("CHAINGRAPH_RELEASE_MEMORY", raising=False)
    called = []
    monkeypatch.setattr(_memory, "_malloc_trim", lambda: lambda pad: called.append(pad) or 1)
    monkeypatch.setattr(_memory, "resident_bytes", lambda: 900 * 2**20)
    assert release_free_memory(above=_memory.LARGE_PROCESS_BYTES) is False and called == []
    assert release_free_memory(above=800 * 2**20) is True and called == [0]
    assert release_free_memory() is True and called == [0, 0]
    monkeypatch.setattr(_memory, "resident_bytes", lambda: None)
    assert release_free_memory(above=_memory.LARGE_PROCESS_BYTES) is True


def test_resident_bytes_reads_this_process():
    size = _memory.resident_bytes()
    if sys.platform.startswith("linux"):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        assert 2**20 < size <= peak + 2**20
    else:
        assert size is None
