"""Tests of replications on an executor of the caller's (simulate(..., executor=...))."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from langzeit.simulation import load_scenario, simulate


def _same(a: object, b: object) -> None:
    ra, rb = a.replications, b.replications  # type: ignore[attr-defined]
    assert [r.index for r in ra] == [r.index for r in rb]
    assert [r.events for r in ra] == [r.events for r in rb]
    assert [r.metrics for r in ra] == [r.metrics for r in rb]


def test_replications_on_a_thread_pool_equal_serial_ones() -> None:
    """An executor gives the serial run's events and metrics, replication by replication."""
    scenario = load_scenario("sanus-le")
    with ThreadPoolExecutor(3) as pool:
        on_pool = simulate(scenario, seed=5, replications=3, executor=pool)
    _same(on_pool, simulate(scenario, seed=5, replications=3))


def test_the_executor_is_left_running() -> None:
    """Simulate does not shut down the caller's executor."""
    with ThreadPoolExecutor(1) as pool:
        simulate(load_scenario("mm-c-queue"), seed=1, keep_events=False, executor=pool)
        assert pool.submit(int, "4").result() == 4


def test_progress_on_an_executor_counts_replications() -> None:
    """Progress on an executor is reported once per finished replication."""
    seen: list[tuple[float, int]] = []
    with ThreadPoolExecutor(2) as pool:
        simulate(load_scenario("mm-c-queue"), seed=1, replications=3, keep_events=False, executor=pool,
                 progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.slow
def test_replications_on_a_process_pool_equal_serial_ones() -> None:
    """A process pool of the caller's gives the serial run draw for draw (kernel and engine)."""
    scenario = load_scenario("mm-c-queue")
    with ProcessPoolExecutor(2) as pool:
        _same(simulate(scenario, seed=9, replications=3, keep_events={0}, executor=pool),
              simulate(scenario, seed=9, replications=3, keep_events={0}))


@pytest.mark.parametrize("per_task", [1, 2, 5, None])
def test_batched_replications_equal_serial_ones(per_task: int | None) -> None:
    """However many replications one task runs, the results are the serial run's, in index order."""
    scenario = load_scenario("rpe-euregio")
    with ThreadPoolExecutor(2) as pool:
        _same(simulate(scenario, seed=3, replications=5, keep_events=False, executor=pool,
                       replications_per_task=per_task),
              simulate(scenario, seed=3, replications=5, keep_events=False))


def test_many_replications_go_out_in_at_most_128_tasks() -> None:
    """By default 1,000 replications are sent as 125 tasks of 8, not as 1,000 tasks."""
    class Counting(ThreadPoolExecutor):
        submitted = 0

        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
            Counting.submitted += 1
            return super().submit(fn, *args, **kwargs)

    seen: list[tuple[float, int]] = []
    with Counting(2) as pool:
        result = simulate(load_scenario("mm-c-queue"), seed=1, replications=1000, keep_events=False,
                          executor=pool, progress=lambda d, n: seen.append((d, n)))
    assert Counting.submitted == 125
    assert [r.index for r in result.replications] == list(range(1000))
    assert len(seen) == 125
    assert seen[-1] == (1000, 1000)
    assert all(d % 8 == 0 for d, _ in seen)


def test_replications_per_task_below_one_is_refused() -> None:
    """A batch size below 1 is a ValidationError before anything runs."""
    from langzeit.exceptions import ValidationError

    with pytest.raises(ValidationError, match="replications_per_task must be at least 1"):
        simulate(load_scenario("mm-c-queue"), replications=2, replications_per_task=0,
                 executor=ThreadPoolExecutor(1))
