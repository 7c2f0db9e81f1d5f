"""Service layer: group commit — the work of callers that arrive together, done in one go.

:class:`GroupCommit` is how the service shares one transaction (and one flush of the
log) among requests of one worker that arrive at the same time: the access log's
records (:mod:`._access_log`) and the commands of one programme's engine
(:meth:`langzeit.engine.PathwayEngine.execute_all`, via :class:`._service.Service`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


class _Waiting(Generic[T, R]):
    """One caller's item in a :class:`GroupCommit` and, once done, its result or error."""

    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Runs the items of callers that arrive together in one call of ``run`` (group commit).

    The first caller runs (``run`` gets every item waiting, in arrival order, and does them
    in one transaction); those that arrive meanwhile wait, and the next of them runs all
    that queued up. Each caller returns when the call holding its item has ended: its own
    result, or raises its own error (an exception in ``run``'s list), or the error ``run``
    raised (then it is every caller's of that group).

    Args:
        run: does a list of items; returns one result per item, or an exception for an item
            that failed alone.

    Examples:
        >>> calls = []
        >>> def run(items):
        ...     calls.append(list(items))
        ...     return [ValueError(i) if i < 0 else i * 2 for i in items]
        >>> group = GroupCommit(run)
        >>> group.submit(21), calls
        (42, [[21]])
        >>> group.submit(-1)
        Traceback (most recent call last):
        ...
        ValueError: -1
    """

    def __init__(self, run: Callable[[list[T]], Sequence[R | BaseException]]) -> None:
        self._run = run
        self._ready = threading.Condition(threading.Lock())
        self._queue: list[_Waiting[T, R]] = []
        self._running = False

    def submit(self, item: T) -> R:
        """Do ``item`` (in a call perhaps shared with others' items) and return its result.

        Raises:
            Exception: the item's own error, or the error of the call that held it.
        """
        mine: _Waiting[T, R] = _Waiting(item)
        with self._ready:
            self._queue.append(mine)
            while not mine.done:
                if self._running:
                    self._ready.wait()
                    continue
                group, self._queue, self._running = self._queue, [], True
                results: Sequence[R | BaseException] = ()
                error: BaseException | None = None
                self._ready.release()
                try:
                    results = self._run([w.item for w in group])
                    if len(results) != len(group):  # pragma: no cover - a bug of run
                        raise AssertionError(f"{len(results)} results for {len(group)} items")
                except BaseException as exc:
                    error = exc
                finally:
                    self._ready.acquire()
                    for i, waiting in enumerate(group):
                        waiting.done = True
                        if error is not None:
                            waiting.error = error
                        elif isinstance(results[i], BaseException):
                            waiting.error = cast(BaseException, results[i])
                        else:
                            waiting.result = cast(R, results[i])
                    self._running = False
                    self._ready.notify_all()
        if mine.error is not None:
            raise mine.error
        return cast(R, mine.result)
