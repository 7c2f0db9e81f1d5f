"""The Hypothesis profile of tests/conftest.py: a seed per run, shared by the workers, printed on failure."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

_FAILING = '''
from hypothesis import given, strategies as st

@given(st.integers())
def test_small(x):
    assert x < 1000
'''


def test_profile_draws_new_examples_each_run() -> None:
    """``derandomize`` is off (it would override any seed), and failing examples print their blob."""
    assert settings.default.derandomize is False
    assert settings.default.print_blob is True
    assert settings.default.database is not None


@pytest.mark.slow
def test_a_failure_prints_how_to_replay_it(tmp_path: Path) -> None:
    """A failing property prints the run's seed and the command that replays it."""
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_small.py").write_text(_FAILING, encoding="utf-8")
    # the copied conftest imports the tests' helper modules (e.g. pg_server) by plain name
    env = {**os.environ, "LANGZEIT_HYPOTHESIS_SEED": "12345", "PYTHONPATH": str(ROOT / "tests")}
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, env=env, check=False, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "replay with LANGZEIT_HYPOTHESIS_SEED=12345" in proc.stdout
    assert "@reproduce_failure" in proc.stdout
