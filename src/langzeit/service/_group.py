"""Service layer: group commit — the work of callers that arrive together, done in one go.

:class:`GroupCommit` is how the service shares one transaction (and one flush of the
log) among requests of one worker that arrive at the same time: the access log's
records (:mod:`._access_log`) and the commands of one programme's engine
(:meth:`langzeit.engine.PathwayEngine.execute_all`, via :class:`._service.Service`).

Each group commit has one committer thread of its own, fed by a queue. A request
coroutine hands its item over with :meth:`GroupCommit.submit_async` and awaits a future
of its event loop, holding no worker thread meanwhile; the committer answers all the
coroutines of a group with one call into their loop. Threads use :meth:`GroupCommit.submit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

__all__ = ["GroupClosed", "GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


class GroupClosed(RuntimeError):
    """An item was submitted to a :class:`GroupCommit` after :meth:`~GroupCommit.close`."""


class _Waiting(Generic[T, R]):
    """One caller's item in a :class:`GroupCommit`: how to answer it, and its result or error.

    A thread's caller holds ``wake`` from the start and sleeps on it; releasing it wakes
    exactly this caller. A coroutine's caller has a ``future`` of its ``loop`` instead.
    """

    __slots__ = ("error", "future", "item", "loop", "result", "wake")

    def __init__(self, item: T, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.loop = loop
        self.future: asyncio.Future[R] | None = None
        self.wake: threading.Lock | None = None
        if loop is None:
            self.wake = threading.Lock()
            self.wake.acquire()
        else:
            self.future = loop.create_future()

    def answer(self) -> R:
        """The result, or raise the error (for a thread's caller, once woken)."""
        if self.error is not None:
            raise self.error
        return cast(R, self.result)


def _settle(group: list[_Waiting[T, R]]) -> None:
    """Set the futures of coroutine callers (in their loop's thread)."""
    for waiting in group:
        future = waiting.future
        if future is None or future.done():  # done: its request was cancelled meanwhile
            continue
        if waiting.error is not None:
            future.set_exception(waiting.error)
        else:
            future.set_result(cast(R, waiting.result))


class GroupCommit(Generic[T, R]):
    """Runs the items of callers that arrive together in one call of ``run`` (group commit).

    A committer thread of its own takes every item waiting, in arrival order, and calls
    ``run`` with all of them (which does them in one transaction); the items that arrive
    meanwhile wait for the next call. Each caller is answered when the call holding its
    item has ended: its own result, or its own error (an exception in ``run``'s list), or
    the error ``run`` raised (then it is every caller's of that group). The thread starts
    with the first item; :meth:`close` lets it finish what is queued and ends it.

    Args:
        run: does a list of items; returns one result per item, or an exception for an item
            that failed alone.
        name: the committer thread's name.

    Examples:
        >>> import asyncio
        >>> calls = []
        >>> def run(items):
        ...     calls.append(list(items))
        ...     return [ValueError(i) if i < 0 else i * 2 for i in items]
        >>> group = GroupCommit(run)
        >>> group.submit(21), calls
        (42, [[21]])
        >>> asyncio.run(group.submit_async(4))
        8
        >>> group.submit(-1)
        Traceback (most recent call last):
        ...
        ValueError: -1
        >>> group.close()
    """

    def __init__(self, run: Callable[[list[T]], Sequence[R | BaseException]], *,
                 name: str = "langzeit-group-commit") -> None:
        self._run = run
        self._name = name
        self._mutex = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._wake = threading.Lock()  # released when items arrive for an idle committer
        self._wake.acquire()
        self._idle = True  # the committer sleeps on _wake (or has not started)
        self._running = False  # a group is being run
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, item: T) -> R:
        """Do ``item`` (in a call perhaps shared with others' items) and return its result.

        Raises:
            GroupClosed: after :meth:`close`.
            Exception: the item's own error, or the error of the call that held it.
        """
        mine: _Waiting[T, R] = _Waiting(item)
        self._put(mine)
        assert mine.wake is not None
        mine.wake.acquire()  # released when its group is done
        return mine.answer()

    async def submit_async(self, item: T) -> R:
        """Like :meth:`submit`, awaited in the running event loop: no thread waits meanwhile.

        If the awaiting task is cancelled, the item is still done (or already was).

        Raises:
            GroupClosed: after :meth:`close`.
            Exception: the item's own error, or the error of the call that held it.
        """
        mine: _Waiting[T, R] = _Waiting(item, asyncio.get_running_loop())
        self._put(mine)
        assert mine.future is not None
        return await mine.future

    def close(self) -> None:
        """Do the items queued so far, then end the committer thread; later submits raise GroupClosed."""
        with self._mutex:
            self._closed = True
            thread, wake = self._thread, self._idle
            self._idle = False
        if thread is None:
            return
        if wake:
            self._wake.release()
        if thread is not threading.current_thread():
            thread.join()

    def _put(self, waiting: _Waiting[T, R]) -> None:
        with self._mutex:
            if self._closed:
                raise GroupClosed("the service is shutting down: no new work is taken")
            self._queue.append(waiting)
            if self._thread is None:
                self._thread = threading.Thread(target=self._commit, name=self._name, daemon=True)
                self._thread.start()
            wake, self._idle = self._idle, False
        if wake:
            self._wake.release()

    def _commit(self) -> None:
        """The committer thread: run what is queued, group after group, until closed and drained."""
        while True:
            self._wake.acquire()
            while True:
                with self._mutex:
                    group, self._queue = self._queue, []
                    if not group:
                        self._running = False
                        if self._closed:
                            return
                        self._idle = True
                        break
                    self._running = True
                self._do(group)

    def _do(self, group: list[_Waiting[T, R]]) -> None:
        """Run one group and answer its callers: threads woken, futures set in one call per loop."""
        results: Sequence[R | BaseException] = ()
        error: BaseException | None = None
        try:
            results = self._run([w.item for w in group])
            if len(results) != len(group):  # pragma: no cover - a bug of run
                raise AssertionError(f"{len(results)} results for {len(group)} items")
        except BaseException as exc:
            error = exc
        loops: dict[asyncio.AbstractEventLoop, list[_Waiting[T, R]]] = {}
        for i, waiting in enumerate(group):
            if error is not None:
                waiting.error = error
            elif isinstance(results[i], BaseException):
                waiting.error = cast(BaseException, results[i])
            else:
                waiting.result = cast(R, results[i])
            if waiting.loop is not None:
                loops.setdefault(waiting.loop, []).append(waiting)
            else:
                assert waiting.wake is not None
                waiting.wake.release()
        for loop, theirs in loops.items():
            # RuntimeError: the loop was closed, nobody awaits them any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, theirs)
