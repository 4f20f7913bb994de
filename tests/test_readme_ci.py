"""README's two set-up commands are what CI runs (issue 10)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_has_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^python3 -m venv \.venv && .*$", readme, flags=re.M)
    assert len(commands) == 2, commands  # .ci/run extracts exactly these lines
    install, test = commands
    assert "pip install . &&" in install and "chaingraph demo" in install  # no extras
    assert 'pip install -e ".[test]"' in test and test.endswith("python -m pytest -n 2")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -E '^python3 -m venv \\.venv && ' README.md" in ci
    assert "git clone" in ci and "CHAINGRAPH_IGNORE_SYSTEM_FONTS=1" in ci


def test_plain_install_needs_no_extra_for_the_engine_or_the_font():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    core = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert '"numba' in core
    assert "mplfonts" not in pyproject
    assert (ROOT / "chaingraph" / "plotting" / "assets" / "ChaingraphSansSC-Regular.otf"
            ).stat().st_size < 3_000_000
