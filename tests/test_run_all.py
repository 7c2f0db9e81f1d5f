"""Tests of the cross-cutting runner of independent tasks (langzeit._executor)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from langzeit._executor import run_all
from langzeit.exceptions import LangzeitError, WorkerLost


def _square(x: int) -> int:
    return x * x


def _fail(x: int) -> int:
    raise LangzeitError(f"task {x} is bad")


def _die(x: int) -> int:
    if x == 2:
        os._exit(13)  # the worker process dies, as under the OOM killer
    return x


def test_results_come_back_in_task_order() -> None:
    """Results are in the order of the arguments, whatever order the tasks finish in."""
    with ThreadPoolExecutor(3) as pool:
        assert run_all(pool, _square, [(i,) for i in range(10)]) == [i * i for i in range(10)]


def test_progress_sees_every_finished_task() -> None:
    """The progress callback is called once per task with the running count."""
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(2) as pool:
        run_all(pool, _square, [(1,), (2,), (3,)], progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_failing_task_raises_its_own_error() -> None:
    """A task's error reaches the caller unchanged (not wrapped as a lost worker)."""
    with ThreadPoolExecutor(2) as pool, pytest.raises(LangzeitError, match="task 1 is bad"):
        run_all(pool, _fail, [(1,)])


@pytest.mark.slow
def test_a_dead_worker_process_is_worker_lost_naming_the_task() -> None:
    """A worker process that dies gives WorkerLost (no partial result), naming a task."""
    with ProcessPoolExecutor(2) as pool, pytest.raises(WorkerLost, match=r"replication \d: a worker stopped"):
        run_all(pool, _die, [(i,) for i in range(4)], what="replication {}".format)
