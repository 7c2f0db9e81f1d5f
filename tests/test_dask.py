"""Tests on a real Dask LocalCluster with worker processes (the optional extra ``dask``).

Skipped, with the reason, where ``distributed`` is not installed (``pip install -e '.[dask]'``).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed",
                                  reason="the dask extra is not installed: pip install -e '.[dask]'")

from langzeit.exceptions import WorkerLost  # noqa: E402
from langzeit.indicators import EventColumns, kennzahlen, kennzahlen_partitioned  # noqa: E402
from langzeit.report import build_programme_report, build_programme_report_partitioned  # noqa: E402
from langzeit.simulation import load_scenario, simulate  # noqa: E402
from langzeit.spells import generate_spells, write_spell_dataset  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    """A LocalCluster of two single-threaded worker processes on loopback, stopped afterwards."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, memory_limit="1GiB") as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_replications_on_the_cluster_equal_serial_ones_draw_for_draw(client: distributed.Client) -> None:
    """Simulate on the cluster's executor gives the serial events and metrics."""
    scenario = load_scenario("sanus-le")
    on_cluster = simulate(scenario, seed=12, replications=3, executor=client.get_executor())
    serial = simulate(scenario, seed=12, replications=3)
    assert [r.events for r in on_cluster.replications] == [r.events for r in serial.replications]
    assert [r.metrics for r in on_cluster.replications] == [r.metrics for r in serial.replications]


def test_kennzahlen_on_the_cluster_equal_serial_cell_for_cell(client: distributed.Client,
                                                              tmp_path: Path) -> None:
    """Partitions counted on the workers and merged give every cell of the whole table."""
    spells = generate_spells(800, seed=3, n_jobcenters=3)
    d = write_spell_dataset(spells, tmp_path / "d", partitions=5)
    months = [dt.date(2023, 6, 1), dt.date(2024, 6, 1)]
    on_cluster = kennzahlen_partitioned(d, months, executor=client.get_executor())
    assert on_cluster.rows() == kennzahlen(spells, months).rows()


def test_a_killed_worker_is_retried_and_the_result_is_complete(client: distributed.Client) -> None:
    """A worker killed (SIGKILL) during a run: Dask re-runs its tasks; the result equals the serial run."""
    scenario = load_scenario("aktivoreha")
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one(done: float, total: int) -> None:
        if not killed:
            killed.append(pids[0])
            os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker

    on_cluster = simulate(scenario, seed=4, replications=8, keep_events=False, executor=client.get_executor(),
                          progress=kill_one)
    serial = simulate(scenario, seed=4, replications=8, keep_events=False)
    assert killed
    assert [r.metrics for r in on_cluster.replications] == [r.metrics for r in serial.replications]
    client.wait_for_workers(2, timeout=60)


def test_the_programme_report_on_the_cluster_equals_the_serial_one(client: distributed.Client) -> None:
    """Partitions of a simulated log counted on the workers and merged: the whole log's report."""
    log = simulate(load_scenario("sanus-le"), seed=5, replications=1).replications[0].events
    parts = EventColumns.from_events(log).split(4)
    on_cluster = build_programme_report_partitioned(parts, executor=client.get_executor(), min_n=None)
    assert on_cluster.to_dict() == build_programme_report(log, min_n=None).to_dict()


def test_a_worker_killed_during_the_report_is_retried_and_the_report_is_complete(
        client: distributed.Client) -> None:
    """SIGKILL to a worker while the report's partitions are counted: the merged report is still exact."""
    client.wait_for_workers(2, timeout=60)
    log = simulate(load_scenario("aktivoreha"), seed=6, replications=1).replications[0].events
    parts = EventColumns.from_events(log).split(6)
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        if not killed:
            killed.append(pids[-1])
            os.kill(pids[-1], signal.SIGKILL)  # the nanny starts a new worker

    on_cluster = build_programme_report_partitioned(parts, executor=client.get_executor(), progress=kill_one)
    assert killed
    assert on_cluster.to_dict() == build_programme_report(log).to_dict()
    client.wait_for_workers(2, timeout=60)


def _always_dies(x: int) -> int:
    os._exit(3)


def test_a_task_that_kills_every_worker_fails_with_a_clear_message() -> None:
    """When Dask gives up on a task (KilledWorker), the run raises WorkerLost and returns nothing."""
    import dask

    from langzeit._executor import run_all

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None) as cluster, distributed.Client(cluster) as c, \
            pytest.raises(WorkerLost, match="partition 0: a worker stopped"):
        run_all(c.get_executor(), _always_dies, [(0,)], what="partition {}".format)
