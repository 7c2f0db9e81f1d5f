"""Group commit's committer thread: coroutines and threads answered per item, failures, shutdown."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from langzeit.service._group import GroupClosed, GroupCommit
from langzeit.store import SqliteEventStore
from service._server import Server, running, write_config


def _held_group(log: list[list[int]]) -> tuple[GroupCommit[int, int], threading.Event]:
    """A group whose first run waits for the event returned (so that others queue behind it)."""
    release = threading.Event()

    def run(items: list[int]) -> list[int | BaseException]:
        log.append(list(items))
        if len(log) == 1:
            release.wait(10)
        return [ValueError(i) if i < 0 else i * 10 for i in items]

    return GroupCommit(run), release


async def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


def test_coroutines_and_threads_each_get_their_own_result() -> None:
    """300 coroutines and 4 threads x 50 submit at once: each gets its own result or error, each runs once."""
    runs: list[list[int]] = []

    def run(items: list[int]) -> list[int | BaseException]:
        runs.append(list(items))
        time.sleep(0.0002)  # a commit's flush: later items queue up meanwhile
        return [ValueError(i) if i % 7 == 3 else i * 2 for i in items]

    group: GroupCommit[int, int] = GroupCommit(run)
    wrong: list[str] = []

    def check(i: int, outcome: int | BaseException) -> None:
        expected = ValueError if i % 7 == 3 else i * 2
        if isinstance(outcome, BaseException):
            if expected is not ValueError or outcome.args != (i,):
                wrong.append(f"{i}: raised {outcome!r}")
        elif outcome != expected:
            wrong.append(f"{i}: got {outcome}")

    def thread_caller(t: int) -> None:
        for k in range(50):
            i = 1000 + t * 50 + k
            try:
                check(i, group.submit(i))
            except ValueError as exc:
                check(i, exc)

    async def main() -> None:
        threads = [threading.Thread(target=thread_caller, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        outcomes = await asyncio.gather(*(group.submit_async(i) for i in range(300)), return_exceptions=True)
        for i, outcome in enumerate(outcomes):
            check(i, outcome)
        for th in threads:
            await asyncio.to_thread(th.join, 30)

    asyncio.run(main())
    group.close()
    assert wrong == []
    assert sorted(i for items in runs for i in items) == [*range(300), *range(1000, 1200)]
    assert len(runs) < 300 + 200  # items that arrived together shared a run


def test_awaiting_coroutines_hold_no_thread() -> None:
    """While 100 coroutines await their group, the only extra thread is the committer."""
    log: list[list[int]] = []
    group, release = _held_group(log)

    async def main() -> list[int]:
        before = threading.active_count()
        tasks = [asyncio.ensure_future(group.submit_async(0))]
        await _until(lambda: bool(log), "the first run")
        tasks += [asyncio.ensure_future(group.submit_async(i)) for i in range(1, 100)]
        await _until(lambda: len(group._queue) == 99, "99 queued")
        assert threading.active_count() == before + 1
        release.set()
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(main()) == [i * 10 for i in range(100)]
    assert log == [[0], list(range(1, 100))]
    group.close()


def test_every_coroutine_of_a_failed_run_gets_its_error_and_the_next_run_goes_on() -> None:
    """``run`` raising: each caller of that group gets the error; later items run as before."""
    calls: list[int] = []
    release = threading.Event()

    def run(items: list[int]) -> list[int | BaseException]:
        calls.append(len(items))
        if len(calls) == 1:
            release.wait(10)
        elif len(calls) == 2:
            raise OSError("disk full")
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(run)

    async def main() -> list[int | BaseException]:
        first = asyncio.ensure_future(group.submit_async(0))
        await _until(lambda: group._running, "the first run")
        failing = [asyncio.ensure_future(group.submit_async(i)) for i in (1, 2, 3)]
        await _until(lambda: len(group._queue) == 3, "three queued")
        release.set()
        done = await asyncio.gather(first, *failing, return_exceptions=True)
        return [*done, await group.submit_async(4)]

    outcomes = asyncio.run(main())
    group.close()
    assert (outcomes[0], outcomes[4]) == (0, 4)
    assert [str(e) for e in outcomes[1:4]] == ["disk full"] * 3
    assert calls == [1, 3, 1]


def test_close_does_the_queued_work_then_refuses_more() -> None:
    """close() waits for the running and the queued items (each answered), then submits raise GroupClosed."""
    log: list[list[int]] = []
    group, release = _held_group(log)
    answers: dict[int, int] = {}

    def call(i: int) -> None:
        answers[i] = group.submit(i)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    threads[0].start()
    deadline = time.monotonic() + 10
    while not group._running and time.monotonic() < deadline:
        time.sleep(0.001)
    for th in threads[1:]:
        th.start()
    while len(group._queue) < 5 and time.monotonic() < deadline:
        time.sleep(0.001)
    closing = threading.Thread(target=group.close)
    closing.start()
    time.sleep(0.05)
    assert closing.is_alive()  # still doing the running group
    release.set()
    closing.join(10)
    for th in threads:
        th.join(10)
    assert answers == {i: i * 10 for i in range(6)}
    assert log == [[0], [1, 2, 3, 4, 5]]
    assert group._thread is not None
    assert not group._thread.is_alive()
    with pytest.raises(GroupClosed):
        group.submit(7)
    with pytest.raises(GroupClosed):
        asyncio.run(group.submit_async(8))


def test_a_cancelled_waiter_does_not_stop_its_item_or_the_others() -> None:
    """A request cancelled while its item waits: the item still runs; the others get their answers."""
    log: list[list[int]] = []
    group, release = _held_group(log)

    async def main() -> list[int]:
        first = asyncio.ensure_future(group.submit_async(0))
        await _until(lambda: bool(log), "the first run")
        gone = asyncio.ensure_future(group.submit_async(1))
        stays = asyncio.ensure_future(group.submit_async(2))
        await _until(lambda: len(group._queue) == 2, "two queued")
        gone.cancel()
        release.set()
        return [await first, await stays]

    assert asyncio.run(main()) == [0, 20]
    group.close()
    assert log == [[0], [1, 2]]


def test_close_of_an_unused_group_starts_no_thread() -> None:
    """A group that never got an item has no committer thread to end."""
    group: GroupCommit[int, int] = GroupCommit(lambda items: list(items))
    group.close()
    assert group._thread is None


# -- over HTTP: a real langzeit serve ---------------------------------------------------------------

def _refer(http: httpx.Client, pid: str) -> httpx.Response:
    return http.post("/programmes/geh-vor/commands",
                     json={"command": "refer", "participant_id": pid, "date": "2024-02-01"})


def test_concurrent_commands_each_get_their_own_events(server: Server) -> None:
    """40 clients at once, one referral each: every answer holds its own participant's event only."""
    def one(i: int) -> tuple[str, list[dict[str, Any]]]:
        with server.client("administrator") as http:
            response = _refer(http, f"gc-{i}")
            assert response.status_code == 201, response.text
            return f"gc-{i}", response.json()["events"]

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(one, range(40)))
    for pid, events in answers:
        assert [(e["participant_id"], e["type"]) for e in events] == [(pid, "referred")]
    ids = [e["event_id"] for _, events in answers for e in events]
    assert len(set(ids)) == len(ids) == 40


@pytest.mark.slow
def test_stopping_the_server_mid_load_loses_no_answered_command(tmp_path: Path) -> None:
    """SIGTERM while 16 clients send commands: every command answered 201 is in the store, once."""
    tokens = write_config(tmp_path, '[store]\nsqlite = "events.sqlite"')
    answered: list[str] = []
    stop = threading.Event()

    def client(server: Server, c: int) -> None:
        with server.client("administrator") as http:
            for k in range(10_000):
                if stop.is_set():
                    return
                try:
                    response = _refer(http, f"stop-{c}-{k}")
                except httpx.HTTPError:
                    return  # the server went away
                if response.status_code != 201:
                    assert response.status_code == 503, response.text  # closing: nothing was written
                    return
                answered.extend(e["event_id"] for e in response.json()["events"])

    with running(tmp_path, tokens) as server:
        threads = [threading.Thread(target=client, args=(server, c)) for c in range(16)]
        for th in threads:
            th.start()
        time.sleep(0.5)
        server.process.terminate()
        assert server.process.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once done
        stop.set()
        for th in threads:
            th.join(30)
    assert answered  # some were answered before the stop
    with SqliteEventStore(tmp_path / "events.sqlite", readonly=True) as store:
        stored = [s.event.event_id for s in store.events_since(0)]
    assert len(stored) == len(set(stored))
    assert set(answered) <= set(stored)
    assert len(set(stored) - set(answered)) <= 16  # at most the one in flight per client


def test_work_arriving_while_the_service_closes_is_answered_not_ready() -> None:
    """A command or an access record submitted after close() is answered with the problem not-ready (503)."""
    from langzeit.service._problems import problem_of

    group: GroupCommit[int, int] = GroupCommit(list)
    group.close()
    with pytest.raises(GroupClosed) as info:
        group.submit(1)
    problem = problem_of(info.value)
    assert (problem.kind.name, problem.status) == ("not-ready", 503)
