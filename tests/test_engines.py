"""The compiled engine: numba's cache lives outside the package (issue 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import chaingraph
from chaingraph import _engines


def test_cache_dir_respects_the_users_own_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert _engines.numba_cache_dir() == tmp_path / "mine"


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_cache_dir_is_a_user_folder_outside_the_package(monkeypatch, tmp_path, platform):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    folder = _engines.numba_cache_dir()
    expected = {"linux": tmp_path / "xdg" / "chaingraph" / "numba",
                "win32": tmp_path / "local" / "chaingraph" / "Cache" / "numba"}
    if platform in expected:
        assert folder == expected[platform]
    else:
        assert folder == Path.home() / "Library" / "Caches" / "chaingraph" / "numba"
    package = Path(chaingraph.__file__).resolve().parent
    assert package not in folder.resolve().parents


def test_compiled_kernels_write_no_file_into_the_package(tmp_path):
    if not _engines.has_numba():
        pytest.skip("numba not importable")
    package = Path(chaingraph.__file__).resolve().parent
    before = {p for p in package.rglob("*") if p.suffix in (".nbi", ".nbc")}
    code = ("import numpy as np; from chaingraph.kernels.graph import reachable; "
            "import chaingraph.kernels._cascade_numba; "
            "print(reachable(np.array([0, 1, 1]), np.array([1]), np.array([0]), "
            "method='numba'))")
    env = {"XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "CHAINGRAPH_PROGRESS": "0"}
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True, env=env,
                   timeout=600)
    after = {p for p in package.rglob("*") if p.suffix in (".nbi", ".nbc")}
    assert after == before
    assert list((tmp_path / "chaingraph" / "numba").rglob("*.nbi"))


def test_warm_up_imports_numba_in_a_thread_of_its_own_once(tmp_path):
    if not _engines.has_numba():
        assert _engines.warm_up() is None
        return
    code = ("import sys; from chaingraph._engines import warm_up; "
            "assert 'numba' not in sys.modules; thread = warm_up(); "
            "assert thread.daemon and thread is warm_up(); thread.join(); "
            "assert 'numba' in sys.modules; print(thread.name)")
    env = {"XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.stdout.strip() == "chaingraph-numba" and done.stderr == ""


def test_a_failing_warm_up_is_left_for_the_kernels_to_report(monkeypatch):
    if not _engines.has_numba():
        pytest.skip("numba not importable")
    seen = []
    monkeypatch.setattr(_engines, "_WARMING", [])
    monkeypatch.setattr(_engines, "_ready", lambda x: seen.append(x) or 1 / 0)
    monkeypatch.setattr("threading.excepthook", lambda args: seen.append(args.exc_type))
    _engines.warm_up().join()
    assert seen == [1]
