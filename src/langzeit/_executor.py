"""Cross-cutting: run independent tasks on any ``concurrent.futures.Executor``, all or nothing.

The simulator's replications and the per-partition indicator counts are independent
tasks whose results are combined in a fixed order, so the outcome does not depend on
where or in which order the tasks ran. :func:`run_all` submits every task to an
executor — a ``ProcessPoolExecutor``, a ``ThreadPoolExecutor``, or a Dask client's
``client.get_executor()`` — and returns the results in task order, or raises: a run
never returns a partial result. A task that fails raises its own error; a worker that
dies (``BrokenProcessPool``, Dask's ``KilledWorker`` after its retries) raises
:class:`~langzeit.exceptions.WorkerLost` naming the task. Dask re-runs the tasks of a
lost worker on another one by itself (``distributed.scheduler.allowed-failures``);
only when it gives up does the run fail.

Imports nothing of langzeit but ``exceptions``, and nothing of Dask: any executor fits.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from langzeit.exceptions import WorkerLost

__all__ = ["SerialExecutor", "run_all"]

R = TypeVar("R")

#: Exception type names that mean the worker (not the task) failed.
_LOST = frozenset({"BrokenProcessPool", "BrokenExecutor", "BrokenThreadPool", "KilledWorker",
                   "CommClosedError"})


def _worker_lost(exc: BaseException) -> bool:
    return any(type(e).__name__ in _LOST for e in (exc, exc.__cause__, exc.__context__) if e is not None)


def run_all(
    executor: concurrent.futures.Executor,
    task: Callable[..., R],
    arguments: Sequence[tuple[Any, ...]],
    *,
    what: Callable[[int], str] = lambda i: f"task {i}",
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """Run ``task(*arguments[i])`` for every ``i`` on ``executor``; the results in task order.

    Args:
        executor: where the tasks run (it is not shut down here).
        task: a function the executor can send to its workers (a module-level function
            for process pools and Dask).
        arguments: one argument tuple per task.
        what: names task ``i`` in an error message (e.g. ``"replication 3"``).
        progress: called with ``(done, total)`` after each finished task.

    Returns:
        ``[task(*a) for a in arguments]``, computed on the executor.

    Raises:
        WorkerLost: a worker died and the executor did not finish the task elsewhere;
            the other tasks are cancelled and nothing is returned.
        Exception: the error of the first failing task, as the task raised it.

    Examples:
        >>> from concurrent.futures import ThreadPoolExecutor
        >>> with ThreadPoolExecutor(2) as pool:
        ...     run_all(pool, pow, [(2, 3), (3, 2), (10, 0)])
        [8, 9, 1]
    """
    futures = {executor.submit(task, *args): i for i, args in enumerate(arguments)}
    results: list[Any] = [None] * len(futures)
    try:
        for n, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            i = futures[future]
            try:
                results[i] = future.result()
            except BaseException as exc:
                if _worker_lost(exc):
                    raise WorkerLost(
                        f"{what(i)}: a worker stopped before finishing it ({type(exc).__name__}: {exc}); "
                        "no partial result was returned — run again, or with fewer tasks per worker "
                        "or more memory per worker"
                    ) from exc
                raise
            if progress is not None:
                progress(n, len(futures))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


class SerialExecutor(concurrent.futures.Executor):
    """Runs each task at once in this process: the default where no executor is given.

    No pool, no pickling: ``submit`` calls the function and returns a finished future
    (its result, or the exception it raised).

    Examples:
        >>> run_all(SerialExecutor(), divmod, [(7, 2), (9, 3)])
        [(3, 1), (3, 0)]
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Call ``fn(*args, **kwargs)`` now; a future holding its result or its exception."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future
