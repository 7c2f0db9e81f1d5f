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
    """One caller's item in a :class:`GroupCommit` and, once done, its result or error.

    ``wake`` is held from the start; releasing it wakes exactly this caller (its group is
    done, or it is the next to run), so the end of a group wakes its own callers and one
    leader, not every thread waiting.
    """

    __slots__ = ("done", "error", "item", "result", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommit(Generic[T, R]):
    """Runs the items of callers that arrive together in one call of ``run`` (group commit).

    The first caller runs (``run`` gets every item waiting, in arrival order, and does them
    in one transaction); those that arrive meanwhile wait, and the first of them runs all
    that queued up next. Each caller returns when the call holding its item has ended: its
    own result, or raises its own error (an exception in ``run``'s list), or the error
    ``run`` raised (then it is every caller's of that group). A waiting caller sleeps on a
    lock of its own: the end of a group wakes that group's callers and the next leader only.

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
        self._mutex = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._running = False

    def submit(self, item: T) -> R:
        """Do ``item`` (in a call perhaps shared with others' items) and return its result.

        Raises:
            Exception: the item's own error, or the error of the call that held it.
        """
        mine: _Waiting[T, R] = _Waiting(item)
        with self._mutex:
            self._queue.append(mine)
            lead = not self._running
            self._running = True
        if not lead:
            mine.wake.acquire()  # released when its group is done, or when it is to run next
        if not mine.done:
            self._lead()
        if mine.error is not None:
            raise mine.error
        return cast(R, mine.result)

    def _lead(self) -> None:
        """Run the queued items as one group; wake their callers and hand over to the next."""
        with self._mutex:
            group, self._queue = self._queue, []
        results: Sequence[R | BaseException] = ()
        error: BaseException | None = None
        try:
            results = self._run([w.item for w in group])
            if len(results) != len(group):  # pragma: no cover - a bug of run
                raise AssertionError(f"{len(results)} results for {len(group)} items")
        except BaseException as exc:
            error = exc
        for i, waiting in enumerate(group):
            if error is not None:
                waiting.error = error
            elif isinstance(results[i], BaseException):
                waiting.error = cast(BaseException, results[i])
            else:
                waiting.result = cast(R, results[i])
            waiting.done = True
        with self._mutex:
            following = self._queue[0] if self._queue else None
            self._running = following is not None
        for waiting in group[1:]:  # the first is the caller running this group
            waiting.wake.release()
        if following is not None:
            following.wake.release()
