"""Shared test configuration: Hypothesis draws new examples each run, from one seed that it prints.

Every run picks a seed (or takes ``LANGZEIT_HYPOTHESIS_SEED`` / ``--hypothesis-seed``)
and gives it to every Hypothesis test, so two runs explore different examples while
one run is reproducible: the seed is in the report header and, after a failure, in a
line that says how to replay it. The examples database sits at a fixed place
(``.hypothesis/examples`` in the repository; read-only when ``CI`` is set), so a
failure found once is tried first on the next local run; ``print_blob`` also prints
the ``@reproduce_failure`` decorator of the failing example.

``derandomize`` must stay off: Hypothesis prefers it to any seed (each test would
then draw the same examples forever, from a digest of its own source).

PostgreSQL: ``postgres_dsn`` starts a throwaway server from the system's binaries once
per test process (``tests/pg_server.py``); without them the PostgreSQL tests are
skipped and the run's summary says so and how to enable them.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase, ReadOnlyDatabase

from pg_server import HOW_TO_ENABLE, PostgresServer, unavailable

SEED_VARIABLE = "LANGZEIT_HYPOTHESIS_SEED"
_EXAMPLES = Path(__file__).resolve().parents[1] / ".hypothesis" / "examples"


def _database() -> ExampleDatabase:
    local = DirectoryBasedExampleDatabase(_EXAMPLES)
    return ReadOnlyDatabase(local) if os.environ.get("CI") else local


settings.register_profile(
    "langzeit",
    derandomize=False,
    database=_database(),
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("langzeit")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Choose the run's seed before Hypothesis' plugin reads ``--hypothesis-seed``.

    The seed goes into the environment too, so that pytest-xdist workers (started
    later, inheriting it) use the same one.
    """
    seed = config.getoption("hypothesis_seed", default=None) or os.environ.get(SEED_VARIABLE)
    if not seed:
        seed = str(secrets.randbelow(2**32))
    os.environ[SEED_VARIABLE] = str(seed)
    config.option.hypothesis_seed = str(seed)


def _replay_line(config: pytest.Config) -> str:
    seed = config.option.hypothesis_seed
    return f"hypothesis seed {seed}: replay with {SEED_VARIABLE}={seed} (or pytest --hypothesis-seed={seed})"


def pytest_report_header(config: pytest.Config) -> str:
    """The run's Hypothesis seed, at the top of the report."""
    return _replay_line(config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    """After a failure, say again how to replay this run's Hypothesis examples.

    And say clearly when the PostgreSQL tests did not run, and how to run them.
    """
    if terminalreporter.stats.get("failed") or terminalreporter.stats.get("error"):
        terminalreporter.write_sep("-", _replay_line(config))
    reason = unavailable()
    if reason and not os.environ.get("PYTEST_XDIST_WORKER"):
        terminalreporter.write_sep("=", "PostgreSQL tests SKIPPED", yellow=True)
        terminalreporter.write_line(f"{reason}. To enable them: {HOW_TO_ENABLE}.")


# -- PostgreSQL: a real server for the store tests, started once per test process --------------


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The connection string of a throwaway PostgreSQL server (skips the test without binaries)."""
    reason = unavailable()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}; to enable them, {HOW_TO_ENABLE}")
    server = PostgresServer()
    try:
        yield server.dsn
    finally:
        server.stop()


@pytest.fixture
def postgres_schema() -> str:
    """A schema name of its own for one test (one store per schema; dropped by the test's store)."""
    return f"t_{uuid.uuid4().hex[:16]}"
