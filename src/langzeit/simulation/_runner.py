"""Simulation layer: replications on independent streams, serial, in processes or on any executor."""

from __future__ import annotations

import concurrent.futures
import numbers
import os
from collections.abc import Callable, Collection
from typing import Literal

import numpy as np

from langzeit._executor import run_all
from langzeit._gc import allow_pausing
from langzeit.exceptions import ValidationError
from langzeit.simulation._results import Replication, SimulationResult
from langzeit.simulation._scenario import Scenario
from langzeit.simulation._size import MAX_EVENTS, check_size

__all__ = ["DEFAULT_SEED", "simulate"]

#: The seed used when none is given (the CLI's default), so documented runs are reproducible.
DEFAULT_SEED = 2024


Method = Literal["auto", "engine", "kernel", "queue"]


def _one(scenario: Scenario, stream: np.random.SeedSequence, index: int, keep_events: bool,
         tick: Callable[[float], None] | None = None, method: str = "engine") -> Replication:
    if method == "queue":
        from langzeit.simulation._queue import run_queue

        replication = run_queue(scenario, np.random.default_rng(stream), index=index, keep_events=keep_events)
    elif method == "kernel":
        from langzeit.simulation._kernel import run_kernel

        replication = run_kernel(scenario, np.random.default_rng(stream), index=index)
    else:
        from langzeit.simulation._model import run_replication

        return run_replication(scenario, np.random.default_rng(stream), index=index, keep_events=keep_events,
                               tick=tick)
    if tick is not None:
        tick(1.0)
    return replication


def _batch(scenario: Scenario,
           items: list[tuple[np.random.SeedSequence, int, bool, str]]) -> list[Replication]:
    """Several replications in one task: the scenario travels to the worker once per batch."""
    return [_one(scenario, stream, index, keep, None, how) for stream, index, keep, how in items]


#: At most this many tasks go to a pool or an executor: replications are batched beyond it
#: (the default of ``replications_per_task``), so the per-task cost of a scheduler and of
#: sending the scenario is paid 128 times, not once per replication.
_MAX_TASKS = 128


def _choose(scenario: Scenario, method: str, keep_events: bool) -> str:
    """The path a replication takes; refuses a ``method`` that cannot be honoured."""
    from langzeit.simulation._kernel import kernel_obstacles
    from langzeit.simulation._queue import queue_obstacles

    if method == "engine":
        return "engine"
    if method == "auto":
        if not queue_obstacles(scenario):
            return "queue"
        return "engine" if keep_events or kernel_obstacles(scenario) else "kernel"
    if method not in ("queue", "kernel"):
        raise ValidationError(f"method must be 'auto', 'engine', 'kernel' or 'queue', got {method!r}")
    if keep_events and method == "kernel":
        raise ValidationError(
            "the pathway kernel writes no events: pass keep_events=False (or method='engine')")
    if method == "queue":
        obstacles = queue_obstacles(scenario)
        if obstacles:
            raise ValidationError(f"scenario {scenario.id!r} is not a plain queue: " + "; ".join(obstacles))
    else:
        obstacles = kernel_obstacles(scenario)
        if obstacles:
            raise ValidationError(f"scenario {scenario.id!r} needs the engine: " + "; ".join(obstacles))
    return method


class _Tick:
    """Turns a replication's share of model time into overall progress."""

    __slots__ = ("_index", "_progress", "_total")

    def __init__(self, progress: Callable[[float, int], None], index: int, total: int) -> None:
        self._progress, self._index, self._total = progress, index, total

    def __call__(self, share: float) -> None:
        self._progress(self._index + min(share, 1.0), self._total)


def simulate(
    scenario: Scenario,
    *,
    seed: int = DEFAULT_SEED,
    replications: int = 1,
    processes: int | None = 1,
    keep_events: bool | Collection[int] = True,
    progress: Callable[[float, int], None] | None = None,
    method: Method = "auto",
    max_events: int | None = MAX_EVENTS,
    executor: concurrent.futures.Executor | None = None,
    replications_per_task: int | None = None,
) -> SimulationResult:
    """Run a scenario ``replications`` times on independent random streams.

    Replication ``i`` draws from ``numpy.random.SeedSequence(seed).spawn(replications)[i]``,
    so each replication depends only on the seed and its index: the same seed gives
    identical event logs, and replications run in processes or on an executor (a Dask
    cluster's included) give the same results as run one after the other.

    Args:
        scenario: the scenario.
        seed: the seed of the ``SeedSequence``.
        replications: how many replications.
        processes: worker processes (1: serial in this process; None: one per CPU);
            ignored when ``executor`` is given.
        keep_events: keep each replication's events (False keeps only pathways and
            metrics: less memory and faster transfer between processes), or the
            indices of the replications whose events to keep (``{0}``: the first
            only, e.g. for its programme report; the others' metrics are the same
            whichever way they are run).
        method: ``"engine"`` runs every replication as the event loop through the
            pathway engine; ``"queue"`` computes pathways and metrics with the queue
            kernel (only for scenarios without :func:`~langzeit.simulation.queue_obstacles`),
            which gives the same pathways draw for draw, 10–50 × faster, and, when the
            events are kept, writes the engine's log event for event (same events, ids
            and order; about 5 × faster than the engine); ``"kernel"`` computes them with
            the pathway kernel (no events; several phases, routing, hazards, places,
            maximum stays, staffing…, only for scenarios without
            :func:`~langzeit.simulation.kernel_obstacles`), also draw for draw, about
            5 × faster than the engine; ``"auto"`` (default) takes the fastest of these
            that gives the same pathways and log: the queue kernel for a plain queue,
            with or without events, else the pathway kernel where it applies and no
            events are kept, else the engine. Each replication's
            :attr:`~langzeit.simulation.Replication.method` says which ran.
        max_events: the bound on one replication's estimated events
            (:func:`estimate_size`), checked before anything runs; None or 0: no bound.
        progress: called with ``(done, total)`` after each finished replication; in
            serial runs also with a fractional ``done`` while a replication advances
            (about 100 times each), so long single runs show progress too.
        executor: run the replications on this ``concurrent.futures.Executor`` (a
            process or thread pool, or a Dask client's ``client.get_executor()``); it is
            not shut down. The results are those of the serial run, draw for draw.
        replications_per_task: on a pool or an executor, how many replications one task
            runs (None: as many as spread the run over at most 128 tasks,
            e.g. 8 of 1,000). Fewer per task balance a large cluster better; more per
            task cost less scheduling. The results do not depend on it.

    Returns:
        The replications in index order.

    Raises:
        ValueError: ``replications``, ``processes`` or ``replications_per_task`` below 1; an
            unknown ``method``; ``method="kernel"`` when events are kept; ``method="queue"`` or
            ``"kernel"`` for a scenario the kernel does not model (the reasons are listed);
            ``keep_events`` names a replication that does not exist.
        LimitExceeded: the estimated events of a replication exceed ``max_events``.
        WorkerLost: a worker died during the run (nothing partial is returned).

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> a = simulate(load_scenario("sanus-le"), seed=7, replications=2)
        >>> b = simulate(load_scenario("sanus-le"), seed=7, replications=2)
        >>> a.replications[1].events == b.replications[1].events
        True

        A plain queue runs in the queue kernel, which writes the engine's log event for event:

        >>> queue = load_scenario("mm-c-queue")
        >>> fast = simulate(queue, seed=7)
        >>> slow = simulate(queue, seed=7, method="engine")
        >>> fast.replications[0].events == slow.replications[0].events
        True
        >>> fast.replications[0].metrics == slow.replications[0].metrics
        True
        >>> fast.replications[0].method, slow.replications[0].method
        ('queue', 'engine')

        A programme of several phases runs in the pathway kernel, with the same pathways:

        >>> rpe = load_scenario("rpe-euregio")
        >>> fast = simulate(rpe, seed=7, keep_events=False)
        >>> slow = simulate(rpe, seed=7, keep_events=False, method="engine")
        >>> fast.replications[0].method, fast.replications[0].metrics == slow.replications[0].metrics
        ('kernel', True)

        Events of the first replication only (the others keep only pathways and metrics):

        >>> some = simulate(rpe, seed=7, replications=3, keep_events={0})
        >>> [(r.method, len(r.events) > 0) for r in some.replications]
        [('engine', True), ('kernel', False), ('kernel', False)]

        On an executor of your own (here threads; a Dask client's executor works alike):

        >>> from concurrent.futures import ThreadPoolExecutor
        >>> with ThreadPoolExecutor(2) as pool:
        ...     on_pool = simulate(load_scenario("sanus-le"), seed=7, replications=2, executor=pool)
        >>> on_pool.replications[1].events == a.replications[1].events
        True
    """
    if replications < 1:
        raise ValidationError(f"replications must be at least 1, got {replications}")
    if processes is not None and processes < 1:
        raise ValidationError(f"processes must be at least 1, got {processes}")
    if replications_per_task is not None and replications_per_task < 1:
        raise ValidationError(f"replications_per_task must be at least 1, got {replications_per_task}")
    check_size(scenario, replications, max_events)
    if isinstance(keep_events, bool):
        keep = [keep_events] * replications
    else:
        wanted = {int(i) if isinstance(i, numbers.Integral) else i for i in keep_events}  # numpy ints too
        outside = sorted((i for i in wanted if not (isinstance(i, int) and 0 <= i < replications)), key=repr)
        if outside:
            raise ValidationError(f"keep_events names replications that do not exist: {outside} "
                             f"(there are {replications}, numbered from 0)")
        keep = [i in wanted for i in range(replications)]
    how = [_choose(scenario, method, k) for k in keep]
    streams = np.random.SeedSequence(seed).spawn(replications)
    workers = min(processes or os.cpu_count() or 1, replications)
    done: list[Replication]
    if executor is None and workers == 1:
        done = []
        for i, stream in enumerate(streams):
            tick = None if progress is None else _Tick(progress, i, replications)
            done.append(_one(scenario, stream, i, keep[i], tick, how[i]))
            if progress is not None:
                progress(i + 1, replications)
        return SimulationResult(scenario, seed, tuple(done))
    size = replications_per_task or -(-replications // _MAX_TASKS)
    items = [(s, i, keep[i], how[i]) for i, s in enumerate(streams)]
    batches = [(scenario, items[lo:lo + size]) for lo in range(0, replications, size)]

    def name(b: int) -> str:
        last = min((b + 1) * size, replications) - 1
        return f"replication {b * size}" if last == b * size else f"replications {b * size}–{last}"

    def tasks_done(n: int, total: int) -> None:
        if progress is not None:
            progress(replications if n == total else n * size, replications)

    if executor is not None:
        parts = run_all(executor, _batch, batches, what=name, progress=tasks_done)
    else:
        # the workers are langzeit's own processes: their collector may pause (the host's is untouched)
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, initializer=allow_pausing) as pool:
            parts = run_all(pool, _batch, batches, what=name, progress=tasks_done)
    done = [r for part in parts for r in part]
    return SimulationResult(scenario, seed, tuple(done))
