"""Parquet files read ahead by the command line (chaingraph._prefetch)."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest
from toy import toy_chain

import chaingraph as cg
from chaingraph import _prefetch
from chaingraph._prefetch import discard_prefetched, prefetch_parquet, take_prefetched
from chaingraph.cli import main


@pytest.fixture(autouse=True)
def _nothing_left_ahead():
    yield
    discard_prefetched()
    assert not _prefetch._AHEAD


@pytest.fixture
def chain_files(tmp_path):
    chain = toy_chain(volumes=True)
    ent, lk = tmp_path / "enterprises.parquet", tmp_path / "links.parquet"
    chain.enterprises.to_parquet(ent)
    chain.links.to_parquet(lk)
    return ent, lk


def _wait_for_readers() -> None:
    for thread in threading.enumerate():
        if thread.name == "chaingraph-prefetch":
            thread.join()


def test_a_file_read_ahead_is_taken_once(chain_files):
    ent, _ = chain_files
    assert prefetch_parquet([ent, ent, ent.with_suffix(".csv")]) == 1
    frame = take_prefetched(ent)
    pd.testing.assert_frame_equal(frame, pd.read_parquet(ent))
    assert take_prefetched(ent) is None  # forgotten once taken


def test_the_reader_takes_the_frame_read_ahead(chain_files, monkeypatch):
    ent, lk = chain_files
    want = cg.read_chain(ent, lk)
    assert prefetch_parquet([ent, lk]) == 2
    _wait_for_readers()

    def no_second_read(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(pd, "read_parquet", no_second_read)
    got = cg.read_chain(ent, lk)
    pd.testing.assert_frame_equal(got.enterprises, want.enterprises)
    pd.testing.assert_frame_equal(got.links, want.links)


def test_a_file_changed_since_is_read_again(chain_files):
    ent, lk = chain_files
    prefetch_parquet([lk])
    _wait_for_readers()
    links = pd.read_parquet(lk)
    links.iloc[:2].to_parquet(lk)  # fewer links: another size
    stat = os.stat(lk)
    os.utime(lk, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert take_prefetched(lk) is None
    assert cg.read_chain(ent, lk).n_links == 2


def test_an_unreadable_file_gives_the_usual_error(chain_files):
    ent, lk = chain_files
    lk.write_bytes(b"not parquet at all")
    prefetch_parquet([lk])
    with pytest.raises(cg.ChainDataError, match="cannot read the file as Parquet"):
        cg.read_chain(ent, lk)


def test_discarded_frames_are_not_taken(chain_files):
    ent, _ = chain_files
    prefetch_parquet([ent])
    discard_prefetched()
    assert take_prefetched(ent) is None


@pytest.mark.parametrize("folder", [False, True])
def test_diagnose_reads_ahead_and_leaves_nothing(chain_files, tmp_path, monkeypatch,
                                                 folder):
    """The command reads its Parquet tables (a chain folder's too) ahead, takes
    them, and holds none afterwards."""
    ent, lk = chain_files
    taken = []

    def take(path):
        frame = take_prefetched(path)
        taken.append(frame is not None)
        return frame

    monkeypatch.setattr(_prefetch, "take_prefetched", take)
    monkeypatch.setenv("CHAINGRAPH_MAP_PROCESS", "0")
    files = [str(ent.parent)] if folder else [str(ent), str(lk)]
    assert main(["diagnose", *files, "--json"]) == 0
    assert taken == [True, True]
    assert not _prefetch._AHEAD
